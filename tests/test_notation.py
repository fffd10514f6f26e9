"""The notation worked examples use, each as a page with the verdicts it must get.

Every expected value is computed in the comment beside it (by hand, or with plain math in the test).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from nncheck.audit import Kind, audit_markdown

H, S, W = Kind.HOLDS, Kind.SLIP, Kind.WRONG


def judged(page: str) -> list[tuple[str, Kind]]:
    return [(v.stated, v.kind) for v in audit_markdown(page, diagnose=0).verdicts]


CASES = {
    # 0.003 / 1.2 = 0.0025 = 0.25 %
    "a percentage": (r"$$\frac{0.003}{1.2} = 0.0025 = 0.25\%$$", [("0.0025", H), ("0.25%", H)]),
    "a wrong percentage": (r"$$\frac{0.003}{1.2} = 0.0025 = 2.5\%$$", [("0.0025", H), ("2.5%", W)]),
    # −log 0.72 = 0.328504: printed 0.328, a rounding slip; the Σ side is symbolic and does not block the rest
    "a symbolic sum beside numbers": (r"$$L = -\sum_i y_i \log p_i = -\log(0.72) = 0.328$$", [("0.328", S)]),
    "a sum of a written list": (r"$$\sum [0.2, 0.3, 0.6] = 1.1$$", [("1.1", H)]),
    # e^{-1.2} = 0.301194, e^0 = 1
    "a function name used as a name": (r"$$\exp = [e^{-1.2}, e^{0}] \approx [0.301, 1.0]$$", [("0.301", H), ("1.0", H)]),
    "implicit multiplication": (r"$$2(4.9) = 9.7$$", [("9.7", W)]),  # 9.8
    "a boxed result": (r"$$0.2 \cdot 3 = \boxed{0.6}$$", [("0.6", H)]),
    "a coloured result, wrong": (r"$$0.2 \cdot 3 = \color{red}{0.5}$$", [("0.5", W)]),  # 0.6
    "a coloured operand": (r"$$\textcolor{blue}{0.25} \cdot 4 = 1$$", [("1", H)]),
    "implicit multiplication of groups": (r"$$(3.00)(-4.00) = -12.00$$", [("-12.00", H)]),
    "Hadamard product": (r"$$[1, 2] \odot [3, 4] = [3, 8]$$", [("3", H), ("8", H)]),
    "transpose as intercal": (r"$$[1, 2]^{\intercal} [3, 4] = 11$$", [("11", H)]),
    "max of a matrix (pooling)": (r"$$\max\begin{bmatrix} 4 & 1 \\ 0 & 3 \end{bmatrix} = 4$$", [("4", H)]),
    # population std of [1, 2, 3, 6]: mean 3, squares 4 + 1 + 0 + 9 = 14, sqrt(14 / 4) = 1.8708
    "population std": (r"$$\operatorname{std}([1, 2, 3, 6]) = 1.87$$", [("1.87", H)]),
    "sample std, with a note": (r"$$\operatorname{std}([1, 2, 3, 6]) = 2.16$$", [("2.16", H)]),  # sqrt(14 / 3) = 2.1602
    "mean and variance": (r"$$\text{mean}([1, 2, 3, 6]) = 3, \quad \operatorname{var}([1, 2, 3, 6]) = 3.5$$",
                          [("3", H), ("3.5", H)]),
    "dot product and norm": (r"$$\operatorname{dot}([1, 2], [3, 4]) = 11, \quad \operatorname{norm}([3, 4]) = 5$$",
                             [("11", H), ("5", H)]),
    # log softmax of [0, 0]: log ½ = −0.693147
    "log-softmax": (r"$$\text{log-softmax}([0, 0]) = [-0.693, -0.693]$$", [("-0.693", H), ("-0.693", H)]),
    # valid cross-correlation: 1·1 + 5·(−1) = −4 in every window
    "convolution (cross-correlation)": (
        r"$$\operatorname{conv2d}\left(\begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \\ 7 & 8 & 9 \end{bmatrix}, "
        r"\begin{bmatrix} 1 & 0 \\ 0 & -1 \end{bmatrix}\right) = \begin{bmatrix} -4 & -4 \\ -4 & -5 \end{bmatrix}$$",
        [("-4", H), ("-4", H), ("-4", H), ("-5", W)]),
    "max and average pooling": (
        r"$$\text{maxpool}\left(\begin{bmatrix} 1 & 2 & 3 & 4 \\ 5 & 6 & 7 & 8 \\ 1 & 1 & 0 & 0 \\ 1 & 9 & 0 & 2 \end{bmatrix}"
        r"\right) = \begin{bmatrix} 6 & 8 \\ 9 & 2 \end{bmatrix}, \quad \text{avgpool}\left(\begin{bmatrix} 1 & 2 & 3 & 4 \\ "
        r"5 & 6 & 7 & 8 \\ 1 & 1 & 0 & 0 \\ 1 & 9 & 0 & 2 \end{bmatrix}\right) = \begin{bmatrix} 3.5 & 5.5 \\ 3 & 0.5 \end{bmatrix}$$",
        [("6", H), ("8", H), ("9", H), ("2", H), ("3.5", H), ("5.5", H), ("3", H), ("0.5", H)]),
    "a squared function": (r"$$1 - \tanh^2(0.5) = 0.7864$$", [("0.7864", H)]),  # 1 − 0.462117² = 0.786448
    "a square root sign": ("$$√4 = 2$$", [("2", H)]),
    "an aligned row that begins with & and a number": (
        r"$$\begin{aligned} &3 \times 2 + 1 \times 4 \\ &= 6 + 4 = 10 \end{aligned}$$", [("6", H), ("4", H), ("10", H)]),
    "Unicode operators": ("$$σ(0) = 0.5 × 1 − 0 · 2 ≈ 0.5$$", [("0.5 × 1 − 0 · 2", H), ("0.5", H)]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_notation(case: str) -> None:
    page, expected = CASES[case]
    assert judged(page) == expected


@pytest.mark.parametrize("name", [r"\hat{y1}", r"\hat{y}_1", "y_{pred}", "w_5^{+}", "w^*", "W^{(1)}", "W^{[2]}", r"\mathbf{W}",
                                  r"\boldsymbol{\delta}", r"\vec{x}", r"\bar{x}", r"\tilde{x}", "x'", "s'_D", r"\text{out}_{h1}",
                                  r"\mathrm{net}", r"\operatorname{loss}", "ŷ", "σ_1"])
def test_names_as_pages_write_them(name: str) -> None:
    # 0.5 + 0.25 = 0.75 stated for the name, then the name stated as 0.9: a contradiction of the same quantity.
    page = f"$${name} = 0.5 + 0.25 = 0.75$$\n\n$${name} = 0.9$$\n"
    assert judged(page) == [("0.75", H), ("0.9", Kind.CONTRADICTION)]


def test_a_prime_before_or_after_the_subscript_is_one_name() -> None:
    # s'_D and s_D' are the same derivative: 0.3 + 0.2 = 0.5 holds, and the restatement 0.7 contradicts it (their
    # rounding intervals [0.45, 0.55] and [0.65, 0.75] are disjoint).
    assert judged("$$s'_D = 0.3 + 0.2 = 0.5$$\n\n$$s_D' = 0.7$$\n") == [("0.5", H), ("0.7", Kind.CONTRADICTION)]


def test_a_sample_convention_is_said() -> None:
    [verdict] = audit_markdown(r"$$\operatorname{std}([1, 2, 3, 6]) = 2.16$$", diagnose=0).verdicts
    assert round(math.sqrt(14 / 3), 2) == 2.16 and round(math.sqrt(14 / 4), 2) == 1.87
    assert [r.code for r in verdict.remarks] == ["reading"] and "sample convention" in verdict.remarks[0].message


def test_an_unreadable_row_or_statement_leaves_the_others_judged() -> None:
    # 1 + 1 = 2 and 2 × 2 = 4 (by hand); the integral between them is unread, and said so.
    result = audit_markdown(r"$$a = 1 + 1 = 3 \quad b = \int_0^1 x\,dx = 0.5 \quad c = 2 \times 2 = 5$$", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("3", W), ("5", W)]
    assert [s.detail for s in result.coverage.unread_sides] == ["unsupported command \\int"]
    rows = audit_markdown(r"$$\begin{align} x &= 2 \times 3 = 7 \\ y &= \oint f \end{align}$$", diagnose=0)
    assert [(v.stated, v.kind) for v in rows.verdicts] == [("7", W)]  # 6
    assert [s.detail for s in rows.coverage.unread_sides] == ["unsupported command \\oint"]


@pytest.mark.parametrize(("sum_", "stated", "kind"), [
    (r"\sum_{i=1}^{3} x_i", "1.1", H),   # 0.2 + 0.3 + 0.6
    (r"\sum_i x_i", "1.2", W),            # 1.1
    (r"\sum_{i=1}^{2} x_i", "0.5", H),    # the first two: 0.2 + 0.3
    (r"\sum_j x_i", "9", None),           # another index: symbolic, no verdict
    (r"\sum_i x_i^2", "0.49", H),         # 0.04 + 0.09 + 0.36, not (Σx)² = 1.21
    (r"\sum_{i=1}^3 x_i^2", "0.50", W),   # an upper limit without braces; 0.49
    (r"\sum_{i=1}^{3} 2", "6", None),     # a constant over an index: symbolic, not 2
    (r"\sum_{k=0}^{2} x_k", "1.1", None), # counted from 0: not read as the vector's entries
])
def test_a_sum_over_the_entries_of_a_vector(sum_: str, stated: str, kind: Kind | None) -> None:
    found = judged(f"$$x = [0.2, 0.3, 0.6]$$\n\n$${sum_} = {stated}$$\n")
    assert found == ([(stated, kind)] if kind is not None else [])


def test_a_short_decimal_of_another_section_is_a_given_not_a_restatement() -> None:
    # Section A prints √(0.6² + 0.8²) = 1.2 (wrong: 1). Section B's 1.2 × 3 = 3.6 is its own arithmetic, so
    # m = h − 1 = 2.0 is wrong (2.6), not carried from A's 1.2. By hand.
    page = ("## A\n\n$$\\sqrt{0.6^2 + 0.8^2} = 1.2$$\n\n## B\n\n$$h = 1.2 \\times 3 = 3.6$$\n\n$$m = h - 1 = 2.0$$\n")
    assert judged(page) == [("1.2", W), ("3.6", H), ("2.0", W)]


@pytest.mark.parametrize(("dash", "name"), [("\u2013", "an en dash"), ("\u2014", "an em dash"),
                                            ("\ufe63", "a small hyphen-minus"), ("\uff0d", "a fullwidth hyphen-minus")])
def test_a_dash_for_a_minus_is_refused_with_a_hint(dash: str, name: str) -> None:
    from nncheck.expr.latex import LatexError, parse_display

    with pytest.raises(LatexError) as raised:
        parse_display(f"z = 0.5 \\times {dash}2 = {dash}1")
    assert str(raised.value.reason) == f"unexpected '{dash}' ({name}; a minus sign is written - or −)"


@pytest.mark.parametrize(("result", "expected"), [("4.731 \\times 10^{-4}", H), ("4.713 \\times 10^{-4}", Kind.WRONG),
                                                  ("4.73 \\times 10^{-4}", H), ("4.74 \\times 10^{-4}", Kind.SLIP)])
def test_a_number_in_scientific_notation_inside_a_product_is_one_printed_number(result: str, expected: Kind) -> None:
    # η = 1.0 × 10⁻³ is a given, exact as written; put in inside a longer product it is still η, not 1.0 (a rounding
    # interval [0.95, 1.05]) times 10⁻³, which made a 4.713 with swapped digits "carried". By hand:
    # 0.001 × 0.4731 = 0.0004731 exactly. 4.713e-4 is 18 units (of 1e-7) from it: wrong. 4.73e-4 is its rounding to
    # 1e-6: holds. 4.74e-4 is 0.9e-6 from it, within one unit (1e-6) but not a rounding of it: a slip.
    page = ("$$\\eta = 1.0 \\times 10^{-3}, \\quad g = 0.4731$$\n\n"
            f"$$\\Delta w = \\eta g = 1.0 \\times 10^{{-3}} \\times 0.4731 = {result}$$\n")
    assert judged(page) == [(result, expected)]


# ---- an asterisk between two matrices that have no matrix product: a convolution ----------------------------------

def correlate(x: list[list[Fraction]], k: list[list[Fraction]]) -> list[list[Fraction]]:
    """The valid 2-D cross-correlation, stride 1, by its definition: Y[i][j] = Σ_a Σ_b X[i + a][j + b] K[a][b]."""
    rows, columns = len(x) - len(k) + 1, len(x[0]) - len(k[0]) + 1
    return [[sum((x[i + a][j + b] * k[a][b] for a in range(len(k)) for b in range(len(k[0]))), Fraction(0))
             for j in range(columns)] for i in range(rows)]


def bmatrix(rows: list[list[Fraction]]) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(str(float(v)).removesuffix(".0") for v in row) for row in rows) \
        + r" \end{bmatrix}"


X3 = [[Fraction(v) for v in row] for row in ([1, 2, 0], [0, 1, 3], [2, 1, 1])]
K2 = [[Fraction(v) for v in row] for row in (["0.5", -1], ["0.25", 2])]
GIVENS = f"$$X = {bmatrix(X3)}, \\quad K = {bmatrix(K2)}$$\n\n"


@pytest.mark.parametrize("star", ["*", r"\ast", "∗"])
def test_an_asterisk_between_matrices_with_no_product_is_the_cross_correlation(star: str) -> None:
    y = correlate(X3, K2)
    # By hand: 1(0.5) + 2(−1) + 0(0.25) + 1(2) = 0.5, 2(0.5) + 0(−1) + 1(0.25) + 3(2) = 7.25, 1.5 and −0.25.
    assert y == [[Fraction("0.5"), Fraction("7.25")], [Fraction("1.5"), Fraction("-0.25")]]
    result = audit_markdown(GIVENS + f"$$Y = X {star} K = {bmatrix(y)}$$\n", diagnose=0)
    assert [(v.stated, v.kind) for v in result.verdicts] == [("0.5", H), ("7.25", H), ("1.5", H), ("-0.25", H)]
    for verdict in result.verdicts:
        [remark] = verdict.remarks
        assert remark.code == "reading" and "a 3×3 matrix * a 2×2 matrix has no matrix product" in remark.message
        assert "cross-correlation" in remark.message and "flipped" not in remark.message


def test_the_convolution_of_an_asterisk_is_the_value_later_lines_read() -> None:
    # The page of the report: Y = X * K holds; Z = Y − 0.5 prints −0.57 for −0.75 (wrong); A = σ(Z) is σ of the true
    # Z, so 0.321 holds: σ(−0.75) = 0.320821 (math below).
    y = correlate(X3, K2)
    z = [[v - Fraction("0.5") for v in row] for row in y]
    assert z == [[0, Fraction("6.75")], [1, Fraction("-0.75")]]
    a = [[1 / (1 + math.exp(-float(v))) for v in row] for row in z]
    assert [[round(v, 3) for v in row] for row in a] == [[0.5, 0.999], [0.731, 0.321]]
    assert round(1 / (1 + math.exp(0.57)), 3) == 0.361  # what σ of the printed −0.57 would have given
    page = (GIVENS + f"$$Y = X * K = {bmatrix(y)}$$\n\n"
            r"$$Z = Y - 0.5 = \begin{bmatrix} 0 & 6.75 \\ 1 & -0.57 \end{bmatrix}, \quad "
            r"A = \sigma(Z) = \begin{bmatrix} 0.500 & 0.999 \\ 0.731 & 0.321 \end{bmatrix}$$" "\n")
    found = {v.ref: v.kind for v in audit_markdown(page, diagnose=0).verdicts}
    assert found["Z[1,1]"] is W and found["A[1,1]"] is H
    assert {ref: kind for ref, kind in found.items() if ref != "Z[1,1]"} == {ref: H for ref in found if ref != "Z[1,1]"}


def test_an_asterisk_whose_page_prints_the_flipped_kernel_is_the_mathematical_convolution() -> None:
    flipped = [row[::-1] for row in K2[::-1]]
    y = correlate(X3, flipped)  # the convolution: the cross-correlation with the kernel turned by 180°
    # By hand: 1(2) + 2(0.25) + 0(−1) + 1(0.5) = 3, 4.5, −1.25, 2.25; none is the cross-correlation's 0.5, 7.25, 1.5, −0.25.
    assert y == [[3, Fraction("4.5")], [Fraction("-1.25"), Fraction("2.25")]]
    plus_one = [[v + 1 for v in row] for row in y]
    page = GIVENS + f"$$Y = X * K = {bmatrix(y)}$$\n\n$$Z = Y + 1 = {bmatrix(plus_one)}$$\n"
    result = audit_markdown(page, diagnose=0)
    assert {v.kind for v in result.verdicts} == {H} and len(result.verdicts) == 8  # Z is judged against the convolution
    for verdict in result.verdicts[:4]:
        [remark] = verdict.remarks
        assert remark.code == "reading" and "kernel flipped" in remark.message


def test_a_mistyped_entry_does_not_turn_the_reading_the_other_entries_bear_out() -> None:
    # The flipped kernel gives 3, 4.5, −1.25, 2.25 (by hand, above); printed with −1.52 for −1.25, three of four hold
    # by it and none by the cross-correlation (0.5, 7.25, 1.5, −0.25): the flipped reading stays, and only −1.52 is
    # wrong. The cross-correlation would have called all four wrong.
    page = GIVENS + r"$$Y = X * K = \begin{bmatrix} 3 & 4.5 \\ -1.52 & 2.25 \end{bmatrix}$$" "\n"
    assert judged(page) == [("3", H), ("4.5", H), ("-1.52", W), ("2.25", H)]


def test_an_asterisk_whose_page_fits_neither_convolution_keeps_the_cross_correlation() -> None:
    # 0.5, 7.52 (digits swapped), 1.5, −0.25: not every number holds by the flipped kernel (3, 4.5, −1.25, 2.25),
    # so the cross-correlation stays, and only the slip is wrong.
    page = GIVENS + r"$$Y = X * K = \begin{bmatrix} 0.5 & 7.52 \\ 1.5 & -0.25 \end{bmatrix}$$" "\n"
    assert judged(page) == [("0.5", H), ("7.52", W), ("1.5", H), ("-0.25", H)]


def test_an_asterisk_that_fits_no_reading_is_not_evaluated_and_never_wrong() -> None:
    from nncheck.findings import SkipReason

    # A 3×3 kernel does not fit in a 2×2 input; K * [[1, 1], [1, 1]] is a 2×2 convolution, not the 1×3 printed.
    page = (r"$$X = \begin{bmatrix} 1 & 2 \\ 0 & 1 \end{bmatrix}, \quad "
            r"K = \begin{bmatrix} 1 & 0 & 1 \\ 0 & 1 & 0 \\ 1 & 1 & 1 \end{bmatrix}$$" "\n\n"
            r"$$Y = X * K = \begin{bmatrix} 3 & 1 \\ 2 & 1 \end{bmatrix}$$" "\n\n"
            r"$$Z = Y + 1 = \begin{bmatrix} 4 & 2 \\ 3 & 3 \end{bmatrix}$$" "\n\n"
            r"$$W = K * \begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix} = \begin{bmatrix} 1 & 2 & 3 \end{bmatrix}$$" "\n")
    result = audit_markdown(page, diagnose=0)
    # No verdict for Y or W. Y's printed value then stands as a given, as a side nncheck cannot read does: Z = Y + 1
    # is judged against it, [4, 2; 3, 2] by hand, so the printed 3 in row 2 is wrong.
    assert [(v.ref, v.stated, v.kind) for v in result.verdicts] == [
        ("Z[0,0]", "4", H), ("Z[0,1]", "2", H), ("Z[1,0]", "3", H), ("Z[1,1]", "3", W)]
    coverage = result.coverage
    assert coverage is not None and (coverage.found, coverage.checked) == (4, 1)
    not_evaluated = [s for s in coverage.skipped if s.reason is SkipReason.NOT_EVALUATED]
    assert [(s.location.line, s.location.column) for s in not_evaluated] == [(3, 7), (7, 7)]
    assert not_evaluated[0].detail == ("X * K (a 2×2 matrix * a 3×3 matrix has no matrix product, and its 3×3 kernel "
                                       "does not fit in the 2×2 input of a convolution)")
    assert not_evaluated[1].detail.endswith("(read as a convolution, the side is a 2×2 matrix and the other side a 1×3 row)")


@pytest.mark.parametrize(("page", "expected"), [
    # Between numbers an asterisk multiplies: 2 × 3 = 6.
    (r"$$2 * 3 = 6, \quad 2 * 3 = 7$$", [("6", H), ("7", W)]),
    # Where the matrix product is defined it is the matrix product: [[1, 2], [0, 1]]² = [[1, 4], [0, 1]] (by hand),
    # not the one-entry convolution 1 + 4 + 0 + 1 = 6.
    (r"$$\begin{bmatrix} 1 & 2 \\ 0 & 1 \end{bmatrix} * \begin{bmatrix} 1 & 2 \\ 0 & 1 \end{bmatrix} = "
     r"\begin{bmatrix} 1 & 4 \\ 0 & 1 \end{bmatrix}$$", [("1", H), ("4", H), ("0", H), ("1", H)]),
    # A row times a column: 1·3 + 2·4 = 11.
    (r"$$\begin{bmatrix} 1 & 2 \end{bmatrix} * \begin{bmatrix} 3 \\ 4 \end{bmatrix} = 11$$", [("11", H)]),
])
def test_an_asterisk_keeps_its_meaning_where_a_product_is_defined(page: str, expected: list[tuple[str, Kind]]) -> None:
    assert judged(page) == expected


def test_only_an_asterisk_reads_a_convolution() -> None:
    # X × K, a 3×3 matrix times a 2×2 matrix, is still undefined as written: wrong, with the shape error.
    [verdict] = audit_markdown(GIVENS + r"$$Y = X \times K = \begin{bmatrix} 0.5 & 7.25 \\ 1.5 & -0.25 \end{bmatrix}$$" "\n",
                               diagnose=0).verdicts
    assert verdict.kind is W and [r.code for r in verdict.remarks] == ["shape"]
