"""A table for the terminal: colour on a terminal, plain text when piped."""

from __future__ import annotations

from typing import TextIO

from nncheck.audit import Audit, Kind
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


def _clean(text: str) -> str:
    """Control characters become "?", so spec text cannot move the cursor or recolour the terminal."""
    return one_line(text)


def _cell(text: str) -> str:
    if len(text) <= MAX_CELL and text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # the common cell: nothing to clean, join or cut
    text = " ".join(_clean(text).split())
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def render(audit: Audit, stream: TextIO, color: bool) -> None:
    rows = [(_cell(v.ref), _cell(subject(v, audit.depth)), _cell(v.stated), _cell(v.exact), v.kind.value)
            for v in audit.verdicts]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    source = f" (document: {_clean(audit.source)})" if audit.source else ""
    stream.write(f"{_clean(audit.title)}\n{_clean(audit.path)}{source}\n")
    if audit.coverage is not None:
        stream.write(_clean(coverage_line(audit.coverage)) + "\n")
    if rows:  # a run in which nothing was judged: the summary says so, with no empty table above it
        stream.write("\n" + line(HEADERS) + "\n")
    for verdict, row in zip(audit.verdicts, rows):
        text = line(row)
        if color:
            prefix = "".join(cell.ljust(width) + "  " for cell, width in zip(row[:-1], widths))
            text = prefix + f"\x1b[{COLOURS[verdict.kind]}m{row[-1]}\x1b[0m"
        stream.write(text + "\n")
        if verdict.is_finding or verdict.conflicts_with or verdict.remarks:
            for note in notes(verdict):
                stream.write(" " * (widths[0] + 2) + "- " + _clean(note) + "\n")
    stream.write("\n" + summary(audit) + "\n")
