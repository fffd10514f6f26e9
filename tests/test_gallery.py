"""The gallery of worked examples in the general form (examples/models/): each computed here with plain math, each
with one planted slip that the audit must flag, every other number holding."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

import pytest

from nncheck.audit import Kind, audit
from nncheck.readers import read

GALLERY = Path(__file__).resolve().parent.parent / "examples" / "models"
H, W = Kind.HOLDS, Kind.WRONG


def _neuron() -> dict[str, list[float]]:
    x, w, b = (1.5, -0.5), (0.4, 0.8), 0.1
    z = w[0] * x[0] + w[1] * x[1] + b
    a = 1 / (1 + math.exp(-z))
    slope = a * (1 - a)
    return {"z": [z], "a": [a], "da/dz": [slope], "da/dw": [slope * v for v in x], "da/dx": [slope * v for v in w],
            "da/db": [slope]}


def _softmax() -> dict[str, list[float]]:
    z, y = (2.0, 1.0, 0.1), (1, 0, 0)
    total = sum(math.exp(v) for v in z)
    p = [math.exp(v) / total for v in z]
    return {"p": p, "L": [-math.log(p[0])], "dL/dz": [pi - yi for pi, yi in zip(p, y)]}


def _circuit() -> dict[str, list[float]]:
    x, y, z = -2, 5, -4
    return {"q": [x + y], "f": [(x + y) * z], "df/dq": [z], "df/dz": [x + y], "df/dx": [z], "df/dy": [z]}


def _momentum() -> dict[str, list[float]]:
    """v ← β v + ∂L/∂w, then w ← w − η v, with L = ½(w x − y)²: each quantity by its step (w@1 is the given)."""
    w, v, x, y, eta, beta = 0.5, 0.0, 1.5, 1.0, 0.1, 0.9
    values: dict[str, list[float]] = {}
    for step in range(1, 5):
        g = (w * x - y) * x
        values[f"dL/dw@{step}"] = [g]
        v = beta * v + g
        w = w - eta * v
        values[f"v@{step + 1}"], values[f"w@{step + 1}"] = [v], [w]
    return values


def _adam() -> dict[str, list[float]]:
    """Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8, η = 0.1, bias-corrected) on the same loss."""
    w, m, s, x, y = 0.5, 0.0, 0.0, 1.5, 1.0
    values: dict[str, list[float]] = {}
    for t in range(1, 4):
        g = (w * x - y) * x
        values[f"dL/dw@{t}"] = [g]
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w = w - 0.1 * (m / (1 - 0.9**t)) / (math.sqrt(s / (1 - 0.999**t)) + 1e-8)
        values[f"m@{t + 1}"], values[f"w@{t + 1}"] = [m], [w]
    return values


def _two_two_two() -> dict[str, list[float]]:
    """The 2-2-2 logistic network with shared biases b1, b2, half-SSE per output, two SGD steps of the weights."""
    w = {"w1": .15, "w2": .2, "w3": .25, "w4": .3, "w5": .4, "w6": .45, "w7": .5, "w8": .55}
    b1, b2, i1, i2, t1, t2, eta = .35, .6, .05, .1, .01, .99, .5

    def sigmoid(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    values: dict[str, list[float]] = {}
    for step in (1, 2):
        h1, h2 = sigmoid(w["w1"] * i1 + w["w2"] * i2 + b1), sigmoid(w["w3"] * i1 + w["w4"] * i2 + b1)
        o1, o2 = sigmoid(w["w5"] * h1 + w["w6"] * h2 + b2), sigmoid(w["w7"] * h1 + w["w8"] * h2 + b2)
        d1, d2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
        dh1, dh2 = (d1 * w["w5"] + d2 * w["w7"]) * h1 * (1 - h1), (d1 * w["w6"] + d2 * w["w8"]) * h2 * (1 - h2)
        grads = {"w1": dh1 * i1, "w2": dh1 * i2, "w3": dh2 * i1, "w4": dh2 * i2,
                 "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2}
        values |= {f"h1@{step}": [h1], f"o1@{step}": [o1], f"E@{step}": [0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2],
                   f"dE/dw5@{step}": [grads["w5"]], f"dE/db1@{step}": [dh1 + dh2]}
        w = {name: value - eta * grads[name] for name, value in w.items()}
        values |= {f"{name}@{step + 1}": [value] for name, value in w.items()}
    return values


def _batch() -> dict[str, Any]:
    """Full-batch gradient descent on MSE: ∂L/∂w = (2/n) Xᵀ(ŷ − y), ∂L/∂b = (2/n) Σ(ŷ − y), two epochs."""
    X, y = np.array([[1.0, 2.0], [2.0, 0.5], [3.0, 1.5]]), np.array([3.0, 2.5, 5.0])
    w, b, eta = np.array([0.5, -0.2]), 0.1, 0.05
    values: dict[str, Any] = {}
    for epoch in (1, 2):
        yhat = X @ w + b
        gw, gb = 2 / 3 * X.T @ (yhat - y), 2 / 3 * np.sum(yhat - y)
        values |= {f"yhat@{epoch}": yhat, f"L@{epoch}": np.mean((yhat - y) ** 2), f"dL/dw@{epoch}": gw, f"dL/db@{epoch}": gb}
        w, b = w - eta * gw, b - eta * gb
        values |= {f"w@{epoch + 1}": w, f"b@{epoch + 1}": b}
    return values


def _conv_pool() -> dict[str, Any]:
    """The valid cross-correlation by loops, ReLU, 2×2 max pooling with stride 1; L = mean of the pooled map, and
    its gradient by routing each window's 1/4 to its largest entry, then through ReLU and the kernel's windows."""
    image = np.array([[1, 2, 0, 1, 3], [0, 1, 3, 2, 1], [2, 1, 0, 1, 0], [1, 3, 2, 0, 2], [0, 1, 1, 2, 1]], dtype=float)
    kernel = np.array([[0.2, -0.1, 0.3], [0.0, 0.5, -0.4], [0.1, 0.2, -0.3]])
    C = np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(3)] for i in range(3)]) + 0.1
    A = np.maximum(C, 0)
    P = np.array([[A[i:i + 2, j:j + 2].max() for j in range(2)] for i in range(2)])
    dA = np.zeros_like(A)
    for i in range(2):
        for j in range(2):
            r, c = np.unravel_index(np.argmax(A[i:i + 2, j:j + 2]), (2, 2))
            dA[i + r, j + c] += 0.25
    dC = dA * (C > 0)
    dK = sum(dC[i, j] * image[i:i + 3, j:j + 3] for i in range(3) for j in range(3))
    return {"C": C, "A": A, "P": P, "L": P.mean(), "dL/dK": dK, "dL/db": dC.sum()}


def _attention() -> dict[str, Any]:
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    Q, K, V = X @ np.array([[0.5, 0.1], [0.2, 0.4]]), X @ np.array([[0.3, 0.2], [0.1, 0.6]]), X @ np.array([[1.0, 0.5], [0.5, 1.0]])
    S = Q @ K.T / math.sqrt(2)
    A = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    return {"Q": Q, "K": K, "S": S, "A": A, "O": A @ V, "O2": A @ V}


def _layer_norm() -> dict[str, Any]:
    X = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, -1.0, 0.5, 0.5], [0.1, 0.2, 0.3, 1.4]])
    mu = X.mean(axis=1)
    var = ((X - mu[:, None]) ** 2).mean(axis=1)
    Xhat = (X - mu[:, None]) / np.sqrt(var[:, None] + 1e-5)
    return {"mu": mu, "sigma2": var, "Xhat": Xhat, "Y": Xhat * np.array([1.0, 0.5, 2.0, 1.0]) + np.array([0.0, 0.1, 0.0, -0.1])}


def _rnn() -> dict[str, Any]:
    """h_t = tanh(W_x x_t + W_h h_{t−1} + b); backpropagation through time by hand, δ_t = (∂L/∂h_t) ⊙ (1 − h_t²)."""
    xs, Wx, Wh = [1.0, 0.5, -1.0], np.array([0.5, -0.3]), np.array([[0.1, 0.4], [-0.2, 0.3]])
    b, wy, y = np.array([0.0, 0.1]), np.array([1.0, -1.0]), 0.5
    hs = [np.zeros(2)]
    for x in xs:
        hs.append(np.tanh(Wx * x + Wh @ hs[-1] + b))
    yhat = wy @ hs[3]
    dh = {3: (yhat - y) * wy}
    dWh, dWx, db = np.zeros((2, 2)), np.zeros(2), np.zeros(2)
    for t in (3, 2, 1):
        delta = dh[t] * (1 - hs[t] ** 2)
        dWh, dWx, db = dWh + np.outer(delta, hs[t - 1]), dWx + delta * xs[t - 1], db + delta
        dh[t - 1] = Wh.T @ delta
    return {"h1": hs[1], "h2": hs[2], "h3": hs[3], "yhat": yhat, "L": 0.5 * (yhat - y) ** 2, "dL/dh3": dh[3],
            "dL/dh2": dh[2], "dL/dh1": dh[1], "dL/dWh": dWh, "dL/dWx": dWx.reshape(2, 1), "dL/db": db}


# Each example: its values (by plain math), and the planted slip's id.
EXAMPLES = {"circuit.yaml": (_circuit, "df/dz"), "neuron.yaml": (_neuron, "da/dx[1]"), "softmax.yaml": (_softmax, "dL/dz[0]"),
            "momentum.yaml": (_momentum, "v@5"), "adam.yaml": (_adam, "w@3"), "two_two_two.yaml": (_two_two_two, "w6@3"),
            "batch.yaml": (_batch, "L@2"), "conv_pool.yaml": (_conv_pool, "C[1,1]"), "attention.yaml": (_attention, "A[1,1]"),
            "layer_norm.yaml": (_layer_norm, "sigma2[2]"), "rnn.yaml": (_rnn, "dL/dWh[1,0]")}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_flags_its_planted_slip_and_nothing_else(name: str) -> None:
    values, planted = EXAMPLES[name]
    result = audit(read(str(GALLERY / name)), diagnose=0)
    assert {v.ref: v.kind for v in result.verdicts if v.kind is not H} == {planted: W}
    expected = values()
    for verdict in result.verdicts:  # the true values nncheck shows agree with the plain-math ones
        base, _, index = verdict.ref.partition("[")
        array = np.asarray(expected[base], dtype=float)
        true = array[tuple(int(i) for i in index.rstrip("]").split(","))] if index else array.reshape(-1)[0]
        assert abs(float(verdict.exact) - true) < 1e-6, (verdict.ref, verdict.exact, true)


def test_every_example_is_in_the_gallery() -> None:
    assert sorted(path.name for path in GALLERY.glob("*.yaml")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_is_valid_for_the_schema(name: str) -> None:
    import json

    from jsonschema import Draft7Validator
    from ruamel.yaml import YAML

    root = GALLERY.parent.parent
    schema = json.loads((root / "nncheck" / "readers" / "spec" / "schema.json").read_text(encoding="utf-8"))
    data = YAML(typ="safe", pure=True).load((GALLERY / name).read_text(encoding="utf-8"))
    assert [error.message for error in Draft7Validator(schema).iter_errors(data)] == []
