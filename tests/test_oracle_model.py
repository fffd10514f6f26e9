"""PyTorch against nncheck's exact values for models in the general form (model:): the gallery, the vocabulary, loops,
kinks, a planted wrong torch function, and the CLI.

These tests need PyTorch. Outside CI they skip when it is missing; in CI (CI set, as .ci/run is run)
they must run, so a missing torch fails the run instead.
"""

from __future__ import annotations

import json
import os
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

try:
    import torch
except ImportError:
    if os.environ.get("CI"):
        pytest.fail("PyTorch is missing, and CI must run the torch tests: .ci/run installs torch==2.13.0", pytrace=False)
    pytest.skip("PyTorch is not installed (pip install torch==2.13.0, the CPU build)", allow_module_level=True)

from nncheck.expr.plain import model_functions
from nncheck.network.graph import model_table
from nncheck.oracles import LOOP_STEPS, TOLERANCE, load
from nncheck.oracles import torch_model
from nncheck.readers import read
from nncheck.records import ModelSpec
from tests.helpers import ROOT, run_cli

GALLERY = sorted((ROOT / "examples" / "models").glob("*.yaml"))
oracle = load("torch")


def _model(path: Path | str) -> ModelSpec:
    spec = read(str(path))
    assert isinstance(spec, ModelSpec)
    return spec


def _spec(tmp_path: Path, givens: dict[str, Any], definitions: dict[str, str], *, gradients: str = "[L]",
          loop: str = "", claims: str = "[]") -> Path:
    lines = ["nncheck: 1", "title: t", "model:", "  givens:"]
    lines += [f"    {name}: {value}" for name, value in givens.items()]
    lines += ["  definitions:"] + [f'    {name}: "{formula}"' for name, formula in definitions.items()]
    lines += [f"  gradients: {gradients}"] if gradients else []
    lines += [loop] if loop else []
    lines += [f"claims: {claims}"]
    path = tmp_path / "model.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("path", GALLERY, ids=[path.stem for path in GALLERY])
def test_every_gallery_model_agrees_with_pytorch(path: Path) -> None:
    # The planted slips are claims: the model itself, in PyTorch, must agree with the exact values everywhere.
    spec = _model(path)
    report = oracle(spec)
    assert report.framework.startswith("PyTorch 2.") and report.dtype == "float64"
    assert report.exceeding == (), report.largest
    assert report.kinks == () and report.notes == ()
    # Every quantity the audit computes is compared, in the table's order: definitions, gradients, each step's updates.
    assert [d.quantity for d in report.discrepancies] == list(model_table(spec.model, spec.gradients, spec.loop))
    assert report.largest.scaled < 1e-14  # a few units of float64's roundoff on these small models


def test_the_gallery_covers_its_families() -> None:
    assert {path.stem for path in GALLERY} >= {"circuit", "neuron", "softmax", "momentum", "adam", "two_two_two", "batch",
                                                "conv_pool", "attention", "layer_norm", "rnn"}


def test_a_loop_is_compared_step_by_step_under_nncheck_s_names() -> None:
    report = oracle(_model(ROOT / "examples" / "models" / "momentum.yaml"))
    names = [d.quantity for d in report.discrepancies]
    assert names[:3] == ["yhat@1", "L@1", "∂L@1/∂L@1"]
    assert {"∂L@1/∂w@1", "∂L@2/∂x", "v@2", "w@2", "w@5", "L@5"} <= set(names)  # L@5: the loss after training


def test_pytorch_computes_every_quantity_without_nncheck_s_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Independence: the torch side evaluates the formulas itself; nncheck's evaluator is never asked."""
    from nncheck.expr.evaluate import Evaluator
    from nncheck.oracles.torch import model_values

    def refuse(self: Evaluator, node: Any) -> Any:
        raise AssertionError("the oracle called nncheck's evaluator")

    specs = [_model(path) for path in GALLERY]
    monkeypatch.setattr(Evaluator, "value", refuse)
    for spec in specs:
        found = model_values(spec.model, spec.gradients, spec.loop)
        assert all(isinstance(value, np.ndarray) and value.dtype == np.float64 for value in found.values())


