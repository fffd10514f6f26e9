"""Stage 4 (fix): the corrected document — every number judged wrong, slipped, carried or contradicted replaced by
its true value, printed as the original was (same decimals or exponent form, trailing zeros, sign style).

Edits are found, not written: :func:`edits` gives each replacement with its place (line and column, 1-based, of
the number in the file), :func:`apply` writes them into the file's text (everything else byte-for-byte unchanged),
:func:`diff` shows them as a unified diff. A number whose true value lies too close to a rounding boundary to be
printed with its digits is left alone and listed as not fixed. A notebook's markdown cells are edited and its JSON
written back as nbformat writes it, for a notebook already in that layout.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from fractions import Fraction

from nncheck.findings import Audit, Kind, Verdict
from nncheck.printed import Printed, format_fraction, parse_printed

# The verdicts fix replaces by default, and their names for --only.
FIXED_KINDS = (Kind.WRONG, Kind.SLIP, Kind.CARRIED, Kind.CONTRADICTION)
_EXPONENT = re.compile(r"(?P<sign>[+\-−]?)(?P<mantissa>[0-9]+(?:\.(?P<decimals>[0-9]*))?)(?P<e>[eE])(?P<exponent>[+\-]?[0-9]+)")


@dataclass(frozen=True, slots=True)
class Edit:
    """One number to replace: where it is (1-based line and column of its first character), as printed, and its fix."""

    line: int
    column: int
    old: str
    new: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Plan:
    edits: tuple[Edit, ...]
    unfixed: tuple[tuple[Verdict, str], ...]  # numbers left alone, with the reason


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
        if rounded is None:
            return None
        body = format_fraction(abs(rounded), decimals) if decimals or "." in match["mantissa"] else str(abs(rounded))
        if "." in match["mantissa"] and not decimals:
            body += "."
        return (minus if rounded < 0 else plus) + body + match["e"] + match["exponent"]
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


def edits(audit: Audit, text: str, kinds: tuple[Kind, ...] = FIXED_KINDS) -> Plan:
    """The replacements for ``audit``'s findings of ``kinds`` in the file's ``text`` (the text the audit read)."""
    lines = text.split("\n")
    found: list[Edit] = []
    unfixed: list[tuple[Verdict, str]] = []
    seen: set[tuple[int, int]] = set()
    for verdict in audit.verdicts:
        if verdict.kind not in kinds or verdict.location.cell is not None:
            if verdict.kind in kinds:
                unfixed.append((verdict, "a notebook's numbers are fixed through its cells (nncheck fix FILE.ipynb)"))
            continue
        if verdict.subject == "equation" and verdict.kind is Kind.CARRIED:
            unfixed.append((verdict, "it is the arithmetic of the numbers its line substitutes; fix those, then this"))
            continue
        try:
            printed = parse_printed(verdict.stated)
        except ValueError:
            unfixed.append((verdict, "its printed form is not a single number fix rewrites yet (a list, a percentage, × 10^k)"))
            continue
        try:
            true = Fraction(verdict.exact)
        except (ValueError, ZeroDivisionError):
            unfixed.append((verdict, f"its true value is {verdict.exact}"))
            continue
        if parse_printed(verdict.exact).last_place >= printed.last_place and _rounded(true, printed.last_place) != true:
            unfixed.append((verdict, "its true value is not known to more digits than printed"))
            continue
        new = printed_like(true, printed)
        where = _place(lines, verdict)
        if new is None:
            unfixed.append((verdict, "its true value is exactly half-way between two printed values"))
        elif where is None:
            unfixed.append((verdict, f"its printed form at {verdict.location} is not a single number fix rewrites yet "
                                     "(a list, a percentage, × 10^k)"))
        elif where[:2] not in seen and new != verdict.stated:
            seen.add(where[:2])
            old = where[2]
            if old.startswith("−"):  # the page's minus sign, kept
                new = "−" + new.lstrip("-−") if new.startswith(("-", "−")) else new
            found.append(Edit(where[0], where[1], old, new, verdict))
    # A page's copies of a fixed statement (the value substituted again, restated in later arithmetic) get its fix too,
    # so that the page's arithmetic stays its own.
    by_ref = {edit.verdict.ref: edit for edit in found}
    for ref, location in audit.copies:
        edit = by_ref.get(ref)
        if edit is None or location.cell is not None:
            continue
        copy = Verdict(kind=edit.verdict.kind, ref=ref, subject=edit.verdict.subject, stated=edit.old.replace("−", "-"),
                       place=edit.verdict.place, location=location, exact=edit.verdict.exact, own=None, relative_error=None)
        where = _place(lines, copy)
        if where is not None and where[:2] not in seen:
            seen.add(where[:2])
            new = "−" + edit.new.lstrip("-−") if where[2].startswith("−") and edit.new.startswith(("-", "−")) else edit.new
            found.append(Edit(where[0], where[1], where[2], new, edit.verdict))
    return Plan(tuple(found), tuple(unfixed))


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


def apply(text: str, plan: Plan) -> str:
    """``text`` with every edit made; line endings and everything else as they were."""
    rows = text.splitlines(keepends=True)
    for edit in sorted(plan.edits, key=lambda e: (e.line, -e.column)):
        row = rows[edit.line - 1]
        start = edit.column - 1
        rows[edit.line - 1] = row[:start] + edit.new + row[start + len(edit.old):]
    return "".join(rows)


def _parser(suffix: str) -> tuple[str, str] | None:
    """The module and function that read a file's text, by its suffix: the readers' table (nncheck.readers.PAGES),
    each reader's parse_… beside its read_…; a spec's parse_spec."""
    from nncheck.readers import PAGES, SPEC_SUFFIXES

    if suffix in SPEC_SUFFIXES:
        return "nncheck.readers.spec", "parse_spec"
    for suffixes, module, function in PAGES.values():
        if suffix in suffixes:
            return module, function.replace("read_", "parse_", 1)
    return None


# Rounds of fix and audit again: a value fixed in one round can show that a later statement of it was a copy.
MAX_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Fixed:
    """A file's text before and after, and what was changed (per verdict kind) or left alone."""

    before: str
    after: str
    changed: tuple[Edit, ...]
    unfixed: tuple[tuple[Verdict, str], ...]


