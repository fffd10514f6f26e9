"""PyTorch against nncheck's exact values: the blog's own class, the --oracle torch comparison, and the CLI.

These tests need PyTorch. Outside CI they skip when it is missing; in CI (CI set, as .ci/run is run)
they must run, so a missing torch fails the run instead.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

try:
    import torch
    from torch import nn
except ImportError:
    if os.environ.get("CI"):
        pytest.fail("PyTorch is missing, and CI must run the torch tests: .ci/run installs torch==2.13.0", pytrace=False)
    pytest.skip("PyTorch is not installed (pip install torch==2.13.0, the CPU build)", allow_module_level=True)

from nncheck import strategies as nst
from nncheck.network import ball, evaluate
from nncheck.oracles import TOLERANCE, load
from nncheck.records import Conventions, Layer, Network
from nncheck.readers.spec import load_spec
from nncheck.testing import to_float
from tests.helpers import BLOG, ROOT, run_cli

F = Fraction
oracle = load("torch")


def _exact(network: Network) -> dict[str, np.ndarray]:
    """nncheck's exact values (ball arithmetic, 128 bits), each rounded once to a float."""
    with ball.precision(128):
        return {name: np.vectorize(to_float, otypes=[float])(value) for name, value in evaluate(network, ball).items()}


class SimpleNN(nn.Module):
    """The blog's network: 2 inputs, 2 ReLU hidden units, 1 sigmoid output (written here, in float64)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, 2, dtype=torch.float64)
        self.output = nn.Linear(2, 1, dtype=torch.float64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.output(torch.relu(self.hidden(x))))


def test_the_blogs_network_in_pytorch_matches_the_exact_values_to_1e_12() -> None:
    model = SimpleNN()
    weights = {"hidden": ([[0.2, 0.4], [0.1, 0.6]], [0.3, 0.5]), "output": ([[0.7, 0.9]], [0.2])}
    with torch.no_grad():  # the worked example's weights, which the blog's code never sets
        for name, (weight, bias) in weights.items():
            layer = getattr(model, name)
            layer.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))
    pre: dict[str, torch.Tensor] = {}

    def keep(name: str):  # type: ignore[no-untyped-def]
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            output.retain_grad()
            pre[name] = output
        return hook

    model.hidden.register_forward_hook(keep("z1"))
    model.output.register_forward_hook(keep("z2"))
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)  # one sample, as the blog's input_data
    output = model(x)
    loss = nn.BCELoss()(output, torch.tensor([[1.0]], dtype=torch.float64))
    loss.backward()

    exact = _exact(load_spec(str(BLOG)).network)
    got = {
        "a2": output, "L": loss, "z1": pre["z1"], "z2": pre["z2"],
        "dL/dz1": pre["z1"].grad, "dL/dz2": pre["z2"].grad, "dL/da0": x.grad,
        "dL/dW1": model.hidden.weight.grad, "dL/db1": model.hidden.bias.grad,
        "dL/dW2": model.output.weight.grad, "dL/db2": model.output.bias.grad,
    }
    for name, value in got.items():
        assert value is not None, name
        np.testing.assert_allclose(value.detach().numpy().reshape(exact[name].shape), exact[name], rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    # The worked example's own check points: z2 = 2.73 and ŷ = σ(2.73), not the 3.18 and 0.96 it prints.
    assert pre["z2"].item() == pytest.approx(2.73, abs=1e-15)
    assert output.item() == pytest.approx(1 / (1 + np.exp(-2.73)), abs=1e-15)


def test_oracle_agrees_with_the_exact_values_on_the_blog() -> None:
    report = oracle(load_spec(str(BLOG)).network)
    assert report.framework.startswith("PyTorch 2.") and report.dtype == "float64"
    assert report.exceeding == ()
    assert len(report.discrepancies) == 20 and report.kinks == ()
    # The blog's numbers are modest: float64 lands within a few units of roundoff (2^-53 ≈ 1.1e-16).
    assert report.largest.scaled < 1e-15


def _well_conditioned(network: Network) -> bool:
    """No ReLU unit at its kink, and no BCE output so saturated that float64's 1 − ŷ loses digits."""
    with ball.precision(128):
        values = evaluate(network, ball)
    for l, layer in enumerate(network.layers, start=1):
        if layer.activation in ("relu", "leaky_relu") and any(abs(to_float(v)) < 1e-9 for v in values[f"z{l}"].flat):
            return False
    output = [to_float(v) for v in values[f"a{len(network.layers)}"].flat]
    return network.loss != "bce" or all(1e-3 <= a <= 1 - 1e-3 for a in output)


