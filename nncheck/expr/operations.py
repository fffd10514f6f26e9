"""Tensor operations and layers of a model, one row each: forward, vector–Jacobian product, names, torch's name, kinks.

A row's ``forward`` takes the evaluated arguments (numpy arrays of one backend's numbers) and returns the
value; its ``backward`` takes the adjoint of the result (an array of the result's shape) and the same
arguments, and returns the adjoint of each argument listed in ``differentiable``: the vector–Jacobian
product of reverse mode (:mod:`nncheck.network.graph` writes it as ``∂name#i(adjoint, arguments…)``,
which the evaluator computes with this table). Sizes, strides, axes, ε and masks get no gradient.

Conventions (each row's ``kinks`` says where its derivative is not unique):

* axes as in NumPy and PyTorch: 0 runs down the rows (one value per column), 1 along each row;
* variance and standard deviation divide by n (population) unless named ``_sample`` (n − 1, Bessel);
* ``conv2d`` is the cross-correlation deep-learning libraries call convolution (``torch.nn.functional.conv2d``),
  zero padding; pooling windows move by ``stride`` (the window size unless given) and drop what does not fit
  (PyTorch's floor mode);
* ``layer_norm`` normalises each row (the last axis), ``batch_norm`` each column (the batch axis), both with
  the population variance and ε = 10⁻⁵ unless given (PyTorch's defaults; the affine γ, β are written out);
* ``attention(Q, K, V)`` is softmax(Q Kᵀ / √d_k) V with d_k the columns of Q (Vaswani et al. 2017, eq. 1), an
  optional mask of 1 (attend) and 0 (masked: weight exactly 0);
* ``rnn_cell(x, h, W_x, W_h, b)`` is tanh(W_x x + W_h h + b) (Elman; ``torch.nn.RNNCell`` with one bias).

Raises ShapeError (from the evaluator) for shapes that do not fit, ValueError for a value outside a
function's domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

Array = Any  # a numpy array of one backend's numbers
Forward = Callable[[Any, list[Array]], Array]
Backward = Callable[[Any, Array, list[Array]], dict[int, Array]]
# ε of layer_norm and batch_norm when not given: PyTorch's default.
DEFAULT_EPS = Fraction(1, 100_000)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: how a model's formula writes it, what it computes, and its vector–Jacobian product."""

    name: str
    arities: tuple[int, ...]
    signature: str  # "layer_norm(X, eps)": the arguments as the docs show them
    meaning: str  # one line for the docs' table
    torch: str  # the PyTorch call it agrees with ("" when torch has none)
    kinks: str  # the derivative's convention where it jumps ("" when smooth)
    forward: Forward
    backward: Backward | None  # None: no gradient flows through it (argmax)
    differentiable: tuple[int, ...] = (0,)


# ---- helpers on object arrays of one backend's numbers ----------------------------------------------

def _shape_error(message: str) -> Exception:
    from nncheck.expr.evaluate import ShapeError

    return ShapeError(message)


def _whole(ev: Any, value: Array, what: str, minimum: int = 0) -> int:
    from nncheck.expr.evaluate import whole

    number = whole(ev.scalar(value, what))
    if number is None or number < minimum:
        raise _shape_error(f"{what} must be a whole number of at least {minimum}")
    return number


def _axis(ev: Any, arguments: list[Array], position: int, array: Array) -> int | None:
    """The axis argument at ``position`` (None when absent: the whole array), checked against ``array``."""
    if len(arguments) <= position:
        return None
    axis = _whole(ev, arguments[position], "the axis")
    if axis >= max(array.ndim, 1):
        raise _shape_error(f"axis {axis} of an array with {array.ndim} axes")
    return axis


def _zeros(ev: Any, shape: tuple[int, ...]) -> Array:
    return np.full(shape, ev.backend.constant(Fraction(0)), dtype=ev.backend.DTYPE)


def _number(ev: Any, value: Fraction | int) -> Any:
    return ev.backend.constant(Fraction(value))


def _total(ev: Any, array: Array, axis: int | None) -> Array:
    """The sum over ``axis`` (every entry when None), as an array."""
    if array.size == 0:
        raise _shape_error("a sum of nothing")
    return ev.wrap(np.sum(array, axis=axis)) if axis is not None else ev.wrap(np.sum(array.reshape(-1)))


def _spread(ev: Any, adjoint: Array, shape: tuple[int, ...], axis: int | None) -> Array:
    """A reduction's adjoint put back over the entries it reduced: each gets its row's (column's) adjoint."""
    if axis is None:
        return ev.wrap(np.broadcast_to(adjoint.reshape(()), shape).copy())
    return ev.wrap(np.broadcast_to(np.expand_dims(adjoint, axis), shape).copy())


