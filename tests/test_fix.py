"""`nncheck fix` (nncheck/fix.py): the corrected document. Expected values: the blog's true values (specs/blog.yaml's
audit, judged independently of fix) and hand-computed roundings; the property plants a slip into a spec whose every
number holds (nncheck.strategies.specs) and checks fix restores the printed original."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.audit import Kind, audit
from nncheck.fix import FIXED_KINDS, Fixed, fix_text, printed_like
from nncheck.printed import parse_printed
from nncheck.readers.markdown import parse_markdown
from nncheck.readers.spec import parse_spec
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "specs" / "blog.yaml"
BLOG_MD = ROOT / "tests" / "samples" / "markdown" / "blog.md"


@pytest.mark.parametrize(("value", "printed", "expected"), [
    ("2.73", "3.18", "2.73"),  # the blog's z2
    ("0.93877384", "0.938", "0.939"),  # rounded, not truncated
    ("0.0580", "0.0590", "0.0580"),  # trailing zero kept
    ("-0.06122616", "−0.062", "−0.061"),  # the Unicode minus kept
    ("0.00123456", "1.3e-3", "1.2e-3"),  # the exponent form kept
    ("125", "130", "125"),  # a whole number stays whole
    ("0.125", "0.12", None),  # exactly half-way at the printed digits: not settled by the shown digits
    ("0.009996", "9.99e-3", "1.00e-2"),  # a normalized mantissa stays normalized
    ("0.0123", "12.0e-3", "12.3e-3"),  # one that was not keeps its exponent
])
def test_a_true_value_is_printed_as_the_original(value: str, printed: str, expected: str | None) -> None:
    assert printed_like(Fraction(value), parse_printed(printed)) == expected


def _held_texts_unchanged(before: str, after: str, verdicts: list) -> bool:  # type: ignore[type-arg]
    rows_before, rows_after = before.split("\n"), after.split("\n")
    for verdict in verdicts:
        row = rows_after[verdict.location.line - 1]
        if verdict.stated not in row[verdict.location.column - 2:]:
            return False
    return len(rows_before) == len(rows_after)


def test_fixing_the_blogs_spec_leaves_nothing_to_fix_and_every_held_number_as_it_was() -> None:
    text = BLOG.read_text(encoding="utf-8")
    before = audit(parse_spec(text, str(BLOG)), diagnose=0)
    fixed = fix_text(str(BLOG), text)
    after = audit(parse_spec(fixed.after, str(BLOG)), diagnose=0)
    assert {v.kind for v in after.verdicts} == {Kind.HOLDS}
    assert _held_texts_unchanged(text, fixed.after, [v for v in before.verdicts if v.kind is Kind.HOLDS])
    assert "value: 2.73\n" in fixed.after and "value: 3.18\n" not in fixed.after  # z2, as its true value reads
    assert fix_text(str(BLOG), fixed.after).after == fixed.after  # idempotent
    assert {e.verdict.kind for e in fixed.changed} == set(FIXED_KINDS)
    # The steps' LaTeX follows (true values by hand: 0.7·1.3 + 0.9·1.8 + 0.2 = 2.73, σ(2.73) = 0.9388): the claimed
    # value where printed once, a used value everywhere it is printed; ŷ written 0.9388, since 0.939 × (1 − 0.939) =
    # 0.057279 would not print 0.0575 (0.9388 × 0.0612 = 0.05745 does).
    assert r"+ 0.2 = 2.73'" in fixed.after and r"= 0.9388 \times (1 - 0.9388) = 0.0575'" in fixed.after


def test_a_latex_string_is_fixed_as_its_yaml_quoting_writes_it(tmp_path: Path) -> None:
    """A claim's latex: double-quoted (as nncheck extract writes it, backslashes doubled), single-quoted with an
    apostrophe, or plain: 0.5 · 3 = 1.5 (by hand) printed 1.6 is fixed in the value and in the string."""
    for latex, expected in (('"z = 0.5 \\\\cdot 3 = 1.6"', '"z = 0.5 \\\\cdot 3 = 1.5"'),
                            ("'z'' = 0.5 \\cdot 3 = 1.6'", "'z'' = 0.5 \\cdot 3 = 1.5'"),
                            ("z = 0.5 x = 1.6", "z = 0.5 x = 1.5")):
        text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {x: 3}\n  definitions: {z: 0.5 * x}\nclaims:\n  - quantity: z\n"
                f"    value: 1.6\n    step: s\n    latex: {latex}\n")
        fixed = fix_text("s.yaml", text)
        assert fixed.after == text.replace("value: 1.6", "value: 1.5").replace(latex, expected), fixed.after


def test_a_page_is_fixed_in_one_round_to_the_true_values_of_its_original_chain() -> None:
    """On the blog's page each replacement is the true value the page's audit found (z2: 2.73), printed with the
    original's digits or, where a later line's arithmetic needs them, up to 3 more, and each copy of a fixed value in a
    later formula (−log(ŷ)) is rewritten with it. ŷ = σ(2.73) = 0.9387743 is written 0.9388, not 0.939: the page
    copies it into ŷ(1 − ŷ) = 0.0575 (true 0.0574775), and 0.939 · 0.061 = 0.057279 would print 0.0573, while
    0.9388 · 0.0612 = 0.05745456 prints 0.0575; likewise ∂L/∂z2 = −0.0612 (true −0.0612262), since −0.061 · 1.3 =
    −0.0793 would disagree with the printed −0.0796 (−0.0612 · 1.3 = −0.07956)."""
    text = BLOG_MD.read_text(encoding="utf-8")
    before = {(v.location.line, v.stated): v for v in audit(parse_markdown(text, str(BLOG_MD)), diagnose=0).verdicts}
    fixed = fix_text(str(BLOG_MD), text)
    assert r"+ 0.2 = 2.73\]" in fixed.after and r"-[\log(0.9388)]" in fixed.after  # ŷ's copy rewritten with it
    assert r"0.9388 \times (1 - 0.9388) = 0.0575" in fixed.after and r"= -0.0612 \times" in fixed.after
    after = audit(parse_markdown(fixed.after, str(BLOG_MD)), diagnose=0)
    assert not [v for v in after.verdicts if v.kind in FIXED_KINDS]  # the blog's page audits clean after one round
    for edit in fixed.changed:  # a statement's fix, or a copy's (the statement's verdict)
        verdict = before.get((edit.line, edit.old), edit.verdict)
        new, old = parse_printed(edit.new.replace("−", "-")), parse_printed(edit.old.replace("−", "-"))
        assert old.last_place - 3 <= new.last_place <= old.last_place
        assert edit.new.replace("−", "-") == printed_like(Fraction(verdict.exact), new)


def test_only_the_kinds_asked_for_are_fixed() -> None:
    text = BLOG.read_text(encoding="utf-8")
    fixed = fix_text(str(BLOG), text, (Kind.WRONG,))
    assert fixed.changed and {e.verdict.kind for e in fixed.changed} == {Kind.WRONG}


def test_the_cli_prints_a_diff_exits_1_and_writes_atomically_keeping_line_endings(tmp_path: Path) -> None:
    spec = tmp_path / "blog.yaml"
    spec.write_bytes(BLOG.read_bytes().replace(b"\n", b"\r\n"))
    status, out, err = run_cli("fix", str(spec))
    assert status == 1 and out.startswith(f"--- a/{str(spec).lstrip('/')}") and "-    value: 3.18" in out and "would fix 26 numbers" in err
    status, out, err = run_cli("fix", "--write", str(spec))
    assert status == 1 and out == "" and "fixed 26 numbers" in err
    written = spec.read_bytes()
    assert b"value: 2.73\r\n" in written and b"\n" not in written.replace(b"\r\n", b"")
    assert run_cli("fix", str(spec))[0] == 0  # nothing left: exit 0, as formatters do


def test_a_notebooks_cells_are_fixed_and_its_json_is_otherwise_unchanged(tmp_path: Path) -> None:
    """2 · 3 = 7 and 0.5 · 0.5 = 0.35 in two markdown cells (6 and 0.25, by hand): only those two strings change."""
    import json

    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# T\n\n$$z = 2 \\cdot 3 = 7$$"), nbformat.v4.new_code_cell("x = 7"),
                      nbformat.v4.new_markdown_cell("so $$y = 0.5 \\cdot 0.5 = 0.35$$")]
    raw = nbformat.writes(notebook)
    fixed = fix_text("n.ipynb", raw)
    changed = [(a, b) for a, b in zip(raw.splitlines(), fixed.after.splitlines()) if a != b]
    assert [b.strip() for _, b in changed] == ['"$$z = 2 \\\\cdot 3 = 6$$"', '"so $$y = 0.5 \\\\cdot 0.5 = 0.25$$"']
    assert json.loads(fixed.after)["cells"][1]["source"] == ["x = 7"] and fix_text("n.ipynb", fixed.after).after == fixed.after


def test_the_cli_refuses_what_it_does_not_edit(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
    status, _, err = run_cli("fix", str(notebook))  # valid, but not laid out as nbformat writes it
    assert status == 2 and "not laid out as nbformat writes it" in err
    status, _, err = run_cli("fix", "--only", "wrong,typo", str(BLOG))
    assert status == 2 and "--only 'wrong,typo'" in err


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(nst.specs(), st.data())
def test_a_planted_slip_is_fixed_back_to_the_printed_original(drawn: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    """Every number of a drawn spec holds; change the last digit of one and fix restores it (the original was the
    correctly rounded true value, so it is what fix prints), and the fixed spec audits clean. An original that shows
    no significant digit (0.0 for 0.0001) is restored to the digits that show its value: one significant digit (0.010
    for 0.0098), which rounds to the original."""
    import decimal

    _, text = drawn
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if line.startswith("    value: ") and "[" not in line]
    assume(candidates)
    index = data.draw(st.sampled_from(candidates))
    original = lines[index].removeprefix("    value: ")
    assume(original[-1].isdigit())
    planted = original[:-1] + str((int(original[-1]) + 5) % 10)
    lines[index] = "    value: " + planted
    fixed = fix_text("drawn.yaml", "\n".join(lines))
    assume(not any("half-way" in reason for _, reason in fixed.unfixed))  # a tie: printed either way, fix declines
    written = fixed.after.split("\n")[index].removeprefix("    value: ")
    if written != original and decimal.Decimal(original) == 0:
        value, unit = decimal.Decimal(written), decimal.Decimal(1).scaleb(decimal.Decimal(original).as_tuple().exponent)  # type: ignore[arg-type]
        # one significant digit (10 where it rounds up to a power of ten: 0.0098 is written 0.010; a tie at one digit
        # takes one more: 0.00045)
        digits = written.lstrip("-").replace(".", "").lstrip("0")
        assert value != 0 and (digits in [*"123456789", "10"] or (len(digits) == 2 and digits.endswith("5")))
        assert abs(value) <= unit / 2
    else:
        assert written == original
    assert {v.kind for v in audit(parse_spec(fixed.after, "drawn.yaml"), diagnose=0).verdicts} == {Kind.HOLDS}


def test_the_errata_site_shows_the_corrected_step_beside_the_printed_one() -> None:
    """The blog's z2 erratum: its LaTeX as printed (… = 3.18) and as fix writes it (… = 2.73), both rendered."""
    from nncheck.site import build_site

    spec = parse_spec(BLOG.read_text(encoding="utf-8"), str(BLOG))
    page = next(p for p in build_site([(spec, audit(spec))]).pages if p.name == "blog.md").text
    erratum = page[page.index("Wrong: z2 = 3.18"):page.index("[Details](#claim-z2)")]
    assert "As printed:" in erratum and r"+ 0.2 = 3.18" in erratum
    assert "Corrected (what `nncheck fix` writes):" in erratum and r"+ 0.2 = 2.73" in erratum


def test_a_unicode_minus_is_fixed_and_kept_and_what_is_left_makes_the_exit_status_1(tmp_path: Path) -> None:
    """0.25 · (−2.15) = −0.5375 printed −0.5357 (by hand): fixed with its − kept. 0.6 · 0.4621 = 0.27726 exactly,
    while 0.6 · tanh(0.5) = 0.2772703 (by hand): the result carries the rounded a, which holds and stays, so the
    result is listed as not fixed (0.27727 would disagree with its own line), and the exit status says so."""
    page = tmp_path / "p.md"
    page.write_text("$$0.25 \\cdot (−2.15) = −0.5357$$\n\n$$a = \\tanh(0.5) = 0.4621$$\n\n"
                    "$$0.6 \\cdot 0.4621 = 0.27726$$\n", encoding="utf-8")
    status, out, err = run_cli("fix", str(page))
    assert "+$$0.25 \\cdot (−2.15) = −0.5375$$" in out and status == 1
    assert "not fixed: 0.27726 (carried)" in err and "rounded 0.4621 (a) its line substitutes" in err
    status, _, err = run_cli("fix", "--write", str(page))
    assert status == 1 and "−0.5375" in page.read_text(encoding="utf-8")
    status, _, err = run_cli("fix", str(page))
    assert status == 1 and "not fixed" in err  # the kept rounding is still there, and says so


