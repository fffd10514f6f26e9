"""A whole claim judged at once: every element of a claim holds when one matrix comparison says so.

A claim's value printed with d decimals holds element by element when each true value t lies in
[p − u/2, p + u/2] (docs/verdicts.md), u = 10^-d. With m the printed digits as an integer (p = m·10^-d), that is
|2·10^d·t − 2m| ≤ 1. python-flint computes S = 2·10^d·T − 2M for the claim's true values T as one ``arb_mat``
(rigorous balls), and ``arb_mat.contains`` tests every entry of S against the ball of radius :data:`BOX_RADIUS`
< 1 about 0 at once. When it says yes, every element holds; when it cannot, the claim is judged element by element,
as every other claim is, which decides ties, and values within 2^-28 of a half unit, exactly.

Only what :func:`eligible` allows comes here: a claim whose elements no other statement of the spec states or
uses, so that none of them can conflict with another statement, repeat one, or be a used value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from flint import arb, arb_mat, fmpq_mat

from nncheck.audit import enclose
from nncheck.findings import Kind, Verdict, VerdictBlock
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import parse_printed
from nncheck.records import Claim, StatedArray

# The radius of the ball every entry of S must lie in: below 1, so that a ball flint stores with its radius rounded
# up still lies in [−1, 1] (checked once, in _box).
BOX_RADIUS = 1 - 2**-28
# Claims shorter than this are judged element by element: nothing to gain.
MIN_ELEMENTS = 2


def eligible(claims: Sequence[Claim]) -> set[int]:
    """The positions of the claims that may be judged whole: a value not yet made into records, of at least
    MIN_ELEMENTS plain decimals, by a claim with no used values, of a quantity no other claim states or uses."""
    stated: dict[str, int] = {}
    for claim in claims:
        stated[claim.quantity] = stated.get(claim.quantity, 0) + 1
        for used in claim.uses:
            stated[used.quantity] = stated.get(used.quantity, 0) + 2  # a used quantity is never judged whole
    return {position for position, claim in enumerate(claims)
            if isinstance(claim.elements, StatedArray) and not claim.elements.made and not claim.uses
            and stated[claim.quantity] == 1 and len(claim.elements) >= MIN_ELEMENTS}


@functools.lru_cache(maxsize=64)
def _plain_lines(decimals: int) -> re.Pattern[str]:
    """Lines of plain decimals (PLAIN_DECIMAL) with exactly ``decimals`` decimals, each ended by a newline."""
    fraction = rf"\.[0-9]{{{decimals}}}" if decimals else r"\.?"
    return re.compile(rf"(?:-?[0-9]{{1,40}}{fraction}\n)*")


def digits(elements: StatedArray) -> tuple[list[int], int] | None:
    """The printed digits of each element as integers, and their common number of decimals (at most 40); None when
    the texts are not all plain decimals with the same number of decimals. One regular-expression pass over the
    texts joined, rather than one per text."""
    first = elements.texts[0]
    point = first.find(".")
    decimals = 0 if point < 0 else len(first) - point - 1
    if decimals > 40:
        return None
    joined = "\n".join(elements.texts) + "\n"
    if _plain_lines(decimals).fullmatch(joined) is None:
        return None
    return [int(text) for text in joined.replace(".", "").split("\n")[:-1]], decimals


def needed_bits(read: tuple[list[int], int]) -> int:
    """The most bits :func:`nncheck.audit.judge.needed_bits` asks for any element, from :func:`digits`."""
    from nncheck.audit.judge import PRECISION_MARGIN

    values = read[0]
    return max(1, max(values), -min(values)).bit_length() + PRECISION_MARGIN


_BOXES: dict[tuple[int, int], arb_mat] = {}


def _box(rows: int, columns: int) -> arb_mat:
    """A rows × columns matrix of balls about 0 whose stored radius is at most 1."""
    if (rows, columns) not in _BOXES:
        entry = arb(0, BOX_RADIUS)
        if not entry.rad() < 1:  # flint rounds radii up; never accept a box as wide as [−1, 1]
            raise AssertionError(f"a ball of radius {BOX_RADIUS} is stored as {entry.rad()}")
        _BOXES[(rows, columns)] = arb_mat([[entry] * columns for _ in range(rows)])
    return _BOXES[(rows, columns)]


def held(claim: Claim, read: tuple[list[int], int], exact: Mapping[str, Array], bits: int) -> HeldBlock | None:
    """The claim's verdicts as one block when every element holds, decided at ``bits``, the working precision; None
    when some element does not, or the comparison cannot tell (then it is judged element by element). ``read`` is
    :func:`digits` of its elements."""
    elements = claim.elements
    assert isinstance(elements, StatedArray)
    values, decimals = read
    table = exact[claim.quantity]
    if elements.ordered and table.size == len(values):
        true: list[Real] = table.ravel().tolist()  # the usual order: no indexing element by element
    else:
        true = [table[index] for index in elements.indices]
    count = len(true)
    if all(value.exact is not None for value in true):  # exact values (a layer's weights, as ∂z/∂a): one conversion
        balls = arb_mat(fmpq_mat(count, 1, [value.rational() for value in true]))
    else:
        balls = arb_mat(count, 1, [arb(value.rational()) if value.exact is not None else value.enclosure() for value in true])
    printed = arb_mat(count, 1, [2 * value for value in values])
    scaled = balls * (2 * 10**decimals) - printed
    if not _box(count, 1).contains(scaled):
        return None
    return HeldBlock(elements, true, bits)



class HeldBlock(VerdictBlock):
    """The verdicts of a claim whose every element holds, made into :class:`Verdict` records on first use, exactly as
    the element-by-element judge makes them (enclose.shown of the true value, at the precision it was judged)."""

    __slots__ = ("elements", "true", "bits")

    def __init__(self, elements: StatedArray, true: list[Real], bits: int) -> None:
        first, last = elements.refs(range(1)), elements.refs(range(len(elements) - 1, len(elements)))
        super().__init__(len(elements), elements.quantity, first[0], last[0], ordered=elements.ordered)
        self.elements, self.true, self.bits = elements, true, bits

    def make(self) -> tuple[Verdict, ...]:
        elements = self.elements
        made: list[Verdict] = []
        with ball.precision(self.bits):
            for ref, text, cell, true in zip(elements.refs(), elements.texts, elements.cells, self.true):
                printed = parse_printed(text)
                shown, relative = enclose.shown(true, printed)
                made.append(Verdict(kind=Kind.HOLDS, ref=ref, subject=elements.quantity, stated=printed.text,
                                    place=elements.place, location=elements.locate(cell), exact=shown, own=None,
                                    relative_error=relative))
        return tuple(made)
