"""Specs in the general form (``model:``): givens, definitions and gradients, read and judged as specs are.

Values are computed by hand or with plain math in the tests, never by nncheck.
"""

from __future__ import annotations

import json
import math
import re
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from nncheck.audit import Kind, audit
from nncheck.errors import SpecError
from nncheck.readers.spec import parse_spec
from nncheck.records import ModelSpec

H, C, W = Kind.HOLDS, Kind.CARRIED, Kind.WRONG

CIRCUIT = """nncheck: 1
title: A circuit, f = (x + y) z
model:
  givens: {x: -2, y: 5, z: -4}
  definitions:
    q: x + y
    f: q * z
  gradients: [f]
claims:
  - {quantity: q, value: 3, step: forward}
  - {quantity: f, value: -12, step: forward}
  - {quantity: df/dq, value: -4, step: backward}
  - {quantity: df/dz, value: 4, step: backward}
  - {quantity: df/dx, value: -4, step: backward}
  - {quantity: "∂f/∂y", value: -4, step: backward}
"""


def kinds(text: str) -> dict[str, Kind]:
    return {v.ref: v.kind for v in audit(parse_spec(text, "model.yaml"), diagnose=0).verdicts}


def test_the_circuit_with_a_gradient_on_every_wire() -> None:
    # q = −2 + 5 = 3, f = 3 · (−4) = −12; ∂f/∂q = z = −4, ∂f/∂z = q = 3 (printed 4: wrong), ∂f/∂x = ∂f/∂y = −4.
    assert isinstance(parse_spec(CIRCUIT), ModelSpec)
    assert kinds(CIRCUIT) == {"q": H, "f": H, "df/dq": H, "df/dz": W, "df/dx": H, "∂f/∂y": H}


NEURON = """nncheck: 1
title: A sigmoid neuron, no loss
model:
  givens: {x: 2, w: 0.5, b: 0.1}
  definitions:
    z: w * x + b
    a: sigmoid(z)
  gradients: [a]
claims:
  - {quantity: a, value: 0.7503, step: forward}
  - {quantity: da/dz, value: 0.1874, step: backward}
  - {quantity: da/dw, value: 0.3748, step: backward, uses: {da/dz: 0.1874}}
  - {quantity: da/dx, value: 0.0940, step: backward}
"""


def test_a_neurons_input_gradients_without_a_loss_and_a_carried_value() -> None:
    # z = 1.1, a = σ(1.1) = 0.7502601, ∂a/∂z = a(1 − a) = 0.1873699; ∂a/∂w = 2 · 0.1873699 = 0.3747398, which the
    # printed 0.1874 makes 0.3748 (carried); ∂a/∂x = 0.5 · 0.1873699 = 0.0936849 (0.0937; 0.0940 is wrong).
    a = 1 / (1 + math.exp(-1.1))
    slope = a * (1 - a)
    assert (round(a, 4), round(slope, 4), round(2 * slope, 4), round(0.5 * slope, 4)) == (0.7503, 0.1874, 0.3747, 0.0937)
    assert kinds(NEURON) == {"a": H, "da/dz": H, "da/dw": C, "da/dx": W}


def test_a_weight_used_twice_gets_the_sum_of_its_uses() -> None:
    # f = w x + w² with w = 3, x = 2: ∂f/∂w = x + 2w = 8 (by hand).
    text = """nncheck: 1
title: A shared weight
model:
  givens: {w: 3, x: 2}
  definitions:
    f: w * x + w ^ 2
  gradients: [f]
claims:
  - {quantity: df/dw, value: 8, step: backward}
"""
    assert kinds(text) == {"df/dw": H}


