"""Activations and losses, one row each: forward and derivative side by side, for every backend."""

from __future__ import annotations

from typing import Any, cast

from collections.abc import Callable
from dataclasses import dataclass, replace
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


def _constant(backend: Backend, value: Fraction | int) -> Any:
    return backend.constant(Fraction(value))


def _exp_minus_one(backend: Backend, z: Array) -> Array:
    return cast(Array, backend.exp(z) - _constant(backend, 1))


def _elu(backend: Backend, z: Array, p: Parameters) -> Array:
    # α = 1 (PyTorch's default): z for z > 0, eᶻ − 1 otherwise
    return _where_sign(backend, z, z, z, _exp_minus_one(backend, z))


def _elu_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    # 1 for z > 0, eᶻ otherwise; both are 1 at 0 (α = 1), so there is no kink
    return _where_sign(backend, z, _ones(backend, z), _ones(backend, z), backend.exp(z))


def _root_half(backend: Backend) -> Any:
    return backend.sqrt(np.asarray([_constant(backend, Fraction(1, 2))], dtype=backend.DTYPE))[0]


def _gelu(backend: Backend, z: Array, p: Parameters) -> Array:
    # z Φ(z) = z (1 + erf(z / √2)) / 2 (Hendrycks and Gimpel 2016)
    half = _constant(backend, Fraction(1, 2))
    return cast(Array, half * z * (1 + backend.erf(z * _root_half(backend))))


def _gelu_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    # Φ(z) + z φ(z), φ(z) = e^{−z²/2} / √(2π)
    half = _constant(backend, Fraction(1, 2))
    density = backend.exp(-(z * z) * half) * _root_half(backend) / backend.sqrt(np.asarray([backend.pi()], dtype=backend.DTYPE))[0]
    return cast(Array, half * (1 + backend.erf(z * _root_half(backend))) + z * density)


_GELU_CUBIC = Fraction(44715, 1_000_000)  # the tanh form's 0.044715 (Hendrycks and Gimpel 2016; PyTorch approximate="tanh")


def _gelu_tanh_inner(backend: Backend, z: Array) -> tuple[Any, Array]:
    scale = backend.sqrt(np.asarray([2 / backend.pi()], dtype=backend.DTYPE))[0]  # √(2/π)
    return scale, cast(Array, scale * (z + _constant(backend, _GELU_CUBIC) * z * z * z))


def _gelu_tanh(backend: Backend, z: Array, p: Parameters) -> Array:
    _, inner = _gelu_tanh_inner(backend, z)
    return cast(Array, _constant(backend, Fraction(1, 2)) * z * (1 + backend.tanh(inner)))


def _gelu_tanh_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    scale, inner = _gelu_tanh_inner(backend, z)
    t = backend.tanh(inner)
    half = _constant(backend, Fraction(1, 2))
    slope = scale * (1 + 3 * _constant(backend, _GELU_CUBIC) * z * z)
    return cast(Array, half * (1 + t) + half * z * (1 - t * t) * slope)


def _silu(backend: Backend, z: Array, p: Parameters) -> Array:
    return z * _sigmoid(backend, z, p)  # z σ(z), also called swish


def _silu_grad(backend: Backend, z: Array, p: Parameters) -> Array:
    s = _sigmoid(backend, z, p)
    return cast(Array, s * (1 + z * (1 - s)))


def _softplus(backend: Backend, z: Array, p: Parameters) -> Array:
    return backend.log(1 + backend.exp(z))  # log(1 + eᶻ), PyTorch's with β = 1


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
    torch: str = ""  # the PyTorch module it agrees with
    kink: str = ""  # the derivative's convention where it jumps ("" when smooth)


