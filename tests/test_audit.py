"""Stage 3: the audit. Expected verdicts were worked out by hand; the arithmetic is in the comments."""

from __future__ import annotations

from fractions import Fraction

import math
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncheck.audit import EvaluationError, Kind, audit
from nncheck.audit.judge import audit_spec
from nncheck.network import ball
from nncheck.audit import audit_markdown
from nncheck.readers.spec import load_spec, parse_spec
from tests.helpers import BLOG, minimal_spec

H, S, C, W, X = Kind.HOLDS, Kind.SLIP, Kind.CARRIED, Kind.WRONG, Kind.CONTRADICTION

# The blog, by hand. True chain: z1 = a1 = [1.3, 1.8]; z2 = 0.7·1.3 + 0.9·1.8 + 0.2 = 2.73;
# ŷ = σ(2.73) = 0.938774; L = −ln ŷ = 0.063181; ∂L/∂ŷ = −1/ŷ = −1.065219; ∂ŷ/∂z2 = ŷ(1−ŷ) = 0.057478;
# ∂L/∂z2 = ŷ − 1 = −0.061226; ∂L/∂W2 = −0.061226·[1.3, 1.8] = [−0.079594, −0.110207];
# ∂L/∂a1 = ∂L/∂z1 = −0.061226·[0.7, 0.9] = [−0.042858, −0.055104]; ∂L/∂W1 = ∂L/∂z1 ⊗ [1, 2].
BLOG_VERDICTS = [
    ("z1[0]", H), ("z1[1]", H), ("a1[0]", H), ("a1[1]", H),
    ("z2", W),              # 3.18 ≠ 2.73, and nothing earlier gives 3.18
    ("yhat:z2", H),         # the sigmoid step uses 2.73: exact
    ("yhat", S),            # 0.938 is 0.938774 truncated (0.939 rounded)
    ("yhat-prose", X),      # 0.96 after ŷ = 0.938
    ("L:yhat", S),          # the loss step reuses 0.938 after the prose said 0.96
    ("L", C),               # −ln(0.938) = 0.064005 → 0.064; true 0.063181
    ("dL/dyhat", C),        # −1/0.938 = −1.066098 → −1.066; true −1.065219
    ("dyhat/dz2", C),       # 0.938·0.062 = 0.058156 → 0.0582; true 0.057478
    ("dL/dz2", C),          # −1.066·0.0582 = −0.062041 → −0.062; true −0.061226
    ("dz2/dW2[0]", H), ("dz2/dW2[1]", H),
    ("dL/dW2[0,0]", C),     # −0.062·1.3 = −0.0806; true −0.079594
    ("dL/dW2[0,1]", C),     # −0.062·1.8 = −0.1116; true −0.110207
    ("dz2/da1[0,0]", H), ("dz2/da1[0,1]", H),
    ("dL/da1:dL/dz2", X),   # −0.039936 used where −0.062 was stated
    ("dL/da1[0]", C),       # −0.039936·0.7 = −0.0279552 → −0.02796
    ("dL/da1[1]", C),       # −0.039936·0.9 = −0.0359424 → −0.03594
    ("da1/dz1[0]", H), ("da1/dz1[1]", H),
    ("dL/dz1[0]", C), ("dL/dz1[1]", C),  # ∂L/∂a1 ⊙ [1, 1], from the printed ∂L/∂a1
    ("dz1/dW1[0]", H), ("dz1/dW1[1]", H),
    ("dL/dW1[0,0]", C),     # −0.02796·1
    ("dL/dW1[0,1]", W),     # −0.02796·2 = −0.05592, not −0.07188
    ("dL/dW1[1,0]", C),     # −0.03594·1
    ("dL/dW1[1,1]", W),     # −0.03594·2 = −0.07188, not −0.08985
]


@pytest.fixture(scope="module")
def blog():
    return audit(load_spec(str(BLOG)))


