"""What every reporter says about a verdict, in one place: names and explanatory notes."""

from __future__ import annotations

from collections.abc import Sequence

from nncheck.audit import Audit, Kind, Verdict
from nncheck.findings import DETAILED, Coverage, SkipReason
from nncheck.words import counted
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
        # A wrong number that read rounded or mistaken earlier numbers is not carried: it is wrong on top of them.
        carries = "carries " if verdict.kind in (Kind.CARRIED, Kind.SLIP, Kind.HOLDS) else "computed from "
        lines.append(carries + ", ".join(verdict.inherits_from))
    if verdict.conflicts_with:
        lines.append("stated differently at " + ", ".join(verdict.conflicts_with))
    if verdict.kind is not Kind.HOLDS and verdict.relative_error is not None:
        lines.append(f"relative error {percent(verdict.relative_error)}")
    lines += [remark.message for remark in verdict.remarks]
    return lines + explanations(verdict)


def percent(ratio: float) -> str:
    """A signed percentage to two decimals; one too small for that (a carried copy's), to two significant digits
    rather than a bare "-0.00%"."""
    if ratio == 0 or abs(ratio) >= 0.00005:
        return f"{ratio:+.2%}"
    return f"{ratio * 100:+.2g}%"


def explanations(verdict: Verdict) -> list[str]:
    """The diagnosis: each hypothesis recomputed, simplest first; or that none was found. Hypotheses, not facts."""
    if not verdict.diagnosed:
        return []
    if not verdict.hypotheses:
        return [NO_EXPLANATION]
    return [f"possible cause: {hypothesis.summary()}" for hypothesis in verdict.hypotheses]


NO_EXPLANATION = "no simple explanation found"


# A coverage line quotes at most this many unreadable equations; the JSON report lists them all.
QUOTED_SKIPS = 3


def coverage_line(coverage: Coverage) -> str:
    """e.g. "23 equations found, 10 checked, 13 skipped (5 symbolic only, 8 nothing to compare)"."""
    counts = coverage.counts()
    parts = []
    for reason in SkipReason:
        if not counts[reason]:
            continue
        part = f"{counts[reason]} {reason.value}"
        if reason in DETAILED:
            quoted = [f"line {s.location.line}: {s.detail}" for s in coverage.skipped if s.reason is reason]
            part += ": " + "; ".join(quoted[:QUOTED_SKIPS]) + ("; …" if len(quoted) > QUOTED_SKIPS else "")
        parts.append(part)
    reasons = f" ({', '.join(parts)})" if parts else ""
    inline = (f"; {coverage.inline_found} inline {'formula' if coverage.inline_found == 1 else 'formulas'}, "
              f"{coverage.inline_checked} with a verdict") if coverage.inline_found else ""
    unread = [s for s in coverage.unread_sides if s.reason is not SkipReason.NOT_EVALUATED]
    not_evaluated = [s for s in coverage.unread_sides if s.reason is SkipReason.NOT_EVALUATED]
    for sides, noun, what in ((unread, "side", "unread"), (not_evaluated, "relation", "not checked")):
        if sides:
            quoted = [f"line {s.location.line}: {s.detail}" for s in sides]
            count = len(sides)
            reasons += (f"; {count} {noun if count == 1 else noun + 's'} of judged equations {what}: "
                        + "; ".join(quoted[:QUOTED_SKIPS]) + ("; …" if count > QUOTED_SKIPS else ""))
    equations = "equation" if coverage.found == 1 else "equations"
    return f"{coverage.found} {equations} found, {coverage.checked} checked, {len(coverage.skipped)} skipped{reasons}{inline}"


def summary(audit: Audit) -> str:
    counts = audit.counts()
    parts = [f"{counts[kind]} {kind.value}" for kind in Kind if counts[kind]]
    count = len(audit.verdicts)
    line = f"{count} {'number' if count == 1 else 'numbers'} checked" + (": " + ", ".join(parts) if parts else "")
    if not count and audit.coverage is not None:
        line += f" — {NOTHING_JUDGED}"
    if audit.undiagnosed:
        line += f" ({undiagnosed_note(audit)})"
    return line


# What a page's summary (and the warning on stderr) says when none of its numbers could be judged.
NOTHING_JUDGED = "nothing on this page could be judged: no formula with a printed value nncheck can compute"


def undiagnosed_note(audit: Audit) -> str:
    if audit.diagnosis_stopped:
        return f"{counted(audit.undiagnosed, 'finding')} not diagnosed: {audit.diagnosis_stopped}"
    return (f"{counted(audit.undiagnosed, 'finding')} not diagnosed: the diagnosis stopped after "
            f"{sum(1 for v in audit.verdicts if v.diagnosed)} (--diagnose N raises the limit)")


def total(audits: Sequence[Audit]) -> str:
    """The summary of a run over several files: "3 files, 52 numbers checked: 40 holds, 9 carried, 3 wrong"."""
    counts = {kind: sum(audit.counts()[kind] for audit in audits) for kind in Kind}
    parts = [f"{counts[kind]} {kind.value}" for kind in Kind if counts[kind]]
    checked = sum(counts.values())
    return (f"{counted(len(audits), 'file')}, {counted(checked, 'number')} checked"
            + (": " + ", ".join(parts) if parts else ""))
