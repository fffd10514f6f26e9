"""A page's restatements of a computed name: judged with the own value of the name's formula over the page's printed
operands, as a spec's are, never with an earlier statement's rounding interval; and every statement with an id of its
own, so that "stated differently at" lists exactly the statements whose rounding intervals are disjoint from it.

True values are computed with mpmath (σ(0.4) = 0.598687660112452…), ranges and intervals with fractions; the expected
verdicts by hand from them, in the comments.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest

from nncheck.audit import Kind, audit, audit_markdown
from nncheck.readers.spec import parse_spec

H, C, S, W, X = Kind.HOLDS, Kind.CARRIED, Kind.SLIP, Kind.WRONG, Kind.CONTRADICTION
mpmath.mp.dps = 30
SIGMA = 1 / (1 + mpmath.exp(-mpmath.mpf("0.4")))  # 0.598687660112452…


def interval(text: str) -> tuple[Fraction, Fraction]:
    value = Fraction(text)
    half = Fraction(1, 2 * 10 ** len(text.partition(".")[2]))
    return value - half, value + half


def kinds(page: str) -> dict[str, Kind]:
    return {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts}


FORWARD = "$$z = 0.4, \\qquad a = \\sigma(z) = {first}$$\n\n"


@pytest.mark.parametrize(("first", "again", "expected"), [
    # finer than the earlier statement, inside its interval but not the true value: the error is made here
    ("0.6", "0.6499", W),   # σ(0.4) = 0.598688 is 511 units of 0.0001 away; [0.55, 0.65] meets [0.64985, 0.64995]
    ("0.6", "0.62", W),     # 0.0213 from the true value, more than one unit (0.01); [0.55, 0.65] holds 0.62
    ("0.60", "0.6049", W),  # a restatement 0.0062 from the true value; inside [0.595, 0.605]
    # finer and right: holds, or a slip of the last digit
    ("0.6", "0.5987", H),   # the true value lies in [0.59865, 0.59875]
    ("0.6", "0.5986", S),   # 0.0000877 from the true value, within one unit (0.0001)
    # as fine, another value: 0.1013 from the true value; [0.55, 0.65] and [0.65, 0.75] share an end, no conflict
    ("0.6", "0.7", W),
    # fewer digits than the earlier statement: it rounds that statement
    ("0.59869", "0.599", H),  # the true value lies in [0.5985, 0.5995]
    ("0.71", "0.7", C),       # carried from the wrong 0.71, which is where the error was made
])
def test_a_restatement_of_a_computed_name_is_judged_with_its_formula(first: str, again: str, expected: Kind) -> None:
    true = Fraction(str(mpmath.nstr(SIGMA, 25)))
    low, high = interval(again)
    assert (low <= true <= high) is (expected is H)
    page = FORWARD.format(first=first) + f"$$a = {again}$$\n\n$$b = 2 a = {2 * Decimal(again)}$$\n"
    found = kinds(page)
    assert found["a#2"] is expected, found
    # b = 2a reads a's latest statement, digit for digit: 2 × again is what the page's own numbers give
    assert found["b"] in (H, C), found


@pytest.mark.parametrize(("first", "put_in", "expected"), [
    ("0.6", "0.6499", W),
    ("0.6", "0.5987", H),
    ("0.71", "0.7", C),
])
def test_a_value_put_in_for_a_computed_name_is_judged_with_its_formula(first: str, put_in: str, expected: Kind) -> None:
    """The same rule for a value a later step substitutes: b = 2 a = 2 × 0.6499 states a as 0.6499."""
    product = 2 * Decimal(put_in)
    page = FORWARD.format(first=first) + f"$$b = 2 a = 2 \\times {put_in} = {product}$$\n"
    found = kinds(page)
    assert found["eq2:a"] is expected, found
    assert found["b"] in ((H,) if expected is H else (C,)), found  # 2 × the printed value, carried from it


def test_a_page_restating_a_result_with_invented_digits() -> None:
    """a = σ(0.4) = 0.6 holds; a = 0.6499 is wrong; b = 2a = 1.2998 is carried from it (2 × 0.6499)."""
    audited = audit_markdown(FORWARD.format(first="0.6") + "$$a = 0.6499$$\n\n$$b = 2 a = 1.2998$$\n", "p.md")
    rows = {v.ref: v for v in audited.verdicts}
    assert {ref: v.kind for ref, v in rows.items()} == {"a": H, "a#2": W, "b": C}
    assert rows["b"].inherits_from == ("a#2",)


def test_used_values_with_invented_digits_are_judged_with_their_formulas() -> None:
    """a = σ(0.4) printed 0.60, so a ∈ [0.595, 0.605] in the page's own numbers (fractions below).

    ∂L/∂a = a − y = −0.4049: a − 1 ∈ [−0.405, −0.395] holds [−0.40495, −0.40485]: carried, from a (it was carried from
    the earlier −0.40). ∂a/∂z = a(1 − a) = 0.2449: a(1 − a) decreases past 1/2, so its range is [0.605·0.395,
    0.595·0.405] = [0.238975, 0.240975], disjoint from [0.24485, 0.24495], and the true 0.2402607 is 46 units off:
    wrong (it was carried from the earlier 0.24). δ = −0.4049 × 0.2449 = −0.09916 is carried from the two (the true
    value is −0.0964196). The restated a = 0.6049 is wrong: 0.0062 from σ(0.4), though inside [0.595, 0.605].
    """
    low, high = Fraction("0.595"), Fraction("0.605")
    assert (low - 1, high - 1) == (Fraction("-0.405"), Fraction("-0.395"))
    assert (high * (1 - high), low * (1 - low)) == (Fraction("0.238975"), Fraction("0.240975"))
    assert high * (1 - high) > 0 and low * (1 - low) < interval("0.2449")[0]
    page = ("$x = 1.5$, $y = 1$, $w = 0.4$, $b = -0.2$.\n\n"
            "$$z = w x + b = 0.4, \\qquad a = \\sigma(z) = 0.60$$\n\n"
            "$$\\frac{\\partial L}{\\partial a} = a - y = -0.40, \\qquad \\frac{\\partial a}{\\partial z} = a(1-a) = 0.24$$\n\n"
            "$$\\delta = \\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}{\\partial z} = -0.4049 \\times 0.2449 = -0.09916$$\n\n"
            "$$a = 0.6049$$\n")
    rows = {v.ref: v for v in audit_markdown(page, "p.md").verdicts}
    assert {ref: v.kind for ref, v in rows.items()} == {
        "z": H, "a": H, "∂L/∂a": H, "∂a/∂z": H, "eq3:∂L/∂a": C, "eq3:∂a/∂z": W, "δ": C, "a#2": W}
    assert rows["eq3:∂L/∂a"].inherits_from == ("a",)


def test_a_spec_judges_the_same_numbers_the_same_way() -> None:
    """The spec path, for the page above: ŷ-style restatement 0.6 then 0.6499 of a = σ(z): wrong, and b carried."""
    spec = parse_spec("nncheck: 1\ntitle: t\nmodel:\n  givens: {z: 0.4}\n  definitions:\n    a: sigmoid(z)\n"
                      "    b: 2 * a\nclaims:\n  - {quantity: a, value: 0.6, step: s}\n"
                      "  - {quantity: b, value: 1.2998, step: s, uses: {a: 0.6499}}\n", "s.yaml")
    assert {v.ref: v.kind for v in audit(spec).verdicts} == {"a": H, "b:a": W, "b": C}


RECAP = ("# Update then restate\n\n## Setup\n\n$$w = 0.5, \\quad x = 2, \\quad \\eta = 0.1$$\n\n## Backward\n\n"
         "$$g = -0.6416$$\n\n## Update\n\n$$w \\leftarrow w - \\eta g$$\n\n$$= 0.5 - 0.1 \\cdot (-0.6416) = 0.56416$$\n\n"
         "## Epoch 2\n\n$$z = w x = 0.5642 \\times 2 = 1.1283$$\n\n$$z' = w x = 0.5641 \\times 2 = 1.1282$$\n\n"
         "## Recap\n\n$w = 0.564$ and $w = 0.7$.\n")


def test_two_statements_of_one_name_on_one_line_have_ids_of_their_own() -> None:
    """w = 0.5 + 0.06416 = 0.56416 exactly (fractions). Its statements and their rounding intervals:
    w#2 0.56416 [0.564155, 0.564165], eq5:w 0.5642 [0.56415, 0.56425], eq6:w 0.5641 [0.56405, 0.56415],
    line25:w 0.564 [0.5635, 0.5645], line25:w#2 0.7 [0.65, 0.75]. 0.564's interval holds all the others but 0.7's:
    it conflicts with line25:w#2 only; 0.7 conflicts with every other."""
    statements = {"w#2": "0.56416", "eq5:w": "0.5642", "eq6:w": "0.5641", "line25:w": "0.564", "line25:w#2": "0.7"}

    def disjoint(a: str, b: str) -> bool:
        (a_low, a_high), (b_low, b_high) = interval(a), interval(b)
        return a_high < b_low or b_high < a_low

    rows = {v.ref: v for v in audit_markdown(RECAP, "p.md").verdicts}
    assert [v for v in rows if v.startswith("line25")] == ["line25:w", "line25:w#2"]
    assert rows["line25:w"].kind is H and rows["line25:w#2"].kind is X
    for ref, printed in statements.items():
        expected = {other for other, value in statements.items() if other != ref and disjoint(printed, value)}
        assert set(rows[ref].conflicts_with) == expected, (ref, rows[ref].conflicts_with)
    assert set(rows["line25:w"].conflicts_with) == {"line25:w#2"}
