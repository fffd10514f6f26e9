"""Markdown documents audited directly: the LaTeX reader, the verdicts, coverage, reports and the CLI.

Expected values are computed here, independently: Fractions for the rational arithmetic, the math
module for the transcendental (compared to 1e-12, far inside any printed digit).
"""

from __future__ import annotations

import io
import json
import math
import time
from fractions import Fraction
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncheck.errors import SpecError
from nncheck import strategies as nst
from nncheck.audit import Audit, Kind
from nncheck.findings import SkipReason
from nncheck.audit.enclose import midpoint
from nncheck.audit import audit_markdown
from nncheck.readers.markdown import Lines, find_math
from nncheck.expr.latex import MAX_DEPTH, LatexError, LimitError, parse_display
from nncheck.expr.nodes import Symbol
from nncheck.expr.evaluate import Evaluator
from nncheck.network import ball
from nncheck.report import FORMATS, renderer
from tests.helpers import FUZZ, ROOT, run_cli

MARKDOWN = Path(__file__).resolve().parent / "samples" / "markdown"
BLOG_MD = MARKDOWN / "blog.md"
PLANTED = MARKDOWN / "planted.md"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def kinds(result: Audit) -> dict[str, Kind]:
    return {v.ref: v.kind for v in result.verdicts}


def audit_file(path: Path) -> Audit:
    return audit_markdown(path.read_text(encoding="utf-8"), str(path))


def value(latex: str) -> list[Fraction]:
    """The first side of ``latex``, evaluated (exact Fractions, or ball midpoints)."""
    with ball.precision(128):
        result = Evaluator().value(parse_display(latex)[0].sides[0])
    return [midpoint(v) for v in result.reshape(-1)]


# -- the parser ----------------------------------------------------------------------------------

EXACT = [
    (r"1 + 2 - 4", [Fraction(-1)]),
    (r"2 \times 3 \cdot 4 * 5", [Fraction(120)]),
    (r"\frac{1}{4} + \dfrac{3}{4}", [Fraction(1)]),
    (r"\frac12", [Fraction(1, 2)]),
    (r"6 / 4", [Fraction(3, 2)]),
    (r"-[0.5 - 2]", [Fraction(3, 2)]),
    (r"\left( 1 + 2 \right) \times 3", [Fraction(9)]),
    (r"0.938(1 - 0.938)", [Fraction(938, 1000) * Fraction(62, 1000)]),
    (r"(0.5)^{2} + 2^{-1}", [Fraction(3, 4)]),
    (r"\sqrt{0.25}", [Fraction(1, 2)]),
    (r"\max(0, -1.5) + \min(2, 3)", [Fraction(2)]),
    (r"\text{ReLU}(-2) + \operatorname{relu}(3)", [Fraction(3)]),
    (r"\sigma(0)", [Fraction(1, 2)]),
    (r"1.2 \times 10^{-3}", [Fraction(12, 10000)]),
    (r"1.2e-3", [Fraction(12, 10000)]),
    (r"[1, 2]", [Fraction(1), Fraction(2)]),
    (r"\begin{bmatrix} 0.7 & 0.9 \end{bmatrix} \cdot \begin{bmatrix} 1.3 \\ 1.8 \end{bmatrix} + 0.2", [Fraction(273, 100)]),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}^T", [Fraction(n) for n in (1, 3, 2, 4)]),
    (r"\begin{bmatrix} 1 \\ 2 \end{bmatrix} \odot \begin{bmatrix} 3 \\ 4 \end{bmatrix}", [Fraction(3), Fraction(8)]),
    (r"\max\{0, 1\}", [Fraction(1)]),
]
TRANSCENDENTAL = [
    (r"e^{-2.73}", math.exp(-2.73)),
    (r"\frac{1}{1 + e^{-2.73}}", 1 / (1 + math.exp(-2.73))),
    (r"\sigma(2.73)", 1 / (1 + math.exp(-2.73))),
    (r"-[\log(0.938)]", -math.log(0.938)),
    (r"\ln 2", math.log(2)),
    (r"\log_{10}(1000)", 3.0),
    (r"\exp(1) - e", 0.0),
    (r"\tanh(0.5)", math.tanh(0.5)),
    (r"\sqrt{2}", math.sqrt(2)),
    (r"\sqrt[3]{8}", 2.0),
    (r"\pi", math.pi),
]


@pytest.mark.parametrize(("latex", "expected"), EXACT, ids=[latex for latex, _ in EXACT])
def test_numbers_become_exact_rationals(latex: str, expected: list[Fraction]) -> None:
    assert value(latex) == expected


@pytest.mark.parametrize(("latex", "expected"), TRANSCENDENTAL, ids=[latex for latex, _ in TRANSCENDENTAL])
def test_transcendental_values_are_enclosed(latex: str, expected: float) -> None:
    assert abs(float(value(latex)[0]) - expected) < 1e-12


NAMES = [
    (r"z_2", "z_2"), (r"z_{2}", "z_2"), (r"z_{ 2 }", "z_2"), (r"\hat{y}", "ŷ"), (r"\hat y", "ŷ"),
    (r"\frac{\partial L}{\partial z_2}", "∂L/∂z_2"), (r"\partial L / \partial z_{2}", "∂L/∂z_2"),
    (r"\frac{dL}{dz_2}", "∂L/∂z_2"), (r"\frac{\partial L}{\partial \hat{y}}", "∂L/∂ŷ"), (r"W_{\text{new}}", "W_new"),
    (r"\mathbf{W}_1", "W_1"),
]


@pytest.mark.parametrize(("latex", "name"), NAMES, ids=[latex for latex, _ in NAMES])
def test_names_are_normalised(latex: str, name: str) -> None:
    side = parse_display(latex + " = 1")[0].sides[0]
    assert isinstance(side, Symbol) and side.name == name


UNREADABLE = [
    ("integral", r"\int_0^1 x = 1", "unsupported command \\int"),
    ("absolute value", r"|x| = 1", "unexpected '|'"),
    ("unfinished fraction", r"\frac{1}{", "ends too early"),
    ("plus or minus", r"1 \pm 0.1 = 1", "± gives two values"),
    ("ragged matrix", r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix} = 1", "rows have different lengths"),
    ("hundred digits", "1" * 150 + " = 1", "150 digits"),
    ("log base", r"\log_{b} 2 = 1", "is not a number"),
]


@pytest.mark.parametrize(("latex", "reason"), [(latex, reason) for _, latex, reason in UNREADABLE],
                         ids=[name for name, _, _ in UNREADABLE])
def test_unreadable_latex_is_refused_with_a_reason(latex: str, reason: str) -> None:
    with pytest.raises(LatexError) as refused:
        parse_display(latex)
    assert reason in refused.value.reason


@pytest.mark.parametrize("latex", [
    "{" * 2000 + "1" + "}" * 2000,
    "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    r"\begin{bmatrix} " * 100 + "1" + r" \end{bmatrix}" * 100,
    "- " * 1000 + "1",
    "1 + " * 3000 + "1",
], ids=["braces", "parentheses", "matrices", "signs", "length"])
def test_hostile_latex_is_skipped_with_a_reason_within_a_second(latex: str) -> None:
    start = time.perf_counter()
    result = audit_markdown(f"$${latex} = 1$$")
    assert time.perf_counter() - start < 1
    assert result.verdicts == ()
    (skipped,) = result.coverage.skipped if result.coverage else ()
    assert skipped.reason is SkipReason.OVER_LIMIT and ("deep" in skipped.detail or "long" in skipped.detail
                                                       or "signs" in skipped.detail)
    with pytest.raises(LimitError):
        parse_display(latex)


