"""Stage 4: render an Audit for people and tools. Only the CLI imports this stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the CLI imports FORMATS for --help; the audit stage loads only when rendering
    from nncheck.audit import Audit

FORMATS = ("terminal", "markdown", "json", "sarif", "lines")
Renderer = Callable[["Audit", TextIO, bool], None]


def renderer(name: str) -> Renderer:
    """The renderer for a --format name (imported on demand)."""
    if name == "terminal":
        from nncheck.report.terminal import render
    elif name == "markdown":
        from nncheck.report.markdown import render
    elif name == "json":
        from nncheck.report.jsonreport import render
    elif name == "sarif":
        from nncheck.report.sarif import render
    elif name == "lines":
        from nncheck.report.lines import render
    else:
        raise ValueError(f"unknown format {name!r}; expected one of: {', '.join(FORMATS)}")
    return render