def _count(array: Array, axis: int | None) -> int:
    return int(array.size if axis is None else array.shape[axis])


def _centred(ev: Any, array: Array, axis: int | None) -> tuple[Array, int]:
    n = _count(array, axis)
    mean = _total(ev, array, axis) / _number(ev, n)
    return ev.wrap(array - _spread(ev, ev.wrap(mean), array.shape, axis)), n


def _variance(ev: Any, array: Array, axis: int | None, sample: bool) -> Array:
    centred, n = _centred(ev, array, axis)
    if sample and n < 2:
        raise ValueError("the sample variance of one value")
    return ev.wrap(_total(ev, ev.wrap(centred * centred), axis) / _number(ev, n - 1 if sample else n))


def _reduction(kind: str, sample: bool = False) -> tuple[Forward, Backward]:
    def forward(ev: Any, arguments: list[Array]) -> Array:
        array = arguments[0]
        axis = _axis(ev, arguments, 1, array)
        if kind == "sum":
            return _total(ev, array, axis)
        if kind == "mean":
            return ev.wrap(_total(ev, array, axis) / _number(ev, _count(array, axis)))
        variance = _variance(ev, array, axis, sample)
        return variance if kind == "var" else ev.wrap(ev.backend.sqrt(variance))

    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        array = arguments[0]
        axis = _axis(ev, arguments, 1, array)
        n = _count(array, axis)
        spread = _spread(ev, adjoint, array.shape, axis)
        if kind == "sum":
            return {0: spread}
        if kind == "mean":
            return {0: ev.wrap(spread / _number(ev, n))}
        centred, _ = _centred(ev, array, axis)
        divisor = _number(ev, n - 1 if sample else n)
        if kind == "var":  # ∂var/∂x_i = 2 (x_i − μ) / n
            return {0: ev.wrap(spread * centred * _number(ev, 2) / divisor)}
        deviation = _spread(ev, ev.wrap(ev.backend.sqrt(_variance(ev, array, axis, sample))), array.shape, axis)
        return {0: ev.wrap(spread * centred / (deviation * divisor))}  # ∂σ/∂x_i = (x_i − μ) / (n σ)

    return forward, backward


def _extreme(larger: bool) -> tuple[Forward, Backward]:
    """amax / amin over an axis; the adjoint is shared equally by tied entries (torch.amax's convention)."""
    def pick(ev: Any, entries: list[Any]) -> Any:
        best = entries[0]
        for entry in entries[1:]:
            best = ev.larger(best, entry) if larger else ev.smaller(best, entry)
        return best

    def lines(array: Array, axis: int | None) -> tuple[Array, tuple[int, ...]]:
        """The array as rows of the entries each result reduces, and the result's shape."""
        if axis is None:
            return array.reshape(1, -1), ()
        moved = np.moveaxis(array, axis, -1)
        return moved.reshape(-1, array.shape[axis]), moved.shape[:-1]

    def forward(ev: Any, arguments: list[Array]) -> Array:
        array = arguments[0]
        rows, shape = lines(array, _axis(ev, arguments, 1, array))
        return ev.wrap(np.array([pick(ev, list(row)) for row in rows], dtype=ev.backend.DTYPE).reshape(shape))

    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        array = arguments[0]
        axis = _axis(ev, arguments, 1, array)
        rows, shape = lines(array, axis)
        shares = []
        for row, share in zip(rows, adjoint.reshape(-1)):
            best = pick(ev, list(row))
            ties = [entry is best or int(ev.backend.sign(ev.wrap(entry - best))) == 0 for entry in row]
            part = share / _number(ev, sum(ties))
            shares.append([part if tie else _number(ev, 0) for tie in ties])
        result = np.array(shares, dtype=ev.backend.DTYPE)
        if axis is None:
            return {0: ev.wrap(result.reshape(array.shape))}
        moved = np.moveaxis(array, axis, -1).shape
        return {0: ev.wrap(np.moveaxis(result.reshape(moved), -1, axis))}

    return forward, backward


def _argmax(ev: Any, arguments: list[Array]) -> Array:
    """The position of the first largest entry (from 0), over the whole array or along an axis."""
    array = arguments[0]
    axis = _axis(ev, arguments, 1, array)
    rows = array.reshape(1, -1) if axis is None else np.moveaxis(array, axis, -1).reshape(-1, array.shape[axis])
    found = []
    for row in rows:
        best, where = row[0], 0
        for position, entry in enumerate(row[1:], start=1):
            if int(ev.backend.sign(ev.wrap(entry - best))) > 0:
                best, where = entry, position
        found.append(_number(ev, where))
    shape = () if axis is None else np.moveaxis(array, axis, -1).shape[:-1]
    return ev.wrap(np.array(found, dtype=ev.backend.DTYPE).reshape(shape))


