"""Judge a Markdown page by its own dataflow: its givens and formulas are its true chain.

Each equation is a chain of sides, ``a = b = c``: a **name** (``z_2``), a **printed** value, or an
**expression** (arithmetic, or a formula over names the page has bound). Walking the page in order
(inline math included, for the givens pages define there; only display math gets verdicts):

- a name set equal to an expression, or to a printed value nothing computes, is **bound**: a given
  is exact as written, a formula's value is its **true value** computed from the true values of
  its names. A bound name is one quantity: stating it again later is judged against that value.
- a number substituted for a name (``\\hat{y}(1 - \\hat{y}) = 0.938 (1 - 0.938)``), a part worked
  out (``0.7 \\cdot 1.3 + 0.2 = 0.91 + 0.2``) and a decimal with the digits of an earlier printed
  result stand for that quantity: its true value in the true chain, its printed digits (their
  rounding interval, unless they are exact) in the document's own numbers.
- every printed value is judged by the one verdict ladder (:mod:`nncheck.audit.classify`):
  holds, carried, rounding slip, contradiction, wrong.
- two expressions with no printed value between them must agree in the document's own numbers.

docs/documents.md and docs/verdicts.md state the rules; the cases in tests/test_markdown.py are
each computed by hand or with plain mpmath. This module walks the page (``_Page``) and its formulas
(``FormulaJudge``, ids and places); nncheck/audit/page/chain.py judges one equation; sides.py holds the
records and helpers both use; frames.py what the page has established so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nncheck.audit.page.chain import ChainJudge
from nncheck.readers.markdown import Lines
from nncheck.audit.page.frames import Binding, State
from nncheck.audit.page.sides import Side, defines_e
from nncheck.audit.page.statements import cells_of, plan
from nncheck.audit.page.sums import written_out
from nncheck.errors import Location
from nncheck.expr.nodes import Call, Node, is_numeric, walk
from nncheck.findings import Audit, Coverage, Kind, Skipped, SkipReason, Verdict
from nncheck.network import ball
from nncheck.records import Document, Formula, Place


def judge_page(document: Document) -> Audit:
    """Judge every display equation of a page's Document (its ``formulas``, located in its ``source``)."""
    formulas = list(document.formulas)
    state = State(euler_is_name=any(defines_e(chain) for f in formulas for chain in f.chains))
    return _Page(Lines(document.path, document.source or "", document.cells), formulas, state).run(document.path, document.title)