def test_a_percentage_and_a_power_of_ten_keep_their_form(tmp_path: Path) -> None:
    """1/8 = 12.5% printed 12.6%, and 0.001 · 3 = 3 × 10^-3 printed 2 \\times 10^{-3} (by hand): the digits before
    the percent sign and the mantissa are fixed; the exponent, the sign and the spacing stay."""
    page = tmp_path / "p.md"
    page.write_text("$$\\frac{1}{8} = 12.6\\%$$\n\n$$s = 0.001 \\cdot 3 = 2 \\times 10^{-3}$$\n\n"
                    "$$t = -0.0004 \\cdot 3 = -1.1 \\cdot 10^{-3}$$\n", encoding="utf-8")
    status, out, err = run_cli("fix", "--write", str(page))
    assert page.read_text(encoding="utf-8") == ("$$\\frac{1}{8} = 12.5\\%$$\n\n$$s = 0.001 \\cdot 3 = 3 \\times 10^{-3}$$\n\n"
                                                "$$t = -0.0004 \\cdot 3 = -1.2 \\cdot 10^{-3}$$\n")
    assert status == 1 and "fixed 3 numbers (3 wrong)" in err and "not fixed" not in err
    assert run_cli("fix", str(page))[0] == 0


def test_the_planted_page_audits_clean_after_one_fix_but_for_what_fix_lists(tmp_path: Path) -> None:
    """tests/samples/markdown/planted.md: every copy of a fixed value is rewritten with it, a sign written before
    the digits included (−0.0755 · [0.8, −0.6] becomes −0.0839 · …), so that after one fix the only findings are
    the two fix lists as left alone: the sum whose true value is undefined (a 2×1 by a 3×1 product) and the kept
    rounding 0.6 · 0.4621 = 0.27726."""
    page = tmp_path / "planted.md"
    page.write_text((ROOT / "tests" / "samples" / "markdown" / "planted.md").read_text(encoding="utf-8"), encoding="utf-8")
    status, _, err = run_cli("fix", "--write", str(page))
    left = {line.split(": not fixed: ")[1].split(" (")[0] for line in err.splitlines() if ": not fixed: " in line}
    assert status == 1 and left == {"[-0.0217, 0.0356]", "0.27726"}
    fixed = page.read_text(encoding="utf-8")
    assert "= -0.0839 \\cdot \\begin{bmatrix} 0.8 & -0.6" in fixed and "0.64040 - 0.27726 + 0.2 = 0.5631" in fixed
    findings = [v for v in audit(parse_markdown(fixed, str(page)), diagnose=0).verdicts if v.is_finding]
    assert {v.stated for v in findings} == left
    assert run_cli("fix", "--write", str(page))[0] == 1 and page.read_text(encoding="utf-8") == fixed  # idempotent


