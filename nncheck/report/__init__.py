"""Stage 4: render an Audit for people and tools. Only the CLI imports this stage."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the CLI imports FORMATS for --help; the audit stage loads only when rendering
    from nncheck.api import Outcome
    from nncheck.audit import Audit

FORMATS = ("terminal", "markdown", "json", "jsonl", "sarif", "lines")
Renderer = Callable[["Audit", TextIO, bool], None]


def renderer(name: str) -> Renderer:
    """The renderer for a --format name (imported on demand)."""
    if name == "terminal":
        from nncheck.report.terminal import render
    elif name == "markdown":
        from nncheck.report.markdown import render
    elif name == "json":
        from nncheck.report.jsonreport import render
    elif name == "jsonl":
        from nncheck.report.jsonreport import render_line as render
    elif name == "sarif":
        from nncheck.report.sarif import render
    elif name == "lines":
        from nncheck.report.lines import render
    else:
        raise ValueError(f"unknown format {name!r}; expected one of: {', '.join(FORMATS)}")
    return render


def render_all(name: str, outcomes: Sequence[Outcome], stream: TextIO, color: bool, *, several: bool) -> None:
    """The report of a run over files: one audit's report as :func:`renderer` writes it when not ``several``; else
    per-file sections (terminal, markdown, lines), one JSON list (json), one report per line (jsonl), one SARIF run
    with every result (sarif). A file that could not be audited is an entry with its errors in json, jsonl and
    sarif (a tool execution notification); the other formats leave it to the errors on standard error."""
    audits = [outcome.audit for outcome in outcomes if outcome.audit is not None]
    if name == "jsonl":
        from nncheck.report.jsonreport import as_data

        for outcome in outcomes:
            data = as_data(outcome.audit) if outcome.audit is not None else {"spec": outcome.path, "errors": list(outcome.problems)}
            stream.write(json.dumps(data, ensure_ascii=False) + "\n")
    elif not several and len(audits) == 1:
        renderer(name)(audits[0], stream, color)
    elif name == "json":
        from nncheck.report.jsonreport import as_data

        reports = [as_data(o.audit) if o.audit is not None else {"spec": o.path, "errors": list(o.problems)} for o in outcomes]
        json.dump(reports, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif name == "sarif":
        from nncheck.report.sarif import combined

        json.dump(combined(outcomes), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    else:
        render = renderer(name)
        for index, audit in enumerate(audits):
            if index and name != "lines":
                stream.write("\n")
            render(audit, stream, color)
        unreadable = len(outcomes) - len(audits)
        if name == "terminal" and (len(audits) > 1 or unreadable and audits):
            from nncheck.report.common import total
            from nncheck.words import counted

            could_not = f"; {counted(unreadable, 'file')} could not be read (errors above)" if unreadable else ""
            stream.write("\n" + total(audits) + could_not + "\n")
