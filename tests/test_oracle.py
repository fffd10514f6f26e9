"""Oracles without a framework: the comparison, its table, and the CLI when PyTorch is missing or unused.

The comparison is checked with a stand-in framework whose values are the exact ones, rounded to floats,
with planted errors of known size; tests/test_torch.py runs PyTorch itself.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from nncheck.network import ball, evaluate
from nncheck.oracles import ORACLES, TOLERANCE, OracleReport
from nncheck.oracles.compare import check
from nncheck.oracles.table import render
from nncheck.records import Layer, Network
from nncheck.readers.spec import load_spec
from nncheck.testing import to_float
from tests.helpers import BLOG, ROOT, run_cli

F = Fraction


class StandIn:
    """A 'framework' that returns the exact values rounded to float64, plus planted errors."""

    LABEL = "Stand-in"

    def __init__(self, errors: dict[tuple[str, tuple[int, ...]], float] | None = None) -> None:
        self.errors = errors or {}

    def version(self) -> str:
        return "0"

    def values(self, network: Network) -> dict[str, Any]:
        with ball.precision(128):
            exact = evaluate(network, ball)
        found = {name: np.vectorize(to_float, otypes=[float])(value) for name, value in exact.items()}
        for (name, index), error in self.errors.items():
            found[name][index] += error
        return found


def _blog() -> Network:
    return load_spec(str(BLOG)).network


def _kinked(relu_grad_at_zero: Fraction = F(0)) -> Network:
    # z1 = [1 − 1, 1 + 1] = [0, 2]: the first hidden unit sits exactly at ReLU's kink.
    from nncheck.records import Conventions

    return Network(
        layers=(Layer(((F(1), F(-1)), (F(1), F(1))), (F(0), F(0)), "relu"), Layer(((F(1, 2), F(1, 4)),), (F(0),), "sigmoid")),
        loss="bce", input=(F(1), F(1)), target=(F(1),), conventions=Conventions(relu_grad_at_zero=relu_grad_at_zero),
    )


def test_exact_values_rounded_once_are_within_half_an_ulp() -> None:
    report = check(_blog(), StandIn())
    assert report.exceeding == ()
    # Rounding to the nearest float is off by at most half an ulp: |Δ| ≤ 2^-53·|exact|.
    assert all(d.relative is None or d.relative <= 2.0**-53 for d in report.discrepancies)
    assert report.framework == "Stand-in 0" and report.tolerance == TOLERANCE


def test_every_computed_quantity_is_compared_in_step_order() -> None:
    report = check(_blog(), StandIn())
    names = [d.quantity for d in report.discrepancies]
    assert names[:4] == ["z1", "a1", "da1/dz1", "z2"]
    assert {"L", "dL/da2", "dL/dW1", "dL/db1", "dL/dW2", "dL/db2", "dL/da0", "dz1/dW1", "dz2/da1"} <= set(names)
    assert not {"a0", "y", "W1", "b2"} & set(names)  # the givens are not computed
    entries = {d.quantity: d.entries for d in report.discrepancies}
    assert (entries["dL/dW1"], entries["L"], entries["z1"]) == (4, 1, 2)


def test_a_planted_error_is_measured_and_located() -> None:
    report = check(_blog(), StandIn({("dL/dW1", (1, 0)): 1e-6}))
    [exceeding] = report.exceeding
    assert (exceeding.quantity, exceeding.worst) == ("dL/dW1", (1, 0))
    assert exceeding.absolute == pytest.approx(1e-6, abs=1e-15)
    # ∂L/∂W1[1,0] = (σ(2.73) − 1)·0.9·1, computed here in plain floats.
    exact = (1 / (1 + np.exp(-2.73)) - 1) * 0.9
    assert exceeding.relative == pytest.approx(1e-6 / abs(exact), rel=1e-6)
    assert report.largest is exceeding


@pytest.mark.parametrize("error, exceeds", [(2e-12, False), (4e-12, True)], ids=["inside", "beyond"])
def test_the_tolerance_scales_with_one_plus_the_exact_size(error: float, exceeds: bool) -> None:
    # z1[1] = 1.8: the tolerance there is 1e-12·(1 + 1.8) = 2.8e-12.
    report = check(_blog(), StandIn({("z1", (1,)): error}))
    assert bool(report.exceeding) is exceeds


def test_relative_discrepancy_skips_exact_zeros() -> None:
    report = check(_kinked(), StandIn({("a1", (0,)): 1e-20}))
    a1 = next(d for d in report.discrepancies if d.quantity == "a1")
    assert a1.absolute == 1e-20
    assert a1.relative is not None and a1.relative < 1e-15  # from a1[1] = 2 only; a1[0] is exactly 0
    # With the input 0, ∂z1/∂W1 = x is 0 in every entry: no relative discrepancy at all, shown as "-".
    at_zero = replace(_kinked(), input=(F(0), F(0)))
    report = check(at_zero, StandIn())
    assert next(d for d in report.discrepancies if d.quantity == "dz1/dW1").relative is None
    assert _table(report).splitlines()[[d.quantity for d in report.discrepancies].index("dz1/dW1") + 2].split() == \
        ["dz1/dW1", "2", "0", "-"]


def test_a_non_finite_framework_value_exceeds_any_tolerance() -> None:
    report = check(_blog(), StandIn({("L", ()): float("nan")}))
    [loss] = report.exceeding
    assert (loss.quantity, loss.absolute, loss.relative) == ("L", float("inf"), float("inf"))
    assert "largest discrepancy: inf in L;" in _table(report)


def test_pre_activations_exactly_at_a_kink_are_noted_with_the_spec_convention() -> None:
    [kink] = check(_kinked(F(1)), StandIn()).kinks
    assert (kink.quantity, kink.index, kink.activation, kink.derivative) == ("z1", (0,), "relu", F(1))
    assert check(_blog(), StandIn()).kinks == ()


def _table(report: OracleReport) -> str:
    stream = io.StringIO()
    render(report, stream)
    return stream.getvalue()


def test_table_lists_each_quantity_and_names_what_exceeds() -> None:
    text = _table(check(_blog(), StandIn({("L", ()): 1e-9})))
    lines = text.splitlines()
    assert lines[0] == "Stand-in 0 in float64 against nncheck's exact values (tolerance: |Δ| ≤ 1e-12·(1 + |exact|))"
    assert lines[1].split() == ["quantity", "entries", "largest", "|Δ|", "largest", "|Δ|/|exact|"]
    loss_row = next(line for line in lines if line.startswith("L "))
    assert loss_row.split()[1:3] == ["1", "1.0e-09"] and loss_row.endswith("exceeds")
    assert lines[-1] == "largest discrepancy: 1.0e-09 in L; 1 of 20 quantities exceeds the tolerance: L"


def test_table_says_when_everything_is_within_the_tolerance_and_explains_kinks() -> None:
    text = _table(check(_kinked(), StandIn()))
    assert "exceeds" not in text
    assert text.splitlines()[-1].endswith("; every quantity within the tolerance")
    assert "note: z1[0] is exactly 0, the kink of relu, where nncheck takes the derivative as 0" in text


def test_missing_torch_is_a_usage_error_that_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    status, out, err = run_cli("audit", str(BLOG), "--oracle", "torch")
    assert status == 2
    assert out == ""
    assert err.startswith("nncheck: error: --oracle torch needs PyTorch: pip install 'nncheck[torch]' (")
    assert "torch==2.13.0" in err and err.count("\n") == 1


def test_unknown_oracle_is_refused_by_the_parser() -> None:
    status, _, err = run_cli("audit", str(BLOG), "--oracle", "jax")
    assert status == 2 and "invalid choice: 'jax'" in err
    assert ORACLES == ("torch",)


def test_audit_without_oracle_does_not_import_torch() -> None:
    """Start-up cost: PyTorch (seconds to import) loads only for --oracle torch."""
    code = ("import sys; from nncheck.cli import main; import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['audit', 'specs/blog.yaml'])\n"
            "print('torch' in sys.modules, 'nncheck.oracles.torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False False", done.stderr
