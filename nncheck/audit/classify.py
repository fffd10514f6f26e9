"""The verdict ladder: one printed number against the true chain and the document's own numbers.

Every printed number nncheck judges — a spec's claim, a value a step used, a spec equation, a page's
result, a value a page substituted for a name — goes down these rungs, in this order
(docs/verdicts.md):

1. **holds**: the true value lies in the printed number's rounding interval;
2. **carried**: the document's own numbers (its earlier printed values, each standing for its
   rounding interval unless it is exact) give a value in that interval, or a range that meets its
   inside (a range that only touches an end is not enough);
3. **rounding slip**: the true value lies within one unit of the last printed digit, or the own
   numbers' range does (a slip on top of carried numbers);
4. **contradiction**: none of the above, and the same quantity was printed before with a
   rounding interval disjoint from this one (for an old value of a quantity the document has since
   given anew, this rung comes before the rounding slip: a stale copy is not a slip);
5. **wrong**: none of the above.

An enclosure that straddles a rung's boundary raises :class:`nncheck.errors.Undecided`; the caller
raises the precision (or, at the last precision, gives the verdict ``undecided``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nncheck.audit import enclose
from nncheck.findings import Kind
from nncheck.network.ball import NoValue, Real
from nncheck.printed import Printed


@dataclass(frozen=True, slots=True)
class Rung:
    """The verdict and whether the document's own numbers decided it (then it carries their sources)."""

    kind: Kind
    by_own_numbers: bool = False


HOLDS = Rung(Kind.HOLDS)


def classify(printed: Printed, true: Real, own: Callable[[], Real | None], *, earlier: bool,
             stale: bool = False) -> Rung:
    """The rung for ``printed``; ``own`` gives the own numbers' range lazily (None: there is none).

    ``true`` is the true value's enclosure; ``earlier`` says whether the quantity was printed
    before with a disjoint rounding interval. ``stale``: the number is, digit for digit, a value the
    quantity had before the document gave it anew; a conflict then comes before a rounding slip (the
    old weight 0.5 put in for w after w was updated to 0.56416 is stale, not a slip of 0.6). Raises
    Undecided when an enclosure cannot settle a rung.
    """
    if enclose.holds(true, printed):
        return HOLDS
    own_range = own()
    if isinstance(own_range, NoValue):
        own_range = None  # the document's own numbers give this entry no value (a division by a printed 0.0)
    if own_range is not None and enclose.rounds_to(own_range, printed):
        return Rung(Kind.CARRIED, by_own_numbers=True)
    if earlier and stale:
        return Rung(Kind.CONTRADICTION)  # an old value of a quantity the document has given anew
    if enclose.strictly_inside(true, *enclose.one_unit(printed)):
        return Rung(Kind.SLIP)
    if own_range is not None and enclose.meets_open(own_range, *enclose.one_unit(printed)):
        return Rung(Kind.SLIP, by_own_numbers=True)
    return Rung(Kind.CONTRADICTION if earlier else Kind.WRONG)