@settings(max_examples=25)
@given(st.one_of(nst.networks(), nst.networks(numbers=nst.binary_fractions())))
def test_oracle_agrees_with_the_exact_values_on_drawn_networks(network: Network) -> None:
    assume(_well_conditioned(network))
    report = oracle(network)
    assert report.exceeding == (), report


def test_at_a_relu_kink_pytorch_takes_the_derivative_0() -> None:
    # z1 = [1·1 − 1·1, 1·1 + 1·1] = [0, 2], exactly 0 in floats too; PyTorch's ReLU′(0) is 0, nncheck's default.
    layers = (Layer(((F(1), F(-1)), (F(1), F(1))), (F(0), F(0)), "relu"), Layer(((F(1, 2), F(1, 4)),), (F(0),), "sigmoid"))
    network = Network(layers=layers, loss="bce", input=(F(1), F(1)), target=(F(1),))
    report = oracle(network)
    assert [k.quantity for k in report.kinks] == ["z1"] and report.exceeding == ()
    # A spec that takes ReLU′(0) = 1 differs from PyTorch exactly where the note says.
    other = oracle(Network(layers=layers, loss="bce", input=(F(1), F(1)), target=(F(1),),
                           conventions=Conventions(relu_grad_at_zero=F(1))))
    assert {d.quantity for d in other.exceeding} == {"da1/dz1", "dL/dz1", "dL/dW1", "dL/db1", "dL/da0"}


def test_sgd_step_follows_the_update_biases_convention() -> None:
    layers = (Layer(((F(1, 2), F(-1, 4)),), (F(1, 10),), "sigmoid"),)
    network = Network(layers=layers, loss="mse", input=(F(1), F(2)), target=(F(1, 2),), learning_rate=F(1, 10))
    names = [d.quantity for d in oracle(network).discrepancies]
    assert "W1_new" in names and "b1_new" in names
    frozen_bias = Network(layers=layers, loss="mse", input=(F(1), F(2)), target=(F(1, 2),), learning_rate=F(1, 10),
                          conventions=Conventions(update_biases=False))
    report = oracle(frozen_bias)
    assert "b1_new" not in [d.quantity for d in report.discrepancies] and report.exceeding == ()


def test_cli_prints_the_table_on_stderr_after_the_report() -> None:
    status, out, err = run_cli("audit", str(BLOG), "--oracle", "torch", "--fail-on", "none", "--format", "json")
    assert status == 0
    assert json.loads(out)["summary"]["wrong"] == 3  # standard output stays the report alone
    lines = err.splitlines()
    assert lines[0].startswith("PyTorch 2.") and "in float64 against nncheck's exact values" in lines[0]
    assert [line.split()[0] for line in lines[2:-1]][:3] == ["z1", "a1", "da1/dz1"]
    assert lines[-1].startswith("largest discrepancy: ") and lines[-1].endswith("every quantity within the tolerance")


def test_cli_exit_status_follows_the_audit_when_the_oracle_agrees() -> None:
    status, _, err = run_cli("audit", str(BLOG), "--oracle", "torch")
    assert status == 1 and "every quantity within the tolerance" in err  # the blog's wrong numbers still fail


def test_cli_exits_1_when_pytorch_disagrees_beyond_the_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    import nncheck.oracles.torch as torch_oracle

    honest = torch_oracle.values

    def off_by_a_little(network: Network) -> dict[str, np.ndarray]:
        found = honest(network)
        found["dL/dW1"][0, 1] += 10 * TOLERANCE
        return found

    monkeypatch.setattr(torch_oracle, "values", off_by_a_little)
    status, _, err = run_cli("audit", str(BLOG), "--oracle", "torch", "--fail-on", "none")
    assert status == 1
    assert err.splitlines()[-1].endswith("1 of 20 quantities exceeds the tolerance: dL/dW1")



def test_spec_numbers_are_rounded_once_to_float64() -> None:
    from nncheck.oracles.torch import tensor

    values = tensor([F(1, 10), F(2, 3)])
    assert values.dtype == torch.float64 and values.tolist() == [0.1, 2 / 3]


def test_cli_runs_the_oracle_on_the_network_a_page_describes() -> None:
    # The blog's equations as a page: nncheck extract drafts its network, and PyTorch agrees with the exact values.
    status, out, err = run_cli("audit", str(ROOT / "tests" / "samples" / "markdown" / "blog.md"), "--oracle", "torch")
    assert status == 1  # the page's own findings (z_2 = 3.18 wrong, ...) still fail the run
    assert "every quantity within the tolerance" in err and "z_2" in out


def test_cli_refuses_the_oracle_for_a_page_that_describes_no_network(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("$$z = 1.5 \\times 0.4 + 0.3 = 0.9$$\n", encoding="utf-8")
    status, out, err = run_cli("audit", str(page), "--oracle", "torch")
    assert (status, out) == (2, "") and "--oracle needs a network" in err

