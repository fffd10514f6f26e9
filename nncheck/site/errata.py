"""What a document's errata page says, as data: entries in document order and the corrections to make.

A Correction is one finding written so a reader can act on it: the step, what the document prints,
what it should print, how the right value is computed, and which other printed numbers it touches
(earlier statements it contradicts, the statements it was carried from, the numbers carried from it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from nncheck.audit import Audit, Kind, Verdict
from nncheck.audit.enclose import midpoint
from nncheck.errors import Location
from nncheck.network import ball, evaluate
from nncheck.network.backend import Array
from nncheck.printed import Printed, format_fraction, parse_printed
from nncheck.expr.nodes import Call, Symbol
from nncheck.records import ModelSpec, Place, Spec, Stated
from nncheck.report.common import subject
from nncheck.site import markup, mathml
from nncheck.audit.derive import Derivation, derive, number

# The order of the Corrections section: what fails first, then what only needs a digit, then what follows.
GROUPS: tuple[tuple[str, tuple[Kind, ...]], ...] = (
    ("Wrong and contradicting", (Kind.WRONG, Kind.CONTRADICTION)),
    ("Rounding slips", (Kind.SLIP,)),
    ("Carried forward", (Kind.CARRIED,)),
    ("Undecided", (Kind.UNDECIDED,)),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One judged number as the page shows it."""

    verdict: Verdict
    subject: str  # the reader's name, e.g. ∂L/∂W1[0,1]; the arithmetic for an equation
    step: str
    anchor: str  # the id of the section that details it
    should_say: str  # the true value rounded to the digits the document printed
    derivation: Derivation | None  # None for equations (their expression is the derivation)


@dataclass(frozen=True, slots=True)
class Correction:
    """A finding written as an erratum."""

    entry: Entry
    earlier: tuple[Entry, ...]  # earlier statements of the same element with a disjoint interval
    later: tuple[Entry, ...]  # later ones
    carried_from: tuple[Entry, ...]
    carried_into: tuple[Entry, ...]  # later numbers computed from this one, directly or not
    # The diagnosis's hypotheses, simplest first, each with its recomputation; the page shows them as
    # "Possible cause" (they are hypotheses, never facts).
    diagnoses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """One claim or equation of the document, in document order."""

    id: str
    anchor: str
    place: Place
    entries: tuple[Entry, ...]
    latex_problem: str | None  # why the recorded LaTeX cannot be rendered, if it cannot
    expression: str | None = None  # for an equation
    kind: str = "Claim"  # "Claim", or "Display equation" on a page's errata


@dataclass(frozen=True, slots=True)
class Errata:
    """Everything one document's page shows."""

    slug: str
    audit: Audit
    corrections: tuple[tuple[str, tuple[Correction, ...]], ...]  # (group heading, corrections), non-empty groups
    claims: tuple[Section, ...]
    equations: tuple[Section, ...]
    model: bool = False  # a spec in the general form (its derivations are the model's formulas)


def should_say(value: Fraction, printed: Printed) -> str:
    """``value`` rounded (half-even) to the last digit the document printed."""
    if printed.last_place <= 0:
        return format_fraction(value, -printed.last_place)
    unit = 10**printed.last_place
    return str(round(value / unit) * unit)


def _statements(spec: Spec | ModelSpec) -> dict[str, Stated]:
    return {s.ref: s for claim in spec.claims for s in (*claim.uses, *claim.elements)}


def _entry(verdict: Verdict, statement: Stated | None, anchor: str, spec: Spec | ModelSpec, values: Mapping[str, Array],
           depth: int) -> Entry:
    printed = parse_printed(verdict.stated)
    if statement is None:  # an equation
        return Entry(verdict, subject(verdict, depth), verdict.place.step, anchor, _stated_should_say(verdict), None)
    true = values[statement.quantity][statement.index]
    found = derive(statement.quantity, statement.index, spec.network, values) if isinstance(spec, Spec) \
        else _model_derivation(spec, statement.quantity, statement.index, values)
    derivation = dataclasses.replace(found, value=verdict.exact)
    return Entry(verdict, subject(verdict, depth), verdict.place.step, anchor, should_say(midpoint(true), printed), derivation)


def _model_derivation(spec: ModelSpec, quantity: str, index: tuple[int, ...], values: Mapping[str, Array]) -> Derivation:
    """A model's quantity as its formula (an entry of a list or matrix as index(formula, i)); a given has none."""
    from nncheck.expr.printer import num
    from nncheck.network.graph import spec_table

    step = spec_table(spec).get(quantity)
    label = Symbol(quantity + (f"[{','.join(map(str, index))}]" if index else ""), 0, 0)
    value = number(values[quantity][index])
    if step is None:
        return Derivation(label, None, None, value)
    formula = step.formula if not index else Call("index", (step.formula, *(num(str(i)) for i in index)), 0, 0)
    return Derivation(label, formula, None, value)


def _carried_into(ref: str, entries: Mapping[str, Entry]) -> tuple[Entry, ...]:
    """Every entry whose value was carried, directly or through others, from ``ref``; in document order."""
    carriers: dict[str, list[str]] = {}
    for other in entries.values():
        for source in other.verdict.inherits_from:
            carriers.setdefault(source, []).append(other.verdict.ref)
    found: set[str] = set()
    pending = [ref]
    while pending:
        for carrier in carriers.get(pending.pop(), []):
            if carrier not in found:
                found.add(carrier)
                pending.append(carrier)
    return tuple(entry for key, entry in entries.items() if key in found)