def _planted(plan: tuple, printed: dict[str, str], index: int, shift: int, carried: bool,  # type: ignore[type-arg]
             terms: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The page of ``plan`` and the page with the result of step ``index`` printed ``shift`` units off in its last
    digit: only there (a typo) or, when ``carried``, with every later step that depends on it worked out from that
    number. A number substituted negative in either page is parenthesized in both. The affine steps named in
    ``terms`` print their product worked out (nncheck.strategies.worked_page)."""
    name = plan[1][index][0]
    original = printed[name]
    text = printed_like(parse_printed(original).value + shift * parse_printed(original).unit, parse_printed(original))
    if text is None or parse_printed(text).value == parse_printed(original).value:
        return None  # a tie, or -0.00 for 0.00
    try:
        changed = nst.worked_values(plan, planted=(index, text))[1] if carried else {**printed, name: text}
    except ValueError:
        return None
    wrap = [n for n in printed if printed[n].startswith("-") or changed[n].startswith("-")]
    page = nst.worked_page(plan, changed, wrap, terms)
    if not carried:  # the typo is in the result only: its later substitutions print the original
        lines, typo = nst.worked_page(plan, printed, wrap, terms).split("\n"), page.split("\n")
        row = next(i for i, line in enumerate(lines) if line.startswith(f"$${name} = "))
        lines[row] = typo[row]
        page = "\n".join(lines)
    return nst.worked_page(plan, printed, wrap, terms), page


def _restored(original: str, fixed: str) -> bool:
    """Whether ``fixed`` is ``original`` but for numbers written with up to 3 more digits that round to the original
    ones (a tie either way): fix writes a value to more digits where a line the original printed from true values
    would otherwise disagree with its arithmetic (σ(0.5) = 0.62245933 printed 0.62, then σ(0.62) = 0.65022 printed
    0.651 from the true σ(0.62245933) = 0.65078: fix writes 0.622, and σ(0.622) = 0.65067 prints 0.651)."""
    import decimal
    import re

    number = re.compile(r"[0-9]+(?:\.[0-9]+)?")
    if number.sub("#", original) != number.sub("#", fixed):
        return False
    for old, new in zip(number.findall(original), number.findall(fixed), strict=True):
        if old == new:
            continue
        before, after = decimal.Decimal(old), decimal.Decimal(new)
        extra = int(before.as_tuple().exponent) - int(after.as_tuple().exponent)
        if not 0 < extra <= 3 or abs(after - before) > decimal.Decimal(1).scaleb(before.as_tuple().exponent) / 2:  # type: ignore[arg-type]
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(nst.worked_plans(), st.data())
def test_a_worked_page_with_a_planted_slip_is_fixed_back_to_the_original(plan: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    """A drawn worked page prints every result correctly rounded from its true value (worked out with the decimal
    module at 60 digits in nncheck.strategies, not by nncheck), so every number holds. A slip planted in one result
    (alone, or carried into every later step that depends on it, as the blog's z2) is fixed back: the fixed page is
    the original byte for byte (but for a value written to up to 3 more digits, rounding to the original, where a
    later line that copies it needs them), so every number that held is kept, it audits clean, and fixing it again
    changes nothing. The one exception is a result fix keeps because its line's rounded numbers give it. A page that
    prints 0.00 for a value that is not 0 is not drawn: fix writes no such number (it shows the value's digits)."""
    import decimal

    try:
        true, printed = nst.worked_values(plan)
    except ValueError:
        assume(False)
    assume(not any(decimal.Decimal(printed[name]) == 0 != true[name] for name in printed))
    index = data.draw(st.integers(0, len(plan[1]) - 1))
    pages = _planted(plan, printed, index, data.draw(st.sampled_from((-3, -1, 1, 2, 7))), data.draw(st.booleans()))
    assume(pages is not None)
    original, planted = pages
    assert [v for v in audit(parse_markdown(original, "w.md"), diagnose=0).verdicts if v.is_finding] == []
    fixed = fix_text("w.md", planted)
    assume(not any("half-way" in reason or "not known" in reason for _, reason in fixed.unfixed))
    kept = {verdict.location.line for verdict, reason in fixed.unfixed if "arithmetic of the rounded" in reason}
    kept |= {int(note.split(":")[1]) for note in fixed.notes if "as its line's arithmetic" in note}  # written so, noted
    if not kept:
        assert _restored(original, fixed.after), f"planted:\n{planted}\nfixed:\n{fixed.after}\nunfixed: {fixed.unfixed}"
    else:
        # The original prints a result from its true value although the rounded numbers its line substitutes give
        # another rounding (-2.93 · 3.93 = -11.5149, printed -11.50). Fix keeps such a carried result, as its line's
        # arithmetic says, and lists it (docs/cli.md); everything else is restored, so it is the only finding left.
        findings = [v for v in audit(parse_markdown(fixed.after, "w.md"), diagnose=0).verdicts if v.is_finding]
        # (its line's copies fixed, such a result is written as its line's arithmetic then gives it)
        assert {v.location.line for v in findings} == kept
        assert {v.kind for v in findings} == {Kind.CARRIED}
    assert fix_text("w.md", fixed.after).changed == ()


def _numbers(text: str, template: str) -> list[Any] | None:
    """The numbers a side written from ``template`` (``{0} \\cdot {1} + {2}``) prints, as Decimals, read by a pattern
    built from the template, a binary minus or plus that fix flipped taken with its number (``0.8 - 0.165`` for
    ``{0} + {1}`` reads 0.8 and -0.165); None when the side is not in that form. Nothing is evaluated as text."""
    import decimal
    import re

    pattern, signs = "", []
    for part in re.split(r"(\{\d\}| - | \+ )", template):
        if re.fullmatch(r"\{\d\}", part):
            pattern += r"(\(?[-−]?[0-9.]+\)?)"
        elif part in (" - ", " + "):
            pattern += r" ([-+−]) "
            signs.append(part.strip())
        else:
            pattern += re.escape(part)
    match = re.fullmatch(pattern, text)
    if match is None:
        return None
    values, index = [], 0
    operator = None
    for group in match.groups():
        if group in ("-", "+", "−"):
            operator = "-" if group in "-−" else "+"
            continue
        number = decimal.Decimal(group.strip("()").replace("−", "-"))
        if operator is not None:
            if operator != signs[index]:
                number = -number
            index, operator = index + 1, None
        values.append(number)
    return values


def _rounds_to(value: Any, text: str) -> bool:
    """Whether the Decimal ``value`` rounds to the number printed as ``text`` (a tie either way)."""
    import decimal

    printed = decimal.Decimal(text.strip("()").replace("−", "-"))
    unit = decimal.Decimal(1).scaleb(printed.as_tuple().exponent)  # type: ignore[arg-type]
    return bool(abs(value - printed) <= unit / 2)


def _line_agrees(line: str, operation: str) -> bool | None:
    """Whether a worked page's step line (``name = formula = substituted numbers = result``) prints a result that its
    substituted numbers give, worked out with the decimal module (60 digits) by the step's operation, a tie either way;
    None when the line is not in that form. An affine line that prints its product worked out (``… = 0.5 \\cdot 0.8 +
    0.25 = 0.40 + 0.25 = 0.65``) agrees when that product rounds to the printed term, the term after it is the number
    substituted for it, and the result is the sum of the two as printed."""
    import decimal

    sides = line.strip("$").split(" = ")
    if len(sides) not in (4, 5) or (len(sides) == 5 and operation != "affine"):
        return None
    with decimal.localcontext(decimal.Context(prec=60, Emax=999, Emin=-999)):
        values = _numbers(sides[2], nst.WORKED_STEPS[operation][1])
        if values is None:
            return None
        if len(sides) == 5:
            worked = _numbers(sides[3], "{0} + {1}")
            if worked is None:
                return None
            term = sides[3].split(" ")[0]
            return _rounds_to(values[0] * values[1], term) and worked[1] == values[2] \
                and _rounds_to(worked[0] + worked[1], sides[4])
        function = nst.WORKED_STEPS[operation][2]
        value = values[0] * (1 - values[1]) if operation == "slope" else function(*values)
        return _rounds_to(value, sides[3])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(nst.worked_plans(), st.data())
def test_a_fix_leaves_every_consistent_line_consistent_and_no_passing_number_failing(plan: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    """A drawn worked page with an error planted in one result (a slip or a bigger one, alone or carried into every
    later step that depends on it); some of its affine steps print their product worked out, a term inside a side
    (``0.5 \\cdot 0.8 + 0.25 = 0.40 + 0.25``). After the fix, every step line whose printed result (and printed term)
    its substituted numbers gave before (checked with the decimal module on the plan's operations, not by nncheck)
    still prints a result (and a term) its substituted numbers give, whichever of them fix changed; no number that
    held or was carried before is a failing verdict after; and fixing again changes nothing."""
    try:
        printed = nst.worked_values(plan)[1]
    except ValueError:
        assume(False)
    index = data.draw(st.integers(0, len(plan[1]) - 1))
    affine = sorted(name for name, operation, _, _ in plan[1] if operation == "affine")
    terms = tuple(data.draw(st.sets(st.sampled_from(affine)))) if affine else ()
    pages = _planted(plan, printed, index, data.draw(st.sampled_from((-3, 1, 2, 7, 40, -25, 300))), data.draw(st.booleans()),
                     terms)
    assume(pages is not None)
    planted = pages[1]
    fixed = fix_text("w.md", planted)
    steps = {f"$${name} = ": operation for name, operation, _, _ in plan[1]}
    for before, after in zip(planted.split("\n"), fixed.after.split("\n"), strict=True):
        operation = next((op for start, op in steps.items() if before.startswith(start)), None)
        if operation is None or _line_agrees(before, operation) is not True:
            continue
        assert _line_agrees(after, operation) is True, f"planted:\n{planted}\nfixed:\n{fixed.after}\nline: {after}"
    passed = {v.ref for v in audit(parse_markdown(planted, "w.md"), diagnose=0).verdicts
              if v.kind in (Kind.HOLDS, Kind.CARRIED)}
    after_audit = audit(parse_markdown(fixed.after, "w.md"), diagnose=0).verdicts
    failing = [v for v in after_audit if v.ref in passed and v.kind not in (Kind.HOLDS, Kind.CARRIED, Kind.UNDECIDED)]
    assert failing == [], f"planted:\n{planted}\nfixed:\n{fixed.after}"
    assert fix_text("w.md", fixed.after).changed == ()


def test_the_docs_show_the_blogs_diff_as_fix_prints_it() -> None:
    """docs/cli.md's example is the start of what `nncheck fix specs/blog.yaml` prints today."""
    status, out, err = run_cli("fix", str(BLOG))
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    shown = docs[docs.index("```diff\n", docs.index("## nncheck fix")) + len("```diff\n"):]
    shown = shown[:shown.index("```")].rstrip("\n").split("\n")
    printed = out.replace(str(BLOG).lstrip("/"), "specs/blog.yaml").split("\n")
    assert status == 1 and printed[:len(shown)] == shown and len(shown) > 10
    assert "26 numbers (3 wrong, 4 rounding slip, 4 contradiction, 15 carried) and 26 copies of them" in err


def test_the_pre_commit_hook_runs_fix_on_the_files_nncheck_reads(tmp_path: Path) -> None:
    """.pre-commit-hooks.yaml: the nncheck-fix hook's entry is `nncheck fix --write` and its files pattern takes every
    page suffix nncheck reads (nncheck.readers.PAGES) and specs under specs/, not other YAML (a CI workflow)."""
    import re

    from ruamel.yaml import YAML

    from nncheck.readers import PAGES

    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "nncheck-fix")
    assert hook["entry"].split()[:3] == ["nncheck", "fix", "--write"] and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    for suffixes, _, _ in PAGES.values():
        assert all(pattern.search(f"docs/page{suffix}") for suffix in suffixes)
    assert pattern.search("specs/blog.yaml") and not pattern.search(".github/workflows/ci.yml")
    assert pattern.search("docs/NOTES.MD")  # suffixes in any case, as a directory walk takes them
    page = tmp_path / "p.md"
    page.write_text("$$z = 0.5 \\cdot 3 = 1.6$$\n", encoding="utf-8")
    status, _, _ = run_cli(*hook["entry"].split()[1:], str(page))  # pre-commit appends the staged files
    assert status == 1 and page.read_text(encoding="utf-8") == "$$z = 0.5 \\cdot 3 = 1.5$$\n"


def test_a_notebook_as_jupyter_saves_it_is_fixed_with_its_copies_across_cells(tmp_path: Path) -> None:
    """nbformat.write ends the file with a newline, as Jupyter does; a value fixed in one cell is fixed where the next
    cell substitutes it (z = 0.5 · 3 = 1.5 and a = 2 · z = 3.0, by hand)."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("$$z = 0.5 \\cdot 3 = 1.6$$"), nbformat.v4.new_code_cell("z = 1.6"),
                      nbformat.v4.new_markdown_cell("$$a = 2 z = 2 \\cdot 1.6 = 3.2$$")]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, str(path))
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    status, _, err = run_cli("fix", "--write", str(path))
    after = path.read_text(encoding="utf-8")
    assert status == 1 and "fixed 2 numbers (1 wrong, 1 carried) and 1 copy of them" in err and after.endswith("}\n")
    sources = ["".join(cell["source"]) for cell in json.loads(after)["cells"]]
    assert sources == ["$$z = 0.5 \\cdot 3 = 1.5$$", "z = 1.6", "$$a = 2 z = 2 \\cdot 1.5 = 3.0$$"]
    assert len(after.splitlines()) == len(text.splitlines())


def test_a_sign_written_apart_is_flipped_when_the_fix_changes_the_sign(tmp_path: Path) -> None:
    """g = 0.5 · (0.31 − 0.64) = −0.165, printed 0.165; then w = 0.8 − g = 0.965 (by hand): the copy in 0.8 - 0.165
    becomes 0.8 + 0.165, and a sign-changed copy after × is written in parentheses."""
    page = tmp_path / "p.md"
    page.write_text("$$g = 0.5 \\times (0.31 - 0.64) = 0.165$$\n\n$$w = 0.8 - g = 0.8 - 0.165 = 0.635$$\n\n"
                    "$$v = 2 g = 2 \\times 0.165 = 0.330$$\n", encoding="utf-8")
    run_cli("fix", "--write", str(page))
    assert page.read_text(encoding="utf-8") == ("$$g = 0.5 \\times (0.31 - 0.64) = -0.165$$\n\n"
                                                "$$w = 0.8 - g = 0.8 + 0.165 = 0.965$$\n\n"
                                                "$$v = 2 g = 2 \\times (-0.165) = -0.330$$\n")
    assert run_cli("fix", str(page))[0] == 0


def test_a_change_written_delta_w_is_one_name(tmp_path: Path) -> None:
    """\\Delta w is the name Δw, not Δ·w: 0.5 · 0.0437 = 0.02185 (by hand) printed 0.02158 is carried into Δw, w′,
    Δb and b′ (0.1 · 0.02185 = 0.002185, 1.5 + 0.002185 = 1.502185, 0.2 · 0.02185 = 4.370 × 10^-3, 1.504370)."""
    page = tmp_path / "p.md"
    page.write_text("$$g = 0.5 \\times 0.0437 = 0.02158$$\n\n$$\\Delta w = 0.1 \\times g = 0.1 \\times 0.02158 = 0.002158$$\n\n"
                    "$$w' = 1.5 + \\Delta w = 1.5 + 0.002158 = 1.502158$$\n\n"
                    "$$\\Delta b = 0.2 \\times g = 0.2 \\times 0.02158 = 4.316 \\times 10^{-3}$$\n\n"
                    "$$b' = 1.5 + \\Delta b = 1.5 + 4.316 \\times 10^{-3} = 1.504316$$\n", encoding="utf-8")
    verdicts = {v.ref: v.kind for v in audit(parse_markdown(page.read_text(encoding="utf-8"), "p.md"), diagnose=0).verdicts}
    assert verdicts == {"g": Kind.WRONG, "Δw": Kind.CARRIED, "w′": Kind.CARRIED, "Δb": Kind.CARRIED, "b′": Kind.CARRIED}
    run_cli("fix", "--write", str(page))
    fixed = page.read_text(encoding="utf-8")
    assert "0.1 \\times 0.02185 = 0.002185" in fixed and "1.5 + 0.002185 = 1.502185" in fixed
    assert "0.2 \\times 0.02185 = 4.370 \\times 10^{-3}" in fixed and "1.5 + 4.370 \\times 10^{-3} = 1.504370" in fixed
    assert run_cli("fix", str(page))[0] == 0


def test_a_rendered_formulas_annotation_is_listed_not_edited(tmp_path: Path) -> None:
    """KaTeX's HTML: the TeX annotation beside a rendering; editing it would leave the shown 3.5 (2 × 1.5 = 3)."""
    page = tmp_path / "k.html"
    page.write_text('<p><span class="katex"><math><semantics><mn>3.5</mn><annotation encoding="application/x-tex">'
                    "z = 2 \\times 1.5 = 3.5</annotation></semantics></math></span></p>\n"
                    "<p>\\( y = 2 \\times 2 = 5 \\)</p>\n", encoding="utf-8")
    status, out, err = run_cli("fix", str(page))
    assert status == 1 and "+<p>\\( y = 2 \\times 2 = 4 \\)</p>" in out and "3.0</annotation>" not in out
    assert "not fixed: 3.5 (wrong)" in err and "shows rendered" in err


def test_files_that_cannot_be_read_are_reported_and_the_others_fixed(tmp_path: Path) -> None:
    """A file that is not UTF-8 is an error at its byte's line and column; the next file is still fixed; a link is
    followed, so the link stays a link; a file with nothing to fix says so."""
    bad, good, target, clean = tmp_path / "bad.md", tmp_path / "good.md", tmp_path / "target.md", tmp_path / "clean.md"
    bad.write_bytes(b"# t\n\n$$x = \xff$$\n")
    target.write_text("$$z = 2 \\cdot 3 = 7$$\n", encoding="utf-8")
    good.symlink_to(target)
    clean.write_text("$$z = 2 \\cdot 3 = 6$$\n", encoding="utf-8")
    status, _, err = run_cli("fix", "--write", str(bad), str(good), str(clean))
    assert status == 2 and f"{bad}:3:7: the file is not UTF-8 text" in err and f"{clean}: nothing to fix" in err
    assert good.is_symlink() and target.read_text(encoding="utf-8") == "$$z = 2 \\cdot 3 = 6$$\n"


def test_an_update_written_with_leftarrow_and_a_block_scalar_latex(tmp_path: Path) -> None:
    """w ← w − 0.5 g is read as w's update (0.8 − 0.5 · 0.3296 = 0.6352, by hand); a spec's latex: written as a block
    scalar is left as written and a note says what it still prints."""
    page = tmp_path / "p.md"
    page.write_text("$$w = 0.8$$\n\n$$g = 0.3296$$\n\n$$w \\leftarrow w - 0.5 g = 0.8 - 0.5 \\times 0.3296 = 0.6366$$\n",
                    encoding="utf-8")
    status, out, _ = run_cli("fix", str(page))
    assert status == 1 and "+$$w \\leftarrow w - 0.5 g = 0.8 - 0.5 \\times 0.3296 = 0.6352$$" in out
    spec = tmp_path / "s.yaml"
    spec.write_text("nncheck: 1\ntitle: t\nmodel:\n  givens: {x: 3}\n  definitions: {z: 0.5 * x}\nclaims:\n"
                    "  - quantity: z\n    value: 1.6\n    step: s\n    latex: |\n      z = 0.5 \\cdot 3 = 1.6\n", encoding="utf-8")
    status, out, err = run_cli("fix", str(spec))
    assert "+    value: 1.5" in out and "z = 0.5 \\cdot 3 = 1.6" in out  # the block scalar as written
    assert f"note: {spec}:10:12: the latex: string of z is not written on one line" in err


def test_a_copy_keeps_its_own_lines_minus_and_needs_no_second_parentheses(tmp_path: Path) -> None:
    """0.5 · (0.4 − 0.6) = −0.1 (by hand) printed 0.1: σ(0.1) becomes σ(-0.1), not σ((-0.1)), and 2 × 0.1 becomes
    2 × (-0.1); g = −0.5 · 2.1 = −1.05 printed with the Unicode minus, copied with an ASCII one: the copy keeps "-"."""
    page = tmp_path / "p.md"
    page.write_text("$$ z = 0.5 \\times (0.4 - 0.6) = 0.1 $$\n\n$$ a = \\sigma(z) = \\sigma(0.1) = 0.5250 $$\n\n"
                    "$$ v = 2 z = 2 \\times 0.1 = 0.2 $$\n\n$$ g = −0.5 \\times 2.1 = −1.0600 $$\n\n"
                    "$$ u = 0.3 - 0.5(-1.0600) = 0.8300 $$\n", encoding="utf-8")
    run_cli("fix", "--write", str(page))
    fixed = page.read_text(encoding="utf-8")
    assert "\\sigma(-0.1) = 0.4750" in fixed and "2 \\times (-0.1) = -0.2" in fixed
    assert "= −1.0500" in fixed and "0.5(-1.0500) = 0.8250" in fixed
    assert run_cli("fix", str(page))[0] == 0


def _visible_arithmetic_agrees(line: str) -> bool:
    """``a \\times b - c = r`` (or ``+``) on a fixed line: a·b ∓ c, exact from the printed digits, rounds to r (a tie
    either way). The line is read here with a regular expression, never evaluated as text."""
    import re

    match = re.search(r"= (-?[0-9.]+) \\times (-?[0-9.]+) ([-+]) (-?[0-9.]+) = (-?[0-9.]+)\$\$", line)
    assert match is not None, line
    a, b, sign, c, r = match.groups()
    value = Fraction(a) * Fraction(b) + (Fraction(c) if sign == "+" else -Fraction(c))
    low, high = parse_printed(r).rounding_interval()
    return low <= value <= high


PAGE3B = ("## Epoch 1\n\nInput $x = 1.5$, target $y = 1$, weight $w = 0.4$, bias $b = -0.2$, learning rate $\\eta = 0.5$.\n\n"
          "$$z = w x + b = 0.4 \\times 1.5 - 0.2 = 0.4$$\n\n$$a = \\sigma(z) = \\frac{1}{1 + e^{-0.4}} = 0.5987$$\n\n"
          "$$\\frac{\\partial L}{\\partial a} = a - y = 0.5987 - 1 = -0.4013$$\n\n"
          "$$\\frac{\\partial a}{\\partial z} = a(1 - a) = 0.5987(1 - 0.5987) = 0.2403$$\n\n"
          "$$\\delta = \\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}{\\partial z} = -0.4013 \\times 0.2403 = -0.0964$$\n\n"
          "$$\\frac{\\partial L}{\\partial w} = \\delta x = -0.0964 \\times 1.5 = -0.1446$$\n\n"
          "$$w \\leftarrow w - \\eta \\frac{\\partial L}{\\partial w} = 0.4 - 0.5 \\times (-0.1446) = 0.4723$$\n\n"
          "$$b \\gets b - \\eta \\delta = -0.2 - 0.5 \\times (-0.0964) = -0.1518$$\n\n"
          "## Epoch 2\n\n$$z = w x + b = 0.4 \\times 1.5 - 0.1518 = 0.4482$$\n")


def test_a_stale_value_put_in_for_a_name_becomes_the_pages_latest_printed_value_digit_for_digit() -> None:
    """After w ← 0.4723, z = w x + b = 0.4 × 1.5 − 0.1518 uses the old w (a contradiction). The fix puts in 0.4723 as
    the page printed it (not the true w 0.47231… rounded to the stale number's one decimal, 0.5, whose line would
    read 0.5 × 1.5 − 0.1518 = 0.5982 beside a result 0.5567). By hand: 0.4723 × 1.5 = 0.70845, − 0.1518 = 0.55665,
    which rounds to 0.5567 at four decimals (a tie: either way); the true z, σ(0.4) = 0.598688 …, is 0.55668…,
    0.5567 too. The fixed page audits clean, its line's arithmetic agrees, and a second fix changes nothing."""
    fixed = fix_text("p.md", PAGE3B)
    last = fixed.after.rstrip("\n").split("\n")[-1]
    assert last == "$$z = w x + b = 0.4723 \\times 1.5 - 0.1518 = 0.5567$$", fixed.after
    assert _visible_arithmetic_agrees(last)
    assert not [v for v in audit(parse_markdown(fixed.after, "p.md"), diagnose=0).verdicts if v.is_finding]
    assert fix_text("p.md", fixed.after).changed == ()


def test_a_value_put_in_for_a_name_the_page_never_printed_gets_the_digits_that_keep_its_line_right() -> None:
    """w = 0.5 − 0.1 · 0.3 = 0.47 is never printed; z = w x = 0.4 × 2 = 0.80 puts in 0.4 (a slip of 0.47). At the
    stale number's one decimal w would be 0.5, and 0.5 × 2 = 1.0 beside the true z 0.94: the fix writes w to the
    result's two decimals, 0.47 × 2 = 0.94 (by hand). With x = 3 the result 1.4 holds (0.47 · 3 = 1.41) and w to one
    decimal (0.5 × 3 = 1.5) would contradict it: two decimals, 0.47 × 3 = 1.41, are the fewest that keep it."""
    page = "$$x = 2, \\quad g = 0.3$$\n\n$$w = 0.5 - 0.1 g$$\n\n$$z = w x = 0.4 \\times 2 = 0.80$$\n"
    fixed = fix_text("p.md", page)
    assert fixed.after == page.replace("0.4 \\times 2 = 0.80", "0.47 \\times 2 = 0.94"), fixed.after
    assert fix_text("p.md", fixed.after).changed == ()
    page = "$$x = 3, \\quad g = 0.3$$\n\n$$w = 0.5 - 0.1 g$$\n\n$$z = w x = 0.4 \\times 3 = 1.4$$\n"
    assert fix_text("p.md", page).after == page.replace("0.4 \\times 3", "0.47 \\times 3")


def test_a_carried_result_that_is_the_arithmetic_of_a_kept_rounding_is_listed_whatever_its_operation() -> None:
    """h = tanh(0.7) = 0.60437 … printed 0.604 holds. Each result below is the exact arithmetic of that printed
    0.604 (by hand: 1 − 0.604² = 0.635184 → 0.6352; 0.786 · 0.214 = 0.168204 → 0.1682; 1/0.604 = 1.65563 → 1.656;
    √0.604 = 0.77717 → 0.7772; exp(0.604) = 1.82942 → 1.8294), while its true value is not (1 − tanh²0.7 = 0.63474;
    σ(1.3)(1 − σ(1.3)) = 0.16830; 1/tanh 0.7 = 1.65462; √tanh 0.7 = 0.77741; exp(tanh 0.7) = 1.83009): fix keeps the
    line as it is and lists each with its reason, the power as the product. g_C = 1 − h_C² prints no arithmetic, so
    it gets its true value 1 − tanh²(2.2) = 0.047925 → 0.0479."""
    page = ("$$h = \\tanh(0.7) = 0.604$$\n\n$$g = 1 - h^2 = 1 - 0.604^2 = 0.6352$$\n\n"
            "$$z_D = 1.3, \\qquad s_D = \\sigma(z_D) = 0.786$$\n\n"
            "$$s'_D = \\sigma(z_D)(1 - \\sigma(z_D)) = 0.786(1 - 0.786) = 0.1682$$\n\n"
            "$$r = \\frac{1}{h} = \\frac{1}{0.604} = 1.656$$\n\n$$q = \\sqrt{h} = \\sqrt{0.604} = 0.7772$$\n\n"
            "$$e = \\exp(h) = \\exp(0.604) = 1.8294$$\n\n"
            "$$z_C = 2.2, \\qquad h_C = \\tanh(z_C) = 0.976$$\n\n$$g_C = 1 - h_C^2 = 0.0474$$\n")
    kinds = {v.stated: v.kind for v in audit(parse_markdown(page, "p.md"), diagnose=0).verdicts}
    assert all(kinds[n] is Kind.CARRIED for n in ("0.6352", "0.1682", "1.656", "0.7772", "1.8294", "0.0474"))
    fixed = fix_text("p.md", page)
    assert fixed.after == page.replace("= 0.0474", "= 0.0479"), fixed.after
    listed = {verdict.stated: reason for verdict, reason in fixed.unfixed}
    assert set(listed) == {"0.6352", "0.1682", "1.656", "0.7772", "1.8294"}
    assert "the arithmetic of the rounded 0.604 (h)" in listed["0.6352"]
    assert fix_text("p.md", fixed.after).after == fixed.after


def _fixed_twice(name: str, text: str) -> Fixed:
    """The page fixed once; fixing that again changes nothing."""
    fixed = fix_text(name, text)
    assert fix_text(name, fixed.after).changed == ()
    return fixed


def test_a_value_put_in_is_written_to_more_digits_when_its_lines_result_needs_them() -> None:
    """h = tanh(0.7) = 0.60436778 is printed 0.6044; the next line puts in 0.6049. 2 · 0.6044 = 1.2088, but the true
    k = 2 tanh(0.7) = 1.20873555 prints 1.2087, so 0.6044 would leave the line false. The true h to one more digit,
    0.60437, gives 2 · 0.60437 = 1.20874, which prints 1.2087: the line is consistent (mpmath, 30 digits)."""
    page = "# p\n\n$$h = \\tanh(0.7) = 0.6044$$\n\n$$k = 2 h = 2 \\times 0.6049 = 1.2098$$\n"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("2 \\times 0.6049 = 1.2098", "2 \\times 0.60437 = 1.2087")
    assert fixed.unfixed == ()


def test_a_fixed_result_copied_into_a_later_line_gets_the_digits_that_line_needs() -> None:
    """The docs' stale copy: z = 0.56416 · 2 = 1.12832 and a = tanh(z) = 0.81044350. Written 1.1, z's copy would read
    tanh(1.1) = 0.8104 though tanh(1.1) = 0.80050; tanh(1.13) = 0.81102 and tanh(1.128) = 0.81033 also disagree, and
    tanh(1.1283) = 0.81043664 prints 0.8104, so z is written 1.1283 (1.12832 rounds to it: its own line holds)."""
    page = ("# p\n\nGivens: $x = 2$, $w = 0.5$, $\\eta = 0.1$, $g = -0.6416$.\n\n"
            "$$w \\leftarrow w - \\eta g = 0.5 - 0.1 \\times (-0.6416) = 0.56416$$\n\n"
            "$$z = w x = 0.5 \\times 2 = 1.0$$\n\n$$a = \\tanh(z) = \\tanh(1.0) = 0.7616$$\n")
    fixed = _fixed_twice("p.md", page)
    assert "$$z = w x = 0.56416 \\times 2 = 1.1283$$" in fixed.after
    assert "$$a = \\tanh(z) = \\tanh(1.1283) = 0.8104$$" in fixed.after


def test_a_chain_of_copies_stays_consistent_line_by_line() -> None:
    """Epoch 2 of a logistic neuron, stale from epoch 1. w = 0.8 − 0.5 · 1.2150 = 0.1925 (true 0.192501), so z = 0.1925 ·
    1.5 + 0.25 = 0.53875 (true 0.5387518). σ(0.54) = 0.63181 would disagree with a = σ(z) = 0.6315220 (prints 0.6315),
    σ(0.539) = 0.63158 too, σ(0.5388) = 0.6315332 agrees: z is written 0.5388 (0.53875 is a tie, which rounds either
    way). Then −log(1 − 0.6315) = 0.99831 disagrees with L = 0.9983743 (prints 0.9984); a cannot take more digits on
    its own line (σ(0.5388) = 0.63153 ≠ 0.63152), so the copy in L's line alone is written 0.63152: −log(0.36848) =
    0.9983688 prints 0.9984. g = 0.6315 · 1.5 = 0.94725 is a tie, and the true g = 0.9472830 prints 0.9473."""
    page = ("# p\n\nGivens: $x = 1.5$, $y = 0$, $w = 0.8$, $b = 0.25$, $\\eta = 0.5$.\n\n"
            "$$z = w x + b = 0.8 \\times 1.5 + 0.25 = 1.45$$\n\n$$a = \\sigma(z) = \\sigma(1.45) = 0.8100$$\n\n"
            "$$g = a x = 0.8100 \\times 1.5 = 1.2150$$\n\n$$w \\leftarrow w - \\eta g = 0.8 - 0.5 \\times 1.2150 = 0.1925$$\n\n"
            "## Epoch 2\n\n$$z = w x + b = 0.8 \\times 1.5 + 0.25 = 1.45$$\n\n$$a = \\sigma(z) = \\sigma(1.45) = 0.8100$$\n\n"
            "$$L = -\\log(1 - a) = -\\log(1 - 0.8100) = 1.6607$$\n\n$$g = a x = 0.8100 \\times 1.5 = 1.2150$$\n")
    fixed = _fixed_twice("p.md", page)
    epoch2 = fixed.after.split("## Epoch 2")[1]
    assert "0.1925 \\times 1.5 + 0.25 = 0.5388$$" in epoch2 and "\\sigma(0.5388) = 0.6315$$" in epoch2
    assert "-\\log(1 - 0.63152) = 0.9984$$" in epoch2 and "0.6315 \\times 1.5 = 0.9473$$" in epoch2


def test_a_result_whose_arithmetic_is_a_tie_gets_its_true_value_and_its_copies_follow() -> None:
    """0.1925 − 0.5 · 0.9473 = −0.28115 exactly, a tie between −0.2811 and −0.2812; the true w is −0.2811403, so the
    printed −0.2812 becomes −0.2811, which agrees with the line. Epoch 3's stale 0.1925 is replaced by that same
    −0.2811: −0.2811 · 1.5 + 0.25 = −0.17165 (a tie; the true z = −0.1717105 prints −0.1717), σ(−0.1717) = 0.4571801
    (the true a = 0.4571775 prints 0.4572)."""
    page = ("<html><body><h1>SGD</h1>\n<p>Input \\(x = 1.5\\), target \\(y = 0\\), learning rate \\(\\eta = 0.5\\), "
            "initial weight \\(w = 0.8\\), bias \\(b = 0.25\\).</p>\n<h2>Epoch 1</h2>\n"
            "\\[z = w x + b = 0.8 \\times 1.5 + 0.25 = 1.45\\]\n\\[a = \\sigma(z) = \\sigma(1.45) = 0.8100\\]\n"
            "\\[g = a x = 0.8100 \\times 1.5 = 1.2150\\]\n\\[w \\leftarrow w - \\eta g = 0.8 - 0.5 \\times 1.2150 = 0.1925\\]\n"
            "<h2>Epoch 2</h2>\n\\[z = w x + b = 0.1925 \\times 1.5 + 0.25 = 0.5388\\]\n"
            "\\[a = \\sigma(z) = \\sigma(0.5388) = 0.6315\\]\n\\[g = a x = 0.6315 \\times 1.5 = 0.9473\\]\n"
            "\\[w \\leftarrow w - \\eta g = 0.1925 - 0.5 \\times 0.9473 = -0.2812\\]\n<h2>Epoch 3</h2>\n"
            "\\[z = w x + b = 0.1925 \\times 1.5 + 0.25 = 0.5388\\]\n\\[a = \\sigma(z) = \\sigma(0.5388) = 0.6315\\]\n"
            "</body></html>\n")
    fixed = _fixed_twice("p.html", page)
    assert "0.1925 - 0.5 \\times 0.9473 = -0.2811\\]" in fixed.after
    epoch3 = fixed.after.split("Epoch 3")[1]
    assert "-0.2811 \\times 1.5 + 0.25 = -0.1717\\]" in epoch3 and "\\sigma(-0.1717) = 0.4572\\]" in epoch3
    assert fixed.unfixed == ()


def test_a_restatement_is_not_rewritten_into_a_duplicate_on_its_line() -> None:
    """A summary restates two samples' outputs, σ(0.6) = 0.6457 and σ(1.6) = 0.8320, on one line. The audit calls the
    first a contradiction (a summary states the latest value of a); fix does not make the line read a = 0.8320 and
    a = 0.8320, but leaves the restatement and lists it."""
    page = ("<html><body><h1>Two samples</h1>\n<p>The weight is \\(w = 0.5\\) and the bias \\(b = 0.1\\).</p>\n"
            "<h2>Sample 1</h2>\n<p>Here \\(x = 1\\).</p>\n\\[z = w x + b = 0.5 \\times 1 + 0.1 = 0.6\\]\n"
            "\\[a = \\sigma(z) = \\sigma(0.6) = 0.6457\\]\n<h2>Sample 2</h2>\n<p>Here \\(x = 3\\).</p>\n"
            "\\[z = w x + b = 0.5 \\times 3 + 0.1 = 1.6\\]\n\\[a = \\sigma(z) = \\sigma(1.6) = 0.8320\\]\n"
            "<h2>Summary</h2>\n<p>The two outputs were \\(a = 0.6457\\) and \\(a = 0.8320\\).</p>\n</body></html>\n")
    fixed = fix_text("p.html", page)
    assert fixed.after == page
    assert [(v.stated, "would repeat" in reason) for v, reason in fixed.unfixed] == [("0.6457", True)]


def test_a_wrong_result_is_fixed_only_with_arithmetic_beside_it_that_gives_it() -> None:
    """h = tanh(0.5) = 0.46211716 holds; z = 3 h is printed 1.3836 (true 1.38635147, mpmath 30 digits). Its true value
    1.3864 beside 3 · 0.4621 = 1.3863 would be a false line, so the copy of h is written to one more digit: 3 · 0.46212
    = 1.38636, which prints 1.3864. In a sum: e² + e + e^0.1 = 11.21250885 prints 11.213 (the 11.221 is wrong), but
    7.389 + 2.718 + 1.105 = 11.212; one more digit of any one term alone does not reach 11.2125 (7.3891 + 2.718 + 1.105
    = 11.2121, 2.7183: 11.2123, 1.1052: 11.2122; two and three more digits of one term no further than 11.21206), all
    three to one more digit do: 7.3891 + 2.7183 + 1.1052 = 11.2126, which prints 11.213."""
    page = "# t\n\n$$h = \\tanh(0.5) = 0.4621$$\n\n$$z = 3 \\times 0.4621 = 1.3836$$\n"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("3 \\times 0.4621 = 1.3836", "3 \\times 0.46212 = 1.3864")
    assert fixed.unfixed == ()
    page = ("# t\n\n$$e^{2.0} = 7.389, \\quad e^{1.0} = 2.718, \\quad e^{0.1} = 1.105$$\n\n"
            "$$S = 7.389 + 2.718 + 1.105 = 11.221$$\n")
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("7.389 + 2.718 + 1.105 = 11.221", "7.3891 + 2.7183 + 1.1052 = 11.213")


def test_a_wrong_result_whose_line_cannot_give_its_true_value_is_written_as_the_line_gives_it() -> None:
    """z = 0.5 · 2 + 0.1 printed 1.3 (true 1.1): its line's arithmetic, all exact givens, gives 1.1, so the true value
    is written. A line whose arithmetic is not the true chain's (z = 0.5 · 2 = 1.3, the bias left out: true 1.1, the
    line gives 1.0) cannot be made right by more digits: fix writes 1.0, what the line gives, with a note, and does not
    list it as not fixed."""
    givens = "# t\n\nGivens: $w = 0.5$, $x = 2$, $b = 0.1$.\n\n"
    page = givens + "$$z = w x + b = 0.5 \\times 2 + 0.1 = 1.3$$\n"
    assert _fixed_twice("p.md", page).after == page.replace("= 1.3$$", "= 1.1$$")
    page = givens + "$$z = w x + b = 0.5 \\times 2 = 1.3$$\n"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("= 1.3$$", "= 1.0$$")
    assert [v.stated for v, _ in fixed.unfixed] == ["0.5 \\times 2"]  # the expression judged wrong, not 1.3
    assert any("1.3 is written 1.0" in note for note in fixed.notes)


def test_a_copy_in_a_matrix_gets_the_digits_its_entrys_arithmetic_needs() -> None:
    """The blog's page: ∂L/∂z₁ = (σ(2.73) − 1) · [0.7, 0.9] = [−0.0428583140, −0.0551035465] (mpmath, 30 digits),
    printed −0.04286 and −0.05510, then ∂L/∂W₁ = [−0.04286; −0.05510] × [1; 2], an outer product, whose true entry
    [1, 1] is −0.1102070931, printed −0.11021. Copied as −0.05510, the column gives −0.05510 · 2 = −0.11020, which
    disagrees; the copy written to one more digit, −0.055104, gives −0.110208, which prints −0.11021, and the entry
    [1, 0] −0.055104 · 1 still prints −0.05510."""
    fixed = fix_text(str(BLOG_MD), BLOG_MD.read_text(encoding="utf-8"))
    assert ("= \\begin{bmatrix} -0.04286 \\\\ -0.055104 \\end{bmatrix} \\times \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix} "
            "= \\begin{bmatrix} -0.04286 & -0.08572 \\\\ -0.05510 & -0.11021 \\end{bmatrix}") in fixed.after


def test_a_copy_made_negative_takes_the_pages_minus() -> None:
    """d = 0.3 − 0.5 = −0.2 (exact), printed 0.2, on a page that writes − (U+2212). Its copies: 1 − 0.2 becomes 1 + 0.2
    = 1.2 (1 − (−0.2)); 2 × 0.2 becomes 2 × (−0.2) = −0.4, with the page's −, though its line prints no minus;
    0.2² stays: under an even power the page writes d's magnitude, and (−0.2)² = 0.2² = 0.04; k = −d = 0.2."""
    page = ("# t\n\n$$d = 0.3 − 0.5 = 0.2$$\n\n$$e = 1 − d = 1 − 0.2 = 0.8$$\n\n$$f = 2 d = 2 \\times 0.2 = 0.4$$\n\n"
            "$$g = d^2 = 0.2^2 = 0.04$$\n\n$$k = −d = −0.2$$\n")
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == ("# t\n\n$$d = 0.3 − 0.5 = −0.2$$\n\n$$e = 1 − d = 1 + 0.2 = 1.2$$\n\n"
                           "$$f = 2 d = 2 \\times (−0.2) = −0.4$$\n\n$$g = d^2 = 0.2^2 = 0.04$$\n\n$$k = −d = 0.2$$\n")
    assert "-" not in fixed.after.replace("# t", "")


def test_an_exact_given_put_in_is_written_as_the_page_printed_it() -> None:
    """w₂ = 1.2 is a given, h = 0.4621 too; m = w₂ h puts in 0.8 for w₂. The true m = 1.2 · 0.4621 = 0.55452 exactly
    (fractions), printed 0.5545, and 1.2 · 0.4621 = 0.55452 agrees: 1.2 goes in as the page printed it, not 1.2000
    (zeros no line printed)."""
    page = "# t\n\n$$w_1 = 0.8, \\quad w_2 = 1.2, \\quad h = 0.4621$$\n\n$$m = w_2 h = 0.8 \\times 0.4621 = 0.3697$$\n"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("0.8 \\times 0.4621 = 0.3697", "1.2 \\times 0.4621 = 0.5545")
    assert fixed.unfixed == ()


def test_only_fixes_nothing_that_would_leave_a_kind_it_keeps_disagreeing_with_its_line() -> None:
    """h = tanh(0.5) = 0.46211716 printed 0.4612 (wrong); z = 2 h carries it (2 · 0.4612 = 0.9224) and a = tanh(z)
    copies z: tanh(0.9224) = 0.72703 prints 0.7270 (mpmath). With --only wrong, the carried z is not rewritten, so the
    fix of h, whose copy would make z's line read 2 · 0.4621 = 0.9242 ≠ 0.9224, is not made, and listed: the page is
    unchanged. When a = 0.7273 is wrong as well (its true value tanh(2 tanh 0.5) = 0.72789 disagrees with
    tanh(0.9224) = 0.72703, and a copy of the carried z cannot take more digits: 0.92423 does not print 0.9224), a is
    written 0.7270, as its line gives it, and a second fix changes nothing."""
    page = ("# t\n\n$$h = \\tanh(0.5) = 0.4612$$\n\n$$z = 2 h = 2 \\times 0.4612 = 0.9224$$\n\n"
            "$$a = \\tanh(z) = \\tanh(0.9224) = 0.7270$$\n")
    fixed = fix_text("p.md", page, (Kind.WRONG,))
    assert fixed.after == page
    assert [(v.stated, "not asked to rewrite" in reason) for v, reason in fixed.unfixed] == [("0.4612", True)]
    page = page.replace("= 0.7270$$", "= 0.7273$$")
    fixed = fix_text("p.md", page, (Kind.WRONG,))
    assert fixed.after == page.replace("= 0.7273$$", "= 0.7270$$")
    assert fix_text("p.md", fixed.after, (Kind.WRONG,)).changed == ()


def test_a_number_fix_rewrites_is_not_also_listed_as_not_fixed() -> None:
    """The epochs page: w = 0.3 − 0.5 (σ(0.6) − 1) · 2 = 0.65434 (mpmath: σ(0.6) = 0.64565631), so epoch 2's
    z = 0.6543 · 2 = 1.3068 is wrong (true 1.30869); the copy written 0.65434 gives 1.30868, printed 1.3087. Epoch 2's
    update 0.6543 − 0.5 · (−0.4254) = 0.8670 is written as its line gives it (its true 0.86705 prints 0.8671): each
    number fix rewrites is counted as fixed, and none is listed as not fixed."""
    page = ("<p>We train \\(\\hat{y} = \\sigma(w x)\\) with \\(x = 2\\), target \\(y = 1\\), learning rate "
            "\\(\\eta = 0.5\\), starting from \\(w = 0.3\\).</p>\n<h2>Epoch 1</h2>\n"
            "<p>\\[z = w x = 0.3 \\times 2 = 0.6\\]</p>\n<p>\\[\\hat{y} = \\sigma(0.6) = 0.6457\\]</p>\n"
            "<p>\\[g = (\\hat{y} - y) x = (0.6457 - 1) \\times 2 = -0.7086\\]</p>\n"
            "<p>\\[w \\leftarrow 0.3 - 0.5 \\times (-0.7086) = 0.6543\\]</p>\n<h2>Epoch 2</h2>\n"
            "<p>\\[z = w x = 0.6543 \\times 2 = 1.3068\\]</p>\n<p>\\[\\hat{y} = \\sigma(1.3068) = 0.7870\\]</p>\n"
            "<p>\\[g = (\\hat{y} - y) x = (0.7870 - 1) \\times 2 = -0.4260\\]</p>\n"
            "<p>\\[w \\leftarrow 0.6543 - 0.5 \\times (-0.4260) = 0.8673\\]</p>\n")
    fixed = _fixed_twice("p.html", page)
    assert "0.65434 \\times 2 = 1.3087\\]" in fixed.after and "\\times (-0.4254) = 0.8670\\]" in fixed.after
    rewritten = {(e.verdict.ref, e.line) for e in fixed.changed if not e.copy}
    assert rewritten and not rewritten & {(v.ref, v.location.line) for v, _ in fixed.unfixed}


def test_a_fixed_specs_latex_shows_its_results(tmp_path: Path) -> None:
    """After `fix --write` on a copy of specs/blog.yaml, every latex: string fix rewrote gives its printed result by
    its visible arithmetic (the side just before it), the copied values written with more digits where needed; the
    spec audits clean and a second fix changes nothing."""
    from decimal import Decimal

    from ruamel.yaml import YAML

    from nncheck.fix import shows_result

    spec = tmp_path / "blog.yaml"
    spec.write_text(BLOG.read_text(encoding="utf-8"), encoding="utf-8")
    before = {c["quantity"]: c.get("latex") for c in YAML(typ="safe").load(spec.read_text(encoding="utf-8"))["claims"]}
    status, _, _ = run_cli("fix", "--write", str(spec))
    assert status == 1
    claims = YAML(typ="safe").load(spec.read_text(encoding="utf-8"))["claims"]
    rewritten = [c["latex"] for c in claims if c.get("latex") and c["latex"] != before[c["quantity"]]]
    assert len(rewritten) > 5 and all(shows_result(latex) for latex in rewritten)
    latex = {c["quantity"]: c.get("latex") for c in claims}
    # ŷ(1 − ŷ): 0.939 × (1 − 0.939) = 0.939 × 0.061 = 0.057279 would print 0.0573, not the true 0.0575; with ŷ
    # written 0.9388: 0.9388 × 0.0612 = 0.05745456, which rounds to 0.0575.
    assert latex["dyhat/dz2"].endswith("0.9388 \\times (1 - 0.9388) = 0.0575")
    assert Decimal("0.939") * (1 - Decimal("0.939")) == Decimal("0.057279")
    assert (Decimal("0.9388") * (1 - Decimal("0.9388"))).quantize(Decimal("0.0001")) == Decimal("0.0575")
    # ∂L/∂W₂ = ∂L/∂z₂ · a₁: −0.061 × [1.3, 1.8] = [−0.0793, −0.1098], not the printed [−0.0796, −0.1102]; with
    # ∂L/∂z₂ written −0.0612: −0.0612 × 1.3 = −0.07956 → −0.0796 and −0.0612 × 1.8 = −0.11016 → −0.1102.
    assert "-0.0612 \\times \\begin{bmatrix} 1.3 \\\\ 1.8 \\end{bmatrix} = \\begin{bmatrix} -0.0796 \\\\ -0.1102" \
        in latex["dL/dW2"]
    assert [Decimal("-0.061") * Decimal(a) for a in ("1.3", "1.8")] == [Decimal("-0.0793"), Decimal("-0.1098")]
    assert [(Decimal("-0.0612") * Decimal(a)).quantize(Decimal("0.0001")) for a in ("1.3", "1.8")] \
        == [Decimal("-0.0796"), Decimal("-0.1102")]
    assert "uses: {yhat: 0.9388}" in spec.read_text(encoding="utf-8")
    assert "uses: {dL/dz2: -0.0612, dz2/dW2: [1.3, 1.8]}" in spec.read_text(encoding="utf-8")
    # ∂L/∂W₁ = ∂L/∂z₁ · x with x = [1, 2]: its result side prints the claim's own values, though the used
    # −0.055104 (∂L/∂z₁[1], written with one more digit) times 1 has the same leading digits as the value −0.05510.
    (w1,) = [c for c in claims if c["quantity"] == "dL/dW1"]
    assert latex["dL/dW1"].endswith("\\begin{bmatrix} -0.04286 & -0.08572 \\\\ -0.05510 & -0.11021 \\end{bmatrix}")
    assert [[str(v) for v in row] for row in w1["value"]] == [["-0.04286", "-0.08572"], ["-0.0551", "-0.11021"]]
    status, out, _ = run_cli("audit", str(spec))
    assert "31 holds" in out
    status, out, _ = run_cli("fix", str(spec))
    assert status == 0 and out == ""


# One page's displays, written below as Markdown, a notebook's markdown cell, HTML (its & written &amp;) and LaTeX.
_GIVENS = ("x = 2", "w = 0.5", "\\eta = 0.1", "g = -0.6416")
_DISPLAYS = (
    "S = e^{1.2} + e^{-0.4} + e^{0.7} = 6.004",
    "p_3 = \\frac{2.014}{6.004} = 0.3354",
    "L = -\\log p_3 = -\\log(0.34) = 1.079",
    "M = \\log(6.004) - 0.7 = 1.7924 - 0.7 = 1.0924",
    "r = 0.5 \\times 1.2 = 0.65",
    "q = \\tanh(0.5) = 0.4621",
    "k = 3 \\times 0.4621 = 1.3836",
    "a = \\sigma(0.34) = 0.584, \\quad b = \\tanh(0.5735) = 0.518",
    "\\begin{aligned}\nh &= (1 - 0.584)(0.2) + 0.584 \\cdot 0.518 \\\\\n  &= 0.0832 + 0.30251 \\\\\n  &= 0.38571\n\\end{aligned}",
    "w \\leftarrow w - \\eta g = 0.5 - 0.1 \\times (-0.6416) = 0.56416",
    "z = w x = 0.5 \\times 2 = 1.0",
    "\\begin{aligned}\nu &= \\tanh(z) \\\\\n  &= \\tanh(1.0) \\\\\n  &= 0.7616\n\\end{aligned}",
)


def _written(kind: str, displays: tuple[str, ...]) -> str:
    """The page of ``displays`` as a file of ``kind``."""
    import nbformat

    if kind == "html":
        givens = ", ".join(f"\\({given}\\)" for given in _GIVENS)
        body = "".join(f"\\[ {display} \\]\n".replace("&", "&amp;") for display in displays)
        return f"<html><body>\n<h1>Fix</h1>\n<p>Givens: {givens}.</p>\n{body}</body></html>\n"
    givens = ", ".join(f"${given}$" for given in _GIVENS)
    if kind == "tex":
        body = "".join(f"\\[ {display} \\]\n" for display in displays)
        return f"\\documentclass{{article}}\\begin{{document}}\n\\section{{Fix}}\nGivens: {givens}.\n{body}\\end{{document}}\n"
    page = f"# Fix\n\nGivens: {givens}.\n\n" + "".join(f"$$\n{display}\n$$\n\n" if "\n" in display else f"$$ {display} $$\n\n"
                                                       for display in displays)
    if kind == "md":
        return page
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(page, id="fix")]
    return str(nbformat.writes(notebook))


@pytest.mark.parametrize("kind", ["md", "ipynb", "html", "tex"])
def test_a_page_gets_the_same_fix_in_markdown_a_notebook_html_and_latex(kind: str) -> None:
    """The same displays, between $$ … $$ or \\[ … \\], one of them on several rows: fix corrects the same numbers
    and lists the same ones whatever the page's format. By hand (mpmath, 30 digits):

    - listed, each the arithmetic of a rounded number fix keeps: −ln 0.34 = 1.07881 prints 1.079 (the true L, from
      p₃ = 0.33544, is 1.0923); ln 6.004 = 1.792426 prints 1.7924 (true S = 6.0041897), and 1.7924 − 0.7 = 1.0924
      exactly; 0.584 · 0.518 = 0.302512 prints 0.30251 (true a·b = 0.3025669), and the row below it, 0.0832 +
      0.30251 = 0.38571 exactly (true h = 0.3857288): the rows of one aligned display are one chain;
    - corrected: r = 0.5 · 1.2 = 0.60; k = 3 tanh(0.5) = 1.3863515 prints 1.3864, beside which 3 · 0.4621 = 1.3863
      is false, so the copy of q is written 0.46212 (3 · 0.46212 = 1.38636); w = 0.5 + 0.1 · 0.6416 = 0.56416 is
      put in for the stale 0.5, z = 1.12832: written 1.1, its copy on the row above u would read tanh(1.1) = 0.80050
      beside u = tanh(1.12832) = 0.81044 (0.8104), and tanh(1.13) = 0.81102, tanh(1.128) = 0.81033 disagree too;
      tanh(1.1283) = 0.81043664 prints 0.8104, so z is written 1.1283 (1.12832 rounds to it) there and in u's row."""
    fixed = _fixed_twice(f"p.{kind}", _written(kind, _DISPLAYS))
    corrected = [display.replace("0.65", "0.60").replace("3 \\times 0.4621 = 1.3836", "3 \\times 0.46212 = 1.3864")
                 .replace("0.5 \\times 2 = 1.0", "0.56416 \\times 2 = 1.1283").replace("\\tanh(1.0)", "\\tanh(1.1283)")
                 .replace("0.7616", "0.8104") for display in _DISPLAYS]
    assert fixed.after == _written(kind, tuple(corrected)), fixed.after
    assert sorted((edit.old, edit.new) for edit in fixed.changed) == [
        ("0.4621", "0.46212"), ("0.5", "0.56416"), ("0.65", "0.60"), ("0.7616", "0.8104"), ("1.0", "1.1283"),
        ("1.0", "1.1283"), ("1.3836", "1.3864")]
    listed = {verdict.stated: reason for verdict, reason in fixed.unfixed}
    assert set(listed) == {"1.079", "1.7924", "1.0924", "0.30251", "0.38571"}
    assert "the arithmetic of the rounded 0.34" in listed["1.079"]
    assert "the arithmetic of the rounded 0.0832 (eq9.1), 0.30251 (eq9.2)" in listed["0.38571"]
    assert fixed.notes == ()


def test_the_last_row_of_an_aligned_display_is_checked_against_the_row_above() -> None:
    """a = σ(0.34) = 0.5841905 and b = tanh(0.5735) = 0.5179251 hold as 0.584 and 0.518. The display works h out in
    those rounded numbers: 0.584 · 0.518 = 0.302512 prints 0.30251, and 0.0832 + 0.30251 = 0.38571 exactly; the
    true h = 0.416 · 0.2 + a b = 0.3857288 would print 0.38573, which the row above it does not add up to. Both are
    listed, and nothing is rewritten."""
    page = ("# Fix\n\n$$a = \\sigma(0.34) = 0.584, \\quad b = \\tanh(0.5735) = 0.518$$\n\n$$\n\\begin{aligned}\n"
            "h &= (1 - 0.584)(0.2) + 0.584 \\cdot 0.518 \\\\\n  &= 0.0832 + 0.30251 \\\\\n  &= 0.38571\n"
            "\\end{aligned}\n$$\n")
    assert Fraction("0.0832") + Fraction("0.30251") == Fraction("0.38571")
    fixed = fix_text("p.md", page)
    assert fixed.after == page
    listed = {verdict.stated: reason for verdict, reason in fixed.unfixed}
    assert set(listed) == {"0.30251", "0.38571"}
    assert "the arithmetic of the rounded 0.0832 (eq2.1), 0.30251 (eq2.2)" in listed["0.38571"]


def _sigmoid(x: str, places: int) -> str:
    """σ(x) rounded half-even to ``places`` decimals, with the decimal module (60 digits)."""
    import decimal

    with decimal.localcontext(decimal.Context(prec=60)):
        value = 1 / (1 + (-decimal.Decimal(x)).exp())
        return str(value.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN))


def _tanh(x: str, places: int) -> str:
    """tanh(x) rounded half-even to ``places`` decimals, with the decimal module (60 digits)."""
    import decimal

    with decimal.localcontext(decimal.Context(prec=60)):
        twice = (2 * decimal.Decimal(x)).exp()
        return str(((twice - 1) / (twice + 1)).quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN))