@given(nst.latex_soup())
def test_random_latex_never_crashes_the_reader(latex: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(f"$${latex}$$\n")
    assert result.coverage is not None
    assert result.coverage.checked + len(result.coverage.skipped) == result.coverage.found
    for skipped in result.coverage.skipped:
        if skipped.reason in (SkipReason.UNPARSABLE, SkipReason.OVER_LIMIT):
            assert skipped.detail


@given(nst.numeric_latex(), nst.numeric_latex())
def test_random_numeric_equations_get_verdicts_or_reasons(left: str, right: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(f"$${left} = {right}$$")
    assert result.coverage is not None and result.coverage.found == 1
    assert bool(result.verdicts) != bool(result.coverage.skipped)


# -- finding the math ----------------------------------------------------------------------------

def test_display_math_is_found_with_its_place_and_code_is_not() -> None:
    text = ("# T\n\nSee `$$1 = 2$$` and $x = 1$.\n\n```python\nprint('$$3 = 4$$')\n```\n\n"
            "$$\na = 1 +\n  2 = 3\n$$\n\n\\[b = 4\\] and \\\\[c\\]\n\n```math\n5 = 5\n```\n")
    found = find_math(text)
    assert [(m.text.strip(), m.display) for m in found] == [("x = 1", False), ("a = 1 +\n  2 = 3", True),
                                                             ("b = 4", True), ("5 = 5", True)]
    lines = Lines("t.md", text)
    display = found[1]
    three = display.offset + display.text.index("3")
    assert (lines.location(three).line, lines.location(three).column) == (11, 7)


# -- verdicts ------------------------------------------------------------------------------------

# The page's ids and the spec's ids of the numbers both state (tests/samples/markdown/blog.md is the
# blog's equations; specs/blog.yaml the same blog as a spec, judged by the network's step table).
BLOG_SHARED = {
    "z_1[0]": "z1[0]", "z_1[1]": "z1[1]", "a_1[0]": "a1[0]", "a_1[1]": "a1[1]", "z_2": "z2", "eq9:z_2": "yhat:z2",
    "ŷ": "yhat", "L": "L", "∂L/∂ŷ": "dL/dyhat", "∂ŷ/∂z_2": "dyhat/dz2", "∂L/∂z_2": "dL/dz2",
    "∂L/∂W_2[0]": "dL/dW2[0,0]", "∂L/∂W_2[1]": "dL/dW2[0,1]", "eq18:∂L/∂z_2": "dL/da1:dL/dz2",
    "∂L/∂a_1[0]": "dL/da1[0]", "∂L/∂a_1[1]": "dL/da1[1]", "∂L/∂z_1[0]": "dL/dz1[0]", "∂L/∂z_1[1]": "dL/dz1[1]",
    **{f"∂L/∂W_1[{i},{j}]": f"dL/dW1[{i},{j}]" for i in range(2) for j in range(2)},
}


def test_blog_page_and_spec_give_the_same_verdict_for_every_shared_number() -> None:
    from nncheck.audit import audit
    from nncheck.readers.spec import load_spec

    page, spec = kinds(audit_file(BLOG_MD)), kinds(audit(load_spec(str(ROOT / "specs" / "blog.yaml")), diagnose=0))
    assert {ref: page[ref] for ref in BLOG_SHARED} == {ref: spec[spec_ref] for ref, spec_ref in BLOG_SHARED.items()}
    # Every other number of the page holds: the identity ReLU(z1) = max(0, z1), the step −1/ŷ + 0/(1 − ŷ) = −1/0.938.
    assert {ref for ref, kind in page.items() if ref not in BLOG_SHARED and kind is not Kind.HOLDS} == set()


def test_blog_page_findings_get_the_spec_diagnosis_where_the_page_says_enough() -> None:
    # The page's findings are explained by the one diagnosis, run on the spec nncheck extract drafts from the page.
    # ŷ = 0.938 is σ(2.73) = 0.93877 truncated, on the page as in specs/blog.yaml. The spec explains z2 = 3.18 and
    # −0.039936 by the prose's "ŷ = 0.96", which the page of equations does not print: no simple explanation there.
    from nncheck.audit import audit
    from nncheck.readers.spec import load_spec

    page = {v.ref: v for v in audit_file(BLOG_MD).verdicts}
    spec = {v.ref: v for v in audit(load_spec(str(ROOT / "specs" / "blog.yaml"))).verdicts}
    assert [h.describe() for h in page["ŷ"].hypotheses] == [h.describe() for h in spec["yhat"].hypotheses]
    assert "truncated" in page["ŷ"].hypotheses[0].describe()
    assert all("0.96" in h.describe() for h in spec["z2"].hypotheses + spec["dL/da1:dL/dz2"].hypotheses)
    assert (page["z_2"].diagnosed, page["z_2"].hypotheses) == (True, ())
    assert all(v.diagnosed for v in page.values() if v.kind in (Kind.WRONG, Kind.CONTRADICTION, Kind.SLIP))


def test_a_page_without_a_network_the_draft_can_read_is_left_undiagnosed() -> None:
    result = audit_markdown("$$z = 1.5 \\times 0.4 + 0.3 = 0.92$$")
    assert [(v.kind, v.diagnosed) for v in result.verdicts] == [(Kind.WRONG, False)] and result.undiagnosed == 0


def test_blog_equations_give_the_known_errata() -> None:
    result = audit_file(BLOG_MD)
    found = kinds(result)
    x, w1_row0, w1_row1, b1 = (1, 2), (Fraction("0.2"), Fraction("0.4")), (Fraction("0.1"), Fraction("0.6")), (Fraction("0.3"), Fraction("0.5"))
    z1 = [w[0] * x[0] + w[1] * x[1] + b for w, b in zip((w1_row0, w1_row1), b1)]
    z2 = Fraction("0.7") * z1[0] + Fraction("0.9") * z1[1] + Fraction("0.2")
    assert z1 == [Fraction("1.3"), Fraction("1.8")] and z2 == Fraction("2.73")
    z2_verdict = next(v for v in result.verdicts if v.ref == "z_2")
    assert (z2_verdict.stated, z2_verdict.exact, z2_verdict.kind) == ("3.18", "2.73", Kind.WRONG)
    # σ(2.73) = 0.93877...: not 0.938 to three places, but within one unit of it.
    sigma = 1 / (1 + math.exp(-2.73))
    assert round(sigma, 3) == 0.939 and abs(sigma - 0.938) < 0.001
    assert found["ŷ"] is Kind.SLIP
    # L = −log σ(2.73) = 0.0632 in the true chain; −log 0.938 = 0.0640 from the page's rounded ŷ: carried.
    assert round(-math.log(sigma), 4) == 0.0632 and round(-math.log(0.938), 4) == 0.064
    loss = next(v for v in result.verdicts if v.ref == "L")
    assert loss.kind is Kind.CARRIED and loss.inherits_from == ("ŷ",)
    # The column times a column, read as the outer product dL/dz1 · xᵀ of the page's own numbers.
    delta = (Fraction("-0.02796"), Fraction("-0.03594"))
    outer = {f"∂L/∂W_1[{i},{j}]": delta[i] * x[j] for i in range(2) for j in range(2)}
    printed = {"∂L/∂W_1[0,0]": "-0.02796", "∂L/∂W_1[0,1]": "-0.07188", "∂L/∂W_1[1,0]": "-0.03594", "∂L/∂W_1[1,1]": "-0.08985"}
    for ref, text in printed.items():
        expected = Kind.CARRIED if abs(Fraction(text) - outer[ref]) <= Fraction(5, 10**6) else Kind.WRONG
        assert found[ref] is expected, ref
    assert any(r.code == "reading" and "outer product" in r.message
               for r in next(v for v in result.verdicts if v.ref == "∂L/∂W_1[0,1]").remarks)
    # Across equations: −0.039936 is substituted for ∂L/∂z_2, printed as −0.062 before.
    assert found["eq18:∂L/∂z_2"] is Kind.CONTRADICTION


def test_blog_findings_point_at_the_printed_number() -> None:
    result = audit_file(BLOG_MD)
    z2 = next(v for v in result.verdicts if v.ref == "z_2")
    line = BLOG_MD.read_text(encoding="utf-8").splitlines()[z2.location.line - 1]
    assert line[z2.location.column - 1:].startswith("3.18")
    assert z2.location.path == str(BLOG_MD) and z2.place.step == "Forward" and "3.18" in (z2.place.latex or "")


def test_blog_coverage_counts_every_display() -> None:
    coverage = audit_file(BLOG_MD).coverage
    assert coverage is not None
    counts = coverage.counts()
    assert (coverage.found, coverage.checked) == (23, 13)
    # Symbolic only: z_1 = W_1 x + b_1 and z_2 = W_2 a_1 + b_2 (before W_1 and W_2 are given), the loss's
    # formula and the update rule. Nothing to compare: the two displays of givens, and four that restate
    # a value digit for digit (∂z_2/∂W_2 = a_1 = …, ∂z_2/∂a_1 = W_2 = …) or give one (∂a_1/∂z_1, ∂z_1/∂W_1).
    assert (counts[SkipReason.SYMBOLIC], counts[SkipReason.NOTHING_TO_COMPARE]) == (4, 6)


PLANTED_VERDICTS = {
    "a_1[0]": Kind.SLIP,  # tanh(1.1) = 0.80049..., printed truncated as 0.8004
    "z_2": Kind.WRONG,  # 0.5831 for 0.56306
    "eq7:z_2": Kind.HOLDS,  # the step after uses 0.5631, the value z_2's own arithmetic gives
    "eq12:∂L/∂ŷ": Kind.CONTRADICTION,  # −0.3268 substituted for the −0.3628 printed just before
    "∂L/∂W_1[1,0]": Kind.WRONG,  # 0.0721 for 0.0356 · 2 = 0.0712
    "∂L/∂b_1": Kind.WRONG,  # a 2×1 column times a 3×1 column: no reading
    "ŷ#2": Kind.CONTRADICTION,  # 0.66 after 0.6372
}


def test_planted_slips_are_each_flagged_and_the_rest_holds_or_is_carried() -> None:
    result = audit_file(PLANTED)
    found = kinds(result)
    assert {ref: found[ref] for ref in PLANTED_VERDICTS} == PLANTED_VERDICTS
    others = {found[ref] for ref in found if ref not in PLANTED_VERDICTS}
    assert others == {Kind.HOLDS, Kind.CARRIED}
    assert all(v.inherits_from for v in result.verdicts if v.kind is Kind.CARRIED)
    remarks = {v.ref: {r.code for r in v.remarks} for v in result.verdicts}
    assert remarks["∂L/∂b_1"] == {"shape"} and remarks["∂L/∂W_1[1,0]"] == {"reading"}
    assert remarks["∂L/∂a_1[0]"] == {"orientation"}
    # The aligned environment's continuation rows are one chain: ½(ŷ − 1)² = ½ · 0.1316 = 0.0658, with the
    # true ŷ = σ(0.8 tanh 1.1 − 0.6 tanh 0.5 + 0.2) (plain math here).
    y_hat = 1 / (1 + math.exp(-(0.8 * math.tanh(1.1) - 0.6 * math.tanh(0.5) + 0.2)))
    assert round((y_hat - 1) ** 2, 4) == 0.1316 and round((y_hat - 1) ** 2 / 2, 4) == 0.0658
    assert found["eq10.1"] is Kind.HOLDS and found["L"] is Kind.HOLDS
    # ∂L/∂z_2 = (ŷ − 1) ŷ (1 − ŷ) = −0.0839 in the true chain; the page's −0.3268 · 0.6372 · (1 − 0.6372) gives −0.0755.
    assert round((y_hat - 1) * y_hat * (1 - y_hat), 4) == -0.0839 and round(-0.3268 * 0.6372 * (1 - 0.6372), 4) == -0.0755
    assert found["∂L/∂z_2"] is Kind.CARRIED
    assert "eq12:∂L/∂ŷ" in next(v for v in result.verdicts if v.ref == "∂L/∂z_2").inherits_from


def test_planted_coverage_reasons() -> None:
    coverage = audit_file(PLANTED).coverage
    assert coverage is not None
    counts = coverage.counts()
    assert (coverage.found, coverage.checked, len(coverage.skipped)) == (21, 13, 8)
    # \sum_i w_i x_i (line 74) is read: a sum over an index, symbolic, and a formula with no equals sign.
    assert counts == {SkipReason.SYMBOLIC: 3, SkipReason.NOTHING_TO_COMPARE: 2, SkipReason.NO_EQUALITY: 2,
                      SkipReason.UNPARSABLE: 1, SkipReason.NOT_EVALUATED: 0, SkipReason.OVER_LIMIT: 0}
    (unparsable,) = [s for s in coverage.skipped if s.reason is SkipReason.UNPARSABLE]
    assert unparsable.detail == "unsupported command \\oint" and unparsable.location.line == 86
    assert 74 in [s.location.line for s in coverage.skipped if s.reason is SkipReason.NO_EQUALITY]


SOFTMAX_PAGE = """# Softmax gradient

Logits $z = [1.2, -0.4, 0.7]$, target $y = [0, 0, 1]$.

$$p_1 = \\frac{e^{1.2}}{e^{1.2} + e^{-0.4} + e^{0.7}} = 0.5530, \\quad p_2 = \\frac{e^{-0.4}}{e^{1.2} + e^{-0.4} + e^{0.7}} = 0.1116, \\quad p_3 = \\frac{e^{0.7}}{e^{1.2} + e^{-0.4} + e^{0.7}} = 0.3354$$

$$\\frac{\\partial L}{\\partial z} = p - y = \\begin{bmatrix} 0.5350 \\\\ 0.1116 \\\\ -0.6646 \\end{bmatrix}$$
"""


def test_a_formula_of_a_name_the_page_never_gave_is_not_evaluated_and_says_which() -> None:
    from nncheck.report.common import coverage_line

    # p_1, p_2, p_3 are bound each of its own; p is not, so p - y is not evaluated (its 0.5350 for 0.5530 is not seen).
    total = math.exp(1.2) + math.exp(-0.4) + math.exp(0.7)
    assert [round(math.exp(z) / total, 4) for z in (1.2, -0.4, 0.7)] == [0.553, 0.1116, 0.3354]
    result = audit_markdown(SOFTMAX_PAGE, diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("0.5530", Kind.HOLDS), ("0.1116", Kind.HOLDS), ("0.3354", Kind.HOLDS)]
    coverage = result.coverage
    assert coverage is not None and (coverage.found, coverage.checked) == (2, 1)
    [skipped] = coverage.skipped
    line = SOFTMAX_PAGE.splitlines()[6]
    assert skipped.reason is SkipReason.NOT_EVALUATED and (skipped.location.line, skipped.location.column) == (7, line.index("p - y") + 1)
    assert skipped.detail == "p - y (p is not given before it; only p_1, p_2 and p_3 are, as names of their own)"
    assert f"1 not evaluated: line 7: {skipped.detail}" in coverage_line(coverage)
    # Given as a vector, p - y is judged: 0.552967 - 0 = 0.5530, so the printed 0.5350 is wrong.
    vector = SOFTMAX_PAGE.replace("$$\\frac{\\partial", "$$p = \\begin{bmatrix} p_1 \\\\ p_2 \\\\ p_3 \\end{bmatrix}$$\n\n$$\\frac{\\partial")
    found = [(v.stated, v.kind) for v in audit_markdown(vector, diagnose=0).verdicts]
    assert found[-3:] == [("0.5350", Kind.WRONG), ("0.1116", Kind.HOLDS), ("-0.6646", Kind.HOLDS)]


def test_a_judged_equation_with_a_side_of_names_never_given_has_a_relation_not_checked() -> None:
    # 1.1 + 0.2 = 1.3 holds (by hand); W x, with neither W nor x given, is not checked, and said so.
    result = audit_markdown("$$z = W x = 1.1 + 0.2 = 1.3$$\n", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("1.3", Kind.HOLDS)]
    coverage = result.coverage
    assert coverage is not None and coverage.checked == 1
    [side] = coverage.unread_sides
    assert side.reason is SkipReason.NOT_EVALUATED and side.detail == "W x (W and x are not given before it)"


def test_letters_written_together_that_name_nothing_are_reported_as_written() -> None:
    # 1.5 - 0.5 = 1 holds (by hand). net_{h1} is read as n·e·t_{h1}, none of them given: the relation is not checked,
    # and the coverage line quotes it as the page writes it. Written \text{net}_{h1}, it is a name, bound by the chain.
    result = audit_markdown("$$net_{h1} = 1.5 - 0.5 = 1$$\n", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("1", Kind.HOLDS)]
    assert result.coverage is not None
    [side] = result.coverage.unread_sides
    assert side.reason is SkipReason.NOT_EVALUATED and side.detail == (
        "net_{h1} (net_{h1} is read as a product of single letters, none given before it; a name of several letters "
        "is written \\text{…})")
    named = audit_markdown("$$\\text{net}_{h1} = 1.5 - 0.5 = 1$$\n", diagnose=0)
    assert named.coverage is not None and named.coverage.unread_sides == ()
    assert [(v.ref, v.kind) for v in named.verdicts] == [("net_h1", Kind.HOLDS)]


@pytest.mark.parametrize(("document", "expected"), [
    ("$$z_{2} = 1 + 1 = 2$$\n\n$$z_2 = 5$$", {"z_2": Kind.HOLDS, "z_2#2": Kind.CONTRADICTION}),
    ("$$z_2 = 2$$\n\n$$z_2 = 5$$", {"z_2#2": Kind.CONTRADICTION}),
    ("$$z_2 = 2$$\n\n$$z_2 = 2.0$$", {}),
    ("$$a = 0.5 + 0.2549 = 0.7549$$\n\n$$b = 2 \\cdot a = 2 \\cdot 0.76 = 1.52$$",
     {"a": Kind.HOLDS, "eq2:a": Kind.SLIP, "b": Kind.CARRIED}),  # 2 · 0.7549 = 1.5098; 2 · 0.76 = 1.52
    ("$$\\sigma(2.73) \\approx 0.939$$", {"eq1": Kind.HOLDS}),
    ("$$1 + 1 = 3$$", {"eq1": Kind.WRONG}),
    ("$$0.7 \\cdot 1.3 + 0.2 = 0.91 + 0.2 = 1.11$$", {"eq1.1": Kind.HOLDS, "eq1.2": Kind.HOLDS}),
    ("$$0.7 \\cdot 1.36 + 0.2 = 0.96 + 0.2$$", {"eq1": Kind.SLIP}),
    ("$$\\frac{1}{4} = 0.5 \\cdot 0.5$$", {"eq1": Kind.HOLDS}),
    ("$$[1, 2] \\cdot [3, 4] = 11$$", {"eq1": Kind.HOLDS}),
], ids=["names across spellings", "definitions", "same value", "used value near its recomputation", "approx",
        "plain arithmetic", "parts worked out", "parts worked out, slipped", "two computed sides", "dot product"])
def test_small_documents(document: str, expected: dict[str, Kind]) -> None:
    assert kinds(audit_markdown(document)) == expected


# -- the true chain of a page: one rule for operands ------------------------------------------------

def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# Each case: the page, every verdict it must give, and (id, true value) pairs computed here with plain
# math, which the report's "exact" column must round to.
DATAFLOW_CASES = {
    "a name stated after its computation": (
        "$$h = 0.25 \\times 0.4 + 0.5 \\times 0.3 + 0.1$$\n\n$$h = 0.36$$",
        {"h": Kind.WRONG}, [("h", 0.25 * 0.4 + 0.5 * 0.3 + 0.1)]),
    "a display that begins with =": (
        "$$s = 3 \\times 0.2 + 1 \\times (-0.4)$$\n\n$$= 0.6 - 0.5 = 0.1$$",
        {"eq2.1": Kind.HOLDS, "eq2.2": Kind.WRONG, "s": Kind.CARRIED}, [("eq2.2", 0.4), ("s", 3 * 0.2 - 0.4)]),
    "an integer substituted for a given": (
        "$$c = 4$$\n\n$$u = c + 2 = 3 + 2 = 5$$",
        {"eq2:c": Kind.CONTRADICTION, "u": Kind.CARRIED}, [("u", 4 + 2)]),
    "a name substituted twice": (
        "$$p = \\sigma(1.5) = 0.818$$\n\n$$q = p(1 - p) = 0.85 \\times (1 - 0.85) = 0.1275$$",
        {"p": Kind.HOLDS, "eq2:p": Kind.CONTRADICTION, "q": Kind.CARRIED},
        [("p", _sigmoid(1.5)), ("q", _sigmoid(1.5) * (1 - _sigmoid(1.5)))]),
    "rounded results restated by their digits": (
        "$$t = \\sigma(0.9) = 0.71$$\n\n$$g = (1 - 0.71) \\times 0.71 \\approx 0.21$$\n\n$$d = 2 \\times 0.21 = 0.41$$",
        {"t": Kind.HOLDS, "g": Kind.HOLDS, "d": Kind.HOLDS}, [("d", 2 * _sigmoid(0.9) * (1 - _sigmoid(0.9)))]),
    "givens are exact": (
        "$$z = 1.5 \\times 0.4 + 0.3 = 0.92$$", {"z": Kind.WRONG}, [("z", 0.9)]),
    "a slip carried into the next step": (
        "$$h_1 = \\tanh(1.2) = 0.833$$\n\n$$h_2 = \\tanh(0.5 \\times 0.833 + 0.1) = 0.4750$$",
        {"h_1": Kind.SLIP, "h_2": Kind.CARRIED}, [("h_1", math.tanh(1.2)), ("h_2", math.tanh(0.5 * math.tanh(1.2) + 0.1))]),
    "two sections re-binding their names": (
        "## One\n\n$$a = 2, b = -3, m = a b = 2 \\times (-3) = -6$$\n\n## Two\n\n$$a = 5, b = 1, m = a + b = 5 + 1 = 6$$",
        {"m": Kind.HOLDS, "m#2": Kind.HOLDS}, [("m", -6), ("m#2", 6)]),
    "e defined as a name": (
        "$$e = t - a = 1.5 - 0.25 = 1.25$$\n\n$$E = \\frac{1}{2} e^2 = 0.78125$$",
        {"e": Kind.HOLDS, "E": Kind.HOLDS}, [("E", 0.5 * 1.25**2)]),
    "e as Euler's number, an identity proved symbolically": (
        "$$\\sigma(1) = \\frac{1}{1 + e^{-1}} = 0.731$$", {"eq1.1": Kind.HOLDS, "eq1.2": Kind.HOLDS}, [("eq1.2", _sigmoid(1))]),
    "softmax of one score": (
        "$$z = [2, 1, 0.5]$$\n\n$$\\text{softmax}(2) = \\frac{7.389}{11.756} = 0.6285$$",
        {"eq2.1": Kind.HOLDS, "eq2.2": Kind.HOLDS},
        [("eq2.2", math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.5)))]),
    "full precision carried behind rounded intermediates": (
        "$$a = \\sigma(0.78477) = 0.687$$\n\n$$b = 0.687 - 0.3 = 0.387$$\n\n$$c = 0.387 \\times 0.21514 = 0.08320$$",
        {"a": Kind.HOLDS, "b": Kind.HOLDS, "c": Kind.HOLDS}, [("c", (_sigmoid(0.78477) - 0.3) * 0.21514)]),
    "a rounded result through a max": (
        "$$z = 0.5 \\times 2.5999 = 1.3$$\n\n$$a = \\max(0, 1.3) = 1.3$$\n\n$$b = 2 \\times 1.3 = 2.6$$",
        {"z": Kind.HOLDS, "a": Kind.HOLDS, "b": Kind.HOLDS}, [("b", 2.5999)]),
    # The true values computed here with plain math.
    "a component p_2 of a vector p": (
        "$$p = \\text{softmax}\\left(\\begin{bmatrix} 0.22 \\\\ 0.28 \\\\ -0.06 \\end{bmatrix}\\right) = "
        "\\begin{bmatrix} 0.3549 \\\\ 0.3769 \\\\ 0.2682 \\end{bmatrix}$$\n\n$$L = -\\ln p_2 = -\\ln 0.3769 = 0.9759$$",
        {"p[0]": Kind.HOLDS, "p[1]": Kind.HOLDS, "p[2]": Kind.HOLDS, "L": Kind.HOLDS},
        [("L", -math.log(math.exp(0.28) / (math.exp(0.22) + math.exp(0.28) + math.exp(-0.06))))]),
    "a formula recomputed when another example re-binds its names": (
        "## Step 1\n\n$$\\hat{y} = 0.39, \\quad \\frac{\\partial L}{\\partial b} = \\hat{y} - 2.2 = -1.81$$\n\n"
        "## Step 2\n\n$$\\hat{y} = 0.6334, \\quad \\frac{\\partial L}{\\partial b} = -1.5666$$",
        {"∂L/∂b": Kind.HOLDS, "∂L/∂b#2": Kind.HOLDS}, [("∂L/∂b#2", 0.6334 - 2.2)]),
    "a factor worked out from the true value the page misprinted": (
        "$$a = \\sigma(0.53) = 0.6259$$\n\n$$d = 3 \\cdot a(1 - a) = 3 \\times 0.2332$$",
        {"a": Kind.WRONG, "eq2": Kind.HOLDS}, [("a", _sigmoid(0.53)), ("eq2", _sigmoid(0.53) * (1 - _sigmoid(0.53)))]),
    "a term written with its sign flipped states the negated name": (
        "Here $w = 0.5$, $b = -0.1$, $h = 0.6044$.\n\n$$a = w h + b = 0.5 \\times 0.6044 - 0.1 = 0.2022$$\n\n"
        "$$c = w h + b = 0.5 \\times 0.6044 + 0.1 = 0.4022$$",
        {"a": Kind.HOLDS, "eq2:b": Kind.CONTRADICTION, "c": Kind.CARRIED}, [("a", 0.5 * 0.6044 - 0.1), ("c", 0.5 * 0.6044 - 0.1)]),
    "a new example re-binds every given it changes": (
        "## Sample 1\n\n$$e = y - \\hat{y} = 0.4 - 0.1 = 0.3$$\n\n## Sample 2\n\n$$e = y - \\hat{y} = -0.3 - 0.055 = -0.355$$",
        {"e": Kind.HOLDS, "e#2": Kind.HOLDS}, [("e#2", -0.355)]),
    # δ = w_1 x_1 used the setup's w_1 = 0.4 and x_1 = 0.5 unchanged, so Backward goes on with that example: x_2 put
    # in as 0.5 is a conflict with the setup's 0.2, not another example; δ x_2 = 0.2 × 0.2 = 0.04 (by hand).
    "a given put in with other digits after its section went on with the example": (
        "## Setup\n\n$x_1 = 0.5$, $x_2 = 0.2$, $w_1 = 0.4$.\n\n## Backward\n\n"
        "$$\\delta = w_1 x_1 = 0.4 \\times 0.5 = 0.2$$\n\n"
        "$$\\frac{\\partial E}{\\partial w_2} = \\delta x_2 = 0.2 \\times 0.5 = 0.1$$",
        {"δ": Kind.HOLDS, "eq2:x_2": Kind.CONTRADICTION, "∂E/∂w_2": Kind.CARRIED}, [("δ", 0.2), ("∂E/∂w_2", 0.04)]),
    # The same change in a section that has put in none of the setup's givens unchanged: another example, x_2 = 0.5.
    "a given changed alone in a section of its own is another example": (
        "## Setup\n\n$x_1 = 0.5$, $x_2 = 0.2$, $w_1 = 0.4$.\n\n## Example 2\n\n"
        "$$a = 3 x_2 = 3 \\times 0.5 = 1.5$$",
        {"a": Kind.HOLDS}, [("a", 1.5)]),
    # Under an even power a page writes a negative name's magnitude: (−0.7163)² = 0.7163², 1 − 0.7163² = 0.48691
    # (by hand), and tanh(−0.9) = −0.716298, 1 − tanh²(−0.9) = 0.486917.
    "a negative name squared, written as its magnitude": (
        "$$a = \\tanh(-0.9) = -0.7163$$\n\n$$1 - a^2 = 1 - 0.7163^2 = 0.4869$$",
        {"a": Kind.HOLDS, "eq2": Kind.HOLDS}, [("a", math.tanh(-0.9)), ("eq2", 1 - math.tanh(-0.9) ** 2)]),
    # Another magnitude is still another value: 0.7136 for a's −0.7163 is a contradiction, and 1 − 0.7136² = 0.49077.
    "a negative name squared, written with other digits": (
        "$$a = \\tanh(-0.9) = -0.7163$$\n\n$$1 - a^2 = 1 - 0.7136^2 = 0.4908$$",
        {"a": Kind.HOLDS, "eq2:a": Kind.CONTRADICTION, "eq2": Kind.CARRIED}, [("a", math.tanh(-0.9))]),
    # The sample variance of [1.2, 0.4, 2.6, 1.8]: squares about the mean 1.5 sum to 2.6 (by hand), over n − 1 = 3.
    "a variance worked out over n − 1 between two sides": (
        "Batch $x = [1.2, 0.4, 2.6, 1.8]$.\n\n$$s^2 = \\operatorname{var}(x) = \\frac{2.6}{3} = 0.8667$$",
        {"eq1": Kind.HOLDS, "s^2": Kind.HOLDS}, [("s^2", 2.6 / 3)]),
    "an update w = w - η g, twice": (
        "$w = 0.5$, $\\eta = 0.1$\n\n$$w = w - \\eta \\times 0.8 = 0.5 - 0.1 \\times 0.8 = 0.42$$\n\n"
        "$$w = w - \\eta \\times 0.5 = 0.42 - 0.1 \\times 0.5 = 0.37$$\n\n$$z = 3 w = 3 \\times 0.37 = 1.11$$",
        {"w": Kind.HOLDS, "w#2": Kind.HOLDS, "z": Kind.HOLDS}, [("w#2", 0.5 - 0.08 - 0.05), ("z", 3 * 0.37)]),
    "a bracketed negative written with its sign flipped": (
        "$b = 0.1$, $x = -1.2$\n\n$$v = b + x = 0.1 + (-1.2) = 0.1 - 1.2 = -1.1$$",
        {"eq1": Kind.HOLDS, "v": Kind.HOLDS}, [("eq1", 1.2), ("v", -1.1)]),
    "softmax of a score the page computed and rounded": (
        "$$z = \\begin{bmatrix} \\tanh(1) \\\\ 1 \\end{bmatrix} = \\begin{bmatrix} 0.7616 \\\\ 1 \\end{bmatrix}$$\n\n"
        "$$\\text{softmax}(0.7616) = 0.4407$$",
        {"z[0]": Kind.HOLDS, "z[1]": Kind.HOLDS, "eq2": Kind.HOLDS},
        [("eq2", math.exp(math.tanh(1)) / (math.exp(math.tanh(1)) + math.e))]),
    "an epoch that continues from the updated weight": (
        "$w = 0.7$, $x = 3$\n\n## Epoch 1\n\n$$w_{\\text{new}} = w - 0.2 = 0.5$$\n\n## Epoch 2\n\n$$z = w x = 0.5 \\times 3 = 1.5$$",
        {"w_new": Kind.HOLDS, "z": Kind.HOLDS}, [("z", 1.5)]),
    "a worked-out expansion of a vector formula": (
        "$$a = \\begin{bmatrix} 0.5 \\\\ 0.45 \\end{bmatrix}$$\n\n"
        "$$z = \\begin{bmatrix} 0.6 & 0.9 \\end{bmatrix} a = 0.6 \\cdot 0.5 + 0.9 \\cdot 0.45 = 0.715$$",
        {"eq2": Kind.HOLDS, "z": Kind.WRONG}, [("z", 0.6 * 0.5 + 0.9 * 0.45)]),
    "an identity through a name's formula": (
        "$w = 0.3$, $x = 1.7$, $b = -0.2$, $\\hat{y} = \\tanh(w x + b)$\n\n$$\\hat{y} = \\tanh(0.31) = 0.3004$$",
        {"eq1": Kind.HOLDS, "ŷ": Kind.HOLDS}, [("ŷ", math.tanh(0.31))]),
    "a softmax component identity": (
        "$$z = \\begin{bmatrix} 2 \\\\ 1 \\\\ 0.5 \\end{bmatrix}$$\n\n"
        "$$\\text{softmax}(2) = \\frac{e^{2}}{e^{2} + e^{1} + e^{0.5}} = 0.6285$$",
        {"eq2.1": Kind.HOLDS, "eq2.2": Kind.HOLDS}, [("eq2.2", math.exp(2) / (math.exp(2) + math.e + math.exp(0.5)))]),
    "a step restates a gradient with no formula; a summary may not": (
        "## Step 1\n\n$$\\hat{y} = 0.3 \\times 1.3 = 0.39$$\n\n$$g = 0.39 - 2.2 = -1.81$$\n\n"
        "## Step 2\n\n$$\\hat{y} = 0.6 \\times 1.3 = 0.78$$\n\n$$g = -1.42$$\n\n## Summary\n\n$$g = -1.7$$",
        {"ŷ": Kind.HOLDS, "g": Kind.HOLDS, "ŷ#2": Kind.HOLDS, "g#3": Kind.CONTRADICTION}, [("g#3", 0.78 - 2.2)]),
    "new logits in a new example recompute what was computed from them": (
        "## Example 1\n\nThe logits are $z = [2.0, 1.0]$.\n\n$$p = \\text{softmax}(z) = \\begin{bmatrix} 0.7311 \\\\ 0.2689 \\end{bmatrix}$$\n\n"
        "## Example 2\n\nThe logits are $z = [0.5, 1.5]$.\n\n$$q = 2 p = \\begin{bmatrix} 0.5379 \\\\ 1.4621 \\end{bmatrix}$$",
        {"p[0]": Kind.HOLDS, "p[1]": Kind.HOLDS, "q[0]": Kind.HOLDS, "q[1]": Kind.HOLDS},
        [("q[0]", 2 / (1 + math.exp(1))), ("q[1]", 2 / (1 + math.exp(-1)))]),
    # Found by the page properties: a constant of a formula that has the digits of an earlier result.
    "a formula's constant is not an earlier result with the same digits": (
        # tanh(0.012) = 0.011999 prints as 0.01; the slope 0.01 is exact (b = -0.05, not 0.011999 × -5 = -0.06).
        "$$a = \\tanh(0.012) = 0.01$$\n\n$$z = -5$$\n\n$$b = \\max(0.01 z, z) = -0.050$$\n\n$$c = -0.01 \\times 2 = -0.02$$",
        {"a": Kind.HOLDS, "b": Kind.HOLDS, "c": Kind.HOLDS}, [("b", 0.01 * -5), ("c", -0.02)]),
    # Textbook-style pages.
    "printed attention weights substituted for a matrix the page never named": (
        "$$\\alpha_1 = \\frac{e^{1.06066}}{e^{1.06066} + 1} = 0.74282, \\quad \\alpha_2 = 1 - \\alpha_1 = 0.25718$$\n\n"
        "$$O = A V = \\begin{bmatrix} 0.74282 & 0.25718 \\end{bmatrix} \\begin{bmatrix} 1 & 2 \\\\ 3 & -1 \\end{bmatrix} = "
        "\\begin{bmatrix} 1.51437 & 1.22845 \\end{bmatrix}$$",
        {"α_1": Kind.HOLDS, "α_2": Kind.HOLDS, "O[0]": Kind.HOLDS, "O[1]": Kind.HOLDS},
        [("O[0]", 3 - 2 / (1 + math.exp(-1.06066))), ("O[1]", 3 / (1 + math.exp(-1.06066)) - 1)]),
    "softmax of a matrix of scores, row by row": (
        "$$S = \\begin{bmatrix} 1 & 0 \\\\ 2 & -1 \\end{bmatrix}$$\n\n"
        "$$A = \\operatorname{softmax}(S) = \\begin{bmatrix} 0.73106 & 0.26894 \\\\ 0.95257 & 0.04743 \\end{bmatrix}$$",
        {"A[0,0]": Kind.HOLDS, "A[0,1]": Kind.HOLDS, "A[1,0]": Kind.HOLDS, "A[1,1]": Kind.HOLDS},
        [("A[0,0]", 1 / (1 + math.exp(-1))), ("A[1,1]", 1 / (1 + math.exp(3)))]),
    "a result and its negative both printed": (
        "$$s = \\frac{1}{\\sqrt{2}} = 0.70711, \\quad t = -s = -0.70711$$\n\n$$\\exp(0.70711) = 2.02811$$",
        {"s": Kind.HOLDS, "t": Kind.HOLDS, "eq2": Kind.HOLDS}, [("eq2", math.exp(2 ** -0.5))]),
    "samples whose data are given in their headings": (
        "Weights $w = (0.2, -0.5)$, rate $\\eta = 0.5$.\n\n### Sample 1: \\(x = (1, 2)\\), \\(y = 1\\)\n\n"
        "$$w' = w + \\eta y x = \\begin{bmatrix} 0.7 \\\\ 0.5 \\end{bmatrix}$$\n\n"
        "### Sample 2: \\(x = (2, -1)\\), \\(y = -1\\)\n\n$$a = w'^\\top x = 0.7 \\cdot 2 + 0.5 \\cdot (-1) = 0.9$$",
        {"w′[0]": Kind.HOLDS, "w′[1]": Kind.HOLDS, "eq2": Kind.HOLDS, "a": Kind.HOLDS}, [("a", 0.7 * 2 - 0.5)]),
    "a sample index in brackets is not a power": (
        "$$e^{(1)} = 0.1 - 0.5 = -0.4$$\n\n$$e^{(2)} = 0.3 - 0.1 = 0.2$$\n\n$$E = \\frac{1}{2}((e^{(1)})^2 + (e^{(2)})^2) = 0.1$$",
        {"e^(1)": Kind.HOLDS, "e^(2)": Kind.HOLDS, "E": Kind.HOLDS}, [("E", 0.5 * (0.16 + 0.04))]),
    "a dot product of a list and a row": (
        "$$h = \\begin{bmatrix} 1 & 2 \\end{bmatrix}$$\n\nThe weights are \\(v = (0.5, 0.25)\\).\n\n"
        "$$y = v \\cdot h = 0.5 \\times 1 + 0.25 \\times 2 = 1$$",
        {"eq2": Kind.HOLDS, "y": Kind.HOLDS}, [("y", 1.0)]),
    "a sum worked out in groups of terms": (
        "$$a = \\tanh(1.1) = 0.800499$$\n\n$$h = 0.5 \\cdot 0.800499 - 1.2 - 0.1 = 0.400205 - 1.3 = -0.899795$$",
        {"a": Kind.HOLDS, "eq2.1": Kind.WRONG, "eq2.2": Kind.HOLDS, "h": Kind.CARRIED},
        [("eq2.1", 0.5 * math.tanh(1.1)), ("h", 0.5 * math.tanh(1.1) - 1.3)]),
    "a sum worked out in groups inside a function": (
        "$$h = \\tanh(0.5 \\cdot 0.716419 - 1.2 - 0.1) = \\tanh(0.358120 - 1.3) = -0.736044$$",
        {"eq1.1": Kind.WRONG, "eq1.2": Kind.HOLDS, "h": Kind.HOLDS},  # the author's result used the right 0.358210
        [("eq1.1", 0.5 * 0.716419), ("h", math.tanh(0.5 * 0.716419 - 1.3))]),
    "a variance σ² is a name": (
        "$$\\epsilon = 0.01$$\n\n## Example 1\n\n$$\\sigma^2 = \\frac{1}{2}(4 + 6) = 5$$\n\n"
        "$$s = \\sqrt{\\sigma^2 + \\epsilon} = \\sqrt{5 + 0.01} = 2.2383$$\n\n## Example 2\n\n"
        "$$\\sigma^2 = \\frac{1}{2}(1 + 2) = 1.5$$\n\n$$s = \\sqrt{\\sigma^2 + \\epsilon} = \\sqrt{5 + 0.01} = 2.2383$$",
        {"σ^2": Kind.HOLDS, "s": Kind.HOLDS, "σ^2#2": Kind.HOLDS, "eq5:σ^2": Kind.CONTRADICTION, "s#2": Kind.CARRIED},
        [("s", math.sqrt(5.01)), ("s#2", math.sqrt(1.51))]),
    "the same sub-heading under each epoch": (
        "$$x = 1.2, \\quad w = 0.8$$\n\n## Epoch 1\n\n### Forward\n\n$$z = w x = 0.8 \\times 1.2 = 0.96$$\n\n"
        "$$w_{\\text{new}} = w - 0.2 = 0.8 - 0.2 = 0.6$$\n\n## Epoch 2\n\n### Forward\n\n$$z = w x = 0.6 \\times 1.2 = 0.72$$",
        {"z": Kind.HOLDS, "w_new": Kind.HOLDS, "z#2": Kind.HOLDS}, [("z#2", 0.6 * 1.2)]),
    "a name set equal to another name in a new epoch": (
        "$$w = 0.8, \\quad x = 1.5, \\quad y = 1$$\n\n## Epoch 1\n\n$$g = w x - y = 0.8 \\times 1.5 - 1 = 0.2$$\n\n"
        "$$h = g = 0.2$$\n\n$$w_{\\text{new}} = w - h = 0.8 - 0.2 = 0.6$$\n\n## Epoch 2\n\n"
        "$$g = w x - y = 0.6 \\times 1.5 - 1 = -0.1$$\n\n$$h = g = 0.2$$",
        {"g": Kind.HOLDS, "w_new": Kind.HOLDS, "g#2": Kind.HOLDS, "h#2": Kind.CONTRADICTION},  # h = g = 0.2 restates g
        [("h#2", 0.6 * 1.5 - 1)]),
    "matrix entries A_{11}": (
        "$$A = \\begin{bmatrix} 0.54408 & 0.45592 \\\\ 0.36879 & 0.63121 \\end{bmatrix}, \\quad "
        "V = \\begin{bmatrix} 1.0 & 2.0 \\\\ 0.5 & -1.0 \\end{bmatrix}$$\n\n"
        "$$O_{11} = A_{11} V_{11} + A_{12} V_{21} = 0.36879 \\times 1.0 + 0.63121 \\times 0.5 = 0.68440$$",
        {"eq2:A_11": Kind.CONTRADICTION, "eq2:A_12": Kind.CONTRADICTION, "O_11": Kind.CARRIED},
        [("O_11", 0.54408 + 0.45592 * 0.5)]),
    # Derivation-heavy pages.
    "σ′ applied to a number": (
        "$$h = \\sigma'(2.0) \\times 0.5 = 0.104994 \\times 0.5 = 0.052497$$",
        {"eq1": Kind.HOLDS, "h": Kind.HOLDS}, [("eq1", _sigmoid(2) * (1 - _sigmoid(2))), ("h", 0.5 * _sigmoid(2) * (1 - _sigmoid(2)))]),
    "a tanh identity": (
        "$$\\tanh(0.5) = \\frac{e^{0.5} - e^{-0.5}}{e^{0.5} + e^{-0.5}} = 0.46212$$",
        {"eq1.1": Kind.HOLDS, "eq1.2": Kind.HOLDS}, [("eq1.2", math.tanh(0.5))]),
    "the old weight after an update": (
        # w = 0.5 + 0.1 · 0.6416 = 0.56416 (by hand); z then puts the old 0.5 in for w: a stale copy, not a slip of 0.6.
        "Let \\(w = 0.5\\), \\(x = 2\\), \\(g = -0.6416\\), \\(\\eta = 0.1\\).\n\n## Step 1\n\n"
        "$$w = w - \\eta g = 0.5 - 0.1 \\cdot (-0.6416) = 0.56416$$\n\n## Step 2\n\n$$z = w x = 0.5 \\cdot 2 = 1.0$$",
        {"w": Kind.HOLDS, "eq2:w": Kind.CONTRADICTION, "z": Kind.CARRIED},
        [("eq2:w", 0.56416), ("z", 2 * 0.56416)]),
    "a remark in parentheses inside an aligned row": (
        # σ(0.7) = 0.6681878 (plain math): the row after the remark is still the chain's.
        "$$\\begin{aligned} a &= \\sigma(0.7) \\quad \\text{(logistic)} \\\\ &= 0.6000 \\end{aligned}$$",
        {"a": Kind.WRONG}, [("a", _sigmoid(0.7))]),
    "classes numbered from 0": (
        "$$z = \\begin{bmatrix} 0.2 \\\\ 0.9 \\\\ 0 \\end{bmatrix}$$\n\n"
        "$$p = \\operatorname{softmax}(z) = \\begin{bmatrix} 0.260927 \\\\ 0.525443 \\\\ 0.213629 \\end{bmatrix}$$\n\n"
        "$$L = -\\log p_1 = -\\log(0.525443) = 0.643513$$",
        {"p[0]": Kind.HOLDS, "p[1]": Kind.HOLDS, "p[2]": Kind.HOLDS, "L": Kind.HOLDS},
        [("L", -math.log(math.exp(0.9) / (math.exp(0.2) + math.exp(0.9) + 1)))]),
    "one changed given among unchanged ones is a contradiction": (
        "## Sample 1\n\n$$e = y - \\hat{y} = 0.4 - 0.1 = 0.3$$\n\n## Sample 2\n\n$$e = y - \\hat{y} = -0.3 - 0.1 = -0.4$$",
        {"e": Kind.HOLDS, "eq2:y": Kind.CONTRADICTION, "e#2": Kind.CARRIED}, [("e#2", 0.4 - 0.1)]),
}


