"""Names and ids across a document: every value stated for a name, and which of them disagree.

A quantity named on a side (z_2, ŷ, ∂L/∂z_2) collects every printed value the document gives it,
as a result, as a definition, or as the value a step substituted for it. Two of them whose
rounding intervals are disjoint cannot both be right: the later one is a contradiction, unless
it is what the earlier one's own arithmetic gives (then the earlier one was the mistake).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

from nncheck.document.statements import Agreement, Cells, Check, Given, Plan
from nncheck.printed import Printed

Item = Union[Check, Agreement, Given]


@dataclass(frozen=True, slots=True)
class Element:
    """One printed number of a named value."""

    name: str
    index: int  # in the value's row-major order
    size: int  # of the whole value: values of different sizes are not compared
    printed: Printed
    ref: str
    offset: int  # in the document: what "earlier" means

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.name, self.size, self.index)


def element_suffix(shape: tuple[int, ...], index: int) -> str:
    """[i] for a vector (of either orientation), [i,j] for a matrix, nothing for a number."""
    if math.prod(shape) == 1:
        return ""
    if len(shape) == 1 or 1 in shape:
        return f"[{index}]"
    return f"[{index // shape[1]},{index % shape[1]}]"


@dataclass
class Refs:
    """Ids as reports show them: the name (then name#2, name#3, ...), or eqN for an unnamed equation."""

    occurrences: dict[str, int] = field(default_factory=dict)

    def for_item(self, item: Item, display: int, unnamed: int, several: bool) -> str:
        name = item.name if isinstance(item, Given) else (item.names[0] if isinstance(item, Check) and item.names else None)
        if isinstance(item, Given) and item.used:
            return f"eq{display}:{item.name}"
        if name is None:
            return f"eq{display}" + (f".{unnamed}" if several else "")
        count = self.occurrences.get(name, 0) + 1
        self.occurrences[name] = count
        return name if count == 1 else f"{name}#{count}"


def item_refs(plans: list[tuple[int, Plan]]) -> dict[tuple[int, int], str]:
    """The id of every item, keyed by (display number, position of the item in its plan)."""
    refs = Refs()
    result: dict[tuple[int, int], str] = {}
    for display, plan in plans:
        items = items_of(plan)
        unnamed = [i for i, item in enumerate(items) if not _is_named(item)]
        for position, item in enumerate(items):
            number = unnamed.index(position) + 1 if position in unnamed else 0
            result[(display, position)] = refs.for_item(item, display, number, len(unnamed) > 1)
    return result


def items_of(plan: Plan) -> list[Item]:
    return [*plan.checks, *plan.agreements, *plan.givens]


def _is_named(item: Item) -> bool:
    return isinstance(item, Given) or (isinstance(item, Check) and bool(item.names))


def elements(cells: Cells, names: tuple[str, ...], ref: str, offsets: list[int]) -> list[Element]:
    size = len(cells.printed)
    return [Element(name, i, size, printed, ref + element_suffix(cells.shape, i), offsets[i])
            for name in names for i, printed in enumerate(cells.printed)]


@dataclass(frozen=True, slots=True)
class Conflicts:
    """For each element ref: the statements of the same element with disjoint rounding intervals."""

    by_ref: dict[str, tuple[tuple[int, str], ...]]  # ref -> ((offset, other ref), ...)
    restated: frozenset[str]  # refs of givens that repeat the latest earlier statement digit for digit

    def earlier(self, ref: str, offset: int) -> tuple[str, ...]:
        return tuple(other for other_offset, other in self.by_ref.get(ref, ()) if other_offset < offset)

    def all(self, ref: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(other for _, other in self.by_ref.get(ref, ())))


def conflicts(statements: list[tuple[Element, bool]]) -> Conflicts:
    """``statements``: every named element with whether it is a given (restatable); any order."""
    ordered = sorted(statements, key=lambda s: s[0].offset)
    latest: dict[tuple[str, int, int], Element] = {}
    restated: set[str] = set()
    groups: dict[tuple[str, int, int], list[Element]] = {}
    for element, given in ordered:
        previous = latest.get(element.key)
        if given and previous is not None and previous.printed.text == element.printed.text:
            restated.add(element.ref)
        else:
            groups.setdefault(element.key, []).append(element)
        latest[element.key] = element
    by_ref: dict[str, list[tuple[int, str]]] = {}
    for group in groups.values():
        for element in group:
            low, high = element.printed.rounding_interval()
            clashes = by_ref.setdefault(element.ref, [])
            for other in group:
                other_low, other_high = other.printed.rounding_interval()
                if other.ref != element.ref and (other_high < low or other_low > high):
                    clashes.append((other.offset, other.ref))
    return Conflicts({ref: tuple(dict.fromkeys(c)) for ref, c in by_ref.items()}, frozenset(restated))