def _round(value: Fraction, places: int) -> str:
    """An exact value rounded half-even to ``places`` decimals (a tie is not expected here)."""
    import decimal

    exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
    return str(exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN))


_TERMS_GIVENS = "$$a = \\sigma(0.34) = {a}, \\quad b = \\tanh(0.5735) = 0.518$$\n\n"


@pytest.mark.parametrize("aligned", [True, False])
def test_a_term_inside_a_side_is_checked_against_the_part_of_the_side_before_it_works_out(aligned: bool) -> None:
    """a = σ(0.34) = 0.5841905 is printed 0.548; fixed, its copies make the line read (1 − 0.584)(0.2) + 0.584 · 0.518,
    whose terms work out to 0.0832 and 0.302512. The term 0.28386 (the old 0.548 · 0.518) is not the line's result
    but a term of the next side: its true value a b = 0.3025669 prints 0.30257, which 0.584 · 0.518 does not give, and
    b's copy to 1–3 more digits does not reach it (0.584 · 0.5179 = 0.3024536, · 0.51793 = 0.3024711, · 0.517925 =
    0.3024682), nor a to more digits (0.5842 · 0.518 = 0.3026156, 0.58419: 0.3026104, 0.584191: 0.3026109). So it is
    written as the line gives it, 0.30251, with a note; then h = 0.0832 + 0.30251 = 0.38571 exactly (the true h
    0.3857288 would print 0.38573), written so, with a note. The same in one display row or in an aligned display."""
    a = _sigmoid("0.34", 3)
    assert (a, _tanh("0.5735", 3)) == ("0.584", "0.518")
    first = (1 - Fraction(a)) * Fraction("0.2")
    term = _round(Fraction(a) * Fraction("0.518"), 5)
    assert (first, Fraction(a) * Fraction("0.518"), term) == (Fraction("0.0832"), Fraction("0.302512"), "0.30251")
    assert _round(Fraction(a) * Fraction("0.518") - Fraction(a) * Fraction("0.518") + first + Fraction(term), 5) == "0.38571"
    for b in ("0.5179", "0.51793", "0.517925"):
        assert _round(Fraction(a) * Fraction(b), 5) != "0.30257"
    for longer in ("0.5842", "0.58419", "0.584191"):
        assert _round(Fraction(longer) * Fraction("0.518"), 5) != "0.30257"

    def page(a: str, rows: tuple[str, str, str]) -> str:
        if aligned:
            return ("# Fix\n\n" + _TERMS_GIVENS.format(a=a) + "$$\n\\begin{aligned}\nh &= " + rows[0] + " \\\\\n  &= "
                    + rows[1] + " \\\\\n  &= " + rows[2] + "\n\\end{aligned}\n$$\n")
        return "# Fix\n\n" + _TERMS_GIVENS.format(a=a) + f"$$h = {rows[0]} = {rows[1]} = {rows[2]}$$\n"

    fixed = _fixed_twice("p.md", page("0.548", ("(1 - 0.548)(0.2) + 0.548 \\cdot 0.518", "0.0904 + 0.28386", "0.37426")))
    assert fixed.after == page("0.584", (f"(1 - {a})(0.2) + {a} \\cdot 0.518", f"0.0832 + {term}", "0.38571"))
    assert any("0.28386 is written 0.30251" in note for note in fixed.notes)
    assert any("0.37426 is written 0.38571" in note for note in fixed.notes)


