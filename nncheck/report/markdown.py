"""A Markdown report: a summary and one table row per printed number."""

from __future__ import annotations

import html
from typing import TextIO

from nncheck.audit import Audit
from nncheck.report.common import coverage_line, notes, subject, summary


def _cell(text: str) -> str:
    """Escape for a table cell: HTML, pipes and Markdown punctuation cannot break out."""
    escaped = html.escape(text.replace("\n", " "), quote=False).replace("|", "\\|")
    for ch in "`*_":
        escaped = escaped.replace(ch, "\\" + ch)
    # Brackets as character references: a \[ would open display math for a page reader (nncheck's own included).
    return escaped.replace("[", "&#91;").replace("]", "&#93;")


def render(audit: Audit, stream: TextIO, color: bool = False) -> None:
    stream.write(f"# Audit: {_cell(audit.title)}\n\n")
    source = f" · document: {_cell(audit.source)}" if audit.source else ""
    label = "Spec" if audit.coverage is None else "Document"
    stream.write(f"{label}: `{audit.path}`{source} · {summary(audit)}\n\n")
    if audit.coverage is not None:
        stream.write(f"Coverage: {_cell(coverage_line(audit.coverage))}\n\n")
    if not audit.verdicts:
        return  # nothing was judged: the summary line says so, and an empty table would say nothing
    stream.write("| id | quantity | stated | exact | verdict | notes |\n|---|---|---|---|---|---|\n")
    for v in audit.verdicts:
        cells = (v.ref, subject(v, audit.depth), v.stated, v.exact, v.kind.value, "; ".join(notes(v)))
        stream.write("| " + " | ".join(_cell(c) for c in cells) + " |\n")