@pytest.mark.parametrize(("model", "message"), [
    ("  givens: {x: 1}\n  definitions:\n    q: x + r\n", "model.yaml:6:12: formula of 'q', 'x + r': unknown name 'r'"),
    ("  givens: {x: 1}\n  definitions:\n    x: x + 1\n", "model.yaml:6:5: name 'x' is already given or defined"),
    ("  givens: {x: 1}\n  definitions:\n    q: x + 1\n  gradients: [x]\n", "gradients: 'x' is a given; a gradient is of a definition"),
    ("  givens: {x: [1, 2]}\n  definitions:\n    q: x * 2\n  gradients: [q]\n", "model.yaml:7:15: gradients: 'q' has shape (2,)"),
    ("  givens: {x: 0}\n  definitions:\n    q: log(x)\n", "model.yaml:6:8: definition 'q' cannot be evaluated: log of 0"),
    ("  givens: {x: [1, 2], v: [1, 2, 3]}\n  definitions:\n    q: dot(x, v)\n", "model.yaml:6:8: definition 'q' cannot be evaluated"),
    ("  givens: {W: [[1, 2], [3]]}\n  definitions:\n    q: sum(W)\n", "row 1 of given W has 1 entries"),
    ("  givens: {sum: 1}\n  definitions:\n    q: sum + 1\n", "name 'sum' is a function or constant"),
])
def test_a_model_that_cannot_be_read_is_refused_with_its_location(model: str, message: str) -> None:
    text = f"nncheck: 1\ntitle: t\nmodel:\n{model}claims: []\n"
    with pytest.raises(SpecError) as raised:
        parse_spec(text, "model.yaml")
    assert message in str(raised.value)


def test_a_spec_needs_exactly_one_of_network_and_model() -> None:
    with pytest.raises(SpecError, match="needs one of network: .* and model:"):
        parse_spec("nncheck: 1\ntitle: t\nclaims: []\n", "model.yaml")
    from tests.helpers import BLOG

    both = BLOG.read_text(encoding="utf-8") + "model:\n  givens: {x: 1}\n  definitions: {q: x}\n"
    with pytest.raises(SpecError, match="gives both network: and model:"):
        parse_spec(both, "model.yaml")


def test_what_follows_from_a_printed_output_is_carried_through_its_derivative() -> None:
    # f = σ(s) with s = 1: σ(1) = 0.7310586, σ′ = f(1 − f) = 0.1966119. The printed f = 0.73 makes 0.73 · 0.27 = 0.1971:
    # carried from f, as in a network's backward pass (the derivative reads f, not s).
    f = 1 / (1 + math.exp(-1))
    assert round(f * (1 - f), 4) == 0.1966 and round(0.73 * 0.27, 4) == 0.1971
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {s: 1}\n  definitions: {f: sigmoid(s)}\n  gradients: [f]\n"
            "claims:\n  - {quantity: f, value: 0.73, step: a}\n  - {quantity: df/ds, value: 0.1971, step: b}\n")
    assert kinds(text) == {"f": H, "df/ds": C}


def test_the_gradient_through_a_sum_has_the_shape_of_its_operand() -> None:
    # f = sum(W x) with W = [[1, 2], [3, 4]], x = [1, 1]: ∂f/∂x = Wᵀ [1, 1] = [4, 6], ∂f/∂W = [[1, 1], [1, 1]] (by hand).
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {W: [[1, 2], [3, 4]], x: [1, 1]}\n  definitions:\n    z: W * x\n"
            "    f: sum(z)\n  gradients: [f]\nclaims:\n  - {quantity: df/dx, value: [4, 6], step: b}\n"
            "  - {quantity: df/dW, value: [[1, 1], [1, 1]], step: b}\n  - {quantity: df/dz, value: [1, 1], step: b}\n")
    assert set(kinds(text).values()) == {H}


def test_a_claim_names_a_quantity_of_the_model() -> None:
    with pytest.raises(SpecError, match="quantity 'r' is not a name of the model; its names: f, q, x, y, z"):
        parse_spec(CIRCUIT.replace("quantity: q,", "quantity: r,"), "model.yaml")
    with pytest.raises(SpecError, match="no gradient of 'q'"):
        parse_spec(CIRCUIT.replace("quantity: df/dq,", "quantity: dq/dx,"), "model.yaml")