def _pairwise(larger: bool) -> Backward:
    """max(a, b) / min(a, b) entry by entry: the chosen operand gets the adjoint; a tie gives each half
    (torch.maximum's convention)."""
    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        left, right = ev.aligned(arguments[0], arguments[1], "compare")
        signs = ev.backend.sign(ev.wrap(left - right))
        signs = np.broadcast_to(signs, adjoint.shape) if signs.shape != adjoint.shape else signs
        half, one, zero = _number(ev, Fraction(1, 2)), _number(ev, 1), _number(ev, 0)
        wins = np.vectorize(lambda s: one if (s > 0) == larger and s != 0 else half if s == 0 else zero, otypes=[object])(signs)
        shares = {0: ev.wrap(adjoint * wins), 1: ev.wrap(adjoint * (one - wins))}
        for position in (0, 1):
            if arguments[position].size == 1 and shares[position].size > 1:
                shares[position] = _total(ev, shares[position], None)
        return shares

    return backward


# ---- normalisation ---------------------------------------------------------------------------------

def _eps(ev: Any, arguments: list[Array]) -> Any:
    return ev.scalar(arguments[1], "ε") if len(arguments) > 1 else _number(ev, DEFAULT_EPS)


def _normalise(ev: Any, array: Array, eps: Any) -> tuple[Array, Array]:
    """Each row of ``array`` (a list is one row) as (x − μ) / √(σ² + ε); also √(σ² + ε) per entry."""
    rows = array.reshape(1, -1) if array.ndim == 1 else array
    if rows.ndim != 2:
        raise _shape_error("normalisation of a list or a matrix")
    centred, _ = _centred(ev, rows, 1)
    scale = ev.wrap(ev.backend.sqrt(ev.wrap(_variance(ev, rows, 1, False) + eps)))
    scale = _spread(ev, scale, rows.shape, 1)
    return ev.wrap(centred / scale), scale


def _layer_norm(ev: Any, arguments: list[Array]) -> Array:
    normalised, _ = _normalise(ev, arguments[0], _eps(ev, arguments))
    return ev.wrap(normalised.reshape(arguments[0].shape))