def test_blog_verdicts_are_pinned(blog) -> None:
    assert [(v.ref, v.kind) for v in blog.verdicts] == BLOG_VERDICTS


def test_blog_findings_name_their_causes(blog) -> None:
    by_ref = {v.ref: v for v in blog.verdicts}
    assert by_ref["z2"].exact == "2.73" and by_ref["z2"].conflicts_with == ("yhat:z2",)
    assert by_ref["yhat-prose"].conflicts_with[0] == "yhat"
    assert by_ref["dL/da1:dL/dz2"].conflicts_with == ("dL/dz2",)
    assert by_ref["dL/da1[0]"].inherits_from == ("dL/da1:dL/dz2",)
    assert by_ref["L"].inherits_from == ("L:yhat",)
    # Element by element: ∂L/∂z1[0] = ∂L/∂a1[0]·1 depends on ∂L/∂a1[0] only.
    assert by_ref["dL/dz1[0]"].inherits_from == ("dL/da1[0]",)
    assert by_ref["dL/dW1[1,0]"].inherits_from == ("dL/dz1[1]",)
    assert by_ref["dL/dW1[0,1]"].own == "-0.05592"
    assert by_ref["yhat"].exact.startswith("0.93877")


def test_blog_fails_on_wrong_and_contradiction(blog) -> None:
    assert {v.ref for v in blog.failing()} == {"z2", "yhat-prose", "dL/da1:dL/dz2", "dL/dW1[0,1]", "dL/dW1[1,1]"}


def _true_values() -> dict[str, np.ndarray]:
    """The blog network in plain float64, independent of nncheck's backends."""
    x = np.array([1.0, 2.0])
    w1, b1 = np.array([[0.2, 0.4], [0.1, 0.6]]), np.array([0.3, 0.5])
    w2, b2 = np.array([[0.7, 0.9]]), np.array([0.2])
    z1 = w1 @ x + b1
    a1 = np.maximum(z1, 0)
    z2 = w2 @ a1 + b2
    yhat = 1 / (1 + np.exp(-z2))
    dz2 = yhat - 1
    dz1 = (w2.T @ dz2) * (z1 > 0)
    return {"z1": z1, "a1": a1, "z2": z2, "yhat": yhat, "L": -np.log(yhat), "dL/dz2": dz2,
            "dL/dW2": np.outer(dz2, a1), "dL/dz1": dz1, "dL/dW1": np.outer(dz1, x)}


def _claims(values: dict[str, np.ndarray], decimals: int) -> str:
    lines = []
    for name, value in values.items():
        rounded = np.round(np.asarray(value, dtype=float), decimals).tolist()
        lines.append(f"  - quantity: {name}\n    value: {rounded}\n    step: {name}\n")
    return "".join(lines)


@pytest.mark.parametrize("decimals", [2, 4, 6])
def test_correctly_rounded_true_values_audit_clean(decimals: int) -> None:
    result = audit(parse_spec(minimal_spec(_claims(_true_values(), decimals))))
    assert {v.kind for v in result.verdicts} == {H}


def test_truncated_value_is_a_rounding_slip_not_wrong() -> None:
    # ŷ = 0.938774: truncated to 0.9387 (rounded would be 0.9388); ∂L/∂z2 = −0.0612262 truncated to −0.06122.
    result = audit(parse_spec(minimal_spec("  - {quantity: yhat, value: 0.9387, step: s}\n  - {quantity: dL/dz2, value: -0.06122, step: t}\n")))
    assert [v.kind for v in result.verdicts] == [S, S]


def test_value_off_by_two_units_is_wrong() -> None:
    result = audit(parse_spec(minimal_spec("  - {quantity: yhat, value: 0.9386, step: s}\n")))
    assert [v.kind for v in result.verdicts] == [W]