# One small model per row of the vocabulary (and the other functions a formula may call), away from every kink.
X = "[[0.3, -1.2, 0.7], [1.1, 0.4, -0.5]]"
x = "[0.3, -1.2, 0.7, 0.9]"
W3 = "[[1, 2, 3], [0.5, -1, 2]]"
ONE_HOT = "[0, 0, 1, 0]"
VOCABULARY: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    **{f"activation {name}": ({"x": x}, {"a": f"{name}(x)", "L": "sum(a ⊙ a)"}) for name in
       ("identity", "relu", "sigmoid", "tanh", "elu", "gelu", "gelu_tanh", "silu", "softplus", "leaky_relu")},
    "leaky_relu with a slope": ({"x": x, "s": 0.2}, {"a": "leaky_relu(x, s)", "L": "sum(a ⊙ a)"}),
    "softmax of a list": ({"x": x, "w": "[1, 2, 3, 4]"}, {"p": "softmax(x)", "L": "dot(p, w)"}),
    "softmax of rows": ({"X": X, "W": W3}, {"P": "softmax(X)", "Q": "log_softmax(X)", "L": "sum(P ⊙ W) + sum(Q ⊙ W)"}),
    "log_softmax": ({"x": x, "w": "[1, 2, 3, 4]"}, {"p": "log_softmax(x)", "L": "dot(p, w)"}),
    "softmax along an axis": ({"X": X, "W": W3}, {"P": "softmax(X, 0)", "Q": "log_softmax(X, 0)", "R": "softmax(X, 1)",
                                                 "L": "sum(P ⊙ W) + sum(Q ⊙ W) + sum(R ⊙ W)"}),
    "bce": ({"z": x, "y": "[1, 0, 1, 0]"}, {"a": "sigmoid(z)", "L": "bce(a, y)"}),
    **{name: ({"a": x, "y": "[1, 0, 1, 0]"}, {"L": f"{name}(a, y)"}) for name in ("mse", "half_sse", "sse", "l1", "bce_logits")},
    "huber": ({"a": "[0.3, -1.2, 2.7, 0.9]", "y": "[1, 0, 1, 0]"}, {"L": "huber(a, y)"}),
    "hinge": ({"a": x, "y": "[1, -1, 1, -1]"}, {"L": "hinge(a, y)"}),
    "cross_entropy": ({"z": x, "y": ONE_HOT}, {"p": "softmax(z)", "L": "cross_entropy(p, y)"}),
    "multiclass_hinge": ({"a": x, "y": ONE_HOT}, {"L": "multiclass_hinge(a, y)"}),
    "nll": ({"z": x, "y": ONE_HOT}, {"p": "log_softmax(z)", "L": "nll(p, y)"}),
    "cross_entropy_logits": ({"z": x, "y": "[0, 0.5, 0.5, 0]"}, {"L": "cross_entropy_logits(z, y)"}),
    "losses over a batch": ({"Z": X, "Y": "[[0, 0, 1], [1, 0, 0]]"}, {"L": "mse(Z, Y) + nll(Z, Y) + bce_logits(Z, Y)"}),
    "losses of one sample's classes over a batch": ({"Z": X, "Y": "[[0, 0, 1], [1, 0, 0]]", "P": "[[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]"},
                                                    {"L": "cross_entropy_logits(Z, Y) + multiclass_hinge(Z, Y) + cross_entropy(P, Y)"
                                                          " + nll(Z, Y)"}),
    "a target computed from the model": ({"a": x, "u": "[0.5, -1, 2, 0.1]"},
                                         {"t": "sigmoid(u)", "L": "mse(a, t) + bce(t, a ⊙ a / 2) + huber(t, a) + l1(a, t)"}),
    "nll's target gradient": ({"z": x, "y": ONE_HOT, "w": "[1, 2, 3, 4]"},
                              {"p": "log_softmax(z)", "L": "nll(p, y) + dot(y, w) + cross_entropy_logits(z, y)"}),
    "elementary functions": ({"x": "[0.3, 1.2, 0.7, 0.9]", "c": 2.5},
                             {"a": "exp(x) + log(x) + sqrt(x) + ln(c) * x ^ 3 - c ^ c + 2 ^ c * x ^ 0.5 - x / c",
                              "L": "sum(a) + mean(a) + var(a) + std(a) + norm(a) + max(a) * min(a)"}),
    "reductions along an axis": ({"X": X}, {"a": "sum(X, 0)", "b": "mean(X, 1)", "c": "var(X, 0)", "d": "std(X, 1)",
                                            "g": "var_sample(X, 1)", "f": "std_sample(X, 0)",
                                            "L": "sum(a) * 1.5 + dot(b, b) + sum(c) + sum(d ⊙ d) + sum(g) + sum(f)"}),
    "amax and amin": ({"X": X}, {"a": "amax(X, 1)", "b": "amin(X, 0)", "c": "amax(X)", "d": "amin(X)",
                                 "L": "dot(a, a) + sum(b) + c * d"}),
    "max and min entry by entry": ({"x": x, "y": "[0.1, 0.2, -0.3, 1.4]"},
                                   {"a": "max(x, y) + min(x, 0.5) + max(0, x)", "L": "sum(a ⊙ a)"}),
    "argmax": ({"x": x}, {"i": "argmax(x)", "j": "argmax(transpose(x), 1)", "L": "sum(x) * i + sum(j)"}),
    "products": ({"W": X, "v": "[1.0, 2.0, -1.0]", "u": "[0.5, -0.5]"},
                 {"a": "W * v", "b": "u * W", "c": "matmul(W, v)", "d": "outer(u, v)", "h": "transpose(W) * u",
                  "f": "transpose(u) * W * v", "g": "dot(u, u) * norm(v)", "L": "dot(a, c) + sum(b) + sum(d ⊙ W) + sum(h) + f + g"}),
    "entry by entry and broadcasting": ({"A": X, "B": "[[1.5, 2, 3], [0.5, -1, 2]]", "v": "[1, 2, 3]"},
                                        {"C": "A ⊙ B / 2 + A / B - v + B ⊙ v", "D": "C / v + 2 - C",
                                         "L": "sum(D) + sum(A * transpose(B))"}),
    "rows, columns and lists over a matrix": ({"A": X, "r": "[[1, 2, 3]]", "c": "[[1], [2]]", "v": "[0.5, -1]"},
                                              {"B": "A + r - c", "C": "A ⊙ v + r / 2 - v", "L": "sum(B ⊙ C)"}),
    "layer_norm": ({"X": X, "g": "[1, 0.5, 2]", "x": x}, {"Y": "layer_norm(X, 0.00001) ⊙ g", "Z": "layer_norm(X)",
                                                          "y": "layer_norm(x)", "L": "sum(Y ⊙ Y) + sum(Z ⊙ X) + dot(y, x)"}),
    "batch_norm": ({"X": "[[0.3, -1.2], [1.1, 0.4], [0.2, 0.9]]", "W": "[[1, 2], [3, 4], [5, -6]]"},
                   {"Y": "batch_norm(X)", "Z": "batch_norm(X, 0.001)", "L": "sum(Y ⊙ W) + sum(Z ⊙ Z ⊙ W)"}),
    "conv2d": ({"I": "[[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 3, 2, 0]]", "K": "[[0.2, -0.1], [0.3, 0.5]]"},
               {"C": "conv2d(I, K) + conv2d(I, K, 1, 0)", "D": "conv2d(I, K, 2, 1)", "L": "sum(C ⊙ C) + sum(D ⊙ D)"}),
    "conv2d of one row, padded": ({"x": "[[1, 2, 0, 1, 3]]", "k": "[[0.2, -0.1, 0.3]]"},
                                  {"c": "conv2d(x, k, 1, 1)", "L": "sum(c ⊙ c)"}),
    "softmax of a column": ({"z": "[[0.3], [-1.2], [0.7]]", "w": "[[1], [2], [3]]"},
                            {"p": "softmax(z)", "q": "log_softmax(z)", "L": "sum(p ⊙ w) + sum(q ⊙ w)"}),
    "conv1d": ({"x": "[1, 2, 0, 1, 3]", "k": "[0.2, -0.1, 0.3]"},
               {"c": "conv1d(x, k)", "d": "conv1d(x, k, 2, 1)", "L": "dot(c, c) + dot(d, d)"}),
    "pooling": ({"I": "[[1, 2, 0, 1.5], [0.1, 1.1, 3, 2], [2, 1.2, 0.3, 1], [1.7, 3.1, 2.2, 0.4]]"},
                {"P": "max_pool(I)", "Q": "avg_pool(I, 3, 1)", "R": "max_pool(I, 2, 1)", "S": "avg_pool(I)",
                 "L": "sum(P ⊙ P) + sum(Q ⊙ Q) + sum(R) + sum(S ⊙ S)"}),
    "pooling a list": ({"x": "[1, 2, 0.5, 1.5, 3, 0.2]"},
                       {"p": "max_pool(x)", "q": "avg_pool(x, 3, 1)", "L": "dot(p, p) + dot(q, q)"}),
    "attention with a mask": ({"Q": X, "K": "[[0.5, 1, -1], [0.2, 0.1, 0.3], [1, 1, 1]]", "V": "[[1, 2], [3, 4], [5, -6]]",
                               "M": "[[1, 0, 1], [1, 1, 0]]"},
                              {"O": "attention(Q, K, V, M)", "P": "attention(Q, K, V)", "L": "sum(O ⊙ O) + sum(P)"}),
    "rnn_cell": ({"x": "[1.0, 0.5]", "h": "[0.1, -0.2, 0.3]", "Wx": "[[0.5, 0.1], [-0.3, 0.2], [0.4, 0.4]]",
                  "Wh": "[[0.1, 0.4, 0.2], [-0.2, 0.3, 0.1], [0.5, 0.5, -0.5]]", "b": "[0.0, 0.1, -0.1]"},
                 {"h1": "rnn_cell(x, h, Wx, Wh, b)", "h2": "rnn_cell(x, h1, Wx, Wh, b)", "L": "dot(h2, h2)"}),
    "shape operations": ({"X": X, "Y": "[[1, 2, 3]]", "v": "[1, 2]", "w": "[3, 4, 5]"},
                         {"C": "concat(X, Y)", "c": "concat(v, w)", "R": "reshape(X, 3, 2)", "r": "reshape(X, 6)",
                          "i": "index(X, 1, 2)", "j": "index(X, 0)", "S": "slice(C, 1, 3)",
                          "L": "sum(C ⊙ C) + dot(c, c) + sum(R) * i + dot(r, r) + dot(j, j) + sum(S)"}),
    "a name read twice, and a bare name": ({"w": 0.5, "x": 1.5}, {"v": "w", "L": "v * w * x + w"}),
}