def _layer_norm_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / √(σ² + ε), row by row (Ba, Kiros and Hinton 2016)."""
    array = arguments[0]
    normalised, scale = _normalise(ev, array, _eps(ev, arguments))
    g = adjoint.reshape(normalised.shape)
    n = _number(ev, normalised.shape[1])
    mean_g = _spread(ev, ev.wrap(_total(ev, g, 1) / n), g.shape, 1)
    mean_gx = _spread(ev, ev.wrap(_total(ev, ev.wrap(g * normalised), 1) / n), g.shape, 1)
    return {0: ev.wrap(((g - mean_g - normalised * mean_gx) / scale).reshape(array.shape))}


def _batch_norm(ev: Any, arguments: list[Array]) -> Array:
    array = arguments[0]
    if array.ndim != 2:
        raise _shape_error("batch_norm of a matrix (samples × features)")
    return ev.wrap(_layer_norm(ev, [ev.wrap(array.T.copy())] + arguments[1:]).T.copy())


def _batch_norm_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    array = arguments[0]
    if array.ndim != 2:
        raise _shape_error("batch_norm of a matrix (samples × features)")
    found = _layer_norm_backward(ev, ev.wrap(adjoint.T.copy()), [ev.wrap(array.T.copy())] + arguments[1:])
    return {0: ev.wrap(found[0].T.copy())}


# ---- convolution and pooling -------------------------------------------------------------------------

def _as_matrix(ev: Any, array: Array, what: str) -> Array:
    if array.ndim == 1:
        return array.reshape(1, -1)
    if array.ndim != 2:
        raise _shape_error(f"{what} of a list or a matrix")
    return array


def _geometry(ev: Any, arguments: list[Array], image: Array, window: tuple[int, int], stride_at: int,
              default_stride: tuple[int, int], padding_at: int | None, one_row: bool
              ) -> tuple[tuple[int, int], int, tuple[int, int]]:
    """Stride, padding and output size of a window over ``image`` (floor mode); a list (``one_row``) moves and is
    padded along its one axis only."""
    if len(arguments) > stride_at:
        step = _whole(ev, arguments[stride_at], "the stride", 1)
        stride = (1 if one_row else step, step)
    else:
        stride = default_stride
    padding = _whole(ev, arguments[padding_at], "the padding") if padding_at is not None and len(arguments) > padding_at else 0
    pad_rows = 0 if one_row else padding
    rows = (image.shape[0] + 2 * pad_rows - window[0]) // stride[0] + 1
    columns = (image.shape[1] + 2 * padding - window[1]) // stride[1] + 1
    if rows < 1 or columns < 1:
        raise _shape_error(f"a {window[0]}×{window[1]} window does not fit in a {image.shape[0]}×{image.shape[1]} input")
    return stride, padding, (rows, columns)


def _padded(ev: Any, image: Array, padding: int, one_row: bool) -> Array:
    if padding == 0:
        return image
    rows = 0 if one_row else padding
    result = _zeros(ev, (image.shape[0] + 2 * rows, image.shape[1] + 2 * padding))
    result[rows:rows + image.shape[0], padding:padding + image.shape[1]] = image
    return result


def _convolution_parts(ev: Any, arguments: list[Array]) -> tuple[Array, Array, tuple[int, int], int, tuple[int, int], bool]:
    image, kernel = (_as_matrix(ev, a, "a convolution") for a in arguments[:2])
    one_row = arguments[0].ndim == 1
    if one_row != (arguments[1].ndim == 1):
        raise _shape_error("a convolution of a list takes a list kernel, of a matrix a matrix kernel")
    stride, padding, size = _geometry(ev, arguments, image, kernel.shape, 2, (1, 1), 3, one_row)
    return _padded(ev, image, padding, one_row), kernel, stride, padding, size, one_row


def _convolution(ev: Any, arguments: list[Array]) -> Array:
    image, kernel, stride, _, (rows, columns), one_row = _convolution_parts(ev, arguments)
    height, width = kernel.shape
    result = _zeros(ev, (rows, columns))
    for i in range(rows):
        for j in range(columns):
            window = image[i * stride[0]:i * stride[0] + height, j * stride[1]:j * stride[1] + width]
            result[i, j] = _total(ev, ev.wrap(window * kernel), None).reshape(())[()]
    return ev.wrap(result.reshape(-1) if one_row else result)


def _convolution_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """∂X[s i + a − p, s j + b − p] += g[i, j] K[a, b]; ∂K[a, b] = Σ g[i, j] X_padded[s i + a, s j + b]."""
    image, kernel, stride, padding, (rows, columns), one_row = _convolution_parts(ev, arguments)
    g = adjoint.reshape(rows, columns)
    height, width = kernel.shape
    d_image, d_kernel = _zeros(ev, image.shape), _zeros(ev, kernel.shape)
    for i in range(rows):
        for j in range(columns):
            top, left = i * stride[0], j * stride[1]
            d_image[top:top + height, left:left + width] += g[i, j] * kernel
            d_kernel += g[i, j] * image[top:top + height, left:left + width]
    pad_rows = 0 if one_row else padding
    d_image = d_image[pad_rows:d_image.shape[0] - pad_rows, padding:d_image.shape[1] - padding]
    return {0: ev.wrap(d_image.reshape(arguments[0].shape)), 1: ev.wrap(d_kernel.reshape(arguments[1].shape))}


def _pool_parts(ev: Any, arguments: list[Array]) -> tuple[Array, int, tuple[int, int], tuple[int, int], bool]:
    image = _as_matrix(ev, arguments[0], "pooling")
    one_row = arguments[0].ndim == 1
    size = _whole(ev, arguments[1], "the pool size", 1) if len(arguments) > 1 else 2
    window = (1 if one_row else size, size)
    _, _, out = _geometry(ev, arguments, image, window, 2, (1 if one_row else size, size), None, one_row)
    if len(arguments) > 2:
        step = _whole(ev, arguments[2], "the stride", 1)
        stride = (1 if one_row else step, step)
    else:
        stride = (1 if one_row else size, size)
    return image, size, stride, out, one_row


def _windows(image: Array, size: int, stride: tuple[int, int], out: tuple[int, int], one_row: bool) -> Any:
    height = 1 if one_row else size
    for i in range(out[0]):
        for j in range(out[1]):
            yield i, j, (slice(i * stride[0], i * stride[0] + height), slice(j * stride[1], j * stride[1] + size))


def _pool(average: bool) -> tuple[Forward, Backward]:
    def first_largest(ev: Any, window: Array) -> int:
        entries = list(window.reshape(-1))
        best, where = entries[0], 0
        for position, entry in enumerate(entries[1:], start=1):
            if ev.larger(best, entry) is not best:
                best, where = entry, position
        return where

    def forward(ev: Any, arguments: list[Array]) -> Array:
        image, size, stride, out, one_row = _pool_parts(ev, arguments)
        result = _zeros(ev, out)
        for i, j, (rows, columns) in _windows(image, size, stride, out, one_row):
            window = image[rows, columns]
            if average:
                result[i, j] = _total(ev, window, None).reshape(())[()] / _number(ev, window.size)
            else:
                result[i, j] = window.reshape(-1)[first_largest(ev, window)]
        return ev.wrap(result.reshape(-1) if one_row else result)

    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        image, size, stride, out, one_row = _pool_parts(ev, arguments)
        g = adjoint.reshape(out)
        result = _zeros(ev, image.shape)
        for i, j, (rows, columns) in _windows(image, size, stride, out, one_row):
            window = image[rows, columns]
            if average:
                result[rows, columns] += g[i, j] / _number(ev, window.size)
            else:
                position = np.unravel_index(first_largest(ev, window), window.shape)
                result[rows.start + position[0], columns.start + position[1]] += g[i, j]
        return {0: ev.wrap(result.reshape(arguments[0].shape))}

    return forward, backward


# ---- attention and the RNN cell ---------------------------------------------------------------------

def _softmax_rows(ev: Any, scores: Array, mask: Array | None) -> Array:
    """Row by row; a masked entry (mask 0) gets weight exactly 0 and takes no part in the normalisation."""
    result = _zeros(ev, scores.shape)
    for r, row in enumerate(scores):
        keep = [True] * len(row) if mask is None else [_mask_bit(ev, m) for m in mask[r]]
        if not any(keep):
            raise ValueError(f"row {r} of the attention mask masks every position")
        exps = ev.backend.exp(ev.wrap(np.array([v for v, k in zip(row, keep) if k], dtype=ev.backend.DTYPE)))
        total = _total(ev, ev.wrap(exps), None).reshape(())[()]
        values = iter(exps / total)
        result[r] = [next(values) if k else _number(ev, 0) for k in keep]
    return result


def _mask_bit(ev: Any, value: Any) -> bool:
    from nncheck.expr.evaluate import whole

    bit = whole(value)
    if bit not in (0, 1):
        raise ValueError("an attention mask holds 1 (attend) and 0 (masked)")
    return bit == 1


def _attention_parts(ev: Any, arguments: list[Array]) -> tuple[Array, Array, Array, Any, Array]:
    q, k, v = arguments[:3]
    if q.ndim != 2 or k.ndim != 2 or v.ndim != 2 or q.shape[1] != k.shape[1] or k.shape[0] != v.shape[0]:
        raise _shape_error("attention needs Q (queries × d_k), K (keys × d_k) and V (keys × d_v)")
    mask = arguments[3] if len(arguments) > 3 else None
    if mask is not None and mask.shape != (q.shape[0], k.shape[0]):
        raise _shape_error(f"the mask must be {q.shape[0]}×{k.shape[0]} (queries × keys)")
    root = ev.backend.sqrt(ev.wrap(np.array([_number(ev, q.shape[1])], dtype=ev.backend.DTYPE)))[0]
    scores = ev.wrap(ev.backend.matmul(q, ev.wrap(k.T.copy())) / root)
    return q, k, v, root, _softmax_rows(ev, scores, mask)


def _attention(ev: Any, arguments: list[Array]) -> Array:
    _, _, v, _, weights = _attention_parts(ev, arguments)
    return ev.wrap(ev.backend.matmul(weights, v))


def _attention_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """∂V = Aᵀ G; ∂A = G Vᵀ; ∂S = A ⊙ (∂A − rowsum(∂A ⊙ A)); ∂Q = ∂S K / √d_k; ∂K = ∂Sᵀ Q / √d_k."""
    q, k, v, root, weights = _attention_parts(ev, arguments)
    B = ev.backend
    d_weights = ev.wrap(B.matmul(adjoint, ev.wrap(v.T.copy())))
    d_scores = _softmax_backward_rows(ev, weights, d_weights)
    return {0: ev.wrap(B.matmul(d_scores, k) / root), 1: ev.wrap(B.matmul(ev.wrap(d_scores.T.copy()), q) / root),
            2: ev.wrap(B.matmul(ev.wrap(weights.T.copy()), adjoint))}


def _softmax_backward_rows(ev: Any, weights: Array, adjoint: Array) -> Array:
    """For a = softmax(z) row by row: ∂z = a ⊙ (g − Σ_j g_j a_j) (the Jacobian diag(a) − a aᵀ applied to g)."""
    rows = weights.reshape(1, -1) if weights.ndim == 1 else weights
    g = adjoint.reshape(rows.shape)
    inner = _spread(ev, _total(ev, ev.wrap(g * rows), 1), rows.shape, 1)
    return ev.wrap((rows * (g - inner)).reshape(weights.shape))


def _scores(weights: Array) -> Array:
    """Softmax's distributions as rows: a list, a row or a column is one (as the evaluator's softmax reads it)."""
    return weights.reshape(1, -1) if weights.ndim == 1 or min(weights.shape) == 1 else weights


def softmax_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """The vector–Jacobian product of softmax over the last axis (a list, or each row of a matrix)."""
    weights = ev.call("softmax", [arguments[0]])
    return {0: _softmax_backward_rows(ev, _scores(weights), adjoint).reshape(weights.shape)}


def log_softmax_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """For log softmax(z) row by row: ∂z = g − softmax(z) Σ_j g_j."""
    weights = ev.call("softmax", [arguments[0]])
    rows = _scores(weights)
    g = adjoint.reshape(rows.shape)
    return {0: ev.wrap((g - rows * _spread(ev, _total(ev, g, 1), rows.shape, 1)).reshape(weights.shape))}


def _along(function: str) -> tuple[Forward, Backward]:
    """softmax or log-softmax along an axis of a matrix: 1 within each row, 0 within each column (each row of the
    transpose); the evaluator's own (a list, or each row) for a list."""
    def moved(ev: Any, arguments: list[Array]) -> tuple[Array, bool]:
        array = arguments[0]
        axis = _axis(ev, arguments, 1, array)
        if array.ndim != 2 or axis is None:
            raise _shape_error(f"{function}(X, axis) takes a matrix")
        return (ev.wrap(array.T.copy()) if axis == 0 else array), axis == 0

    def forward(ev: Any, arguments: list[Array]) -> Array:
        rows, flipped = moved(ev, arguments)
        result = np.array([list(ev.call(function, [ev.wrap(row)]).reshape(-1)) for row in rows], dtype=ev.backend.DTYPE)
        return ev.wrap(result.T.copy() if flipped else result)

    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        rows, flipped = moved(ev, arguments)
        g = ev.wrap(adjoint.T.copy()) if flipped else adjoint
        vjp = softmax_backward if function == "softmax" else log_softmax_backward
        found = np.array([list(vjp(ev, ev.wrap(g[i]), [ev.wrap(row)])[0].reshape(-1)) for i, row in enumerate(rows)],
                         dtype=ev.backend.DTYPE)
        return {0: ev.wrap(found.T.copy() if flipped else found)}

    return forward, backward


