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


Bounds = tuple[Fraction, Fraction]


class Real:
    """An exact rational or, once something transcendental happened, an arb ball.

    A range of the document's own numbers whose ends are rationals (a printed number's rounding interval, and what
    rational arithmetic makes of it) also keeps those ends exactly, as ``bounds``: the ball encloses them, and a
    comparison with a printed number's interval is decided on them, exactly. ``complement`` marks c − x (an exact c),
    so that x·(c − x) is taken as one function of x (the a(1 − a) of a sigmoid's derivative), not as two factors
    that vary apart.
    """

    __slots__ = ("exact", "ball", "_rational", "bounds", "complement")

    def __init__(self, exact: Fraction | None = None, ball: arb | None = None, bounds: Bounds | None = None) -> None:
        self.exact = exact
        self.ball = ball
        self._rational: fmpq | None = None
        self.bounds = bounds
        self.complement: tuple[Real, Fraction] | None = None

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
        """Every real within ``radius`` of ``centre`` (a printed value's rounding interval), ends kept exactly."""
        return Real.ranged(centre - radius, centre + radius)

    @staticmethod
    def ranged(low: Fraction, high: Fraction) -> Real:
        """Every real in [low, high]: exact when the ends are equal; the ends kept while they stay small rationals."""
        if low == high:
            return Real(exact=low)
        if _bits(low) + _bits(high) > MAX_RATIONAL_BITS:
            return Real(ball=_between(low, high))  # ends grown past the bound (a long loop): a ball, as for exact values
        return Real(bounds=(low, high))

    def ends(self) -> Bounds | None:
        """The exact ends of the range: (v, v) for an exact v, the bounds of a range, None for a ball alone."""
        if self.exact is not None:
            return self.exact, self.exact
        return self.bounds

    def enclosure(self) -> arb:
        if self.exact is not None:
            return _ball(self.exact)
        if self.ball is None and self.bounds is not None:
            self.ball = _between(*self.bounds)  # made when first needed: most ranges are only compared
        assert self.ball is not None
        return self.ball

    def _combine(self, other: Operand, exact_op: Any, ball_op: Any, ends_op: Any = None) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented  # type: ignore[no-any-return]  # an array: let it broadcast
        right = Real.of(other)
        if self.exact is not None and right.exact is not None:
            result = exact_op(self.exact, right.exact)
            if result.numerator.bit_length() + result.denominator.bit_length() <= MAX_RATIONAL_BITS:
                return Real(exact=result)
            return Real(ball=_ball(result))  # a rational grown past the bound (a long loop) continues as a ball
        if ends_op is not None and (self.bounds is not None or right.bounds is not None):
            left_ends, right_ends = self.ends(), right.ends()
            if left_ends is not None and right_ends is not None:
                return Real.ranged(*ends_op(left_ends, right_ends))  # interval arithmetic on the exact ends
        return Real(ball=ball_op(self.enclosure(), right.enclosure()))

    def __add__(self, other: Operand) -> Real:
        return self._combine(other, lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (a[0] + b[0], a[1] + b[1]))

    __radd__ = __add__

    def __sub__(self, other: Operand) -> Real:
        if other is self:
            return Real(exact=Fraction(0))  # one number less itself: exactly 0, however wide its enclosure
        result = self._combine(other, lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (a[0] - b[1], a[1] - b[0]))
        if self.exact is not None and isinstance(other, Real) and result is not NotImplemented and result.exact is None:
            result.complement = (other, self.exact)  # c − x: x·(c − x) is one function of x
        return result

    def __rsub__(self, other: Operand) -> Real:
        return Real.of(other) - self

    def __mul__(self, other: Operand) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented
        right = Real.of(other)
        if self.exact == 0 or right.exact == 0:
            return Real(exact=Fraction(0))  # 0 times anything finite is exactly 0
        if self.exact is None and _wide(self):
            # One number times itself, or times c less itself: a function of one variable, whose range is taken from
            # its monotone pieces. Interval arithmetic would let the two factors vary apart: 1 − a² of a printed
            # a = 0.25 came out 1% wider than its range, and a(1 − a) twice as wide.
            if right is self:
                return _square(self)
            if right.complement is not None and right.complement[0] is self:
                return _parabola(self, right.complement[1])
            if self.complement is not None and self.complement[0] is right:
                return _parabola(right, self.complement[1])
        return self._combine(right, lambda a, b: a * b, lambda a, b: a * b, _product_ends)

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> Real:
        if not isinstance(other, _SCALARS):
            return NotImplemented
        right = Real.of(other)
        if right.exact == 0:
            raise ZeroDivisionError("division by exactly zero")
        if other is self and (self.exact is not None or not self.enclosure().contains(0)):
            return Real(exact=Fraction(1))  # one nonzero number over itself: exactly 1, however wide its ball
        if self.bounds is not None or right.bounds is not None:
            left_ends, right_ends = self.ends(), right.ends()
            if left_ends is not None and right_ends is not None:
                if right_ends[0] <= 0 <= right_ends[1]:
                    raise ZeroDivisionError("division by a range that reaches 0")
                return Real.ranged(*_product_ends(left_ends, (1 / right_ends[1], 1 / right_ends[0])))
        if right.exact is None and right.enclosure().contains(0):
            raise Undecided("division by a ball containing zero")
        return self._combine(right, lambda a, b: a / b, lambda a, b: a / b)

    def __rtruediv__(self, other: Operand) -> Real:
        return Real.of(other) / self

    def __neg__(self) -> Real:
        if self.exact is not None:
            return Real(exact=-self.exact)
        if self.bounds is not None:
            return Real.ranged(-self.bounds[1], -self.bounds[0])
        return Real(ball=-self.enclosure())

    def __pos__(self) -> Real:
        return self

    def __pow__(self, exponent: int) -> Real:
        """A whole power ≥ 0 by repeated squaring; each square is one number times itself (see __mul__)."""
        result: Real | None = None
        base = self
        while exponent:
            if exponent & 1:
                result = base if result is None else result * base
            exponent >>= 1
            if exponent:
                base = base * base
        return Real(exact=Fraction(1)) if result is None else result

    def sign(self) -> int:
        if self.exact is not None:
            return (self.exact > 0) - (self.exact < 0)
        if self.bounds is not None:
            low, high = self.bounds
            if low > 0:
                return 1
            if high < 0:
                return -1
            raise Undecided(f"sign of the range [{low}, {high}]")
        ball = self.enclosure()
        if ball > 0:
            return 1
        if ball < 0:
            return -1
        raise Undecided(f"sign of {short(ball)}")

    def __repr__(self) -> str:
        if self.exact is not None:
            return f"Real({self.exact})"
        if self.bounds is not None:
            return f"Real([{self.bounds[0]}, {self.bounds[1]}])"
        return f"Real({self.ball})"


