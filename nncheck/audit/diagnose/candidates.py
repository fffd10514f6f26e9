"""What a slip generator sees (Context) and proposes (Candidate), and the helpers generators share."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from nncheck.audit.derive import Leaf, Term
from nncheck.audit.derive import name as derive_name
from nncheck.audit.diagnose.chain import Chain, Edit, Key
from nncheck.audit.enclose import midpoint, ordinary
from nncheck.findings import Kind, Slip
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.steps import Step
from nncheck.printed import format_fraction
from nncheck.records import Index, Network, Stated

# Intermediate values are tried rounded (and truncated) to this many decimals, and to this many
# significant digits: what a hand calculation keeps. Fewer than 2 significant digits changes a value
# so much, and more than 4 so little, that either would "explain" too many unrelated numbers (the
# false-explanation rate of docs/verdicts.md#diagnosis).
ROUNDING_DECIMALS = range(1, 5)
ROUNDING_SIGNIFICANT = range(2, 5)


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement of the document in order, indexed once for all the statements diagnosed."""

    all: tuple[Stated, ...]
    position: Mapping[str, int]  # ref -> place in ``all``
    by_element: Mapping[Key, tuple[Stated, ...]]  # each element's statements, in document order
    by_quantity: Mapping[str, tuple[Stated, ...]]

    @staticmethod
    def of(statements: tuple[Stated, ...]) -> Statements:
        by_element: dict[Key, list[Stated]] = {}
        by_quantity: dict[str, list[Stated]] = {}
        for s in statements:
            by_element.setdefault((s.quantity, s.index), []).append(s)
            by_quantity.setdefault(s.quantity, []).append(s)
        return Statements(statements, {s.ref: i for i, s in enumerate(statements)},
                          {key: tuple(group) for key, group in by_element.items()},
                          {key: tuple(group) for key, group in by_quantity.items()})

    def of_element(self, quantity: str, index: Index, before: Stated | None = None) -> tuple[Stated, ...]:
        """An element's statements in document order (only those before ``before``, if given)."""
        group = self.by_element.get((quantity, index), ())
        if before is None:
            return group
        limit = self.position[before.ref]
        return tuple(s for s in group if self.position[s.ref] < limit)


@dataclass(frozen=True, slots=True)
class Context:
    """One statement to diagnose, and the document around it."""

    network: Network
    table: Mapping[str, Step]
    exact: Mapping[str, Array]
    target: Stated
    document: Statements  # every statement of the document, in document order
    kinds: Mapping[str, Kind]  # the verdict of each judged statement, by ref
    ledger: Mapping[Key, Stated]  # the latest statement of each element before the judged one
    pinned: Mapping[Key, Stated]  # the values the judged step visibly used
    _labels: dict[Key, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def statements(self) -> tuple[Stated, ...]:
        return self.document.all

    @property
    def position(self) -> int:
        """The judged statement's place in the document."""
        return self.document.position[self.target.ref]

    @property
    def depth(self) -> int:
        return len(self.network.layers)

    def label(self, quantity: str, index: Index) -> str:
        """An element as a reader writes it: ∂L/∂W1[0,1], ŷ."""
        key = (quantity, index)
        if key not in self._labels:
            self._labels[key] = derive_name(quantity, index, self.exact, self.depth).name
        return self._labels[key]

    def stated_values(self, quantity: str, index: Index) -> list[Stated]:
        """The statements of one element anywhere in the document, one per distinct value, in document order."""
        seen: set[Fraction] = set()
        result = []
        for s in self.document.of_element(quantity, index):
            if s.printed.value not in seen:
                seen.add(s.printed.value)
                result.append(s)
        return result


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed derivation: the slips it assumes, the edits that plant them, and how to show it.

    The derivation shown is, by default, each recomputed value the target reads and then the target's
    step with its numbers substituted. ``shown`` shows another element's step instead (a copied value);
    ``formula`` replaces the target's formula (a step computed otherwise); ``wrap`` changes the shown
    term (a sign, a factor); ``arrow`` is what follows the value when the slip changed it afterwards
    (default: the new value); ``derivation`` replaces all of it.
    """

    slips: tuple[Slip, ...]
    edits: tuple[Edit, ...]
    shown: tuple[str, Index] | None = None
    formula: Callable[[Leaf], Term] | None = None
    wrap: Callable[[Term], Term] | None = None
    arrow: str | None = None
    derivation: tuple[str, ...] | None = None


Generator = Callable[[Context, Chain], Iterator[Candidate]]


def slip(family: str, template: str, **arguments: str) -> Slip:
    return Slip(family, template, tuple(arguments.items()))


def constant(values: Array) -> Callable[[Array], Array]:
    """A transform that ignores what it is given (the slip's value is known in advance)."""
    return lambda _: values


def decimal_text(value: Fraction) -> str:
    """A short decimal as text (values in the search are printed decimals, or rounded to a few places)."""
    for places in range(0, 40):
        if (value * 10**places).denominator == 1:
            return format_fraction(value, places)
    return format_fraction(value, 12)


def rounded(value: Real, places: int, truncate: bool, *, half_even: bool = False) -> Fraction | None:
    """``value`` rounded half up (half even, or truncated) to ``places`` decimals; None when a ball cannot say which way,
    and for a value beyond any a hand calculation rounds (not enclose.ordinary: its ends could have millions of digits)."""
    if not ordinary(value):
        return None
    ends = [value.exact] if value.exact is not None else _ends(value)
    results = {_quantize(end, places, truncate, half_even) for end in ends}
    return results.pop() if len(results) == 1 else None


def _ends(value: Real) -> list[Fraction]:
    ball_value = value.enclosure()
    return [_fraction(ball_value.lower()), _fraction(ball_value.upper())]


def _fraction(endpoint: object) -> Fraction:
    mantissa, exponent = endpoint.mid().man_exp()  # type: ignore[attr-defined]
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def _quantize(value: Fraction, places: int, truncate: bool, half_even: bool) -> Fraction:
    """Exactly: toward zero, half to even (Python's round), or half away from zero (as by hand)."""
    scale = Fraction(10) ** places
    scaled = value * scale
    if truncate:
        steps = math.trunc(scaled)
    elif half_even:
        steps = round(scaled)
    else:
        steps = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    return steps / scale


def significant_places(value: Real, digits: int) -> int | None:
    """The decimals that keep ``digits`` significant digits of ``value`` (None for 0, and for a value beyond any
    printed one, which no rounding by hand produces)."""
    if not ordinary(value):
        return None
    point = midpoint(value)
    if point == 0:
        return None
    return digits - 1 - math.floor(math.log10(abs(float(point))))


def roundings(value: Real) -> Iterator[tuple[Fraction, str]]:
    """``value`` rounded or truncated in each way a hand calculation does, with how ("rounded to 2 decimals")."""
    ways: list[tuple[int, str]] = [(places, f"{places} decimal{'s' if places > 1 else ''}") for places in ROUNDING_DECIMALS]
    for digits in ROUNDING_SIGNIFICANT:
        places = significant_places(value, digits)
        if places is not None:
            ways.append((places, f"{digits} significant digits"))
    for truncate in (False, True):
        for places, how in ways:
            result = rounded(value, places, truncate)
            if result is not None:
                yield result, ("truncated to " if truncate else "rounded to ") + how
