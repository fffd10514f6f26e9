"""Judge every printed number of a spec against the exact chain and the document's own numbers."""

from __future__ import annotations

import time
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nncheck import progress, quantities
from nncheck.audit import enclose
from nncheck.audit.classify import classify
from nncheck.audit.ledger import Entry, Ledger
from nncheck.audit.own import Frame, Key, OwnValue, carried_from
from nncheck.findings import DIAGNOSED, Audit, Kind, Verdict, VerdictBlock, Verdicts
from nncheck.errors import NncheckError, Undecided
from nncheck.network import ball, evaluate, step_table
from nncheck.network.backend import Array
from nncheck.network.steps import Step
from nncheck.network.ball import Real
from nncheck.printed import Printed
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Equation, ModelSpec, Spec, Stated
from nncheck.expr.printer import text
from nncheck.network.graph import model_givens, spec_table

if TYPE_CHECKING:  # the page judge, which judges a spec's equations, and the diagnosis load only when needed
    from nncheck.audit.page.frames import State


class EvaluationError(NncheckError, ValueError):
    """The network's numbers cannot be evaluated (a log of a non-positive value, say)."""


def audit_spec(spec: Spec | ModelSpec, *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT, whole: bool = True) -> Audit:
    """Judge every claim and equation of a spec against its network; explain the first ``diagnose`` findings (None: all of them).

    The network is evaluated once, at :data:`ball.START_PRECISION` bits or at the precision that the
    most finely printed number needs (:func:`needed_bits`), and more only if the evaluation itself
    needs it. A verdict the enclosures still cannot settle is judged again, alone, at doubled
    precision, up to :data:`ball.MAX_PRECISION`; every other verdict keeps its first judgement.

    With ``whole`` (the default), a layered network's claim that :func:`nncheck.audit.bulk.eligible` allows is
    first judged whole, by one matrix comparison; it gives the same verdicts as element by element (a property of
    tests/test_bulk.py checks it), kept as one block until a report reads them one by one.
    """
    from nncheck.audit import bulk

    eligible = bulk.eligible(spec.claims) if whole and isinstance(spec, Spec) and not spec.equations else set()
    blocks: dict[int, tuple[list[int], int]] = {}  # a claim's position: its printed digits (bulk.digits)
    for position in eligible:
        read = bulk.digits(spec.claims[position].elements)  # type: ignore[arg-type]
        if read is not None:
            blocks[position] = read
    statements = _order(spec, blocks.keys())
    start = ball.rung_for(max([needed_bits(s.printed) for s in statements] + [bulk.needed_bits(read) for read in blocks.values()],
                              default=0))  # equations settle on their own
    table = _table(spec)
    exact, bits = _evaluate(spec, table, start)
    repeats, conflicts = _ledger(statements)
    context = _Context(spec, table, repeats, conflicts, {s.ref: i for i, s in enumerate(statements)},
                       {bits: exact})
    with ball.precision(bits):
        judged = _judge_all(spec, context, Frame(table=table, exact=exact, canonical_ref=repeats), bits, blocks)
    parts: list[Verdict | VerdictBlock] = []
    precision = decided = bits
    for item in judged:
        if isinstance(item, _Pending):
            verdict, used = _settle(item, context, bits)
            precision = max(precision, used)
            if verdict.kind is not Kind.UNDECIDED:
                decided = max(decided, used)
            parts.append(verdict)
        else:
            parts.append(item)
    verdicts = Verdicts(parts)
    # The diagnosis checks its candidates at the finest precision a decided verdict needed (an undecided
    # one, which reached MAX_PRECISION, is not diagnosed). A block holds throughout: nothing in it to diagnose.
    seconds, undiagnosed = 0.0, 0
    stopped: list[str] = []
    if isinstance(spec, Spec) and any(v.kind in DIAGNOSED for v in verdicts.singles()):
        started = time.perf_counter()
        with ball.precision(decided):
            from nncheck.audit.diagnose import diagnose_all

            verdicts = Verdicts(diagnose_all(spec, context.evaluated[decided], table, verdicts, diagnose,
                                             stopped=stopped))  # nncheck/audit/diagnose/
        seconds = time.perf_counter() - started
        undiagnosed = sum(1 for v in verdicts.singles() if v.kind in DIAGNOSED and not v.diagnosed)
    states: dict[int, State] = {}  # the spec's statements as printed results, at each precision tried
    for equation in spec.equations:
        verdict, used = _settle_equation(equation, context, statements, states, bits)
        precision = max(precision, used)
        verdicts = Verdicts((*verdicts.parts, verdict))
    depth = len(spec.network.layers) if isinstance(spec, Spec) else 0
    return Audit(path=spec.path, title=spec.title, depth=depth, verdicts=verdicts, precision=precision,
                 source=spec.source, undiagnosed=undiagnosed, diagnosis_seconds=seconds,
                 diagnosis_stopped=stopped[0] if stopped else "")


