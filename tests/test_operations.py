"""The general form's tensor operations, layers, activations and losses, each checked two ways on drawn inputs.

Every row of nncheck.expr.operations (OPERATIONS and VJPS) and of nncheck.network.rules (ACTIVATIONS and LOSSES)
has a case here: a strategy drawing a formula that calls it, small exact decimal inputs, and a NumPy float64
reference written in this file (convolution and pooling by loops, attention and the norms by their formulas).

* Reverse mode (graph.gradient on the ball backend) against central differences of graph.values on the ball
  backend at 256 bits, for L = sum(op(...) ⊙ R) with a drawn weighting R of the output.
* The ball backend's value encloses the NumPy reference (up to float64 rounding), and the float backend's value
  agrees with the ball's.

Inputs on which these properties once found nncheck wrong are kept at the end as regression tests (each says
input, expected and what was found).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.expr import parse_expression
from nncheck.expr.operations import DEFAULT_EPS, OPERATIONS, VJPS
from nncheck.network import ball, floating, graph
from nncheck.network.ball import Real
from nncheck.network.rules import ACTIVATIONS, LOSSES
from nncheck.records import Definition, Graph

# ---- the comparisons and where their numbers come from ----------------------------------------------------

# Central differences: (L(x + h) − L(x − h)) / 2h − ∂L/∂x = h²/6 · ∂³L/∂x³ at some point within h of x (Taylor
# with the Lagrange remainder), so with h = 2^-40 the truncation error is 1.4·10⁻²⁵ · |∂³L/∂x³|. Inputs here are
# at most 2 in size, R at most 1, outputs at most 16 entries, and everything that divides is bounded below: σ ≥
# KINK_MARGIN for std (∂³σ ~ 1/σ²), √(σ² + ε) ≥ √(10⁻⁵) for the norms (∂³ ~ (σ² + ε)^-3/2 ≈ 3·10⁷), a and 1 − a
# ≥ 0.01 under a log (∂³ log a = 2/a³ ≤ 2·10⁶); exp, tanh, erf and softmax of inputs this small have modest
# derivatives; and a kink (max, |·|, a hinge) is at least KINK_MARGIN ≫ h away, so no difference straddles one.
# Hence |∂³L/∂x³| < 10¹⁰ and the truncation error is below 1.4·10⁻¹⁵ (observed: at most ~10⁻²⁰, for the norms);
# the 256-bit rounding (a radius ~2⁻²⁵⁰ divided by 2h) is negligible. GRADIENT_TOLERANCE sits six orders of
# magnitude above that bound (it would take |∂³L/∂x³| > 7·10¹⁵ to false-alarm) and still fails on any real slip: a
# wrong term or factor moves a gradient of these inputs by far more than 10⁻⁹ (a 0.1 % error is caught). Where both
# sides are exact rationals the function is a polynomial of degree ≤ 2 along the entry (sums, products, variances,
# convolutions, the pieces of max, |·|, huber), whose central difference has no truncation error: then they must
# be equal exactly.
STEP = Fraction(1, 2**40)
DIFFERENCE_BITS = 256
GRADIENT_TOLERANCE = 1e-9
# Draws nearer than this to a kink (a tie in a max, a margin at a hinge, σ = 0 for std) are skipped.
KINK_MARGIN = 1e-3
# Working precision of the values compared (the audits' first rung).
BITS = 128
# The ball's midpoint against the NumPy float64 reference: the reference's own rounding over the few dozen
# operations of these small inputs (condition numbers below 10³ here) stays far below 10⁻¹²·(1 + |value|).
ENCLOSURE_SLACK = 1e-12
# The float backend against the ball's value: float64 over the same few dozen operations.
FLOAT_TOLERANCE = 1e-9
# Examples per case and property: the profile's (tests/conftest.py), 40 by default, 1,000 in 'thorough'.
EXAMPLES = settings.default.max_examples

# ---- tallies for the terminal summary ---------------------------------------------------------------------

TABLES: dict[str, tuple[str, ...]] = {
    "operations": tuple(OPERATIONS), "VJPs": tuple(VJPS), "activations": tuple(ACTIVATIONS), "losses": tuple(LOSSES),
}
TALLY: dict[str, dict[str, Any]] = {
    f"{prop} {table}": {"tried": set(), "agreed": set(), "draws": 0}
    for prop in ("gradient", "backends") for table in TABLES
}


def _table(name: str) -> str:
    return next(table for table, names in TABLES.items() if name in names)


class _Summary:
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for table in TABLES:
            tally = TALLY[f"gradient {table}"]
            if tally["tried"]:
                terminalreporter.write_line(
                    f"nncheck operations: {len(tally['agreed'])} of {len(tally['tried'])} {table}' gradients agree with "
                    f"{DIFFERENCE_BITS}-bit central differences over {tally['draws']} draws")
        for table in TABLES:
            tally = TALLY[f"backends {table}"]
            if tally["tried"]:
                terminalreporter.write_line(
                    f"nncheck operations: {len(tally['agreed'])} of {len(tally['tried'])} {table}' ball values enclose "
                    f"NumPy float64 and the float backend agrees within {FLOAT_TOLERANCE:g}, over {tally['draws']} draws")


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("nncheck-operations-summary"):
        manager.register(_Summary(), "nncheck-operations-summary")


# ---- drawn instances --------------------------------------------------------------------------------------

Reference = Callable[[dict[str, np.ndarray]], Any]


@dataclass(frozen=True)
class Instance:
    """A formula calling the function under test, its givens (exact), which of them get a gradient, and NumPy's value."""

    formula: str
    givens: dict[str, np.ndarray]
    wrt: tuple[str, ...]
    reference: Reference  # the value in float64, from the givens as floats
    kink: float = math.inf  # how far the draw is from the nearest kink