def test_value_computed_from_a_rounded_earlier_value_is_carried() -> None:
    # ŷ = 0.94 holds (0.938774 to 2 decimals); −ln(0.94) = 0.061875 → 0.062, but the true L is 0.063181.
    claims = "  - {quantity: yhat, value: 0.94, step: s}\n  - {quantity: L, value: 0.062, step: t}\n"
    result = audit(parse_spec(minimal_spec(claims)))
    assert [(v.kind, v.inherits_from) for v in result.verdicts] == [(H, ()), (C, ("yhat",))]


def test_contradiction_needs_an_earlier_different_statement() -> None:
    claims = ("  - {quantity: yhat, value: 0.9388, step: s}\n"
              "  - {quantity: yhat, value: 0.97, step: t, id: again}\n")
    result = audit(parse_spec(minimal_spec(claims)))
    assert [v.kind for v in result.verdicts] == [H, X]
    assert result.verdicts[0].conflicts_with == ("again",)


def test_value_exactly_halfway_may_be_rounded_either_way() -> None:
    # z2 = 2.73 exactly: to one decimal both 2.7 and 2.8 are 0.03/0.07 away — only 2.7 holds.
    # a1[0] = 1.3 exactly; 1.25 to one decimal is a tie: 1.2 and 1.3 both hold, exactly decided.
    claims = ("  - {quantity: z2, value: 2.7, step: s}\n  - {quantity: z2, value: 2.8, step: s, id: up}\n")
    result = audit(parse_spec(minimal_spec(claims)))
    assert [v.kind for v in result.verdicts] == [H, S]
    tie = "  - {quantity: z1, value: [1.2, 1.8], step: s}\n"
    tied = minimal_spec(tie).replace("bias: [0.3, 0.5]", "bias: [0.25, 0.5]")  # z1[0] = 1.25 exactly
    assert [v.kind for v in audit(parse_spec(tied)).verdicts] == [H, H]


EQUATIONS = [
    ("-1.066 * 0.0582", "-0.062", H),          # −0.0620412
    ("0.938 × (1 − 0.938)", "0.0582", H),      # 0.058156
    ("-log(0.938)", "0.064", H),               # 0.0640053
    ("1 / (1 + exp(-3))", "0.952", S),         # 0.9525741: truncated, and 3 is exact
    ("1 / (1 + exp(-2.73))", "0.938", S),      # 0.93877: 2.73 is a given, exact as written
    ("sigmoid(3.18)", "0.96", H),              # 0.9600733
    ("0.7*1.3 + 0.9*1.8 + 0.2", "3.18", W),    # 2.73
    ("2^10 / 1024", "1", H),
    ("0.33 * 3", "1.00", W),                   # 0.99: 0.33 is a given, exact (not a range reaching 1.005)
    ("1.3 * 0.7 + 0.2", "1.13", W),            # 1.11
    ("1.3 * 0.7 + 0.2", "1.11", H),
    ("1.5 * 0.4 + 0.3", "0.92", W),            # 0.9
    ("0.33 * 3", "1.02", W),
    ("relu(0.0) + 0.5", "0.5", H),             # 0.0 stands for [−0.05, 0.05]: ReLU's range there is [0, 0.05]
    ("relu(-2) + max(1, 3)", "3", H),
]


@pytest.mark.parametrize(("expression", "value", "kind"), EQUATIONS, ids=[f"{e}={v}" for e, v, _ in EQUATIONS])
def test_free_equations(expression: str, value: str, kind: Kind) -> None:
    extra = f"equations:\n  - {{id: e, expression: '{expression}', value: '{value}', step: s}}\n"
    result = audit(parse_spec(minimal_spec("  []", extra="").replace("claims:\n  []", extra + "claims: []")))
    assert [v.kind for v in result.verdicts] == [kind]