def _table(spec: Spec | ModelSpec) -> Mapping[str, Step]:
    """The steps that compute every quantity: a network's step table, or a model's definitions and adjoints."""
    if isinstance(spec, Spec):
        return step_table(spec.network)
    return spec_table(spec)


def _values(spec: Spec | ModelSpec, table: Mapping[str, Step]) -> Mapping[str, Array]:
    """Every quantity at the working precision, on the ball backend."""
    if isinstance(spec, Spec):
        return evaluate(spec.network, ball)
    values = dict(model_givens(spec.model, ball, spec.loop))
    for step in table.values():  # step by step, so that a quantity that cannot be computed is named with its formula
        try:
            values[step.quantity] = step(ball, *(values[name] for name in step.operands))
        except (ValueError, ZeroDivisionError) as error:
            raise EvaluationError(f"{_where(spec, step.quantity)}: {step.quantity} = {text(step.formula)} cannot be "
                                  f"evaluated: {error}") from None
    return values


def _where(spec: ModelSpec, quantity: str) -> str:
    """The location of the definition or update a quantity of a model comes from (an adjoint: of the model)."""
    base = quantity.split("@")[0]
    for definition in spec.model.definitions + (spec.loop.updates if spec.loop is not None else ()):
        if definition.name == base and definition.location is not None:
            return str(definition.location)
    return str(spec.network_at or spec.path)


# Bits beyond those that resolve a printed number's last digit: room for the rounding error that a
# long chain accumulates, and for the five extra digits reports show.
PRECISION_MARGIN = 64


