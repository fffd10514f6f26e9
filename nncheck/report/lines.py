"""One line per finding, ``path:line:col: severity: message``: the form editors and CI annotations parse.

The one-sentence headline and the diagnosis lines defined here are shared by the SARIF report and
the pytest plugin, so a finding reads the same in every tool.
"""

from __future__ import annotations

from typing import TextIO

from nncheck.audit import Audit, Kind, Verdict
from nncheck.findings import DETAILED
from nncheck.report.common import coverage_line, notes

# Severity per verdict kind, in SARIF's vocabulary (error, warning, note), which compilers share.
# error: the default --fail-on set, a number that is simply false.
# warning: a false last digit, or a comparison nncheck could not settle; both want a person's look.
# note: a number that is right for the document's own earlier numbers; fixing the earlier
#       statement fixes it, so it is reported for context rather than as a problem of its own.
SEVERITY = {
    Kind.WRONG: "error",
    Kind.CONTRADICTION: "error",
    Kind.SLIP: "warning",
    Kind.UNDECIDED: "warning",
    Kind.CARRIED: "note",
}


def headline(verdict: Verdict) -> str:
    """What is wrong in one clause, e.g. ``claim 'z2': document states 3.18, recomputed 2.73 (wrong)``."""
    what = "equation" if verdict.expression is not None else "claim"
    return f"{what} {verdict.ref!r}: document states {verdict.stated}, recomputed {verdict.exact} ({verdict.kind.value})"


def diagnosis(verdict: Verdict) -> list[str]:
    """The notes that explain a finding, and the document's line when the spec records it."""
    lines = notes(verdict)
    if verdict.place.document_line is not None:
        lines.append(f"printed on line {verdict.place.document_line} of the document")
    return lines


def message(verdict: Verdict) -> str:
    """The headline and its diagnosis in one sentence, as the line and SARIF reports give it."""
    return "; ".join([headline(verdict), *diagnosis(verdict)])


def one_line(text: str) -> str:
    """Control characters (a newline in an id, say) would split or recolour the line: each becomes "?". Most text has
    none, which str.isprintable says at C speed (the reports of a large spec write tens of thousands of cells)."""
    return text if text.isprintable() else "".join(ch if ch.isprintable() else "?" for ch in text)


def render(audit: Audit, stream: TextIO, color: bool = False) -> None:
    for verdict in audit.verdicts:
        if verdict.is_finding:
            stream.write(one_line(f"{verdict.location}: {SEVERITY[verdict.kind]}: {message(verdict)}") + "\n")
    if audit.coverage is not None:  # a Markdown document: what could not be read, then the coverage
        for skipped in audit.coverage.skipped:
            if skipped.reason in DETAILED:
                text = f"{skipped.location}: note: equation skipped, {skipped.reason.value}: {skipped.detail}"
                stream.write(one_line(text) + "\n")
        stream.write(one_line(f"{audit.path}:1:1: note: {coverage_line(audit.coverage)}") + "\n")