def _rnn_parts(ev: Any, arguments: list[Array]) -> Array:
    x, h, wx, wh, b = arguments
    if wx.ndim != 2 or wh.ndim != 2 or wx.shape[1] != x.size or wh.shape[1] != h.size or wh.shape[0] != b.size:
        raise _shape_error("rnn_cell(x, h, W_x, W_h, b) needs W_x (hidden × inputs), W_h (hidden × hidden), b (hidden)")
    B = ev.backend
    return ev.wrap(B.matmul(wx, x.reshape(-1)) + B.matmul(wh, h.reshape(-1)) + b.reshape(-1))


def _rnn_cell(ev: Any, arguments: list[Array]) -> Array:
    return ev.wrap(ev.backend.tanh(_rnn_parts(ev, arguments)))


def _rnn_cell_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    """δ = g ⊙ (1 − h′²); ∂x = W_xᵀ δ, ∂h = W_hᵀ δ, ∂W_x = δ xᵀ, ∂W_h = δ hᵀ, ∂b = δ."""
    x, h, wx, wh, b = arguments
    B = ev.backend
    new = B.tanh(_rnn_parts(ev, arguments))
    delta = ev.wrap(adjoint.reshape(-1) * (_number(ev, 1) - new * new))
    return {0: ev.wrap(B.matmul(ev.wrap(wx.T.copy()), delta).reshape(x.shape)),
            1: ev.wrap(B.matmul(ev.wrap(wh.T.copy()), delta).reshape(h.shape)),
            2: ev.wrap(B.outer(delta, x.reshape(-1))), 3: ev.wrap(B.outer(delta, h.reshape(-1))),
            4: ev.wrap(delta.reshape(b.shape))}