def test_a_model_spec_goes_through_the_reports_and_the_site(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    path = tmp_path / "circuit.yaml"
    path.write_text(CIRCUIT, encoding="utf-8")
    status, out, _ = run_cli("audit", str(path), "--format", "json")
    assert status == 1
    data = json.loads(out)
    jsonschema.validate(data, json.loads(files("nncheck.report").joinpath("report-schema.json").read_text()))
    assert [v["verdict"] for v in data["verdicts"]] == ["holds", "holds", "holds", "wrong", "holds", "holds"]
    status, _, err = run_cli("site", str(path), "--out", str(tmp_path / "site"))
    assert status == 0 and err == ""
    assert "it should print **3**" in (tmp_path / "site" / "circuit.md").read_text(encoding="utf-8")


def test_the_oracle_and_the_prover_refuse_a_model_with_a_reason(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    path = tmp_path / "circuit.yaml"
    path.write_text(CIRCUIT, encoding="utf-8")
    status, _, err = run_cli("prove", str(path))
    assert status == 2 and "nncheck prove proves a layered network's backward pass" in err


def _sgd(steps: int) -> list[dict[str, float]]:
    """One weight, ŷ = w x, L = ½(ŷ − y)², w ← w − η ∂L/∂w, in plain floats: each step's w, L and gradients."""
    w, x, y, eta = 0.5, 1.5, 1.0, 0.1
    history = []
    for _ in range(steps):
        error = w * x - y
        history.append({"w": w, "L": 0.5 * error * error, "dL/dw": error * x, "dL/dx": error * w})
        w -= eta * error * x
    history.append({"w": w})
    return history


def loop_spec(steps: int, claims: str) -> str:
    return (f"nncheck: 1\ntitle: SGD\nmodel:\n  givens: {{w: 0.5, x: 1.5, y: 1, eta: 0.1}}\n  definitions:\n"
            f"    yhat: w * x\n    L: 0.5 * (yhat - y) ^ 2\n  gradients: [L]\n  updates:\n    w: w - eta * grad(L, w)\n"
            f"  steps: {steps}\nclaims:\n{claims}")


def test_a_training_loop_names_every_quantity_by_its_step() -> None:
    history = _sgd(2)
    # w@1 = 0.5, L@1 = 0.03125, ∂L/∂w@1 = −0.375, w@2 = 0.5375, L@2 = 0.0187695, ∂L/∂w@2 = −0.290625, w@3 = 0.5665625
    assert (history[1]["w"], round(history[2]["w"], 7)) == (0.5375, 0.5665625)
    claims = ("  - {quantity: L@1, value: 0.03125, step: s}\n  - {quantity: dL/dw@1, value: -0.375, step: s}\n"
              "  - {quantity: w@2, value: 0.5375, step: s}\n  - {quantity: L@2, value: 0.0188, step: s}\n"
              "  - {quantity: dL/dw@2, value: -0.2906, step: s}\n  - {quantity: dL/dx@2, value: -0.1041, step: s}\n"
              "  - {quantity: w@3, value: 0.5676, step: s}\n")  # planted: 0.5666
    assert kinds(loop_spec(2, claims)) == {"L@1": H, "dL/dw@1": H, "w@2": H, "L@2": H, "dL/dw@2": H, "dL/dx@2": H,
                                            "w@3": W}


def test_ten_steps_agree_with_a_plain_loop() -> None:
    history = _sgd(10)
    claims = "".join(f"  - {{quantity: w@{t + 1}, value: {history[t]['w']:.6f}, step: s}}\n" for t in range(11))
    result = audit(parse_spec(loop_spec(10, claims), "loop.yaml"), diagnose=0)
    assert {v.kind for v in result.verdicts} == {H}
    assert abs(float(result.verdicts[-1].exact) - history[10]["w"]) < 1e-9


@pytest.mark.parametrize(("change", "message"), [
    (("    w: w - eta * grad(L, w)", "    q: w - eta * grad(L, w)"), "updates: 'q' is not a given"),
    (("grad(L, w)", "grad(yhat, w)"), "grad(yhat, …) needs 'yhat' listed under gradients (listed: L)"),
    (("grad(L, w)", "grad(2 * L, w)"), "grad(f, x) takes the name of a definition as f, not a formula"),
    (("grad(L, w)", "grad(L, 2 * w)"), "grad(f, x) takes a name as x, not a formula"),
    (("  steps: 2", "  steps: 50000"), "steps=50000: at most 10,000 steps are run"),
    (("  steps: 2\n", ""), "a loop needs both updates: (given: formula) and steps:"),
])
def test_a_loop_that_cannot_be_read_is_refused(change: tuple[str, str], message: str) -> None:
    """Each condition a loop's updates must meet has its own message, located at the update."""
    text = loop_spec(2, "  - {quantity: L@1, value: 0.03125, step: s}\n").replace(*change)
    with pytest.raises(SpecError) as raised:
        parse_spec(text, "loop.yaml")
    assert message in str(raised.value)


def test_a_batch_with_a_mean_loss_and_adam_on_a_vector_of_weights() -> None:
    # Full-batch linear regression, ŷ = X w with X 3×2, L = mean((ŷ − Y)²), Adam on w (entrywise division by
    # √v̂ + ε), three steps; the weights after each step by plain NumPy.
    import numpy as np

    X, Y = np.array([[1.0, 2.0], [2.0, -1.0], [0.0, 1.0]]), np.array([1.0, 0.0, 2.0])
    w, m, v = np.array([0.5, -0.5]), np.zeros(2), np.zeros(2)
    weights = []
    for t in range(1, 4):
        g = 2 * X.T @ (X @ w - Y) / 3
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        weights.append(w)
    text = ("nncheck: 1\ntitle: Adam\nmodel:\n  givens: {w: [0.5, -0.5], m: [0, 0], v: [0, 0], t: 1, "
            "X: [[1, 2], [2, -1], [0, 1]], Y: [1, 0, 2], eta: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8}\n"
            "  definitions:\n    yhat: X * w\n    L: mean((yhat - Y) ^ 2)\n  gradients: [L]\n  updates:\n"
            "    m: beta1 * m + (1 - beta1) * grad(L, w)\n    v: beta2 * v + (1 - beta2) * grad(L, w) ^ 2\n"
            "    w: w - eta * (m / (1 - beta1 ^ t)) / (sqrt(v / (1 - beta2 ^ t)) + eps)\n    t: t + 1\n  steps: 3\n"
            "claims:\n" + "".join(f"  - {{quantity: w@{t + 2}, value: [{a:.6f}, {b:.6f}], step: s}}\n"
                                  for t, (a, b) in enumerate(weights)))
    assert set(kinds(text).values()) == {H}


def test_a_number_times_a_batch_gets_the_summed_gradient() -> None:
    # ŷ = w X + b over X = [1, 2, 3], Y = [2, 3.5, 5], L = mean((ŷ − Y)²) with w = 0.2, b = 0.1:
    # ∂L/∂w = mean(2 (ŷ − Y) X) = −13.7333…, ∂L/∂b = mean(2 (ŷ − Y)) = −6 (by hand).
    residual = [0.2 * x + 0.1 - y for x, y in ((1, 2), (2, 3.5), (3, 5))]
    assert round(sum(2 * r * x for r, x in zip(residual, (1, 2, 3))) / 3, 4) == -13.7333
    text = ("nncheck: 1\ntitle: batch\nmodel:\n  givens: {w: 0.2, b: 0.1, X: [1, 2, 3], Y: [2, 3.5, 5]}\n"
            "  definitions:\n    yhat: w * X + b\n    L: mean((yhat - Y) ^ 2)\n  gradients: [L]\n"
            "claims:\n  - {quantity: dL/dw, value: -13.7333, step: s}\n  - {quantity: dL/db, value: -6.0000, step: s}\n")
    assert kinds(text) == {"dL/dw": H, "dL/db": H}


def test_a_late_claim_that_does_not_hold_in_a_long_loop_is_judged() -> None:
    # w@301 after 300 SGD steps is 2/3 to 10 digits (the plain loop); 0.6664 is wrong. The document's own numbers
    # are recomputed through 300 unstated steps, each weight once (it took time exponential in the steps before).
    history = _sgd(300)
    assert round(history[300]["w"], 6) == 0.666667
    assert kinds(loop_spec(300, "  - {quantity: w@301, value: 0.6664, step: s}\n")) == {"w@301": W}


def _named_optimizer(name: str, settings: dict[str, float], steps: int = 3) -> tuple[list[float], float]:
    """The update rules of torch.optim's documentation, in plain NumPy: logistic regression on three samples, BCE."""
    import numpy as np

    X, y = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]]), np.array([1.0, 0.0, 1.0])
    params = [np.array([0.5, -0.3]), np.array(0.1)]
    state = [{"buf": np.zeros_like(p), "m": np.zeros_like(p), "v": np.zeros_like(p)} for p in params]
    lr, decay = settings["lr"], settings.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(X @ params[0] + params[1])))
        grads = [X.T @ (p - y) / 3, np.sum(p - y) / 3]  # ∂ mean BCE / ∂w, ∂b (by hand: σ′ cancels)
        for i, (param, g) in enumerate(zip(params, grads)):
            s = state[i]
            if name != "adamw":
                g = g + decay * param
            if name == "sgd":
                params[i] = param - lr * g
            elif name in ("momentum", "nesterov"):
                mu = settings.get("momentum", 0.9)
                s["buf"] = mu * s["buf"] + g
                params[i] = param - lr * (s["buf"] if name == "momentum" else g + mu * s["buf"])
            elif name == "rmsprop":
                s["v"] = 0.99 * s["v"] + 0.01 * g * g
                params[i] = param - lr * g / (np.sqrt(s["v"]) + 1e-8)
            else:
                s["m"] = 0.9 * s["m"] + 0.1 * g
                s["v"] = 0.999 * s["v"] + 0.001 * g * g
                shrunk = param - lr * decay * param if name == "adamw" else param
                params[i] = shrunk - lr * (s["m"] / (1 - 0.9**t)) / (np.sqrt(s["v"] / (1 - 0.999**t)) + 1e-8)
    return [float(v) for v in params[0]], float(params[1])


