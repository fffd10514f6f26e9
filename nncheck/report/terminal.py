"""A table for the terminal: colour on a terminal, plain text when piped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from nncheck.audit import Audit, Kind, Verdict
from nncheck.findings import VerdictBlock, Verdicts
from nncheck.quantities import display
from nncheck.report.common import coverage_line, notes, subject, summary
from nncheck.report.lines import one_line

# ANSI SGR colours per verdict: green holds, yellow the forgivable, red the failures.
COLOURS = {
    Kind.HOLDS: "32", Kind.SLIP: "33", Kind.CARRIED: "33",
    Kind.WRONG: "31", Kind.CONTRADICTION: "31;1", Kind.UNDECIDED: "35",
}
HEADERS = ("id", "quantity", "stated", "exact", "verdict")
# A cell longer than this (an equation's LaTeX with a matrix in it) is cut, with "…": the table stays readable on a
# terminal, and the other formats (JSON, Markdown, SARIF) keep the whole text.
MAX_CELL = 48
# A run of at least this many consecutive entries of one quantity that all hold, with nothing to note, is one row
# ("dL/dW1[0,0]…[63,63]  ∂L/∂W1  4096 numbers  holds"): a 64×64 matrix is not 4,096 lines. Findings, and every
# number of the other formats, are listed one by one.
HELD_RUN = 10


def _clean(text: str) -> str:
    """Control characters become "?", so spec text cannot move the cursor or recolour the terminal."""
    return one_line(text)


def _cell(text: str) -> str:
    if len(text) <= MAX_CELL and text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # the common cell: nothing to clean, join or cut
    text = " ".join(_clean(text).split())
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _quiet(verdict: Verdict) -> bool:
    """Whether a verdict is an entry that holds with nothing to note (it may share a row with its neighbours)."""
    return (verdict.kind is Kind.HOLDS and not verdict.conflicts_with and not verdict.remarks
            and verdict.expression is None and verdict.ref.endswith("]"))


def _runs(verdicts: Sequence[Verdict]) -> list[tuple[Verdict, Verdict, int] | VerdictBlock]:
    """The verdicts as (first, last, count): runs of HELD_RUN or more quiet entries of one quantity (and one step's
    used values) together, in row-major order, every other verdict alone. A block an audit kept whole (all quiet,
    one quantity no neighbour shares) is one run, unmade; a shorter one, or one printed in another order, is made
    and goes one by one."""
    if isinstance(verdicts, Verdicts):
        runs: list[tuple[Verdict, Verdict, int] | VerdictBlock] = []
        pending: list[Verdict] = []
        for part in verdicts.parts:
            if isinstance(part, VerdictBlock) and part.count >= HELD_RUN and part.ordered:
                runs += _verdict_runs(pending)
                pending = []
                runs.append(part)
            else:
                pending.extend(part.make() if isinstance(part, VerdictBlock) else (part,))
        return runs + _verdict_runs(pending)
    return list(_verdict_runs(verdicts))


def _index(ref: str) -> tuple[int, ...] | None:
    """The element index a ref ends with ("dL/dW1[3,4]" gives (3, 4)); None when it ends with none."""
    start = ref.rfind("[")
    try:
        return tuple(int(part) for part in ref[start + 1:-1].split(",")) if start >= 0 and ref.endswith("]") else None
    except ValueError:
        return None


def _follows(previous: str, ref: str) -> bool:
    """Whether ``ref``'s index comes right after ``previous``'s in row-major order (the next entry of the row, or the
    first of the next row), so that "first…last" names every entry between: a claim printed transposed lists its
    entries column by column, and a run of those is not a range. The row's length is not known here, so a wrap to
    the next row is taken after any entry past column 0 (a run broken too early only costs rows)."""
    before, after = _index(previous), _index(ref)
    if before is None or after is None or len(before) != len(after):
        return False
    # A row wraps only after an entry past column 0: [0,0] then [1,0] is a column, printed transposed.
    return after == before[:-1] + (before[-1] + 1,) or (len(after) == 2 and before[1] > 0 and after == (before[0] + 1, 0))


def _verdict_runs(verdicts: Sequence[Verdict]) -> list[tuple[Verdict, Verdict, int]]:
    runs: list[tuple[Verdict, Verdict, int]] = []
    start, count = 0, len(verdicts)
    while start < count:
        first = verdicts[start]
        end = start + 1
        if _quiet(first):
            while (end < count and _quiet(verdicts[end]) and verdicts[end].subject == first.subject
                   and verdicts[end].used_by == first.used_by and verdicts[end].place == first.place
                   and _follows(verdicts[end - 1].ref, verdicts[end].ref)):
                end += 1
        if end - start >= HELD_RUN:
            runs.append((first, verdicts[end - 1], end - start))
        else:
            runs.extend((v, v, 1) for v in verdicts[start:end])
        start = end
    return runs


def _row(run: tuple[Verdict, Verdict, int] | VerdictBlock, depth: int) -> tuple[str, ...]:
    if isinstance(run, VerdictBlock):
        first_ref, last_ref, quantity, count, kind = run.first_ref, run.last_ref, run.subject, run.count, run.kind
    else:
        first, last, count = run
        if count == 1:
            return _cell(first.ref), _cell(subject(first, depth)), _cell(first.stated), _cell(first.exact), first.kind.value
        first_ref, last_ref, quantity, kind = first.ref, last.ref, first.subject, first.kind
    return (_cell(f"{first_ref}…{last_ref[last_ref.rindex('['):]}"), _cell(display(quantity, depth)), f"{count} numbers",
            "", kind.value)


def render(audit: Audit, stream: TextIO, color: bool) -> None:
    runs = _runs(audit.verdicts)
    rows = [_row(run, audit.depth) for run in runs]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    source = f" (document: {_clean(audit.source)})" if audit.source else ""
    stream.write(f"{_clean(audit.title)}\n{_clean(audit.path)}{source}\n")
    if audit.coverage is not None:
        stream.write(_clean(coverage_line(audit.coverage)) + "\n")
    if rows:  # a run in which nothing was judged: the summary says so, with no empty table above it
        stream.write("\n" + line(HEADERS) + "\n")
    for run, row in zip(runs, rows):
        text = line(row)
        if color:
            prefix = "".join(cell.ljust(width) + "  " for cell, width in zip(row[:-1], widths))
            text = prefix + f"\x1b[{COLOURS[run.kind if isinstance(run, VerdictBlock) else run[0].kind]}m{row[-1]}\x1b[0m"
        stream.write(text + "\n")
        if isinstance(run, VerdictBlock):
            continue
        verdict = run[0]
        if verdict.is_finding or verdict.conflicts_with or verdict.remarks:
            for note in notes(verdict):
                stream.write(" " * (widths[0] + 2) + "- " + _clean(note) + "\n")
    stream.write("\n" + summary(audit) + "\n")
