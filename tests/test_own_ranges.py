"""Issue 21 leftovers: the document's own numbers as ranges, exact where their ends are, and as tight as the arithmetic.

Expected ranges are computed here with fractions, from the definitions (a function's values at the ends of an
interval, at its stationary point and at sampled interior points), never from nncheck's own range code; expected
verdicts by hand, in the comments.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import arb, fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

from nncheck.audit import Kind, audit, audit_markdown
from nncheck.audit.classify import classify
from nncheck.expr.evaluate import Evaluator
from nncheck.expr.plain import parse_expression
from nncheck.network import ball
from nncheck.network.ball import NoValue, Real
from nncheck.network.rules import ACTIVATIONS, Parameters
from nncheck.printed import parse_printed
from nncheck.readers.spec import parse_spec
from tests.helpers import minimal_spec

F = Fraction
ZERO = F(0)
# What rounding may add to a ball's width: at 128 bits, next to values of order 1, and a few roundings of arb's
# radius, which it keeps to 30 bits (rounded up), relative to the width.
ROUNDING = F(1, 2**100)
RADIUS_BITS = 26


def tanh_slope(a: Fraction) -> Fraction:
    return 1 - a * a


def sigmoid_slope(a: Fraction) -> Fraction:
    return a * (1 - a)


# Each derivative with the point where it turns (its maximum): 1 − a² at a = 0, a(1 − a) at a = 1/2.
SLOPES = {"tanh": (tanh_slope, F(0)), "sigmoid": (sigmoid_slope, F(1, 2))}


def true_range(slope: str, low: Fraction, high: Fraction, samples: list[Fraction]) -> tuple[Fraction, Fraction]:
    """The exact range of the derivative over [low, high]: its values at the ends and, when inside, at its turning
    point, checked to hold every sampled interior value (the test's own arithmetic, checked against itself)."""
    g, turn = SLOPES[slope]
    values = [g(low), g(high)] + ([g(turn)] if low <= turn <= high else [])
    least, greatest = min(values), max(values)
    for t in samples:
        assert least <= g(low + t * (high - low)) <= greatest
    return least, greatest


def ends(value: Real) -> tuple[Fraction, Fraction]:
    """A value's range as fractions: its exact ends, or its ball's (exact binary numbers)."""
    if value.exact is not None:
        return value.exact, value.exact
    if getattr(value, "bounds", None) is not None:
        return value.bounds  # type: ignore[no-any-return]
    enclosure = value.enclosure()

    def fraction(point: arb) -> Fraction:
        mantissa, exponent = (int(n) for n in point.mid().man_exp())
        return F(mantissa * 2**exponent) if exponent >= 0 else F(mantissa, 2**-exponent)

    return fraction(enclosure.lower()), fraction(enclosure.upper())


def between(low: Fraction, high: Fraction) -> Real:
    """Every real in [low, high], as a printed number's rounding interval is made."""
    return Real.interval((low + high) / 2, (high - low) / 2)


def derivative(slope: str, a: Real) -> Real:
    """The rule table's derivative of a range, as the document's own numbers take it (ball.HULL)."""
    rule = ACTIVATIONS[slope]
    return rule.derivative(ball.HULL, np.array([a], dtype=object), Parameters.of(ball.HULL))[0]  # type: ignore[no-any-return]


def written(formula: str, a: Real) -> Real:
    """A formula over a, as a page or a model writes it, evaluated on the own numbers' ranges."""
    names = {"a": np.array(a, dtype=object)}
    return Evaluator(interval=True, names=names).value(parse_expression(formula, frozenset(names))).reshape(-1)[0]  # type: ignore[no-any-return]


intervals = st.tuples(st.integers(-1_200_000, 1_200_000), st.integers(1, 200_000)).map(
    lambda pair: (F(pair[0], 1_000_000), F(pair[1], 1_000_000)))
samples = st.lists(st.fractions(0, 1, max_denominator=1000), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SLOPES)), intervals, samples, st.booleans())
def test_the_own_range_of_a_tanh_or_sigmoid_derivative_is_its_true_range(
        slope: str, interval: tuple[Fraction, Fraction], points: list[Fraction], binary: bool) -> None:
    """Over a printed a's rounding interval (exact decimal ends), and over a ball (binary ends, as after tanh or σ of
    a range), the rule's derivative, 1 − a² or a(1 − a), and the same written out as a formula (1 - a^2, 1 - a*a,
    a*(1 - a)) enclose the true range and are no wider than it plus rounding. Interval arithmetic made 1 − a² of
    a = 0.25 ± 0.005 [0.934975, 0.940025] (true [0.934975, 0.939975]) and a(1 − a) of it twice as wide as its range."""
    centre, radius = interval
    if binary:
        # a ball with binary ends: centre and radius rounded to multiples of 2^-24, so arb holds them exactly
        centre, radius = F(round(centre * 2**24), 2**24), F(max(1, round(radius * 2**24)), 2**24)
        a = Real(ball=arb(fmpq(centre.numerator, centre.denominator), fmpq(radius.numerator, radius.denominator)))
    else:
        a = Real.interval(centre, radius)
    low, high = ends(a)  # the ball's own ends (arb may round its radius up), binary fractions
    assert low <= centre - radius and centre + radius <= high
    least, greatest = true_range(slope, low, high, points)
    formulas = ["1 - a^2", "1 - a*a"] if slope == "tanh" else ["a*(1 - a)", "(1 - a)*a"]
    with ball.precision(128):
        for value in [derivative(slope, a)] + [written(formula, a) for formula in formulas]:
            own_low, own_high = ends(value)
            assert own_low <= least and greatest <= own_high, (slope, low, high, value)
            excess = (own_high - own_low) - (greatest - least)
            assert excess <= (greatest - least) / 2**RADIUS_BITS + ROUNDING, (slope, low, high, value, float(excess))
            if not binary:
                assert (own_low, own_high) == (least, greatest)  # exact ends stay exact


