"""A Markdown report: a summary and one table row per printed number."""

from __future__ import annotations

import html
from typing import TextIO

from nncheck.audit import Audit
from nncheck.report.common import coverage_line, notes, subject, summary
from nncheck.report.lines import one_line


def _cell(text: str) -> str:
    """Escape for Markdown text and table cells, for the renderers that read the report (CommonMark with tables,
    Python-Markdown with attr_list, MathJax): control characters (ESC sequences) become "?", HTML is escaped, pipes
    and Markdown punctuation cannot break out, brackets and braces are character references (a \\[ would open
    display math; a "{: onclick=… }" would become attributes under attr_list)."""
    printable = one_line(text.replace("\n", " "))
    escaped = html.escape(printable, quote=False).replace("|", "\\|")
    for ch in "`*_":
        escaped = escaped.replace(ch, "\\" + ch)
    for ch, reference in (("[", "&#91;"), ("]", "&#93;"), ("{", "&#123;"), ("}", "&#125;")):
        escaped = escaped.replace(ch, reference)
    return escaped


def _code(text: str) -> str:
    """A code span that ``text`` cannot leave: fenced by one more backtick than its longest run (CommonMark), with
    control characters as "?"."""
    printable = one_line(text)
    run, longest = 0, 0
    for ch in printable:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {printable} {fence}" if longest else f"`{printable}`"


def render(audit: Audit, stream: TextIO, color: bool = False) -> None:
    stream.write(f"# Audit: {_cell(audit.title)}\n\n")
    source = f" · document: {_cell(audit.source)}" if audit.source else ""
    label = "Spec" if audit.coverage is None else "Document"
    stream.write(f"{label}: {_code(audit.path)}{source} · {_cell(summary(audit))}\n\n")
    if audit.coverage is not None:
        stream.write(f"Coverage: {_cell(coverage_line(audit.coverage))}\n\n")
    if not audit.verdicts:
        return  # nothing was judged: the summary line says so, and an empty table would say nothing
    stream.write("| id | quantity | stated | exact | verdict | notes |\n|---|---|---|---|---|---|\n")
    for v in audit.verdicts:
        cells = (v.ref, subject(v, audit.depth), v.stated, v.exact, v.kind.value, "; ".join(notes(v)))
        stream.write("| " + " | ".join(_cell(c) for c in cells) + " |\n")
