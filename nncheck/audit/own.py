"""The document's own numbers: recompute one step from the values the document stated before it.

Each operand of a step is taken, element by element, from the values the step visibly used,
else from the latest earlier statement of that element, else recomputed the same way from its
own operands, down to the network's givens. A printed operand stands for its rounding interval
(the author may have carried more digits than printed) unless it equals the true value exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from nncheck import quantities
from nncheck.errors import Undecided
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.steps import Step
from nncheck.records import Index, Stated

Key = tuple[str, Index]


@dataclass(frozen=True, slots=True)
class OwnValue:
    point: Array  # operands as printed
    interval: Array  # operands as their rounding intervals
    sources: frozenset[str]  # refs of statements used whose printed value is not the true value
    # The step recomputed with one source pinned to its true value, by ref (None: the step broke), made by
    # carried_from once for all the elements of a claim.
    pinned: dict[str, OwnValue | None] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Frame:
    """What the document has said so far, and the exact values to tell rounding from exactness."""

    table: Mapping[str, Step]
    exact: Mapping[str, Array]
    canonical_ref: Mapping[str, str]  # a restatement's ref -> the statement it repeats
    ledger: dict[Key, Stated] = field(default_factory=dict)
    # Statements recorded only when the ledger is first read (a claim judged whole: most audits never read them).
    unrecorded: list[Sequence[Stated]] = field(default_factory=list)

    def record(self, statement: Stated) -> None:
        self.ledger[(statement.quantity, statement.index)] = statement

    def record_later(self, statements: Sequence[Stated]) -> None:
        """Record ``statements`` when the ledger is next read (their keys no other statement has)."""
        self.unrecorded.append(statements)

    def flush(self) -> dict[Key, Stated]:
        """The ledger, with every statement recorded."""
        for statements in self.unrecorded:
            for statement in statements:
                self.record(statement)
        self.unrecorded.clear()
        return self.ledger

    def value(self, quantity: str, overlay: Mapping[Key, Stated], pinned: frozenset[str] = frozenset(),
              memo: dict[str, OwnValue] | None = None) -> OwnValue:
        """The step for ``quantity`` recomputed from the document's numbers (not its own statements).

        Statements whose refs are ``pinned`` are replaced by the true value (to test what depends on them).
        ``memo`` keeps each unstated operand's recomputation within one call: in a loop, the same weight is read
        by many later steps, and recomputing it along every path would take time exponential in the steps.
        """
        memo = {} if memo is None else memo
        if self.unrecorded:
            self.flush()
        step = self.table[quantity]
        operands = [self.operand(name, overlay, pinned, memo) for name in step.operands]
        # ball.POINT: as printed; an entry the printed numbers leave undefined (0 over a printed 0.0) has no value
        point = step(ball.POINT, *(o.point for o in operands))
        try:
            interval = step(ball.HULL, *(o.interval for o in operands))
        except (ValueError, ZeroDivisionError, Undecided):
            # The printed operands' ranges cannot be pushed through this step (a log or a quotient
            # whose range reaches 0): fall back to the operands as printed.
            interval = point
        return OwnValue(point=point, interval=interval, sources=frozenset().union(*(o.sources for o in operands)))

    def operand(self, quantity: str, overlay: Mapping[Key, Stated], pinned: frozenset[str],
                memo: dict[str, OwnValue]) -> OwnValue:
        if quantity in memo:
            return memo[quantity]
        memo[quantity] = result = self._operand(quantity, overlay, pinned, memo)
        return result

    def _operand(self, quantity: str, overlay: Mapping[Key, Stated], pinned: frozenset[str],
                 memo: dict[str, OwnValue]) -> OwnValue:
        exact = self.exact[quantity]
        stated = {index: overlay.get((quantity, index)) or self.ledger.get((quantity, index))
                  for index in quantities.indices(exact.shape)}
        if all(s is None for s in stated.values()):
            if quantities.is_given(quantity) or quantity not in self.table:
                return OwnValue(exact, exact, frozenset())
            return self.value(quantity, overlay, pinned, memo)
        if any(s is None for s in stated.values()) and not quantities.is_given(quantity):
            base = self.value(quantity, overlay, pinned, memo)
        else:
            base = OwnValue(exact, exact, frozenset())
        point, interval = base.point.copy(), base.interval.copy()
        sources = set(base.sources)
        for index, statement in stated.items():
            ref = self.canonical_ref.get(statement.ref, statement.ref) if statement is not None else ""
            if statement is None or ref in pinned:
                continue
            true = exact[index]
            printed = statement.printed
            point[index] = Real(exact=printed.value)
            if true.exact is not None and true.exact == printed.value:
                interval[index] = point[index]
            else:
                interval[index] = Real.interval(printed.value, printed.half_unit)
                sources.add(ref)
        return OwnValue(point, interval, frozenset(sources))


# Beyond this many candidate sources, carried values name them all rather than test each one: a test recomputes the
# step (once for all the elements of a claim).
MAX_REFINED = 16


def _same(left: Real, right: Real) -> bool:
    if isinstance(left, ball.NoValue) or isinstance(right, ball.NoValue):
        return isinstance(left, ball.NoValue) and isinstance(right, ball.NoValue)
    if left.exact is not None or right.exact is not None:
        return left.exact == right.exact
    if left.bounds is not None or right.bounds is not None:
        return left.bounds == right.bounds
    a, b = left.enclosure(), right.enclosure()
    return bool(a.mid().man_exp() == b.mid().man_exp() and a.rad().man_exp() == b.rad().man_exp())


def carried_from(frame: Frame, quantity: str, index: Index, overlay: Mapping[Key, Stated], own: OwnValue) -> tuple[str, ...]:
    """The sources an element really depends on: pinning each to its true value changes the element (a1[5] for
    da1/dz1[5] of a tanh layer, not every entry of a1), in index order (a1[2] before a1[10]).

    Each source is tested by one recomputation of the step with it pinned, kept on ``own`` for the claim's other
    elements. With more than MAX_REFINED sources all are named.
    """
    sources = sorted(own.sources, key=_natural)
    if len(sources) > MAX_REFINED:
        return tuple(sources)
    result = []
    for ref in sources:
        if ref not in own.pinned:
            try:
                own.pinned[ref] = frame.value(quantity, overlay, frozenset({ref}))
            except (ValueError, ZeroDivisionError, Undecided, RecursionError):
                own.pinned[ref] = None  # pinning it changes the step enough to break it: it matters
        pinned = own.pinned[ref]
        if pinned is None or not _same(pinned.interval[index], own.interval[index]):
            result.append(ref)
    return tuple(result) or tuple(sources)


def _natural(ref: str) -> tuple[tuple[int, int | str], ...]:
    """A ref's sort key with its numbers compared as numbers: a1[2] before a1[10], z2:a1[9] before z2:a1[10]."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", ref))