@pytest.mark.parametrize(("name", "settings"), [
    ("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.1, "weight_decay": 0.1}), ("momentum", {"lr": 0.1, "momentum": 0.8}),
    ("nesterov", {"lr": 0.1}), ("rmsprop", {"lr": 0.01}), ("adam", {"lr": 0.1}), ("adam", {"lr": 0.1, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.1}),
], ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_a_named_optimizer_writes_the_update_rules_of_torch_optim(name: str, settings: dict[str, float]) -> None:
    w, b = _named_optimizer(name, settings)
    extra = "".join(f", {key}: {value}" for key, value in settings.items())
    text = (f"nncheck: 1\ntitle: t\nmodel:\n  givens: {{w: [0.5, -0.3], b: 0.1, X: [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], "
            f"y: [1, 0, 1]}}\n  definitions:\n    p: sigmoid(matmul(X, w) + b)\n    L: bce(p, y)\n  gradients: [L]\n"
            f"  optimizer: {{name: {name}, loss: L, parameters: [w, b]{extra}}}\n  steps: 3\nclaims:\n"
            f"  - {{quantity: w@4, value: [{w[0]:.9f}, {w[1]:.9f}], step: s}}\n"
            f"  - {{quantity: b@4, value: {b:.9f}, step: s}}\n"
            f"  - {{quantity: b@4, value: {b + 2e-6:.9f}, step: s, id: off}}\n")
    result = audit(parse_spec(text, "opt.yaml"), diagnose=0)
    found = [(v.ref, v.kind) for v in result.verdicts]
    assert found[:3] == [("w@4[0]", H), ("w@4[1]", H), ("b@4", H)] and found[3][1] in (W, Kind.CONTRADICTION), found


def test_the_definitions_are_evaluated_once_more_after_the_last_update() -> None:
    """The loss after training, L@(steps + 1): w@3 = 0.5666 after two steps, so L@3 = ½(1.5 · 0.5666 − 1)² (by hand)."""
    w = 0.5
    for _ in range(2):
        w -= 0.1 * (w * 1.5 - 1) * 1.5
    after = 0.5 * (w * 1.5 - 1) ** 2
    claims = f"  - {{quantity: L@3, value: {after:.6f}, step: after}}\n  - {{quantity: L@3, value: 0.05, step: after, id: off}}\n"
    result = audit(parse_spec(loop_spec(2, claims), "loop.yaml"), diagnose=0)
    assert [v.kind for v in result.verdicts][0] is H and result.verdicts[1].kind in (W, Kind.CONTRADICTION)


def test_an_update_that_changes_a_given_s_shape_is_refused_at_the_update() -> None:
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {w: [0.5, 0.2], x: [1.5, 1], y: 1, eta: 0.1}\n  definitions:\n"
            "    yhat: dot(w, x)\n    L: 0.5 * (yhat - y) ^ 2\n  gradients: [L]\n  updates:\n"
            "    w: sum(w - eta * grad(L, w))\n  steps: 2\nclaims:\n  - {quantity: L@1, value: 0.03, step: s}\n")
    with pytest.raises(SpecError, match=r"shape.yaml:10:8: update of 'w': the update gives shape \(\); w has shape \(2,\)"):
        parse_spec(text, "shape.yaml")


def test_a_gradient_that_cannot_be_computed_is_named_with_its_formula() -> None:
    """f = √x at x = 0: f is 0, but ∂f/∂x = 1/(2√x) divides by 0 (by hand); the audit names the quantity."""
    from nncheck.audit.judge import EvaluationError

    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {x: 0}\n  definitions:\n    f: sqrt(x)\n  gradients: [f]\n"
            "claims:\n  - {quantity: f, value: 0, step: s}\n")
    with pytest.raises(EvaluationError, match=r"root.yaml:4:3: ∂f/∂x = .* cannot be evaluated: division by exactly zero"):
        audit(parse_spec(text, "root.yaml"))