def needed_bits(printed: Printed) -> int:
    """The working precision at which a ball resolves the last printed digit with PRECISION_MARGIN to spare.

    The printed digits, as an integer m (value = m·10^place), are |m| units of the last place; a
    ball whose radius is 2^-bits of the value is then 2^-(bits - log2|m|) units wide.
    """
    top, bottom, place = printed.value.numerator, printed.value.denominator, printed.last_place
    digits: int = abs(top * 10**-place // bottom) if place < 0 else abs(top // (bottom * 10**place))
    return max(1, digits).bit_length() + PRECISION_MARGIN


def _evaluate(spec: Spec | ModelSpec, table: Mapping[str, Step], bits: int) -> tuple[Mapping[str, Array], int]:
    """Every quantity of the network at ``bits`` of precision or, where a kink is undecided, more."""
    try:
        return ball.settled(lambda _bits, _last: _values(spec, table), bits)
    except Undecided as undecided:
        raise EvaluationError(
            f"{spec.network_at or spec.path}: the network cannot be evaluated: {undecided} is still undecided at "
            f"{ball.MAX_PRECISION} bits (a ReLU or comparison at a value that is exactly a kink, reached through "
            "transcendental functions)"
        ) from None
    except EvaluationError:
        raise  # a model's quantity, already named and located
    except (ValueError, ZeroDivisionError) as error:
        raise EvaluationError(f"{spec.network_at or spec.path}: the network cannot be evaluated: {error}") from None


@dataclass(frozen=True, slots=True)
class _Context:
    """What every judgement of one audit shares."""

    spec: Spec | ModelSpec
    table: Mapping[str, Step]
    repeats: Mapping[str, str]
    conflicts: Mapping[str, list[tuple[int, str]]]
    positions: Mapping[str, int]
    evaluated: dict[int, Mapping[str, Array]]  # the network at each precision tried


@dataclass(frozen=True, slots=True)
class _Phase:
    """The frame in which a claim's used values, or its results, were judged: shared by its pending statements."""

    overlay: Mapping[Key, Stated]
    ledger: dict[Key, Stated]  # a snapshot; never recorded into
    frames: dict[int, tuple[Frame, dict[str, OwnValue | None]]] = field(default_factory=dict)  # by precision

    def frame(self, context: _Context, bits: int) -> tuple[Frame, dict[str, OwnValue | None]]:
        """The frame at ``bits`` (the network evaluated once per precision), with its own-value cache."""
        if bits not in self.frames:
            if bits not in context.evaluated:
                context.evaluated[bits] = _values(context.spec, context.table)
            frame = Frame(table=context.table, exact=context.evaluated[bits], canonical_ref=context.repeats, ledger=self.ledger)
            self.frames[bits] = (frame, {})
        return self.frames[bits]


@dataclass(frozen=True, slots=True)
class _Pending:
    """A statement whose verdict the first enclosures could not settle, and the phase it was judged in."""

    statement: Stated
    phase: _Phase


def _settle(pending: _Pending, context: _Context, bits: int) -> tuple[Verdict, int]:
    """Judge one statement again from doubled precision until its verdict is decided (or MAX_PRECISION)."""

    def attempt(bits: int, last: bool) -> Verdict:
        frame, owns = pending.phase.frame(context, bits)
        return _judge(pending.statement, frame, pending.phase.overlay, context, settle=last, owns=owns)

    try:
        return ball.settled(attempt, 2 * bits)
    except Undecided as undecided:
        raise EvaluationError(f"{context.spec.network_at or context.spec.path}: the network cannot be evaluated: "
                              f"{undecided} is still undecided at {ball.MAX_PRECISION} bits") from None


def _settle_equation(equation: Equation, context: _Context, statements: list[Stated], states: dict[int, State],
                     bits: int) -> tuple[Verdict, int]:
    from nncheck.audit.equations import judge_equation, stated_results

    def attempt(bits: int, last: bool) -> Verdict:
        if bits not in context.evaluated:
            context.evaluated[bits] = _values(context.spec, context.table)
        if bits not in states:
            states[bits] = stated_results(statements, context.evaluated[bits])
        return judge_equation(equation, states[bits], settle=last)

    try:
        return ball.settled(attempt, bits)
    except (ValueError, ZeroDivisionError) as error:
        raise EvaluationError(f"{equation.location}: equation {equation.id!r} cannot be evaluated: {error}") from None


def _order(spec: Spec | ModelSpec, blocks: AbstractSet[int] = frozenset()) -> list[Stated]:
    """Every statement in document order: a step's used values, then its result; but for the claims at ``blocks``
    (which no other statement states or uses, so that no statement conflicts with or repeats theirs)."""
    return [s for position, claim in enumerate(spec.claims) if position not in blocks
            for s in (*claim.uses, *claim.elements)]


def _ledger(statements: list[Stated]) -> tuple[dict[str, str], dict[str, list[tuple[int, str]]]]:
    """The restatements (a used value repeating the latest statement of its element digit for digit, by ref,
    with the statement it repeats) and each statement's conflicts, from one pass of the ledger."""
    ledger: Ledger[Key] = Ledger()
    repeats: dict[str, str] = {}
    for position, s in enumerate(statements):
        key = (s.quantity, s.index)
        repeated = ledger.repeated(key, s.printed) if s.used_by is not None else None
        if repeated is not None:
            repeats[s.ref] = repeated.ref
        else:
            ledger.record(key, Entry(position, s.printed, s.ref))
    return repeats, ledger.conflicts()


def _judge_all(spec: Spec | ModelSpec, context: _Context, frame: Frame, bits: int,
               blocks: Mapping[int, tuple[list[int], int]] | None = None) -> list[Verdict | _Pending | VerdictBlock]:
    """Every statement in document order; the ones the enclosures cannot settle yet are left pending. A claim at
    ``blocks`` (with its printed digits) is judged whole first (nncheck.audit.bulk), and element by element when that
    does not settle it."""
    from nncheck.audit import bulk

    results: list[Verdict | _Pending | VerdictBlock] = []
    phase: list[_Phase | None] = [None]  # the current phase's snapshot, made at its first pending statement

    def judge(s: Stated, overlay: Mapping[Key, Stated], owns: dict[str, OwnValue | None]) -> Verdict | _Pending:
        try:
            return _judge(s, frame, overlay, context, settle=bits >= ball.MAX_PRECISION, owns=owns)
        except Undecided:
            current = phase[0]
            if current is None:
                current = phase[0] = _Phase(overlay, dict(frame.flush()))
            return _Pending(s, current)

    for number, claim in enumerate(spec.claims, start=1):
        progress.advance("judging", number - 1, len(spec.claims))
        if blocks and number - 1 in blocks:
            block = bulk.held(claim, blocks[number - 1], frame.exact, bits)
            if block is not None:
                results.append(block)
                frame.record_later(claim.elements)  # read, as printed, only by a later recomputation
                continue
        owns: dict[str, OwnValue | None] = {}  # one recomputation per quantity and claim, not per element
        phase[0] = None
        for used in claim.uses:
            if used.ref not in context.repeats:
                results.append(judge(used, {}, owns))
        for used in claim.uses:
            frame.record(used)
        overlay = {(u.quantity, u.index): u for u in claim.uses}
        owns = {}
        phase[0] = None
        for element in claim.elements:
            results.append(judge(element, overlay, owns))
        for element in claim.elements:
            frame.record(element)
    return results


def _judge(s: Stated, frame: Frame, overlay: Mapping[Key, Stated], context: _Context, *, settle: bool,
           owns: dict[str, OwnValue | None]) -> Verdict:
    true: Real = frame.exact[s.quantity][s.index]
    clashes = context.conflicts.get(s.ref, ())
    own: OwnValue | None = None
    inherits: tuple[str, ...] = ()
    earlier = [ref for position, ref in clashes if position < context.positions[s.ref]]

    def own_range() -> Real | None:
        nonlocal own
        if s.quantity not in owns:
            owns[s.quantity] = _own(s.quantity, frame, overlay, settle)
        own = owns[s.quantity]
        return None if own is None else own.interval[s.index]

    try:
        rung = classify(s.printed, true, own_range, earlier=bool(earlier))
        kind = rung.kind
        if rung.by_own_numbers and own is not None:
            inherits = carried_from(frame, s.quantity, s.index, overlay, own)
    except Undecided:
        if not settle:
            raise
        kind = Kind.UNDECIDED
    shown, relative = enclose.shown(true, s.printed)
    return Verdict(
        kind=kind, ref=s.ref, subject=s.quantity, stated=s.printed.text, place=s.place, location=s.location,
        exact=shown, own=None if own is None or isinstance(own.point[s.index], ball.NoValue) else enclose.show(own.point[s.index], s.printed),
        relative_error=relative,
        inherits_from=inherits, conflicts_with=tuple(ref for _, ref in clashes), used_by=s.used_by,
    )


def _own(quantity: str, frame: Frame, overlay: Mapping[Key, Stated], settle: bool) -> OwnValue | None:
    """The step recomputed from the document's numbers, or None where they cannot be pushed through it."""
    if quantities.is_given(quantity) or quantity not in frame.table:  # a network's or a model's given: no step
        return None
    try:
        return frame.value(quantity, overlay)
    except (ValueError, ZeroDivisionError):
        return None  # e.g. log(1 − ŷ) with a printed ŷ = 1.0
    except RecursionError:
        return None  # a chain of unstated steps deeper than Python recurses (a long loop): no own numbers
    except Undecided:
        if not settle:
            raise
        return None