@pytest.mark.parametrize("case", list(DATAFLOW_CASES), ids=list(DATAFLOW_CASES))
def test_a_page_is_judged_by_its_true_chain(case: str) -> None:
    document, expected, values = DATAFLOW_CASES[case]
    result = audit_markdown(document)
    assert kinds(result) == expected
    shown = {v.ref: v.exact for v in result.verdicts}
    for ref, true in values:
        assert abs(float(shown[ref]) - true) < 1e-6, ref


def test_a_softmax_worked_out_as_fractions_of_rounded_results_does_not_fail() -> None:
    # 1 + e^-1 + e^-1.9 = 1.517448 rounds to 1.5174: the page's 1.5175 comes from its rounded exponentials (carried).
    # The side of fractions of those rounded results agrees with softmax(z) (holds, or carried where the enclosure
    # of its range is tight enough to tell); the probabilities hold.
    assert round(1 + math.exp(-1) + math.exp(-1.9), 4) == 1.5174 and round(1 + 0.3679 + 0.1496, 4) == 1.5175
    page = ("Logits \\(z = (2.0, 1.0, 0.1)\\).\n\n$$e^{-1.0} = 0.3679, \\quad e^{-1.9} = 0.1496$$\n\n"
            "$$1 + 0.3679 + 0.1496 = 1.5175$$\n\n$$p = \\operatorname{softmax}(z) = \\begin{bmatrix} \\frac{1}{1.5175} \\\\ "
            "\\frac{0.3679}{1.5175} \\\\ \\frac{0.1496}{1.5175} \\end{bmatrix} = \\begin{bmatrix} 0.6590 \\\\ 0.2424 \\\\ 0.0986 \\end{bmatrix}$$")
    found = kinds(audit_markdown(page))
    assert found["eq2"] is Kind.CARRIED and found["eq3"] in (Kind.HOLDS, Kind.CARRIED)
    assert [found[f"p[{i}]"] for i in range(3)] == [Kind.HOLDS] * 3


