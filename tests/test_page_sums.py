"""A sum over an index, \\sum_j f(x_j), written out over the indices of the names the page bound; or, where the page
does not fix them, reported as not checked (never counted as checked).

Expected values are computed here with math.fsum and the decimal module, never with nncheck.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from nncheck.audit import Kind, audit_markdown
from nncheck.findings import SkipReason
from nncheck.report.common import coverage_line

H, S, W, C = Kind.HOLDS, Kind.SLIP, Kind.WRONG, Kind.CONTRADICTION

GIVEN = "The logits are $z_1 = 1.0$, $z_2 = 2.0$ and $z_3 = 3.0$.\n\n"
EXP = {z: math.exp(z) for z in (1.0, 2.0, 3.0)}
TOTAL = math.fsum(EXP.values())  # e + e² + e³ = 30.19287485…


def rounded(value: float, places: str) -> str:
    return str(Decimal(repr(value)).quantize(Decimal(places)))


def test_the_hand_values() -> None:
    assert rounded(TOTAL, "0.01") == "30.19" and rounded(TOTAL, "0.001") == "30.193"
    assert abs(TOTAL - 30.20) < 0.01  # 30.20 is off by less than one unit of its last digit: a rounding slip
    assert rounded(EXP[1.0] + EXP[2.0], "0.01") == "10.11"  # the first two: 2.71828 + 7.38906
    assert rounded(EXP[2.0] + EXP[3.0], "0.01") == "27.47"  # from 2 to 3: 7.38906 + 20.08554
    assert abs(EXP[2.0] + EXP[3.0] - 27.48) < 0.01  # 27.48: a rounding slip
    # w·x = 0.5·2 + (-1)·0.5 + 0.25·4 = 1 - 0.5 + 1 = 1.5, twice that 3
    assert Fraction("0.5") * 2 + Fraction(-1) * Fraction("0.5") + Fraction("0.25") * 4 == Fraction(3, 2)


CASES = {
    # The sum is e^{z_1} + e^{z_2} + e^{z_3}: the side that writes it out substitutes z's printed values (repeats: no
    # verdict), and the total holds.
    "written out, the total right": (
        GIVEN + "$$\\sum_j e^{z_j} = e^{1.0} + e^{2.0} + e^{3.0} = 30.19$$\n", [("30.19", H)]),
    # 2.5 is put in for z_2, printed 2.0 before: a contradiction. The total is still e + e² + e³.
    "written out with a wrong term": (
        GIVEN + "$$\\sum_j e^{z_j} = e^{1.0} + e^{2.5} + e^{3.0} = 30.19$$\n", [("2.5", C), ("30.19", H)]),
    "printed alone, right": (GIVEN + "$$\\sum_j e^{z_j} = 30.193$$\n", [("30.193", H)]),
    "printed alone, wrong": (GIVEN + "$$\\sum_j e^{z_j} = 22.922$$\n", [("22.922", W)]),
    "printed alone, a rounding slip": (GIVEN + "$$\\sum_j e^{z_j} = 30.20$$\n", [("30.20", S)]),
    "printed inline, wrong": (GIVEN + "Their sum is $\\sum_j e^{z_j} = 22.922$.\n", [("22.922", W)]),
    # Explicit limits are taken literally: the first two, then from 2 to 3.
    "explicit limits": (
        GIVEN + "$$\\sum_{j=1}^{2} e^{z_j} = 10.11, \\quad \\sum_{j=2}^{3} e^{z_j} = 27.48$$\n", [("10.11", H), ("27.48", S)]),
    # The entries of a vector z the page gave.
    "over a vector's entries": ("$$z = [1.0, 2.0, 3.0]$$\n\n$$\\sum_j e^{z_j} = 30.19$$\n", [("30.19", H)]),
    # Two names carry the index, both given for j = 1, 2, 3; the sum takes in the factor after it (w_j x_j).
    "a weighted sum": (
        ("$w_1 = 0.5$, $w_2 = -1$, $w_3 = 0.25$ and $x_1 = 2$, $x_2 = 0.5$, $x_3 = 4$.\n\n"
         "$$\\sum_j w_j x_j = 1.5$$\n\n$$\\sum_i w_i x_i = 1.25$$\n\n$$2 \\sum_j w_j x_j = 3$$\n"),
        [("1.5", H), ("1.25", W), ("3", H)]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_sum_over_the_names_the_page_bound_is_evaluated(case: str) -> None:
    page, expected = CASES[case]
    result = audit_markdown(page, diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == expected
    assert result.coverage is not None
    assert not [s for s in result.coverage.skipped + result.coverage.unread_sides if s.reason is SkipReason.NOT_EVALUATED]


def test_the_exact_value_of_a_sum_is_the_hand_value() -> None:
    [verdict] = audit_markdown(GIVEN + "$$\\sum_j e^{z_j} = 22.922$$\n", diagnose=0).verdicts
    assert abs(float(verdict.exact) - TOTAL) < 1e-6


NOT_CHECKED = {
    # An upper limit that is not a number: which z_j the page means is not said.
    "an upper limit n": (GIVEN + "$$\\sum_{j=1}^{n} e^{z_j} = 30.19$$\n", "\\sum_{j=1}^{n} e^{z_j}", "limits"),
    # z_1, z_2, z_4: not a contiguous run, so not guessed.
    "a gap in the names": ("$z_1 = 1.0$, $z_2 = 2.0$, $z_4 = 3.0$.\n\n$$\\sum_j e^{z_j} = 30.19$$\n", "\\sum_j e^{z_j}",
                           "z_3 is not given"),
    "a limit past the names": (GIVEN + "$$\\sum_{j=1}^{4} e^{z_j} = 30.19$$\n", "\\sum_{j=1}^{4} e^{z_j}", "z_4 is not given"),
    "no name given": ("$$\\sum_j e^{y_j} = 30.19$$\n", "\\sum_j e^{y_j}", "no y_k is given"),
    "more than 100 terms": (GIVEN + "$$\\sum_{j=1}^{1000000000000} e^{z_j} = 30.19$$\n", "\\sum_{j=1}^{1000000000000} e^{z_j}",
                            "more than 100"),
    "a limit of 40 digits": (GIVEN + f"$$\\sum_{{j=1}}^{{{10 ** 40}}} e^{{z_j}} = 30.19$$\n", f"\\sum_{{j=1}}^{{{10 ** 40}}} e^{{z_j}}",
                             "more than 100"),
    "an empty range": (GIVEN + "$$\\sum_{j=3}^{1} e^{z_j} = 0$$\n", "\\sum_{j=3}^{1} e^{z_j}", "0 indices, none"),
    "an index it does not read": (GIVEN + "$$\\sum_{i,j} e^{z_j} = 30.19$$\n", "\\sum_{i,j} e^{z_j}", "not one index letter"),
    "the index outside its sum": (GIVEN + "$$z_j \\sum_j e^{z_j} = 30.19$$\n", "\\sum_j e^{z_j}", "used outside the sum"),
    "a sum that divides": (GIVEN + "$$1 / \\sum_j e^{z_j} \\cdot z_j = 0.1$$\n", "\\sum_j e^{z_j}", "divides a product"),
    "a summand without the index": (GIVEN + "$$\\sum_{j=1}^{3} 2 = 6$$\n", "\\sum_{j=1}^{3} 2", "no name in its summand"),
}


@pytest.mark.parametrize("case", list(NOT_CHECKED))
def test_a_sum_whose_indices_the_page_does_not_fix_is_reported_as_not_checked(case: str) -> None:
    page, quoted, reason = NOT_CHECKED[case]
    result = audit_markdown(page, diagnose=0)
    coverage = result.coverage
    assert coverage is not None
    assert result.verdicts == () and (coverage.found, coverage.checked) == (1, 0)
    [skipped] = coverage.skipped
    assert skipped.reason is SkipReason.NOT_EVALUATED and skipped.location.line == page.count("\n", 0, page.index("$$")) + 1
    assert skipped.detail.startswith(quoted) and reason in skipped.detail
    assert f"1 not evaluated: line {skipped.location.line}: {quoted}" in coverage_line(coverage)


def test_a_sum_not_evaluated_in_a_judged_equation_is_a_relation_not_checked() -> None:
    # No z is given: the written-out side and its total (30.19, by hand above) are judged, the sum is not.
    page = "$$\\sum_j e^{z_j} = e^{1.0} + e^{2.0} + e^{3.0} = 30.19$$\n"
    result = audit_markdown(page, diagnose=0)
    coverage = result.coverage
    assert coverage is not None
    assert [(v.stated, v.kind) for v in result.verdicts] == [("30.19", H)] and coverage.checked == 1
    [side] = coverage.unread_sides
    assert side.reason is SkipReason.NOT_EVALUATED and side.detail == "\\sum_j e^{z_j} (no z_k is given before it)"
    assert "; 1 relation of judged equations not checked: line 1: \\sum_j e^{z_j} (no z_k is given before it)" \
        in coverage_line(coverage)


def test_the_terms_of_a_written_out_sum_are_named_with_their_index() -> None:
    # Each term is reported as the display writes the summand, its index replaced: e^{z_1}, e^{z_2}, e^{z_3} for
    # \sum_j e^{z_j} (by hand e, e², e³ to 4 decimals: 2.7183, 7.3891, 20.0855), and w_{1} x_1 … for a product.
    terms = " + ".join(rounded(EXP[z], "0.0001") for z in (1.0, 2.0, 3.0))
    page = GIVEN + f"$$\\sum_{{j=1}}^{{3}} e^{{z_j}} = {terms} = 30.1929$$\n"
    named = [(v.expression, v.stated, v.kind) for v in audit_markdown(page, "p.md", diagnose=0).verdicts]
    assert named[:3] == [("e^{z_1}", "2.7183", H), ("e^{z_2}", "7.3891", H), ("e^{z_3}", "20.0855", H)]
    page = ("$w_1 = 0.5$, $w_2 = -1$, $x_1 = 2$, $x_2 = 0.5$.\n\n"
            "$$\\sum_j w_{j} x_j = 1 + (-0.5) = 0.5$$\n")  # 0.5 · 2 = 1, -1 · 0.5 = -0.5, 1 - 0.5 = 0.5
    judged = [(v.expression, v.stated, v.kind) for v in audit_markdown(page, "p.md", diagnose=0).verdicts]
    assert judged[:2] == [("w_{1} x_1", "1", H), ("w_{2} x_2", "-0.5", H)]