@pytest.mark.parametrize("case", list(VOCABULARY), ids=list(VOCABULARY))
def test_each_function_of_the_vocabulary_agrees_with_its_pytorch_counterpart(case: str, tmp_path: Path) -> None:
    givens, definitions = VOCABULARY[case]
    report = oracle(_model(_spec(tmp_path, givens, definitions)))
    assert report.exceeding == () and report.kinks == (), report.largest


def test_every_function_a_formula_may_call_has_a_pytorch_counterpart() -> None:
    # A new row of the vocabulary needs its torch function here too, else the oracle cannot run a model that uses it.
    tables = set(torch_model.ACTIVATIONS) | set(torch_model.LOSSES) | set(torch_model.ELEMENTARY) | set(torch_model.OPERATIONS)
    handled = tables | {"max", "min", "grad", "transpose", "ln"}  # transpose is a node; ln is read as log
    assert set(model_functions()) - handled == set()
    assert {row for row in torch_model.OPERATIONS if row.endswith("_over")} == {
        "sum_over", "mean_over", "var_over", "std_over", "softmax_over", "log_softmax_over"}
    called = " ".join(" ".join(definitions.values()) for _, definitions in VOCABULARY.values())
    untested = {name for name in set(model_functions()) - {"grad", "max", "min"} if f"{name}(" not in called}
    assert untested == set()


