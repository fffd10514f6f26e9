"""Ball backend: exact rationals while the arithmetic stays rational, python-flint arb balls after.

Every element is a :class:`Real`. Rational inputs combine exactly (so z2 = 2.73 is known to be
exactly 2.73); exp, log and tanh of anything but their rational special points give a ball
that rigorously encloses the true value at the working precision set by :func:`precision`.

Matrix products, the bulk of the work, run in python-flint's C matrices: the rational parts in
``fmpq_mat`` (exact), the parts that involve a ball in ``arb_mat`` (see :func:`matmul`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, TypeVar, Union

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat

from nncheck.errors import Undecided
from nncheck.network.backend import Array, elementwise

NAME = "ball"
DTYPE = object

# Working precision of the first attempt, in bits; audits double it while a verdict is undecided.
START_PRECISION = 128
# Beyond this a comparison is reported undecided rather than refined further (about 2,500 digits).
MAX_PRECISION = 8192
# Exact rationals whose numerator and denominator together pass this many bits continue as balls: a loop of
# 10,000 updates with η = 0.1 would otherwise carry numbers of 10,000 digits (and cost grow with their square).
# Well above MAX_PRECISION, so that a ball made from one is as tight as the working precision allows.
MAX_RATIONAL_BITS = 16_384

Operand = Union["Real", int, Fraction]


def _ball(value: Fraction) -> arb:
    return arb(fmpq(value.numerator, value.denominator))


class Real:
    """An exact rational or, once something transcendental happened, an arb ball."""

    __slots__ = ("exact", "ball", "_rational")

    def __init__(self, exact: Fraction | None = None, ball: arb | None = None) -> None:
        self.exact = exact
        self.ball = ball
        self._rational: fmpq | None = None

    def rational(self) -> fmpq:
        """The exact value as a flint rational (made once: weights enter many matrix products)."""
        if self._rational is None:
            assert self.exact is not None
            self._rational = fmpq(self.exact.numerator, self.exact.denominator)
        return self._rational

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
            result = exact_op(self.exact, right.exact)
            if result.numerator.bit_length() + result.denominator.bit_length() <= MAX_RATIONAL_BITS:
                return Real(exact=result)
            return Real(ball=_ball(result))  # a rational grown past the bound (a long loop) continues as a ball
        return Real(ball=ball_op(self.enclosure(), right.enclosure()))

    def __add__(self, other: Operand) -> Real:
        return self._combine(other, lambda a, b: a + b, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, other: Operand) -> Real:
        if other is self:
            return Real(exact=Fraction(0))  # one number less itself: exactly 0, however wide its enclosure
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
        if other is self and (self.exact is not None or not self.enclosure().contains(0)):
            return Real(exact=Fraction(1))  # one nonzero number over itself: exactly 1, however wide its ball
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
        raise Undecided(f"sign of {short(ball)}")

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
    if ball < 0:
        raise ValueError(f"log of a negative number, {short(ball)}")
    if not ball > 0:
        raise Undecided(f"log of {short(ball)}, which may not be positive")
    return Real(ball=ball.log())


def _tanh(value: Real) -> Real:
    if value.exact == 0:
        return Real(exact=Fraction(0))
    return Real(ball=value.enclosure().tanh())


def _erf(value: Real) -> Real:
    if value.exact == 0:
        return Real(exact=Fraction(0))
    return Real(ball=value.enclosure().erf())


def constant(value: Fraction) -> Real:
    return Real(exact=value)


# Whole powers up to this size are computed exactly; larger ones, and exact results that would pass
# MAX_EXACT_BITS, are computed as balls (bounded work on a document's 1.0001^1000000).
MAX_INTEGER_POWER = 1000
MAX_EXACT_BITS = 100_000


def power(base: Real, exponent: Real) -> Real:
    """``base ** exponent``: exact for a whole exponent up to MAX_INTEGER_POWER; else exp(exponent·log base).

    Raises ValueError for a fractional exponent of a number that is not positive.
    """
    whole = exponent.exact is not None and exponent.exact.denominator == 1 and abs(exponent.exact) <= MAX_INTEGER_POWER
    if whole and exponent.exact is not None:
        count = abs(int(exponent.exact))
        if base.exact is not None and (base.exact.numerator.bit_length() + base.exact.denominator.bit_length()) * count > MAX_EXACT_BITS:
            base = Real(ball=base.enclosure())
        result = base**count if base.exact is not None else Real(ball=_ball_power(base.enclosure(), count))
        return Real(exact=Fraction(1)) / result if exponent.exact < 0 else result
    if base.sign() <= 0:
        raise ValueError("a power with a fractional exponent of a number that is not positive")
    return Real(ball=(exponent.enclosure() * base.enclosure().log()).exp())


def _ball_power(ball: arb, count: int) -> arb:
    """``ball ** count`` for a whole ``count`` ≥ 0 by repeated squaring: python-flint's ``arb ** int`` is nan for a
    ball whose midpoint is exactly 0 (the [±r] of a - a), whose square is [±r²]."""
    result, square = arb(1), ball
    while count:
        if count & 1:
            result *= square
        count >>= 1
        if count:
            square *= square
    return result


def _sqrt(value: Real) -> Real:
    """The square root: exact for the square of a rational; ValueError for a negative number."""
    if value.exact is not None:
        if value.exact < 0:
            raise ValueError(f"the square root of {value.exact}, which is negative")
        top, bottom = value.exact.numerator, value.exact.denominator
        if math.isqrt(top) ** 2 == top and math.isqrt(bottom) ** 2 == bottom:
            return Real(exact=Fraction(math.isqrt(top), math.isqrt(bottom)))
    elif value.sign() < 0:
        raise ValueError("the square root of a negative number")
    return Real(ball=value.enclosure().sqrt())


def pi() -> Real:
    return Real(ball=arb.pi())


exp = elementwise(_exp)
log = elementwise(_log)
tanh = elementwise(_tanh)
erf = elementwise(_erf)
sqrt = elementwise(_sqrt)


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


def _split(values: Array) -> tuple[fmpq_mat, arb_mat | None]:
    """A matrix of Reals as its exact part (0 where a ball is) and its ball part (0 where exact; None if all exact)."""
    rows, cols = values.shape
    flat = values.ravel().tolist()
    if all(value.exact is not None for value in flat):
        return fmpq_mat(rows, cols, [value.rational() for value in flat]), None
    exact = [0 if value.exact is None else value.rational() for value in flat]
    balls = [0 if value.exact is not None else value.ball for value in flat]
    return fmpq_mat(rows, cols, exact), arb_mat(rows, cols, balls)


def _product(left: Array, right: Array) -> Array:
    """Two 2-d arrays of Reals multiplied as matrices, with the semantics of the elementwise sum of products.

    left·right = El·Er + (El·Br + Bl·Er + Bl·Br), where E is the exact part and B the ball part. The
    first product is exact (fmpq_mat); the others are arb_mat enclosures. A term with an exact zero
    factor is exactly zero in arb, so an entry whose ball part is exactly zero had no ball term, and
    stays an exact rational, as the elementwise arithmetic of :class:`Real` would keep it.
    """
    exact_left, ball_left = _split(left)
    exact_right, ball_right = _split(right)
    exact = exact_left * exact_right
    rows, cols = exact.nrows(), exact.ncols()
    entries = exact.entries()
    if ball_left is None and ball_right is None:
        return np.array([Real(exact=Fraction(int(q.p), int(q.q))) for q in entries], dtype=object).reshape(rows, cols)
    terms = []
    if ball_right is not None:
        terms.append(arb_mat(exact_left) * ball_right)
    if ball_left is not None:
        terms.append(ball_left * arb_mat(exact_right))
        if ball_right is not None:
            terms.append(ball_left * ball_right)
    ball = terms[0]
    for term in terms[1:]:
        ball = ball + term
    parts = ball.entries()
    if not all(part.is_finite() for part in parts):
        return left @ right  # an infinite or NaN ball: arb_mat would turn 0·NaN into NaN
    result = []
    for q, part in zip(entries, parts):
        if part.is_zero():
            result.append(Real(exact=Fraction(int(q.p), int(q.q))))
        else:
            result.append(Real(ball=part + arb(q)))
    return np.array(result, dtype=object).reshape(rows, cols)


def matmul(left: Array, right: Array) -> Array:
    """``left @ right`` for a matrix and a vector or matrix (or a vector and a matrix), in flint matrices."""
    if left.shape[-1] != right.shape[0]:
        raise ValueError(f"matmul: shapes {left.shape} and {right.shape} do not align")
    if left.size == 0 or right.size == 0:
        return left @ right  # nothing to multiply: numpy gives the shape
    if any(isinstance(v, NoValue) for v in (*left.reshape(-1), *right.reshape(-1))):
        return left @ right  # term by term, so that an exact 0 times a log with no value is 0 (NoValue)
    a = left.reshape(1, -1) if left.ndim == 1 else left
    b = right.reshape(-1, 1) if right.ndim == 1 else right
    product = _product(a, b)
    if left.ndim == 1 and right.ndim == 1:
        return product[0, 0]  # type: ignore[no-any-return]  # a Real, as numpy's object product gives
    if left.ndim == 1:
        return product.reshape(-1)
    if right.ndim == 1:
        return product.reshape(-1)
    return product


def outer(left: Array, right: Array) -> Array:
    """The outer product of two vectors, in flint matrices."""
    left, right = np.ravel(left), np.ravel(right)
    if left.size == 0 or right.size == 0:
        return np.outer(left, right)
    return _product(left.reshape(-1, 1), right.reshape(1, -1))


def extremum(left: Real, right: Real, *, larger: bool) -> Real:
    """max(left, right) (or min) of two enclosures without deciding which is larger: the ball from the larger (or
    smaller) of the lower ends to the larger (or smaller) of the upper ends, which holds the true max (or min)
    whichever it is; max(e, e) is e's ball, though e − e is not known to be 0 or not."""
    a, b = Real.of(left).enclosure(), Real.of(right).enclosure()
    low = a.lower() if bool(a.lower() >= b.lower()) == larger else b.lower()  # exact endpoints: decided
    high = a.upper() if bool(a.upper() >= b.upper()) == larger else b.upper()
    return Real(ball=arb(low).union(arb(high)))