# ---- shape operations ---------------------------------------------------------------------------------

def _concat(ev: Any, arguments: list[Array]) -> Array:
    first, second = arguments
    if first.ndim != second.ndim or first.ndim == 0 or first.shape[1:] != second.shape[1:]:
        raise _shape_error("concat joins two lists, or two matrices with as many columns")
    return ev.wrap(np.concatenate([first, second]))


def _concat_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    cut = arguments[0].shape[0]
    return {0: ev.wrap(adjoint[:cut].copy()), 1: ev.wrap(adjoint[cut:].copy())}


def _reshape(ev: Any, arguments: list[Array]) -> Array:
    shape = tuple(_whole(ev, a, "a size", 1) for a in arguments[1:])
    if int(np.prod(shape)) != arguments[0].size:
        raise _shape_error(f"{arguments[0].size} entries do not fill a shape {'×'.join(map(str, shape))}")
    return ev.wrap(arguments[0].reshape(shape))


def _reshape_backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
    return {0: ev.wrap(adjoint.reshape(arguments[0].shape))}


def _place(ev: Any, arguments: list[Array], first: int) -> tuple[Any, ...]:
    """The index (from 0) that ``index`` or ``slice`` reads, checked against the array."""
    array = arguments[0]
    if array.ndim == 0:
        raise _shape_error("indexing a number")
    if first == 1:  # index(X, i[, j])
        where = tuple(_whole(ev, a, "an index") for a in arguments[1:])
        if len(where) > array.ndim or any(i >= n for i, n in zip(where, array.shape)):
            raise _shape_error(f"index {where} of an array of shape {array.shape}")
        return where
    start, stop = (_whole(ev, a, "a bound of the slice") for a in arguments[1:3])
    if not start < stop <= array.shape[0]:
        raise _shape_error(f"slice {start}:{stop} of {array.shape[0]} rows")
    return (slice(start, stop),)