@pytest.mark.parametrize("aligned", [True, False])
def test_a_wrong_term_gets_its_true_value_only_with_arithmetic_beside_it_that_gives_it(aligned: bool) -> None:
    """a = 0.584 and b = 0.518 hold (σ(0.34) = 0.58419052, tanh(0.5735) = 0.51792506); the term 0.30521 of a b is
    wrong, and its true 0.3025669 prints 0.30257, which the 0.584 · 0.518 = 0.302512 beside it does not give. One
    copy to more digits does not reach it (0.5842 · 0.518 = 0.3026156, 0.58419 · 0.518 = 0.3026104, 0.584 · 0.5179 =
    0.3024536, 0.584 · 0.51793 = 0.3024711, …), nor both to one more digit (0.5842 · 0.5179 = 0.3025572); both to two
    more, 0.58419 · 0.51793 = 0.3025695, print 0.30257. The copy of a in (1 − 0.584)(0.2), which that term does not
    read, stays. Then 0.0832 + 0.30257 = 0.38577, written so with a note (the true h 0.3857288 prints 0.38573)."""
    a, b = _sigmoid("0.34", 5), _tanh("0.5735", 5)
    assert (a, b) == ("0.58419", "0.51793") and (_sigmoid("0.34", 3), _tanh("0.5735", 3)) == ("0.584", "0.518")
    assert _round(Fraction(a) * Fraction(b), 5) == "0.30257"
    for one, other in (("0.5842", "0.518"), ("0.58419", "0.518"), ("0.584191", "0.518"), ("0.584", "0.5179"),
                       ("0.584", "0.51793"), ("0.584", "0.517925"), ("0.5842", "0.5179")):
        assert _round(Fraction(one) * Fraction(other), 5) != "0.30257"
    assert Fraction("0.0832") + Fraction("0.30257") == Fraction("0.38577")
    assert _round((1 - Fraction("0.584")) * Fraction("0.2"), 4) == "0.0832"
    rows = ("(1 - 0.584)(0.2) + {a} \\cdot {b}", "0.0832 + {term}", "{h}")

    def page(a: str, b: str, term: str, h: str) -> str:
        written = tuple(row.format(a=a, b=b, term=term, h=h) for row in rows)
        if aligned:
            return ("# Fix\n\n" + _TERMS_GIVENS.format(a="0.584") + "$$\n\\begin{aligned}\nh &= " + written[0]
                    + " \\\\\n  &= " + written[1] + " \\\\\n  &= " + written[2] + "\n\\end{aligned}\n$$\n")
        return "# Fix\n\n" + _TERMS_GIVENS.format(a="0.584") + "$$h = " + " = ".join(written) + "$$\n"

    fixed = _fixed_twice("p.md", page("0.584", "0.518", "0.30521", "0.38841"))
    assert fixed.after == page(a, b, "0.30257", "0.38577")
    assert any("0.38841 is written 0.38577" in note for note in fixed.notes)