def _one_claim_audit(givens: str, definitions: str, claims: str, gradients: str = "") -> list[tuple[str, Kind]]:
    text = (f"nncheck: 1\ntitle: t\nmodel:\n  givens: {givens}\n  definitions:\n{definitions}"
            + (f"  gradients: [{gradients}]\n" if gradients else "") + f"claims:\n{claims}")
    return [(v.ref, v.kind) for v in audit(parse_spec(text, "t.yaml"), diagnose=0).verdicts]


def test_a_class_loss_over_a_batch_is_the_mean_over_its_samples() -> None:
    """cross_entropy_logits, nll and cross_entropy of a 2×3 batch: the mean of each row's loss (PyTorch's reduction),
    computed here with plain NumPy; ∂L/∂Z = (softmax(Z) − Y) / 2 row by row."""
    import numpy as np

    Z, Y = np.array([[1.0, 1.2, 0.5], [0.3, -0.2, 0.9]]), np.array([[0, 1, 0], [0, 0, 1]])
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -(Y * log_p).sum(axis=1).mean()
    grad = (np.exp(log_p) - Y) / 2
    claims = (f"  - {{quantity: Lce, value: {loss:.6f}, step: s}}\n  - {{quantity: Lnll, value: {loss:.6f}, step: s}}\n"
              f"  - {{quantity: Lp, value: {loss:.6f}, step: s}}\n"
              f"  - {{quantity: dLce/dZ, value: {[[round(v, 6) for v in row] for row in grad.tolist()]}, step: s}}\n")
    found = _one_claim_audit("{Z: [[1.0, 1.2, 0.5], [0.3, -0.2, 0.9]], Y: [[0, 1, 0], [0, 0, 1]]}",
                             "    Lce: cross_entropy_logits(Z, Y)\n    Lnll: nll(log_softmax(Z), Y)\n"
                             "    Lp: cross_entropy(softmax(Z), Y)\n", claims, "Lce")
    assert {kind for _, kind in found} == {H} and len(found) == 9


