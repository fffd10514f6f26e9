"""The JSON report: a versioned, documented shape (see report-schema.json beside this file)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from nncheck import __version__
from nncheck.audit import Audit, Hypothesis, Kind, Verdict
from nncheck.findings import Coverage
from nncheck.errors import Location
from nncheck.report.common import coverage_line

# Bump on any change that could break a reader of the JSON: a field removed, renamed or changing meaning.
# Fields may be added within a version (diagnosed and hypotheses were); readers ignore what they do not know.
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
        "location": location_data(v.location),
        "diagnosed": v.diagnosed,
        "hypotheses": [hypothesis(h) for h in v.hypotheses],
        "remarks": [{"code": r.code, "message": r.message} for r in v.remarks],
    }


def hypothesis(h: Hypothesis) -> dict[str, Any]:
    """One hypothesis of the diagnosis (the SARIF report's result properties use the same shape)."""
    return {
        "families": list(h.families),
        "description": h.describe(),
        "slips": [{"family": s.family, "template": s.template, "arguments": dict(s.arguments)} for s in h.slips],
        "frame": h.frame,
        "derivation": list(h.derivation),
        "value": h.value,
        "cost": h.cost,
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
        "undiagnosed": audit.undiagnosed,
        "diagnosis_stopped": audit.diagnosis_stopped,
        "summary": {kind.key: counts[kind] for kind in Kind},
        "verdicts": [_verdict(v) for v in audit.verdicts],
        "coverage": None if audit.coverage is None else coverage_data(audit.coverage),
    }


def location_data(location: Location) -> dict[str, Any]:
    """path, line and column; in a notebook also the cell (1-based), in which line and column count."""
    data: dict[str, Any] = {"path": location.path, "line": location.line, "column": location.column}
    if location.cell is not None:
        data["cell"] = location.cell
    return data


def coverage_data(coverage: Coverage) -> dict[str, Any]:
    """A Markdown document's coverage (the SARIF report's run properties use the same shape)."""
    return {
        "found": coverage.found,
        "checked": coverage.checked,
        "unread_sides": [{"reason": s.reason.key, "detail": s.detail,
                          "location": location_data(s.location)}
                         for s in coverage.unread_sides],
        "inline_found": coverage.inline_found,
        "inline_checked": coverage.inline_checked,
        "summary": coverage_line(coverage),
        "skipped": [{"reason": s.reason.key, "detail": s.detail,
                     "location": location_data(s.location)}
                    for s in coverage.skipped],
    }


def render(audit: Audit, stream: TextIO, color: bool = False) -> None:
    json.dump(as_data(audit), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def render_line(audit: Audit, stream: TextIO, color: bool = False) -> None:
    """The report on one line (--format jsonl: one line per file)."""
    stream.write(json.dumps(as_data(audit), ensure_ascii=False) + "\n")