def test_a_wrong_torch_function_is_reported_beyond_the_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    # sigmoid off by 1e-9: the neuron's output a is wrong; its gradients, which autograd takes of the same slip,
    # are not (the added constant has derivative 0).
    monkeypatch.setitem(torch_model.ACTIVATIONS, "sigmoid", lambda z: torch.sigmoid(z) + 1e-9)
    report = oracle(_model(ROOT / "examples" / "models" / "neuron.yaml"))
    [wrong] = report.exceeding
    assert (wrong.quantity, wrong.worst) == ("a", ())
    assert wrong.absolute == pytest.approx(1e-9, rel=1e-6) and wrong.scaled > TOLERANCE


def test_a_wrong_torch_layer_corrupts_the_gradients_it_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    # max pooling that picks the smallest entry of each window: the pooled map, the loss and every gradient behind them.
    monkeypatch.setitem(torch_model.OPERATIONS, "max_pool",
                        lambda arguments: -torch.nn.functional.max_pool2d(-arguments[0][None, None], 2, 1)[0, 0])
    report = oracle(_model(ROOT / "examples" / "models" / "conv_pool.yaml"))
    assert [d.quantity for d in report.exceeding] == ["P", "L", "∂L/∂A", "∂L/∂C", "∂L/∂I", "∂L/∂K", "∂L/∂b"]


