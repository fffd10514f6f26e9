"""Rigorous decisions about a printed number's interval, and exact-enough display of values."""

from __future__ import annotations

from fractions import Fraction

from nncheck.errors import Undecided
from nncheck.network.ball import Real
from nncheck.printed import Printed, format_fraction
from flint import arb, fmpq

# Extra decimals shown beyond the printed ones, so a reader sees why a digit is wrong.
EXTRA_DISPLAY_DECIMALS = 5
# Exact rationals with a terminating decimal expansion this short are shown exactly.
EXACT_DISPLAY_LIMIT = 30


def _arb(value: Fraction) -> arb:
    return arb(fmpq(value.numerator, value.denominator))


def inside(value: Real, low: Fraction, high: Fraction) -> bool:
    """Whether the true value lies in [low, high]; Undecided when the ball straddles an end."""
    if value.exact is not None:
        return low <= value.exact <= high
    ball = value.enclosure()
    if ball >= _arb(low) and ball <= _arb(high):
        return True
    if ball < _arb(low) or ball > _arb(high):
        return False
    raise Undecided(f"{ball} against [{low}, {high}]")


def holds(value: Real, printed: Printed) -> bool:
    """``inside(value, *printed.rounding_interval())``, with flint rationals: the test every number meets first.

    In units of half the last printed place the interval's ends are the integers 2m − 1 and 2m + 1,
    m being the printed digits as an integer.
    """
    place, stated = printed.last_place, printed.value
    if place >= 0 or (10**-place) % stated.denominator:
        return inside(value, *printed.rounding_interval())
    scale = 10**-place
    twice = 2 * stated.numerator * (scale // stated.denominator)
    low, high = fmpq(twice - 1, 2 * scale), fmpq(twice + 1, 2 * scale)
    if value.exact is not None:
        true = value.rational()
        return bool(low <= true <= high)
    ball = value.enclosure()
    low_ball, high_ball = arb(low), arb(high)
    if ball >= low_ball and ball <= high_ball:
        return True
    if ball < low_ball or ball > high_ball:
        return False
    raise Undecided(f"{ball} against [{low}, {high}]")


def strictly_inside(value: Real, low: Fraction, high: Fraction) -> bool:
    """Whether the true value lies in the open interval (low, high)."""
    if value.exact is not None:
        return low < value.exact < high
    ball = value.enclosure()
    if ball > _arb(low) and ball < _arb(high):
        return True
    if ball <= _arb(low) or ball >= _arb(high):
        return False
    raise Undecided(f"{ball} against ({low}, {high})")


def meets(value: Real, low: Fraction, high: Fraction) -> bool:
    """Whether a range of values meets [low, high] (interval frames): on its exact ends when it has them, else on its
    enclosure."""
    ends = value.ends()
    if ends is not None:
        return low <= ends[1] and ends[0] <= high
    ball = value.enclosure()
    return not (ball < _arb(low) or ball > _arb(high))


def meets_open(value: Real, low: Fraction, high: Fraction) -> bool:
    """Whether a range of values meets the open interval (low, high): a range that ends exactly at ``low`` or
    ``high`` does not (decided on its exact ends when it has them, else on its enclosure)."""
    ends = value.ends()
    if ends is not None:
        return low < ends[1] and ends[0] < high
    ball = value.enclosure()
    return not (ball <= _arb(low) or ball >= _arb(high))


def rounds_to(value: Real, printed: Printed) -> bool:
    """Whether some value of the document's own range rounds to ``printed``: an exact value in its rounding interval
    (a tie rounds either way), or a range that meets the interval's inside. A range that only touches an end would
    need the hidden digits to be a tie, rounded one way for the earlier number and the other way here: the
    −0.3662 put in for a −0.3663 printed before is not what the document's numbers give."""
    low, high = printed.rounding_interval()
    if value.exact is not None:
        return low <= value.exact <= high
    return meets_open(value, low, high)


def one_unit(printed: Printed) -> tuple[Fraction, Fraction]:
    """The open interval within one unit of the last printed digit."""
    return printed.value - printed.unit, printed.value + printed.unit


# Values whose size passes 2^±HUGE_BITS are shown in scientific notation: no document prints one, and writing one
# out (or even forming its midpoint as a fraction) could take millions of digits (a sigmoid of -1.5e300).
HUGE_BITS = 512


def ordinary(value: Real) -> bool:
    """Whether ``value`` is finite and within 2^±HUGE_BITS, so that its midpoint can be written out."""
    if value.exact is not None:
        return value.exact == 0 or abs(value.exact.numerator.bit_length() - value.exact.denominator.bit_length()) <= HUGE_BITS
    return _ordinary_midpoint(value.enclosure()) is not None


def _ordinary_midpoint(enclosure: arb) -> Fraction | None:
    """The ball's midpoint as a fraction, or None when the ball is not finite or its midpoint or ends pass
    2^±HUGE_BITS (see :func:`ordinary`)."""
    if not enclosure.is_finite():
        return None
    man, exp = enclosure.mid().man_exp()
    mantissa, exponent = int(man), int(exp)
    if not (abs(exponent) <= 4 * HUGE_BITS and mantissa.bit_length() + exponent <= HUGE_BITS):
        return None
    # The ends too: a ball around 0 of radius e^(-10^62) has an ordinary midpoint and ends no fraction can hold.
    radius_mantissa, radius_exponent = enclosure.rad().man_exp()
    if int(radius_mantissa) != 0 and abs(int(radius_exponent)) > 4 * HUGE_BITS:
        return None
    return Fraction(mantissa << exponent) if exponent >= 0 else Fraction(mantissa, 1 << -exponent)


def scientific(value: Real) -> str:
    """A value of any size in 12 significant digits, as arb writes it: 6.50038280087e-4342944819…"""
    return str(value.enclosure().str(12, radius=False))


def midpoint(value: Real) -> Fraction:
    """The exact rational, or the ball's midpoint (for display and relative errors only). Raises OverflowError for a
    value that is not :func:`ordinary` (its midpoint could have millions of digits)."""
    if value.exact is not None:
        return value.exact
    middle = _ordinary_midpoint(value.enclosure())
    if middle is None:
        raise OverflowError(f"{scientific(value)} is too large or too small to write out")
    return middle


def shown(value: Real, printed: Printed) -> tuple[str, float | None]:
    """``show(value, printed)`` and ``relative_error(printed, value)`` from one midpoint; a value that is not
    :func:`ordinary` in scientific notation, with no relative error."""
    middle = (value.exact if ordinary(value) else None) if value.exact is not None else _ordinary_midpoint(value.enclosure())
    if middle is None:
        return scientific(value), None
    return show(value, printed, middle), _relative(printed, middle)


def show(value: Real, printed: Printed, middle: Fraction | None = None) -> str:
    """The value to more decimals than ``printed`` has; exactly, when it is a short decimal.

    A ball shows only the extra decimals its radius resolves (at least the printed ones): a value
    that cancelled down to a tiny one is not shown with digits the arithmetic never knew.
    """
    places = printed.decimals + EXTRA_DISPLAY_DECIMALS
    if value.exact is not None:
        exact_places = _terminating_places(value.exact.denominator)
        if exact_places is not None and exact_places <= EXACT_DISPLAY_LIMIT:
            return format_fraction(value.exact, exact_places)
    else:
        radius = value.enclosure().rad()
        while places > printed.decimals and not radius * (2 * 10**places) < 1:
            places -= 1
    return format_fraction(midpoint(value) if middle is None else middle, places)


def _terminating_places(denominator: int) -> int | None:
    """Decimals of the exact expansion of n/denominator, or None when it does not terminate."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def relative_error(stated: Printed, value: Real) -> float | None:
    """(stated − true) / true for display, from the true value's midpoint; None when that is 0 (or the ratio overflows)."""
    return _relative(stated, midpoint(value))


def _relative(stated: Printed, true: Fraction) -> float | None:
    if true == 0:
        return None
    # Integer true division is correctly rounded: the exact quotient, rounded once.
    a, b, c, d = stated.value.numerator, stated.value.denominator, true.numerator, true.denominator
    try:
        return (a * d - c * b) / (c * b)
    except OverflowError:
        return None  # beyond the range of a float: there is no relative error to show