ACTIVATIONS: dict[str, Activation] = {row.name: row for row in (
    Activation("identity", r"z", r"1", lambda B, z, p: z.copy(), lambda B, z, p: _ones(B, z), "z"),
    Activation("relu", r"\max(0, z)", r"[z > 0]", _relu, _relu_grad, "z"),
    Activation("leaky_relu", r"\max(\alpha z, z)", r"[z > 0] + \alpha[z \le 0]", _leaky, _leaky_grad, "z"),
    Activation("sigmoid", r"\frac{1}{1 + e^{-z}}", r"a(1 - a)", _sigmoid, lambda B, a, p: a * (1 - a), "a"),
    Activation("tanh", r"\tanh z", r"1 - a^2", lambda B, z, p: B.tanh(z), lambda B, a, p: 1 - a * a, "a"),
    Activation("softmax", r"\frac{e^{z_i}}{\sum_j e^{z_j}}", r"\operatorname{diag}(a) - a a^\top", _softmax, _softmax_jacobian, "a", jacobian=True),
    Activation("elu", r"z \text{ if } z > 0 \text{ else } e^{z} - 1", r"1 \text{ if } z > 0 \text{ else } e^{z}", _elu, _elu_grad, "z"),
    Activation("gelu", r"z\,\Phi(z)", r"\Phi(z) + z\,\varphi(z)", _gelu, _gelu_grad, "z"),
    Activation("gelu_tanh", r"\tfrac{z}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(z + 0.044715 z^3)\right)\right)",
               r"\tfrac{1}{2}(1 + t) + \tfrac{z}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 0.134145 z^2)", _gelu_tanh, _gelu_tanh_grad, "z"),
    Activation("silu", r"z\,\sigma(z)", r"\sigma(z)\,(1 + z(1 - \sigma(z)))", _silu, _silu_grad, "z"),
    Activation("softplus", r"\log(1 + e^{z})", r"\sigma(z)", _softplus, _sigmoid, "z"),
)}
# The activations a layered network (network:) takes: the rows its diagnosis, proofs and torch oracle cover. The
# general form (model:) takes every row.
LAYER_ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "softmax")
# Each activation's PyTorch module and kink convention, as columns of its row.
_ACTIVATION_COLUMNS = {
    "identity": ("nn.Identity", ""), "relu": ("nn.ReLU", "ReLU′(0) = 0 (PyTorch's; conventions.relu_grad_at_zero)"),
    "leaky_relu": ("nn.LeakyReLU(negative_slope)", "the slope at 0, as PyTorch"), "sigmoid": ("nn.Sigmoid", ""),
    "tanh": ("nn.Tanh", ""), "softmax": ("nn.Softmax(dim=-1)", ""), "elu": ("nn.ELU", "α = 1: no kink"),
    "gelu": ("nn.GELU", ""), "gelu_tanh": ("nn.GELU(approximate='tanh')", ""), "silu": ("nn.SiLU", ""),
    "softplus": ("nn.Softplus", ""),
}
ACTIVATIONS = {name: replace(row, torch=_ACTIVATION_COLUMNS[name][0], kink=_ACTIVATION_COLUMNS[name][1])
               for name, row in ACTIVATIONS.items()}


LossValue = Callable[[Backend, Array, Array], Array]


@dataclass(frozen=True, slots=True)
class Loss:
    name: str
    latex: str
    gradient_latex: str
    value: LossValue  # L(a, y), a 0-d array
    gradient: LossValue  # dL/da, shaped like a
    torch: str = ""  # the PyTorch function it agrees with, for one sample ("mean" reductions divide by the outputs)
    kink: str = ""
    target_gradient: LossValue | None = None  # dL/dy, shaped like y (None: not taken; a target is usually a given)


def _scalar(backend: Backend, total: object) -> Array:
    return np.asarray(total, dtype=backend.DTYPE)


def _exactly_zero(weight: object) -> bool:
    """A coefficient that is exactly 0 on every backend: an exact ball, a float 0.0, SymPy's 0 (not a symbol)."""
    exact = getattr(weight, "exact", weight)
    try:
        return bool(exact == 0) and not getattr(exact, "free_symbols", None)
    except TypeError:
        return False


def _weighted(B: Backend, weight: Array, argument: Array, operation: Callable[[Array], Array]) -> Array:
    """weight · operation(argument), entry by entry, and exactly 0 where the weight is exactly 0, whatever the
    argument: the (1 − y)·log(1 − ŷ) of BCE with y = 1 vanishes though 1 − ŷ is 0 (or, for a printed ŷ = 1.000
    standing for [0.9995, 1.0005], a range across 0)."""
    weight, argument = np.broadcast_arrays(np.asarray(weight, dtype=B.DTYPE), np.asarray(argument, dtype=B.DTYPE))
    live = np.array([not _exactly_zero(w) for w in weight.reshape(-1)], dtype=bool).reshape(weight.shape)
    result = np.asarray(weight * 0, dtype=B.DTYPE).copy()
    if live.any():
        result[live] = weight[live] * operation(argument[live])
    return result


def _bce(B: Backend, a: Array, y: Array) -> Array:
    return _scalar(B, np.sum(-(_weighted(B, y, a, B.log) + _weighted(B, 1 - y, 1 - a, B.log))) / a.size)


def _bce_grad(B: Backend, a: Array, y: Array) -> Array:
    def reciprocal(values: Array) -> Array:
        return cast(Array, 1 / values)

    return cast(Array, (-_weighted(B, y, a, reciprocal) + _weighted(B, 1 - y, 1 - a, reciprocal)) / a.size)


def _abs(B: Backend, d: Array) -> Array:
    return _where_sign(B, d, d, np.zeros_like(d) * d, -d)


def _signs(B: Backend, d: Array) -> Array:
    """sign(d), with sign(0) = 0 (PyTorch's subgradient of |d| at 0)."""
    one, zero = _constant(B, 1), _constant(B, 0)
    return _where_sign(B, d, np.array(one), np.array(zero), np.array(-one)).astype(B.DTYPE)


