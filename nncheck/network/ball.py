"""Ball backend: exact rationals while the arithmetic stays rational, python-flint arb balls after.

Every element is a :class:`Real`. Rational inputs combine exactly (so z2 = 2.73 is known to be
exactly 2.73); exp, log and tanh of anything but their rational special points give a ball
that rigorously encloses the true value at the working precision set by :func:`precision`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, Union

import numpy as np
from flint import arb, ctx, fmpq

from nncheck.errors import Undecided
from nncheck.network.backend import Array, elementwise

NAME = "ball"
DTYPE = object

# Working precision of the first attempt, in bits; audits double it while a verdict is undecided.
START_PRECISION = 128
# Beyond this a comparison is reported undecided rather than refined further (about 2,500 digits).
MAX_PRECISION = 8192

Operand = Union["Real", int, Fraction]


def _ball(value: Fraction) -> arb:
    return arb(fmpq(value.numerator, value.denominator))


class Real:
    """An exact rational or, once something transcendental happened, an arb ball."""

    __slots__ = ("exact", "ball")

    def __init__(self, exact: Fraction | None = None, ball: arb | None = None) -> None:
        self.exact = exact
        self.ball = ball

    @staticmethod
    def of(value: Operand) -> Real:  # noqa: D102
        if isinstance(value, Real):
            return value
        return Real(exact=Fraction(value))

    @staticmethod
    def interval(centre: Fraction, radius: Fraction) -> Real:
        """Every real within ``radius`` of ``centre`` (a printed value's rounding interval)."""
        if radius == 0:
            return Real(exact=centre)
        return Real(ball=arb(fmpq(centre.numerator, centre.denominator), fmpq(radius.numerator, radius.denominator)))

    def enclosure(self) -> arb:
        if self.exact is not None:
            return _ball(self.exact)
        assert self.ball is not None
        return self.ball

    def _combine(self, other: Operand, exact_op: Any, ball_op: Any) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented  # type: ignore[no-any-return]  # an array: let it broadcast
        right = Real.of(other)
        if self.exact is not None and right.exact is not None:
            return Real(exact=exact_op(self.exact, right.exact))
        return Real(ball=ball_op(self.enclosure(), right.enclosure()))

    def __add__(self, other: Operand) -> Real:
        return self._combine(other, lambda a, b: a + b, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, other: Operand) -> Real:
        return self._combine(other, lambda a, b: a - b, lambda a, b: a - b)

    def __rsub__(self, other: Operand) -> Real:
        return Real.of(other) - self

    def __mul__(self, other: Operand) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented
        right = Real.of(other)
        if self.exact == 0 or right.exact == 0:
            return Real(exact=Fraction(0))  # 0 times anything finite is exactly 0
        return self._combine(right, lambda a, b: a * b, lambda a, b: a * b)

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented
        right = Real.of(other)
        if right.exact == 0:
            raise ZeroDivisionError("division by exactly zero")
        if right.exact is None and right.enclosure().contains(0):
            raise Undecided("division by a ball containing zero")
        return self._combine(right, lambda a, b: a / b, lambda a, b: a / b)

    def __rtruediv__(self, other: Operand) -> Real:
        return Real.of(other) / self

    def __neg__(self) -> Real:
        return Real(exact=-self.exact) if self.exact is not None else Real(ball=-self.enclosure())

    def __pos__(self) -> Real:
        return self

    def __pow__(self, exponent: int) -> Real:
        result = Real(exact=Fraction(1))
        for _ in range(exponent):
            result = result * self
        return result

    def sign(self) -> int:
        if self.exact is not None:
            return (self.exact > 0) - (self.exact < 0)
        ball = self.enclosure()
        if ball > 0:
            return 1
        if ball < 0:
            return -1
        raise Undecided(f"sign of {ball}")

    def __repr__(self) -> str:
        return f"Real({self.exact})" if self.exact is not None else f"Real({self.ball})"


_SCALARS: tuple[type, ...] = (int, Fraction, Real)


def _exp(value: Real) -> Real:
    if value.exact == 0:
        return Real(exact=Fraction(1))
    return Real(ball=value.enclosure().exp())


def _log(value: Real) -> Real:
    if value.exact == 1:
        return Real(exact=Fraction(0))
    if value.exact is not None and value.exact <= 0:
        raise ValueError(f"log of {value.exact}, which is not positive")
    ball = value.enclosure()
    if not ball > 0:
        raise Undecided(f"log of {ball}, which may not be positive")
    return Real(ball=ball.log())


def _tanh(value: Real) -> Real:
    if value.exact == 0:
        return Real(exact=Fraction(0))
    return Real(ball=value.enclosure().tanh())


def constant(value: Fraction) -> Real:
    return Real(exact=value)


exp = elementwise(_exp)
log = elementwise(_log)
tanh = elementwise(_tanh)


def sign(values: Array) -> Any:
    return np.vectorize(lambda v: v.sign(), otypes=[np.int64])(values)


def stabilizer(values: Array) -> Any:
    """No shift is needed: balls do not overflow."""
    return Real(exact=Fraction(0))


def select(values: Array, positive: Array, zero: Array, negative: Array) -> Array:
    """By sign, element by element; Undecided where a ball straddles zero (raise the precision)."""
    return np.asarray(np.vectorize(_choose, otypes=[object])(values, positive, zero, negative), dtype=object)


def _choose(value: Real, positive: Real, zero: Real, negative: Real) -> Real:
    sign = value.sign()
    return positive if sign > 0 else negative if sign < 0 else zero


def hull(*candidates: Real) -> Real:
    """A ball enclosing every candidate (their union)."""
    balls = [Real.of(c).enclosure() for c in candidates]
    result = balls[0]
    for other in balls[1:]:
        result = result.union(other)
    return Real(ball=result)


class Hull:
    """The ball backend for ranges of values: where a range straddles a kink, take the hull of both sides.

    Used for "the document's own numbers", whose printed operands stand for intervals: ReLU of
    [-0.05, 0.05] is [0, 0.05], not an undecided comparison.
    """

    NAME = "ball-hull"
    DTYPE = object
    constant = staticmethod(constant)
    exp = staticmethod(exp)
    log = staticmethod(log)
    tanh = staticmethod(tanh)
    sign = staticmethod(sign)
    stabilizer = staticmethod(stabilizer)

    @staticmethod
    def select(values: Array, positive: Array, zero: Array, negative: Array) -> Array:
        def choose(value: Real, up: Real, at: Real, down: Real) -> Real:
            try:
                return _choose(value, up, at, down)
            except Undecided:
                return hull(up, at, down)

        return np.asarray(np.vectorize(choose, otypes=[object])(values, positive, zero, negative), dtype=object)


HULL = Hull()


@contextmanager
def precision(bits: int) -> Iterator[None]:
    """Work at ``bits`` of precision inside the block."""
    with ctx.workprec(bits):
        yield