# A ball whose radius is below this many bits of its size is one number rather than a range: taking x·x or x·(c − x)
# apart by monotone pieces would gain nothing the precision loop cares about, at twice the cost.
NARROW_BITS = 64


def _wide(x: Real) -> bool:
    """Whether ``x`` is a range worth taking apart: exact ends, or a ball wider than NARROW_BITS of its size."""
    return x.bounds is not None or x.ball is None or int(x.ball.rel_accuracy_bits()) < NARROW_BITS


def _bits(value: Fraction) -> int:
    return value.numerator.bit_length() + value.denominator.bit_length()


def _between(low: Fraction, high: Fraction) -> arb:
    """A ball enclosing [low, high]."""
    return _ball(low).union(_ball(high))


def _product_ends(a: Bounds, b: Bounds) -> Bounds:
    products = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(products), max(products)


def _square(x: Real) -> Real:
    """x·x for one number x: from the ends of its range, and 0 when the range holds 0."""
    if x.bounds is not None:
        low, high = x.bounds
        if low >= 0:
            return Real.ranged(low * low, high * high)
        if high <= 0:
            return Real.ranged(high * high, low * low)
        return Real.ranged(Fraction(0), max(low * low, high * high))
    ball = x.enclosure()
    if not ball.is_finite():
        return Real(ball=ball * ball)
    lower, upper = arb(ball.lower()), arb(ball.upper())  # exact points
    ends = (lower * lower).union(upper * upper)
    if lower >= 0 or upper <= 0:
        return Real(ball=ends)
    return Real(ball=ends.union(arb(0)))


