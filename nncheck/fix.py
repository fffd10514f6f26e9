"""Stage 4 (fix): the corrected document — every number judged wrong, slipped, carried or contradicted replaced by
its true value, printed as the original was (same decimals or exponent form, trailing zeros, sign style).

Edits are found, not written: :func:`edits` gives each replacement with its place (line and column, 1-based, of
the number in the file), :func:`apply` writes them into the file's text (everything else byte-for-byte unchanged),
:func:`diff` shows them as a unified diff. A number whose true value lies too close to a rounding boundary to be
printed with its digits is left alone and listed as not fixed. A notebook's markdown cells are edited and its JSON
written back as nbformat writes it, for a notebook already in that layout.

On a page, a fix never leaves a line whose visible arithmetic disagrees with a printed result on it: a side of printed
numbers after printed arithmetic, or a number that works out a part of the side before it (a term, a numerator: see
:func:`_side_before`). Copies get more digits where that makes the line agree (:meth:`_Planner.settle`); otherwise the
number is listed, not rewritten. A number the next side carries on unchanged is the same number (:func:`_carried`), and
no number is written with no significant digit for a value that is not 0 (:func:`showing`).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nncheck.errors import Location
from nncheck.expr.nodes import Node, Sum
from nncheck.findings import Audit, Kind, Verdict
from nncheck.network.ball import NoValue, Real
from nncheck.printed import Printed, format_fraction, parse_printed
from nncheck.records import Document

# The verdicts fix replaces by default, and their names for --only.
FIXED_KINDS = (Kind.WRONG, Kind.SLIP, Kind.CARRIED, Kind.CONTRADICTION)
_ASCII_MINUS = re.compile(r"(?<![A-Za-z0-9-])-\s*[0-9.(]")  # an ASCII minus before a number (not a hyphen)
_EXPONENT = re.compile(r"(?P<sign>[+\-−]?)(?P<mantissa>[0-9]+(?:\.(?P<decimals>[0-9]*))?)(?P<e>[eE])(?P<exponent>[+\-]?[0-9]+)")


@dataclass(frozen=True, slots=True)
class Edit:
    """One number to replace: where it is (1-based line and column of its first character), as printed, and its fix."""

    line: int
    column: int
    old: str
    new: str
    verdict: Verdict  # the judged number this fixes (for a copy, the statement it repeats)
    copy: bool = False  # a repetition of the judged number: substituted again on a page, or in a spec's latex: string
    cell: int | None = None  # a notebook's cell (1-based) whose source line and column count in


@dataclass(frozen=True, slots=True)
class Plan:
    edits: tuple[Edit, ...]
    unfixed: tuple[tuple[Verdict, str], ...]  # numbers left alone, with the reason
    notes: tuple[str, ...] = ()  # what fix did not touch though it repeats a fixed number (a spec's block-scalar LaTeX)


def printed_like(value: Fraction, printed: Printed) -> str | None:
    """``value`` printed as ``printed`` is: its decimals (or exponent form), its trailing zeros, its sign's style.

    None when ``value`` rounds to a tie at the printed digits' half unit, which the shown digits cannot settle.
    """
    text = printed.text
    minus = "−" if text.startswith("−") else "-"
    plus = "+" if text.startswith("+") else ""
    match = _EXPONENT.fullmatch(text)
    if match is not None:
        exponent = int(match["exponent"])
        decimals = len(match["decimals"] or "")
        mantissa = value / Fraction(10) ** exponent
        rounded = _rounded(mantissa, -decimals)
        written = match["exponent"]
        if rounded is not None and 1 <= Fraction(match["mantissa"]) < 10 <= abs(rounded):
            # A normalized mantissa stays one: 9.99e-3 for 0.009996 is 1.00e-2, not 10.00e-3.
            exponent += 1
            rounded = _rounded(value / Fraction(10) ** exponent, -decimals)
            written = ("+" if match["exponent"].startswith("+") and exponent >= 0 else "") + str(exponent)
        if rounded is None:
            return None
        body = format_fraction(abs(rounded), decimals) if decimals or "." in match["mantissa"] else str(abs(rounded))
        if "." in match["mantissa"] and not decimals:
            body += "."
        return (minus if rounded < 0 else plus) + body + match["e"] + written
    rounded = _rounded(value, printed.last_place)
    if rounded is None:
        return None
    if printed.last_place <= 0:
        body = format_fraction(abs(rounded), -printed.last_place)
        if text.rstrip().endswith(".") and printed.last_place == 0:
            body += "."
    else:
        body = str(abs(int(rounded)))
    return (minus if rounded < 0 else plus) + body


def _rounded(value: Fraction, place: int) -> Fraction | None:
    """``value`` rounded half-even to a multiple of 10^place; None exactly at a half unit (the tie is the caller's)."""
    unit = Fraction(10) ** place
    scaled = value / unit
    floor = scaled.numerator // scaled.denominator
    if scaled - floor == Fraction(1, 2):
        return None
    return round(scaled) * unit


def showing(value: Fraction, printed: Printed) -> Printed:
    """The form ``value`` is printed in: ``printed``'s, or, when ``value`` is not 0 but would print there with no
    significant digit (0.04 where 0.1 was printed: 0.0), the same form to the decimals that show as many significant
    digits of ``value`` as ``printed`` has, at least one (0.04; 0.0098 for 0.1: 0.010), or one more where a tie at
    those digits would not settle it. An exponent form is kept as it is."""
    if value == 0 or _EXPONENT.fullmatch(printed.text) is not None or _rounded(value, printed.last_place) != 0:
        return printed
    digits = len(printed.text.lstrip("-−+").replace(".", "").lstrip("0")) or 1
    lead, magnitude = 0, abs(value)  # the power of ten of value's first significant digit
    while magnitude >= 10:
        magnitude, lead = magnitude / 10, lead + 1
    while magnitude < 1:
        magnitude, lead = magnitude * 10, lead - 1
    place = min(printed.last_place, lead - digits + 1)
    if _rounded(value, place) is None:
        place -= 1  # a tie: one more digit settles it
    sign = printed.text[:1] if printed.text[:1] in "+-−" else ""
    return Printed(sign + ("0." + "0" * -place if place < 0 else "0"), Fraction(0), place)


def edits(audit: Audit, text: str, kinds: tuple[Kind, ...] = FIXED_KINDS, *,
          cells: dict[int, str] | None = None, more: dict[str, int] | None = None,
          left: dict[Location, str] | None = None, document: Document | None = None) -> Plan:
    """The replacements for ``audit``'s findings of ``kinds`` in the file's ``text`` (the text the audit read), or,
    for a notebook, in its cells' sources (``cells``, by the 1-based cell number of a Location; each Edit names its
    cell). ``document``: the page as its reader read it (the audit's input), whose formulas, as the judge parsed
    them, give the arithmetic printed before each result (else the one-line LaTeX of a result's place, found in the
    text only when written there so).

    Three passes: the statements (each number judged, by its true value; on a page, a value put in for a name by the
    page's latest earlier printed value of that name, digit for digit); the copies the page judge tied to a fixed
    statement (:attr:`Audit.copies`: the value substituted again, restated in later arithmetic), which get the
    statement's fix; then the carried results, fixed with what their line's arithmetic now reads (``0.8 · 0.8004 =
    0.64032`` once 0.8004 is 0.8005). A carried result that is the arithmetic of rounded numbers its line prints and
    fix keeps (``1 - 0.604^2 = 0.6352``) is left alone: its true value would disagree with the arithmetic beside it.

    For a spec, ``more`` gives a claim's value (by its ref) a finer last place (a power of ten), for the claim and
    every copy of it in other claims' ``uses`` (see :func:`fix_text`); the claims of ``left`` (by their location,
    with the reason) are left as printed and listed.
    """
    planner = _Planner({None: text.split("\n"), **{n: source.split("\n") for n, source in (cells or {}).items()}})
    if document is not None and document.formulas:
        from nncheck.readers.markdown import Lines

        lines = Lines(document.path, document.source or "", document.cells)
        for formula in document.formulas:
            at = lines.location(formula.math.offset)
            planner.formulas[at.cell, at.line, at.column] = formula.math.text
            planner.join(at.cell, at.line, formula.math.text.count("\n"))
    planner.statements = {verdict.ref: verdict for verdict in audit.verdicts if verdict.used_by is None}
    for ref, location in audit.copies:
        planner.sites.setdefault(planner.line_of(location), []).append((ref, location))
    printed = {verdict.ref: verdict.stated for verdict in audit.verdicts}
    if audit.coverage is not None:  # a page: in document order, each statement's copies as soon as it is fixed
        copies: dict[str, list[Location]] = {}
        for ref, location in audit.copies:
            copies.setdefault(ref, []).append(location)
        done: list[Verdict] = []
        for index, verdict in enumerate(audit.verdicts):
            if verdict.used_by is None:
                done.append(verdict)
            if verdict.kind not in kinds:
                if verdict.used_by is None:
                    planner.settle(verdict, done, rewrite=False)
                continue
            if planner.line_of(verdict.location) in planner.left:
                planner.unfixed.append((verdict, planner.left[planner.line_of(verdict.location)]))
                continue
            if verdict.kind is Kind.CARRIED and verdict.used_by is None:
                planner.result(verdict, printed)
            elif verdict.used_by is not None:
                planner.put_in(verdict, audit.verdicts[:index], audit.verdicts[index + 1:])
            else:
                planner.statement(verdict)
            edit = planner.fixed.get(verdict.ref)
            if edit is not None and verdict.used_by is None:
                planner.no_duplicate(edit, audit.verdicts)
            if verdict.used_by is None:
                planner.settle(verdict, done)
            edit = planner.fixed.get(verdict.ref)
            if edit is not None:
                planner.copies(edit, copies.get(verdict.ref, []))
        planner.carry()
        return Plan(tuple(planner.found), tuple(planner.unfixed), tuple(dict.fromkeys(planner.notes)))
    results: list[Verdict] = []
    more, left = more or {}, left or {}
    for verdict in audit.verdicts:
        if verdict.kind not in kinds:
            continue
        if verdict.place.spec in left:
            planner.unfixed.append((verdict, left[verdict.place.spec]))
        elif verdict.subject == "equation" and verdict.kind is Kind.CARRIED:
            results.append(verdict)
        else:
            planner.statement(verdict, places=more.get(_copied(verdict)))
    by_ref = {edit.verdict.ref: edit for edit in planner.found}
    for ref, location in audit.copies:
        if ref in by_ref:
            planner.copy(by_ref[ref], location)
    for edit in list(planner.found):
        planner.latex(edit)
    for verdict in results:
        if not planner.kept(verdict, printed):
            planner.statement(verdict, places=more.get(_copied(verdict)))
    return Plan(tuple(planner.found), tuple(planner.unfixed), tuple(dict.fromkeys(planner.notes)))


def _copied(verdict: Verdict) -> str:
    """The ref of the claim whose value a spec's verdict states: its own, or, for a value its step uses
    (``dL/dz2:dyhat/dz2``), the used claim's (``dyhat/dz2``)."""
    return verdict.ref.split(":", 1)[1] if verdict.used_by is not None and ":" in verdict.ref else verdict.ref


class _Planner:
    """The edits of one file (and, for a notebook, of its cells), each place edited once."""

    def __init__(self, texts: dict[int | None, list[str]]) -> None:
        self.texts = texts  # lines, by cell (None: the file)
        self.found: list[Edit] = []
        self.unfixed: list[tuple[Verdict, str]] = []
        self.seen: set[tuple[int | None, int, int]] = set()
        self.notes: list[str] = []
        self.fixed: dict[str, Edit] = {}  # a statement's edit, by its ref
        self.put: set[tuple[int | None, int]] = set()  # the lines (cell, line) where fix puts in a value for a name
        self.left: dict[tuple[int | None, int], str] = {}  # lines (cell, line) fix leaves whole, with the reason
        self.origin: dict[tuple[int | None, int, int], tuple[Location, Edit]] = {}  # a copy's place and statement
        self.statements: dict[str, Verdict] = {}  # the page's statements, by ref
        # the page's minus for a new negative value: − when the page writes its minus signs so (none as "-")
        rows = [row for lines in texts.values() for row in lines]
        self.minus = "−" if any("−" in row for row in rows) and not any(_ASCII_MINUS.search(row) for row in rows) \
            else "-"
        self.sites: dict[tuple[int | None, int], list[tuple[str, Location]]] = {}  # the copies on a line (cell, line)
        # each formula's text as the judge parsed it (offsets kept: a reader blanks what is not TeX and writes an HTML
        # character reference as its character and spaces), by where it starts (cell, line, column)
        self.formulas: dict[tuple[int | None, int, int], str] = {}
        # the rows of a display written on several lines, each by its first row (cell, line): one line for fix
        self.joined: dict[tuple[int | None, int], tuple[int | None, int]] = {}
        # the copies written to more digits for a result's line to agree with it, by the result's ref
        self.supports: dict[str, list[Edit]] = {}

    def join(self, cell: int | None, line: int, below: int) -> None:
        """The rows of a formula that starts on ``line`` and goes on for ``below`` more lines are one line: an aligned
        chain (``h &= … \\\\ &= …``) is checked, and left or edited, as a one-line display is."""
        if below:
            first = self.joined.get((cell, line), (cell, line))
            for row in range(line, line + below + 1):
                self.joined[cell, row] = first

    def line_of(self, where: Location | Edit) -> tuple[int | None, int]:
        """The line (cell, line) a number stands on: for a row of a display written on several lines, its first row."""
        return self.joined.get((where.cell, where.line), (where.cell, where.line))

    def lines(self, location: Location) -> list[str]:
        return self.texts.get(location.cell, [])

    def add(self, cell: int | None, line: int, column: int, old: str, new: str, verdict: Verdict, copy: bool) -> bool:
        """Add an edit, unless its place is edited already or it changes nothing; whether it was added."""
        if (cell, line, column) in self.seen or old == new:
            return False
        self.seen.add((cell, line, column))
        edit = Edit(line, column, old, new, verdict, copy=copy, cell=cell)
        self.found.append(edit)
        if not copy:
            self.fixed.setdefault(verdict.ref, edit)
        return True

    def statement(self, verdict: Verdict, text: str | None = None, places: int | None = None) -> None:
        """The edit for one judged number, or the reason it is left alone: its true value printed as it is (to
        ``places``, the power of ten of the last digit, when that is finer), or ``text`` when given."""
        found = self.replacement(verdict, text, places)
        if found is not None:
            self.add(verdict.location.cell, *found, verdict, False)

    def replacement(self, verdict: Verdict, text: str | None = None,
                    places: int | None = None) -> tuple[int, int, str, str] | None:
        """Where the number is written and what replaces it: (line, column, as written, new); None, with the reason
        listed, when fix leaves it alone."""
        found_core = _core(verdict.stated)
        if found_core is None:
            self.unfixed.append((verdict, "its printed form is not a single number fix rewrites (a list printed as one "
                                          "value, an expression)"))
            return None
        core, scale = found_core
        lines = self.lines(verdict.location)
        where = _place(lines, dataclasses.replace(verdict, stated=core))
        if text is not None:
            new: str | None = text
        else:
            try:
                true = Fraction(verdict.exact)
            except (ValueError, ZeroDivisionError):
                self.unfixed.append((verdict, f"its true value is {verdict.exact}"))
                return None
            printed = parse_printed(core)
            if places is not None and places < printed.last_place <= 0 and scale == 1 \
                    and _EXPONENT.fullmatch(core) is None:
                printed = parse_printed(core + ("" if "." in core else ".") + "0" * (printed.last_place - places))
            printed = showing(true * scale, printed)
            if parse_printed(verdict.exact).last_place + _places(scale) >= printed.last_place \
                    and _rounded(true * scale, printed.last_place) != true * scale:
                self.unfixed.append((verdict, "its true value is not known to more digits than printed"))
                return None
            new = printed_like(true * scale, printed)
        if new is None:
            self.unfixed.append((verdict, "its true value is exactly half-way between two printed values"))
        elif where is None:
            self.unfixed.append((verdict, f"its printed form at {verdict.location} is not one number fix rewrites "
                                          "(a number written with an entity or markup)"))
        else:
            row = lines[where[0] - 1]
            minus = (where[2] if where[2].startswith(("-", "−")) else "−" if "−" in row else self.minus)  # the page's
            return where[0], where[1], where[2], _minus_as(minus, new)
        return None

    def first_consistent(self, verdict: Verdict, tries: Iterable[tuple[int, int, str, str] | None],
                         results: list[Verdict], listed: int) -> bool:
        """Put in the first of ``tries`` (replacements of ``verdict``'s number; None is skipped) with which every one
        of ``results`` agrees with its line's arithmetic, taking back each that does not; whether one did. The
        reasons noted since ``listed`` (len(self.unfixed) before the tries) are dropped when one does."""
        for found in tries:
            if found is None:
                continue
            added = self.add(verdict.location.cell, *found, verdict, False)
            if all(self.consistent(result) for result in results):
                del self.unfixed[listed:]
                return True
            if added:
                self.retract(verdict)
        return False

    def put_in(self, verdict: Verdict, before: tuple[Verdict, ...], after: tuple[Verdict, ...]) -> None:
        """A value a page put in for a name, judged: replaced by the page's latest earlier printed value of the name,
        digit for digit (its fix, when fix replaces that too), so that the line substitutes what the page printed;
        when the results of its display, at their true values, would then disagree with its arithmetic (-0.061 put
        in where the line works out -0.061226 · 0.7 = -0.04286), by the true value at its own digits, if they agree
        with that. When the page printed no value of the name: by the true value, to the digits of the line's result
        when those are finer."""
        element = _element(verdict.ref)
        self.put.add(self.line_of(verdict.location))
        results = [v for v in after if v.place.spec == verdict.place.spec and v.used_by is None]
        latest = next((earlier for earlier in reversed(before) if earlier.subject == verdict.subject
                       and _element(earlier.ref) == element and earlier.used_by is None
                       and _plain(earlier.stated) is not None), None)
        if latest is None:
            shown, own = (_plain(results[0].stated) if results else None), _plain(verdict.stated)
            if own is None or _EXPONENT.fullmatch(verdict.stated) is not None:
                self.statement(verdict)
                return
            base = min(own.last_place, shown.last_place if shown is not None else own.last_place, 0)
            exact = _plain(verdict.exact)
            if exact is not None and own.last_place > exact.last_place >= base:  # an exact value, put in as it reads
                base = exact.last_place
            elif exact is not None and exact.last_place >= own.last_place:
                base = own.last_place  # no digit beyond the stale number's: they would be zeros a given never printed
            listed = len(self.unfixed)
            # the fewest digits that keep the line's results right
            if self.first_consistent(verdict, (self.replacement(verdict, places=places)
                                               for places in range(base, base - 4, -1)), results, listed):
                return
            del self.unfixed[listed:]
            self.unfixed.append((verdict, f"the page prints no value of {verdict.subject} to put in, and its true value "
                                          f"{verdict.exact} to {-base} to {3 - base} decimals leaves the results of its "
                                          "line disagreeing with their arithmetic; fix cannot fix the line consistently"))
            return
        edit = self.fixed.get(latest.ref)
        text = (edit.new if edit is not None else latest.stated).replace("−", "-")
        printed = self.replacement(verdict, text)
        listed = len(self.unfixed)

        def printed_then_true() -> Iterator[tuple[int, int, str, str] | None]:
            yield printed
            yield self.replacement(verdict)  # the true value at the stale number's own digits

        if self.first_consistent(verdict, printed_then_true(), results, listed):
            return
        own = _plain(verdict.stated)
        if own is not None and own.last_place <= 0 and _EXPONENT.fullmatch(verdict.stated) is None:
            finer = (self.replacement(verdict, places=places)  # the true value to more digits
                     for places in range(own.last_place - 1, own.last_place - 4, -1))
            if self.first_consistent(verdict, finer, results, listed):
                return
        del self.unfixed[listed:]
        # None agrees: the whole line is left as printed, and listed.
        reason = (f"with {text} or its true value {verdict.exact} (to up to 3 more digits) put in for "
                  f"{verdict.subject}, the results of its line would disagree with their arithmetic; fix leaves the "
                  "line as printed (print the value put in to more places)")
        self.unfixed.append((verdict, reason))
        self.left[self.line_of(verdict.location)] = (
            f"its line puts in {verdict.stated} for {verdict.subject}, which fix cannot replace consistently; fix "
            "leaves the line as printed")

    def retract(self, verdict: Verdict) -> None:
        """Take back the edit just added for ``verdict``."""
        self.drop(self.found[-1])

    def drop(self, edit: Edit) -> None:
        """Take back ``edit``."""
        self.found = [e for e in self.found if e is not edit]
        self.seen.discard((edit.cell, edit.line, edit.column))
        if self.fixed.get(edit.verdict.ref) is edit:
            del self.fixed[edit.verdict.ref]

    def no_duplicate(self, edit: Edit, verdicts: Sequence[Verdict]) -> None:
        """A restatement fix rewrites is not made a copy of another statement of the same name on its line (``a =
        0.6457 and a = 0.8320`` would read ``a = 0.8320 and a = 0.8320``): it is left as printed, and listed."""
        verdict = edit.verdict
        twin = next((other for other in verdicts if other is not verdict and other.used_by is None
                     and other.subject == verdict.subject and _element(other.ref) == _element(verdict.ref)
                     and self.line_of(other.location) == self.line_of(verdict.location)
                     and other.stated.replace("−", "-") == edit.new.replace("−", "-")), None)
        if twin is not None:
            self.drop(edit)
            self.unfixed.append((verdict, f"its fix {edit.new} would repeat the statement {twin.stated} of "
                                          f"{verdict.subject} at {twin.location} on the same line; fix leaves it as "
                                          "printed (say which value it restates)"))

    def copies(self, edit: Edit, locations: list[Location]) -> None:
        """The copies of a fixed statement, each given its fix (:meth:`settle` then checks the lines they are on)."""
        for location in locations:
            self.copy(edit, location)

    def shows(self, result: Verdict) -> bool:
        """Whether ``result``, as fix now leaves it printed, agrees with its line's printed arithmetic as edited so
        far (True when fix edits none of that arithmetic, or the line has none; False when fix edits it and it can no
        longer be read)."""
        visible = self.visible(result)
        edit = self.fixed.get(result.ref) or self.edit_at(result)
        if visible is None or (not visible.edited and edit is None):
            return True
        value = visible.after if visible.edited else visible.before
        if value is None:
            return False  # the edited arithmetic cannot be read: not shown to agree
        stated = result.stated.replace("−", "-")
        text = stated if edit is None else stated.replace(edit.old.replace("−", "-"), edit.new.replace("−", "-"), 1)
        return _agrees(value, text)

    def edit_at(self, result: Verdict) -> Edit | None:
        """The edit that rewrites the number ``result`` prints, whatever it was made for (a copy of another result
        with the same digits included)."""
        where = _place(self.lines(result.location), result)
        if where is None:
            return None
        return next((e for e in self.found if (e.cell, e.line) == (result.location.cell, where[0])
                     and e.column <= where[1] < e.column + len(e.old)), None)

    def settle(self, result: Verdict, done: list[Verdict], rewrite: bool = True) -> None:
        """A printed result (``done``: the results judged so far, this one last) on a line where fix rewrote a copy of
        a fixed statement must still agree with its line's arithmetic (the side before it, or the part of it the
        result works out: :func:`_side_before`). When it would not, the statement is written to more digits (up to 3
        more than printed, the fewest that keep its own line, the lines of its copies and this one right); else the
        copies on this line get the statement's true value to more digits (one alone, else the copies of one statement
        together); else the copies of statements fix keeps (one alone, else those the result's arithmetic reads, else
        all), each time keeping every result of this line right; else the result is written as its line's arithmetic
        gives it (never as 0 for a value that is not 0), or the line is left as printed and listed. Without
        ``rewrite`` (a result of a kind fix is not asked to fix), the result is never rewritten: the fixes whose copies
        would leave its line disagreeing are not made, nor those that rest on them (:meth:`withdraw`), and listed."""
        line = self.line_of(result.location)
        copies = [e for e in self.found if e.copy and self.line_of(e) == line]
        if self.shows(result):
            return
        listed = len(self.unfixed)
        here = [v for v in done if self.line_of(v.location) == line]  # this line's results: each must stay right
        for statement in dict.fromkeys(e.verdict for e in copies):
            edit = self.fixed.get(statement.ref)
            own = _plain(statement.stated)
            if edit is None or own is None or own.last_place > 0 or _EXPONENT.fullmatch(statement.stated) is not None:
                continue
            mine = [e for e in self.found if e.copy and e.verdict is statement]
            lines = {self.line_of(e) for e in mine} | {self.line_of(statement.location)}
            judged = [v for v in done if self.line_of(v.location) in lines]
            for places in range(own.last_place - 1, own.last_place - 4, -1):
                found = self.replacement(statement, places=places)
                if found is None:
                    continue
                before = {location: value for location, value in map(self.put_for, mine)}
                trial = self.rewrite(edit, mine, found[3])
                if all(self.shows(v) for v in judged):
                    del self.unfixed[listed:]
                    return
                # back as they were: the statement, and each copy (one another line needed longer, too)
                edit = self.rewrite(trial[0], [], edit.new)[0] or edit
                mine = [back for c in trial[1]
                        for back in self.rewrite(None, [c], before.get(self.put_for(c)[0], edit.new))[1]]
        # this line's copies, longer: one alone, else all the copies of one statement on it together (0.75(1 + 0.75))
        sites = [(e.verdict, self.put_for(e)[0]) for e in self.found if e.copy and self.line_of(e) == line]
        together: dict[Verdict, list[tuple[Verdict, Location]]] = {}
        for site in sites:
            together.setdefault(site[0], []).append(site)
        for batch in [[site] for site in sites] + [same for same in together.values() if len(same) > 1]:
            copied = batch[0][0]
            printed = _plain(copied.stated)
            if printed is None or printed.last_place > 0 or _EXPONENT.fullmatch(copied.stated) is not None:
                continue
            for places in range(printed.last_place - 1, printed.last_place - 4, -1):
                longer = self.replacement(copied, places=places)
                current = [e for e in self.found if e.copy and (e.cell, e.line, e.column) in self.origin
                           and (e.verdict, self.put_for(e)[0]) in batch]
                if longer is None or not current:
                    continue
                was = dict(map(self.put_for, current))
                tried = self.rewrite(None, current, longer[3])[1]
                if all(self.shows(v) for v in here):
                    del self.unfixed[listed:]
                    self.supports.setdefault(result.ref, []).extend(tried)
                    return
                for c in tried:  # back as it was
                    self.rewrite(None, [c], was.get(self.put_for(c)[0], longer[3]))
        kept = []  # the copies on this line of statements fix keeps
        for ref, location in self.sites.get(line, []):
            kept_statement = self.statements.get(ref)
            if kept_statement is None:
                continue
            statement = kept_statement
            own = _plain(statement.stated)
            if own is not None and ref not in self.fixed and own.last_place <= 0 \
                    and _EXPONENT.fullmatch(statement.stated) is None \
                    and not any((e.cell, e.line) == (location.cell, location.line)
                                and e.column in (location.column, location.column - 1)
                                for e in self.found):
                kept.append((statement, own, location))
        # to more digits: one copy alone (the fewest numbers changed), else those in the result's arithmetic together,
        # else all of them
        shown = self.visible(result)
        inside: list[tuple[Verdict, Printed, Location]] = []  # the copies whose digits the result's arithmetic reads

        def groups() -> Iterator[list[tuple[Verdict, Printed, Location]]]:
            yield from ([one] for one in kept)
            if 1 < len(inside) < len(kept):
                yield inside
            if len(kept) > 1:
                yield kept

        for group in groups():
            for more in range(1, 4):
                added = []
                for statement, own, location in group:
                    found = self.replacement(statement, places=own.last_place - more)
                    low, high = own.rounding_interval()
                    if found is None or not low <= Fraction(found[3].replace("−", "-")) <= high:
                        continue  # a copy is the statement's value as printed, to more digits, or nothing
                    base = Edit(found[0], found[1], found[2], found[3], statement, cell=statement.location.cell)
                    if self.copy(base, location):
                        added.append(self.found[-1])
                if added and all(self.shows(v) for v in here):
                    del self.unfixed[listed:]
                    self.supports.setdefault(result.ref, []).extend(added)
                    return
                now = self.visible(result) if len(group) == 1 and added and group[0] not in inside else None
                if now is not None and shown is not None and now.text_after != shown.text_after:
                    inside.append(group[0])
                for e in added:
                    self.drop(e)
        del self.unfixed[listed:]
        if not rewrite:
            self.withdraw(result, line, done)
            return
        visible = self.visible(result)
        value = None if visible is None else visible.after if visible.edited else visible.before
        written = None if value is None else _printed_as(value, result.stated)
        if written is not None and written.replace("−", "-") != result.stated.replace("−", "-") \
                and _shows_nothing(written, result.exact):
            written = None  # 0.0 for a value that is not 0: not written
        if written is not None and written.replace("−", "-") != result.stated.replace("−", "-"):
            # the result as its line's rounded numbers give it: consistent, though not its true value
            stale = self.fixed.get(result.ref)
            if stale is not None:
                self.drop(stale)
            found = self.replacement(result, text=written)
            if found is not None and self.add(result.location.cell, *found, result, False):
                self.notes.append(f"{result.location}: {result.stated} is written {found[3]}, as its line's "
                                  f"arithmetic {visible.text_after if visible else ''} gives it: its true value "
                                  f"{result.exact} would disagree with that arithmetic, even with up to 3 more digits "
                                  "in the numbers it substitutes")
                return
        if written is not None:  # the line's arithmetic gives the number as printed: left as it is
            stale = self.fixed.get(result.ref)
            if stale is not None:
                self.drop(stale)
            self.unfixed.append((result, f"its line's arithmetic {visible.text_after if visible else ''} gives it as "
                                         f"printed; its true value {result.exact} would disagree with that "
                                         "arithmetic, so fix leaves it (the arithmetic is not the true chain's)"))
            return
        for e in [e for e in self.found if self.line_of(e) == line]:
            self.drop(e)
        reason = ("with the copies fix writes on its line, its arithmetic would disagree with its printed result, even "
                  "with up to 3 more digits; fix leaves the line as printed")
        self.unfixed.append((result, reason))
        self.left[line] = reason

    def withdraw(self, result: Verdict, line: tuple[int | None, int], done: list[Verdict]) -> None:
        """The fixes whose copies on ``line`` leave ``result`` (which fix does not rewrite) disagreeing with its line's
        arithmetic are not made: each such statement and its copies, left as printed and listed; when ``result`` still
        disagrees, so are the other fixes on its line (a term it adds up); and so is each fix of ``done`` (the results
        judged so far) that rested on them, a result whose line then disagrees with it, with its copies in turn."""
        reason = (f"its fix would leave {result.stated} ({result.kind.value}) at {result.location}, which fix is not "
                  "asked to rewrite, disagreeing with the arithmetic of its line; fix leaves it as printed")
        self.undo([(statement, reason) for statement in
                   dict.fromkeys(e.verdict for e in self.found if e.copy and self.line_of(e) == line)], done)
        if not self.shows(result):
            self.undo([(other, reason) for other in dict.fromkeys(e.verdict for e in self.found
                                                                    if self.line_of(e) == line and e.verdict is not result)],
                      done)

    def undo(self, undone: list[tuple[Verdict, str]], done: list[Verdict]) -> None:
        """The fixes of ``undone`` (each with the reason) not made, nor those of ``done`` that rest on them."""
        while undone:
            statement, reason = undone.pop(0)
            lines = set()
            for e in [e for e in self.found if e.verdict is statement]:
                lines.add(self.line_of(e))
                self.drop(e)
            for support in self.supports.pop(statement.ref, []):  # the copies made longer for it: as they were
                current = next((e for e in self.found if e.copy and (e.cell, e.line, e.column)
                                == (support.cell, support.line, support.column)), None)
                if current is None:
                    continue
                lines.add(self.line_of(current))
                fixed = self.fixed.get(current.verdict.ref)
                if fixed is None:
                    self.drop(current)  # a copy of a value fix keeps
                else:
                    self.rewrite(None, [current], fixed.new)
            own = self.line_of(statement.location)
            if not self.shows(statement):  # its line, as printed, disagrees with the copies fix wrote there
                for e in [e for e in self.found if self.line_of(e) == own]:
                    self.drop(e)
                lines.add(own)
                self.left[own] = (f"{statement.stated} at {statement.location} is not fixed, and the copies fix would "
                                  "write on its line would disagree with it; fix leaves the line as printed")
            self.unfixed.append((statement, reason))
            for v in done:
                if v.ref in self.fixed and self.line_of(v.location) in lines and not self.shows(v) \
                        and not any(v is u for u, _ in undone):
                    undone.append((v, f"its fix rests on the fix of {statement.stated} ({statement.ref}) at "
                                      f"{statement.location}, which fix does not make; fix leaves it as printed"))

    def put_for(self, copy: Edit) -> tuple[Location, str]:
        """Where a copy of a fixed statement is (as the page judge located it) and the value written there (before
        :func:`signed_replacement` put in its sign or parentheses)."""
        location, statement = self.origin[copy.cell, copy.line, copy.column]
        return location, statement.new

    def rewrite(self, edit: Edit | None, copies: list[Edit], new: str) -> tuple[Edit | None, list[Edit]]:
        """A statement's edit (when given) and its copies rewritten with ``new`` in place of their fix; the new edits."""
        written = None
        if edit is not None:
            written = dataclasses.replace(edit, new=_minus_as(edit.new, new))
            self.found = [written if e is edit else e for e in self.found]
            if self.fixed.get(edit.verdict.ref) is edit:
                self.fixed[edit.verdict.ref] = written
        rewritten = []
        for copy in copies:
            location, statement = self.origin[copy.cell, copy.line, copy.column]
            self.drop(copy)
            if self.copy(dataclasses.replace(statement, new=new), location):
                rewritten.append(self.found[-1])
        return written, rewritten

    def consistent(self, result: Verdict) -> bool:
        """Whether ``result``, printed at its true value, agrees with the printed arithmetic of its line as edited so
        far (True when the line has none)."""
        printed = _plain(result.stated)
        try:
            true = Fraction(result.exact)
        except (ValueError, ZeroDivisionError):
            return True
        new = None if printed is None else printed_like(true, showing(true, printed))
        visible = self.visible(result)
        if visible is not None and visible.edited and visible.after is None:
            return False  # the edited arithmetic cannot be read: not shown to agree
        value = None if visible is None else visible.after if visible.edited else visible.before
        return new is None or value is None or _agrees(value, new)

    def kept(self, verdict: Verdict, printed: dict[str, str], text: str = "") -> bool:
        """Whether ``verdict`` (a carried result) carries a rounded number fix keeps (or, with ``text``, is the
        arithmetic ``text`` of its line, which fix keeps); then it is listed, not fixed."""
        kept = [ref for ref in verdict.inherits_from if ref not in self.fixed]
        named = ", ".join(f"{printed[ref]} ({ref})" if ref in printed else ref for ref in kept) or text
        if named:
            self.unfixed.append((verdict, f"it is the arithmetic of the rounded {named} its line substitutes, which "
                                          f"fix keeps; its true value {verdict.exact} would disagree with that "
                                          "arithmetic (print the inputs to more places, or this to fewer)"))
        return bool(named)

    def result(self, verdict: Verdict, printed: dict[str, str]) -> None:
        """A page's carried result. When its line works it out in printed numbers just before it (``1 - 0.604^2``,
        ``0.786(1 - 0.786)``, ``\\frac{1}{0.604}``, ``\\tanh(0.35)``) and fix changes none of them, it is left alone
        when it is their arithmetic: its true value would disagree with the line. When fix changes some, it gets
        its true value, which must agree with the line's new arithmetic where fix put in a value for a name.
        Without such arithmetic it is fixed, unless it is an expression's result that carries a rounded number fix
        keeps."""
        visible = self.visible(verdict)
        if visible is None or (not visible.edited and not _agrees(visible.before, verdict.stated)):
            if verdict.subject != "equation" or not self.kept(verdict, printed):
                self.statement(verdict)
            return
        if not visible.edited:
            listed = len(self.unfixed)
            found = self.replacement(verdict)
            if found is not None and _agrees(visible.before, found[3]):  # a tie of the arithmetic rounds either way
                self.add(verdict.location.cell, *found, verdict, False)
                return
            del self.unfixed[listed:]
            self.kept(verdict, printed, visible.text)
            return
        found = self.replacement(verdict)
        if found is None:
            return
        if self.line_of(verdict.location) in self.put and visible.after is not None \
                and not _agrees(visible.after, found[3]):
            self.unfixed.append((verdict, f"with the value fix puts in, its line reads {visible.text_after}, which its "
                                          f"true value {verdict.exact} ({found[3]}) would disagree with; fix cannot fix "
                                          "the line consistently (print the value put in to more places)"))
            return
        self.add(verdict.location.cell, *found, verdict, False)

    def written(self, cell: int | None, line: int, column: int, latex: str | None) -> _Written | None:
        """The formula that starts at (``cell``, ``line``, ``column``): as the judge read it, character for character
        at its place (a display of several rows, TeX between \\[ and \\], an HTML character reference), else
        ``latex`` (the place's LaTeX), when the file writes it so; None when it is not written in the file as read
        (an entity, a prefix on its lines)."""
        raw = self.formulas.get((cell, line, column))
        text = latex if raw is None else raw
        lines = self.texts.get(cell, [])
        if text is None or not 1 <= line <= len(lines):
            return None
        rows = lines[line - 1:line + text.count("\n")]
        skip = column - 1
        written = "\n".join(rows)[skip:skip + len(text)]
        if written != text and (raw is None or len(written) != len(text)):
            return None
        starts = [0]
        for row in rows:
            starts.append(starts[-1] + len(row) + 1)
        return _Written(text, cell, line, skip, tuple(starts))

    def changes(self, formula: _Written) -> list[tuple[int, str, str]]:
        """The edits found so far in ``formula`` (offset, as written, new), with the same edit of each number a later
        side of its chain carries unchanged (:func:`_carried`), in order."""
        latex = formula.latex
        edits = [(o, e.old, e.new) for e in self.found if e.cell == formula.cell
                 for o in (formula.offset(e.line, e.column),) if o >= 0 and latex[o:o + len(e.old)] == e.old]
        carried = _carried(latex, edits)
        replaced = {o for o, _, _, _ in carried}
        return sorted([edit for edit in edits if edit[0] not in replaced]
                      + [(o, old, new) for o, old, new, _ in carried if old != new])

    def visible(self, verdict: Verdict) -> _Visible | None:
        """The printed arithmetic a page's result gives (the side before it in its chain, or the part of that side it
        works out), as written and with the edits found so far; None when that is not printed numbers (``1 - h_A^2``)
        or cannot be located."""
        place, location = verdict.place, verdict.location
        spec = place.spec
        formula = self.written(spec.cell, spec.line, spec.column, place.latex)
        if formula is None or spec.cell != location.cell:
            return None
        latex = formula.latex
        where = _place(self.lines(location), verdict)
        if where is None:
            return None
        at = formula.offset(where[0], where[1])
        grouping = _Cuts(latex)
        found = _side_before(latex, at, grouping)
        before = None if found is None else _arithmetic(found)
        if found is None or before is None:
            return None
        start, end = _span(found[0])
        edits = self.changes(formula)
        text = " ".join(latex[start:end].split())
        if not any(o < end and start < o + len(old) for o, old, _ in edits):
            return _Visible(before, None, False, text, text)
        changed = latex
        for o, old, new in reversed(edits):
            changed = changed[:o] + new + changed[o + len(old):]
        found_after = _side_before(changed, at + sum(len(new) - len(old) for o, old, new in edits if o < at),
                                   grouping.again(changed))
        if found_after is None:
            return _Visible(before, None, True, text, text)
        start, end = _span(found_after[0])
        return _Visible(before, _arithmetic(found_after), True, text, " ".join(changed[start:end].split()))

    def carry(self) -> None:
        """Each number that a later side of its chain carries unchanged (``0.5 \\cdot 0.5 + 0.05 = 0.25 + 0.05``)
        gets the fix of the number it carries: a copy (the checks of :meth:`visible` read them so already)."""
        for (cell, line, column) in list(self.formulas):
            formula = self.written(cell, line, column, None)
            if formula is None:
                continue
            latex = formula.latex
            by_place = {(e.line, e.column): e for e in self.found if e.cell == cell}
            edits = [(o, e.old, e.new) for e in by_place.values()
                     for o in (formula.offset(e.line, e.column),) if o >= 0 and latex[o:o + len(e.old)] == e.old]
            for o, old, new, origin in _carried(latex, edits):
                line_column = formula.place(o)
                verdict = by_place[formula.place(origin)].verdict
                if line_column in by_place:
                    self.drop(by_place[line_column])
                self.add(cell, *line_column, old, new, verdict, True)  # nothing, when it writes the number as it was

    def copy(self, edit: Edit, location: Location) -> bool:
        """A copy of a fixed statement at ``location`` gets the statement's fix. The page judge locates a copy at its
        digits (:func:`signed_replacement` says what is replaced)."""
        lines = self.lines(location)
        magnitude = edit.old.lstrip("-−")
        row = lines[location.line - 1] if 1 <= location.line <= len(lines) else ""
        start = next((s for s in (location.column - 1, location.column) if row[s:s + len(magnitude)] == magnitude), None)
        if start is None:
            return False
        begin, old, new = signed_replacement(row, start, edit.old, edit.new, self.minus)
        self.origin[location.cell, location.line, begin + 1] = (location, edit)
        return self.add(location.cell, location.line, begin + 1, old, new, edit.verdict, True)

    def latex(self, edit: Edit) -> None:
        """A spec's claim records the step's LaTeX (``latex:``); the fixed number is fixed there too, when the string
        is written on one line (plain, '…' or "…" as JSON writes it): a claimed value where the LaTeX prints it once,
        a value the step uses wherever it prints it (ŷ(1 − ŷ) substitutes ŷ twice)."""
        place = edit.verdict.place
        lines = self.texts[None]
        if place.latex is None or place.latex_at is None or not 1 <= place.latex_at.line <= len(lines):
            return
        starts = numbers_in(place.latex, edit.old)
        result = _result_start(place.latex)
        if result is not None and len(starts) > 1:
            # The result side prints the claim's own values; the sides before it, the values the step uses. A used
            # value and a claimed value may share their digits (a weight of 1 copies its input into the result).
            mine = [start for start in starts if (start >= result) == (edit.verdict.used_by is None)]
            starts = mine if mine else starts
        if len(starts) != 1 and edit.verdict.used_by is None:
            return
        row, column = lines[place.latex_at.line - 1], place.latex_at.column - 1
        written = next((w for w in (_single_quoted, _double_quoted, str)
                        if row[column:column + len(w(place.latex))] == w(place.latex)), None)
        if written is None:
            self.notes.append(f"{place.latex_at}: the latex: string of {edit.verdict.ref} is not written on one line, "
                              f"so fix leaves it as written; it still prints {edit.old} (now {edit.new})")
            return
        for start in starts:
            begin, old, new = signed_replacement(place.latex, start, edit.old, edit.new)
            offset = column + len(written(place.latex[:begin])) - (1 if written is not str else 0)
            if row[offset:offset + len(old)] == old:
                self.add(None, place.latex_at.line, offset + 1, old, written(new)[1:-1] if written is not str else new,
                         edit.verdict, True)


@dataclass(frozen=True, slots=True)
class _Written:
    """A formula as the file writes it: its text, and where it starts (cell, line; ``skip``: the characters before it
    on that line; ``starts``: where each of its lines starts in it, and its end)."""

    latex: str
    cell: int | None
    line: int
    skip: int
    starts: tuple[int, ...]

    def offset(self, line: int, column: int) -> int:
        """The offset in the formula of the file's (``line``, ``column``); -1 outside its lines."""
        return self.starts[line - self.line] + column - 1 - self.skip if 0 <= line - self.line < len(self.starts) - 1 \
            else -1

    def place(self, offset: int) -> tuple[int, int]:
        """The file's (line, column) of an offset in the formula."""
        joined = offset + self.skip
        row = max(i for i, start in enumerate(self.starts[:-1]) if start <= joined)
        return self.line + row, joined - self.starts[row] + 1


@dataclass(frozen=True, slots=True)
class _Visible:
    """The printed arithmetic just before a page's result: its value as written (``before``), whether fix edits a
    number in it, its value with those edits (``after``; None when it cannot be read then), and its text."""

    before: Real
    after: Real | None
    edited: bool
    text: str
    text_after: str


def _result_start(latex: str) -> int | None:
    """Where the last side of ``latex`` (the one that prints the result) starts, when the LaTeX parses; else None."""
    from nncheck.expr.latex import LatexError, parse_partly

    try:
        chains, _ = parse_partly(latex)
    except LatexError:
        return None
    return chains[-1].sides[-1].start if chains and len(chains[-1].sides) > 1 else None


class _Cuts:
    """How :func:`_side_before` cuts a sum into groups of consecutive terms, one per printed term of the shorter sum
    that works it out (``0.5 \\cdot 0.8 - 1.2 - 0.1 = 0.4 - 1.3``): the cut under which most printed terms agree with
    their group's printed arithmetic, when no other cut does as well. The cuts taken are kept, in the order the sums
    were met, so that the same line with fix's edits is read with the same cuts (:meth:`again`)."""

    def __init__(self, text: str, replay: list[list[int] | None] | None = None) -> None:
        self.text = text  # the LaTeX the sums are read from
        self.taken: list[list[int] | None] = []
        self.replay = replay

    def again(self, text: str) -> _Cuts:
        """The cuts taken so far, for ``text`` (the same LaTeX with fix's edits)."""
        return _Cuts(text, list(self.taken))

    def __call__(self, left: Sum, right: Sum) -> list[tuple[Node, Node]] | None:
        from nncheck.audit.page.sides import MAX_GROUPED_TERMS, cuts

        if self.replay is not None:
            cut = self.replay.pop(0) if self.replay else None
            found = None if cut is None or sum(cut) != len(left.terms) or len(cut) != len(right.terms) \
                else self.groups(left, right, cut)
            return None if found is None else found[1]
        best: tuple[int, list[int], list[tuple[Node, Node]]] | None = None
        tied = False
        for cut in cuts(len(left.terms), len(right.terms)) if len(left.terms) <= MAX_GROUPED_TERMS else []:
            scored = self.groups(left, right, cut)
            if scored is None:
                continue
            if best is None or scored[0] > best[0]:
                best, tied = (scored[0], cut, scored[1]), False
            elif scored[0] == best[0]:
                tied = True
        self.taken.append(None if best is None or tied else best[1])
        return None if best is None or tied else best[2]

    def groups(self, left: Sum, right: Sum, cut: list[int]) -> tuple[int, list[tuple[Node, Node]]] | None:
        """The (group, printed term) pairs of one cut, and how many printed terms agree with their group."""
        from nncheck.audit.page.sides import group_node
        from nncheck.audit.page.statements import cells_of, match

        text = self.text
        pairs: list[tuple[Node, Node]] = []
        agreeing, start = 0, 0
        for (sign, term), size in zip(right.terms, cut):
            group = left.terms[start:start + size]
            start += size
            cells = cells_of(term, text)
            if cells is None:
                found = match(group[0][1], term, text) if size == 1 and group[0][0] == sign else None
                if found is None:
                    return None
                pairs += found
                continue
            node = group_node(group, negate=sign == "-")
            value = _arithmetic((node, 0, 1)) if len(cells.printed) == 1 else None
            agreeing += value is not None and _agrees(value, cells.printed[0].text)
            pairs.append((node, term))
        return agreeing, pairs


def _carried(latex: str, edits: Sequence[tuple[int, str, str]]) -> list[tuple[int, str, str, int]]:
    """A number that the sides of ``latex`` carry on unchanged (the 0.05 of ``0.5 \\cdot 0.5 + 0.05 = 0.25 + 0.05``:
    the next side is the same expression with parts worked out, as the page judge matches them, and this number is
    not one of those parts) is one number, written in several places: each of them gets the edit that ``edits``
    (offset, as written, new) makes where it is first written, or none when that place is not edited (a later place
    the page judge took for a restatement of another result is still this number). The edits this adds or changes:
    (offset, as written, new, the offset of the edit it repeats); one that writes the number as it was takes an edit
    of ``edits`` back."""
    from nncheck.audit.page.statements import match
    from nncheck.expr.latex import LatexError, parse_partly
    from nncheck.expr.nodes import Number, walk

    if not edits:
        return []
    try:
        chains = parse_partly(latex)[0]
    except LatexError:
        return []
    following: dict[int, int] = {}  # a number's digits (offset) -> the same number's digits in the next side

    def kept(side: Node, worked: list[tuple[int, int]]) -> list[Node]:
        return [n for n in walk(side) if isinstance(n, Number)
                and not any(start <= n.start < end for start, end in worked)]

    for chain in chains:
        for earlier, side in zip(chain.sides, chain.sides[1:]):
            pairs = match(earlier, side, latex, _Cuts(latex))
            if pairs is None:
                continue
            left = kept(earlier, [_span(part) for part, _ in pairs])
            right = kept(side, [_span(value) for _, value in pairs])
            if len(left) == len(right) and all(latex[a.start:a.end] == latex[b.start:b.end] for a, b in zip(left, right)):
                following.update((a.start, b.start) for a, b in zip(left, right))
    # each number with the numbers that carry it on, as one: the first edit of any of them is the edit of all
    first: dict[int, int] = {}
    for a, b in sorted(following.items()):
        first[b] = first.get(a, a)
    members: dict[int, list[int]] = {}
    for digits in sorted(set(following) | set(following.values())):
        members.setdefault(first.get(digits, digits), []).append(digits)
    written = {o: (old, new) for o, old, new in edits}
    leads = {o + len(old) - len(old.lstrip("+-−( ")): o for o, old, _ in edits}  # an edit by its number's digits
    found: list[tuple[int, str, str, int]] = []
    for group in members.values():
        origin = leads.get(group[0])
        if origin is None:  # the number as first written is kept: so is every place that carries it on
            found += [(leads[digits], written[leads[digits]][0], written[leads[digits]][0], leads[digits])
                      for digits in group[1:] if digits in leads]
            continue
        old, new = written[origin]
        lead = len(old) - len(old.lstrip("+-−( "))  # a sign (or a flipped operator) written with the digits
        for digits in group:
            begin = digits - lead
            if written.get(begin) == (old, new) or latex[begin:begin + len(old)] != old \
                    or any(a != begin and a < begin + len(old) and begin < a + len(b[0]) for a, b in written.items()):
                continue
            found.append((begin, old, new, origin))
    return found


def _side_before(latex: str, at: int, grouping: _Cuts | None = None) -> tuple[Node, int, int] | None:
    """The printed arithmetic that the number of ``latex`` at offset ``at`` (a number, or an entry of a list or matrix
    of printed numbers) gives, when that arithmetic is printed numbers (no name, no plain number alone): the whole side
    before the number's side, when the number's side prints only numbers (``… = 0.584 \\cdot 0.518 = 0.30251``), else
    the part of the side before that the number works out (``0.584 \\cdot 0.518`` in ``… + 0.584 \\cdot 0.518 = 0.0832 +
    0.30251``, the numerator of ``\\frac{0.5 + 0.999}{4} = \\frac{1.499}{4}``), matched as the page judge matches them;
    ``grouping`` cuts a sum worked out into fewer terms. (that arithmetic, the entry's index, the number of entries);
    else None."""
    from nncheck.expr.latex import LatexError, parse_partly
    from nncheck.expr.nodes import Number, is_numeric, printed_cells, printed_number, walk
    from nncheck.audit.page.statements import match

    try:
        chains = parse_partly(latex)[0]
    except LatexError:
        return None
    for chain in chains:
        for k, side in enumerate(chain.sides):
            if not (k and side.start <= at < side.end):
                continue
            earlier, printed = chain.sides[k - 1], side
            if printed_cells(side, latex) is None:
                pairs = match(earlier, side, latex, grouping if grouping is not None else _Cuts(latex))
                earlier, printed = next(((part, value) for part, value in pairs or []
                                         if value.start <= at < value.end), (earlier, side))
            cells = printed_cells(printed, latex)
            if cells is None:
                return None
            index = next((i for i, (_, node) in enumerate(cells[1]) if node.start <= at < node.end), None)
            if index is None or not is_numeric(earlier) or printed_number(earlier, latex) is not None \
                    or not any(isinstance(node, Number) for node in walk(earlier)):
                return None
            return earlier, index, len(cells[1])
    return None


def _span(node: Node) -> tuple[int, int]:
    """Where ``node`` is written: from its first to its last character (a sign nncheck put on a part, which has no
    place of its own, aside)."""
    from nncheck.expr.nodes import walk

    spans = [(n.start, n.end) for n in walk(node) if n.end > n.start]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (node.start, node.end)


def shows_result(latex: str) -> bool:
    """Whether a claim's LaTeX (one line of a spec) prints only results that its visible arithmetic gives: each printed
    number that works out printed arithmetic before it (a side of printed numbers, as its last side; a part of a side,
    ``0.0832 + 0.30251`` after ``… + 0.584 \\cdot 0.518``) agrees with that arithmetic, read and evaluated as a page's
    line is (True when there is none, or the LaTeX cannot be read)."""
    from nncheck.audit.page.statements import match
    from nncheck.expr.latex import LatexError, parse_partly
    from nncheck.expr.nodes import printed_cells

    try:
        chains = parse_partly(latex)[0]
    except LatexError:
        return True
    for chain in chains:
        for earlier, side in zip(chain.sides, chain.sides[1:]):
            whole = printed_cells(side, latex)
            parts = [side] if whole is not None else [value for _, value in match(earlier, side, latex, _Cuts(latex)) or []]
            for part in parts:
                cells = printed_cells(part, latex)
                for _, node in cells[1] if cells is not None else []:
                    found = _side_before(latex, node.start)
                    value = None if found is None else _arithmetic(found)
                    if value is not None and not _agrees(value, latex[node.start:node.end]):
                        return False
    return True


def _arithmetic(found: tuple[Node, int, int]) -> Real | None:
    """The value of printed arithmetic, each number exact as written (never the page's text run: its parsed tree
    evaluated); None when it is not one number or cannot be evaluated."""
    from nncheck.errors import Undecided
    from nncheck.expr.evaluate import Evaluator

    node, index, size = found
    try:
        value = Evaluator().value(node)
    except (ArithmeticError, ValueError, TypeError, KeyError, Undecided):
        value = _outer(node)
        if value is None:
            return None
    if value.size != size:
        return None
    result = value.reshape(-1)[index]
    return result if isinstance(result, Real) and not isinstance(result, NoValue) else None


def _outer(node: Node) -> Any:
    """Two printed columns multiplied, ``[a; b] \\times [1; 2]``, as a page writes an outer product (a gradient
    δ·xᵀ): the matrix of their products, row by row; None for any other form."""
    import numpy as np

    from nncheck.errors import Undecided
    from nncheck.expr.evaluate import Evaluator
    from nncheck.expr.nodes import Product

    if not isinstance(node, Product) or len(node.factors) != 2 or any(op not in ("×", "\\cdot", "·", "")
                                                                       for op, _ in node.factors):
        return None
    try:
        left, right = (Evaluator().value(factor) for _, factor in node.factors)
    except (ArithmeticError, ValueError, TypeError, KeyError, Undecided):
        return None
    if left.ndim != 2 or right.ndim != 2 or left.shape[1] != 1 or right.shape[1] != 1:
        return None
    try:
        return np.array([[a * b for b in right[:, 0]] for a in left[:, 0]], dtype=object)
    except (ArithmeticError, ValueError, TypeError, Undecided):
        return None


def _agrees(value: Real, text: str) -> bool:
    """Whether ``value`` rounds to the number printed as ``text`` (a tie either way; True when undecided)."""
    from nncheck.audit.enclose import rounds_to
    from nncheck.errors import Undecided

    printed = _plain(text)
    if printed is None:
        return True
    try:
        return rounds_to(value, printed)
    except Undecided:
        return True


def _printed_as(value: Real, stated: str) -> str | None:
    """``value`` printed as ``stated`` is (a plain decimal), when that rounding is certain (not a tie); else None."""
    printed = _plain(stated)
    if printed is None or _EXPONENT.fullmatch(stated) is not None:
        return None
    if value.exact is not None:
        approximate = value.exact
    else:
        try:
            approximate = Fraction(float(value.ball.mid()))  # type: ignore[union-attr]
        except (ValueError, OverflowError, TypeError, AttributeError):
            return None
    text = printed_like(approximate, showing(approximate, printed))
    return text if text is not None and _agrees(value, text) else None


def _shows_nothing(text: str, exact: str) -> bool:
    """Whether ``text`` prints 0 (no significant digit) for a value, ``exact``, that is not 0."""
    printed = _plain(text)
    try:
        return printed is not None and printed.value == 0 and Fraction(exact) != 0
    except (ValueError, ZeroDivisionError):
        return False


def _plain(text: str) -> Printed | None:
    """``text`` as a printed number (either minus), or None when it is another form (a list, a percentage)."""
    try:
        return parse_printed(text.replace("−", "-"))
    except ValueError:
        return None


def _element(ref: str) -> str:
    """The element a statement's ref names: its index suffix (``[0]``, ``[1,0]``), or "" for a number."""
    match = re.search(r"\[[0-9, ]+\]$", ref)
    return match.group(0) if match else ""


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _double_quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def signed_replacement(text: str, start: int, old: str, new: str, minus: str = "-") -> tuple[int, str, str]:
    """Replace the number ``old`` whose digits begin at ``text[start]`` by ``new``: (where, what, by what).

    A minus written just before the digits (``-0.0755 \\cdot``) is part of the number. A sign written apart from them
    stays when ``new`` keeps the sign; when the fix changes the sign, a binary ``-`` or ``+`` before the number is
    flipped (``0.8 - 0.165`` for 0.8 − g becomes ``0.8 + 0.165`` when g is −0.165), and anywhere else the new value
    is written in parentheses (``0.05 \\times (-2.197)``). The page's minus (- or −) is kept: the line's, else
    ``minus``, the page's.
    """
    page = "−" if "−" in text or minus == "−" else "-"
    negative_old, negative_new = old[:1] in "-−", new[:1] in "-−"
    magnitude = old.lstrip("-−")
    end = start + len(magnitude)
    if start > 0 and text[start - 1] in "-−" and negative_old:
        return start - 1, text[start - 1:end], _minus_as(text[start - 1], new)
    if negative_old == negative_new:
        return start, magnitude, new.lstrip("-−")
    operator = len(text[:start].rstrip()) - 1
    if operator >= 0 and text[operator] in "+-−" and text[:operator].rstrip()[-1:] not in ("", "(", "{", "=", "[", ","):
        flipped = {"+": page, "-": "+", "−": "+"}[text[operator]]
        return operator, text[operator:end], flipped + text[operator + 1:start] + new.lstrip("-−")
    minus = _minus_as(page, new)
    before, after = text[:start].rstrip()[-1:], text[end:].lstrip()[:1]
    if before in ("(", "{", "[", ",", "=", "&", "") and after in (")", "}", "]", ",", "\\", "&", "$", ""):
        return start, magnitude, minus  # alone between delimiters: σ(0.1) becomes σ(-0.1), not σ((-0.1))
    return start, magnitude, "(" + minus + ")"


def numbers_in(latex: str, stated: str) -> list[int]:
    """Where the digits of each number of ``latex`` printed as ``stated`` begin, in order (read by the LaTeX parser,
    so that 0.2 is not found inside 10.25 or a subscript)."""
    from nncheck.expr.latex import LatexError, parse_partly
    from nncheck.expr.nodes import Number, walk

    try:
        chains = parse_partly(latex)[0]
    except LatexError:
        return []
    digits = stated.lstrip("-−")
    return sorted({node.start for chain in chains for side in chain.sides for node in walk(side)
                   if isinstance(node, Number) and node.printed.text == digits})


def _core(stated: str) -> tuple[str, Fraction] | None:
    """The decimal a printed value is written with, and the factor from the value to that decimal: ``0.5`` is itself
    (factor 1), ``83.2%`` is 83.2 (factor 100), ``3 \\times 10^{-3}`` is 3 (factor 10^3; the exponent as printed stays).
    None for any other form."""
    try:
        parse_printed(stated)
        return stated, Fraction(1)
    except ValueError:
        pass
    if stated.endswith("%"):
        try:
            parse_printed(stated[:-1])
            return stated[:-1], Fraction(100)
        except ValueError:
            return None
    from nncheck.expr.latex import LatexError, parse_display
    from nncheck.expr.nodes import Product, printed_number

    try:
        chains = parse_display(stated)
    except LatexError:
        return None
    if len(chains) != 1 or len(chains[0].sides) != 1:
        return None
    node = chains[0].sides[0]
    whole = printed_number(node, stated)
    if not isinstance(node, Product) or whole is None:
        return None
    mantissa = node.factors[0][1]
    leading = printed_number(mantissa, stated)
    if leading is None or mantissa.start != 0:
        return None
    return stated[:mantissa.end], Fraction(10) ** (leading.last_place - whole.last_place)


def _places(scale: Fraction) -> int:
    """The power of ten of a factor 10^k (k may be negative)."""
    places, value = 0, scale
    while value >= 10:
        value, places = value / 10, places + 1
    while value < 1:
        value, places = value * 10, places - 1
    return places


def _minus_as(written: str, new: str) -> str:
    """``new`` with the minus sign the page wrote where it is replaced: "−" after a "−", "-" after a "-" (a copy keeps
    its line's spelling though its statement used the other)."""
    if new.startswith(("-", "−")) and written.startswith(("-", "−")):
        return written[0] + new[1:]
    return new


def _place(lines: list[str], verdict: Verdict) -> tuple[int, int, str] | None:
    """The number's line, column and text as written: at its location, or just inside a quote there (a spec's
    "0.0580"); written with the Unicode minus where the verdict has "-"."""
    line, column = verdict.location.line, verdict.location.column
    if not 1 <= line <= len(lines):
        return None
    row = lines[line - 1]
    for written in dict.fromkeys((verdict.stated, verdict.stated.replace("-", "−", 1))):
        for start in (column - 1, column):
            if row[start:start + len(written)] == written:
                return line, start + 1, written
    return None


def apply(text: str, plan: Plan, cell: int | None = None) -> str:
    """``text`` with every edit of ``plan`` made (those of one notebook ``cell``); line endings and everything else
    as they were. Lines are counted as the readers count them: a line ends at \\n, \\r\\n or \\r."""
    rows = _LINE_ENDS.split(text)  # lines and their endings, alternating
    for edit in sorted((e for e in plan.edits if e.cell == cell), key=lambda e: (e.line, -e.column)):
        row = rows[2 * (edit.line - 1)]
        start = edit.column - 1
        rows[2 * (edit.line - 1)] = row[:start] + edit.new + row[start + len(edit.old):]
    return "".join(rows)


_LINE_ENDS = re.compile(r"(\r\n|\r|\n)")


# Rounds of fix and audit again: a value fixed in one round can show that a later statement of it was a copy.
MAX_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Fixed:
    """A file's text before and after, and what was changed (per verdict kind) or left alone."""

    before: str
    after: str
    changed: tuple[Edit, ...]
    unfixed: tuple[tuple[Verdict, str], ...]
    notes: tuple[str, ...] = ()


def fix_text(path: str, text: str, kinds: tuple[Kind, ...] = FIXED_KINDS) -> Fixed:
    """Audit ``text`` (the file at ``path``, by its suffix), replace its findings of ``kinds``, and again, until a round
    changes nothing (at most MAX_ROUNDS). Raises UsageError for a kind of file fix does not edit (a notebook), and the
    readers' SpecError for a file that cannot be read."""
    from pathlib import Path

    from nncheck.errors import UsageError
    from nncheck.readers import PAGES, SPEC_SUFFIXES

    suffix = Path(path).suffix.lower()
    if suffix == ".ipynb":
        return _fix_notebook(path, text, kinds)
    if suffix not in SPEC_SUFFIXES and not any(suffix in suffixes for suffixes, _, _ in PAGES.values()):
        from nncheck.readers import kinds as readable

        raise UsageError(f"nncheck fix edits the files nncheck reads: {readable()}; not {path!r}")
    if suffix in (".yaml", ".yml"):
        return _fix_spec(path, text, kinds)
    return _rounds(path, text, kinds, 1)


def _rounds(path: str, text: str, kinds: tuple[Kind, ...], rounds: int, more: dict[str, int] | None = None,
            left: dict[Location, str] | None = None) -> Fixed:
    """Fix ``text`` in up to ``rounds`` rounds of audit and replacements, until a round changes nothing (``more`` and
    ``left``: as :func:`edits` takes them)."""
    from pathlib import Path

    from nncheck.audit import audit
    from nncheck.readers import parse

    suffix = Path(path).suffix.lower()
    current, changed = text, list[Edit]()
    unfixed: tuple[tuple[Verdict, str], ...] = ()
    notes: tuple[str, ...] = ()
    # A spec's claims are values: fix and audit again until nothing changes. On a page, one round: every value from the
    # page's original true chain, with the copies the page judge tied to each fixed statement (a page's truth can rest
    # on its printed numbers, so a second audit of a half-fixed page is not a reference).
    for _ in range(rounds):
        normalized = current.replace("\r\n", "\n").replace("\r", "\n")
        document = parse(normalized, path)
        plan = edits(audit(document, diagnose=0), normalized, kinds, more=more, left=left, document=document)
        if suffix in (".html", ".htm"):
            plan = _outside_renderings(plan, normalized)
        unfixed = plan.unfixed
        notes += plan.notes
        if not plan.edits:
            break
        changed += plan.edits
        current = apply(current, plan)
    return Fixed(text, current, tuple(changed), unfixed, tuple(dict.fromkeys(notes)))


def _claims(path: str, text: str) -> tuple[dict[Location, str], dict[Location, list[str]], dict[str, str]]:
    """A spec's claims: the LaTeX of each (by the claim's location), the refs of the claims whose values each uses,
    and each claim value's printed form (by ref)."""
    from nncheck.readers import parse

    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    latex: dict[Location, str] = {}
    used: dict[Location, list[str]] = {}
    stated: dict[str, str] = {}
    spec = parse(normalized, path)
    for claim in getattr(spec, "claims", ()):
        if claim.place.latex is not None:
            latex[claim.place.spec] = claim.place.latex
        used[claim.place.spec] = [use.ref.split(":", 1)[-1] for use in claim.uses]
        stated.update((element.ref, element.printed.text) for element in claim.elements)
    return latex, used, stated


def _fix_spec(path: str, text: str, kinds: tuple[Kind, ...]) -> Fixed:
    """A spec fixed in rounds (:func:`_rounds`), with every claim's ``latex:`` kept consistent: a LaTeX whose last
    side agreed with the visible arithmetic just before it, or which fix rewrites, agrees after the fix. When a
    rewritten copy of a used value breaks that, the used claim's value is written (there and in every copy of it) to
    the fewest of 1 to 3 more digits that keep every such LaTeX right; else the claim is left as printed, and listed."""
    latex, used, stated = _claims(path, text)
    agreed = {claim: shows_result(written) for claim, written in latex.items()}
    more: dict[str, int] = {}
    left: dict[Location, str] = {}

    def wrong(fixed: Fixed) -> list[Location]:
        after = _claims(path, fixed.after)[0]
        return [claim for claim, written in after.items() if claim not in left and not shows_result(written)
                and (agreed.get(claim, True) or latex.get(claim) != written)]

    fixed = _rounds(path, text, kinds, MAX_ROUNDS)
    for _ in range(len(latex) + 1):
        bad = wrong(fixed)
        if not bad:
            break
        claim, found = bad[0], None
        refs = [ref for ref in dict.fromkeys(used.get(claim, [])) if ref in stated]
        for extra in range(1, 4):
            for ref in refs:
                own = _plain(stated[ref])
                if own is None or own.last_place > 0 or _EXPONENT.fullmatch(stated[ref]) is not None:
                    continue
                trial_more = {**more, ref: own.last_place - extra}
                trial = _rounds(path, text, kinds, MAX_ROUNDS, trial_more, left)
                if set(wrong(trial)) < set(bad):
                    found = trial, trial_more
                    break
            if found is not None:
                break
        if found is not None:
            fixed, more = found
            continue
        left[claim] = ("with the copies fix writes in its latex:, the arithmetic of its last step would disagree with "
                       "its printed result, even with up to 3 more digits in the values it uses; fix leaves the claim "
                       "as printed")
        fixed = _rounds(path, text, kinds, MAX_ROUNDS, more, left)
    return fixed


def _outside_renderings(plan: Plan, text: str) -> Plan:
    """An HTML page's plan without the edits inside the TeX annotation of a formula shown rendered (KaTeX, MathML):
    those are listed as not fixed, since the rendering beside them would still show the old number."""
    from nncheck.readers.html import rendered_spans

    spans = rendered_spans(text)
    if not spans:
        return plan
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    kept, unfixed = [], list(plan.unfixed)
    for edit in plan.edits:
        offset = starts[edit.line - 1] + edit.column - 1
        if any(start <= offset < end for start, end in spans):
            unfixed.append((edit.verdict, f"{edit.old} at line {edit.line}, column {edit.column} is the TeX annotation "
                                          "of a formula the page shows rendered; re-render the page from its source"))
        else:
            kept.append(edit)
    return Plan(tuple(kept), tuple(unfixed), plan.notes)


def _fix_notebook(path: str, text: str, kinds: tuple[Kind, ...]) -> Fixed:
    """A notebook's markdown cells fixed as a page is (one round, copies included), and the JSON written back as
    nbformat writes it — only for a notebook already in that layout (``nbformat.writes`` of what it reads gives the
    file back, with or without the final newline Jupyter adds), so nothing else changes."""
    import nbformat

    from nncheck.audit import audit
    from nncheck.errors import UsageError
    from nncheck.readers.notebook import parse_notebook, without_id_warnings

    try:
        with without_id_warnings():
            notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    except Exception:  # nbformat raises several kinds for a file that is not a notebook; the reader says which
        parse_notebook(text, path)
        raise
    with without_id_warnings():
        written = nbformat.writes(notebook)  # type: ignore[no-untyped-call]
    if text not in (written, written + "\n"):
        raise UsageError(f"{path}: its JSON is not laid out as nbformat writes it (indentation, key order), so a fix "
                         "could not leave the rest of the file unchanged; save it from Jupyter, or fix the cells by hand")
    ending = text[len(written):]
    sources = {number: "".join(body) if isinstance(body := cell.get("source", ""), list) else str(body)
               for number, cell in enumerate(notebook.cells, start=1) if cell.get("cell_type") == "markdown"}
    document = parse_notebook(text, path)
    plan = edits(audit(document, diagnose=0), "", kinds, cells=sources, document=document)
    for number in sorted({edit.cell for edit in plan.edits if edit.cell is not None}):
        notebook.cells[number - 1]["source"] = apply(sources[number], plan, number)
    with without_id_warnings():
        after = nbformat.writes(notebook) + ending if plan.edits else text  # type: ignore[no-untyped-call]
    return Fixed(text, after, plan.edits, plan.unfixed)


def diff(path: str, before: str, after: str) -> str:
    """A unified diff of the fix, as formatters print it."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


__all__ = ["FIXED_KINDS", "Edit", "Fixed", "Plan", "apply", "diff", "edits", "fix_text", "printed_like", "showing"]