@dataclass
class _Page:
    lines: Lines
    formulas: list[Formula]
    state: State
    precision: int = ball.START_PRECISION
    renames: dict[str, str] = field(default_factory=dict)
    # Sums over an index left unevaluated (nncheck/audit/page/sums.py): their offset in the page -> what and why.
    unevaluated_sums: dict[int, str] = field(default_factory=dict)

    def run(self, path: str, title: str) -> Audit:
        verdicts: list[Verdict] = []
        skipped: list[Skipped] = []
        displays = inline = inline_checked = 0
        unread: list[Skipped] = []
        for formula in self.formulas:
            found, sums = self._settled(formula) if formula.error is None else ([], [])
            verdicts += found
            # A sum left unevaluated in a relation with a numeric side: that relation is not checked, and said so.
            not_evaluated = [Skipped(self.lines.location(offset), SkipReason.NOT_EVALUATED, detail) for offset, detail in sums]
            if found:  # a display with no verdict is skipped, with its unread side as the reason
                unread += [Skipped(self.lines.location(formula.math.offset + min(side.offset, len(formula.math.text))),
                                   SkipReason.UNPARSABLE, side.reason) for side in formula.unread]
                unread += not_evaluated
            if formula.number is None:  # inline math: judged by the same rules; most of it names a given
                inline += 1
                inline_checked += bool(found)
                continue
            displays += 1
            if not found:
                skipped.append(self._skip(formula) if formula.error or formula.unread or not not_evaluated else not_evaluated[0])
        verdicts = _finish(verdicts, self.renames, self.state.ledger.conflicts())
        coverage = Coverage(found=displays, checked=displays - len(skipped), skipped=tuple(skipped),
                            unread_sides=tuple(unread), inline_found=inline, inline_checked=inline_checked)
        copies = tuple((_renamed(ref, self.renames), self.lines.location(offset)) for offset, ref in sorted(self.state.copies.items()))
        return Audit(path=path, title=title, depth=0, verdicts=tuple(verdicts), precision=self.precision, coverage=coverage,
                     copies=copies)

    def _skip(self, formula: Formula) -> Skipped:
        math = formula.math
        where = self.lines.location(math.offset)
        if formula.error is not None:
            reason = SkipReason.OVER_LIMIT if formula.error.over_limit else SkipReason.UNPARSABLE
            at = self.lines.location(math.offset + min(formula.error.offset, len(math.text)))
            return Skipped(at if reason is SkipReason.UNPARSABLE else where, reason, formula.error.reason)
        if formula.unread:
            side = formula.unread[0]
            return Skipped(self.lines.location(math.offset + min(side.offset, len(math.text))), SkipReason.UNPARSABLE, side.reason)
        outline = plan(list(formula.chains), math.text)
        if not outline.has_equation:
            return Skipped(where, SkipReason.NO_EQUALITY)
        if not outline.has_numeric_side:
            return Skipped(where, SkipReason.SYMBOLIC)
        return Skipped(where, SkipReason.NOTHING_TO_COMPARE)

    def _settled(self, formula: Formula) -> tuple[list[Verdict], list[tuple[int, str]]]:
        """The formula's verdicts at the lowest precision (from START_PRECISION, doubling) that decides them all, and
        the sums over an index it left unevaluated in relations with a numeric side (offset in the page, detail)."""
        mark = self.state.mark()

        def attempt(bits: int, last: bool) -> FormulaJudge:
            self.state.rollback(mark)  # a judgement the enclosures could not settle is made again, from scratch
            judge = FormulaJudge(self, formula, self.state, last)
            judge.run()
            return judge

        judge, bits = ball.settled(attempt)
        self.precision = max(self.precision, bits)
        self.state.commit()
        if judge.unnamed == 1 and formula.number is not None:
            self.renames[f"eq{formula.number}.1"] = f"eq{formula.number}"
        return sorted(judge.verdicts, key=lambda v: (v.location.line, v.location.column)), judge.unevaluated


def _renamed(ref: str, renames: dict[str, str]) -> str:
    """A ref with its display's final id (eq3 rather than eq3.1)."""
    base, bracket, rest = ref.partition("[")
    return renames.get(base, base) + bracket + rest


def _finish(verdicts: list[Verdict], renames: dict[str, str], conflicts: dict[str, list[tuple[int, str]]]) -> list[Verdict]:
    """Final ids (eq3 rather than eq3.1 when a display has one unnamed check) and every statement's conflicts,
    earlier and later (the ledger's, at the end of the page)."""

    def rename(ref: str) -> str:
        return _renamed(ref, renames)

    return [replace(v, ref=rename(v.ref), inherits_from=tuple(dict.fromkeys(rename(r) for r in v.inherits_from)),
                    conflicts_with=tuple(dict.fromkeys(rename(r) for r in v.conflicts_with + tuple(
                        ref for _, ref in conflicts.get(v.ref, ()) if v.subject != "equation"))))
            for v in verdicts]