def _parabola(x: Real, c: Fraction) -> Real:
    """x·(c − x) for one number x: concave, so its range is spanned by its values at the ends of x's range and its
    peak c²/4 at x = c/2 when the range holds c/2."""
    peak = c * c / 4
    if x.bounds is not None:
        low, high = x.bounds
        values = [low * (c - low), high * (c - high)] + ([peak] if low <= c / 2 <= high else [])
        return Real.ranged(min(values), max(values))
    ball = x.enclosure()
    whole = _ball(c)
    if not ball.is_finite():
        return Real(ball=ball * (whole - ball))
    lower, upper = arb(ball.lower()), arb(ball.upper())  # exact points
    result = (lower * (whole - lower)).union(upper * (whole - upper))
    half = _ball(c / 2)
    if not (half < lower or half > upper):
        result = result.union(_ball(peak))
    return Real(ball=result)


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
        ends = base.ends()
        if ends is not None and max(_bits(ends[0]), _bits(ends[1])) * count > MAX_EXACT_BITS:
            base = Real(ball=base.enclosure())
        result = base**count  # by squaring, each square of one number (a range's square is not below 0)
        return Real(exact=Fraction(1)) / result if exponent.exact < 0 else result
    if base.sign() <= 0:
        raise ValueError("a power with a fractional exponent of a number that is not positive")
    return Real(ball=(exponent.enclosure() * base.enclosure().log()).exp())


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


def _split(flat: list[Real], rows: int, cols: int, *, all_exact: bool) -> tuple[fmpq_mat, arb_mat | None]:
    """A matrix of Reals (row-major) as its exact part (0 where a ball is) and its ball part (0 where exact; None if
    ``all_exact``)."""
    if all_exact:
        return fmpq_mat(rows, cols, [value.rational() for value in flat]), None
    exact = [0 if value.exact is None else value.rational() for value in flat]
    balls = [0 if value.exact is not None else value.enclosure() for value in flat]
    return fmpq_mat(rows, cols, exact), arb_mat(rows, cols, balls)


def _product(left: Array, right: Array) -> Array:
    """Two 2-d arrays of Reals multiplied as matrices, with the semantics of the elementwise sum of products.

    left·right = El·Er + (El·Br + Bl·Er + Bl·Br), where E is the exact part and B the ball part. The
    first product is exact (fmpq_mat); the others are arb_mat enclosures. A term with an exact zero
    factor is exactly zero in arb, so an entry whose ball part is exactly zero had no ball term, and
    stays an exact rational, as the elementwise arithmetic of :class:`Real` would keep it.
    """
    flat_left, flat_right = left.ravel().tolist(), right.ravel().tolist()
    all_left = all(value.exact is not None for value in flat_left)
    all_right = all(value.exact is not None for value in flat_right)
    if (not all_left and any(value.bounds is not None for value in flat_left)) or \
            (not all_right and any(value.bounds is not None for value in flat_right)):
        ranged = _ranged_product(left, right)
        if ranged is not None:
            return ranged
    if (not all_left and not any(value.exact is not None for value in flat_left)) or \
            (not all_right and not any(value.exact is not None for value in flat_right)):
        return _ball_product(flat_left, left.shape, flat_right, right.shape)  # a side with no exact entry
    exact_left, ball_left = _split(flat_left, *left.shape, all_exact=all_left)
    exact_right, ball_right = _split(flat_right, *right.shape, all_exact=all_right)
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