def short(ball: arb) -> str:
    """A ball in a dozen significant digits and its radius, for messages: [2.7182818285 +/- 4.6e-2466]."""
    return str(ball.str(12))


def hull(*candidates: Real) -> Real:
    """A ball enclosing every candidate (their union)."""
    balls = [Real.of(c).enclosure() for c in candidates]
    result = balls[0]
    for other in balls[1:]:
        result = result.union(other)
    return Real(ball=result)


class NoValue(Real):
    """The log of a range that reaches 0 or below, in the document's own numbers: it has no value, and any use of it
    fails (ValueError, so that the own value is left out) — except a product with an exact 0, which is 0: the
    y·log(a) of cross-entropy with y = 0 when a is printed 0.0 (a range across 0) vanishes."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def enclosure(self) -> arb:
        raise ValueError(self.reason)


def _hull_log(value: Real) -> Real:
    try:
        return _log(value)
    except (ValueError, Undecided) as error:
        return NoValue(f"the document's own numbers reach the log of a number that is not positive: {error}")


class Hull:
    """The ball backend for ranges of values: where a range straddles a kink, take the hull of both sides.

    Used for "the document's own numbers", whose printed operands stand for intervals: ReLU of
    [-0.05, 0.05] is [0, 0.05], not an undecided comparison.
    """

    NAME = "ball-hull"
    DTYPE = object
    constant = staticmethod(constant)
    exp = staticmethod(exp)
    log = staticmethod(elementwise(_hull_log))  # a log with no value: NoValue, which only an exact 0 multiplies
    tanh = staticmethod(tanh)
    erf = staticmethod(erf)
    sqrt = staticmethod(sqrt)
    power = staticmethod(power)
    pi = staticmethod(pi)
    sign = staticmethod(sign)
    stabilizer = staticmethod(stabilizer)
    matmul = staticmethod(matmul)
    outer = staticmethod(outer)

    @staticmethod
    def select(values: Array, positive: Array, zero: Array, negative: Array) -> Array:
        def choose(value: Real, up: Real, at: Real, down: Real) -> Real:
            try:
                return _choose(value, up, at, down)
            except Undecided:
                return hull(up, at, down)

        return np.asarray(np.vectorize(choose, otypes=[object])(values, positive, zero, negative), dtype=object)


HULL = Hull()


class Point(Hull):
    """The ball backend for the document's own printed numbers taken as written: as ball (a sign it cannot decide
    is asked again at more precision), with Hull's log, whose value at 0 or below is NoValue: 0·log(0.0) is 0, as
    cross-entropy takes it for a class with target 0."""

    NAME = "ball-point"
    select = staticmethod(select)


POINT = Point()


@contextmanager
def precision(bits: int) -> Iterator[None]:
    """Work at ``bits`` of precision inside the block."""
    with ctx.workprec(bits):
        yield


T = TypeVar("T")


def rung_for(bits: int) -> int:
    """The first precision of :func:`settled`'s ladder (START_PRECISION, doubled) that has ``bits``, capped at MAX_PRECISION."""
    doublings = max(0, math.ceil(math.log2(max(bits, 1) / START_PRECISION)))
    return min(START_PRECISION << doublings, MAX_PRECISION)


def settled(attempt: Callable[[int, bool], T], start: int = START_PRECISION) -> tuple[T, int]:
    """``attempt(bits, last)`` at ``start`` bits, doubled while it raises Undecided: the one precision loop.

    Every judgement that enclosures may fail to settle runs through here. At MAX_PRECISION ``last``
    is True: the attempt gives its "undecided" answer then, or raises (the Undecided reaches the
    caller). Returns the result and the precision that settled it.
    """
    bits = start
    while True:
        last = bits >= MAX_PRECISION
        with precision(bits):
            try:
                return attempt(bits, last), bits
            except Undecided:
                if last:
                    raise
        bits *= 2