def _index(ev: Any, arguments: list[Array]) -> Array:
    return ev.wrap(np.asarray(arguments[0][_place(ev, arguments, 1)], dtype=ev.backend.DTYPE).copy())


def _slice(ev: Any, arguments: list[Array]) -> Array:
    return ev.wrap(arguments[0][_place(ev, arguments, 2)].copy())


def _placed_backward(first: int) -> Backward:
    def backward(ev: Any, adjoint: Array, arguments: list[Array]) -> dict[int, Array]:
        result = _zeros(ev, arguments[0].shape)
        result[_place(ev, arguments, first)] = adjoint[()] if adjoint.ndim == 0 else adjoint
        return {0: result}

    return backward


_SUM, _SUM_BACK = _reduction("sum")
_MEAN, _MEAN_BACK = _reduction("mean")
_VAR, _VAR_BACK = _reduction("var")
_STD, _STD_BACK = _reduction("std")
_VAR_SAMPLE, _VAR_SAMPLE_BACK = _reduction("var", sample=True)
_STD_SAMPLE, _STD_SAMPLE_BACK = _reduction("std", sample=True)
_AMAX, _AMAX_BACK = _extreme(True)
_AMIN, _AMIN_BACK = _extreme(False)
_MAX_POOL, _MAX_POOL_BACK = _pool(False)
_AVG_POOL, _AVG_POOL_BACK = _pool(True)
_TIES = "ties share the adjoint equally (as torch.amax and torch.amin)"
_SOFTMAX_OVER, _SOFTMAX_OVER_BACK = _along("softmax")
_LOG_SOFTMAX_OVER, _LOG_SOFTMAX_OVER_BACK = _along("log_softmax")

