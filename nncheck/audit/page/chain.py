"""One equation of a page, judged: what its sides are, what their numbers stand for, the verdicts, the bindings.

See nncheck/audit/page/judge.py for the rules; docs/documents.md states them for readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nncheck.audit import enclose
from nncheck.audit.ledger import Entry
from nncheck.audit.page.compare import orientation, source
from nncheck.audit.page.frames import FrameView, State, Value, as_array, cell_value
from nncheck.audit.page.sides import (
    MAX_GROUPED_TERMS, Role, Side, array_of, cuts, group_node, negated, power_name, significant,
    signed_numbers, wrap_real,
)
from nncheck.audit.page.statements import Cells, cells_of, element_suffix, match
from nncheck.audit.page.verdicts import ChainVerdicts, borne_out
from nncheck.errors import Undecided
from nncheck.expr.evaluate import Evaluator, NoReading, OneScore, ShapeError, Span, shape_text
from nncheck.expr.nodes import (
    FUNCTIONS, TIMES, Call, Constant, Negate, Node, Number, Power, Product, Sum, Symbol, children, walk,
)
from nncheck.expr.printer import text as printed_text
from nncheck.findings import Remark
from nncheck.network.backend import Array
from nncheck.network import ball
from nncheck.network.ball import Real
from nncheck.printed import Printed

if TYPE_CHECKING:
    from nncheck.audit.page.sides import Owner


# Significant digits a decimal of arithmetic needs to restate an earlier result by its digits: one printed in
# the same section, or elsewhere on the page.
MIN_DIGITS_HERE = 2
MIN_DIGITS_ELSEWHERE = 3


@dataclass
class ChainJudge(ChainVerdicts):
    """One chain of sides, judged left to right. Sides before ``first_new`` belong to an earlier display."""

    owner: Owner
    sides: list[Side]
    first_new: int
    overrides: dict[str, dict[Span, Array]] = field(default_factory=lambda: {"true": {}, "point": {}, "interval": {}})
    sources: dict[Span, str] = field(default_factory=dict)
    components: dict[Span, tuple[str, int]] = field(default_factory=dict)
    values: dict[int, Value] = field(default_factory=dict)
    sample_values: dict[int, Value] = field(default_factory=dict)  # sides with var or std, by the sample convention
    # Sides with an asterisk read as a convolution (the cross-correlation), and their values and readings by the
    # convolution with the kernel flipped.
    convolved: set[int] = field(default_factory=set)
    flipped: dict[int, Value] = field(default_factory=dict)
    flipped_readings: dict[int, list[str]] = field(default_factory=dict)
    # Parts of this display's sides not evaluated, and why (an asterisk that fits no reading, a name the page has not
    # given): offset in the page, detail.
    unevaluated: list[tuple[int, str]] = field(default_factory=list)
    failures: dict[int, Remark] = field(default_factory=dict)
    readings: dict[int, list[str]] = field(default_factory=dict)
    agreement_refs: dict[int, str] = field(default_factory=dict)
    printed_value: tuple[Cells, str] | None = None
    # One value per statement the chain puts in, however often it is written: in 0.59(1 − 0.59) both 0.59 stand for
    # the same hidden digits, so the own range is that of a(1 − a), not of two numbers that vary apart.
    put_in: dict[tuple[str, str, bool], Value] = field(default_factory=dict)
    recompute: bool = True  # recompute formulas whose names another example gave anew (see FormulaJudge.judge_chain)
    recomputed: bool = False  # whether it did

    @property
    def state(self) -> State:
        return self.owner.state

    def run(self) -> None:
        roles = [self.role(side) for side in self.sides]
        target = next((cells.shape for side in self.sides if (cells := self.cells(side)) is not None), None)
        pairs: dict[int, list[tuple[Node, Node]] | None] = {}
        for k in range(1, len(self.sides)):
            if roles[k - 1] is Role.EXPRESSION and roles[k] is Role.EXPRESSION:
                pairs[k] = match(self.sides[k - 1].node, self.sides[k].node, self.sides[k].text)
        self.component_numbering(pairs)
        self.rebind_examples(pairs)
        self.bind_first_uses(pairs)
        # A formula whose names another example has given anew is recomputed before it is read (∂L/∂b = ŷ - y,
        # stated again after ŷ is given anew; p = softmax(z) after new logits z); a name this chain defines by a
        # formula of its own is not.
        formula = any(role is Role.EXPRESSION and self.evaluable(side.node) for role, side in zip(roles, self.sides))
        # A name the chain substitutes with the value printed for it before means that value: not recomputed
        # (w' of sample 1, substituted as [0.7, 0.5] in sample 2, after sample 2 gave x and y anew).
        seen: set[str] = self.restated_as_before(pairs)
        for role, side in zip(roles, self.sides):
            if role is Role.EXPRESSION or (role is Role.NAME and not formula):
                for read in side.reads:
                    self.refresh(read, seen)
        names = [self.name(side) for side in self.sides]
        defined = {k for k, name in enumerate(names) if name is not None and self.defines(name, roles)}
        for k, side in enumerate(self.sides):
            if roles[k] is Role.NAME and k not in defined:
                name = names[k]
                if name is not None and name in self.state.bindings:
                    self.values[k] = self.state.bindings[name].value
            elif roles[k] is Role.EXPRESSION:
                if k in pairs and pairs[k] is None and k - 1 in self.values:  # 0.5·0.8 - 1.2 - 0.1 = 0.4 - 1.3
                    pairs[k] = match(self.sides[k - 1].node, side.node, side.text, lambda a, b: self.grouped(k, a, b))
                for subtree, printed in pairs.get(k) or []:
                    self.stand_for(subtree, printed, k)
                self.restate_by_digits(k)
                if k in pairs and pairs[k] is None and k - 1 in self.values:
                    self.worked_out_without_match(k)
                if self.evaluable(side.node):
                    self.evaluate(k, target)
        if Role.PRINTED in roles or self.values:  # a chain with a numeric side: say what keeps a side from being read
            for k in range(self.first_new, len(self.sides)):
                if roles[k] is Role.EXPRESSION and not self.evaluable(self.sides[k].node):
                    self.unbound(k)
        self.choose_convolutions(roles)
        truth = next((k for k in range(len(self.sides)) if k in self.values or k in self.failures), None)
        if truth is None:
            self.bind_givens(names, defined, roles)
            return
        for k in range(len(self.sides)):
            if k < self.first_new or k == truth:
                continue
            if roles[k] is Role.PRINTED:
                last = all(roles[j] is not Role.PRINTED for j in range(k + 1, len(self.sides)))
                stated = [name for name in names if name is not None] if last else []
                self.judge_printed(k, truth, stated, defined)
            elif roles[k] is Role.EXPRESSION and pairs.get(k) is None and k in self.values:
                self.agree(k, truth)
        self.bind_results(names, defined, truth)

    def restated_as_before(self, pairs: dict[int, list[tuple[Node, Node]] | None]) -> set[str]:
        """Names this chain substitutes with their latest printed values, digit for digit."""
        found: set[str] = set()
        for k, matched in pairs.items():
            for subtree, printed in matched or []:
                substitution = self.substitution(subtree, printed, k)
                if substitution is None or substitution[0] not in self.state.bindings:
                    continue
                name, cells, _ = substitution
                latest = [self.state.ledger.latest(self.state.key(name, i)) for i in range(len(cells.printed))]
                if all(entry is not None and entry.printed.digits == number.digits for entry, number in zip(latest, cells.printed)):
                    found.add(name)
        return found

    def refresh(self, name: str, seen: set[str]) -> None:
        """Recompute a formula's value whose names were bound anew (another example): a formula is a definition."""
        if name in seen or name not in self.state.bindings or not self.recompute:
            return
        seen.add(name)
        for read, _ in self.state.bindings[name].reads:
            self.refresh(read, seen)  # what it reads first: staleness travels down a chain of formulas
        if not self.state.stale(name):
            return
        binding = self.state.bindings[name]
        side: Side = binding.formula
        again = ChainJudge(self.owner, [side], first_new=1)
        again.restate_by_digits(0)
        if not again.evaluable(side.node):
            return
        try:
            value = again.frames(0, side.node, binding.value.true.shape)
        except (ShapeError, ValueError, ZeroDivisionError):
            return
        self.state.bind(name, value, computed=True, section=self.owner.section, formula=side, recomputed=True, own=value)
        self.recomputed = True

    # -- what each side is ---------------------------------------------------------------------

    def name(self, side: Side) -> str | None:
        node = side.node
        if isinstance(node, Symbol):
            return node.name
        if isinstance(node, Constant) and node.name == "e" and self.state.euler_is_name:
            return "e"
        return power_name(node, self.state.bindings)

    def cells(self, side: Side) -> Cells | None:
        return cells_of(side.node, side.text)

    def role(self, side: Side) -> Role:
        if self.name(side) is not None:
            return Role.NAME
        return Role.PRINTED if self.cells(side) is not None else Role.EXPRESSION

    def evaluable(self, node: Node) -> bool:
        if power_name(node, self.state.bindings) in self.state.bindings:
            return True  # σ^2, a name of its own
        if isinstance(node, Symbol) and node.name not in self.state.bindings:
            return False
        if isinstance(node, Call) and node.function not in FUNCTIONS:
            return False
        return all(self.evaluable(child) for child in children(node))

    def unbound(self, k: int) -> None:
        """An expression of a chain with a numeric side that names what the page has not given (p - y, with only
        p_1, p_2, p_3 bound): its relations are not checked, and coverage says which names are missing. Sides that
        something else keeps from being evaluated (a function nncheck does not evaluate, a sum over an index that
        is reported on its own) are left to their own reasons."""
        side = self.sides[k]
        missing = self.missing(side.node, side.text)
        if not missing:
            return
        names = list(dict.fromkeys(name for name, _, run in missing if not run))
        runs = list(dict.fromkeys(name for name, _, run in missing if run))
        reasons = []
        if names:
            reason = f"{_listed(names)} {'is' if len(names) == 1 else 'are'} not given before it"
            if len(names) == 1:  # p_1, p_2, p_3 bound each of its own: the page never gave the vector p they make up
                pattern = re.compile(re.escape(names[0]) + r"_(?P<k>0|[1-9][0-9]*)")
                indices = sorted(int(m["k"]) for key in dict.keys(self.state.bindings) if (m := pattern.fullmatch(key)))
                components = [f"{names[0]}_{index}" for index in indices]
                if len(components) > 4:
                    reason += f"; only {components[0]} to {components[-1]} are, as names of their own"
                elif components:
                    reason += f"; only {_listed(components)} {'is' if len(components) == 1 else 'are'}, as names of their own"
            reasons.append(reason)
        if runs:
            reasons.append(f"{_listed(runs)} {'is' if len(runs) == 1 else 'are'} read as a product of single letters, "
                           "none given before it; a name of several letters is written \\text{…}")
        written = " ".join(side.text[side.node.start:side.node.end].split())
        self.unevaluated.append((self.offset(k, missing[0][1]), f"{written} ({'; '.join(reasons)})"))

    def missing(self, node: Node, text: str) -> list[tuple[str, Node, bool]] | None:
        """The names in ``node`` the page has not bound, each with its node, when they alone keep it from being
        evaluated; else None. Letters written together, none of them bound (net_{h1}, read as n·e·t_{h1}), are one
        entry, as written, marked True."""
        if power_name(node, self.state.bindings) in self.state.bindings:
            return []
        if isinstance(node, Symbol):
            return [] if node.name in self.state.bindings else [(node.name, node, False)]
        if isinstance(node, Call) and (node.function not in FUNCTIONS or node.over is not None):
            return None
        if isinstance(node, Product):
            return self.missing_letters(node, text)
        found: list[tuple[str, Node, bool]] = []
        for child in children(node):
            names = self.missing(child, text)
            if names is None:
                return None
            found += names
        return found

    def missing_letters(self, node: Product, text: str) -> list[tuple[str, Node, bool]] | None:
        """``missing`` of a product: a run of letters written with nothing between them (n, e, t_{h1} of net_{h1}, or of
        -net_{h1}), none of them a bound name, is one name, as written."""
        found: list[tuple[str, Node, bool]] = []
        factors = [factor for _, factor in node.factors]
        start = 0
        while start < len(factors):
            run = [_letter(factors[start])]
            end = start + 1
            while run[-1] is not None and end < len(factors) and node.factors[end][0] == TIMES \
                    and isinstance(factors[end], (Symbol, Constant)) and factors[end].start == factors[end - 1].end:
                run.append(_letter(factors[end]))
                end += 1
            letters = [letter for letter in run if letter is not None]
            if len(letters) > 1 and any(isinstance(letter, Symbol) for letter in letters) \
                    and all(isinstance(letter, Constant) or letter.name not in self.state.bindings for letter in letters):
                found.append((text[letters[0].start:letters[-1].end], letters[0], True))
            else:
                for factor in factors[start:end]:
                    names = self.missing(factor, text)
                    if names is None:
                        return None
                    found += names
            start = end
        return found

    def defines(self, name: str, roles: list[Role]) -> bool:
        """Whether this chain (re)binds ``name`` rather than stating a value of it.

        A formula rebinds a name unless the name is already a formula's value in the same section
        (then the chain restates that quantity); a formula that reads the name updates it. A plain value
        rebinds a given of another section, or any name of another section when the current section
        already re-bound names (it holds another example, or epoch); anything else states the bound
        quantity, so a summary that restates a result differently is a contradiction.
        """
        binding = self.state.bindings.get(name)
        if binding is None:
            return True
        section = self.owner.section
        formulas = [side for role, side in zip(roles, self.sides) if role is Role.EXPRESSION and self.evaluable(side.node)]
        if any(name in side.reads for side in formulas):
            return True  # an update, w = w - η g: the formula reads the old value and binds the new one
        others = [side for role, side in zip(roles, self.sides)
                  if role is Role.NAME and self.name(side) not in (None, name) and self.name(side) in self.state.bindings]
        if formulas or others:  # a formula, or another name (h = g): a definition of it
            return not (binding.computed and binding.section == section)
        if roles == [Role.NAME, Role.PRINTED] and binding.section != section and section in self.state.new_examples:
            return True  # name = value alone, in a section that holds another example: its value there (∂L/∂b in step 2)
        return not binding.computed and binding.section != section and Role.PRINTED in roles

    # -- what the numbers of an expression stand for ----------------------------------------------

    def substitution(self, subtree: Node, printed: Node, k: int) -> tuple[str, Cells, bool] | None:
        """The name a printed value of side k is substituted for, its cells, and whether under a flipped sign."""
        cells = cells_of(printed, self.sides[k].text)
        if cells is None:
            return None
        name = self.name(Side(subtree, "", 0))
        if name is not None:
            if _squared(self.sides[k].node, printed) and self.negative(name) and all(p.value >= 0 for p in cells.printed):
                # 1 − a² = 1 − 0.7163² with a = −0.7163: under an even power the page writes the magnitude
                return name, Cells(cells.shape, tuple(negated(p) for p in cells.printed), cells.nodes), True
            return name, cells, False
        if isinstance(subtree, Negate) and (operand := self.name(Side(subtree.operand, "", 0))) is not None:
            return operand, Cells(cells.shape, tuple(negated(p) for p in cells.printed), cells.nodes), True
        return None

    def negative(self, name: str) -> bool:
        """Whether every entry of the name's value is known to be below 0."""
        binding = self.state.bindings.get(name)
        if binding is None:
            return False
        values = list(binding.value.true.reshape(-1))
        return bool(values) and all(v.exact < 0 if v.exact is not None else bool(v.enclosure() < 0) for v in values)

    def component_numbering(self, pairs: dict[int, list[tuple[Node, Node]] | None]) -> None:
        """A component p_1 substituted with the value printed for p's element 1 counted from 0, and not for its
        element 1 counted from 1: the page numbers p's components from 0 (classes 0, 1, 2)."""
        bindings = self.state.bindings
        for k, found in pairs.items():
            for subtree, printed in found or []:
                substitution = self.substitution(subtree, printed, k)
                if substitution is None or len(substitution[1].printed) != 1:
                    continue
                name, cells, _ = substitution
                component = bindings.component(name)
                if component is None or component[0] in bindings.zero_based:
                    continue
                base, index = component
                size = int(dict.__getitem__(bindings, base).value.true.size)
                text = cells.printed[0].digits

                def states(element: int) -> bool:
                    latest = self.state.ledger.latest(self.state.key(base, 0)[:3] + (element,))
                    return latest is not None and latest.printed.digits == text

                if not states(index) and index + 1 < size and states(index + 1):
                    self.state.count_from_zero(base)

    def rebind_examples(self, pairs: dict[int, list[tuple[Node, Node]] | None]) -> None:
        """Givens of another section substituted with new values: a new example re-binds them, unless another
        given of that section is substituted unchanged, in this formula or earlier in this section (then the one
        that differs is a contradiction: x_2 put in as 0.5 after δ = w_1 x_1 = 0.4 × 0.5 used the setup's w_1 and
        x_1, with x_2 = 0.2 there)."""
        section = self.owner.section
        changed: list[tuple[str, Cells]] = []
        unchanged = 0
        for k, found in pairs.items():
            for subtree, printed in found or [] if k >= self.first_new else []:
                substitution = self.substitution(subtree, printed, k)
                if substitution is None:
                    continue
                name, cells, _ = substitution
                binding = self.state.bindings.get(name)
                if binding is None or binding.computed or binding.section == section \
                        or binding.element is not None or binding.value.true.size != len(cells.printed):
                    continue
                same = all(true.exact == number.value for true, number in zip(binding.value.true.reshape(-1), cells.printed))
                carried = self.carried_over(cells)
                if same:
                    unchanged += 1
                elif carried is not None:
                    # The value of a quantity the page computed (w_new), carried into the name for the next
                    # example or epoch: the name now stands for that quantity.
                    self.state.bind(name, carried, computed=False, section=section)
                else:
                    changed.append((name, cells))
        if unchanged:
            self.state.go_on(section)
        if len(changed) > 1 or (changed and not unchanged and section not in self.state.continuing):
            for name, cells in changed:  # one changed among unchanged ones is a contradiction
                self.state.bind(name, Value.exact(array_of(cells)), computed=False, section=section)

    def carried_over(self, cells: Cells, *, every: bool = True) -> Value | None:
        """The value of printed numbers that have the digits of earlier printed results, standing for those results
        (their true values, and the printed digits in the page's own numbers). With ``every``, None unless every
        number has; else the others are givens, exact as written (and None when none has)."""
        values = []
        for number in cells.printed:
            result = self.state.result(number.text, number.value < 0)
            if result is None and every:
                return None
            if result is None:
                values.append(Value.exact(wrap_real(Real(exact=number.value))))
            else:
                values.append(cell_value(number, result.true, result.ref))
        if not every and all(v.true.reshape(-1)[0].exact == p.value for v, p in zip(values, cells.printed)):
            return None
        true = as_array([v.true.reshape(-1)[0] for v in values], cells.shape)
        point = as_array([v.point.reshape(-1)[0] for v in values], cells.shape)
        interval = as_array([v.interval.reshape(-1)[0] for v in values], cells.shape)
        sources = tuple(v.carried() for v in values)
        return Value(true, point, interval, sources if any(sources) else ())

    def bind_first_uses(self, pairs: dict[int, list[tuple[Node, Node]] | None]) -> None:
        """A number substituted for a name nothing has bound yet gives that name (a given, exact)."""
        section = self.owner.section
        for k, found in pairs.items():
            for subtree, printed in found or []:
                substitution = self.substitution(subtree, printed, k)
                if substitution is None:
                    continue
                name, cells, _ = substitution
                if name not in self.state.bindings:
                    # Printed results substituted for a name the page never bound (A V with the attention weights
                    # printed before) stand for those results; short numbers (0.5, 2) are too often a coincidence.
                    carried = self.carried_over(cells, every=False) if all(significant(p) >= 3 for p in cells.printed) else None
                    self.state.bind(name, carried or Value.exact(array_of(cells)), computed=False, section=section)

    def span(self, k: int, node: Node) -> Span:
        offset = self.sides[k].offset
        return (offset + node.start, offset + node.end)

    def set_cell(self, k: int, node: Node, value: Value, source: str | None = None) -> None:
        span = self.span(k, node)
        for frame in ("true", "point", "interval"):
            self.overrides[frame][span] = getattr(value, frame)
        if source is not None and value.carried():
            self.sources[span] = source

    def stand_for(self, subtree: Node, printed: Node, k: int) -> None:
        """``printed`` (in side k) works out ``subtree`` (in side k - 1): a substituted value or a worked-out part."""
        substitution = self.substitution(subtree, printed, k)
        if substitution is not None:
            name, _, negate = substitution  # "+ b" written "- 0.1" states b = -0.1
            self.substituted(name, cells_of(printed, self.sides[k].text) or substitution[1], k, negate=negate)
            return
        cells = cells_of(printed, self.sides[k].text)
        if cells is None:
            return
        if not self.evaluable(subtree):
            return  # an unknown function, an unbound name: the printed value is then a given
        try:
            part = self.frames(k - 1, subtree, cells.shape)
        except (ShapeError, ValueError, ZeroDivisionError):
            return
        except Undecided:
            if not self.owner.settle:
                raise
            return
        if part.true.size != len(cells.printed):
            return
        ref = self.owner.unnamed_ref() if k >= self.first_new else "an earlier display"
        expression = source(self.sides[k - 1].text, subtree, self.sides[k - 1].labels)
        if not any(node is subtree for node in walk(self.sides[k - 1].node)):
            expression = printed_text(subtree)  # a part nncheck put together (a group of terms, a flipped sign)
        for index, (number, node) in enumerate(zip(cells.printed, cells.nodes)):
            true = part.true.reshape(-1)[index]
            if k >= self.first_new:
                self.judge_cell(number, node, k, true, part, index, ref + element_suffix(cells.shape, index), [],
                                expression=expression)
            self.set_cell(k, node, cell_value(number, true, ref + element_suffix(cells.shape, index)),
                          ref + element_suffix(cells.shape, index))
            self.state.learn(number, true, ref + element_suffix(cells.shape, index), self.owner.section)

    def substituted(self, name: str, cells: Cells, k: int, *, negate: bool = False) -> None:
        """Values a step substituted for a bound name: statements of it, standing for its true value.

        ``negate``: the value stands under a flipped sign (``+ b`` written ``- 0.1`` states b = -0.1).
        """
        binding = self.state.bindings[name]
        if binding.value.true.size != len(cells.printed):
            return  # another quantity of the same name: values of different sizes are not compared
        ref: str | None = None  # the id of the statement, taken when an element is not a repetition
        value = binding.value
        for index, (written, node) in enumerate(zip(cells.printed, cells.nodes)):
            true = value.true.reshape(-1)[index]
            number = negated(written) if negate else written
            key = self.state.key(name, index)
            latest = self.state.ledger.latest(key)
            if latest is not None and latest.printed.digits == number.digits:
                element_ref = latest.ref  # a repetition stands for the statement it repeats
                self.state.copies[self.offset(k, node)] = latest.ref
                self.set_cell(k, node, self.statement_value(written, -true if negate else true, element_ref, negate), element_ref)
                continue
            ref = ref or self.owner.used_ref(name)
            element_ref = ref + element_suffix(cells.shape, index)
            if k >= self.first_new:
                # judged with the own value of the name's formula, not with its earlier statements (see judge_printed)
                self.judge_cell(number, node, k, true, self.stated_own(name, value, index, number), index, element_ref, [name],
                                used_by=self.owner.used_ref("").rstrip(":"), quiet=not binding.computed,
                                stale=self.state.superseded(name, index, number))
                self.state.record(key, Entry(self.offset(k, node), number, element_ref))
                value = value.restated(index, number, element_ref)
            self.set_cell(k, node, self.statement_value(written, -true if negate else true, element_ref, negate), element_ref)
        self.state.update(name, value)

    def statement_value(self, printed: Printed, true: Real, ref: str, negative: bool) -> Value:
        """``cell_value``, the same object for every number of this chain that puts in statement ``ref`` as ``printed``."""
        key = (ref, printed.text, negative)
        if key not in self.put_in:
            self.put_in[key] = cell_value(printed, true, ref)
        return self.put_in[key]

    def grouped(self, k: int, left: Sum, right: Sum) -> list[tuple[Node, Node]] | None:
        """A sum of side k as a sum of side k - 1 worked out in consecutive groups, one printed term per group.

        Every way of cutting the earlier sum into as many groups as the later one has terms is tried (for at
        most MAX_GROUPED_TERMS terms); a term that is not printed must match its group's one term. The cut
        under which most printed terms hold is taken, when no other cut does as well; else None.
        """
        if len(left.terms) > MAX_GROUPED_TERMS:
            return None
        best: tuple[int, list[tuple[Node, Node]]] | None = None
        tied = False
        for cut in cuts(len(left.terms), len(right.terms)):
            scored = self.score_groups(k, left, right, cut)
            if scored is None:
                continue
            if best is None or scored[0] > best[0]:
                best, tied = scored, False
            elif scored[0] == best[0]:
                tied = True
        return None if best is None or tied else best[1]

    def score_groups(self, k: int, left: Sum, right: Sum, cut: list[int]) -> tuple[int, list[tuple[Node, Node]]] | None:
        pairs: list[tuple[Node, Node]] = []
        holding = 0
        start = 0
        for (sign, term), size in zip(right.terms, cut):
            group = left.terms[start:start + size]
            start += size
            cells = cells_of(term, self.sides[k].text)
            if cells is None:
                found = match(group[0][1], term, self.sides[k].text) if size == 1 and group[0][0] == sign else None
                if found is None:
                    return None
                pairs += found
                continue
            node = group_node(group, negate=sign == "-")
            try:
                true = self.frames(k - 1, node, cells.shape).true.reshape(-1)
                holding += all(enclose.holds(v, p) for v, p in zip(true, cells.printed))
            except (ShapeError, ValueError, ZeroDivisionError, Undecided):
                return None
            pairs.append((node, term))
        return holding, pairs

    def worked_out_without_match(self, k: int) -> None:
        """An expression that works out the one before it in another form: its new decimals are rounded results."""
        before = {n.printed.text for n in walk(self.sides[k - 1].node) if isinstance(n, Number)}
        for name in self.sides[k - 1].reads:  # a name's printed values, worked into the side (a·x written 0.5·2)
            if name in self.state.bindings:
                key = self.state.key(name, 0)
                for index in range(int(self.state.bindings[name].value.true.size)):
                    latest = self.state.ledger.latest(key[:3] + (index,) if self.state.bindings[name].element is None else key)
                    if latest is not None:
                        before.add(latest.printed.text.lstrip("-\u2212"))
        ref = self.owner.unnamed_ref() if k >= self.first_new else "an earlier display"
        self.agreement_refs[k] = ref
        for node in walk(self.sides[k].node):
            span = self.span(k, node)
            if isinstance(node, Number) and "." in node.printed.text and node.printed.text not in before \
                    and span not in self.overrides["true"]:
                exact = Real(exact=node.printed.value)
                standing = Real.interval(node.printed.value, node.printed.half_unit)
                self.set_cell(k, node, Value.carrying(wrap_real(exact), wrap_real(exact), wrap_real(standing), frozenset({ref})), ref)

    def restate_by_digits(self, k: int) -> None:
        """Decimals with the digits and the sign of an earlier printed result stand for that result's quantity.

        The sign is the unary minus written on the number (or on the product it leads): after ∂L/∂z = -0.062,
        the 0.062 of -0.062 × 1.3 is ∂L/∂z; a slope 0.01 after a result -0.01 is not.
        """
        side = self.sides[k]
        # A side with names is a formula: its numbers are its constants (the slope 0.01 of max(0.01 z, z)), given
        # as written. Only the numbers of arithmetic restate results.
        arithmetic = not any(isinstance(n, Symbol) or self.name(Side(n, "", 0)) is not None for n in walk(side.node))
        for node, negative in signed_numbers(side.node) if arithmetic else []:
            if self.span(k, node) in self.overrides["true"]:
                continue
            result = self.state.result(node.printed.text, negative)
            # Short numbers coincide easily: two significant digits to restate a result of this section, three for
            # one printed elsewhere (the 1.2 of another example's 1.2 × 3 is a given there).
            if result is None or significant(node.printed) < (MIN_DIGITS_HERE if result.section == self.owner.section
                                                              else MIN_DIGITS_ELSEWHERE):
                continue
            true = -result.true if result.negative else result.true
            self.set_cell(k, node, self.statement_value(node.printed, true, result.ref, result.negative), result.ref)
            self.state.copies[self.offset(k, node)] = result.ref
        for call in walk(side.node):
            if isinstance(call, Call) and call.function == "softmax" and len(call.arguments) == 1:
                self.one_score(k, call)

    def one_score(self, k: int, node: Call) -> None:
        """softmax of one score is that score's component of the softmax of the vector it belongs to."""
        argument = node.arguments[0]
        try:
            score = Evaluator(names=FrameView(self.state.bindings, "true"), overrides=self.overrides["true"],
                              base=self.sides[k].offset).value(argument)
        except (ShapeError, ValueError, ZeroDivisionError, Undecided):
            return
        if score.size == 1:
            found = self.state.vector_of(score.reshape(-1)[0])
            if found is not None:
                self.components[self.span(k, node)] = found

    # -- evaluation in the three frames --------------------------------------------------------

    def frames(self, k: int, node: Node, target: tuple[int, ...] | None, *, sample: bool = False,
               flip: bool = False) -> Value:
        """``node`` (of side k) in the true chain and in the document's own numbers (``sample``: var and std
        with the sample convention; ``flip``: an asterisk read as a convolution with the kernel flipped)."""
        bindings, base = self.state.bindings, self.sides[k].offset
        true_evaluator = Evaluator(target=target, names=FrameView(bindings, "true"), overrides=self.overrides["true"],
                                   components=self.components, base=base, sample=sample, flip=flip)
        true = true_evaluator.value(node)
        if flip:
            self.flipped_readings[k] = true_evaluator.readings
        elif not sample:
            self.readings[k] = true_evaluator.readings
            if true_evaluator.convolved:
                self.convolved.add(k)
        try:
            point = Evaluator(backend=ball.POINT, target=target, names=FrameView(bindings, "point"),
                              overrides=self.overrides["point"], components=self.components, base=base,
                              sample=sample, flip=flip).value(node)
        except (ShapeError, ValueError, ZeroDivisionError):
            return Value.exact(true)  # the page's own numbers cannot be pushed through (log 0.0): no own value
        try:
            interval = Evaluator(interval=True, target=target, names=FrameView(bindings, "interval"),
                                 overrides=self.overrides["interval"], components=self.components, base=base,
                                 sample=sample, flip=flip).value(node)
        except (ShapeError, ValueError, ZeroDivisionError, Undecided):
            interval = point  # the ranges cannot be pushed through (a log reaching 0): the digits as printed
        sources: set[str] = set()
        for n in walk(node):
            span = (base + n.start, base + n.end)
            if span in self.sources:
                sources.add(self.sources[span])
            elif isinstance(n, (Symbol, Constant)) and n.name in bindings:
                sources |= bindings[n.name].value.carried()
        return Value.carrying(true, point, interval, frozenset(sources))

    def evaluate(self, k: int, target: tuple[int, ...] | None) -> None:
        node = self.sides[k].node
        if any(isinstance(n, Call) and n.function in ("std", "var") for n in walk(node)):
            try:  # the other convention, which a printed value may follow (judge_printed says so when it does)
                self.sample_values[k] = self.frames(k, node, target, sample=True)
            except (ShapeError, ValueError, ZeroDivisionError, Undecided):
                pass
        try:
            self.values[k] = self.frames(k, node, target)
        except OneScore:
            return  # softmax of one score whose vector of scores the page never gave: not evaluable
        except NoReading as error:
            # An asterisk that fits no reading: the side is not evaluated (its printed value is then a given, as a
            # side nncheck cannot read is), and coverage says where and why.
            part = error.node or node
            written = " ".join(self.sides[k].text[part.start:part.end].split())
            if k >= self.first_new:  # a side of an earlier display was reported there
                self.unevaluated.append((self.offset(k, part), f"{written} ({error})"))
            return
        except Undecided as undecided:
            if not self.owner.settle:
                raise
            self.failures[k] = Remark("undecided", f"not settled at the highest precision: {undecided}")
            return
        except ShapeError as error:
            self.failures[k] = Remark("shape", str(error))
            return
        except (ValueError, ZeroDivisionError) as error:
            self.failures[k] = Remark("undefined", f"the computed side is undefined: {error}")
            return
        if k in self.convolved and target is not None:
            try:
                orientation(self.values[k].true.shape, target)
            except ShapeError:  # read as a convolution, the side does not have the other side's shape: no reading
                product = next(n for n in walk(node) if isinstance(n, Product) and n.starred)
                written = " ".join(self.sides[k].text[product.start:product.end].split())
                if k >= self.first_new:
                    self.unevaluated.append((self.offset(k, product), f"{written} (read as a convolution, the side is "
                                             f"{shape_text(self.values[k].true.shape)} and the other side {shape_text(target)})"))
                del self.values[k]
                return
        if k in self.convolved:
            try:  # the other convention an asterisk may mean (choose_convolutions keeps it when the page bears it out)
                self.flipped[k] = self.frames(k, node, target, flip=True)
            except (ShapeError, ValueError, ZeroDivisionError, Undecided):
                pass

    def choose_convolutions(self, roles: list[Role]) -> None:
        """A side with an asterisk read as a convolution is the cross-correlation of deep-learning libraries, unless the
        first printed side after it bears out the convolution with the kernel flipped (``borne_out``, the rule of var
        and std's sample convention): then it is that, in the true chain and in the page's own numbers alike."""
        for k, flipped in self.flipped.items():
            printed = next((j for j in range(k + 1, len(self.sides)) if roles[j] is Role.PRINTED), None)
            cells = None if printed is None else self.cells(self.sides[printed])
            if k in self.values and cells is not None and borne_out(self.values[k], flipped, cells):
                self.values[k], self.readings[k] = flipped, self.flipped_readings[k]

    # -- what the chain binds ------------------------------------------------------------------

    def bind_givens(self, names: list[str | None], defined: set[int], roles: list[Role]) -> None:
        """A chain with nothing to compute: printed values bind the names it defines, and state the others."""
        printed_at = [k for k, role in enumerate(roles) if role is Role.PRINTED]
        if not printed_at:
            return
        k = printed_at[-1]
        cells = self.cells(self.sides[k])
        assert cells is not None
        section = self.owner.section
        for j in sorted(defined):
            name = names[j]
            if name is not None:
                # A name given anew with the digits of results the page computed (w = 0.5937 after w_new = 0.5937)
                # stands for those results; a first definition is a given, exact as written.
                previous = self.state.bindings.get(name)
                carried = self.carried_over(cells) if previous is not None else None
                # A computed quantity's value in another example (∂L/∂b of step 2) is still a computed quantity:
                # what was computed from it before is not recomputed from it.
                computed = previous is not None and previous.computed and previous.element is None
                self.state.bind(name, carried or Value.exact(array_of(cells)), computed=computed, section=section)
                ref = self.owner.named_ref(name) if k >= self.first_new else name
                for index, (number, node) in enumerate(zip(cells.printed, cells.nodes)):
                    self.state.record(self.state.key(name, index),
                                             Entry(self.offset(k, node), number, ref + element_suffix(cells.shape, index), exact=True))

    def bind_results(self, names: list[str | None], defined: set[int], truth: int) -> None:
        """The names this chain defines take its true value and its last own numbers (its printed result, if any)."""
        if truth in self.failures or truth not in self.values:
            return
        last = max(j for j in self.values)
        value = self.values[truth]
        own = self.values[last]
        if own.true.size != value.true.size:
            return
        bound = Value(value.true, own.point.reshape(value.true.shape), own.interval.reshape(value.true.shape), own.sources)
        printed = self.printed_value
        section = self.owner.section
        formula = self.sides[truth] if self.role(self.sides[truth]) is Role.EXPRESSION and truth >= self.first_new else None
        for j in sorted(defined):
            name = names[j]
            if name is None:
                continue
            self.state.bind(name, bound, computed=True, section=section, formula=formula,
                            update=name in self.sides[truth].reads, own=bound)
            if printed is not None:
                cells, ref = printed
                if len(cells.printed) != value.true.size:
                    continue
                for index, number in enumerate(cells.printed):
                    element_ref = ref + element_suffix(cells.shape, index)
                    key = self.state.key(name, index)
                    self.state.record(key, Entry(self.offset(len(self.sides) - 1, cells.nodes[index]), number, element_ref))
                    self.state.update(name, self.state.bindings[name].value.restated(index, number, element_ref))


def _listed(names: list[str]) -> str:
    """"p", "W and b", "p_1, p_2 and p_3"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _letter(node: Node) -> Symbol | Constant | None:
    """A name or constant written as a factor, or under the minus that leads a product (-net_{h1}); else None."""
    inner = node.operand if isinstance(node, Negate) else node
    return inner if isinstance(inner, (Symbol, Constant)) else None


def _squared(tree: Node, printed: Node) -> bool:
    """Whether ``printed`` is the base of an even whole power in ``tree`` (0.7163 in 1 − 0.7163^2)."""
    for node in walk(tree):
        if isinstance(node, Power) and node.base is printed and isinstance(node.exponent, Number):
            exponent = node.exponent.printed.value
            return exponent.denominator == 1 and exponent.numerator % 2 == 0 and exponent.numerator > 0
    return False