def test_a_printed_derivative_inside_the_old_widened_range_only_is_no_longer_carried() -> None:
    """A tanh unit with z = 0.26: a = tanh(0.26) = 0.254296, printed 0.25 (holds); 1 − a² = 0.935334.
    From the printed a ∈ [0.245, 0.255] the document's own numbers give 1 − a² ∈ [1 − 0.255², 1 − 0.245²] =
    [0.934975, 0.939975]. 0.94002 (interval [0.940015, 0.940025]) met only the old [0.934975, 0.940025], and is
    not within one unit (0.00001) of either the range or the true value: wrong, no longer carried. 0.9399 lies
    inside the range: carried.

    A sigmoid unit with z = 0.3674: a = σ(0.3674) = 0.590829, printed 0.59; a(1 − a) = 0.241754. From
    a ∈ [0.585, 0.595]: a(1 − a) ∈ [0.595·0.405, 0.585·0.415] = [0.240975, 0.242775]; interval arithmetic gave
    0.59·0.41 ± 0.005·1.005 = [0.236875, 0.246925]. 0.245 ([0.2445, 0.2455]) is wrong; 0.2425 is carried."""
    cases = [("tanh", "0.26", "0.94002", Kind.WRONG), ("tanh", "0.26", "0.9399", Kind.CARRIED),
             ("sigmoid", "0.3674", "0.245", Kind.WRONG), ("sigmoid", "0.3674", "0.2425", Kind.CARRIED)]
    for activation, weight, printed, expected in cases:
        layer = f"\n    - weights: [[{weight}]]\n      bias: 0\n      activation: {activation}"
        a = "0.25" if activation == "tanh" else "0.59"
        text = minimal_spec(f"  - {{quantity: a1, value: {a}, step: s}}\n  - {{quantity: da1/dz1, value: {printed}, step: s}}\n",
                            layers=layer, loss="mse").replace("input: [1, 2]", "input: [1]")
        kinds = {v.ref: v.kind for v in audit(parse_spec(text), diagnose=0).verdicts}
        assert kinds == {"a1": Kind.HOLDS, "da1/dz1": expected}, (activation, printed, kinds)
        # The same on a page, with the derivative written from the name and from the printed number.
        function = r"\tanh" if activation == "tanh" else r"\sigma"
        formula = ("1 - a^2 = 1 - 0.25^2" if activation == "tanh" else "a(1 - a) = 0.59(1 - 0.59)")
        page = f"$$a = {function}({weight}) = {a}$$\n\n$$d = {formula} = {printed}$$\n"
        verdicts = {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts}
        assert verdicts == {"a": Kind.HOLDS, "d": expected}, (page, verdicts)


