"""A page's arithmetic, judged by its own true chain: no spec needed.

The reader (nncheck/readers/markdown.py) gives a Document of the page's formulas; the page judge
(judge.py, one equation at a time in chain.py) follows the page's givens and formulas and judges
each printed number of each display equation with the verdict ladder every number goes down. The
result is the same Audit record, so every report format works unchanged; ``Audit.coverage`` says
which equations were checked.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from nncheck.errors import NncheckError
from nncheck.findings import DIAGNOSED, Audit, Kind, Skipped, Verdict
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Document, ModelSpec, Network, Spec


def audit_page(document: Document, *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Audit:
    """Judge every display equation of a page; explain the first ``diagnose`` findings (None: all).

    The diagnosis is the spec's (nncheck/audit/diagnose/): when the page describes a layered network that
    ``nncheck extract`` reads without assuming anything, the drafted spec is audited with its diagnosis,
    and each hypothesis goes to the page's finding that prints the same number in the same display.
    Otherwise the page's findings are left undiagnosed (``Verdict.diagnosed`` False).
    """
    from nncheck.audit.page.judge import judge_page

    result = judge_page(document)
    if document.declared is not None:
        return _with_declared(result, document, diagnose)
    if diagnose == 0 or not any(v.kind in DIAGNOSED for v in result.verdicts) or document.source is None:
        return result
    return _diagnosed(result, document.source, document.path, diagnose)


def _with_declared(result: Audit, document: Document, diagnose: int | None) -> Audit:
    """The page's verdicts, with each number the front matter's names map judged against the declared model instead
    (a spec claim's verdict, diagnosis included) in its place; the other numbers keep the page's own rules. The
    coverage counts a formula as checked when any of its numbers has a verdict, from either."""
    from nncheck.audit import audit
    from nncheck.readers.markdown import Lines

    declared = document.declared
    assert isinstance(declared, (Spec, ModelSpec))
    claimed = audit(declared, diagnose=diagnose)

    def place(verdict: Verdict) -> tuple[int, int, int]:
        return verdict.location.cell or 0, verdict.location.line, verdict.location.column

    by_place = {place(v): v for v in claimed.verdicts}
    # The model's verdict replaces the page's for the same number; but where the model finds the number right and the
    # page's own arithmetic is wrong (a substituted value misprinted, the result right), the page's finding stays too.
    # (Its slips and carried values, from rounded numbers it substituted, are the model's to judge.)
    kept = [v for v in result.verdicts if place(v) not in by_place
            or (by_place[place(v)].kind is Kind.HOLDS and v.kind is Kind.WRONG)]
    verdicts = sorted(kept + list(claimed.verdicts), key=place)
    coverage = result.coverage
    if coverage is not None:
        lines = Lines(document.path, document.source or "", document.cells)
        spans = []
        for formula in document.formulas:
            start, end = (lines.location(formula.math.offset + k) for k in (0, len(formula.math.text)))
            spans.append((formula.math.display, (start.cell or 0, start.line, start.column), (end.cell or 0, end.line, end.column)))
        judged = [any(first <= place(v) <= last for v in verdicts) for _, first, last in spans]
        checked = [(first, last) for (display, first, last), hit in zip(spans, judged) if hit and display]

        def now_checked(skipped: Skipped) -> bool:  # a display skipped by the page whose number the model judged
            at = (skipped.location.cell or 0, skipped.location.line, skipped.location.column)
            return any(first <= at <= last for first, last in checked)

        skipped = tuple(s for s in coverage.skipped if not now_checked(s))
        displays = sum(display for display, _, _ in spans)
        coverage = dataclasses.replace(
            coverage, checked=displays - len(skipped), skipped=skipped,
            inline_checked=sum(hit for (display, _, _), hit in zip(spans, judged) if not display))
    return dataclasses.replace(result, verdicts=tuple(verdicts), depth=claimed.depth, coverage=coverage,
                               precision=max(result.precision, claimed.precision), undiagnosed=claimed.undiagnosed,
                               diagnosis_seconds=claimed.diagnosis_seconds, diagnosis_stopped=claimed.diagnosis_stopped)


@lru_cache(maxsize=8)
def drafted_spec(text: str, path: str) -> tuple[Spec | None, tuple[str, ...]]:
    """The spec ``nncheck extract`` drafts from a page, or None with what it would have to assume or why it cannot.

    Read once per page: the diagnosis and ``--oracle`` both use it.
    """
    from nncheck.extract import draft_spec
    from nncheck.readers.spec import parse_spec

    try:
        body, todo = draft_spec(text, path)
        if todo:
            return None, tuple(todo)  # an assumption: what rests on the draft would rest on a guess
        drafted = parse_spec(body, path)
        return (drafted, ()) if isinstance(drafted, Spec) else (None, ("the draft is not a layered network",))
    except NncheckError as error:
        return None, (str(error),)  # no network the draft can describe


def _diagnosed(result: Audit, text: str, path: str, limit: int | None) -> Audit:
    from nncheck.audit import audit

    spec, _ = drafted_spec(text, path)
    if spec is None:
        return result  # the page's findings stay undiagnosed
    try:
        explained = audit(spec, diagnose=limit)
    except (NncheckError, ValueError, ArithmeticError):
        return result
    by_number: dict[tuple[int, str], list[Verdict]] = {}
    for verdict in explained.verdicts:
        if verdict.diagnosed and verdict.place.document_line is not None:
            by_number.setdefault((verdict.place.document_line, verdict.stated), []).append(verdict)
    verdicts = []
    for verdict in result.verdicts:
        lines = range(verdict.place.spec.line, verdict.location.line + 1)
        found = [v for line in lines for v in by_number.get((line, verdict.stated), [])]
        if verdict.kind in DIAGNOSED and len({v.hypotheses for v in found}) == 1:
            verdict = dataclasses.replace(verdict, hypotheses=found[0].hypotheses, diagnosed=True)
        verdicts.append(verdict)
    # Findings the limit left out (--diagnose): the drafted spec's count; a finding the draft has no number for is
    # simply not explained.
    return dataclasses.replace(result, verdicts=tuple(verdicts), undiagnosed=explained.undiagnosed,
                               diagnosis_seconds=explained.diagnosis_seconds, diagnosis_stopped=explained.diagnosis_stopped)


def page_network(text: str, path: str) -> tuple[Network | None, list[str]]:
    """The network a page describes, as ``nncheck extract`` drafts it, or None with the reasons it cannot."""
    spec, reasons = drafted_spec(text, path)
    return (spec.network if spec is not None else None), list(reasons)


__all__ = ["audit_page", "drafted_spec", "page_network"]
