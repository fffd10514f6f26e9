"""Numbers as a document prints them: the digits are part of the claim."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

# A plain decimal, optionally in scientific notation: "-0.0580", "3", "1.2e-3".
# Leading "+" and a Unicode minus sign are accepted since documents print both.
DECIMAL = re.compile(r"^(?P<sign>[-+\u2212]?)(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[-+]?[0-9]+))?$")

# A plain decimal that parse_printed reads as it stands: no sign but "-", no exponent, at most 80 digits (of the
# MAX_DIGITS it accepts), no surrounding space.
PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,40}(?:\.[0-9]{0,40})?")

# A printed number longer than this is refused: no document states a hundred digits,
# and it bounds the work of exact arithmetic on hostile input.
MAX_DIGITS = 100
# Exponents beyond this are refused for the same reason (1e999999 must not allocate).
MAX_EXPONENT = 300


@dataclass(frozen=True, slots=True)
class Printed:
    """A number as printed: its text, its exact value, and the place of its last digit.

    ``last_place`` is the power of ten of the last printed digit: "0.0580" has -4,
    "3" has 0, "1.2e-3" has -4.
    """

    text: str
    value: Fraction
    last_place: int

    @property
    def half_unit(self) -> Fraction:
        """Half a unit in the last printed place: the radius of the rounding interval."""
        place = self.last_place
        return Fraction(10**place, 2) if place >= 0 else Fraction(1, 2 * 10**-place)

    @property
    def unit(self) -> Fraction:
        """One unit in the last printed place."""
        place = self.last_place
        return Fraction(10**place) if place >= 0 else Fraction(1, 10**-place)

    def rounding_interval(self) -> tuple[Fraction, Fraction]:
        """Every value that rounds to this text (ends included: ties may go either way)."""
        # In units of half the last place the ends are the integers 2m - 1 and 2m + 1, where m is
        # the printed digits as an integer: one exact division instead of general fraction arithmetic.
        place, value = self.last_place, self.value
        if place < 0 and (10**-place) % value.denominator == 0:
            scale = 10**-place
            twice = 2 * value.numerator * (scale // value.denominator)
            return Fraction(twice - 1, 2 * scale), Fraction(twice + 1, 2 * scale)
        return value - self.half_unit, value + self.half_unit

    @property
    def decimals(self) -> int:
        """Digits after the decimal point when written out in fixed notation."""
        return max(0, -self.last_place)

    def __str__(self) -> str:
        return self.text

    @property
    def digits(self) -> str:
        """The text as a number is spelled, whatever its sign's spelling: "−1.3", "-1.3" give "-1.3"; "+1.35" gives
        "1.35". Two statements with the same digits repeat each other."""
        text = self.text.replace("\u2212", "-")
        return text[1:] if text.startswith("+") else text


@functools.lru_cache(maxsize=4096)
def parse_printed(text: str) -> Printed:
    """Read a printed decimal; raise ValueError with the reason when it is not one. A text read before gives the
    same (immutable) record: a network's weights repeat their few printed values many times."""
    stripped = text.strip()
    match = DECIMAL.match(stripped)
    if match is None:
        raise ValueError(f"{text!r} is not a decimal number (expected digits such as 0.938, -1.066 or 1.2e-3)")
    digits = match["int"] + (match["frac"] or "")
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"{text[:20]!r}... has {len(digits)} digits; at most {MAX_DIGITS} are accepted")
    exponent = int(match["exp"] or 0)
    if abs(exponent) > MAX_EXPONENT:
        raise ValueError(f"{text!r} has exponent {exponent}; at most {MAX_EXPONENT} in size is accepted")
    frac = match["frac"] or ""
    negative = match["sign"] in ("-", "\u2212")
    place = exponent - len(frac)
    whole = -int(digits) if negative else int(digits)
    # Straight to integers over a power of ten: one gcd, rather than a Fraction power and product.
    value = Fraction(whole * 10**place) if place >= 0 else Fraction(whole, 10**-place)
    return Printed(text=stripped, value=value, last_place=place)


def format_fraction(value: Fraction, places: int) -> str:
    """A fraction rounded half-even to ``places`` decimals, as text (for display, not verdicts)."""
    top, bottom = value.numerator, value.denominator
    if places >= 0:
        top *= 10**places
    else:
        bottom *= 10**-places
    scaled, remainder = divmod(top, bottom)  # floor, 0 <= remainder < bottom
    if 2 * remainder > bottom or (2 * remainder == bottom and scaled % 2 == 1):
        scaled += 1
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    if places <= 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