# Printed 0.50: u = 0.01, rounding interval [0.495, 0.505] (ends included: a tie rounds either way), one unit
# (0.49, 0.51) (ends excluded). The true value 0.9 is far away, so the own numbers alone decide.
P = F(1, 2)
U = F(1, 100)
EDGES = [
    # (own range, verdict)
    ((P + U, P + U + F(1, 1000)), Kind.WRONG),      # touches the excluded end p + u only: 0.51 is one unit off
    ((P - U - F(1, 1000), P - U), Kind.WRONG),      # touches p − u only
    ((P + U, P + U), Kind.WRONG),                   # exactly p + u
    ((P + U - F(1, 10**9), P + U + F(1, 1000)), Kind.SLIP),  # reaches inside (p − u, p + u)
    ((P + U / 2, P + U / 2), Kind.CARRIED),         # exactly the tie 0.505: rounds to 0.50 as well as 0.51
    ((P + U / 2, P + U), Kind.SLIP),                # a range that only touches the rounding interval's end
    ((P - U, P - U / 2), Kind.SLIP),
    ((P + U / 2 - F(1, 10**9), P + U), Kind.CARRIED),  # meets the rounding interval's inside
    ((P - U, P - U / 2 + F(1, 10**9)), Kind.CARRIED),
]


def test_an_own_range_that_ends_exactly_at_an_excluded_end_is_neither_slip_nor_carried() -> None:
    printed = parse_printed("0.50")
    true = Real(exact=F(9, 10))
    for (low, high), expected in EDGES:
        own = between(low, high)
        assert classify(printed, true, lambda own=own: own, earlier=False).kind is expected, (low, high)


@settings(max_examples=200, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 6), st.integers(1, 10**6), st.sampled_from([1, -1]))
def test_own_ranges_at_the_ends_of_the_intervals(digits: int, places: int, spread: int, side: int) -> None:
    """Any printed number p with u = 10^-places, own ranges built by arithmetic on printed rounding intervals (a
    sum of two, ends exactly at the edge): one that ends at p ± u is not a slip; at p ± u/2, a slip and not carried;
    one a hair inside either is. The true value is 10 units away."""
    unit = F(1, 10**places)
    p = F(digits, 10**places)
    printed = parse_printed(f"{'-' if p < 0 else ''}{abs(digits) // 10**places}.{abs(digits) % 10**places:0{places}d}")
    assert printed.value == p and printed.unit == unit
    true = Real(exact=p - side * 10 * unit)
    width = F(spread, 10**(places + 7))  # the range's width, below one unit

    def own(edge: Fraction, inside: Fraction = ZERO) -> Real:
        # a range from edge − side·inside to edge + side·width, as the sum of two printed ranges
        near, far = edge - side * inside, edge + side * width
        low, high = min(near, far), max(near, far)
        return Real.interval(low / 2, F(0)) + Real.interval(low / 2 + (high - low) / 2, (high - low) / 2)

    def kind(value: Real) -> Kind:
        return classify(printed, true, lambda: value, earlier=False).kind

    hair = F(1, 10**(places + 9))
    assert ends(own(p + side * unit)) in ((p + side * unit, p + side * unit + side * width),
                                          (p + side * unit + side * width, p + side * unit))
    assert kind(own(p + side * unit)) is Kind.WRONG
    assert kind(own(p + side * unit, hair)) is Kind.SLIP
    assert kind(own(p + side * unit / 2)) is Kind.SLIP
    assert kind(own(p + side * unit / 2, hair)) is Kind.CARRIED
    assert kind(Real(exact=p + side * unit / 2)) is Kind.CARRIED
    assert kind(Real(exact=p + side * unit)) is Kind.WRONG


def test_a_range_that_reaches_one_unit_away_through_arithmetic_is_not_a_slip() -> None:
    """x = tanh(0.3) = 0.291313, printed 0.29 (holds). 2x = 2·0.29: the own range is 2·[0.285, 0.295] =
    [0.57, 0.59], exactly; the true value 0.582626. 0.60 is one unit (0.01) from 0.59 and further from the rest:
    wrong (the enclosure of [0.57, 0.59] reached past 0.59 and made it a slip). 0.59 is carried (x = 0.2951 → 0.59)."""
    for printed, expected in (("0.60", Kind.WRONG), ("0.59", Kind.CARRIED)):
        page = f"$$x = \\tanh(0.3) = 0.29$$\n\n$$y = 2 x = 2 \\cdot 0.29 = {printed}$$\n"
        assert {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts} == {"x": Kind.HOLDS, "y": expected}


