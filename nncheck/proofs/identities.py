"""The identities worked examples lean on, proved in general form with SymPy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sympy

from nncheck.proofs.records import Proof, Status
from nncheck.proofs.symbolic import is_zero

z = sympy.Symbol("z", real=True)
y = sympy.Symbol("y", real=True)


def _sigmoid(value: Any) -> Any:
    return 1 / (1 + sympy.exp(-value))


def _all_zero(*differences: Any) -> Status:
    return Status.PROVED if all(is_zero(d) for d in differences) else Status.NOT_PROVED


def _sigmoid_derivative() -> Status:
    return _all_zero(sympy.diff(_sigmoid(z), z) - _sigmoid(z) * (1 - _sigmoid(z)))


def _tanh_derivative() -> Status:
    return _all_zero(sympy.diff(sympy.tanh(z), z) - (1 - sympy.tanh(z) ** 2))


def _sigmoid_bce() -> Status:
    a = _sigmoid(z)
    loss = -(y * sympy.log(a) + (1 - y) * sympy.log(1 - a))
    return _all_zero(sympy.diff(loss, z) - (a - y))


def _softmax_cross_entropy(n: int = 3) -> Status:
    zs = sympy.symbols(f"z0:{n}", real=True)
    ys = list(sympy.symbols(f"y0:{n - 1}", real=True))
    ys.append(1 - sum(ys))  # targets that sum to 1 (one-hot or a distribution)
    total = sum(sympy.exp(v) for v in zs)
    a = [sympy.exp(v) / total for v in zs]
    loss = -sum(t * sympy.log(p) for t, p in zip(ys, a))
    return _all_zero(*(sympy.diff(loss, zs[i]) - (a[i] - ys[i]) for i in range(n)))


def _linear_layer(rows: int = 2, cols: int = 3) -> tuple[Any, ...]:
    """z = W a + b feeding an arbitrary smooth loss f(z); returns the pieces the chain-rule identities use."""
    W = sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"W_{i}{j}", real=True))
    a = sympy.Matrix(cols, 1, lambda j, _: sympy.Symbol(f"a_{j}", real=True))
    b = sympy.Matrix(rows, 1, lambda i, _: sympy.Symbol(f"b_{i}", real=True))
    zed = W * a + b
    f = sympy.Function("f")
    loss = f(*zed)
    # δ_i = ∂f/∂z_i at z = W a + b, written independently of the weights.
    free = sympy.symbols(f"u0:{rows}", real=True)
    delta = [sympy.diff(f(*free), free[i]).subs(dict(zip(free, zed))) for i in range(rows)]
    return W, a, b, loss, delta


def _weight_gradient() -> Status:
    W, a, _, loss, delta = _linear_layer()
    return _all_zero(*(sympy.diff(loss, W[i, j]) - delta[i] * a[j] for i in range(W.rows) for j in range(W.cols)))


def _bias_gradient() -> Status:
    W, _, b, loss, delta = _linear_layer()
    return _all_zero(*(sympy.diff(loss, b[i]) - delta[i] for i in range(W.rows)))


def _input_gradient() -> Status:
    W, a, _, loss, delta = _linear_layer()
    return _all_zero(*(sympy.diff(loss, a[j]) - sum(W[i, j] * delta[i] for i in range(W.rows)) for j in range(W.cols)))


def identity_proofs() -> Iterator[Proof]:
    general = "general"
    yield Proof("σ′(z) = σ(z)(1 − σ(z))", general, _sigmoid_derivative)
    yield Proof("tanh′(z) = 1 − tanh²(z)", general, _tanh_derivative)
    yield Proof("∂L/∂z = ŷ − y (sigmoid + BCE)", general, _sigmoid_bce)
    yield Proof("∂L/∂z = ŷ − y (softmax + cross-entropy)", "3 classes", _softmax_cross_entropy, note="targets sum to 1")
    yield Proof("∂L/∂W = δ·aᵀ", "2×3 layer, any smooth loss", _weight_gradient)
    yield Proof("∂L/∂b = δ", "2×3 layer, any smooth loss", _bias_gradient)
    yield Proof("∂L/∂a(l−1) = W(l)ᵀ·δ(l)", "2×3 layer, any smooth loss", _input_gradient)
