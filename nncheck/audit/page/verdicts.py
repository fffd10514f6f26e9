"""The verdicts of one chain of sides: each printed number down the one verdict ladder, and two expressions
with no printed value between them checked to agree (a mixin of :class:`nncheck.audit.page.chain.ChainJudge`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nncheck.audit import classify as ladder
from nncheck.audit import enclose
from nncheck.audit.classify import classify
from nncheck.audit.ledger import Entry
from nncheck.audit.page.compare import compact, orientation, relative_error, show_array, shown, source
from nncheck.audit.page.frames import State, Value
from nncheck.audit.page.sides import MAX_EXPANSIONS, Role, Side, meet
from nncheck.audit.page.statements import Cells, element_suffix
from nncheck.errors import Undecided
from nncheck.expr.evaluate import ShapeError, Span
from nncheck.expr.nodes import Call, Constant, Node, Number, Symbol, walk
from nncheck.expr.symbolic import NotExact, proved_equal, translate
from nncheck.findings import Kind, Remark, Verdict
from nncheck.network.backend import Array
from nncheck.network.ball import NoValue, Real
from nncheck.printed import Printed

if TYPE_CHECKING:
    from nncheck.audit.page.sides import Owner


def borne_out(default: Value, other: Value, cells: Cells) -> bool:
    """Whether a printed value bears out another reading than the default: more of its printed numbers hold by the
    other reading than by the default. A number both give decides nothing, and a tie keeps the default; so does an
    undecided comparison. One mistyped entry of a matrix does not, then, turn the reading its other entries show
    into the default's, with those entries wrong."""
    if default.true.size != len(cells.printed) or other.true.size != len(cells.printed):
        return False
    try:
        by_other = sum(enclose.holds(v, p) for v, p in zip(other.true.reshape(-1), cells.printed))
        by_default = sum(enclose.holds(v, p) for v, p in zip(default.true.reshape(-1), cells.printed))
    except Undecided:
        return False
    return by_other > by_default


