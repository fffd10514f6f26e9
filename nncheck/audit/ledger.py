"""The ledger of what a document printed for each element of each quantity: restatements and conflicts.

One ledger for specs and pages. Statements are recorded in document order under a key (a spec's
``(quantity, index)``; a page's name, binding and index). A statement that repeats the latest one of
its key digit for digit is a **restatement**: it is not recorded again, and stands for the one it
repeats. Two statements of one key whose values cannot agree (disjoint rounding intervals, a given
being exact) **conflict**: the later one, if wrong, is a contradiction (docs/verdicts.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, TypeVar

from nncheck.printed import Printed

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Entry:
    """One printed value of one element."""

    position: int  # document order: a statement's place in a spec, a character offset in a page
    printed: Printed
    ref: str
    exact: bool = False  # a given's value, exact as written rather than a rounding interval

    def interval(self) -> tuple[Fraction, Fraction]:
        if self.exact:
            return self.printed.value, self.printed.value
        return self.printed.rounding_interval()


def disjoint(entry: Entry, printed: Printed) -> bool:
    """Whether no value both rounds to ``printed`` and is ``entry``'s value."""
    low, high = printed.rounding_interval()
    other_low, other_high = entry.interval()
    return other_high < low or other_low > high


@dataclass
class Ledger(Generic[K]):
    """Every recorded statement, by key, in document order."""

    by_key: dict[K, list[Entry]] = field(default_factory=dict)

    def latest(self, key: K) -> Entry | None:
        entries = self.by_key.get(key)
        return entries[-1] if entries else None

    def repeated(self, key: K, printed: Printed) -> Entry | None:
        """The statement ``printed`` repeats digit for digit (the latest of its key), if it does."""
        latest = self.latest(key)
        return latest if latest is not None and latest.printed.text == printed.text else None

    def record(self, key: K, entry: Entry) -> None:
        self.by_key.setdefault(key, []).append(entry)

    def unrecord(self, key: K) -> None:
        """Take back the latest statement of ``key`` (a judgement made again at another precision)."""
        entries = self.by_key[key]
        entries.pop()
        if not entries:
            del self.by_key[key]

    def conflicting(self, key: K, printed: Printed) -> tuple[str, ...]:
        """The refs of the statements recorded so far that ``printed`` conflicts with."""
        return tuple(entry.ref for entry in self.by_key.get(key, ()) if disjoint(entry, printed))

    def conflicts(self) -> dict[str, list[tuple[int, str]]]:
        """For every recorded statement, the others of its key it conflicts with, earlier and later: (position, ref)."""
        result: dict[str, list[tuple[int, str]]] = {}
        for entries in self.by_key.values():
            if len(entries) < 2:
                for entry in entries:
                    result.setdefault(entry.ref, [])
                continue
            for entry in entries:
                result[entry.ref] = [(other.position, other.ref) for other in entries
                                     if other is not entry and disjoint(other, entry.printed)]
        return result
