"""Stage 3, a whole claim at once (nncheck/audit/bulk.py): the same verdicts as element by element, blocks kept whole."""

from __future__ import annotations

import io
import pickle
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncheck.audit import Kind, audit, bulk
from nncheck.audit.judge import audit_spec
from nncheck.findings import Audit, VerdictBlock, Verdicts
from nncheck.readers.spec import parse_spec
from nncheck.report import renderer
from nncheck.strategies import decimals, networks, specs
from tests.helpers import minimal_spec


def _moved(text: str, seed: int) -> str:
    """The spec text with about a third of its claimed numbers moved 1 to 12 units in their last digit (the network
    section untouched): slips, wrong numbers, and the carried numbers that follow them."""
    head, _, claims = text.partition("\nclaims:")
    rng = random.Random(seed)

    def move(match: re.Match[str]) -> str:
        if rng.random() > 0.35:
            return match.group(0)
        number = match.group(0)
        negative = number.startswith("-")
        digits = number.lstrip("-")
        decimals = len(digits) - digits.index(".") - 1
        value = int(digits.replace(".", "")) * (-1 if negative else 1) + rng.choice((-12, -3, -1, 1, 3, 12))
        body = str(abs(value)).rjust(decimals + 1, "0")
        return ("-" if value < 0 else "") + body[:-decimals] + "." + body[-decimals:]

    return head + "\nclaims:" + re.sub(r"-?\d+\.\d+", move, claims)


def _element_by_element(text: str) -> Audit:
    return audit_spec(parse_spec(text), whole=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=specs(networks(max_depth=3, max_width=4, numbers=decimals(places=1)), places=st.integers(1, 3)),
       seed=st.integers(0, 2**16), moved=st.booleans())
def test_judging_whole_claims_gives_the_verdicts_and_the_report_of_element_by_element(
        drawn: tuple[object, str], seed: int, moved: bool) -> None:
    # One-decimal weights and one to three printed decimals put true values on rounding ties often (0.25 printed
    # 0.2 or 0.3), where the whole comparison must give way to the exact one.
    _, text = drawn
    if moved:
        text = _moved(text, seed)
    whole, alone = audit(parse_spec(text)), _element_by_element(text)
    assert isinstance(whole.verdicts, Verdicts)
    terminal = renderer("terminal")
    shown_whole, shown_alone = io.StringIO(), io.StringIO()
    terminal(whole, shown_whole, False)
    terminal(alone, shown_alone, False)
    assert shown_whole.getvalue() == shown_alone.getvalue()
    assert whole.counts() == alone.counts()
    assert whole.failing() == alone.failing()
    assert tuple(whole.verdicts) == tuple(alone.verdicts)


def _spec(z1: str, width: int = 2) -> str:
    """A width-1 linear layer on the input [1, 2] with weights [w, 0] and bias 0 per row, w = 0.25 then 0.35, 0.45,
    ...: z1 = [0.25, 0.35, ...] exactly (worked by hand), claimed as ``z1``."""
    rows = ", ".join(f"[{0.25 + 0.1 * i:.2f}, 0]" for i in range(width))
    layers = f"""
    - weights: [{rows}]
      bias: [{', '.join(['0'] * width)}]
      activation: identity"""
    return minimal_spec(f"  - {{quantity: z1, value: {z1}, step: z1}}\n", layers=layers, loss="mse").replace(
        "target: 1", f"target: [{', '.join(['0'] * width)}]")


@pytest.mark.parametrize(("z1", "block", "kinds"), [
    ("[0.25, 0.35]", True, [Kind.HOLDS, Kind.HOLDS]),
    ("[0.2, 0.4]", False, [Kind.HOLDS, Kind.HOLDS]),  # both ties: p ± u/2 is the true value, decided exactly
    ("[0.3, 0.3]", False, [Kind.HOLDS, Kind.HOLDS]),  # ties rounded the other way, equally right
    ("[0.250, 0.351]", False, [Kind.HOLDS, Kind.WRONG]),  # one whole unit off: not strictly within one unit
    ("[0.25, -0.35]", False, [Kind.HOLDS, Kind.WRONG]),
    ("[0.25, 0.35e0]", False, [Kind.HOLDS, Kind.HOLDS]),  # not a plain decimal: element by element
    ("[0.25, 0.350]", False, [Kind.HOLDS, Kind.HOLDS]),  # decimals differ: element by element
])
def test_a_claim_is_a_block_only_when_every_element_holds_inside_its_interval(z1: str, block: bool,
                                                                              kinds: list[Kind]) -> None:
    result = audit(parse_spec(_spec(z1)))
    assert isinstance(result.verdicts, Verdicts)
    assert any(isinstance(part, VerdictBlock) for part in result.verdicts.parts) is block
    assert [v.kind for v in result.verdicts] == kinds
    assert result.verdicts == _element_by_element(_spec(z1)).verdicts


