"""Judge a Markdown document's display equations with the spec's rounding rules and verdicts.

Each printed number is judged against the side it equals, computed exactly (holds, rounding
slip, wrong); a named value that disagrees with an earlier statement of the same name is a
contradiction. "Carried" does not apply: without a network there is no true chain to be carried
away from, only the arithmetic the document writes (docs/documents.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nncheck.audit import enclose
from nncheck.audit.coverage import Coverage, Skipped, SkipReason
from nncheck.audit.verdicts import Audit, Kind, Remark, Verdict
from nncheck.document.compare import both, compact, interval, orientation, overlap, relative_error, show_array, shown, source
from nncheck.document.finder import Lines, Math, find_math
from nncheck.document.latex import LatexError, LimitError, parse_display
from nncheck.document.ledger import Conflicts, Element, conflicts, element_suffix, elements, item_refs, items_of
from nncheck.document.nodes import Negate, Number, walk
from nncheck.document.statements import Agreement, Cells, Check, Given, Plan, plan
from nncheck.document.values import Evaluator, ShapeError
from nncheck.errors import Undecided
from nncheck.network import ball
from nncheck.network.ball import Real
from nncheck.printed import Printed
from nncheck.records import Place


@dataclass(frozen=True, slots=True)
class Display:
    number: int  # 1-based, among the document's display equations
    math: Math
    plan: Plan | None
    error: LatexError | None


def read_displays(text: str) -> list[Display]:
    """Every display equation of a Markdown text, parsed and planned, or with the reason it cannot be."""
    displays = []
    for number, math in enumerate((m for m in find_math(text) if m.display), start=1):
        try:
            displays.append(Display(number, math, plan(parse_display(math.text), math.text), None))
        except LatexError as error:
            displays.append(Display(number, math, None, error))
    return displays


def audit_text(text: str, path: str, title: str) -> Audit:
    """Judge every display equation of a Markdown text; ``path`` names it in locations."""
    displays = read_displays(text)
    return _Judge(Lines(path, text), displays).run(path, title)


@dataclass
class _Judge:
    lines: Lines
    displays: list[Display]
    recomputed: dict[tuple[str, int], tuple[Real, ...]] = field(default_factory=dict)  # (name, size) -> latest values
    results: dict[str, Real] = field(default_factory=dict)  # a printed result's digits (unsigned) -> its recomputation
    precision: int = ball.START_PRECISION

    def __post_init__(self) -> None:
        planned = [(d.number, d.plan) for d in self.displays if d.plan is not None]
        self.refs = item_refs(planned)
        statements: list[tuple[Element, bool]] = []
        for display in self.displays:
            for position, item in enumerate(items_of(display.plan) if display.plan else []):
                if isinstance(item, Check) and item.names:
                    statements += [(e, False) for e in self._elements(display, item.cells, item.names, position)]
                elif isinstance(item, Given):
                    statements += [(e, True) for e in self._elements(display, item.cells, (item.name,), position)]
        self.conflicts: Conflicts = conflicts(statements)

    def _elements(self, display: Display, cells: Cells, names: tuple[str, ...], position: int) -> list[Element]:
        offsets = [display.math.offset + node.start for node in cells.nodes]
        return elements(cells, names, self.refs[(display.number, position)], offsets)

    def run(self, path: str, title: str) -> Audit:
        verdicts: list[Verdict] = []
        skipped: list[Skipped] = []
        for display in self.displays:
            found = self._settled(display) if display.plan is not None else []
            verdicts += found
            if not found:
                skipped.append(self._skip(display))
        coverage = Coverage(found=len(self.displays), checked=len(self.displays) - len(skipped), skipped=tuple(skipped))
        return Audit(path=path, title=title, depth=0, verdicts=tuple(verdicts), precision=self.precision, coverage=coverage)

    def _skip(self, display: Display) -> Skipped:
        where = self.lines.location(display.math.offset)
        if display.error is not None:
            reason = SkipReason.OVER_LIMIT if isinstance(display.error, LimitError) else SkipReason.UNPARSABLE
            at = self.lines.location(display.math.offset + min(display.error.offset, len(display.math.text)))
            return Skipped(at if reason is SkipReason.UNPARSABLE else where, reason, display.error.reason)
        assert display.plan is not None
        if not display.plan.has_equation:
            return Skipped(where, SkipReason.NO_EQUALITY)
        if not display.plan.has_numeric_side:
            return Skipped(where, SkipReason.SYMBOLIC)
        return Skipped(where, SkipReason.NOTHING_TO_COMPARE)

    def _settled(self, display: Display) -> list[Verdict]:
        """The display's verdicts, at the lowest precision (from 128 bits, doubling) that decides them all."""
        bits = ball.START_PRECISION
        while True:
            settle = bits >= ball.MAX_PRECISION
            state = _State(dict(self.recomputed), dict(self.results), _used_numbers(display))
            try:
                with ball.precision(bits):
                    verdicts = self._judge(display, state, settle)
                break
            except Undecided:
                bits *= 2
        self.precision = max(self.precision, bits)
        self.recomputed, self.results = state.recomputed, state.results
        return sorted(verdicts, key=lambda v: (v.location.line, v.location.column))

    def _judge(self, display: Display, state: _State, settle: bool) -> list[Verdict]:
        assert display.plan is not None
        verdicts: list[Verdict] = []
        for position, item in enumerate(items_of(display.plan)):
            ref = self.refs[(display.number, position)]
            if isinstance(item, Check):
                found, values = self._check(display, item, ref, state, settle)
                verdicts += found
                if values is not None:
                    state.learn(item, values)
            elif isinstance(item, Agreement):
                verdicts.append(self._agreement(display, item, ref, state, settle))
            else:
                verdicts += self._given(display, item, ref, state, settle)
        return verdicts

    # -- one printed value against the side it equals ------------------------------------------

    def _check(self, display: Display, check: Check, ref: str, state: _State,
               settle: bool) -> tuple[list[Verdict], tuple[Real, ...] | None]:
        evaluator = Evaluator(target=check.cells.shape)
        try:
            true = evaluator.value(check.against)
            spread = interval(check.against, check.cells.shape, state.rounded)
            remarks = [Remark("reading", reading) for reading in evaluator.readings]
            remarks += orientation(true.shape, check.cells.shape)
        except ShapeError as error:
            return [self._undefined(display, check, ref, Remark("shape", str(error)))], None
        except (ValueError, ZeroDivisionError) as error:
            return [self._undefined(display, check, ref, Remark("undefined", f"the computed side is undefined: {error}"))], None
        except Undecided:
            if not settle:
                raise
            return [self._verdict(display, check, ref, i, None, Kind.UNDECIDED, ()) for i in range(len(check.cells.printed))], None
        values = tuple(true.reshape(-1))
        spreads = tuple(spread.reshape(-1)) if spread is not None else (None,) * len(values)
        verdicts = [self._verdict(display, check, ref, i, values[i],
                                  self._kind(check.cells.printed[i], values[i], spreads[i], self._earlier(display, check, ref, i), settle),
                                  tuple(remarks))
                    for i in range(len(values))]
        return verdicts, values

    def _kind(self, printed: Printed, true: Real, spread: Real | None, earlier: tuple[str, ...], settle: bool) -> Kind:
        try:
            if enclose.inside(true, *printed.rounding_interval()):
                return Kind.HOLDS
            if spread is not None and enclose.meets(spread, *printed.rounding_interval()):
                return Kind.HOLDS
            if enclose.strictly_inside(true, *enclose.one_unit(printed)):
                return Kind.SLIP
        except Undecided:
            if not settle:
                raise
            return Kind.UNDECIDED
        return Kind.CONTRADICTION if earlier else Kind.WRONG

    def _earlier(self, display: Display, check: Check, ref: str, index: int) -> tuple[str, ...]:
        if not check.names:
            return ()
        offset = display.math.offset + check.cells.nodes[index].start
        return self.conflicts.earlier(ref + element_suffix(check.cells.shape, index), offset)

    def _verdict(self, display: Display, check: Check, ref: str, index: int, true: Real | None, kind: Kind,
                 remarks: tuple[Remark, ...]) -> Verdict:
        return self._element(display, check.cells, check.names[:1], ref, index, true, kind, remarks,
                             expression=None if check.names else source(display.math.text, check.against))

    def _element(self, display: Display, cells: Cells, names: tuple[str, ...], ref: str, index: int, true: Real | None,
                 kind: Kind, remarks: tuple[Remark, ...], *, expression: str | None = None,
                 used_by: str | None = None) -> Verdict:
        """The verdict on one printed number of ``cells``; ``true`` is what it should be (None: undecided)."""
        printed, node = cells.printed[index], cells.nodes[index]
        element_ref = ref + element_suffix(cells.shape, index)
        return Verdict(
            kind=kind, ref=element_ref, subject=names[0] if names else "equation", stated=printed.text,
            place=self._place(display), location=self.lines.location(display.math.offset + node.start),
            exact="undecided" if true is None else shown(true, printed), own=None,
            relative_error=None if true is None else relative_error(printed, true),
            conflicts_with=self.conflicts.all(element_ref) if names else (), used_by=used_by,
            expression=expression, remarks=remarks,
        )

    def _undefined(self, display: Display, check: Check, ref: str, remark: Remark) -> Verdict:
        return Verdict(
            kind=Kind.WRONG, ref=ref, subject=check.names[0] if check.names else "equation",
            stated=compact(check.cells), place=self._place(display),
            location=self.lines.location(display.math.offset + check.claim.start), exact="undefined", own=None,
            relative_error=None, expression=None if check.names else source(display.math.text, check.against),
            remarks=(remark,),
        )

    def _place(self, display: Display) -> Place:
        step = display.math.heading or f"display equation {display.number}"
        return Place(step=step, spec=self.lines.location(display.math.offset), latex=" ".join(display.math.text.split()))

    # -- two computed sides, each with its printed digits -----------------------------------------

    def _agreement(self, display: Display, agreement: Agreement, ref: str, state: _State, settle: bool) -> Verdict:
        text = display.math.text
        left_exact = right_exact = None
        remarks: list[Remark] = []
        kind = Kind.WRONG
        try:
            left_exact, right_exact, readings = both(agreement.left, agreement.right)
            remarks = [Remark("reading", r) for r in readings] + orientation(left_exact.shape, right_exact.shape)
            left = interval(agreement.left, right_exact.shape, state.rounded)
            right = interval(agreement.right, left_exact.shape, state.rounded)
            ranges = any(state.rounded(n) for side in (agreement.left, agreement.right) for n in walk(side) if isinstance(n, Number))
            kind = overlap(left if left is not None else left_exact, right if right is not None else right_exact, ranges)
        except ShapeError as error:
            remarks = [Remark("shape", str(error))]
        except (ValueError, ZeroDivisionError) as error:
            remarks = [Remark("undefined", f"a side is undefined: {error}")]
        except Undecided:
            if not settle:
                raise
            kind = Kind.UNDECIDED
        places = max([n.printed.decimals for n in walk(agreement.right) if isinstance(n, Number)], default=6)
        value_text = "undefined" if left_exact is None else show_array(left_exact, places)
        return Verdict(
            kind=kind, ref=ref, subject="equation", stated=source(text, agreement.right), place=self._place(display),
            location=self.lines.location(display.math.offset + agreement.right.start), exact=value_text, own=None,
            relative_error=None, expression=source(text, agreement.left), remarks=tuple(remarks),
        )

    # -- a value given for a name: judged against what the name was computed to be ---------------

    def _given(self, display: Display, given: Given, ref: str, state: _State, settle: bool) -> list[Verdict]:
        cells = given.cells
        known = state.recomputed.get((given.name, len(cells.printed)))
        verdicts = []
        for index, printed in enumerate(cells.printed):
            element_ref = ref + element_suffix(cells.shape, index)
            if element_ref in self.conflicts.restated:
                continue
            earlier = self.conflicts.earlier(element_ref, display.math.offset + cells.nodes[index].start)
            if known is None and not earlier:
                continue  # a definition or a substitution nothing contradicts: nothing to judge
            kind = Kind.CONTRADICTION if known is None else self._kind(printed, known[index], None, earlier, settle)
            verdicts.append(self._element(display, cells, (given.name,), ref, index, known[index] if known else None, kind,
                                          (), used_by=f"eq{display.number}" if given.used else None))
        return verdicts