def test_a_carried_value_names_what_it_carries() -> None:
    result = audit_markdown(DATAFLOW_CASES["a name substituted twice"][0])
    q = next(v for v in result.verdicts if v.ref == "q")
    assert q.inherits_from == ("eq2:p",) and q.own == "0.1275"
    contradiction = next(v for v in result.verdicts if v.ref == "eq2:p")
    assert contradiction.conflicts_with == ("p",)


# -- reports and the command line ----------------------------------------------------------------

@pytest.mark.parametrize("name", FORMATS)
def test_every_report_format_works_for_documents(name: str) -> None:
    out = io.StringIO()
    renderer(name)(audit_file(PLANTED), out, False)
    text = out.getvalue()
    line = "21 equations found, 13 checked, 8 skipped (3 symbolic only, 2 nothing to compare, 2 no equals sign, " \
           "1 unparsable: line 86: unsupported command \\oint)"
    if name in ("json", "jsonl"):
        assert name == "json" or text.count("\n") == 1  # jsonl: the report on one line
        data = json.loads(text)
        jsonschema.validate(data, json.loads(files("nncheck.report").joinpath("report-schema.json").read_text()))
        assert data["coverage"]["summary"] == line and len(data["coverage"]["skipped"]) == 8
    elif name == "sarif":
        data = json.loads(text)
        jsonschema.Draft7Validator(SARIF_SCHEMA).validate(data)
        assert data["runs"][0]["properties"]["coverage"]["summary"] == line
        assert {r["ruleId"] for r in data["runs"][0]["results"]} == {"nncheck.slip", "nncheck.carried", "nncheck.wrong", "nncheck.contradiction"}
    else:
        assert line in text