def test_a_loss_passes_its_gradient_through_a_computed_target() -> None:
    """L = Σ(tanh w − σ(w))²: ∂L/∂w = 2(tanh w − σ w)(1 − tanh² w − σ(1 − σ)) entry by entry (by hand)."""
    import numpy as np

    w = np.array([0.3, -0.8])
    t, s = np.tanh(w), 1 / (1 + np.exp(-w))
    grad = 2 * (t - s) * ((1 - t * t) - s * (1 - s))
    found = _one_claim_audit("{w: [0.3, -0.8]}", "    L: sse(tanh(w), sigmoid(w))\n",
                             f"  - {{quantity: dL/dw, value: [{grad[0]:.6f}, {grad[1]:.6f}], step: s}}\n", "L")
    assert found == [("dL/dw[0]", H), ("dL/dw[1]", H)]


def test_a_loss_without_a_target_gradient_refuses_a_computed_target() -> None:
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {z: [0.3, -0.8, 0.1]}\n  definitions:\n"
            "    L: multiclass_hinge(z, softmax(z))\n  gradients: [L]\nclaims:\n  - {quantity: L, value: 1, step: s}\n")
    with pytest.raises(SpecError, match="the gradient of multiclass_hinge through its target .* is not taken"):
        parse_spec(text, "t.yaml")