def test_a_number_an_equation_restates_stands_for_its_quantity() -> None:
    # specs/blog.yaml states ∂ŷ/∂z2 = 0.0582 (its true value is σ′(2.73) = 0.0574775..., computed here with
    # plain math). In an equation, 0.0582 then stands for that quantity: 2 × 0.0582 is 0.114955 in the true
    # chain, and 0.1164 (the printed digits' product) is carried from the rounded statement.
    sigma = 1 / (1 + math.exp(-2.73))
    assert round(2 * sigma * (1 - sigma), 4) == 0.115 and 2 * 0.0582 == pytest.approx(0.1164)
    text = BLOG.read_text(encoding="utf-8")
    text += "equations:\n" + "".join(f"  - {{id: e{i}, expression: '2 * 0.0582', value: '{v}', step: s}}\n"
                                      for i, v in enumerate(("0.1150", "0.1164", "0.1200")))
    verdicts = {v.ref: v for v in audit(parse_spec(text), diagnose=0).verdicts if v.subject == "equation"}
    assert [verdicts[f"e{i}"].kind for i in range(3)] == [H, C, W]
    # The latest statement of those digits is the value the step for ∂L/∂z2 used.
    assert verdicts["e1"].inherits_from == ("dL/dz2:dyhat/dz2",) and verdicts["e1"].own == "0.1164"


def test_an_equation_restates_a_value_only_with_its_sign_as_a_page_does() -> None:
    # specs/blog.yaml states ∂L/∂z2 = -0.062 (true value σ(2.73) - 1 = -0.0612262, plain math). The 0.062 of
    # -0.062 × 1.3 restates it: the true chain gives -0.0795940, so -0.0806 (0.062 × 1.3) is carried. The 0.062
    # of 0.062 × 1.3 has no minus: a given, and 0.0806 holds exactly. The same two lines as a page agree.
    true = (1 / (1 + math.exp(-2.73)) - 1) * 1.3
    assert round(true, 7) == -0.079594 and round(0.062 * 1.3, 4) == 0.0806
    text = BLOG.read_text(encoding="utf-8") + (
        "equations:\n  - {id: minus, expression: '-0.062 * 1.3', value: '-0.0806', step: s}\n"
        "  - {id: plain, expression: '0.062 * 1.3', value: '0.0806', step: s}\n")
    verdicts = {v.ref: v for v in audit(parse_spec(text), diagnose=0).verdicts if v.subject == "equation"}
    assert (verdicts["minus"].kind, verdicts["plain"].kind) == (C, H)
    page = audit_markdown("$$g = \\sigma(2.73) - 1 = -0.062$$\n\n$$-0.062 \\times 1.3 = -0.0806$$\n\n"
                               "$$0.062 \\times 1.3 = 0.0806$$\n")
    assert [v.kind for v in page.verdicts if v.subject == "equation"] == [C, H]


@pytest.mark.parametrize(("expression", "reason"), [("log(0)", "not positive"), ("1/(1 - 1)", "zero"),
                                                     ("sqrt(0 - 2)", "negative")])
def test_undefined_arithmetic_in_an_equation_is_wrong_with_its_reason(expression: str, reason: str) -> None:
    extra = f"equations:\n  - {{id: e, expression: '{expression}', value: '1.0', step: s}}\n"
    result = audit(parse_spec(minimal_spec("  []", extra="").replace("claims:\n  []", extra + "claims: []")))
    [verdict] = result.verdicts
    assert verdict.kind is W and verdict.exact == "undefined" and reason in verdict.remarks[0].message


def test_relu_exactly_at_a_transcendental_kink_is_reported_not_looped() -> None:
    # tanh(1) − tanh(1) is exactly 0 but only known as a ball: ReLU′ there cannot be decided.
    layers = """
    - weights: [[1], [1]]
      bias: [0, 0]
      activation: tanh
    - weights: [[1, -1]]
      bias: 0
      activation: relu"""
    text = minimal_spec("  []", layers=layers, loss="mse").replace("input: [1, 2]", "input: [1]").replace("target: 1", "target: 0")
    with pytest.raises(EvaluationError, match="undecided at 8192 bits"):
        audit(parse_spec(text))


