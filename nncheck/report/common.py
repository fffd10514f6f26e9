"""What every reporter says about a verdict, in one place: names and explanatory notes."""

from __future__ import annotations

from nncheck.audit import Audit, Kind, Verdict
from nncheck.quantities import display


def subject(verdict: Verdict, depth: int) -> str:
    """The quantity as a reader writes it, e.g. ∂L/∂W1[0,1], or the equation's arithmetic."""
    if verdict.expression is not None:
        return verdict.expression
    name = display(verdict.subject, depth)
    suffix = verdict.ref[verdict.ref.index("["):] if "[" in verdict.ref else ""
    return name + suffix


def notes(verdict: Verdict) -> list[str]:
    """Short sentences that explain a finding; empty for a value that holds without conflicts."""
    lines: list[str] = []
    if verdict.used_by is not None:
        lines.append(f"value used in the step of {verdict.used_by!r}")
    if verdict.kind is not Kind.HOLDS and verdict.own is not None and verdict.own != verdict.exact:
        lines.append(f"the document's own numbers give {verdict.own}")
    if verdict.inherits_from:
        lines.append("carries " + ", ".join(verdict.inherits_from))
    if verdict.conflicts_with:
        lines.append("stated differently at " + ", ".join(verdict.conflicts_with))
    if verdict.kind is not Kind.HOLDS and verdict.relative_error is not None:
        lines.append(f"relative error {verdict.relative_error:+.2%}")
    return lines


def summary(audit: Audit) -> str:
    counts = audit.counts()
    parts = [f"{counts[kind]} {kind.value}" for kind in Kind if counts[kind]]
    return f"{len(audit.verdicts)} numbers checked: " + ", ".join(parts)