def test_a_sum_worked_out_into_fewer_terms_is_checked_term_by_term() -> None:
    """0.548 · 0.518 + 0.1 − 0.05 = 0.28386 + 0.05: the sum's last two terms are worked out together. a fixed to
    0.584, its copy gives 0.584 · 0.518 = 0.302512, written 0.30251 (the true 0.3025669 would print 0.30257, which
    the product beside it does not give), and 0.30251 + 0.05 = 0.35251."""
    page = "# Fix\n\n" + _TERMS_GIVENS.format(a="{a}") + "$$h = {a} \\cdot 0.518 + 0.1 - 0.05 = {term} + 0.05 = {h}$$\n"
    assert Fraction("0.1") - Fraction("0.05") == Fraction("0.05")
    assert _round(Fraction("0.584") * Fraction("0.518"), 5) == "0.30251"
    assert Fraction("0.30251") + Fraction("0.05") == Fraction("0.35251")
    fixed = _fixed_twice("p.md", page.format(a="0.548", term="0.28386", h="0.33386"))
    assert fixed.after == page.format(a="0.584", term="0.30251", h="0.35251")


_POOL = ("\\documentclass{{article}}\n\\begin{{document}}\n\\section{{Pool}}\n\\[\n"
         "Z = \\begin{{bmatrix}} 0 & 6.75 \\\\ 1 & -0.57 \\end{{bmatrix}}, \\qquad\n"
         "A = \\sigma(Z) = \\begin{{bmatrix}} 0.500 & 0.999 \\\\ 0.731 & {a} \\end{{bmatrix}}.\n\\]\n\\[\n"
         "\\bar{{a}} = \\frac{{0.500 + 0.999 + 0.731 + {a}}}{{4}} = \\frac{{{total}}}{{4}} = {mean}.\n\\]\n"
         "\\end{{document}}\n")