def test_a_value_of_another_shape_is_infinitely_far_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(torch_model.ACTIVATIONS, "tanh", lambda z: torch.tanh(z).reshape(-1, 1).expand(-1, 2))
    report = oracle(_model(_spec(tmp_path, {"x": "[0.5, 1.5]"}, {"a": "tanh(x)", "L": "sum(a)"})))
    assert "a" in [d.quantity for d in report.exceeding]
    a = next(d for d in report.discrepancies if d.quantity == "a")
    assert (a.entries, a.absolute) == (4, float("inf"))


def test_kinks_of_a_model_are_noted_with_nncheck_s_convention(tmp_path: Path) -> None:
    # z = 0.1 − 0.1 is exactly 0 in floats too: PyTorch's ReLU′(0) is 0, as nncheck's, and the gradients agree.
    relu = oracle(_model(_spec(tmp_path, {"x": "[0.1, 0.2]", "w": "[1, -0.5]"},
                               {"z": "dot(w, x)", "a": "relu(z) + relu(x - 0.1)", "L": "sum(a)"})))
    assert [(k.quantity, k.index, k.activation, k.derivative) for k in relu.kinks] == \
        [("z", (), "relu", Fraction(0)), ("relu's operand in a", (0,), "relu", Fraction(0))]
    assert relu.exceeding == ()
    # 3·0.1 − 0.3 is exactly 0, but 5.6e-17 in floats: PyTorch takes leaky ReLU's slope 1 there, nncheck the
    # slope 0.2 at 0. The gradients differ by design, and the note says where.
    leaky = oracle(_model(_spec(tmp_path, {"x": "[0.1, 0.3]", "w": "[3, -1]"},
                                {"z": "dot(w, x)", "a": "leaky_relu(z, 0.2)", "L": "sum(a)"})))
    assert [(k.quantity, k.activation, k.derivative) for k in leaky.kinks] == [("z", "leaky_relu", Fraction(1, 5))]
    assert {d.quantity for d in leaky.exceeding} == {"∂L/∂z", "∂L/∂x", "∂L/∂w"}
    ties = oracle(_model(_spec(tmp_path, {"x": "[0.1, 0.3]", "y": "[0.1, 0.2]", "X": "[[0.1, 0.3], [0.3, 0.2]]",
                                          "t": "[0.1, 0.25]"},
                               {"a": "max(x, y) + min(0.3, x)", "P": "max_pool(X)", "b": "amax(X)",
                                "L": "sum(a) + sum(P) + b + l1(x, t)"})))
    assert [(k.activation, k.index, k.derivative) for k in ties.kinks] == [
        ("max", (0,), Fraction(1, 2)), ("min", (1,), Fraction(1, 2)), ("max_pool", (0, 0), Fraction(1)),
        ("amax", (), Fraction(1, 2)), ("l1", (0,), Fraction(0))]
    assert ties.exceeding == ()  # the tied values are equal floats too, and PyTorch shares (or sends) as nncheck does