def _ball_product(flat_left: list[Real], left_shape: tuple[int, ...], flat_right: list[Real],
                  right_shape: tuple[int, ...]) -> Array:
    """``_product`` when one side has no exact entry (weights times activations, a gradient's outer product): the
    exact part El·Er is 0, so the product is one arb_mat product of both sides as balls (an exact side converted from
    an fmpq_mat at once). An entry that is exactly zero had only terms with an exact zero factor: it is the exact 0,
    as in _product."""
    result = _as_balls(flat_left, left_shape) * _as_balls(flat_right, right_shape)
    parts = result.entries()
    if not all(part.is_finite() for part in parts):
        product: Array = np.array(flat_left, dtype=object).reshape(left_shape) @ np.array(flat_right, dtype=object).reshape(right_shape)
        return product  # an infinite or NaN ball: term by term, as in _product
    zero = Fraction(0)
    return np.array([Real(exact=zero) if part.is_zero() else Real(ball=part) for part in parts],
                    dtype=object).reshape(result.nrows(), result.ncols())


def _as_balls(flat: list[Real], shape: tuple[int, ...]) -> arb_mat:
    """A matrix of Reals (row-major) as an arb_mat: an all-exact one through one fmpq_mat."""
    rows, cols = shape
    if all(value.exact is not None for value in flat):
        return arb_mat(fmpq_mat(rows, cols, [value.rational() for value in flat]))
    return arb_mat(rows, cols, [arb(value.rational()) if value.exact is not None else value.enclosure() for value in flat])


_ZERO = fmpq(0)


def _rational(value: Fraction) -> fmpq:
    return fmpq(value.numerator, value.denominator)


def _fraction(value: fmpq) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _all_ends(values: list[Real]) -> list[Bounds] | None:
    ends = [value.ends() for value in values]
    return None if any(e is None for e in ends) else ends  # type: ignore[return-value]


def _ranged_product(left: Array, right: Array) -> Array | None:
    """``_product`` when an operand has ranges with exact ends, keeping each entry's exact range: an entry is a sum of
    products of independent operands. None when neither side is exact and some operand is a ball alone."""
    rows, inner = left.shape
    cols = right.shape[1]
    flat_left, flat_right = left.ravel().tolist(), right.ravel().tolist()
    if all(v.exact is not None for v in flat_left):
        return _weighted_ranges(flat_left, flat_right, (rows, inner, cols), weights_left=True)
    if all(v.exact is not None for v in flat_right):
        return _weighted_ranges(flat_right, flat_left, (rows, inner, cols), weights_left=False)
    ends_left, ends_right = _all_ends(flat_left), _all_ends(flat_right)
    if ends_left is None or ends_right is None:
        return None
    if inner == 1:
        # an outer product of two ranged vectors: each entry one product, between the least and the greatest of the
        # products of the ends (four outer products in flint rationals)
        sides_left = [fmpq_mat(rows, 1, [_rational(e[k]) for e in ends_left]) for k in (0, 1)]
        sides_right = [fmpq_mat(1, cols, [_rational(e[k]) for e in ends_right]) for k in (0, 1)]
        products = [(a * b).entries() for a in sides_left for b in sides_right]
        entries = [Real.ranged(_fraction(min(quad)), _fraction(max(quad))) for quad in zip(*products)]
        return np.array(entries, dtype=object).reshape(rows, cols)
    # ranges on both sides: entry by entry, each term between the least and the greatest products of its ends
    lefts = [(_rational(e[0]), _rational(e[1])) for e in ends_left]
    rights = [(_rational(e[0]), _rational(e[1])) for e in ends_right]
    entries = []
    for i in range(rows):
        for j in range(cols):
            low = high = fmpq(0)
            for t in range(inner):
                (a, b), (c, d) = lefts[i * inner + t], rights[t * cols + j]
                quad = (a * c, a * d, b * c, b * d)
                low, high = low + min(quad), high + max(quad)
            entries.append(Real.ranged(_fraction(low), _fraction(high)))
    return np.array(entries, dtype=object).reshape(rows, cols)