def test_reports_that_count_do_not_make_a_blocks_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    original = bulk.HeldBlock.make

    def counting(self: bulk.HeldBlock) -> tuple[object, ...]:
        made.append(self.count)
        return original(self)

    monkeypatch.setattr(bulk.HeldBlock, "make", counting)
    values = ", ".join(f"{0.25 + 0.1 * i:.2f}" for i in range(12))
    result = audit(parse_spec(_spec(f"[{values}]", width=12)))
    out = io.StringIO()
    renderer("terminal")(result, out, False)
    assert result.counts()[Kind.HOLDS] == 12 and result.failing() == () and len(result.verdicts) == 12
    assert "z1[0]…[11]" in out.getvalue() and made == []
    renderer("json")(result, io.StringIO(), False)  # every verdict, one by one
    assert made == [12]


def test_an_audit_with_blocks_pickles_compares_and_hashes_as_its_verdicts() -> None:
    result = audit(parse_spec(_spec("[0.25, 0.35]")))
    assert isinstance(result.verdicts, Verdicts)
    again = pickle.loads(pickle.dumps(result))
    assert again.verdicts == tuple(result.verdicts) == result.verdicts
    assert hash(result.verdicts) == hash(tuple(result.verdicts))
    assert result.verdicts[1:] == tuple(result.verdicts)[1:]


def test_the_box_is_inside_minus_one_to_one() -> None:
    # flint stores a ball's radius rounded up: the box must still be narrower than [−1, 1].
    assert bulk._box(3, 1)[2, 0].rad() < 1


@pytest.mark.parametrize(("value", "kinds"), [
    ("[[0.25, 0.35], [0.00, 0.00]]", [Kind.HOLDS] * 4),  # W1 = [[0.25, 0], [0.35, 0]] written transposed
    # As stored, not transposed; 0.00, not 0, whose rounding interval [−0.5, 0.5] would hold 0.35.
    ("[[0.25, 0.00], [0.35, 0.00]]", [Kind.HOLDS, Kind.WRONG, Kind.WRONG, Kind.HOLDS]),
])
def test_a_transposed_claim_is_judged_whole_in_its_own_order(value: str, kinds: list[Kind]) -> None:
    # With transposed: true, element [i][j] as written is dz1/da0[j, i] (worked by hand from _spec's W1).
    text = _spec("[0.25, 0.35]").replace(
        "claims:\n", f"claims:\n  - {{quantity: dz1/da0, value: {value}, step: d, transposed: true}}\n")
    result = audit(parse_spec(text))
    by_ref = {v.ref: v.kind for v in result.verdicts if v.subject == "dz1/da0"}
    assert [by_ref[f"dz1/da0[{i},{j}]"] for j in range(2) for i in range(2)] == kinds
    assert result.verdicts == _element_by_element(text).verdicts


def test_a_claim_printed_transposed_is_not_shown_as_a_range_of_its_printed_order() -> None:
    # dz1/da0 = W1 is 12×2 (rows [0.25 + 0.1 i, 0], by hand); printed transposed, its entries come column by column:
    # [0,0], [1,0], ..., [11,0], [0,1], ... A row "dz1/da0[0,0]…[11,0]" would read as the 23 entries between them in
    # the matrix's own order. Every entry keeps its row, judged whole or one by one alike.
    column = ", ".join(f"{0.25 + 0.1 * i:.2f}" for i in range(12))
    value = f"[[{column}], [{', '.join(['0.00'] * 12)}]]"
    values = ", ".join(f"{0.25 + 0.1 * i:.2f}" for i in range(12))
    text = _spec(f"[{values}]", width=12).replace(
        "claims:\n", f"claims:\n  - {{quantity: dz1/da0, value: {value}, step: d, transposed: true}}\n")
    outputs = []
    for result in (audit(parse_spec(text)), _element_by_element(text)):
        out = io.StringIO()
        renderer("terminal")(result, out, False)
        outputs.append(out.getvalue())
        assert {v.kind for v in result.verdicts} == {Kind.HOLDS}
    assert outputs[0] == outputs[1]
    rows = [line.split()[0] for line in outputs[0].splitlines() if line.startswith("dz1/da0")]
    assert len(rows) == 24 and "…" not in "".join(rows)
    assert "z1[0]…[11]" in outputs[0]  # z1, printed in its own order, is one row