@dataclass
class FormulaJudge:
    """The judgement of one formula at one precision; its state is a copy until every verdict settles."""

    page: _Page
    formula: Formula
    state: State
    settle: bool
    verdicts: list[Verdict] = field(default_factory=list)
    unnamed: int = 0
    unevaluated: list[tuple[int, str]] = field(default_factory=list)  # see _Page._settled

    def run(self) -> None:
        for chain in self.formula.chains:
            sides = [self.side(node) for node in chain.sides]
            first_new = 0
            if chain.continues and self.state.last_chain:
                first_new = len(self.state.last_chain)
                self.state.reopen(self.state.last_chain)
                sides = list(self.state.last_chain) + sides
            if len(sides) > 1:
                self.unevaluated_sums(sides)
                self.judge_chain(sides, first_new)
            self.state.continue_from(tuple(sides))

    def side(self, node: Node) -> Side:
        """A side of this display, with its sums over an index written out where the page fixes their indices."""
        math = self.formula.math
        node, missed, labels = written_out(node, self.state.bindings, math.text)
        for call, reason in missed:
            self.page.unevaluated_sums[math.offset + call.start] = f"{' '.join(math.text[call.start:call.end].split())} ({reason})"
        return Side(node, math.text, math.offset, labels)

    def unevaluated_sums(self, sides: list[Side]) -> None:
        """The sums a chain with a numeric side leaves unevaluated: the relations they stand in are not checked."""
        if not any(cells_of(side.node, side.text) is not None or is_numeric(side.node) for side in sides):
            return
        for side in sides:
            for node in walk(side.node):
                offset = side.offset + node.start
                if isinstance(node, Call) and offset in self.page.unevaluated_sums \
                        and all(offset != seen for seen, _ in self.unevaluated):
                    self.unevaluated.append((offset, self.page.unevaluated_sums[offset]))

    def judge_chain(self, sides: list[Side], first_new: int) -> None:
        """Judge one chain; when it recomputed a formula whose names another example gave anew, judge it again
        without recomputing, and keep whichever reading the page's numbers bear out (fewer findings; on a tie,
        the recomputation, which checks more).

        Whether ``p`` in example 2 is example 2's p (recompute softmax of the new logits) or example 1's (a
        weight updated in sample 1 and carried on) the notation does not say; the page's own numbers do.
        """
        mark, count, unnamed = self.state.mark(), len(self.verdicts), self.unnamed
        chain = ChainJudge(self, sides, first_new)
        chain.run()
        if chain.recomputed:
            findings = sum(1 for v in self.verdicts[count:] if v.kind is not Kind.HOLDS)
            self.state.rollback(mark)
            del self.verdicts[count:]
            self.unnamed = unnamed
            chain = ChainJudge(self, sides, first_new, recompute=False)
            chain.run()
            if sum(1 for v in self.verdicts[count:] if v.kind is not Kind.HOLDS) >= findings:  # a tie: the recomputation
                self.state.rollback(mark)
                del self.verdicts[count:]
                self.unnamed = unnamed
                chain = ChainJudge(self, sides, first_new)
                chain.run()
        # Parts of the chain it could not evaluate (an asterisk that fits no reading, a name the page has not given):
        # the relations they stand in are not checked.
        self.unevaluated += [found for found in chain.unevaluated if found not in self.unevaluated]

    # -- ids, places and verdicts ----------------------------------------------------------------

    def named_ref(self, name: str) -> str:
        if self.formula.number is None:
            return self.inline_ref(name)
        count = self.state.count_ref(name)
        return name if count == 1 else f"{name}#{count}"

    def used_ref(self, name: str) -> str:
        """The id of a value this formula substituted for ``name`` (``eq5:w``; with no name, the formula's prefix)."""
        if self.formula.number is None:
            return self.inline_ref(name) if name else f"line{self.page.lines.location(self.formula.math.offset).line}:"
        return self.counted(f"eq{self.formula.number}:{name}") if name else f"eq{self.formula.number}:"

    def inline_ref(self, name: str) -> str:
        """An inline formula's id for a statement of ``name``: ``line25:w``, and ``line25:w#2`` for the next statement of
        w on the same line (two inline formulas, ``$w = 0.564$ and $w = 0.7$``), as a display's are ``w``, ``w#2``."""
        return self.counted(f"line{self.page.lines.location(self.formula.math.offset).line}:{name}")

    def counted(self, ref: str) -> str:
        """``ref`` the first time it is given, then ``ref#2``, ``ref#3``, ...: every statement has an id of its own."""
        count = self.state.count_ref(ref)
        return ref if count == 1 else f"{ref}#{count}"

    def unnamed_ref(self) -> str:
        self.unnamed += 1
        if self.formula.number is None:
            return f"line{self.page.lines.location(self.formula.math.offset).line}.{self.unnamed}"
        return f"eq{self.formula.number}.{self.unnamed}"

    @property
    def section(self) -> str | None:
        return self.formula.math.section

    def location(self, offset: int) -> Location:
        return self.page.lines.location(offset)

    def place(self) -> Place:
        math = self.formula.math
        step = math.heading or (f"display equation {self.formula.number}" if self.formula.number else "inline math")
        return Place(step=step, spec=self.page.lines.location(math.offset), latex=" ".join(math.text.split()))

    def emit(self, verdict: Verdict) -> None:
        self.verdicts.append(verdict)


__all__ = ["Binding", "judge_page"]
