"""Counted nouns in messages: "1 number", "2 numbers", "1 copy", "2 copies"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and the noun, singular for exactly 1 (``plural`` for irregular plurals, else noun + "s")."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
