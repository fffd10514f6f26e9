"""Activations and losses, one row each: forward and derivative side by side, for every backend."""

from __future__ import annotations

from typing import Any, cast

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from nncheck.network.backend import Array, Backend
from nncheck.records import DEFAULT_NEGATIVE_SLOPE, Conventions, Layer


@dataclass(frozen=True, slots=True)
class Parameters:
    """The numbers an activation takes beyond its operand, as the backend's numbers.

    ``negative_slope`` is leaky_relu's slope for negative inputs (PyTorch's default is 0.01);
    ``relu_grad_at_zero`` is the value a document gives ReLU′(0) (PyTorch's is 0).
    """

    negative_slope: Any
    relu_grad_at_zero: Any

    @staticmethod
    def of(backend: Backend, layer: Layer | None = None, conventions: Conventions | None = None) -> Parameters:
        """A layer's parameters under a document's conventions (defaults where either is None)."""
        slope = layer.negative_slope if layer is not None else DEFAULT_NEGATIVE_SLOPE
        at_zero = (conventions or Conventions()).relu_grad_at_zero
        return Parameters(backend.constant(slope), backend.constant(at_zero))


Forward = Callable[[Backend, Array, Parameters], Array]
Derivative = Callable[[Backend, Array, Parameters], Array]


def _where_sign(backend: Backend, values: Array, positive: Array, zero: Array, negative: Array) -> Array:
    """Elementwise: ``positive`` where values > 0, ``negative`` where < 0, ``zero`` at 0 (the backend decides)."""
    shape = values.shape
    return backend.select(values, *(np.broadcast_to(np.asarray(v, dtype=backend.DTYPE), shape) for v in (positive, zero, negative)))


def _ones(backend: Backend, like: Array) -> Array:
    return np.full(like.shape, backend.constant(Fraction(1)), dtype=backend.DTYPE)


def _relu(backend: Backend, z: Array, p: Parameters) -> Array:
    zero = backend.constant(Fraction(0))
    return _where_sign(backend, z, z, np.full(z.shape, zero, dtype=backend.DTYPE), np.full(z.shape, zero, dtype=backend.DTYPE))


def _relu_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    c = backend.constant
    return _where_sign(backend, z, np.array(c(Fraction(1))), np.array(p.relu_grad_at_zero), np.array(c(Fraction(0)))).astype(backend.DTYPE)


def _leaky(backend: Backend, z: Array, p: Parameters) -> Array:
    return _where_sign(backend, z, z, z * p.negative_slope, z * p.negative_slope)


def _leaky_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    # At 0 the slope is used, as PyTorch's leaky_relu backward does (x > 0 ? 1 : slope).
    slope = np.array(p.negative_slope)
    return _where_sign(backend, z, np.array(backend.constant(Fraction(1))), slope, slope).astype(backend.DTYPE)


def _sigmoid(backend: Backend, z: Array, p: Parameters) -> Array:
    return 1 / (1 + backend.exp(-z))


def _softmax(backend: Backend, z: Array, p: Parameters) -> Array:
    e = backend.exp(z - backend.stabilizer(z))
    return cast(Array, e / np.sum(e))


def _softmax_jacobian(backend: Backend, a: Array, p: Parameters) -> Array:
    return np.diag(a) - backend.outer(a, a)


@dataclass(frozen=True, slots=True)
class Activation:
    name: str
    latex: str
    derivative_latex: str
    forward: Forward
    derivative: Derivative
    # Which operand a document computes the derivative from: the input z or the output a.
    derivative_of: str
    # True when the derivative is a Jacobian matrix rather than an elementwise vector.
    jacobian: bool = False


ACTIVATIONS: dict[str, Activation] = {row.name: row for row in (
    Activation("identity", r"z", r"1", lambda B, z, p: z.copy(), lambda B, z, p: _ones(B, z), "z"),
    Activation("relu", r"\max(0, z)", r"[z > 0]", _relu, _relu_grad, "z"),
    Activation("leaky_relu", r"\max(\alpha z, z)", r"[z > 0] + \alpha[z \le 0]", _leaky, _leaky_grad, "z"),
    Activation("sigmoid", r"\frac{1}{1 + e^{-z}}", r"a(1 - a)", _sigmoid, lambda B, a, p: a * (1 - a), "a"),
    Activation("tanh", r"\tanh z", r"1 - a^2", lambda B, z, p: B.tanh(z), lambda B, a, p: 1 - a * a, "a"),
    Activation("softmax", r"\frac{e^{z_i}}{\sum_j e^{z_j}}", r"\operatorname{diag}(a) - a a^\top", _softmax, _softmax_jacobian, "a", jacobian=True),
)}


LossValue = Callable[[Backend, Array, Array], Array]


@dataclass(frozen=True, slots=True)
class Loss:
    name: str
    latex: str
    gradient_latex: str
    value: LossValue  # L(a, y), a 0-d array
    gradient: LossValue  # dL/da, shaped like a


def _scalar(backend: Backend, total: object) -> Array:
    return np.asarray(total, dtype=backend.DTYPE)


def _bce(B: Backend, a: Array, y: Array) -> Array:
    return _scalar(B, np.sum(-(y * B.log(a) + (1 - y) * B.log(1 - a))) / a.size)


def _bce_grad(B: Backend, a: Array, y: Array) -> Array:
    return cast(Array, (-(y / a) + (1 - y) / (1 - a)) / a.size)


LOSSES: dict[str, Loss] = {row.name: row for row in (
    Loss("bce", r"-\frac{1}{n}\sum y\log a + (1-y)\log(1-a)", r"\frac{1}{n}\left(\frac{1-y}{1-a} - \frac{y}{a}\right)", _bce, _bce_grad),
    Loss("mse", r"\frac{1}{n}\sum (a - y)^2", r"\frac{2}{n}(a - y)",
         lambda B, a, y: _scalar(B, np.sum((a - y) * (a - y)) / a.size), lambda B, a, y: 2 * (a - y) / a.size),
    Loss("half_sse", r"\frac{1}{2}\sum (a - y)^2", r"a - y",
         lambda B, a, y: _scalar(B, np.sum((a - y) * (a - y)) / 2), lambda B, a, y: a - y),
    Loss("cross_entropy", r"-\sum y \log a", r"-\frac{y}{a}",
         lambda B, a, y: _scalar(B, -np.sum(y * B.log(a))), lambda B, a, y: -(y / a)),
)}