@dataclass(frozen=True, slots=True)
class _Use:
    name: str
    index: int
    size: int


@dataclass
class _State:
    """What the document computed before the display being judged, and which numbers substitute for names."""

    recomputed: dict[tuple[str, int], tuple[Real, ...]]
    results: dict[str, Real]
    used: dict[tuple[int, int], _Use]  # a number's span -> the name whose value it is

    def learn(self, check: Check, values: tuple[Real, ...]) -> None:
        for printed, value in zip(check.cells.printed, values):
            self.results[printed.text.lstrip("-")] = value
        self.recomputed.update({(name, len(values)): values for name in check.names})

    def rounded(self, node: Number) -> bool:
        """Whether a printed number stands for its rounding interval: only a rounded result of earlier arithmetic does.

        Givens (weights, inputs) and numbers that are exactly what the document computed are exact.
        """
        if "." not in node.printed.text:
            return False
        use = self.used.get((node.start, node.end))
        known = self.recomputed.get((use.name, use.size)) if use is not None else None
        value = known[use.index] if known is not None and use is not None else self.results.get(node.printed.text)
        return value is not None and not (value.exact is not None and abs(value.exact) == node.printed.value)


def _used_numbers(display: Display) -> dict[tuple[int, int], _Use]:
    result: dict[tuple[int, int], _Use] = {}
    for given in display.plan.givens if display.plan else ():
        if given.used:
            for index, node in enumerate(given.cells.nodes):
                number = node.operand if isinstance(node, Negate) else node
                result[(number.start, number.end)] = _Use(given.name, index, len(given.cells.nodes))
    return result
