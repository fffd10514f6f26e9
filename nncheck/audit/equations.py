"""Judge a spec's free equations by the rule every printed number follows (docs/verdicts.md#equations).

A number in an equation is a given, exact as written, unless its digits are those of a value the
spec states for a quantity (a claim's element, or a value a step used): then it restates that
quantity, and stands for the quantity's true value in the true chain and for its printed digits
(their rounding interval, unless they are exact) in the document's own numbers. The printed
result then goes down the one verdict ladder (:mod:`nncheck.audit.classify`).
"""

from __future__ import annotations

from collections.abc import Mapping

from nncheck.audit import enclose
from nncheck.audit.classify import Rung, classify
from nncheck.expr.evaluate import Evaluator, Span, wrap
from nncheck.expr.nodes import Number, walk
from nncheck.errors import Undecided
from nncheck.findings import Kind, Verdict
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.records import Equation, Stated


def restated_digits(statements: list[Stated]) -> dict[str, Stated]:
    """The latest statement with each decimal's digits (unsigned), for equations that use them."""
    return {s.printed.text.lstrip("-+\u2212"): s for s in statements if "." in s.printed.text}


def judge_equation(equation: Equation, exact: Mapping[str, Array], restated: Mapping[str, Stated], *, settle: bool) -> Verdict:
    """The verdict on an equation's printed result; Undecided (unless ``settle``) when the enclosures cannot tell."""
    true_frame: dict[Span, Array] = {}
    point_frame: dict[Span, Array] = {}
    interval_frame: dict[Span, Array] = {}
    sources: list[str] = []
    for node in walk(equation.expression):
        statement = restated.get(node.printed.text) if isinstance(node, Number) else None
        if statement is None or not isinstance(node, Number):
            continue
        true: Real = exact[statement.quantity][statement.index]
        if statement.printed.value < 0:
            true = -true
        span = (node.start, node.end)
        printed = node.printed
        true_frame[span], point_frame[span] = wrap(true), wrap(Real(exact=printed.value))
        if true.exact is not None and true.exact == printed.value:
            interval_frame[span] = point_frame[span]
        else:
            interval_frame[span] = wrap(Real.interval(printed.value, printed.half_unit))
            sources.append(statement.ref)
    value = Evaluator(overrides=true_frame).value(equation.expression).reshape(-1)[0]
    printed = equation.printed

    def own() -> Real | None:
        if not sources:
            return None
        try:
            return Evaluator(interval=True, overrides=interval_frame).value(equation.expression).reshape(-1)[0]  # type: ignore[no-any-return]
        except (ValueError, ZeroDivisionError, Undecided):
            return None

    try:
        rung = classify(printed, value, own, earlier=False)
    except Undecided:
        if not settle:
            raise
        rung = Rung(Kind.UNDECIDED)
    point = Evaluator(overrides=point_frame).value(equation.expression).reshape(-1)[0] if sources else None
    return Verdict(
        kind=rung.kind, ref=equation.id, subject="equation", stated=printed.text, place=equation.place,
        location=equation.location, exact=enclose.show(value, printed),
        own=None if point is None or rung.kind is Kind.HOLDS else enclose.show(point, printed),
        relative_error=enclose.relative_error(printed, value),
        inherits_from=tuple(dict.fromkeys(sources)) if rung.by_own_numbers else (), expression=equation.source,
    )
