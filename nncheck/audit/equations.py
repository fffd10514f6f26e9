"""Judge a spec's free equations as a page's equations are judged (docs/verdicts.md#equations).

An equation ``expression = value`` is a chain of two sides, judged by the page's chain judge
(:class:`nncheck.audit.page.chain.ChainJudge`) in a state that holds every value the spec states
(a claim's elements and the values its steps used) as a printed result. A decimal of the
expression with the digits and sign of a stated value restates that quantity: it stands for the
quantity's true value in the true chain and for its printed digits (their rounding interval,
unless they are exact) in the document's own numbers; every other number is a given, exact as
written. The printed value then goes down the one verdict ladder (:mod:`nncheck.audit.classify`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nncheck.audit.page.chain import ChainJudge
from nncheck.audit.page.frames import State
from nncheck.audit.page.sides import Side
from nncheck.errors import Location
from nncheck.expr.nodes import Number
from nncheck.findings import Verdict
from nncheck.network.backend import Array
from nncheck.records import Equation, Place, Stated


def stated_results(statements: list[Stated], exact: Mapping[str, Array]) -> State:
    """A state in which every stated value is a printed result of its quantity (true values from ``exact``)."""
    state = State()
    for s in statements:
        state.learn(s.printed, exact[s.quantity][s.index], s.ref)
    state.commit()  # nothing to undo: the state is made afresh for each precision
    return state


@dataclass
class _Owner:
    """The page judge's view of one spec equation: its id, place and location (the value's, in the spec)."""

    equation: Equation
    state: State
    settle: bool
    verdicts: list[Verdict] = field(default_factory=list)

    section = None

    def location(self, offset: int) -> Location:
        return self.equation.location

    def place(self) -> Place:
        return self.equation.place

    def named_ref(self, name: str) -> str:
        return self.equation.id

    def used_ref(self, name: str) -> str:
        return self.equation.id

    def unnamed_ref(self) -> str:
        return self.equation.id

    def emit(self, verdict: Verdict) -> None:
        self.verdicts.append(verdict)


def judge_equation(equation: Equation, state: State, *, settle: bool) -> Verdict:
    """The verdict on an equation's printed value; Undecided (unless ``settle``) when the enclosures cannot tell.

    Raises ValueError when the state's judgement leaves no verdict (it always gives one for a chain of
    an expression and a printed number).
    """
    mark = state.mark()
    owner = _Owner(equation, state, settle)
    source = equation.source
    printed = Number(equation.printed, 0, len(equation.printed.text))
    sides = [Side(equation.expression, source, 0), Side(printed, equation.printed.text, len(source) + 1)]
    try:
        ChainJudge(owner, sides, first_new=0).run()
    finally:
        state.rollback(mark)  # every equation is judged against the spec's statements alone
    if len(owner.verdicts) != 1:
        raise ValueError(f"{equation.location}: equation {equation.id!r} gave {len(owner.verdicts)} verdicts")
    return owner.verdicts[0]