def test_a_numerator_worked_out_is_checked_against_the_sum_it_works_out() -> None:
    """A global average pool: σ(−0.57) = 0.3612368 is printed 0.321, and its copy in the numerator is fixed with it.
    The printed numerator 2.551 is then the value of the sum above it: 0.500 + 0.999 + 0.731 + 0.361 = 2.591, which
    is also the true sum (σ(0) + σ(6.75) + σ(1) + σ(−0.57) = 2.5911259); and 2.591 / 4 = 0.64775, a tie that 0.6478
    (the true mean 0.6477815) takes. With --only wrong, 2.551 (carried) is not rewritten, so 0.321 is not either."""
    import decimal

    assert _sigmoid("-0.57", 3) == "0.361"
    total = Fraction("0.500") + Fraction("0.999") + Fraction("0.731") + Fraction("0.361")
    assert total == Fraction("2.591") and total / 4 == Fraction("0.64775")
    true = sum((decimal.Decimal(_sigmoid(x, 30)) for x in ("0", "6.75", "1", "-0.57")), decimal.Decimal(0))
    assert round(true, 3) == decimal.Decimal("2.591") and round(true / 4, 4) == decimal.Decimal("0.6478")
    fixed = _fixed_twice("p.tex", _POOL.format(a="0.321", total="2.551", mean="0.6378"))
    assert fixed.after == _POOL.format(a="0.361", total="2.591", mean="0.6478")
    page = _POOL.format(a="0.321", total="2.551", mean="0.6378")
    fixed = fix_text("p.tex", page, (Kind.WRONG,))
    assert fixed.after == page
    assert [(v.stated, "2.551 (carried)" in reason) for v, reason in fixed.unfixed] == [("0.321", True)]


def test_a_result_is_not_written_with_no_significant_digit() -> None:
    """x₂ = 0.2 is given; the line puts in a stale 0.5 for it. Replaced, 0.2 · 0.2 = 0.04 exactly: printed to the one
    decimal of the stale 0.1 it would read 0.0, which agrees with the arithmetic but shows nothing of the value, so
    it gets the digits that show its value (one significant digit, as the 0.1 it replaces): 0.04. Likewise
    d = tanh(0.55) − 0.5 = 0.00052021 printed 0.1: 0.0005, and 0.5 − 0.5 gives 0, so the copy of a is written to
    the digits that give it (tanh(0.55) = 0.50052021: 0.5005 − 0.5 = 0.0005)."""
    page = ("# Net\n\n## Setup\n\n$x_1 = 0.5$, $x_2 = 0.2$, $w_1 = 0.4$.\n\n$$\\delta = w_1 x_1 = 0.4 \\times 0.5 = 0.2$$\n\n"
            "$$\\frac{\\partial E}{\\partial w_2} = \\delta x_2 = 0.2 \\times 0.5 = 0.1$$\n")
    assert Fraction("0.2") * Fraction("0.2") == Fraction("0.04")
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("0.2 \\times 0.5 = 0.1", "0.2 \\times 0.2 = 0.04")
    assert _tanh("0.55", 4) == "0.5005" and _round(Fraction(_tanh("0.55", 30)) - Fraction("0.5"), 4) == "0.0005"
    page = "# z\n\n$$a = \\tanh(0.55) = 0.5$$\n\n$$d = a - 0.5 = 0.5 - 0.5 = 0.1$$\n"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page.replace("0.5 - 0.5 = 0.1", "0.5005 - 0.5 = 0.0005")


@pytest.mark.parametrize(("value", "printed", "expected"), [
    ("0.04", "0.1", "0.04"),  # one significant digit, as printed
    ("0.004", "0.12", "0.0040"),  # two
    ("-0.0007", "0.5", "-0.0007"),
    ("0.0961", "0.1", "0.1"),  # 0.1 at the printed place is not 0: kept
    ("0.0098", "0.1", "0.010"),  # its first significant digit's place, rounded there
    ("0.0098", "0.12", "0.01"),  # not 0 at the printed place: kept
    ("0.00015", "0.1", "0.00015"),  # a tie at 0.0001 and 0.0002, settled at the next place
    ("0.06", "0.1", "0.1"),
    ("0", "0.1", "0.0"),  # 0 is shown as 0
    ("0.0004", "1.2e-3", "0.4e-3"),  # an exponent form is kept as it is
])
def test_a_value_that_would_print_as_zero_is_shown_to_its_first_significant_digits(value: str, printed: str,
                                                                                   expected: str) -> None:
    from nncheck.fix import showing

    form = showing(Fraction(value), parse_printed(printed))
    assert printed_like(Fraction(value), form) == expected


def test_a_number_carried_on_unchanged_to_the_next_side_is_rewritten_with_it() -> None:
    """z₁ = 0.8 · 0.8 = 0.64 is printed 0.637 and fixed to 0.640; z₂ = 0.8 · 0.64 + 0.8 = 1.312 holds as 1.31. In
    0.637 · 1.31 + 0.637 = 0.834 + 0.637 the second 0.637 is carried on unchanged to the next side: it is the same
    number, rewritten with its copy (the page judge ties only one of them to z₁ when it reads them). The term's true
    value z₁ z₂ = 0.83968 prints 0.840, which 0.640 · 1.31 = 0.8384 does not give: the copy of z₂ is written 1.312
    (1.312 rounds to 1.31; 0.640 · 1.312 = 0.83968); and 0.840 + 0.640 = 1.480, the true a₂ = 1.47968."""
    page = ("# A worked example\n\n$$x = 0.8$$\n\n$$z_1 = x \\cdot x = 0.8 \\cdot 0.8 = {z1}$$\n\n"
            "$$z_2 = x \\cdot z_1 + x = 0.8 \\cdot {z1} + 0.8 = 1.31$$\n\n"
            "$$a_2 = z_1 \\cdot z_2 + z_1 = {z1} \\cdot {z2} + {z1} = {term} + {z1} = {a2}$$\n")
    assert _round(Fraction("0.64") * Fraction("1.312"), 3) == "0.840" and _round(Fraction("0.640") * Fraction("1.31"), 3) == "0.838"
    assert _round(Fraction("0.8") * Fraction("0.64") + Fraction("0.8"), 2) == "1.31"
    assert Fraction("0.840") + Fraction("0.640") == Fraction("1.480") and _round(Fraction("1.47968"), 3) == "1.480"
    fixed = _fixed_twice("p.md", page.format(z1="0.637", z2="1.31", term="0.834", a2="1.471"))
    assert fixed.after == page.format(z1="0.640", z2="1.312", term="0.840", a2="1.480")


def test_a_number_carried_on_is_the_number_first_written_not_a_result_of_the_same_digits() -> None:
    """z₁ = tanh(0.25) = 0.24491866 is printed 0.25 and fixed to 0.24. In x · x + x = 0.25 · 0.25 + 0.25 = 0.06 +
    0.25 the last 0.25 has z₁'s printed digits, but it carries on the x substituted before it, which fix keeps: it
    stays 0.25 (0.0625 prints 0.06, and 0.06 + 0.25 = 0.31), and fixing again changes nothing."""
    page = ("# A worked example\n\n$$x = 0.25$$\n\n$$z_1 = \\tanh(x) = \\tanh(0.25) = {z1}$$\n\n"
            "$$a_2 = x \\cdot x + x = 0.25 \\cdot 0.25 + 0.25 = 0.06 + 0.25 = 0.31$$\n")
    assert _tanh("0.25", 2) == "0.24" and _round(Fraction("0.0625"), 2) == "0.06"
    assert Fraction("0.06") + Fraction("0.25") == Fraction("0.31")
    fixed = _fixed_twice("p.md", page.format(z1="0.25"))
    assert fixed.after == page.format(z1="0.24")