@pytest.mark.parametrize(("bias", "expected"), [
    ("[[0.1], [-0.2]]", [[1.1, 2.1], [2.8, 3.8]]),  # a column: each column (samples in columns)
    ("[[0.1, -0.2]]", [[1.1, 1.8], [3.1, 3.8]]),  # a row: each row (samples in rows)
])
def test_a_row_or_a_column_is_added_to_each_row_or_column(bias: str, expected: list[list[float]]) -> None:
    claims = f"  - {{quantity: Z, value: {expected}, step: s}}\n"
    found = _one_claim_audit(f"{{A: [[1, 2], [3, 4]], b: {bias}}}", "    Z: A + b\n", claims)
    assert {kind for _, kind in found} == {H}


def test_a_list_added_to_a_square_matrix_goes_with_every_row_as_in_numpy() -> None:
    """A + b with A 2×2 and b = [0.1, −0.2]: [[1.1, 1.8], [3.1, 3.8]] (NumPy's broadcasting, by hand)."""
    found = _one_claim_audit("{A: [[1, 2], [3, 4]], b: [0.1, -0.2]}", "    Z: A + b\n",
                             "  - {quantity: Z, value: [[1.1, 1.8], [3.1, 3.8]], step: s}\n")
    assert {kind for _, kind in found} == {H}


def test_a_bias_over_samples_in_columns_gets_the_gradient_summed_along_each_row() -> None:
    """Z = W X + b with X 3×3 (three samples in columns), W 2×3, b a list of 2 (W's rows): ∂(ΣZ)/∂b = [3, 3] (by hand)."""
    found = _one_claim_audit("{W: [[1, 0, 2], [0, 1, 1]], X: [[1, 2, 0], [0, 1, 1], [1, 0, 2]], b: [0.5, -0.5]}",
                             "    Z: W * X + b\n    L: sum(Z)\n", "  - {quantity: dL/db, value: [3, 3], step: s}\n", "L")
    assert found == [("dL/db[0]", H), ("dL/db[1]", H)]


def test_a_loss_of_outputs_and_targets_of_different_sizes_is_refused() -> None:
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {a: [0.5], y: [1, 0]}\n  definitions:\n    L: mse(a, y)\n"
            "claims:\n  - {quantity: L, value: 1, step: s}\n")
    with pytest.raises(SpecError, match="t.yaml:6:8: definition 'L' cannot be evaluated: mse of a list of 1 against a target"):
        parse_spec(text, "t.yaml")


def test_a_given_claimed_with_a_wrong_value_is_wrong() -> None:
    found = _one_claim_audit("{x: -2, y: 5}", "    q: x + y\n",
                             "  - {quantity: x, value: -3, step: s}\n  - {quantity: q, value: 3, step: s}\n")
    assert found == [("x", W), ("q", H)]


