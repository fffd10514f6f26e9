"""Recompute one statement's step with slips planted: the evaluator the diagnosis searches with.

A *frame* says what each quantity is where no slip touches it: the document's own numbers (the value
a step visibly used, else the latest earlier statement, else recomputed from its operands, down to
the givens: nncheck/audit/own.py, at points) or the exact values. In both, the values the judged
step visibly used stay as printed. An Edit plants a slip at one quantity; every quantity between an
edit and the judged statement is then recomputed from its operands (the statements the document
made of it no longer apply), except those visibly used values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from nncheck import quantities
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.steps import Step
from nncheck.records import Index, Stated

Key = tuple[str, Index]
Transform = Callable[[Array], Array]

OWN = "own"  # the document's own numbers
EXACT = "exact"  # the true chain


@dataclass(frozen=True, slots=True)
class Edit:
    """A slip at one quantity: its step's operands changed, its step computed otherwise, or its value changed."""

    node: str
    operands: tuple[tuple[str, Transform], ...] = ()
    compute: Callable[..., Array] | None = None  # compute(backend, *operand values): the step computed otherwise
    result: Transform | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The values one run gave: every quantity it read, what each recomputed step read, values before a result edit."""

    values: Mapping[str, Array]
    inputs: Mapping[str, Mapping[str, Array]]  # recomputed quantity -> its operands as the step read them
    before: Mapping[str, Array]  # quantity with a result edit -> its value before the edit


def distances(table: Mapping[str, Step], target: str) -> dict[str, int]:
    """How many steps up from ``target`` each of its ancestors is (the target itself is 0)."""
    found = {target: 0}
    pending = [target]
    while pending:
        quantity = pending.pop(0)
        step = table.get(quantity)
        for operand in step.operands if step is not None else ():
            if operand not in found:
                found[operand] = found[quantity] + 1
                pending.append(operand)
    return found


@dataclass
class Chain:
    """One statement's step in one frame; ``run`` recomputes it with edits."""

    table: Mapping[str, Step]
    exact: Mapping[str, Array]
    target: Stated
    ledger: Mapping[Key, Stated]  # the latest statement of each element before the judged one
    pinned: Mapping[Key, Stated]  # the values the judged step visibly used
    frame: str  # OWN or EXACT
    distance: dict[str, int] = field(init=False)
    _base: dict[str, Array] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.distance = distances(self.table, self.target.quantity)

    def stated(self, quantity: str) -> bool:
        """Whether the frame takes any element of ``quantity`` from a statement rather than computing it."""
        if self.frame == EXACT:
            return False
        return any((quantity, index) in self.pinned or (quantity, index) in self.ledger
                   for index in quantities.indices(self.exact[quantity].shape))

    def base(self, quantity: str) -> Array:
        """The quantity where no slip touches it (the judged quantity is always computed by its step)."""
        if quantity not in self._base:
            self._base[quantity] = self._frame_value(quantity)
        return self._base[quantity]

    def _compute(self, quantity: str) -> Array:
        step = self.table[quantity]
        return step(ball, *(self.base(name) for name in step.operands))

    def _frame_value(self, quantity: str) -> Array:
        exact = self.exact[quantity]
        if quantity == self.target.quantity:
            return self._pin(quantity, self._compute(quantity))
        if self.frame == EXACT:
            return self._pin(quantity, exact)
        statements = {index: self.pinned.get((quantity, index)) or self.ledger.get((quantity, index))
                      for index in quantities.indices(exact.shape)}
        computable = quantity in self.table and not quantities.is_given(quantity)
        if computable and any(s is None for s in statements.values()):
            point = self._compute(quantity).copy()
        else:
            point = exact.copy()
        for index, statement in statements.items():
            if statement is not None:
                point[index] = Real(exact=statement.printed.value)
        return point

    def _pin(self, quantity: str, values: Array) -> Array:
        pins = [(index, s) for (name, index), s in self.pinned.items() if name == quantity]
        if not pins:
            return values
        values = values.copy()
        for index, statement in pins:
            values[index] = Real(exact=statement.printed.value)
        return values

    def affected(self, edits: Sequence[Edit]) -> set[str]:
        """The edited quantities and every ancestor of the target computed from one of them."""
        edited = {edit.node for edit in edits}
        result: set[str] = set()
        for quantity in self.table:  # the step table lists operands before what uses them
            if quantity not in self.distance:
                continue
            if quantity in edited or any(operand in result for operand in self.table[quantity].operands):
                result.add(quantity)
        return result | (edited & set(self.distance))

    def run(self, edits: Sequence[Edit]) -> Evaluation:
        """The target and every quantity it reads, with the edits planted."""
        by_node = {edit.node: edit for edit in edits}
        affected = self.affected(edits)
        values: dict[str, Array] = {}
        inputs: dict[str, dict[str, Array]] = {}
        before: dict[str, Array] = {}

        def value(quantity: str) -> Array:
            if quantity in values:
                return values[quantity]
            edit = by_node.get(quantity)
            step = self.table.get(quantity)
            operand_edit = edit is not None and (bool(edit.operands) or edit.compute is not None)
            recompute = step is not None and (quantity == self.target.quantity or operand_edit or (
                quantity in affected and any(operand in affected for operand in step.operands)))
            if step is not None and recompute:
                read = {name: value(name) for name in step.operands}
                for name, transform in edit.operands if edit is not None else ():
                    read[name] = transform(read[name])
                inputs[quantity] = read
                compute = edit.compute if edit is not None and edit.compute is not None else step
                result = compute(ball, *(read[name] for name in step.operands))
            else:
                result = self.base(quantity)
            result = np.asarray(result, dtype=object)  # arithmetic on a 0-d array (the loss) gives a scalar
            if edit is not None and edit.result is not None:
                before[quantity] = result
                result = np.asarray(edit.result(result), dtype=object)
            if quantity in affected:
                result = self._pin(quantity, result)
            values[quantity] = result
            return result

        value(self.target.quantity)
        return Evaluation(values, inputs, before)


def replaced(values: Array, index: Index, value: Real | Fraction) -> Array:
    """A copy of ``values`` with one element replaced."""
    result = values.copy()
    result[index] = value if isinstance(value, Real) else Real(exact=value)
    return result


def setting(index: Index, value: Real | Fraction) -> Transform:
    """A transform that replaces one element."""
    return lambda values: replaced(values, index, value)
