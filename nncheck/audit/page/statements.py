"""What one display states: the checks to make and the values it gives names, before any arithmetic.

Each side of a chain is a name (z_2), symbolic (W_2 a_1 + b_2), printed (0.938, a matrix of
printed numbers) or computed (numeric arithmetic). Along the numeric sides, each link is judged:
a printed side against its neighbour, or two computed sides against each other. A symbolic side
followed by the same formula with numbers in it (ŷ(1 − ŷ) = 0.938 × (1 − 0.938)) tells which
value the step used for each name; a computed side followed by the same formula with some parts
already worked out (0.7·1.3 + 0.2 = 0.91 + 0.2) states those parts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from nncheck.expr.nodes import (
    TIMES, Call, Chain, Constant, Matrix, Negate, Node, Power, Product, Quotient, Sum, Symbol, Transpose, Vector, children,
    is_numeric, printed_cells,
)
from nncheck.printed import Printed


# Cuts a sum into groups of consecutive terms, one per term of a shorter sum that works it out: (part, printed) pairs.
Grouper = Callable[[Sum, Sum], "list[tuple[Node, Node]] | None"]


class SideKind(Enum):
    NAME = "name"
    SYMBOLIC = "symbolic"
    PRINTED = "printed"
    COMPUTED = "computed"


def side_kind(node: Node, text: str) -> SideKind:
    if isinstance(node, Symbol):
        return SideKind.NAME
    if printed_cells(node, text) is not None:
        return SideKind.PRINTED
    return SideKind.COMPUTED if is_numeric(node) else SideKind.SYMBOLIC


@dataclass(frozen=True, slots=True)
class Cells:
    """A printed value: its shape as written and its numbers in row-major order, each with its node."""

    shape: tuple[int, ...]
    printed: tuple[Printed, ...]
    nodes: tuple[Node, ...]


def cells_of(node: Node, text: str) -> Cells | None:
    found = printed_cells(node, text)
    if found is None:
        return None
    shape, cells = found
    return Cells(shape, tuple(p for p, _ in cells), tuple(n for _, n in cells))


@dataclass(frozen=True, slots=True)
class Check:
    """A printed value judged against a computation (which may itself be printed)."""

    claim: Node
    cells: Cells
    against: Node
    names: tuple[str, ...]  # the names this value is stated for, if any


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two computed sides, each keeping its printed digits, that should agree."""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Given:
    """A printed value for a name that nothing in this display recomputes: a definition, or a value a step used."""

    name: str
    cells: Cells
    used: bool  # True: substituted into a formula; False: stated as the name's value


@dataclass(frozen=True, slots=True)
class Plan:
    checks: tuple[Check, ...]
    agreements: tuple[Agreement, ...]
    givens: tuple[Given, ...]
    has_equation: bool
    has_numeric_side: bool


def plan(chains: list[Chain], text: str) -> Plan:
    checks: list[Check] = []
    agreements: list[Agreement] = []
    givens: list[Given] = []
    for chain in chains:
        _plan_chain(chain, text, checks, agreements, givens)
    numeric = any(side_kind(side, text) in (SideKind.PRINTED, SideKind.COMPUTED) for c in chains for side in c.sides)
    return Plan(tuple(checks), tuple(agreements), tuple(givens), any(len(c.sides) > 1 for c in chains), numeric)


def _plan_chain(chain: Chain, text: str, checks: list[Check], agreements: list[Agreement], givens: list[Given]) -> None:
    sides = chain.sides
    if len(sides) < 2:
        return
    kinds = [side_kind(side, text) for side in sides]
    names = tuple(dict.fromkeys(side.name for side in sides if isinstance(side, Symbol)))
    printed_at = [i for i, kind in enumerate(kinds) if kind is SideKind.PRINTED]
    value_at = printed_at[-1] if printed_at else None
    numeric = [i for i, kind in enumerate(kinds) if kind in (SideKind.PRINTED, SideKind.COMPUTED)]
    claimed: set[int] = set()
    for a, b in zip(numeric, numeric[1:]):
        for i, j in ((b, a), (a, b)):  # the right side is the claim when it is printed, else the left
            cells = cells_of(sides[i], text)
            if cells is not None and i not in claimed:
                checks.append(Check(sides[i], cells, sides[j], names if i == value_at else ()))
                claimed.add(i)
                break
        else:
            pairs = match(sides[a], sides[b], text) if b == a + 1 else None
            if pairs is None:
                agreements.append(Agreement(sides[a], sides[b]))
            for computation, printed in pairs or []:
                cells = cells_of(printed, text)
                assert cells is not None
                checks.append(Check(printed, cells, computation, ()))
    for a, b in zip(range(len(sides)), range(1, len(sides))):
        if kinds[a] is SideKind.SYMBOLIC and kinds[b] is not SideKind.NAME:
            for source, printed in match(sides[a], sides[b], text) or []:
                cells = cells_of(printed, text)
                if isinstance(source, Symbol) and cells is not None:
                    givens.append(Given(source.name, cells, used=True))
    if value_at is not None and value_at not in claimed:
        cells = cells_of(sides[value_at], text)
        assert cells is not None
        givens.extend(Given(name, cells, used=False) for name in names)