class ChainVerdicts:
    """The verdict half of a chain's judgement; the attributes are ChainJudge's."""

    if TYPE_CHECKING:
        owner: Owner
        sides: list[Side]
        overrides: dict[str, dict[Span, Array]]
        components: dict[Span, tuple[str, int]]
        values: dict[int, Value]
        sample_values: dict[int, Value]
        failures: dict[int, Remark]
        readings: dict[int, list[str]]
        agreement_refs: dict[int, str]
        printed_value: tuple[Cells, str] | None

        @property
        def state(self) -> State: ...
        def name(self, side: Side) -> str | None: ...
        def cells(self, side: Side) -> Cells | None: ...
        def role(self, side: Side) -> Role: ...

    def offset(self, k: int, node: Node) -> int:
        return self.sides[k].offset + node.start

    def judge_cell(self, printed: Printed, node: Node, k: int, true: Real, own: Value | None, index: int, ref: str,
                   names: list[str], *, expression: str | None = None, used_by: str | None = None,
                   remarks: tuple[Remark, ...] = (), subject: str | None = None, quiet: bool = False,
                   stale: bool = False) -> None:
        """One printed number against its true value and its own-numbers range (element ``index`` of ``own``).

        ``stale``: a value substituted for a name that is, digit for digit, a value the name had before the page
        gave it anew (the old weight after an update): a conflict with its latest statement is then a
        contradiction before it is a rounding slip.

        ``quiet``: a statement of a given, reported only when it does not hold.
        """
        earlier = any(name in self.state.bindings and self.state.ledger.conflicting(self.state.key(name, index), printed)
                      for name in names)
        own_range = None if own is None else own.interval.reshape(-1)[index]
        try:
            rung = classify(printed, true, lambda: own_range, earlier=earlier, stale=stale)
        except Undecided:
            if not self.owner.settle:
                raise
            rung = ladder.Rung(Kind.UNDECIDED)
        conflicts = tuple(ref for name in names if name in self.state.bindings
                          for ref in self.state.ledger.conflicting(self.state.key(name, index), printed))
        point = None if own is None else own.point.reshape(-1)[index]
        if isinstance(point, NoValue):
            point = None  # no value for this entry in the page's own numbers (a division by a printed 0.0)
        if quiet and rung.kind is Kind.HOLDS:
            return
        self.owner.emit(Verdict(
            kind=rung.kind, ref=ref, subject=subject or (names[0] if names else "equation"), stated=printed.text,
            place=self.owner.place(), location=self.owner.location(self.offset(k, node)),
            exact=shown(true, printed),
            own=None if rung.kind is Kind.HOLDS or point is None or own is None or not own.carried(index) else shown(point, printed),
            relative_error=relative_error(printed, true),
            inherits_from=tuple(sorted(own.carried(index))) if rung.by_own_numbers and own is not None else (),
            conflicts_with=conflicts, used_by=used_by, expression=expression, remarks=remarks,
        ))

    def judge_printed(self, k: int, truth: int, names: list[str], defined: set[int]) -> None:
        """A printed side: each number against the chain's true value and the own numbers of the side before it."""
        side = self.sides[k]
        cells = self.cells(side)
        assert cells is not None
        known = [name for j, name in enumerate(self.name(s) for s in self.sides) if name is not None and j not in defined and name in names]
        ref = self.owner.named_ref(names[0]) if names else self.owner.unnamed_ref()
        before = max((j for j in range(k) if j in self.values), default=truth)
        expression = None if names else source(self.sides[before].text, self.sides[before].node)
        if truth in self.failures or before in self.failures:
            self.undefined(k, cells, ref, names, expression, self.failures.get(truth) or self.failures[before])
            return
        value, own = self.values[truth], self.values[before]
        convention = self.sample_convention(truth, before, cells)
        if convention is not None:
            value, own = convention
        try:
            remarks = tuple(Remark("reading", r) for r in self.readings.get(truth, []) + self.readings.get(before, []))
            if convention is not None:
                remarks += (Remark("reading", "var or std read with the sample convention (divided by n − 1); the "
                                              "population convention (divided by n) does not give the printed value"),)
            remarks += tuple(orientation(value.true.shape, cells.shape))
            if value.true.size != own.true.size:
                raise ShapeError("the sides differ in shape")
        except ShapeError as error:
            self.undefined(k, cells, ref, names, expression, Remark("shape", str(error)))
            return
        computed = any(self.role(s) is Role.EXPRESSION for s in self.sides)
        restated = [name for name in known if self.restates(name, cells)]
        # A value stated again digit for digit, with no formula beside it, gets no verdict; a given's is reported
        # only when it does not hold.
        silent = bool(restated) and len(restated) == len(known) and not computed
        quiet = not computed and all(not self.state.bindings[name].computed for name in known)
        # A statement of a computed name with no formula beside it (a = 0.6499 after a = σ(z) = 0.6) is judged with
        # the own value of the name's formula over the page's printed operands, as a spec's restated claim is: an
        # earlier statement of the name is not one of its operands, it only counts for contradiction. An element
        # that repeats its latest statement digit for digit keeps that statement as its own value.
        # (A chain that defines a name by another, a_1 = z_1 = 0.00, states a_1: its formula is z_1, whose own value is
        # its latest statement.)
        named = self.name(self.sides[before]) if before == truth and self.role(self.sides[before]) is Role.NAME else None
        restating = named is not None and not computed and not defined
        for index, (number, node) in enumerate(zip(cells.printed, cells.nodes)):
            element_ref = ref + element_suffix(cells.shape, index)
            true = value.true.reshape(-1)[index]
            if not silent:
                element_own: Value | None = own
                if named is not None and restating and not self.repeats(known, index, number):
                    element_own = self.stated_own(named, own, index, number)
                self.judge_cell(number, node, k, true, element_own, index, element_ref, known, expression=expression,
                                remarks=tuple(dict.fromkeys(remarks)), subject=names[0] if names else None, quiet=quiet)
            if computed:
                self.state.learn(number, true, element_ref, self.owner.section)
            for name in known:
                key = self.state.key(name, index)
                self.state.record(key, Entry(self.offset(k, node), number, element_ref))
                self.state.update(name, self.state.bindings[name].value.restated(index, number, element_ref))
        self.printed_value = (cells, ref)

    def sample_convention(self, truth: int, before: int, cells: Cells) -> tuple[Value, Value] | None:
        """The sides by the sample convention of var and std, when the printed value bears it out (``borne_out``)
        against the population convention (the default); else None."""
        if truth not in self.sample_values or not borne_out(self.values[truth], self.sample_values[truth], cells):
            return None
        sample = self.sample_values[truth]
        return sample, self.sample_values.get(before, sample)

    def undefined(self, k: int, cells: Cells, ref: str, names: list[str], expression: str | None, remark: Remark) -> None:
        """A printed value whose computation is undefined (a shape error, log of 0): wrong, with the reason; or that no
        precision settled (sqrt(e − e): the sign under the root is unknown): undecided, with the reason."""
        settled = remark.code != "undecided"
        self.owner.emit(Verdict(
            kind=Kind.WRONG if settled else Kind.UNDECIDED, ref=ref, subject=names[0] if names else "equation",
            stated=compact(cells), place=self.owner.place(),
            location=self.owner.location(self.offset(k, self.sides[k].node)),
            exact="undefined" if settled else "undecided", own=None, relative_error=None, expression=expression,
            remarks=(remark,)))

    def stated_own(self, name: str, value: Value, index: int, number: Printed) -> Value | None:
        """The own value ``number``, a statement of element ``index`` of ``name`` that does not repeat its latest one
        digit for digit, is judged with (``value``: the name's value in the page's own numbers, its statements in it).

        A computed name's is the own value of its formula over the page's printed operands (None when the page printed
        its value with no formula): an earlier statement of the name, coarser than ``number`` or as fine, cannot
        vouch for its digits (a = 0.6499 after a = 0.6), and counts only for contradiction. A copy with fewer digits
        than the latest statement (0.7 after 0.71) rounds that statement, which is then its own value, as it is for a
        given's statements: the error, if any, was made where the statement was.
        """
        binding = self.state.bindings[name]
        latest = self.state.ledger.latest(self.state.key(name, index))
        if not binding.computed or (latest is not None and number.half_unit > latest.printed.half_unit):
            return value
        own = binding.own
        if own is None or own.true.size != value.true.size:
            return None
        return own

    def repeats(self, names: list[str], index: int, number: Printed) -> bool:
        """Whether ``number`` repeats, digit for digit, the latest statement of element ``index`` of every name."""
        if not names:
            return False
        for name in names:
            latest = self.state.ledger.latest(self.state.key(name, index))
            if latest is None or latest.printed.digits != number.digits:
                return False
        return True

    def restates(self, name: str, cells: Cells) -> bool:
        """Whether ``cells`` repeat the latest statement of every element of ``name``, digit for digit."""
        binding = self.state.bindings[name]
        if binding.value.true.size != len(cells.printed):
            return False
        for index, number in enumerate(cells.printed):
            latest = self.state.ledger.latest(self.state.key(name, index))
            if latest is None:
                true = binding.value.true.reshape(-1)[index]
                if binding.computed or not (true.exact is not None and true.exact == number.value):
                    return False
            elif latest.printed.digits != number.digits:
                return False
        return True

    def agree(self, k: int, truth: int) -> None:
        """Two expressions with no printed value between them: their own numbers must meet."""
        before = max((j for j in range(k) if j in self.values), default=None)
        if before is None:
            return
        left, right = self.values[before], self.values[k]
        ref = self.agreement_refs.get(k) or self.owner.unnamed_ref()
        text = self.sides[k].text
        kind = Kind.HOLDS
        readings = dict.fromkeys(self.readings.get(before, []) + self.readings.get(k, []))
        remarks: list[Remark] = [Remark("reading", r) for r in readings]
        try:
            remarks += orientation(left.true.shape, right.true.shape)
            try:
                kind = self.meets(left, right)
                if kind is Kind.WRONG and (before in self.sample_values or k in self.sample_values):
                    # var or std: the sample convention, when the two sides agree by it alone (s^2 = var(x) = 2.6/3)
                    sample_left, sample_right = self.sample_values.get(before, left), self.sample_values.get(k, right)
                    if self.meets(sample_left, sample_right) is Kind.HOLDS:
                        left, right, kind = sample_left, sample_right, Kind.HOLDS
                        remarks.append(Remark("reading", "var or std read with the sample convention (divided by n − 1); "
                                                         "the population convention (divided by n) does not agree"))
            except Undecided:
                # Two exact values no enclosure separates: an identity, when SymPy proves it.
                if proved_equal(self.sides[before].node, self.sides[k].node, self.exact_values(before), self.exact_values(k)):
                    kind = Kind.HOLDS
                else:
                    raise
        except ShapeError as error:
            kind, remarks = Kind.WRONG, [Remark("shape", str(error))]
        except Undecided:
            if not self.owner.settle:
                raise
            kind = Kind.UNDECIDED
        places = max([n.printed.decimals for n in walk(self.sides[k].node) if isinstance(n, Number)], default=6)
        self.owner.emit(Verdict(
            kind=kind, ref=ref, subject="equation", stated=source(text, self.sides[k].node), place=self.owner.place(),
            location=self.owner.location(self.offset(k, self.sides[k].node)),
            exact=show_array(left.true, places), own=None, relative_error=None,
            inherits_from=tuple(sorted(right.carried() - {ref})) if kind is not Kind.HOLDS else (),
            expression=source(self.sides[before].text, self.sides[before].node), remarks=tuple(remarks),
        ))

    @staticmethod
    def meets(left: Value, right: Value) -> Kind:
        """Whether two sides' own numbers meet, entry by entry: holds, carried (the right formula over the page's
        rounded results), or wrong at the first entry that does not. Raises Undecided, ShapeError."""
        kind = Kind.HOLDS
        ranged = bool(left.carried() or right.carried())
        pairs = zip(left.interval.reshape(-1), right.interval.reshape(-1), left.true.reshape(-1), right.true.reshape(-1))
        for a, b, true, right_true in pairs:
            if isinstance(a, NoValue) or isinstance(b, NoValue):
                # the page's own numbers leave this entry without a value (0 over a printed 0.0): the
                # true values decide, as for a side whose own numbers cannot be pushed through
                kind = meet(true, right_true, False)
            else:
                kind = meet(a, b, ranged)
                if kind is Kind.WRONG and ranged:
                    kind = meet(true, b, ranged)  # worked out from the true values the page did not print
                if kind is Kind.WRONG and right.carried() and meet(true, right_true, True) is Kind.HOLDS:
                    kind = Kind.CARRIED  # the right formula, with the page's rounded results in it
            if kind is Kind.WRONG:
                break
        return kind

    def exact_values(self, k: int, depth: int = 0) -> Callable[[Node], list[Any] | None]:
        """For the symbolic check: what a number, name or softmax component of side k stands for.

        A name with a rational value is that value; a name whose value came from a formula of exact
        numbers is that formula, translated in turn (at most MAX_EXPANSIONS deep); a softmax of one
        score is e^s over the sum of e^s over its vector. Anything known only as an enclosure (a rounded
        result standing for its true value) raises NotExact: nothing is then proved.
        """
        base = self.sides[k].offset
        overrides, bindings = self.overrides["true"], self.state.bindings

        def rationals(values: Array) -> list[Any]:
            flat = list(values.reshape(-1))
            if not all(v.exact is not None for v in flat):
                raise NotExact
            return [v.exact for v in flat]

        def exact(node: Node) -> list[Any] | None:
            import sympy

            span = (base + node.start, base + node.end)
            if span in overrides:
                return rationals(overrides[span])
            if isinstance(node, Number):
                return [node.printed.value]
            if isinstance(node, Call) and span in self.components:
                vector, index = self.components[span]
                scores = [sympy.Rational(v.numerator, v.denominator) for v in rationals(bindings[vector].value.true)]
                return [sympy.exp(scores[index]) / sum(sympy.exp(s) for s in scores)]
            if not isinstance(node, (Symbol, Constant)) or node.name not in bindings:
                return None
            binding = bindings[node.name]
            try:
                return rationals(binding.value.true)
            except NotExact:
                side = binding.formula
                if side is None or binding.value.carried() or depth >= MAX_EXPANSIONS:
                    raise
                from nncheck.audit.page.chain import ChainJudge

                again = ChainJudge(self.owner, [side], first_new=1)
                return translate(side.node, again.exact_values(0, depth + 1))

        return exact