@st.composite
def _array(draw: st.DrawFn, shape: tuple[int, ...], low: Fraction | int = -1, high: Fraction | int = 1) -> np.ndarray:
    """Decimals of one or two digits after the point, in [low, high], as an object array of Fractions."""
    size = int(np.prod(shape))
    entries = draw(st.lists(nst.decimals(low, high, 2), min_size=size, max_size=size))
    return np.array(entries, dtype=object).reshape(shape)


def _shape(draw: st.DrawFn, rows: tuple[int, int] = (1, 4), columns: tuple[int, int] = (1, 4),
           length: tuple[int, int] = (1, 5)) -> tuple[int, ...]:
    """A list's or a matrix's shape."""
    if draw(st.booleans()):
        return (draw(st.integers(*rows)), draw(st.integers(*columns)))
    return (draw(st.integers(*length)),)


def _lines(array: np.ndarray, axis: int | None) -> list[list[Any]]:
    """The entries each result of a reduction over ``axis`` reads."""
    if axis is None:
        return [list(array.reshape(-1))]
    moved = np.moveaxis(array, axis, -1)
    return [list(row) for row in moved.reshape(-1, array.shape[axis])]


def _top_gap(entries: list[Any], larger: bool = True) -> float:
    """The distance between the best entry and the runner-up: where a max (or min) has a kink."""
    ordered = sorted(entries, reverse=larger)
    return float(abs(ordered[0] - ordered[1])) if len(ordered) > 1 else math.inf


def _exact_variance(entries: list[Fraction], ddof: int) -> Fraction:
    mean = sum(entries, Fraction(0)) / len(entries)
    return sum(((e - mean) ** 2 for e in entries), Fraction(0)) / (len(entries) - ddof)


# -- reductions ---------------------------------------------------------------------------------------------

@st.composite
def _reduction(draw: st.DrawFn, function: str, axes: tuple[int | None, ...], kind: str, ddof: int = 0) -> Instance:
    shape = _shape(draw)
    axis = draw(st.sampled_from([a for a in axes if a is None or a < len(shape)]))
    X = draw(_array(shape))
    lines = _lines(X, axis)
    assume(len(lines[0]) > ddof)  # a sample variance needs two values
    formula = f"{function}(X)" if axis is None else f"{function}(X, {axis})"
    numpy_function = {"sum": np.sum, "mean": np.mean, "var": np.var, "std": np.std}[kind]
    options = {"ddof": ddof} if kind in ("var", "std") else {}
    kink = min(math.sqrt(_exact_variance(line, ddof)) for line in lines) if kind == "std" else math.inf
    return Instance(formula, {"X": X}, ("X",), lambda g: numpy_function(g["X"], axis=axis, **options), kink)


@st.composite
def _extreme(draw: st.DrawFn, function: str, with_axis: bool = True) -> Instance:
    shape = _shape(draw)
    axis = draw(st.sampled_from([None, 0, 1][:len(shape) + 1])) if with_axis else None
    X = draw(_array(shape))
    formula = f"{function}(X)" if axis is None else f"{function}(X, {axis})"
    larger = function != "amin" and function != "min"
    numpy_function = {"amax": np.max, "max": np.max, "amin": np.min, "min": np.min, "argmax": np.argmax}[function]
    kink = min(_top_gap(line, larger) for line in _lines(X, axis))
    return Instance(formula, {"X": X}, ("X",), lambda g: numpy_function(g["X"], axis=axis), kink)