@pytest.mark.parametrize(("optimizer", "message"), [
    ("{name: adagrad, lr: 0.1, loss: L, parameters: [w]}", "optimizer name='adagrad' is not known"),
    ("{name: sgd, loss: L, parameters: [w]}", "optimizer sgd needs lr"),
    ("{name: sgd, lr: 0.1, loss: L, parameters: [v]}", "parameter 'v' is not a given"),
    ("{name: sgd, lr: 0.1, loss: L, parameters: [w], beta1: 0.9}", "optimizer sgd takes no beta1"),
    ("{name: adam, lr: 0.1, loss: yhat, parameters: [w]}", "must be listed under gradients"),
    ("{name: sgd, lr: 0.1, parameters: [w]}", "optimizer is missing 'loss'"),
    ("{name: sgd, lr: 0.1, loss: L}", "optimizer is missing 'parameters'"),
    ("{name: sgd, lr: 0.1, loss: L, parameters: [w, w]}", "parameters: 'w' listed twice"),
])
def test_an_optimizer_that_cannot_be_read_is_one_located_problem(optimizer: str, message: str) -> None:
    text = ("nncheck: 1\ntitle: t\nmodel:\n  givens: {w: 0.5, x: 1.5, y: 1}\n  definitions:\n    yhat: w * x\n"
            f"    L: 0.5 * (yhat - y) ^ 2\n  gradients: [L]\n  optimizer: {optimizer}\n  steps: 2\n"
            "claims:\n  - {quantity: L@1, value: 0.03, step: s}\n")
    with pytest.raises(SpecError) as raised:
        parse_spec(text, "opt.yaml")
    assert str(raised.value).count("opt.yaml:") == 1 and message in str(raised.value)


@pytest.mark.parametrize(("quantity", "message"), [
    ("dL/dv", "'v' is not a name of the model"),
    ("dyhat/dw@1", "the model states no gradient of 'yhat' (list 'yhat' under gradients)"),
    ("dL/dw@3", "the loop's gradients of 'L' are taken at steps 1 to 2 (L@3 is its value after the last update)"),
])
def test_a_gradient_that_is_not_a_quantity_says_which_condition_fails(quantity: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_spec(loop_spec(2, f"  - {{quantity: {quantity}, value: 1, step: s}}\n"), "loop.yaml")


def test_the_gradient_of_a_dot_product_written_as_matmul() -> None:
    """g = matmul(u, v) of two lists is uᵀv: ∂g/∂u = v = [1, 2], ∂g/∂v = u = [0.5, −0.5] (by hand)."""
    found = _one_claim_audit("{u: [0.5, -0.5], v: [1.0, 2.0]}", "    g: matmul(u, v)\n",
                             "  - {quantity: g, value: -0.5, step: s}\n  - {quantity: dg/du, value: [1, 2], step: s}\n"
                             "  - {quantity: dg/dv, value: [0.5, -0.5], step: s}\n", "g")
    assert {kind for _, kind in found} == {H} and len(found) == 5


def test_a_loop_is_run_only_as_far_as_its_claims_reach() -> None:
    """Steps after the last claimed one change nothing claimed: 50 steps with claims up to step 3 give the verdicts
    of 3 steps, and their values; the spec keeps its 50 steps (for the oracle and the site)."""
    claims = "  - {quantity: w@3, value: 0.5666, step: s}\n  - {quantity: dL/dw@2, value: -0.290625, step: s}\n"
    long, short = parse_spec(loop_spec(50, claims), "loop.yaml"), parse_spec(loop_spec(3, claims), "loop.yaml")
    assert isinstance(long, ModelSpec) and long.loop is not None and long.loop.steps == 50
    assert long.steps is not None and "w@4" in long.steps and "w@5" not in long.steps
    found = [(v.ref, v.kind, v.exact) for v in audit(long, diagnose=0).verdicts]
    assert found == [(v.ref, v.kind, v.exact) for v in audit(short, diagnose=0).verdicts] and {k for _, k, _ in found} == {H}