def _weighted_ranges(weights: list[Real], ranges: list[Real], shape: tuple[int, int, int], *,
                     weights_left: bool) -> Array | None:
    """An exact matrix W times ranges [lo, hi] (on either side): W⁺·lo + W⁻·hi to W⁺·hi + W⁻·lo, W⁺ and W⁻ the
    positive and negative parts of W, in flint rationals; the entries that read a ball alone get its arb_mat product
    added, as ``_product`` does."""
    rows, inner, cols = shape
    w_shape, r_shape = ((rows, inner), (inner, cols)) if weights_left else ((inner, cols), (rows, inner))
    positive = fmpq_mat(*w_shape, [max(_ZERO, v.rational()) for v in weights])
    negative = fmpq_mat(*w_shape, [min(_ZERO, v.rational()) for v in weights])
    zero = (Fraction(0), Fraction(0))
    ends = [v.ends() or zero for v in ranges]
    low = fmpq_mat(*r_shape, [_rational(e[0]) for e in ends])
    high = fmpq_mat(*r_shape, [_rational(e[1]) for e in ends])
    alone = [v.enclosure() if v.ends() is None else arb(0) for v in ranges]
    balls = arb_mat(*r_shape, alone) if any(v.ends() is None for v in ranges) else None
    if weights_left:
        lows, highs = positive * low + negative * high, positive * high + negative * low
        extra = None if balls is None else (arb_mat(positive + negative) * balls).entries()
    else:
        lows, highs = low * positive + high * negative, high * positive + low * negative
        extra = None if balls is None else (balls * arb_mat(positive + negative)).entries()
    if extra is not None and not all(part.is_finite() for part in extra):
        return None  # an infinite or NaN ball: _product takes it term by term
    result = []
    for k, (a, b) in enumerate(zip(lows.entries(), highs.entries())):
        entry = Real.ranged(_fraction(a), _fraction(b))
        if extra is not None and not extra[k].is_zero():
            entry = Real(ball=entry.enclosure() + extra[k])
        result.append(entry)
    return np.array(result, dtype=object).reshape(rows, cols)


def matmul(left: Array, right: Array) -> Array:
    """``left @ right`` for a matrix and a vector or matrix (or a vector and a matrix), in flint matrices."""
    if left.shape[-1] != right.shape[0]:
        raise ValueError(f"matmul: shapes {left.shape} and {right.shape} do not align")
    if left.size == 0 or right.size == 0:
        return left @ right  # nothing to multiply: numpy gives the shape
    if NoValue in set(map(type, left.flat)) or NoValue in set(map(type, right.flat)):
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
    """A ball enclosing every candidate (their union); exact ends when every candidate has them."""
    ends = [Real.of(c).ends() for c in candidates]
    if all(e is not None for e in ends):
        return Real.ranged(min(e[0] for e in ends if e is not None), max(e[1] for e in ends if e is not None))
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


def _own_quotient(left: Real, right: Real) -> Real:
    """``left / right`` in the document's own numbers: a divisor that is exactly 0, or a range that reaches 0, gives
    no value (NoValue) for that entry, not an error for the whole quantity (0 over a printed 0.0)."""
    try:
        return Real.of(left) / right
    except ZeroDivisionError as error:
        return NoValue(f"the document's own numbers divide by 0: {error}")


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
                return hull(_side(up, value, positive=True), at, _side(down, value, positive=False))

        return np.asarray(np.vectorize(choose, otypes=[object])(values, positive, zero, negative), dtype=object)


    quotient = staticmethod(_own_quotient)


def _side(branch: Real, value: Real, *, positive: bool) -> Real:
    """A branch that is the operand itself, on its own side of 0: ReLU of [-0.05, 0.05] is [0, 0.05], not the hull of
    [-0.05, 0.05] and 0."""
    if branch is not value:
        return branch
    ends = value.ends()
    if ends is not None:
        return Real.ranged(max(ends[0], Fraction(0)), ends[1]) if positive else Real.ranged(ends[0], min(ends[1], Fraction(0)))
    ball = value.enclosure()
    if not ball.is_finite():
        return value
    return Real(ball=arb(0).union(arb(ball.upper()) if positive else arb(ball.lower())))


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