def test_lines_report_points_into_the_document() -> None:
    out = io.StringIO()
    renderer("lines")(audit_file(BLOG_MD), out, False)
    first = out.getvalue().splitlines()[0]
    assert first.startswith(f"{BLOG_MD}:23:") and ": error: claim 'z_2': document states 3.18, recomputed 2.73" in first


def test_cli_audits_a_markdown_document() -> None:
    status, out, err = run_cli("audit", str(BLOG_MD), "--format", "json")
    assert (status, err) == (1, "")
    assert json.loads(out)["summary"]["wrong"] == 3
    status, _, _ = run_cli("audit", str(BLOG_MD), "--fail-on", "none")
    assert status == 0


def test_a_page_that_describes_no_network_has_none_for_the_oracle(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("$$z = 1.5 \\times 0.4 + 0.3 = 0.9$$\n", encoding="utf-8")
    from nncheck.audit.page import page_network

    network, reasons = page_network(page.read_text(encoding="utf-8"), str(page))
    assert network is None and reasons
    blog, _ = page_network(BLOG_MD.read_text(encoding="utf-8"), str(BLOG_MD))
    assert blog is not None and [layer.activation for layer in blog.layers] == ["relu", "sigmoid"]


def test_cli_reports_an_unreadable_document_at_its_place(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_bytes(b"# T\n\n$$1 = \xff$$\n")
    status, _, err = run_cli("audit", str(page))
    assert status == 2 and err.startswith(f"{page}:3:7: ") and "UTF-8" in err


def test_the_spec_path_does_not_import_lark() -> None:
    import subprocess
    import sys

    code = ("import sys; from nncheck.cli import main; main(['audit', 'specs/blog.yaml', '--format', 'json']); "
            "assert 'lark' not in sys.modules, 'lark imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr


@given(nst.pages())
def test_random_pages_always_end_in_an_audit(page: str) -> None:
    # Chains over a few names (bound, re-bound, substituted, continued, in sections): whatever their arithmetic,
    # the page judge gives verdicts and reasons, never an exception.
    FUZZ["inputs"] += 1
    result = audit_markdown(page)
    assert result.coverage is not None
    assert result.coverage.checked + len(result.coverage.skipped) == result.coverage.found


@given(st.text(alphabet="$\\[]()`\n #x=1.5", max_size=60))
def test_any_text_is_a_document(text: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(text)
    assert result.coverage is not None and result.coverage.found == len([m for m in find_math(text) if m.display])


# -- extract ---------------------------------------------------------------------------------------

def test_extract_writes_a_spec_that_loads_and_finds_the_blogs_errata(tmp_path: Path) -> None:
    from nncheck.audit import audit
    from nncheck.readers.spec import parse_spec

    draft = tmp_path / "blog.yaml"
    status, out, err = run_cli("extract", "--spec", str(BLOG_MD), "--output", str(draft))
    assert (status, out, err) == (0, "", "")
    spec = parse_spec(draft.read_text(encoding="utf-8"), str(draft))
    layers = spec.network.layers
    assert [layer.activation for layer in layers] == ["relu", "sigmoid"] and spec.network.loss == "bce"
    assert layers[0].weights == ((Fraction("0.2"), Fraction("0.4")), (Fraction("0.1"), Fraction("0.6")))
    assert spec.network.input == (1, 2) and spec.network.target == (1,)
    found = {v.ref: v.kind for v in audit(spec).verdicts}
    # The draft and the page itself agree on every number both state (the draft's network is judged by the
    # step table, the page by its own formulas).
    page = kinds(audit_file(BLOG_MD))
    assert {ref: page[ref] for ref in BLOG_SHARED} == {ref: found[spec_ref] for ref, spec_ref in BLOG_SHARED.items()}
    assert found["z2"] is Kind.WRONG and found["yhat"] is Kind.SLIP
    assert found["dL/dW1[0,1]"] is Kind.WRONG and found["dL/dW1[1,1]"] is Kind.WRONG
    assert found["dL/da1:dL/dz2"] is Kind.CONTRADICTION
    # ∂L/∂W_2 is printed as a column: the draft says so rather than reshaping what was printed.
    claim = next(c for c in spec.claims if c.quantity == "dL/dW2")
    assert [s.printed.text for s in claim.elements] == ["-0.0806", "-0.1116"]
    assert "transposed: true" in draft.read_text(encoding="utf-8")


def test_extract_writes_todo_for_what_it_cannot_find_and_the_audit_refuses_it(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# P\n\n$$W_1 = \\begin{bmatrix} 2 \\end{bmatrix}$$\n\n$$z_1 = 2 \\cdot 3 = 6$$\n\n"
                    "$$0.5 \\cdot 0.5 = 0.25$$\n", encoding="utf-8")
    status, out, _ = run_cli("extract", "--spec", str(page))
    assert status == 0
    todo = [line for line in out.splitlines() if line.startswith("# TODO")]
    assert any("activation of layer 1" in line for line in todo) and any("b_1" in line for line in todo)
    assert "bias: TODO  # b_1 was not found on the page" in out and "activation: TODO" in out
    from nncheck.readers.spec import parse_spec

    with pytest.raises(SpecError) as raised:  # never a silent default: the author writes it in
        parse_spec(out, "draft.yaml")
    message = str(raised.value)
    assert "layer 1 activation is TODO: `nncheck extract` could not find it on the page" in message
    assert "layer 1 bias is TODO" in message
    status, front, _ = run_cli("extract", str(page))  # the front matter, which the page's audit refuses the same way
    assert status == 0 and front.startswith("---\n# A front matter")
    (tmp_path / "declared.md").write_text(front + page.read_text(encoding="utf-8"), encoding="utf-8")
    status, _, err = run_cli("audit", str(tmp_path / "declared.md"))
    assert status == 2 and "activation is TODO" in err


def test_extract_writes_front_matter_with_which_the_page_gets_the_drafted_specs_verdicts() -> None:
    """The blog page with the front matter extract writes: every number the draft spec claims gets the same verdict."""
    from collections import Counter

    from nncheck.audit import audit
    from nncheck.readers.markdown import parse_markdown
    from nncheck.readers.spec import parse_spec

    page = BLOG_MD.read_text(encoding="utf-8")
    _, front, _ = run_cli("extract", str(BLOG_MD))
    _, draft, _ = run_cli("extract", "--spec", str(BLOG_MD))
    declared = audit(parse_markdown(front + page, "blog.md"), diagnose=0)
    drafted = audit(parse_spec(draft, "draft.yaml"), diagnose=0)
    claimed = {v.subject for v in drafted.verdicts if v.subject != "equation"}
    found = Counter((v.subject, v.stated, v.kind) for v in declared.verdicts if v.subject in claimed)
    assert found == Counter((v.subject, v.stated, v.kind) for v in drafted.verdicts if v.subject in claimed)
    assert found[("z2", "3.18", Kind.WRONG)] == 1 and found[("dL/da1", "-0.02796", Kind.CARRIED)] == 1


def test_extract_needs_weights(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("$$1 + 1 = 2$$\n", encoding="utf-8")
    status, out, err = run_cli("extract", str(page))
    assert status == 2 and out == "" and err.startswith(f"{page}:1:1: no weights and no formulas over named quantities found")


def test_a_formula_judged_again_at_a_higher_precision_is_recorded_once() -> None:
    # e to 45 decimals needs more than the first 128 bits (about 38 digits): the display is judged again at
    # 256 bits, from scratch. Its statement is recorded once: the restatement below repeats it digit for
    # digit (no verdict, no second id), and e^2 = 7.389056... holds when computed from c.
    import mpmath

    with mpmath.workdps(60):
        digits = mpmath.nstr(mpmath.e, 46)  # correctly rounded to 45 decimals, by plain mpmath
    assert len(digits.split(".")[1]) == 45 and digits.startswith(str(math.e)[:15])
    result = audit_markdown(f"$$c = \\exp(1) = {digits}$$\n\n$$d = c = {digits}$$\n\n$$f = c^2 = 7.38906$$")
    assert kinds(result) == {"c": Kind.HOLDS, "f": Kind.HOLDS}
    assert result.precision > ball.START_PRECISION


@pytest.mark.parametrize("before", [
    "<!-- old: $$ z = 2 \\times 1.5 = 3.5 $$ -->\n\n",
    "```python\nprint(\"$$ z = 2 \\times 1.5 = 3.5 $$\")\n```\n\n",
    "Quoted: `$$ z = 2 \\times 1.5 = 3.5 $$` and then\n",
    "    $$ z = 2 \\times 1.5 = 3.5 $$\n\n",
])
def test_a_formula_is_located_at_itself_not_at_an_earlier_copy_in_a_comment_or_code(before: str) -> None:
    """2 × 1.5 = 3 (by hand), printed 3.5: the finding is on the formula's own line, after an identical copy in an
    HTML comment, a fenced or indented code block, or a code span, which is not math."""
    text = before + "$$ z = 2 \\times 1.5 = 3.5 $$\n"
    result = audit_markdown(text, "p.md")
    [verdict] = [v for v in result.verdicts if v.is_finding]
    line = text.count("\n", 0, text.rindex("$$ z")) + 1
    assert verdict.location.line == line and text.splitlines()[line - 1][verdict.location.column - 1:].startswith("3.5")


# A page of 1 MB (the readers' size limit) made of one delimiter repeated: each must be read in linear time. The
# ceiling is a CPU limit on a child process, generous for linear work (a few seconds here) and far below what the
# quadratic scans took (300 kB of unclosed \( took minutes).
ADVERSARIAL_CPU_SECONDS = 60
ADVERSARIAL_CHILD = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({ADVERSARIAL_CPU_SECONDS}, {ADVERSARIAL_CPU_SECONDS}))
from nncheck.audit import audit_markdown
unit = sys.argv[1]
audit_markdown(unit * (1_000_000 // len(unit)), "adversarial.md")
"""


@pytest.mark.parametrize("unit", ["\\( ", "\\(x\\) ", "$x$ ", "$a ", "$$a ", "`` ", "<!-- ", "\\[ ", "\\begin{x} "])
def test_a_megabyte_of_one_delimiter_is_read_in_linear_time(unit: str) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", ADVERSARIAL_CHILD, unit], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-1000:]


def test_inline_brackets_are_read_as_texmath_reads_them() -> None:
    """The linear \\(…\\) rule gives texmath's tokens: the shortest body before the first closer, one character or
    more, across lines of the paragraph."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.texmath import texmath_plugin

    from nncheck.readers.markdown import parse_tokens

    reference = MarkdownIt("commonmark").use(texmath_plugin, delimiters="brackets")
    for text in ["a \\(x\\) b \\(y = 1\\)", "\\(\\) and \\(z\\)", "\\( open \\(x\\)", "two\nlines \\(a\nb\\) c",
                 "\\(x\\)\\(y\\)", "no closer \\(x"]:
        ours = [(t.type, t.content) for t in parse_tokens(text)[1].children if t.type == "math_inline"]
        theirs = [(t.type, t.content) for t in reference.parse(text)[1].children if t.type == "math_inline"]
        assert ours == theirs, text


def test_a_class_printed_with_probability_zero_leaves_the_loss_its_own_numbers() -> None:
    """a = softmax([1.7675, -0.9, -0.01]) printed [0.8, 0.0, 0.1] with a one-hot y: −yᵀ log a is −log 0.8 = 0.2231
    from the page's numbers (by hand; the class of target 0 adds 0·log 0.0 = 0, as cross-entropy takes it) against
    the true 0.2139, so the printed 0.22 is carried, not a rounding slip."""
    text = ("$$z = \\begin{bmatrix} 1.7675 \\\\ -0.9 \\\\ -0.01 \\end{bmatrix}$$\n\n"
            "$$a = \\text{softmax}(z) = \\begin{bmatrix} 0.8 \\\\ 0.0 \\\\ 0.1 \\end{bmatrix}$$\n\n"
            "$$y = \\begin{bmatrix} 1 \\\\ 0 \\\\ 0 \\end{bmatrix}$$\n\n$$L = -y^T \\log(a) = 0.22$$\n")
    verdict = {v.ref: v for v in audit_markdown(text, "p.md").verdicts}["L"]
    assert verdict.kind is Kind.CARRIED and verdict.own is not None and verdict.own.startswith("0.22314")


@pytest.mark.parametrize("opening", ["$$a = 1 + 1 = 2\n\nSome prose in between.\n\n$$",
                                     "$$a = 1 + 1 = 2\nand prose on the next line, $$"])
def test_an_unclosed_display_is_refused_at_the_stray_dollar_and_the_rest_judged(opening: str) -> None:
    # The first $$ is never closed, so the one that should open b's display closes it: TeX would end math at that
    # '$'. The swallowed formula is refused with its reason; the next display is judged (by hand: 3 + 3 = 6, so 7 is
    # wrong). Before, the prose was read as a product of names and gave two false verdicts.
    page = f"# P\n\n{opening}b = 2 + 2 = 5$$\n\n$$c = 3 + 3 = 7$$\n"
    result = audit_markdown(page, "p.md", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("7", Kind.WRONG)]
    assert result.coverage is not None
    (skipped,) = result.coverage.skipped
    assert skipped.reason is SkipReason.UNPARSABLE and "closing '$$' is missing" in skipped.detail
    assert skipped.location.line == 3  # where the unclosed formula starts


@pytest.mark.parametrize("page", ["# P\n\n$$c = 3 + 3 = 7$$\n\n$$a = 1 + 1 = 2\n\nand that is all.\n",
                                  "# P\n\nWe get $$c = 3 + 3 = 7$$ and $$a = 1 + 1 = 2 as the output.\n"])
def test_a_display_never_closed_is_reported_not_dropped(page: str) -> None:
    # The last $$ has no partner, so markdown-it leaves it in the text; it is reported where it opens (by hand:
    # 3 + 3 = 6, so 7 is wrong, and that display is still judged).
    result = audit_markdown(page, "p.md", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("7", Kind.WRONG)]
    assert result.coverage is not None
    (skipped,) = result.coverage.skipped
    assert skipped.reason is SkipReason.UNPARSABLE and skipped.detail.startswith("'$$' is not closed")
    line = next(i for i, text in enumerate(page.split("\n"), start=1) if "$$a" in text)
    assert (skipped.location.line, skipped.location.column) == (line, page.split("\n")[line - 1].index("$$a") + 1)


@pytest.mark.parametrize("formula", ["\\text{for $i = 1$: } x_i = 2 \\times 3 = 6", "\\text {cost \\$}\\, y = 2 + 2 = 4",
                                     "z = 2 \\times 2 = 4 \\quad \\mbox{($z$ in units)}"])
def test_a_dollar_in_text_inside_math_or_escaped_is_not_stray(formula: str) -> None:
    # By hand: 2 × 3 = 6, 2 + 2 = 4, 2 × 2 = 4: each holds.
    result = audit_markdown(f"# P\n\n$${formula}$$\n", "p.md", diagnose=0)
    assert [v.kind for v in result.verdicts] == [Kind.HOLDS]