def _judgements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record (ref, working precision) at every judgement the audit makes."""
    from flint import ctx

    import nncheck.audit.judge as judge

    seen: list[tuple[str, int]] = []
    original = judge._judge

    def spy(s, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((s.ref, ctx.prec))
        return original(s, *args, **kwargs)

    monkeypatch.setattr(judge, "_judge", spy)
    return seen


def test_the_audit_starts_at_the_precision_its_finest_printed_number_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    # ŷ = σ(2.73) printed to 55 correct decimals (mpmath at 120 digits, independently of nncheck). 55
    # decimals are 183 bits; with 64 to spare, 256-bit balls (~77 digits) settle every number at once.
    import mpmath

    with mpmath.workdps(120):
        yhat = mpmath.nstr(1 / (1 + mpmath.exp(-mpmath.mpf("2.73"))), 55, strip_zeros=False)  # 55 significant digits, all decimals
    assert len(yhat.split(".")[1]) == 55
    claims = f"  - {{quantity: yhat, value: '{yhat}', step: s}}\n  - {{quantity: L, value: 0.063181, step: t}}\n"
    seen = _judgements(monkeypatch)
    result = audit(parse_spec(minimal_spec(claims)))
    assert [v.kind for v in result.verdicts] == [H, H]
    assert result.precision == 256
    assert seen == [("yhat", 256), ("L", 256)]
    # Shown to more digits than printed, and right: the 56th to 60th decimals come from the 256-bit ball.
    with mpmath.workdps(120):
        assert result.verdicts[0].exact == mpmath.nstr(1 / (1 + mpmath.exp(-mpmath.mpf("2.73"))), 60, strip_zeros=False)


def _softmax_tie(a1: str, extra: str = "") -> str:
    """A softmax of the equal logits [1, 1], with ``a1`` stated and the Jacobian printed as ±0.2 (a tie at 1/4)."""
    layers = """
    - weights: [[1, 0], [0, 1]]
      bias: [0, 0]
      activation: softmax"""
    claims = (f"  - {{quantity: a1, value: {a1}, step: s}}\n"
              "  - {quantity: da1/dz1, value: [[0.2, -0.2], [-0.2, 0.2]], step: t}\n")
    return minimal_spec(claims, layers=layers, loss="cross_entropy", extra=extra).replace(
        "input: [1, 2]", "input: [1, 1]").replace("target: 1", "target: [1, 0]")


def test_precision_is_raised_only_for_the_verdict_that_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Softmax of equal logits is exactly [1/2, 1/2], but reached through exp it is only known as balls; the
    # Jacobian's diagonal 1/4 = 1/2 − 1/4 printed as "0.2" sits exactly on the end of [0.15, 0.25]. No ball
    # settles that: those four numbers are judged again at 256, 512, ... 8192 bits and end undecided. The
    # others (a1, settled at 128 bits) are judged once.
    text = _softmax_tie("[0.5, 0.5]")
    judged_whole = audit(parse_spec(text)).verdicts  # a1 judged whole (nncheck.audit.bulk)
    seen = _judgements(monkeypatch)
    result = audit_spec(parse_spec(text), whole=False)  # every number element by element
    assert result.verdicts == judged_whole
    assert [(v.ref, v.kind) for v in result.verdicts] == [("a1[0]", H), ("a1[1]", H)] + [
        (f"da1/dz1[{i},{j}]", Kind.UNDECIDED) for i in range(2) for j in range(2)]
    assert result.precision == 8192
    again = [ref for ref, bits in seen if bits > 128]
    assert {ref for ref, _ in seen if ref.startswith("a1")} == {"a1[0]", "a1[1]"} and len([r for r, _ in seen if r.startswith("a1")]) == 2
    assert sorted(again) == sorted(f"da1/dz1[{i},{j}]" for i in range(2) for j in range(2) for _ in range(6))  # 256 ... 8192


def test_a_value_known_only_to_128_bits_is_not_shown_with_more_digits() -> None:
    # Two identical sigmoid units subtracted: z2 = σ(0.3) − σ(0.3) is exactly 0, but reached through exp
    # it is a ball of radius about 2^-128 ≈ 3e-39. Printed as 0 to 34 decimals it holds at 128 bits
    # (34 zero digits need only 65 bits); the 39 decimals a display would add are not all known.
    layers = """
    - weights: [[0, 0], [0, 0]]
      bias: [0.3, 0.3]
      activation: sigmoid
    - weights: [[1, -1]]
      bias: 0
      activation: identity"""
    zero = "0." + "0" * 34
    text = minimal_spec(f"  - {{quantity: z2, value: '{zero}', step: s}}\n", layers=layers, loss="mse")
    verdict = audit(parse_spec(text)).verdicts[0]
    assert verdict.kind is H
    shown = verdict.exact.lstrip("-")
    assert set(shown.replace(".", "")) == {"0"} and 34 <= len(shown.split(".")[1]) < 39, verdict.exact


def test_undecided_numbers_and_equations_do_not_raise_the_precision_of_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    # The softmax Jacobian tie above is undecided even at 8192 bits; a wrong a1 beside it is diagnosed at
    # 128 bits all the same. An equation printed to 60 decimals is settled on its own, not by
    # evaluating the network at 512 bits.
    from flint import ctx

    import nncheck.audit.diagnose as diagnosis
    import nncheck.audit.judge as judge

    text = _softmax_tie("[0.7, 0.5]", extra=f"equations:\n  - {{id: e, expression: '1/3', value: '0.{'3' * 60}', step: s}}\n")
    diagnosed_at: list[int] = []
    evaluated_at: list[int] = []
    diagnose_all, evaluate = diagnosis.diagnose_all, judge.evaluate  # the judge imports the diagnosis when it runs it
    monkeypatch.setattr(diagnosis, "diagnose_all", lambda *a, **k: diagnosed_at.append(ctx.prec) or diagnose_all(*a, **k))
    monkeypatch.setattr(judge, "evaluate", lambda *a, **k: evaluated_at.append(ctx.prec) or evaluate(*a, **k))
    result = audit(parse_spec(text))
    kinds = {v.ref: v.kind for v in result.verdicts}
    assert kinds["a1[0]"] is W and kinds["da1/dz1[0,0]"] is Kind.UNDECIDED and kinds["e"] is H
    assert result.verdicts[0].diagnosed and result.precision == 8192
    assert diagnosed_at == [128] and evaluated_at[0] == 128


@given(st.integers(-10**12, 10**12), st.integers(-14, 3), st.fractions(-10**4, 10**4, max_denominator=10**9), st.booleans())
def test_the_fast_holds_test_is_the_rounding_interval_test(digits: int, place: int, value: Fraction, as_ball: bool) -> None:
    # enclose.holds decides "inside the rounding interval" with flint rationals; enclose.inside with the
    # interval's Fractions (printed.rounding_interval, which the review checked against the definition).
    # Values near the printed one are drawn often: the interesting cases are at the ends.
    from nncheck.audit import enclose
    from nncheck.errors import Undecided
    from nncheck.network.ball import Real, precision
    from nncheck.printed import parse_printed

    printed = parse_printed(f"{digits}e{place}")
    near = printed.value + (value - value.numerator // value.denominator) * printed.unit  # within a unit of it
    for true in (value, near, *printed.rounding_interval()):
        real = Real.interval(true, Fraction(0)) if not as_ball else Real(ball=Real(exact=true).enclosure())
        with precision(128):
            outcomes = []
            for test in (lambda: enclose.holds(real, printed), lambda: enclose.inside(real, *printed.rounding_interval())):
                try:
                    outcomes.append(test())
                except Undecided:
                    outcomes.append(None)
        assert outcomes[0] == outcomes[1], (printed.text, true, as_ball)


@given(st.integers(-10**12, 10**12), st.integers(-14, 3), st.fractions(-10**4, 10**4, max_denominator=10**9),
       st.integers(-2000, 2000), st.sampled_from(["exact", "ball", "wide", "tiny"]))
def test_a_verdicts_shown_value_is_show_and_relative_error_of_one_midpoint(digits: int, place: int, value: Fraction,
                                                                         shift: int, form: str) -> None:
    # enclose.shown reads the ball's midpoint and radius once; it must give what enclose.show and
    # enclose.relative_error give separately (and arb's scientific notation, with no relative error, for a value past
    # 2^±HUGE_BITS, exact or not).
    from flint import arb

    from nncheck.audit import enclose
    from nncheck.network.ball import Real, precision
    from nncheck.printed import parse_printed

    printed = parse_printed(f"{digits}e{place}")
    scaled = value * Fraction(2) ** shift
    with precision(128):
        real = {"exact": Real(exact=scaled), "ball": Real(ball=Real(exact=scaled).enclosure()),
                "wide": Real(ball=arb(Real(exact=scaled).enclosure().mid(), 10.0 ** place)),
                "tiny": Real(ball=Real(exact=scaled).enclosure() * arb(2) ** -1500)}[form]
        if enclose.ordinary(real):
            assert enclose.shown(real, printed) == (enclose.show(real, printed), enclose.relative_error(printed, real))
        else:
            assert enclose.shown(real, printed) == (enclose.scientific(real), None)


@given(st.integers(0, 20_000))
def test_the_starting_precision_is_the_first_rung_of_the_doubling_ladder_that_suffices(bits: int) -> None:
    # The ladder written out: 128, 256, ..., 8192 (START_PRECISION doubled up to MAX_PRECISION).
    ladder = [128 * 2**k for k in range(7)]
    assert ladder[-1] == ball.MAX_PRECISION and ladder[0] == ball.START_PRECISION
    assert ball.rung_for(bits) == next((rung for rung in ladder if rung >= bits), ladder[-1])


@settings(max_examples=40, deadline=None)
@given(st.integers(450, 1500), st.sampled_from([1, 0]), st.integers(2, 3))
def test_a_saturated_probability_carries_into_the_loss_instead_of_making_it_wrong(z100: int, target: int, places: int) -> None:
    """A tutorial-style example at saturation: z = 4.5 … 15, ŷ = σ(±z) printed as 1.00 (target 1) or 0.00 (target 0),
    then L and ∂L/∂ŷ worked out from the printed ŷ, as a tutorial does (by hand: L = −ln 1 = 0, ∂L/∂ŷ = −1/1 or
    1/(1 − 0) = 1). The term of BCE whose coefficient is exactly 0 vanishes, so the document's own numbers exist
    and L is carried, never wrong; a gradient that is exactly 0 stays exact."""
    z = f"{'' if target == 1 else '-'}{z100 // 100}.{z100 % 100:02d}"
    printed = f"{target:.{places}f}"
    loss = "0." + "0" * (places + 1)
    gradient = "-1.00" if target == 1 else "1.00"
    text = minimal_spec(f"  - {{quantity: yhat, value: {printed}, step: s}}\n  - {{quantity: L, value: {loss}, step: s}}\n"
                        f"  - {{quantity: dL/dyhat, value: {gradient}, step: s}}\n",
                        layers="\n    - weights: [[1]]\n      bias: 0\n      activation: sigmoid", loss="bce")
    text = text.replace("input: [1, 2]", f"input: [{z}]").replace("target: 1", f"target: {target}")
    kinds = {v.ref: v.kind for v in audit(parse_spec(text), diagnose=0).verdicts}
    assert kinds["L"] in (H, Kind.CARRIED) and kinds["dL/dyhat"] in (H, Kind.CARRIED, Kind.SLIP), kinds


def test_exact_zeros_and_ones_stay_exact() -> None:
    """−y/a with y = 0 is exactly 0, and the softmax of one unit exactly 1, so a printed 0 or 1 is decided, and a
    printed 0.03 for an exact 0 is wrong (by hand), not carried."""
    from nncheck.network import ball
    from nncheck.network.ball import Real
    from nncheck.network.rules import ACTIVATIONS, LOSSES

    with ball.precision(128):
        a = np.array([Real(ball=Real.of(Fraction(1, 3)).enclosure().exp())], dtype=object)
        y = np.array([Real(exact=Fraction(0))], dtype=object)
        assert LOSSES["cross_entropy"].gradient(ball, a, y)[0].exact == 0
        assert ACTIVATIONS["softmax"].forward(ball, a, {})[0].exact == 1


def test_a_used_value_repeated_with_another_minus_is_not_judged_again() -> None:
    """z1 = −1.3 · 1 = −1.3 (by hand), stated -1.3, then used as '−1.3' (the Unicode minus) and a1 as -1.3: each use
    repeats the statement before it, so only the two claims get verdicts."""
    text = minimal_spec("  - {quantity: z1, value: -1.3, step: s}\n"
                        "  - {quantity: a1, value: '\u22121.3', uses: {z1: '\u22121.3'}, step: s}\n"
                        "  - {quantity: L, value: 2.645, uses: {a1: -1.3}, step: s}\n",
                        layers="\n    - {weights: [[-1.3]], bias: 0, activation: identity}", loss="half_sse")
    text = text.replace("input: [1, 2]", "input: [1]")
    assert [v.ref for v in audit(parse_spec(text), diagnose=0).verdicts] == ["z1", "a1", "L"]


def test_a_carried_entry_of_a_wide_layer_names_the_entry_it_carries() -> None:
    # Ten tanh units, each z = 0.5·1 + 0·0 = 0.5 (by hand): a = tanh(0.5) = 0.462117, printed 0.462 (holds), and
    # 1 − a² = 0.786448, printed 0.786 (holds) but 0.787 for unit 5: over a's printed [0.4615, 0.4625], 1 − a² is
    # [0.786094, 0.787018], which meets (0.7865, 0.7875): carried. 1 − a² is elementwise, so unit 5 carries a1[5]
    # alone, not the ten statements of a1 the step read.
    assert round(math.tanh(0.5), 3) == 0.462 and round(1 - math.tanh(0.5) ** 2, 3) == 0.786
    assert 1 - 0.4625**2 < 0.7875 and 1 - 0.4615**2 > 0.7865
    slopes = ["0.786"] * 10
    slopes[5] = "0.787"
    layers = f"""
    - weights: [{', '.join(['[0.5, 0]'] * 10)}]
      bias: [{', '.join(['0'] * 10)}]
      activation: tanh"""
    claims = (f"  - {{quantity: a1, value: [{', '.join(['0.462'] * 10)}], step: a}}\n"
              f"  - {{quantity: da1/dz1, value: [{', '.join(slopes)}], step: d}}\n")
    text = minimal_spec(claims, layers=layers, loss="mse").replace("input: [1, 2]", "input: [1, 0]").replace(
        "target: 1", f"target: [{', '.join(['0'] * 10)}]")
    verdict = next(v for v in audit(parse_spec(text)).verdicts if v.ref == "da1/dz1[5]")
    assert verdict.kind is Kind.CARRIED and verdict.inherits_from == ("a1[5]",)


def test_sources_are_named_in_index_order() -> None:
    from nncheck.audit.own import _natural

    refs = ["a1[10]", "a1[2]", "z2:a1[9]", "a1[1,10]", "a1[1,9]", "z2:a1[10]"]
    assert sorted(refs, key=_natural) == ["a1[1,9]", "a1[1,10]", "a1[2]", "a1[10]", "z2:a1[9]", "z2:a1[10]"]