@st.composite
def _pairwise(draw: st.DrawFn, function: str) -> Instance:
    """max(X, Y) / min(X, Y) entry by entry, Y of X's shape or a number (its gradient summed)."""
    shape = _shape(draw)
    X = draw(_array(shape))
    Y = draw(_array(shape if draw(st.booleans()) else ()))
    numpy_function = np.maximum if function == "max" else np.minimum
    kink = float(np.min(np.abs(np.vectorize(float)(X - Y))))
    # A number with anything takes the other's shape, and a list of one is a number (nncheck's Evaluator.aligned)
    shape = Y.shape if X.size == 1 else X.shape
    return Instance(f"{function}(X, Y)", {"X": X, "Y": Y}, ("X", "Y"),
                    lambda g: numpy_function(g["X"], g["Y"]).reshape(shape), kink)


# -- normalisation ------------------------------------------------------------------------------------------

def _normalised(X: np.ndarray, axis: int, eps: float) -> np.ndarray:
    centred = X - X.mean(axis=axis, keepdims=True)
    return centred / np.sqrt((centred**2).mean(axis=axis, keepdims=True) + eps)


EPSILONS = st.sampled_from([None, "0.01", "0.1", "1", "0.00001"])


@st.composite
def _layer_norm(draw: st.DrawFn) -> Instance:
    X = draw(_array(_shape(draw, rows=(1, 3))))
    eps = draw(EPSILONS)
    value = float(DEFAULT_EPS) if eps is None else float(eps)
    formula = "layer_norm(X)" if eps is None else f"layer_norm(X, {eps})"
    return Instance(formula, {"X": X}, ("X",), lambda g: _normalised(g["X"], -1, value))


@st.composite
def _batch_norm(draw: st.DrawFn) -> Instance:
    X = draw(_array((draw(st.integers(1, 4)), draw(st.integers(1, 3)))))
    eps = draw(EPSILONS)
    value = float(DEFAULT_EPS) if eps is None else float(eps)
    formula = "batch_norm(X)" if eps is None else f"batch_norm(X, {eps})"
    return Instance(formula, {"X": X}, ("X",), lambda g: _normalised(g["X"], 0, value))


# -- convolution and pooling --------------------------------------------------------------------------------