def test_a_copy_written_longer_for_one_line_keeps_its_digits_when_another_lines_trial_is_taken_back() -> None:
    """σ(0.5) = 0.62245933 is printed 0.59 and fixed to 0.62; a₁ = 0.25 + σ(0.5) = 0.8724593 prints 0.87, which its
    own line 0.25 + 0.62 gives. z₂ = 0.5 − a₁ = −0.3724593 prints −0.372, which 0.5 − 0.87 = −0.37 does not give,
    so the copy of a₁ there is written 0.872. a₂ = 0.25 + a₁ = 1.1224593 prints 1.122: 0.25 + 0.87 = 1.12 does not
    give it either; trying a₁ itself longer (its own line would disagree) and taking that back leaves z₂'s copy at
    0.872, and a₂'s copy gets 0.872 as well."""
    page = ("# A worked example\n\n$$x = 0.5$$\n\n$$z_1 = \\sigma(x) = \\sigma(0.5) = {z1}$$\n\n"
            "$$a_1 = x \\cdot x + z_1 = 0.5 \\cdot 0.5 + {z1} = 0.25 + {z1} = {a1}$$\n\n"
            "$$z_2 = x - a_1 = 0.5 - {c1} = {z2}$$\n\n$$a_2 = x \\cdot x + a_1 = 0.5 \\cdot 0.5 + {c2} = {a2}$$\n")
    assert _sigmoid("0.5", 2) == "0.62" and Fraction("0.25") + Fraction("0.62") == Fraction("0.87")
    assert _round(Fraction("0.5") - Fraction("0.25") - Fraction(_sigmoid("0.5", 30)), 3) == "-0.372"
    assert Fraction("0.5") - Fraction("0.872") == Fraction("-0.372") and Fraction("0.25") + Fraction("0.872") == Fraction("1.122")
    fixed = _fixed_twice("p.md", page.format(z1="0.59", a1="0.84", c1="0.84", z2="-0.340", c2="0.84", a2="1.090"))
    assert fixed.after == page.format(z1="0.62", a1="0.87", c1="0.872", z2="-0.372", c2="0.872", a2="1.122")


def test_a_fix_that_rests_on_a_fix_not_made_is_not_made() -> None:
    """z₁ = 0.25 · 0.25 = 0.0625 is printed 0.0622. Its copy in 0.12 + 0.0622 = 0.19 (0.5 · 0.25 = 0.125, a tie
    printed 0.12) would read 0.12 + 0.0625 = 0.1825, not the 0.19 that holds there (the true z₂ = 0.1875), and no
    digits of the copy help: z₁ is left as printed. a₁ = σ(z₁) = σ(0.0625) = 0.5156199 would be 0.5156, but beside
    σ(0.0622) = 0.5155449 that is false: a₁ is left too, and both are listed."""
    page = ("# A worked example\n\n$$x = 0.5$$\n\n$$w = 0.25$$\n\n$$z_1 = w \\cdot w = 0.25 \\cdot 0.25 = 0.0622$$\n\n"
            "$$a_1 = \\sigma(z_1) = \\sigma(0.0622) = 0.5155$$\n\n"
            "$$z_2 = x \\cdot w + z_1 = 0.5 \\cdot 0.25 + 0.0622 = 0.12 + 0.0622 = 0.19$$\n")
    assert (_sigmoid("0.0625", 4), _sigmoid("0.0622", 4)) == ("0.5156", "0.5155")
    assert _round(Fraction("0.12") + Fraction("0.0625"), 2) == "0.18"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page
    assert [v.stated for v, _ in fixed.unfixed] == ["0.0622", "0.5155"]


def test_a_specs_latex_shows_a_term_only_as_its_arithmetic_gives_it() -> None:
    """A claim's LaTeX is checked as a page's line is, each printed term against the part it works out."""
    from nncheck.fix import shows_result

    assert shows_result("h = 0.584 \\cdot 0.518 + 0.05 = 0.30251 + 0.05 = 0.35251")
    assert not shows_result("h = 0.584 \\cdot 0.518 + 0.05 = 0.30257 + 0.05 = 0.35257")
    assert not shows_result("m = \\frac{0.5 + 0.361}{2} = \\frac{0.821}{2} = 0.4105")


def test_the_copies_of_one_value_on_a_line_get_more_digits_together() -> None:
    """σ(0.5) = 0.62245933 printed 0.59 is fixed; a₁ = −1.2 σ(0.5) = −0.7469512 prints −0.75, which −1.2 · 0.62 =
    −0.744 does not give, so z₁ is written 0.622 (−1.2 · 0.622 = −0.7464). z₂ = a₁(1 − a₁) = −1.3048874 prints
    −1.305; its two copies of a₁ as −0.75 give −1.3125, one of them longer −0.747 · 1.75 = −1.30725 or −0.75 · 1.747 =
    −1.31025, both together −0.747 · 1.747 = −1.305009, which prints −1.305: they stand for the same value."""
    import decimal

    page = ("# A worked example\n\n$$x = 0.5$$\n\n$$b = -1.2$$\n\n$$z_1 = \\sigma(x) = \\sigma(0.5) = {z1}$$\n\n"
            "$$a_1 = b \\cdot z_1 = (-1.2) \\cdot {z1} = {a1}$$\n\n$$z_2 = a_1(1 - a_1) = ({c})(1 - ({c})) = {z2}$$\n")
    sigma = Fraction(_sigmoid("0.5", 30))
    assert _sigmoid("0.5", 3) == "0.622" and _round(Fraction("-1.2") * sigma, 2) == "-0.75"
    assert _round(Fraction("-1.2") * Fraction("0.622"), 2) == "-0.75" and _round(Fraction("-1.2") * Fraction("0.62"), 2) == "-0.74"
    assert _round(Fraction("-1.2") * sigma * (1 + Fraction("1.2") * sigma), 3) == "-1.305"
    for p, q in (("-0.75", "-0.75"), ("-0.747", "-0.75"), ("-0.75", "-0.747")):
        assert _round(Fraction(p) * (1 - Fraction(q)), 3) != "-1.305"
    assert Fraction("-0.747") * (1 - Fraction("-0.747")) == Fraction(decimal.Decimal("-1.305009"))
    fixed = _fixed_twice("p.md", page.format(z1="0.59", a1="-0.71", c="-0.71", z2="-1.214"))
    assert fixed.after == page.format(z1="0.622", a1="-0.75", c="-0.747", z2="-1.305")


def test_a_term_whose_fix_would_break_a_result_that_holds_is_left() -> None:
    """0.25 · 0.62246 = 0.155615 exactly, a tie the page prints 0.15562; the true w σ(0.5) = 0.1556148 prints
    0.15561, which the tie also gives. But h = 0.15562 + 0.235 = 0.39062 holds (the true h = 0.3906185), and
    0.15561 + 0.235 = 0.39061 would not: fix is not asked to rewrite a number that holds, so the term is left and
    listed, and the page is unchanged."""
    page = ("# A worked example\n\n$$w = 0.25$$\n\n$$z_2 = \\sigma(0.5) = 0.62246$$\n\n"
            "$$a_2 = z_2(1 - z_2) = 0.62246(1 - 0.62246) = 0.235$$\n\n"
            "$$h = w \\cdot z_2 + a_2 = 0.25 \\cdot 0.62246 + 0.235 = 0.15562 + 0.235 = 0.39062$$\n")
    sigma = Fraction(_sigmoid("0.5", 30))
    assert Fraction("0.25") * Fraction("0.62246") == Fraction("0.155615") and _round(sigma / 4, 5) == "0.15561"
    assert _round(sigma / 4 + sigma * (1 - sigma), 5) == "0.39062"
    assert Fraction("0.15561") + Fraction("0.235") == Fraction("0.39061")
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page
    assert [(v.stated, "0.39062 (holds)" in reason) for v, reason in fixed.unfixed] == [("0.15562", True)]


def test_a_fix_not_made_takes_back_the_digits_its_copies_were_given() -> None:
    """tanh(−1.2) = −0.8336546 holds as −0.83, σ(−1.2) = 0.2314752 as 0.23148; z₂ = x z₁ = 1.0003855 is printed 1.0011.
    Its true 1.0004 needs z₁'s copy written −0.8337 (1.2 · 0.8337 = 1.00044). But its copy in a₂'s line would give
    0.5 · 1.0004 = 0.5002 (a term 0.500) and 0.500 + 0.23148 = 0.73148, not the 0.732 that holds there (the true
    a₂ = 0.7316680): z₂ is not fixed, nor the term 0.501 whose fix rested on it, and z₁'s copy is −0.83 again, so
    the page is unchanged."""
    page = ("# A worked example\n\n$$x = -1.2$$\n\n$$w = 0.5$$\n\n$$z_1 = \\tanh(x) = \\tanh((-1.2)) = -0.83$$\n\n"
            "$$a_1 = \\sigma(x) = \\sigma((-1.2)) = 0.23148$$\n\n$$z_2 = x \\cdot z_1 = (-1.2) \\cdot (-0.83) = 1.0011$$\n\n"
            "$$a_2 = w \\cdot z_2 + a_1 = 0.5 \\cdot 1.0011 + 0.23148 = 0.501 + 0.23148 = 0.732$$\n")
    tanh, sigma = Fraction(_tanh("-1.2", 30)), Fraction(_sigmoid("-1.2", 30))
    assert (_round(tanh, 2), _round(sigma, 5), _round(Fraction("-1.2") * tanh, 4)) == ("-0.83", "0.23148", "1.0004")
    assert _round(Fraction("-1.2") * Fraction("-0.8337"), 4) == "1.0004" and _round(Fraction("-1.2") * Fraction("-0.834"), 4) != "1.0004"
    assert _round(Fraction("-0.6") * tanh + sigma, 3) == "0.732" and _round(Fraction("0.5") * Fraction("1.0011"), 3) == "0.501"
    assert _round(Fraction("0.5") * Fraction("1.0004"), 3) == "0.500" and _round(Fraction("0.500") + Fraction("0.23148"), 3) == "0.731"
    fixed = _fixed_twice("p.md", page)
    assert fixed.after == page
    assert [v.stated for v, _ in fixed.unfixed] == ["1.0011", "0.501"]


def test_a_term_is_not_written_longer_than_its_own_arithmetic_gives_it() -> None:
    """tanh(0.8) = 0.66403677 is printed 0.66401 and fixed to 0.66404; the term 0.66404 · (−0.39) = −0.2589756 holds
    as −0.2590 (the true z₁ a₁ = −0.2589743). The true a₂ = 0.66403677 · 0.61 = 0.4050624 prints 0.4051, but −0.2590 +
    0.66404 = 0.40504 prints 0.4050; the term written to more digits, −0.25897 (its true value), would give 0.4051 but
    disagree with its own arithmetic, which gives −0.25898. So the term stays, and 0.4050, which its line gives, is
    left and listed."""
    page = ("# A worked example\n\n$$b = -0.3$$\n\n$$z_1 = \\tanh(0.8) = {z1}$$\n\n"
            "$$a_1 = b(1 - b) = (-0.3)(1 - (-0.3)) = -0.39$$\n\n"
            "$$a_2 = z_1 \\cdot a_1 + z_1 = {z1} \\cdot (-0.39) + {z1} = -0.2590 + {z1} = 0.4050$$\n")
    tanh = Fraction(_tanh("0.8", 30))
    assert _round(tanh, 5) == "0.66404" and _round(tanh * Fraction("-0.39"), 4) == "-0.2590"
    assert _round(Fraction("0.66404") * Fraction("-0.39"), 5) == "-0.25898" and _round(tanh * Fraction("-0.39"), 5) == "-0.25897"
    assert _round(tanh * Fraction("0.61"), 4) == "0.4051" and Fraction("-0.2590") + Fraction("0.66404") == Fraction("0.40504")
    fixed = _fixed_twice("p.md", page.format(z1="0.66401"))
    assert fixed.after == page.format(z1="0.66404")
    assert [v.stated for v, _ in fixed.unfixed] == ["0.4050"]


def test_a_line_whose_result_is_not_fixed_keeps_the_copies_it_substitutes() -> None:
    """a₁ = c(1 − c) = −2.64 (c = −1.2) is printed −2.6100 and fixed. z₂ = tanh(a₁) = −0.9898618 would print −0.9899,
    but g = 1.5 z₂ + h = −2.3184415 holds as −2.318 beside 1.5 · (−0.9892) = −1.4838, and with −0.9899 its line would
    read −1.485 + (−0.834) = −2.319: z₂ is not fixed, nor the term. Then tanh(−2.6400) = −0.9892 would be false
    (tanh(−2.61) = −0.9892300): z₂'s line is left as printed, a₁'s copy in it too."""
    page = ("# A worked example\n\n$$w = 1.5$$\n\n$$c = -1.2$$\n\n$$a_1 = c(1 - c) = (-1.2)(1 - (-1.2)) = {a1}$$\n\n"
            "$$z_2 = \\tanh(a_1) = \\tanh((-2.6100)) = -0.9892$$\n\n$$h = \\tanh(c) = \\tanh((-1.2)) = -0.834$$\n\n"
            "$$g = w \\cdot z_2 + h = 1.5 \\cdot (-0.9892) + (-0.834) = -1.484 + (-0.834) = -2.318$$\n")
    z2, h = Fraction(_tanh("-2.64", 30)), Fraction(_tanh("-1.2", 30))
    assert (_round(z2, 4), _round(h, 3), _round(Fraction("1.5") * z2 + h, 3)) == ("-0.9899", "-0.834", "-2.318")
    assert _round(Fraction("1.5") * Fraction("-0.9899"), 3) == "-1.485" and _tanh("-2.61", 4) == "-0.9892"
    assert Fraction("-1.485") + Fraction("-0.834") == Fraction("-2.319") and _tanh("-2.64", 4) != "-0.9892"
    fixed = _fixed_twice("p.md", page.format(a1="-2.6100"))
    assert fixed.after == page.format(a1="-2.6400")
    assert [v.stated for v, _ in fixed.unfixed] == ["-0.9892", "-1.484"]