def match(left: Node, right: Node, text: str, grouper: Grouper | None = None) -> list[tuple[Node, Node]] | None:
    """Where ``right`` is ``left`` with some parts worked out into printed values: (part, printed value) pairs.

    None when they differ otherwise, including two different printed numbers in the same place:
    that is not a part worked out but another formula. A sum worked out into fewer terms (0.5·0.8 - 1.2 - 0.1
    = 0.4 - 1.3) is cut into groups by ``grouper``, which can weigh the values; without one it does not match.
    """
    if isinstance(left, Negate) and isinstance(right, Negate):
        return match(left.operand, right.operand, text, grouper)
    left_printed, right_printed = cells_of(left, text), cells_of(right, text)
    if left_printed is not None and right_printed is not None:
        return [] if left_printed.printed == right_printed.printed else None
    if right_printed is not None:
        return [(left, right)]
    if left_printed is not None:
        return None
    if type(left) is not type(right):
        return None
    if isinstance(left, (Symbol, Constant)) and isinstance(right, (Symbol, Constant)):
        return [] if left.name == right.name else None
    if isinstance(left, Sum) and isinstance(right, Sum):
        return _terms(left, right, text, grouper)
    if isinstance(left, Product) and isinstance(right, Product):
        operators_agree = [o for o, _ in left.factors] == [o for o, _ in right.factors]
        if operators_agree:
            return _all(left.factors, right.factors, text, grouper)
        return _worked_tail(left, right, text, grouper)
    if isinstance(left, Call) and isinstance(right, Call) and left.function != right.function:
        return None
    if isinstance(left, Matrix) and isinstance(right, Matrix) and len(left.rows) != len(right.rows):
        return None
    if isinstance(left, (Quotient, Power, Transpose, Call, Matrix, Vector)):
        left_parts, right_parts = children(left), children(right)
        if len(left_parts) != len(right_parts):
            return None
        return _all([("", p) for p in left_parts], [("", p) for p in right_parts], text, grouper)
    return None


def _worked_tail(left: Product, right: Product, text: str, grouper: Grouper | None) -> list[tuple[Node, Node]] | None:
    """``3 \\cdot a(1 - a) = 3 \\times 0.2332``: the leading factors match and the last printed one works out the rest."""
    count = len(right.factors)
    if count >= len(left.factors) or cells_of(right.factors[-1][1], text) is None:
        return None
    rest = left.factors[count - 1:]
    if any(operator != TIMES for operator, _ in rest) or right.factors[-1][0] != TIMES:
        return None
    if [o for o, _ in left.factors[:count - 1]] != [o for o, _ in right.factors[:count - 1]]:
        return None
    pairs = _all(left.factors[:count - 1], right.factors[:count - 1], text, grouper)
    if pairs is None:
        return None
    tail = Product(((TIMES, rest[0][1]),) + tuple(rest[1:]), rest[0][1].start, rest[-1][1].end)
    return pairs + [(tail, right.factors[-1][1])]


def _terms(left: Sum, right: Sum, text: str, grouper: Grouper | None) -> list[tuple[Node, Node]] | None:
    """Term by term; a term worked out with its sign flipped (``+ 1 \\times (-0.4)`` written ``- 0.4``) states the negated term."""
    if len(left.terms) != len(right.terms):
        return grouper(left, right) if grouper is not None and 1 < len(right.terms) < len(left.terms) else None
    pairs: list[tuple[Node, Node]] = []
    for (left_sign, a), (right_sign, b) in zip(left.terms, right.terms):
        if left_sign != right_sign:
            if cells_of(b, text) is None:
                return None
            pairs.append((Negate(a, a.start, a.start), b))  # an empty span: no override of a's applies to it
            continue
        found = match(a, b, text, grouper)
        if found is None:
            return None
        pairs += found
    return pairs


def _all(left: Sequence[tuple[str, Node]], right: Sequence[tuple[str, Node]], text: str,
         grouper: Grouper | None = None) -> list[tuple[Node, Node]] | None:
    if len(left) != len(right):
        return None
    pairs: list[tuple[Node, Node]] = []
    for (_, a), (_, b) in zip(left, right):
        found = match(a, b, text, grouper)
        if found is None:
            return None
        pairs += found
    return pairs


def element_suffix(shape: tuple[int, ...], index: int) -> str:
    """[i] for a vector (of either orientation), [i,j] for a matrix, nothing for a number."""
    if math.prod(shape) == 1:
        return ""
    if len(shape) == 1 or 1 in shape:
        return f"[{index}]"
    return f"[{index // shape[1]},{index % shape[1]}]"
