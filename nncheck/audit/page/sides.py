"""The pieces of a page's math the judge works on: formulas, their sides and small helpers over nodes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from nncheck.audit.page.frames import State, as_array
from nncheck.audit.page.statements import Cells
from nncheck.errors import Location, Undecided
from nncheck.expr.evaluate import wrap
from nncheck.expr.nodes import Chain, Constant, Negate, Node, Number, Power, Product, Sum, Symbol, children, walk
from nncheck.findings import Kind, Verdict
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import Printed
from nncheck.records import Place


@dataclass(frozen=True, slots=True)
class Side:
    node: Node
    text: str  # the LaTeX of the display it stands in
    offset: int  # of that text in the page
    # How the reports name the terms of a sum over an index written out (by id of the term's node): e^{z_1} for
    # the first term of \sum_j e^{z_j}, whose place in the display is the summand's.
    labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def reads(self) -> tuple[str, ...]:
        """The names the side reads (e counts: it may be a name)."""
        return tuple(dict.fromkeys(n.name for n in walk(self.node) if isinstance(n, (Symbol, Constant))))


# A name's formula is expanded into the symbolic check at most this deep (a chain of definitions).
MAX_EXPANSIONS = 8
# Sums of more terms than this are not cut into groups (the ways to cut n terms grow as 2^n).
MAX_GROUPED_TERMS = 8


class Owner(Protocol):
    """What a chain of sides is judged for: a page's formula (judge.FormulaJudge) or a spec's equation
    (nncheck.audit.equations): the state so far, and the ids, places and locations of its verdicts."""

    state: State
    settle: bool  # at the highest precision: give "undecided" rather than raise

    @property
    def section(self) -> str | None: ...
    def location(self, offset: int) -> Location: ...
    def place(self) -> Place: ...
    def named_ref(self, name: str) -> str: ...
    def used_ref(self, name: str) -> str: ...
    def unnamed_ref(self) -> str: ...
    def emit(self, verdict: Verdict) -> None: ...


class Role(Enum):
    NAME = "name"
    PRINTED = "printed"
    EXPRESSION = "expression"


def defines_e(chain: Chain) -> bool:
    first = chain.sides[0] if chain.sides else None
    return len(chain.sides) > 1 and isinstance(first, Constant) and first.name == "e"



def meet(a: Real, b: Real, ranged: bool) -> Kind:
    """Whether two values (ranges, when ``ranged``) can be equal; Undecided for two exact values balls cannot separate."""
    if a.exact is not None and b.exact is not None:
        return Kind.HOLDS if a.exact == b.exact else Kind.WRONG
    x, y = a.enclosure(), b.enclosure()
    if x < y or x > y:
        return Kind.WRONG
    if not ranged:
        raise Undecided(f"{x} against {y}")
    return Kind.HOLDS


def power_name(node: Node, bindings: Mapping[str, object]) -> str | None:
    """σ^2 as a name (a variance): a power of an unbound name by a whole number."""
    if isinstance(node, Power) and isinstance(node.base, Symbol) and isinstance(node.exponent, Number) \
            and node.exponent.printed.value.denominator == 1 and node.base.name not in bindings:
        return f"{node.base.name}^{node.exponent.printed.text}"
    return None


def cuts(total: int, parts: int) -> list[list[int]]:
    """Every way of cutting ``total`` consecutive terms into ``parts`` non-empty groups (their sizes)."""
    if parts == 1:
        return [[total]]
    return [[first] + rest for first in range(1, total - parts + 2) for rest in cuts(total - first, parts - 1)]


def group_node(terms: tuple[tuple[str, Node], ...], *, negate: bool) -> Node:
    """The sum of consecutive signed terms, as one node (negated for a term written after a minus)."""
    if len(terms) == 1:
        sign, term = terms[0]
        node = term if sign == "+" else Negate(term, term.start, term.start)
    else:
        first_sign, first = terms[0]
        head = first if first_sign == "+" else Negate(first, first.start, first.start)
        node = Sum((("+", head),) + tuple(terms[1:]), first.start, terms[-1][1].end)
    return Negate(node, node.start, node.start) if negate else node


def significant(printed: Printed) -> int:
    """How many significant digits a number is printed with (0.74282: 5; 0.5: 1; 120: 3)."""
    return len(printed.text.lstrip("-\u2212+").replace(".", "").lstrip("0").split("e")[0].split("E")[0])


def signed_numbers(node: Node, negative: bool = False) -> list[tuple[Number, bool]]:
    """Every number of an expression, with whether a unary minus is written on it (or on the product it leads)."""
    if isinstance(node, Number):
        return [(node, negative)]
    if isinstance(node, Negate):
        return signed_numbers(node.operand, not negative)
    if isinstance(node, Product):
        return signed_numbers(node.factors[0][1], negative) + [
            found for _, factor in node.factors[1:] for found in signed_numbers(factor)]
    return [found for child in children(node) for found in signed_numbers(child)]


def negated(printed: Printed) -> Printed:
    text = printed.text[1:] if printed.text.startswith(("-", "\u2212")) else "-" + printed.text
    return Printed(text=text, value=-printed.value, last_place=printed.last_place)


def wrap_real(value: Real) -> Array:
    return wrap(value)


def array_of(cells: Cells) -> Array:
    return as_array([Real(exact=p.value) for p in cells.printed], cells.shape)