def _huber(B: Backend, a: Array, y: Array) -> Array:
    # δ = 1 (PyTorch's default), mean: ½ d² where |d| ≤ 1, |d| − ½ beyond
    d = a - y
    size = _abs(B, d)
    half = _constant(B, Fraction(1, 2))
    return _scalar(B, np.sum(_where_sign(B, size - 1, size - half, half * d * d, half * d * d)) / a.size)


def _huber_grad(B: Backend, a: Array, y: Array) -> Array:
    d = a - y
    return cast(Array, _where_sign(B, _abs(B, d) - 1, _signs(B, d), d, d) / a.size)


def _margins(B: Backend, a: Array, y: Array) -> Array:
    """For the multiclass hinge: a_j − a_c + 1 for each class j (y one-hot at the true class c)."""
    return cast(Array, a - np.sum(y * a) + 1)


def _multiclass_hinge(B: Backend, a: Array, y: Array) -> Array:
    # Σ_{j ≠ c} max(0, a_j − a_c + 1) (Weston and Watkins 1999; CS231n's SVM loss): (1 − y_j) leaves out c
    m = _margins(B, a, y)
    return _scalar(B, np.sum((1 - y) * _where_sign(B, m, m, np.zeros_like(m) * m, np.zeros_like(m) * m)))


def _multiclass_hinge_grad(B: Backend, a: Array, y: Array) -> Array:
    one, zero = _constant(B, 1), _constant(B, 0)
    active = _where_sign(B, _margins(B, a, y), np.array(one), np.array(zero), np.array(zero)).astype(B.DTYPE) * (1 - y)
    return cast(Array, active - y * np.sum(active))


def _hinge(B: Backend, a: Array, y: Array) -> Array:
    m = 1 - y * a  # y is −1 or 1
    return _scalar(B, np.sum(_where_sign(B, m, m, np.zeros_like(m) * m, np.zeros_like(m) * m)) / a.size)


def _hinge_grad(B: Backend, a: Array, y: Array) -> Array:
    zero = np.zeros_like(y) * y
    return cast(Array, _where_sign(B, 1 - y * a, -y, zero, zero) / a.size)


def _log_sum_exp(B: Backend, z: Array) -> Any:
    return B.log(np.asarray([np.sum(B.exp(z))], dtype=B.DTYPE))[0]


def _per_sample(function: LossValue, *, value: bool) -> LossValue:
    """A loss of one sample (a list of scores) over a batch, one sample per row of a matrix: the mean of the samples'
    losses (PyTorch's reduction="mean" over the batch), and each row's gradient divided by the batch's size."""
    def batched(B: Backend, a: Array, y: Array) -> Array:
        if a.ndim != 2 or a.shape[0] < 2:
            return function(B, a, y)
        count = _constant(B, a.shape[0])
        parts = [np.asarray(function(B, a[i], y[i]), dtype=B.DTYPE) for i in range(a.shape[0])]
        if value:
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            return _scalar(B, np.asarray(total, dtype=B.DTYPE).reshape(()) / count)
        return cast(Array, np.stack(parts) / count)

    return batched


def _row_wise(row: Loss) -> Loss:
    """``row`` with a batch read as samples (rows), for the losses whose sum runs over one sample's classes."""
    target = row.target_gradient
    return replace(row, value=_per_sample(row.value, value=True), gradient=_per_sample(row.gradient, value=False),
                   target_gradient=None if target is None else _per_sample(target, value=False))


def _negated(gradient: LossValue) -> LossValue:
    """dL/dy of a loss of a − y: minus dL/da."""
    return lambda B, a, y: -gradient(B, a, y)