def test_a_value_put_in_one_digit_off_its_earlier_statement_is_a_slip_not_carried() -> None:
    """a = tanh(−0.3842) = −0.3663494 (mpmath), printed −0.3663 (holds). Put in as −0.3662 or −0.3664, a statement of a
    as fine as the earlier one, its own value is a's formula over the printed −0.3842, exactly the true value: the
    earlier −0.3663 only counts for contradiction (and [−0.36635, −0.36625] meets both intervals at an end, so it is
    no conflict). −0.3664 is within one unit of the true value, a slip; −0.3662 is 1.49 units from it, wrong (it was a
    slip of the earlier statement's range; a spec with the same numbers says wrong too). Put in after −0.36635 (five
    decimals, [−0.366355, −0.366345]), −0.3664 has fewer digits than that statement and rounds it: carried."""
    cases = [("-0.3663", "-0.3662", Kind.WRONG), ("-0.3663", "-0.3664", Kind.SLIP), ("-0.36635", "-0.3664", Kind.CARRIED)]
    for earlier, put_in, expected in cases:
        page = f"$$a = \\tanh(-0.3842) = {earlier}$$\n\n$$b = 2 a = 2 \\cdot ({put_in}) = -0.7328$$\n"
        verdicts = {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts}
        assert verdicts["a"] is Kind.HOLDS and verdicts["eq2:a"] is expected, (earlier, put_in, verdicts)


def test_a_loss_from_a_printed_one_is_carried_when_a_rounding_of_the_probability_gives_it() -> None:
    """ŷ = σ(5.3) = 0.9950332, printed 1.00 (holds); L = −ln ŷ = 0.0049792 → 0.00. −ln(1.00) = 0.01 is carried, and
    rightly: ŷ carried to three decimals is 0.995 (which rounds to 1.00), and −ln 0.995 = 0.0050125 rounds to 0.01.
    The own range −ln [0.995, 1.005] = [−0.0049875, 0.0050125] meets the inside of [0.005, 0.015]."""
    page = "$$\\hat{y} = \\sigma(5.3) = 1.00$$\n\n$$L = -\\ln(\\hat{y}) = -\\ln(1.00) = 0.01$$\n"
    verdicts = {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts}
    assert verdicts == {"ŷ": Kind.HOLDS, "L": Kind.CARRIED}


def test_zero_over_a_printed_zero_has_no_own_value_for_that_entry_only() -> None:
    """y = [0, 1], a = σ([−4, 0.3]) = [0.017986, 0.574443] printed [0.0, 0.6]; q = y / a. q[0] = 0 / a[0]: the true
    value is 0, and the own numbers give 0 / 0.0, no value. q[1] = 1 / 0.6 = 1.666667 from the printed a, 1.740818
    true: 1.67 is carried (it was wrong: the 0 / 0.0 of the other entry left the whole q without own numbers). A
    printed q[0] = 0.1 is one unit from the true 0: wrong, with no own value shown, and no crash."""
    page = ("$$y = \\begin{bmatrix} 0 \\\\ 1 \\end{bmatrix}$$\n\n"
            "$$a = \\sigma(\\begin{bmatrix} -4 \\\\ 0.3 \\end{bmatrix}) = \\begin{bmatrix} 0.0 \\\\ 0.6 \\end{bmatrix}$$\n\n"
            "$$q = \\frac{y}{a} = \\begin{bmatrix} 0.1 \\\\ 1.67 \\end{bmatrix}$$\n")
    verdicts = {v.ref: v for v in audit_markdown(page, "p.md").verdicts}
    assert verdicts["q[0]"].kind is Kind.WRONG and verdicts["q[0]"].own is None
    assert verdicts["q[1]"].kind is Kind.CARRIED and verdicts["q[1]"].own is not None and verdicts["q[1]"].own.startswith("1.66666")
    spec = """nncheck: 1
title: zero over a printed zero
model:
  givens: {y: [0, 1], z: [-4, 0.3]}
  definitions:
    a: sigmoid(z)
    q: y / a
claims:
  - {quantity: a, value: [0.0, 0.6], step: forward}
  - {quantity: q, value: [0.1, 1.67], step: forward}
"""
    kinds = {v.ref: v.kind for v in audit(parse_spec(spec), diagnose=0).verdicts}
    assert kinds == {"a[0]": Kind.HOLDS, "a[1]": Kind.HOLDS, "q[0]": Kind.WRONG, "q[1]": Kind.CARRIED}
    # Two expressions with no printed value between them, one with no own value: compared by their true values.
    page = "$$a = \\sigma(-4) = 0.0$$\n\n$$q = \\frac{0}{a} = \\frac{0}{0.0} = 0 \\cdot \\frac{1}{a}$$\n"
    verdicts = {v.ref: v.kind for v in audit_markdown(page, "p.md").verdicts}
    assert verdicts["a"] is Kind.HOLDS and "eq2" in verdicts