OPERATIONS: dict[str, Operation] = {row.name: row for row in (
    Operation("sum_over", (2,), "sum(X, axis)", "the sum along an axis", "torch.sum(X, dim=axis)", "", _SUM, _SUM_BACK),
    Operation("mean_over", (2,), "mean(X, axis)", "the mean along an axis", "torch.mean(X, dim=axis)", "", _MEAN, _MEAN_BACK),
    Operation("var_over", (1, 2), "var(X, axis)", "the population variance (divided by n)", "torch.var(X, dim=axis, correction=0)",
              "", _VAR, _VAR_BACK),
    Operation("std_over", (1, 2), "std(X, axis)", "the population standard deviation", "torch.std(X, dim=axis, correction=0)",
              "undefined where σ = 0", _STD, _STD_BACK),
    Operation("var_sample", (1, 2), "var_sample(X, axis)", "the sample variance (divided by n − 1)", "torch.var(X, dim=axis)",
              "", _VAR_SAMPLE, _VAR_SAMPLE_BACK),
    Operation("std_sample", (1, 2), "std_sample(X, axis)", "the sample standard deviation", "torch.std(X, dim=axis)",
              "undefined where σ = 0", _STD_SAMPLE, _STD_SAMPLE_BACK),
    Operation("amax", (1, 2), "amax(X, axis)", "the largest entry (along an axis)", "torch.amax(X, dim=axis)", _TIES, _AMAX, _AMAX_BACK),
    Operation("amin", (1, 2), "amin(X, axis)", "the smallest entry (along an axis)", "torch.amin(X, dim=axis)", _TIES, _AMIN, _AMIN_BACK),
    Operation("argmax", (1, 2), "argmax(X, axis)", "the position of the first largest entry, from 0", "torch.argmax(X, dim=axis)",
              "no gradient", _argmax, None, ()),
    Operation("softmax_over", (2,), "softmax(X, axis)", "softmax within each row (axis 1) or each column (axis 0)",
              "torch.softmax(X, dim=axis)", "", _SOFTMAX_OVER, _SOFTMAX_OVER_BACK),
    Operation("log_softmax_over", (2,), "log_softmax(X, axis)", "log-softmax within each row (1) or each column (0)",
              "torch.log_softmax(X, dim=axis)", "", _LOG_SOFTMAX_OVER, _LOG_SOFTMAX_OVER_BACK),
    Operation("layer_norm", (1, 2), "layer_norm(X, eps)", "each row (the last axis) to mean 0, variance 1",
              "torch.nn.functional.layer_norm(X, X.shape[-1:], eps=eps)", "", _layer_norm, _layer_norm_backward),
    Operation("batch_norm", (1, 2), "batch_norm(X, eps)", "each column (the batch axis) to mean 0, variance 1 (batch statistics)",
              "torch.nn.functional.batch_norm(X, None, None, training=True, eps=eps)", "", _batch_norm, _batch_norm_backward),
    Operation("conv2d", (2, 3, 4), "conv2d(X, K, stride, padding)", "the cross-correlation of a matrix by a kernel, zero padding",
              "torch.nn.functional.conv2d", "", _convolution, _convolution_backward, (0, 1)),
    Operation("conv1d", (2, 3, 4), "conv1d(x, k, stride, padding)", "the cross-correlation of a list by a kernel, zero padding",
              "torch.nn.functional.conv1d", "", _convolution, _convolution_backward, (0, 1)),
    Operation("max_pool", (1, 2, 3), "max_pool(X, size, stride)", "the largest entry of each window (size 2, stride the size)",
              "torch.nn.functional.max_pool2d", "a tie sends the adjoint to the first largest entry of the window, row by row "
              "(torch.max_pool2d)", _MAX_POOL, _MAX_POOL_BACK),
    Operation("avg_pool", (1, 2, 3), "avg_pool(X, size, stride)", "the mean of each window (size 2, stride the size)",
              "torch.nn.functional.avg_pool2d", "", _AVG_POOL, _AVG_POOL_BACK),
    Operation("attention", (3, 4), "attention(Q, K, V, mask)", "scaled dot-product attention, softmax(Q Kᵀ/√d_k) V",
              "torch.nn.functional.scaled_dot_product_attention", "", _attention, _attention_backward, (0, 1, 2)),
    Operation("rnn_cell", (5,), "rnn_cell(x, h, Wx, Wh, b)", "an Elman RNN step, tanh(W_x x + W_h h + b)", "torch.nn.RNNCell",
              "", _rnn_cell, _rnn_cell_backward, (0, 1, 2, 3, 4)),
    Operation("concat", (2,), "concat(A, B)", "two lists joined, or two matrices stacked by rows", "torch.cat([A, B])", "",
              _concat, _concat_backward, (0, 1)),
    Operation("reshape", (2, 3), "reshape(X, rows, columns)", "the entries in row-major order in a new shape", "torch.reshape", "",
              _reshape, _reshape_backward),
    Operation("index", (2, 3), "index(X, i, j)", "an entry, or a row, counted from 0", "X[i, j]", "", _index, _placed_backward(1)),
    Operation("slice", (3,), "slice(X, start, stop)", "entries (rows) start … stop − 1, counted from 0", "X[start:stop]", "",
              _slice, _placed_backward(2)),
)}
# Backward-only rows for functions the evaluator computes itself.
VJPS: dict[str, Backward] = {"softmax": softmax_backward, "log_softmax": log_softmax_backward,
                             "var": _VAR_BACK, "std": _STD_BACK, "max": _pairwise(True), "min": _pairwise(False)}


def backward_name(function: str, position: int) -> str:
    """The name reverse mode gives the adjoint of argument ``position`` of ``function``: "∂conv2d#1"."""
    return f"∂{function}#{position}"


def vector_jacobian(ev: Any, function: str, arguments: list[Array]) -> Array:
    """Evaluate a ``∂name#i(adjoint, arguments…)`` that reverse mode wrote."""
    name, _, position = function[1:].partition("#")
    row = OPERATIONS.get(name)
    backward = row.backward if row is not None else VJPS.get(name)
    if backward is None:
        raise ValueError(f"{name} has no derivative")
    return backward(ev, arguments[0], arguments[1:])[int(position)]


__all__ = ["DEFAULT_EPS", "OPERATIONS", "Operation", "VJPS", "backward_name", "vector_jacobian"]
