"""Stage 3: judge every printed number of a Document. Returns findings; never prints.

One entry, :func:`audit`, for every reader's Document: a spec's claims are judged against its
network (judge.py), a page's formulas against the page's own true chain (page/), and a spec's
equations by the page's chain judge (equations.py). All of them share the verdict ladder
(classify.py), the ledger of restatements and conflicts (ledger.py), the one evaluator
(nncheck.expr.evaluate) and the one precision loop (nncheck.network.ball.settled).
"""

from __future__ import annotations

from nncheck.audit.judge import EvaluationError, audit_spec
from nncheck.findings import DEFAULT_FAIL_ON, Audit, Hypothesis, Kind, Slip, Verdict
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Document, ModelSpec, Spec


def audit(document: Document, *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Audit:
    """Judge every printed number of ``document``; explain the first ``diagnose`` findings (None: all).

    Raises EvaluationError when a spec's network cannot be evaluated (a log of 0 in its loss, say).
    """
    if isinstance(document, (Spec, ModelSpec)):
        return audit_spec(document, diagnose=diagnose)
    from nncheck.audit.page import audit_page

    return audit_page(document, diagnose=diagnose)


def audit_markdown(text: str, path: str = "<document>", *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Audit:
    """Read a Markdown text and judge it (:func:`audit` of :func:`nncheck.readers.markdown.parse_markdown`)."""
    from nncheck.readers.markdown import parse_markdown

    return audit(parse_markdown(text, path), diagnose=diagnose)


__all__ = ["DEFAULT_FAIL_ON", "Audit", "EvaluationError", "Hypothesis", "Kind", "Slip", "Verdict", "audit", "audit_markdown"]