def fix_text(path: str, text: str, kinds: tuple[Kind, ...] = FIXED_KINDS) -> Fixed:
    """Audit ``text`` (the file at ``path``, by its suffix), replace its findings of ``kinds``, and again, until a round
    changes nothing (at most MAX_ROUNDS). Raises UsageError for a kind of file fix does not edit (a notebook), and the
    readers' SpecError for a file that cannot be read."""
    import importlib
    from pathlib import Path

    from nncheck.audit import audit
    from nncheck.errors import UsageError

    suffix = Path(path).suffix.lower()
    if suffix == ".ipynb":
        return _fix_notebook(path, text, kinds)
    found = _parser(suffix)
    if found is None:
        raise UsageError(f"nncheck fix edits specs (.yaml, .yml), Markdown (.md), notebooks (.ipynb), HTML (.html) and "
                         f"LaTeX (.tex) files, not {path!r}")
    module, name = found
    parse = getattr(importlib.import_module(module), name)
    current, changed = text, list[Edit]()
    unfixed: tuple[tuple[Verdict, str], ...] = ()
    # A spec's claims are values: fix and audit again until nothing changes. On a page, one round: every value from the
    # page's original true chain, with the copies the page judge tied to each fixed statement (a page's truth can rest
    # on its printed numbers, so a second audit of a half-fixed page is not a reference).
    rounds = MAX_ROUNDS if suffix in (".yaml", ".yml") else 1
    for _ in range(rounds):
        normalized = current.replace("\r\n", "\n").replace("\r", "\n")
        plan = edits(audit(parse(normalized, path), diagnose=0), normalized, kinds)
        unfixed = plan.unfixed
        if not plan.edits:
            break
        changed += plan.edits
        current = apply(current, plan)
    return Fixed(text, current, tuple(changed), unfixed)


def _fix_notebook(path: str, text: str, kinds: tuple[Kind, ...]) -> Fixed:
    """A notebook's markdown cells fixed, the JSON written back as nbformat writes it — only for a notebook that is
    already in that layout (``nbformat.writes`` of what it reads gives the file back), so nothing else changes."""
    import nbformat

    from nncheck.audit import audit
    from nncheck.errors import UsageError
    from nncheck.readers.notebook import parse_notebook

    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    if nbformat.writes(notebook) != text:  # type: ignore[no-untyped-call]
        raise UsageError(f"{path}: its JSON is not laid out as nbformat writes it (indentation, key order), so a fix "
                         "could not leave the rest of the file unchanged; save it from Jupyter, or fix the cells by hand")
    current, changed = text, list[Edit]()
    unfixed: tuple[tuple[Verdict, str], ...] = ()
    for _ in range(MAX_ROUNDS):
        cells = nbformat.reads(current, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
        result = audit(parse_notebook(current, path), diagnose=0)
        round_edits: list[Edit] = []
        unfixed_now: list[tuple[Verdict, str]] = []
        sources: dict[int, str] = {}
        for verdict in result.verdicts:
            if verdict.kind not in kinds or verdict.location.cell is None:
                continue
            number = verdict.location.cell
            source = sources.get(number)
            if source is None:
                body = cells.cells[number - 1].get("source", "")
                source = "".join(body) if isinstance(body, list) else str(body)
            one = Audit(path=path, title="", depth=0, verdicts=(dataclasses.replace(
                verdict, location=dataclasses.replace(verdict.location, cell=None)),), precision=0)
            plan = edits(one, source, kinds)
            unfixed_now += plan.unfixed
            if plan.edits:
                sources[number] = apply(source, plan)
                round_edits += plan.edits
        unfixed = tuple(unfixed_now)
        if not round_edits:
            break
        for number, source in sources.items():
            cells.cells[number - 1]["source"] = source
        current = nbformat.writes(cells)  # type: ignore[no-untyped-call]
        changed += round_edits
    return Fixed(text, current, tuple(changed), unfixed)


def diff(path: str, before: str, after: str) -> str:
    """A unified diff of the fix, as formatters print it."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


__all__ = ["FIXED_KINDS", "Edit", "Fixed", "Plan", "apply", "diff", "edits", "fix_text", "printed_like"]