LOSSES: dict[str, Loss] = {row.name: row for row in (
    Loss("bce", r"-\frac{1}{n}\sum y\log a + (1-y)\log(1-a)", r"\frac{1}{n}\left(\frac{1-y}{1-a} - \frac{y}{a}\right)", _bce, _bce_grad),
    Loss("mse", r"\frac{1}{n}\sum (a - y)^2", r"\frac{2}{n}(a - y)",
         lambda B, a, y: _scalar(B, np.sum((a - y) * (a - y)) / a.size), lambda B, a, y: 2 * (a - y) / a.size),
    Loss("half_sse", r"\frac{1}{2}\sum (a - y)^2", r"a - y",
         lambda B, a, y: _scalar(B, np.sum((a - y) * (a - y)) / 2), lambda B, a, y: a - y),
    Loss("cross_entropy", r"-\sum y \log a", r"-\frac{y}{a}",
         lambda B, a, y: _scalar(B, -np.sum(_weighted(B, y, a, B.log))),
         lambda B, a, y: -_weighted(B, y, a, lambda values: cast(Array, 1 / values))),
    Loss("sse", r"\sum (a - y)^2", r"2(a - y)", lambda B, a, y: _scalar(B, np.sum((a - y) * (a - y))), lambda B, a, y: 2 * (a - y)),
    Loss("l1", r"\frac{1}{n}\sum \lvert a - y \rvert", r"\frac{1}{n}\operatorname{sign}(a - y)",
         lambda B, a, y: _scalar(B, np.sum(_abs(B, a - y)) / a.size), lambda B, a, y: _signs(B, a - y) / a.size),
    Loss("huber", r"\frac{1}{n}\sum \begin{cases}\frac{1}{2}d^2 & \lvert d \rvert \le 1\\ \lvert d \rvert - \frac{1}{2}\end{cases}",
         r"\frac{1}{n}\operatorname{clip}(a - y, -1, 1)", _huber, _huber_grad),
    Loss("hinge", r"\frac{1}{n}\sum \max(0, 1 - y a)", r"-\frac{y}{n}[1 - y a > 0]", _hinge, _hinge_grad),
    Loss("multiclass_hinge", r"\sum_{j \ne c} \max(0, a_j - a_c + 1)", r"[m_j > 0],\ -\sum_j [m_j > 0] \text{ at } c",
         _multiclass_hinge, _multiclass_hinge_grad),
    Loss("nll", r"-\sum y \log p \text{ (a holds } \log p)", r"-y",
         lambda B, a, y: _scalar(B, -np.sum(y * a)), lambda B, a, y: -y + 0 * a),
    Loss("bce_logits", r"\frac{1}{n}\sum \log(1 + e^{z}) - y z", r"\frac{1}{n}(\sigma(z) - y)",
         lambda B, a, y: _scalar(B, np.sum(B.log(1 + B.exp(a)) - y * a) / a.size),
         lambda B, a, y: (1 / (1 + B.exp(-a)) - y) / a.size),
    Loss("cross_entropy_logits", r"\log\sum_j e^{z_j} - \sum y z", r"\operatorname{softmax}(z) - y",
         lambda B, a, y: _scalar(B, _log_sum_exp(B, a) * np.sum(y) - np.sum(y * a)),
         lambda B, a, y: B.exp(a) / np.sum(B.exp(a)) * np.sum(y) - y),
)}
_TARGET_GRADIENTS: dict[str, LossValue] = {
    "bce": lambda B, a, y: (B.log(1 - a) - B.log(a)) / a.size,
    "cross_entropy": lambda B, a, y: -B.log(a) + 0 * y,
    "hinge": lambda B, a, y: _where_sign(B, 1 - y * a, -a, np.zeros_like(a) * a, np.zeros_like(a) * a) / a.size,
    "nll": lambda B, a, y: -a + 0 * y,
    "bce_logits": lambda B, a, y: -a / a.size + 0 * y,
    "cross_entropy_logits": lambda B, a, y: _log_sum_exp(B, a) - a + 0 * y,
}
LOSSES = {name: replace(row, target_gradient=_TARGET_GRADIENTS.get(name) or (
    _negated(row.gradient) if name in ("mse", "half_sse", "sse", "l1", "huber") else None)) for name, row in LOSSES.items()}
# The losses whose sum runs over one sample's classes: over a batch (a matrix), the mean over its rows.
ROW_WISE_LOSSES = ("cross_entropy", "cross_entropy_logits", "nll", "multiclass_hinge")
LOSSES = {name: _row_wise(row) if name in ROW_WISE_LOSSES else row for name, row in LOSSES.items()}
# The losses a layered network takes (see LAYER_ACTIVATIONS).
LAYER_LOSSES = ("bce", "mse", "half_sse", "cross_entropy")
# Each loss's PyTorch function and kink convention, as columns of its row.
_LOSS_COLUMNS = {
    "bce": ("nn.BCELoss()", ""), "mse": ("nn.MSELoss()", ""), "half_sse": ("0.5 * nn.MSELoss(reduction='sum')", ""),
    "cross_entropy": ("-(y * log(a)).sum()", ""), "sse": ("nn.MSELoss(reduction='sum')", ""),
    "l1": ("nn.L1Loss()", "sign(0) = 0"), "huber": ("nn.HuberLoss() (δ = 1)", ""),
    "hinge": ("relu(1 - y * a).mean(), y = ±1", "0 at the hinge"),
    "multiclass_hinge": ("nn.MultiMarginLoss() × classes", "0 at the hinge"),
    "nll": ("nn.NLLLoss() (one-hot y)", ""), "bce_logits": ("nn.BCEWithLogitsLoss()", ""),
    "cross_entropy_logits": ("nn.CrossEntropyLoss() (probability targets)", ""),
}
LOSSES = {name: replace(row, torch=_LOSS_COLUMNS[name][0], kink=_LOSS_COLUMNS[name][1]) for name, row in LOSSES.items()}