def _correction(entry: Entry, statements: Mapping[str, Entry]) -> Correction:
    """The erratum of one finding; ``statements`` are the claims' entries by ref, in document order."""
    diagnoses = tuple(hypothesis.summary() for hypothesis in entry.verdict.hypotheses)
    if entry.verdict.subject == "equation":
        return Correction(entry, (), (), (), (), diagnoses)
    order = list(statements)
    position = order.index(entry.verdict.ref)
    conflicts = [statements[ref] for ref in entry.verdict.conflicts_with if ref in statements]
    return Correction(
        entry=entry,
        earlier=tuple(e for e in conflicts if order.index(e.verdict.ref) < position),
        later=tuple(e for e in conflicts if order.index(e.verdict.ref) > position),
        carried_from=tuple(statements[ref] for ref in entry.verdict.inherits_from if ref in statements),
        carried_into=_carried_into(entry.verdict.ref, statements),
        diagnoses=diagnoses,
    )


def slug(path: str, taken: set[str]) -> str:
    """The page name of a spec: its file name's stem, made safe and unique among ``taken``."""
    return markup.anchor(Path(path).stem, taken)


def errata(spec: Spec | ModelSpec, audit: Audit, page_slug: str) -> Errata:
    """The page of one audited spec (a layered network's, or a model's in the general form)."""
    depth = audit.depth
    with ball.precision(audit.precision):
        values = evaluate(spec.network, ball) if isinstance(spec, Spec) else _model_values(spec)
    statements = _statements(spec)
    anchors: set[str] = set()
    claim_anchor = {claim.id: markup.anchor(claim.id, anchors, "claim") for claim in spec.claims}
    equation_anchor = {equation.id: markup.anchor(equation.id, anchors, "equation") for equation in spec.equations}
    in_order: list[Entry] = []
    for verdict in audit.verdicts:
        if verdict.subject == "equation":
            in_order.append(_entry(verdict, None, equation_anchor[verdict.ref], spec, values, depth))
        else:
            statement = statements[verdict.ref]
            in_order.append(_entry(verdict, statement, claim_anchor[statement.claim_id], spec, values, depth))
    by_ref = {entry.verdict.ref: entry for entry in in_order if entry.derivation is not None}
    equation_entries = {entry.verdict.ref: entry for entry in in_order if entry.derivation is None}
    claims = tuple(
        Section(claim.id, claim_anchor[claim.id], claim.place,
                tuple(by_ref[s.ref] for s in (*claim.uses, *claim.elements) if s.ref in by_ref),
                mathml.problem(claim.place.latex) if claim.place.latex else None)
        for claim in spec.claims
    )
    equations = tuple(
        Section(equation.id, equation_anchor[equation.id], equation.place, (equation_entries[equation.id],),
                mathml.problem(equation.place.latex) if equation.place.latex else None, expression=equation.source)
        for equation in spec.equations
    )
    corrections = tuple(
        (heading, tuple(_correction(entry, by_ref) for entry in in_order if entry.verdict.kind in kinds))
        for heading, kinds in GROUPS
    )
    return Errata(page_slug, audit, tuple(group for group in corrections if group[1]), claims, equations,
                  model=isinstance(spec, ModelSpec))


def _model_values(spec: ModelSpec) -> Mapping[str, Array]:
    from nncheck.network.core import run
    from nncheck.network.graph import model_givens, spec_table

    return run(spec_table(spec), model_givens(spec.model, ball, spec.loop), ball)


def _stated_should_say(verdict: Verdict) -> str:
    """The true value rounded to the printed digits, from the verdict's exact text (a page or an equation has no
    network quantity to recompute); the text itself when it is not a number ("undefined")."""
    try:
        return should_say(Fraction(verdict.exact), parse_printed(verdict.stated))
    except (ValueError, ZeroDivisionError):
        return verdict.exact  # "undefined", a shape error, or a value written in scientific notation


def _line_of(location: Location) -> str:
    """'line 3', or in a notebook 'cell 2, line 3' (lines count within the cell)."""
    return f"line {location.line}" if location.cell is None else f"cell {location.cell}, line {location.line}"


def page_errata(audit: Audit, page_slug: str) -> Errata:
    """The page of one audited Markdown page: one section per display equation, its numbers in page order.

    A page has no network, so an entry's derivation is its equation as printed (the section's LaTeX)
    and its true value; agreements between two expressions are the page's "equations".
    """
    anchors: set[str] = set()
    sections: dict[str, tuple[str, Place]] = {}
    in_order: list[Entry] = []
    for verdict in audit.verdicts:
        key = str(verdict.place.spec)
        if key not in sections:
            sections[key] = (markup.anchor(verdict.place.step + " " + _line_of(verdict.place.spec), anchors, "display"), verdict.place)
        anchor = sections[key][0]
        if verdict.expression is not None and verdict.subject == "equation" and not _is_number(verdict.stated):
            in_order.append(Entry(verdict, f"{verdict.expression} = {verdict.stated}", verdict.place.step, anchor,
                                  verdict.exact, None))
        else:
            in_order.append(Entry(verdict, subject(verdict, audit.depth), verdict.place.step, anchor,
                                  _stated_should_say(verdict), None))
    named = {entry.verdict.ref: entry for entry in in_order if entry.verdict.subject != "equation"}
    displays = tuple(
        Section(_line_of(place.spec), anchor, place, tuple(e for e in in_order if str(e.verdict.place.spec) == key),
                mathml.problem(place.latex) if place.latex else None, kind="Display equation")
        for key, (anchor, place) in sections.items()
    )
    corrections = tuple(
        (heading, tuple(_correction(entry, named) for entry in in_order if entry.verdict.kind in kinds))
        for heading, kinds in GROUPS
    )
    return Errata(page_slug, audit, tuple(group for group in corrections if group[1]), displays, ())


def _is_number(text: str) -> bool:
    try:
        parse_printed(text)
    except ValueError:
        return False
    return True

