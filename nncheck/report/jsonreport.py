"""The JSON report: a versioned, documented shape (see report-schema.json beside this file)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from nncheck import __version__
from nncheck.audit import Audit, Kind, Verdict

# Bump on any change that could break a reader of the JSON.
FORMAT_VERSION = 1


def _verdict(v: Verdict) -> dict[str, Any]:
    return {
        "id": v.ref,
        "verdict": v.kind.key,
        "quantity": v.subject,
        "expression": v.expression,
        "stated": v.stated,
        "exact": v.exact,
        "own": v.own,
        "relative_error": v.relative_error,
        "inherits_from": list(v.inherits_from),
        "conflicts_with": list(v.conflicts_with),
        "used_by": v.used_by,
        "step": v.place.step,
        "latex": v.place.latex,
        "document_line": v.place.document_line,
        "location": {"path": v.location.path, "line": v.location.line, "column": v.location.column},
    }


def as_data(audit: Audit) -> dict[str, Any]:
    counts = audit.counts()
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "nncheck", "version": __version__},
        "spec": audit.path,
        "title": audit.title,
        "source": audit.source,
        "precision_bits": audit.precision,
        "summary": {kind.key: counts[kind] for kind in Kind},
        "verdicts": [_verdict(v) for v in audit.verdicts],
    }


def render(audit: Audit, stream: TextIO, color: bool = False) -> None:
    json.dump(as_data(audit), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