def _correlate(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Cross-correlation with zero padding (torch.nn.functional.conv2d / conv1d), by loops."""
    padded = np.pad(image, padding)
    if image.ndim == 1:
        count = (padded.size - kernel.size) // stride + 1
        return np.array([np.sum(padded[i * stride:i * stride + kernel.size] * kernel) for i in range(count)])
    rows = (padded.shape[0] - kernel.shape[0]) // stride + 1
    columns = (padded.shape[1] - kernel.shape[1]) // stride + 1
    result = np.empty((rows, columns))
    for i in range(rows):
        for j in range(columns):
            window = padded[i * stride:i * stride + kernel.shape[0], j * stride:j * stride + kernel.shape[1]]
            result[i, j] = np.sum(window * kernel)
    return result


def _convolution_formula(draw: st.DrawFn, function: str, stride: int, padding: int) -> str:
    forms = [f"{function}(I, K, {stride}, {padding})"]
    if padding == 0:
        forms.append(f"{function}(I, K, {stride})")
        if stride == 1:
            forms.append(f"{function}(I, K)")
    return draw(st.sampled_from(forms))


@st.composite
def _conv2d(draw: st.DrawFn) -> Instance:
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    image = (draw(st.integers(max(1, kernel[0] - 2 * padding), 5)), draw(st.integers(max(1, kernel[1] - 2 * padding), 5)))
    I, K = draw(_array(image)), draw(_array(kernel))
    return Instance(_convolution_formula(draw, "conv2d", stride, padding), {"I": I, "K": K}, ("I", "K"),
                    lambda g: _correlate(g["I"], g["K"], stride, padding))


@st.composite
def _conv1d(draw: st.DrawFn) -> Instance:
    stride, padding, width = draw(st.integers(1, 2)), draw(st.integers(0, 1)), draw(st.integers(1, 3))
    I, K = draw(_array((draw(st.integers(max(1, width - 2 * padding), 6)),))), draw(_array((width,)))
    return Instance(_convolution_formula(draw, "conv1d", stride, padding), {"I": I, "K": K}, ("I", "K"),
                    lambda g: _correlate(g["I"], g["K"], stride, padding))


def _pooled(image: np.ndarray, size: int, stride: int, reduce: Callable[[np.ndarray], Any]) -> np.ndarray:
    """Windows of size × size (of size along a list) moved by stride, the last that does not fit dropped, by loops."""
    if image.ndim == 1:
        return np.array([reduce(image[j * stride:j * stride + size]) for j in range((image.size - size) // stride + 1)])
    rows, columns = ((n - size) // stride + 1 for n in image.shape)
    result = np.empty((rows, columns))
    for i in range(rows):
        for j in range(columns):
            result[i, j] = reduce(image[i * stride:i * stride + size, j * stride:j * stride + size])
    return result


def _windows(image: np.ndarray, size: int, stride: int) -> list[list[Any]]:
    found = []
    if image.ndim == 1:
        return [list(image[j * stride:j * stride + size]) for j in range((image.size - size) // stride + 1)]
    rows, columns = ((n - size) // stride + 1 for n in image.shape)
    for i in range(rows):
        for j in range(columns):
            found.append(list(image[i * stride:i * stride + size, j * stride:j * stride + size].reshape(-1)))
    return found


@st.composite
def _pool(draw: st.DrawFn, function: str) -> Instance:
    size = draw(st.integers(1, 3))
    shape = _shape(draw, rows=(size, 5), columns=(size, 5), length=(size, 6))
    I = draw(_array(shape))
    stride = draw(st.sampled_from([None, 1, 2, 3]))
    forms = [f"{function}(I, {size})"] if stride is None else [f"{function}(I, {size}, {stride})"]
    if size == 2 and stride is None:
        forms.append(f"{function}(I)")
    step = size if stride is None else stride
    reduce = np.max if function == "max_pool" else np.mean
    kink = min(_top_gap(window) for window in _windows(I, size, step)) if function == "max_pool" else math.inf
    return Instance(draw(st.sampled_from(forms)), {"I": I}, ("I",), lambda g: _pooled(g["I"], size, step, reduce), kink)


# -- attention and the RNN cell -----------------------------------------------------------------------------

def _attended(Q: np.ndarray, K: np.ndarray, V: np.ndarray, M: np.ndarray | None = None) -> np.ndarray:
    """softmax(Q Kᵀ / √d_k) V, masked positions (0) given weight 0 (Vaswani et al. 2017, eq. 1)."""
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    if M is not None:
        scores = np.where(M == 1, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (weights / weights.sum(axis=1, keepdims=True)) @ V


@st.composite
def _attention(draw: st.DrawFn) -> Instance:
    queries, keys, width = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    depth = draw(st.sampled_from([1, 2, 3, 4]))  # d_k = 1 and 4: √d_k exact
    givens = {"Q": draw(_array((queries, depth), -2, 2)), "K": draw(_array((keys, depth), -2, 2)),
              "V": draw(_array((keys, width)))}
    if draw(st.booleans()):
        mask = np.array(draw(st.lists(st.integers(0, 1), min_size=queries * keys, max_size=queries * keys))).reshape(queries, keys)
        for row in mask:
            row[draw(st.integers(0, keys - 1))] = 1  # every query attends to something
        givens["M"] = np.vectorize(Fraction, otypes=[object])(mask)
        return Instance("attention(Q, K, V, M)", givens, ("Q", "K", "V"), lambda g: _attended(g["Q"], g["K"], g["V"], g["M"]))
    return Instance("attention(Q, K, V)", givens, ("Q", "K", "V"), lambda g: _attended(g["Q"], g["K"], g["V"]))


@st.composite
def _rnn_cell(draw: st.DrawFn) -> Instance:
    inputs, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    givens = {"x": draw(_array((inputs,))), "h": draw(_array((hidden,))), "Wx": draw(_array((hidden, inputs))),
              "Wh": draw(_array((hidden, hidden))), "b": draw(_array((hidden,)))}
    return Instance("rnn_cell(x, h, Wx, Wh, b)", givens, tuple(givens),
                    lambda g: np.tanh(g["Wx"] @ g["x"] + g["Wh"] @ g["h"] + g["b"]))


# -- shapes -------------------------------------------------------------------------------------------------

@st.composite
def _concat(draw: st.DrawFn) -> Instance:
    columns = draw(st.sampled_from([None, 1, 2, 3]))
    first, second = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shapes = ((first,), (second,)) if columns is None else ((first, columns), (second, columns))
    givens = {"X": draw(_array(shapes[0])), "Y": draw(_array(shapes[1]))}
    return Instance("concat(X, Y)", givens, ("X", "Y"), lambda g: np.concatenate([g["X"], g["Y"]]))


@st.composite
def _reshape(draw: st.DrawFn) -> Instance:
    X = draw(_array(_shape(draw, rows=(1, 3), columns=(1, 4), length=(1, 6))))
    n = X.size
    target = draw(st.sampled_from([(n,)] + [(r, n // r) for r in range(1, n + 1) if n % r == 0]))
    formula = f"reshape(X, {', '.join(map(str, target))})"
    return Instance(formula, {"X": X}, ("X",), lambda g: g["X"].reshape(target))


@st.composite
def _index(draw: st.DrawFn) -> Instance:
    X = draw(_array(_shape(draw)))
    where = tuple(draw(st.integers(0, n - 1)) for n in X.shape[:draw(st.integers(1, X.ndim))])
    return Instance(f"index(X, {', '.join(map(str, where))})", {"X": X}, ("X",), lambda g: g["X"][where])


@st.composite
def _slice(draw: st.DrawFn) -> Instance:
    X = draw(_array(_shape(draw)))
    stop = draw(st.integers(1, X.shape[0]))
    start = draw(st.integers(0, stop - 1))
    return Instance(f"slice(X, {start}, {stop})", {"X": X}, ("X",), lambda g: g["X"][start:stop])


# -- softmax over rows, log_softmax, var and std of everything ----------------------------------------------

def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _row_shape(draw: st.DrawFn) -> tuple[int, ...]:
    """A list of two or more, or a matrix with two or more columns (a column matrix is one list of scores: tested below)."""
    return _shape(draw, rows=(1, 3), columns=(2, 4), length=(2, 5))


@st.composite
def _softmax_rows(draw: st.DrawFn) -> Instance:
    X = draw(_array((draw(st.integers(1, 3)), draw(st.integers(2, 4))), -2, 2))  # a column matrix: tested below
    return Instance("softmax(X)", {"X": X}, ("X",), lambda g: _softmax(g["X"]))


@st.composite
def _log_softmax(draw: st.DrawFn) -> Instance:
    X = draw(_array(_row_shape(draw), -2, 2))
    return Instance("log_softmax(X)", {"X": X}, ("X",), lambda g: np.log(_softmax(g["X"])))


@st.composite
def _softmax_along(draw: st.DrawFn, function: str) -> Instance:
    """softmax or log_softmax within each row (axis 1) or each column (axis 0) of a matrix."""
    axis = draw(st.sampled_from([0, 1]))
    X = draw(_array((draw(st.integers(2, 3)), draw(st.integers(2, 3))), -2, 2))

    def reference(g: dict[str, np.ndarray]) -> np.ndarray:
        found = _softmax(g["X"].T).T if axis == 0 else _softmax(g["X"])
        return np.log(found) if function == "log_softmax" else found

    return Instance(f"{function}(X, {axis})", {"X": X}, ("X",), reference)


# -- activations --------------------------------------------------------------------------------------------

_ERF = np.vectorize(math.erf, otypes=[float])
ACTIVATION_REFERENCES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "gelu": lambda z: z * (1 + _ERF(z / math.sqrt(2))) / 2,
    "gelu_tanh": lambda z: z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))) / 2,
    "silu": lambda z: z / (1 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}
KINKED = ("relu", "leaky_relu", "elu")  # ELU is C¹ at 0 but not C²: kept KINK_MARGIN away too


@st.composite
def _activation(draw: st.DrawFn, name: str) -> Instance:
    shape = (draw(st.integers(2, 4)),) if name == "softmax" else _shape(draw, rows=(1, 3), columns=(1, 3))
    z = draw(_array(shape, -2, 2))
    kink = float(min(abs(v) for v in z.flat)) if name in KINKED else math.inf
    if name == "leaky_relu":
        slope = draw(st.sampled_from([None, "0.2", "0.5"]))
        value = 0.01 if slope is None else float(slope)
        formula = "leaky_relu(z)" if slope is None else f"leaky_relu(z, {slope})"
        return Instance(formula, {"z": z}, ("z",), lambda g: np.where(g["z"] > 0, g["z"], value * g["z"]), kink)
    reference = ACTIVATION_REFERENCES[name]
    return Instance(f"{name}(z)", {"z": z}, ("z",), lambda g: reference(g["z"]), kink)


# -- losses -------------------------------------------------------------------------------------------------

def _huber(d: np.ndarray) -> np.ndarray:
    return np.where(np.abs(d) <= 1, d * d / 2, np.abs(d) - 0.5)


def _log_sum_exp(a: np.ndarray) -> float:
    top = float(np.max(a))
    return top + math.log(float(np.sum(np.exp(a - top))))


LOSS_REFERENCES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "bce": lambda a, y: -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)),
    "mse": lambda a, y: np.mean((a - y) ** 2),
    "half_sse": lambda a, y: np.sum((a - y) ** 2) / 2,
    "cross_entropy": lambda a, y: -np.sum(y * np.log(a)),
    "sse": lambda a, y: np.sum((a - y) ** 2),
    "l1": lambda a, y: np.mean(np.abs(a - y)),
    "huber": lambda a, y: np.mean(_huber(a - y)),
    "hinge": lambda a, y: np.mean(np.maximum(0, 1 - y * a)),
    "multiclass_hinge": lambda a, y: np.sum((1 - y) * np.maximum(0, a - np.sum(y * a) + 1)),
    "nll": lambda a, y: -np.sum(y * a),
    "bce_logits": lambda a, y: np.mean(np.log1p(np.exp(a)) - y * a),
    "cross_entropy_logits": lambda a, y: _log_sum_exp(a) * np.sum(y) - np.sum(y * a),
}


def _one_hot(draw: st.DrawFn, n: int) -> np.ndarray:
    hot = draw(st.integers(0, n - 1))
    return np.array([Fraction(int(i == hot)) for i in range(n)], dtype=object)


@st.composite
def _loss(draw: st.DrawFn, name: str) -> Instance:
    n = draw(st.integers(2 if name in ("multiclass_hinge", "cross_entropy_logits") else 1, 4))
    if name in ("bce", "cross_entropy"):  # probabilities: a in (0, 1)
        a = draw(_array((n,), Fraction(1, 100), Fraction(99, 100)))
    else:
        a = draw(_array((n,), -2, 2))
    if name == "multiclass_hinge":
        y = _one_hot(draw, n)
    elif name == "hinge":  # labels −1 and 1
        y = np.array(draw(st.lists(st.sampled_from([Fraction(-1), Fraction(1)]), min_size=n, max_size=n)), dtype=object)
    elif name in ("nll", "cross_entropy", "cross_entropy_logits"):  # one-hot, or weights in [0, 1]
        y = _one_hot(draw, n) if draw(st.booleans()) else draw(_array((n,), 0, 1))
    elif name in ("bce", "bce_logits"):
        y = draw(_array((n,), 0, 1))
    else:
        y = draw(_array((n,), -2, 2))
    gaps = {
        "l1": lambda: min(abs(a - y)),
        "huber": lambda: min(abs(abs(a - y) - 1)),
        "hinge": lambda: min(abs(1 - y * a)),
        "multiclass_hinge": lambda: min(abs(a[j] - np.sum(y * a) + 1) for j in range(n) if y[j] == 0),
    }
    kink = float(gaps[name]()) if name in gaps else math.inf
    reference = LOSS_REFERENCES[name]
    return Instance(f"{name}(a, y)", {"a": a, "y": y}, ("a",), lambda g: reference(g["a"], g["y"]), kink)


# -- every row's case ---------------------------------------------------------------------------------------

CASES: dict[str, st.SearchStrategy[Instance]] = {
    "sum_over": _reduction("sum", (0, 1), "sum"),
    "mean_over": _reduction("mean", (0, 1), "mean"),
    "var_over": _reduction("var", (0, 1), "var"),
    "std_over": _reduction("std", (0, 1), "std"),
    "var_sample": _reduction("var_sample", (None, 0, 1), "var", ddof=1),
    "std_sample": _reduction("std_sample", (None, 0, 1), "std", ddof=1),
    "softmax_over": _softmax_along("softmax"),
    "log_softmax_over": _softmax_along("log_softmax"),
    "amax": _extreme("amax"),
    "amin": _extreme("amin"),
    "argmax": _extreme("argmax"),
    "layer_norm": _layer_norm(),
    "batch_norm": _batch_norm(),
    "conv2d": _conv2d(),
    "conv1d": _conv1d(),
    "max_pool": _pool("max_pool"),
    "avg_pool": _pool("avg_pool"),
    "attention": _attention(),
    "rnn_cell": _rnn_cell(),
    "concat": _concat(),
    "reshape": _reshape(),
    "index": _index(),
    "slice": _slice(),
    # VJPS: functions the evaluator computes itself, with their vector–Jacobian product in the table
    "softmax": _softmax_rows(),
    "log_softmax": _log_softmax(),
    "var": _reduction("var", (None,), "var"),
    "std": _reduction("std", (None,), "std"),
    "max": st.one_of(_extreme("max", with_axis=False), _pairwise("max")),
    "min": st.one_of(_extreme("min", with_axis=False), _pairwise("min")),
    # ACTIVATIONS; softmax is a row there too (of a list, through its Jacobian), named apart from the VJP's case
    **{name if name != "softmax" else "activation:softmax": _activation(name) for name in ACTIVATIONS},
    **{name: _loss(name) for name in LOSSES},
}
NAMES = sorted(CASES)


def test_every_row_of_the_tables_has_a_case() -> None:
    rows = set(OPERATIONS) | set(VJPS) | set(ACTIVATIONS) | set(LOSSES)
    assert rows <= set(CASES), sorted(rows - set(CASES))


# ---- the model: L = sum(op(...) ⊙ R) ----------------------------------------------------------------------

def _floats(array: np.ndarray) -> np.ndarray:
    return np.vectorize(float, otypes=[float])(array) if array.size else array.astype(float)


def _float_givens(instance: Instance) -> dict[str, np.ndarray]:
    return {name: _floats(value) for name, value in instance.givens.items()}


def _model(instance: Instance, weights: np.ndarray | None = None) -> Graph:
    """O = the formula; with ``weights``, also L = sum(O ⊙ R) (O R for a number)."""
    givens = dict(instance.givens)
    definitions = [Definition("O", parse_expression(instance.formula, frozenset(givens)))]
    if weights is not None:
        givens["R"] = weights
        weighted = "O * R" if weights.ndim == 0 else "sum(O ⊙ R)"
        definitions.append(Definition("L", parse_expression(weighted, frozenset(givens) | {"O"})))
    return Graph(givens, tuple(definitions))


def _central_difference(model: Graph, name: str, index: tuple[int, ...]) -> Real:
    """(L(x + h) − L(x − h)) / 2h with entry ``index`` of given ``name`` moved, in ball arithmetic at the current precision."""
    sides = []
    for step in (STEP, -STEP):
        moved = model.givens[name].copy()
        moved[index] = moved[index] + step
        sides.append(graph.values(Graph({**model.givens, name: moved}, model.definitions), ball)["L"][()])
    return (sides[0] - sides[1]) / (2 * STEP)  # type: ignore[no-any-return]


def _entry(value: Any) -> Real:
    """An entry of a gradient; index's backward leaves 0-d arrays in place of numbers (pinned below), unwrapped here."""
    return value[()] if isinstance(value, np.ndarray) else value  # type: ignore[no-any-return]


def _agrees(reverse: Real, difference: Real) -> bool:
    if reverse.exact is not None and difference.exact is not None:
        return reverse.exact == difference.exact
    gap = float(abs(reverse.enclosure() - difference.enclosure()).upper())
    return gap <= GRADIENT_TOLERANCE * (1 + float(abs(difference.enclosure()).upper()))


def _disagreements(instance: Instance, weights: np.ndarray) -> list[str]:
    """Each entry where reverse mode (at BITS) and the central difference (at DIFFERENCE_BITS) disagree, side by side."""
    model = _model(instance, weights)
    with ball.precision(BITS):
        reverse = graph.gradient(model, ball, "L")
    rows = []
    with ball.precision(DIFFERENCE_BITS):
        for name in instance.wrt:
            for index in np.ndindex(instance.givens[name].shape):
                analytic, difference = _entry(reverse[name][index]), _central_difference(model, name, index)
                if not _agrees(analytic, difference):
                    rows.append(f"  ∂L/∂{name}{list(index)}: reverse {_show(analytic)}  central {_show(difference)}")
    return rows


def _show(value: Real) -> str:
    return str(value.exact) if value.exact is not None else str(value.enclosure().mid().str(20, radius=False))


def _row(name: str) -> str:
    return name.removeprefix("activation:")


def _table_of_case(name: str) -> str:
    return "activations" if name.startswith("activation:") else _table(name)


# ---- property 1: reverse mode against central differences -------------------------------------------------

@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def _gradient_agrees(name: str, data: st.DataObject) -> None:
    instance = data.draw(CASES[name], label="instance")
    assume(instance.kink >= KINK_MARGIN)
    weights = data.draw(_array(np.shape(instance.reference(_float_givens(instance)))), label="R")
    note(f"formula: {instance.formula}")
    rows = _disagreements(instance, weights)
    assert not rows, f"{instance.formula}: reverse mode against central differences\n" + "\n".join(rows)
    TALLY[f"gradient {_table_of_case(name)}"]["draws"] += 1


def _tallied(prop: str, name: str, check: Callable[[str], None]) -> None:
    """Run one row's property, counting it as tried, and as agreed when it passes (the printed rates)."""
    tally = TALLY[f"{prop} {_table_of_case(name)}"]
    tally["tried"].add(_row(name))
    check(name)
    tally["agreed"].add(_row(name))


@pytest.mark.parametrize("name", NAMES)
def test_reverse_mode_agrees_with_256_bit_central_differences(name: str) -> None:
    _tallied("gradient", name, _gradient_agrees)


# ---- property 2: the ball backend encloses NumPy's value, the float backend agrees with the ball's ----------

def _mid_radius(value: Real) -> tuple[float, float]:
    if value.exact is not None:
        return float(value.exact), 0.0
    enclosure = value.enclosure()
    return float(enclosure.mid()), float(enclosure.rad())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def _backends_agree(name: str, data: st.DataObject) -> None:
    instance = data.draw(CASES[name], label="instance")
    note(f"formula: {instance.formula}")
    expected = np.asarray(instance.reference(_float_givens(instance)), dtype=float)
    model = _model(instance)
    with ball.precision(BITS):
        enclosed = graph.values(model, ball)["O"]
    rounded = np.asarray(graph.values(model, floating)["O"], dtype=float)
    assert enclosed.shape == expected.shape == rounded.shape, (instance.formula, enclosed.shape, expected.shape, rounded.shape)
    for index in np.ndindex(expected.shape):
        mid, radius = _mid_radius(enclosed[index])
        numpy_value, float_value = float(expected[index]), float(rounded[index])
        assert abs(mid - numpy_value) <= radius + ENCLOSURE_SLACK * (1 + abs(numpy_value)), \
            (instance.formula, index, "ball", _show(enclosed[index]), "numpy", numpy_value)
        assert abs(float_value - mid) <= FLOAT_TOLERANCE * (1 + abs(mid)), \
            (instance.formula, index, "ball", _show(enclosed[index]), "float", float_value)
    TALLY[f"backends {_table_of_case(name)}"]["draws"] += 1


@pytest.mark.parametrize("name", NAMES)
def test_ball_encloses_numpy_and_float_backend_agrees(name: str) -> None:
    _tallied("backends", name, _backends_agree)


# ---- regressions: inputs on which these properties once found nncheck wrong (the draws above include them) ----

def _fractions(rows: list[list[str]] | list[str]) -> np.ndarray:
    return np.vectorize(Fraction, otypes=[object])(np.array(rows, dtype=object))



def _assert_no_rows(rows: list[str]) -> None:
    assert not rows, "\n".join(rows)


@pytest.mark.parametrize("formula", ["amax(tanh(X), 1)", "amin(exp(X), 0)", "max(tanh(X))"])
def test_regression_extremes_of_a_ball_operand_have_a_gradient(formula: str) -> None:
    # X = [[0.1, 0.5], [−0.3, 0.2]]: distinct entries, no tie, so the gradient exists (R times the chosen entry's
    # tanh′ or exp′); audits raise the precision while Undecided (ball.settled), which never settles it.
    X = _fractions([["0.1", "0.5"], ["-0.3", "0.2"]])
    instance = Instance(formula, {"X": X}, ("X",), lambda g: None)
    weights = _fractions(["1", "2"]) if "," in formula else np.array(Fraction(1), dtype=object)

    def check() -> None:
        ball.settled(lambda bits, last: graph.gradient(_model(instance, weights), ball, "L"))
        _assert_no_rows(_disagreements(instance, weights))

    check()


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_regression_softmax_of_a_column_matrix_has_its_forwards_gradient(function: str) -> None:
    # X = [[0.1], [0.5], [−0.3]], R = [[1], [2], [−1]]: for softmax, reverse 0.216, 0.498, −0.167; the central
    # differences of nncheck's own forward −0.0151, 0.449, −0.434.
    X = _fractions([["0.1"], ["0.5"], ["-0.3"]])
    instance = Instance(f"{function}(X)", {"X": X}, ("X",), lambda g: None)
    _assert_no_rows(_disagreements(instance, _fractions([["1"], ["2"], ["-1"]])))


@pytest.mark.parametrize("formula, X", [("index(X, 1)", ["0.5", "0.75"]), ("index(X, 0, 1)", [["0.5", "0.75"], ["1", "2"]])])
def test_regression_the_gradient_through_index_holds_numbers(formula: str, X: list[Any]) -> None:
    model = _model(Instance(formula, {"X": _fractions(X)}, ("X",), lambda g: None), np.array(Fraction(2), dtype=object))

    def check() -> None:
        with ball.precision(BITS):
            found = graph.gradient(model, ball, "L")["X"]
        assert all(isinstance(entry, Real) for entry in found.flat), [type(entry).__name__ for entry in found.flat]

    check()


def test_regression_conv2d_of_one_row_with_padding_is_torchs() -> None:
    # I = [[1, 2, 3, 4]], K = [[1, −1]], stride 1, padding 1: torch.nn.functional.conv2d gives 3 rows, the middle
    # one [−1, −1, −1, −1, 4]; nncheck gives [[0, 0, 0, 0, 0]].
    I, K = _fractions([["1", "2", "3", "4"]]), _fractions([["1", "-1"]])
    instance = Instance("conv2d(I, K, 1, 1)", {"I": I, "K": K}, ("I", "K"), lambda g: _correlate(g["I"], g["K"], 1, 1))

    def check() -> None:
        with ball.precision(BITS):
            found = graph.values(_model(instance), ball)["O"]
        expected = instance.reference(_float_givens(instance))
        assert found.shape == expected.shape and all(
            float(_entry(f).exact) == e for f, e in zip(found.flat, expected.flat)), (found, expected)

    check()