def test_a_long_loop_is_compared_over_its_first_steps(tmp_path: Path) -> None:
    loop = "  updates:\n    w: w - eta * grad(L, w)\n  steps: 250"
    path = _spec(tmp_path, {"w": 0.5, "x": 1.5, "y": 1, "eta": 0.1}, {"yhat": "w * x", "L": "0.5 * (yhat - y) ^ 2"}, loop=loop)
    started = time.perf_counter()
    report = oracle(_model(path))
    assert time.perf_counter() - started < 10
    names = [d.quantity for d in report.discrepancies]
    assert names[-3:] == [f"w@{LOOP_STEPS + 1}", f"yhat@{LOOP_STEPS + 1}", f"L@{LOOP_STEPS + 1}"]
    assert report.exceeding == ()
    [note] = report.notes
    assert note.startswith(f"the loop runs 250 steps; the oracle compared the first {LOOP_STEPS}")
    status, _, err = run_cli("audit", str(path), "--oracle", "torch")
    assert status == 0 and err.splitlines()[-1] == f"note: {note}"


def test_cli_prints_the_model_s_table_on_stderr_after_the_report() -> None:
    circuit = str(ROOT / "examples" / "models" / "circuit.yaml")
    status, out, err = run_cli("audit", circuit, "--oracle", "torch", "--fail-on", "none", "--format", "json")
    assert status == 0
    assert json.loads(out)["summary"]["wrong"] == 1  # standard output stays the report alone
    lines = err.splitlines()
    assert lines[0].startswith("PyTorch 2.") and "in float64 against nncheck's exact values" in lines[0]
    assert [line.split()[0] for line in lines[2:-1]] == ["q", "f", "∂f/∂f", "∂f/∂q", "∂f/∂x", "∂f/∂y", "∂f/∂z"]
    assert lines[-1] == "largest discrepancy: 0 in q; every quantity within the tolerance"


def test_cli_exit_status_follows_the_audit_when_pytorch_agrees() -> None:
    status, _, err = run_cli("audit", str(ROOT / "examples" / "models" / "adam.yaml"), "--oracle", "torch")
    assert status == 1 and err.splitlines()[-1].endswith("every quantity within the tolerance")  # the planted slip


def test_cli_exits_1_when_pytorch_disagrees_beyond_the_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(torch_model.LOSSES, "cross_entropy", lambda a, y: -(y * torch.log(a)).sum() * (1 + 1e-9))
    status, _, err = run_cli("audit", str(ROOT / "examples" / "models" / "softmax.yaml"), "--oracle", "torch",
                             "--fail-on", "none")
    assert status == 1
    assert "quantities exceed the tolerance: L, ∂L/∂p, ∂L/∂z" in err.splitlines()[-1]
    assert "exceeds" in next(line for line in err.splitlines() if line.startswith("L "))


def test_cli_reports_a_formula_pytorch_cannot_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(arguments: Any) -> Any:
        raise RuntimeError("no kernel")

    monkeypatch.setitem(torch_model.OPERATIONS, "attention", broken)
    status, out, err = run_cli("audit", str(ROOT / "examples" / "models" / "attention.yaml"), "--oracle", "torch")
    assert (status, out) == (2, "")
    assert err == "nncheck: error: PyTorch cannot compute O2: no kernel\n"