def test_division_by_zero_in_each_frame() -> None:
    """The own numbers' quotient gives no value for 0 over 0 or over a range that reaches 0; the true chain's
    division by exactly 0 stays an error (the computed side is undefined: wrong)."""
    zero, one = Real(exact=F(0)), Real(exact=F(1))
    around_zero = Real.interval(F(0), F(1, 20))
    assert isinstance(ball.POINT.quotient(zero, zero), NoValue)
    assert isinstance(ball.HULL.quotient(zero, around_zero), NoValue)
    assert isinstance(ball.HULL.quotient(one, Real.interval(F(1, 20), F(1, 20))), NoValue)  # [0, 0.1] reaches 0
    assert ends(ball.HULL.quotient(one, Real.interval(F(3, 20), F(1, 20)))) == (F(5), F(10))  # 1 / [0.1, 0.2]
    assert (zero * ball.HULL.quotient(zero, around_zero)).exact == 0  # an exact 0 times no value is 0
    try:
        zero / zero
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("0 / 0 in the true chain must stay undefined")


def test_relu_of_a_range_across_zero_keeps_the_positive_side() -> None:
    """ReLU of [−0.05, 0.05] is [0, 0.05] (its values), not the hull [−0.05, 0.05] of the operand and 0; leaky ReLU
    (slope 0.01) of it is [−0.0005, 0.05]."""
    z = np.array([Real.interval(F(0), F(1, 20))], dtype=object)
    parameters = Parameters.of(ball.HULL)
    assert ends(ACTIVATIONS["relu"].forward(ball.HULL, z, parameters)[0]) == (F(0), F(1, 20))
    assert ends(ACTIVATIONS["leaky_relu"].forward(ball.HULL, z, parameters)[0]) == (F(-1, 2000), F(1, 20))


ranged = st.tuples(st.integers(-1000, 1000), st.integers(0, 50)).map(lambda pair: (F(pair[0], 1000), F(pair[1], 1000)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.data())
def test_matrix_products_of_ranges_keep_each_entrys_exact_range(rows: int, inner: int, cols: int, data: st.DataObject) -> None:
    """An entry of a product reads each operand once, so its range is the sum over t of the least and the greatest
    of the four products of the operands' ends (worked out here with fractions), whether one side is exact (a
    weight matrix) or both are ranges (an outer product of two printed vectors)."""
    exact_left = data.draw(st.booleans())
    left = [data.draw(ranged) for _ in range(rows * inner)]
    right = [data.draw(ranged) for _ in range(inner * cols)]
    if exact_left:
        left = [(c, F(0)) for c, _ in left]

    def reals(pairs: list[tuple[Fraction, Fraction]], shape: tuple[int, int]) -> np.ndarray:
        return np.array([Real.interval(c, r) for c, r in pairs], dtype=object).reshape(shape)

    with ball.precision(128):
        product = ball.matmul(reals(left, (rows, inner)), reals(right, (inner, cols)))
    for i in range(rows):
        for j in range(cols):
            low = high = F(0)
            for t in range(inner):
                (c, r), (d, s) = left[i * inner + t], right[t * cols + j]
                quad = [x * y for x in (c - r, c + r) for y in (d - s, d + s)]
                low, high = low + min(quad), high + max(quad)
            assert ends(product[i, j]) == (low, high), (i, j)
