"""Evaluate a spec's free equations with ball reals: exact for rational arithmetic, rigorous after."""

from __future__ import annotations

from fractions import Fraction

from nncheck.errors import Undecided

from nncheck.expr import Binary, Expr, Number, Unary
from nncheck.network import ball
from nncheck.network.ball import Real
from nncheck.printed import Printed


def literal(printed: Printed, as_interval: bool) -> Real:
    """A written number; in the interval reading a decimal stands for its rounding interval.

    Whole numbers written without a decimal point ("1 - 0.938", "2 ×") are taken as exact.
    """
    if as_interval and "." in printed.text:
        return Real.interval(printed.value, printed.half_unit)
    return Real(exact=printed.value)


def _scalar(function: object, value: Real) -> Real:
    import numpy as np

    result = function(np.array([value], dtype=object))  # type: ignore[operator]
    return result[0]  # type: ignore[no-any-return]


def evaluate(node: Expr, as_interval: bool = False) -> Real:
    if isinstance(node, Number):
        return literal(node.printed, as_interval)
    if isinstance(node, Unary):
        operand = evaluate(node.operand, as_interval)
        return -operand if node.op == "-" else operand
    if isinstance(node, Binary):
        left, right = evaluate(node.left, as_interval), evaluate(node.right, as_interval)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            return left / right
        return _power(left, right)
    arguments = [evaluate(argument, as_interval) for argument in node.arguments]
    return _call(node.function, arguments, as_interval)


# Integer powers beyond this are refused: 10^100000 must not be computed exactly.
MAX_INTEGER_POWER = 1000


def _power(base: Real, exponent: Real) -> Real:
    if exponent.exact is not None and exponent.exact.denominator == 1 and abs(exponent.exact) <= MAX_INTEGER_POWER:
        result = base ** abs(int(exponent.exact))
        return Real(exact=Fraction(1)) / result if exponent.exact < 0 else result
    if base.sign() <= 0:
        raise ValueError("a non-integer power of a number that is not positive")
    return _scalar(ball.exp, exponent * _scalar(ball.log, base))


def _call(function: str, arguments: list[Real], as_interval: bool = False) -> Real:
    value = arguments[0]
    if function == "exp":
        return _scalar(ball.exp, value)
    if function in ("log", "ln"):
        return _scalar(ball.log, value)
    if function == "tanh":
        return _scalar(ball.tanh, value)
    if function == "sigmoid":
        return Real(exact=Fraction(1)) / (1 + _scalar(ball.exp, -value))
    if function == "sqrt":
        if value.sign() < 0:
            raise ValueError("square root of a negative number")
        return Real(ball=value.enclosure().sqrt())
    if function == "relu":
        arguments = [value, Real(exact=Fraction(0))]
        function = "max"
    value, other = arguments
    try:
        left_larger = (value - other).sign() >= 0
    except Undecided:
        if not as_interval:
            raise  # a point at a kink: the audit raises the precision
        return ball.hull(value, other)  # encloses both max and min of two overlapping ranges
    if function == "max":
        return value if left_larger else other
    return other if left_larger else value
