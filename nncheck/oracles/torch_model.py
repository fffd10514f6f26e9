"""PyTorch as an oracle for a model in the general form (``model:``): its formulas evaluated with torch tensors.

An evaluator of its own over nncheck's expression trees (:mod:`nncheck.expr.nodes`), independent of
nncheck's: every node is computed with float64 tensors, every function by the PyTorch function that
nncheck's tables name as its counterpart (the ``torch`` column of the rows of
:mod:`nncheck.network.rules`, the ``torch`` column of :mod:`nncheck.expr.operations`): ``conv2d`` is
``torch.nn.functional.conv2d``, ``max_pool`` ``F.max_pool2d``, ``layer_norm`` ``F.layer_norm``,
``attention`` ``F.scaled_dot_product_attention``, ``rnn_cell`` a ``torch.nn.RNNCell``, ``mse``
``F.mse_loss`` and so on. Only the shapes follow nncheck's conventions (``*`` is the matrix product
where the shapes call for it, a number times anything entry by entry; a row, a column or a list spread
over a matrix), since they say what a formula means.

Gradients come from ``torch.autograd.grad`` of each scalar the spec lists under ``gradients``, with
respect to every given and every definition (intermediate tensors included), not from nncheck's
reverse mode. A loop runs in torch step by step: each step's definitions and gradients (the updated
givens are fresh leaves, so that a step's gradients are taken within the step, as nncheck's are),
then the updates in order under ``torch.no_grad``, ``grad(f, x)`` reading the step's ∂f/∂x; after the last
step, the definitions once more (the loss after training).

The tables ACTIVATIONS, LOSSES, ELEMENTARY and OPERATIONS map nncheck's names to the torch functions;
a test replaces one to check that the comparison notices. Imported only by ``--oracle torch``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nncheck.errors import NncheckError
from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose,
    Vector,
)
from nncheck.network.graph import adjoint_name, at_step
from nncheck.records import DEFAULT_NEGATIVE_SLOPE, Graph, Loop

DTYPE = torch.float64
Tensor = torch.Tensor
# ε of layer_norm and batch_norm when a formula gives none (PyTorch's default, and nncheck's).
DEFAULT_EPS = 1e-5


class TorchModelError(NncheckError, ValueError):
    """PyTorch cannot compute a formula nncheck computes (the message names the definition and why)."""


class _Unfit(ValueError):
    """Operands whose shapes do not fit nncheck's reading of a formula."""


# ---- the torch functions, by nncheck's names ----------------------------------------------------------

def _over_scores(function: Callable[..., Tensor], name: str) -> Callable[[Tensor], Tensor]:
    """``function`` (torch.softmax, F.log_softmax) over each row of a matrix of scores; over every entry of a list (or
    a row or column), as nncheck reads softmax."""
    def apply(z: Tensor) -> Tensor:
        if z.numel() == 1:
            raise _Unfit(f"{name} of one score")
        if z.dim() == 2 and min(z.shape) > 1:
            return function(z, dim=-1)
        return function(z.reshape(-1), dim=0).reshape(z.shape)

    return apply


_softmax = _over_scores(torch.softmax, "softmax")
_log_softmax = _over_scores(F.log_softmax, "log_softmax")


def _identity(z: Tensor) -> Tensor:
    result: Tensor = nn.Identity()(z)
    return result


def _leaky_relu(z: Tensor, slope: float = float(DEFAULT_NEGATIVE_SLOPE)) -> Tensor:
    return F.leaky_relu(z, negative_slope=slope)


# Each activation as PyTorch computes it (the torch column of nncheck.network.rules.ACTIVATIONS): the operand, then its parameters as numbers.
ACTIVATIONS: dict[str, Callable[..., Tensor]] = {
    "identity": _identity,
    "relu": torch.relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": _softmax,
    "elu": F.elu,
    "gelu": F.gelu,
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "silu": F.silu,
    "softplus": F.softplus,  # β = 1 and PyTorch's threshold 20: z itself beyond it
}


def _one_hot(y: Tensor) -> Tensor | None:
    """The class index of each row of a one-hot target (the index of a list), or None when y is not one-hot."""
    if y.dim() not in (1, 2) or not bool(((y == 0) | (y == 1)).all()) or not bool((y.sum(dim=-1) == 1).all()):
        return None
    return y.argmax(dim=-1)


def _samples(a: Tensor) -> int:
    """How many samples a loss averages over: the rows of a matrix of two rows or more (a batch), else one."""
    return a.shape[0] if a.dim() == 2 and a.shape[0] > 1 else 1


def _multiclass_hinge(a: Tensor, y: Tensor) -> Tensor:
    """nn.MultiMarginLoss() times the classes (it averages over them) on one-hot targets, averaged over a batch's rows
    (reduction="mean"); Σ_{j≠c} max(0, a_j − a_c + 1) written with torch.relu for a target that is not one-hot."""
    classes = _one_hot(y)
    if classes is None or a.dim() not in (1, 2):
        rows, targets = (a, y) if _samples(a) > 1 else (a.reshape(1, -1), y.reshape(1, -1))
        margins = rows - (targets * rows).sum(dim=1, keepdim=True) + 1
        return ((1 - targets) * torch.relu(margins)).sum() / rows.shape[0]
    if a.dim() == 1:
        return F.multi_margin_loss(a.unsqueeze(0), classes.unsqueeze(0)) * a.shape[0]
    return F.multi_margin_loss(a, classes) * a.shape[1]


def _nll(a: Tensor, y: Tensor) -> Tensor:
    """nn.NLLLoss() on one-hot targets (a holds log-probabilities), averaged over a batch's rows; −Σ y a otherwise.

    NLLLoss takes class indices, which have no gradient: the target's gradient, −a, comes from −Σ y a added with
    value 0 (``written − written.detach()``), the output's and the value from NLLLoss itself.
    """
    written = -(y * a.detach()).sum() / _samples(a)
    classes = _one_hot(y)
    if classes is None or a.dim() not in (1, 2):
        return -(y * a).sum() / _samples(a)
    return F.nll_loss(a, classes) + (written - written.detach())


def _cross_entropy(a: Tensor, y: Tensor) -> Tensor:
    """−Σ y log a of probabilities, averaged over a batch's rows."""
    return -(y * torch.log(a)).sum() / _samples(a)


def _cross_entropy_logits(a: Tensor, y: Tensor) -> Tensor:
    """nn.CrossEntropyLoss() with probability targets: one sample's, or the mean over the rows of a batch."""
    if a.dim() == 2:
        return F.cross_entropy(a, y)
    return F.cross_entropy(a.reshape(-1), y.reshape(-1))


# Each loss as PyTorch computes it (the torch column of nncheck.network.rules.LOSSES), of the output and the target (whose gradient autograd takes too);
# "mean" reductions average over every entry of the output, and the losses of one sample's classes (cross_entropy,
# cross_entropy_logits, nll, multiclass_hinge) over the rows of a batch, as PyTorch's reduction="mean".
LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "bce": F.binary_cross_entropy,
    "mse": F.mse_loss,
    "half_sse": lambda a, y: 0.5 * F.mse_loss(a, y, reduction="sum"),
    "cross_entropy": _cross_entropy,
    "sse": lambda a, y: F.mse_loss(a, y, reduction="sum"),
    "l1": F.l1_loss,
    "huber": F.huber_loss,  # δ = 1
    "hinge": lambda a, y: torch.relu(1 - y * a).mean(),
    "multiclass_hinge": _multiclass_hinge,
    "nll": _nll,
    "bce_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy_logits": _cross_entropy_logits,
}


def _log(x: Tensor, base: Tensor | None = None) -> Tensor:
    return torch.log(x) if base is None else torch.log(x) / torch.log(_scalar(base, "the base"))


def _dot(u: Tensor, v: Tensor) -> Tensor:
    if u.numel() != v.numel():
        raise _Unfit(f"the dot product of {_shape(u)} and {_shape(v)}")
    return torch.dot(u.reshape(-1), v.reshape(-1))


def _as_list(x: Tensor) -> Tensor:
    return x.reshape(1) if x.dim() == 0 else x


# Functions of whole tensors: torch's elementwise functions and reductions (sum, mean, var and std of every entry,
# population variance as nncheck's).
ELEMENTARY: dict[str, Callable[..., Tensor]] = {
    "exp": torch.exp,
    "log": _log,
    "sqrt": torch.sqrt,
    "sum": torch.sum,
    "mean": torch.mean,
    "var": lambda x: torch.var(x, correction=0),
    "std": lambda x: torch.std(x, correction=0),
    "norm": torch.linalg.vector_norm,
    "dot": _dot,
    "matmul": lambda u, v: torch.matmul(_as_list(u), _as_list(v)),
    "outer": lambda u, v: torch.outer(u.reshape(-1), v.reshape(-1)),
    "log_softmax": _log_softmax,
    "root": lambda x, n: torch.pow(x, 1 / _scalar(n, "the index of the root")),
}


def _whole(value: Tensor, what: str, minimum: int = 0) -> int:
    number = float(_scalar(value, what).item())
    if not number.is_integer() or number < minimum:
        raise _Unfit(f"{what} must be a whole number of at least {minimum}")
    return int(number)


def _number(value: Tensor, what: str) -> float:
    """A parameter that takes no gradient (ε, a slope) as a Python float."""
    return float(_scalar(value, what).item())


def _axis(arguments: Sequence[Tensor], position: int) -> int | None:
    if len(arguments) <= position:
        return None
    axis = _whole(arguments[position], "the axis")
    if axis >= max(arguments[0].dim(), 1):
        raise _Unfit(f"axis {axis} of an array with {arguments[0].dim()} axes")
    return axis


def _along(function: Callable[..., Tensor], **options: Any) -> Callable[[Sequence[Tensor]], Tensor]:
    """A reduction along the axis an argument names (every entry without one): torch.sum(X, dim=axis) and the like."""
    def reduce(arguments: Sequence[Tensor]) -> Tensor:
        axis = _axis(arguments, 1)
        x = arguments[0]
        return function(x, **options) if axis is None else function(x, dim=axis, **options)

    return reduce


def _extreme(function: Callable[..., Tensor]) -> Callable[[Sequence[Tensor]], Tensor]:
    def reduce(arguments: Sequence[Tensor]) -> Tensor:
        axis = _axis(arguments, 1)
        return function(arguments[0]) if axis is None else function(arguments[0], dim=axis)

    return reduce


def _argmax(arguments: Sequence[Tensor]) -> Tensor:
    axis = _axis(arguments, 1)
    found = torch.argmax(arguments[0]) if axis is None else torch.argmax(arguments[0], dim=axis)
    return found.to(DTYPE)


def _eps(arguments: Sequence[Tensor]) -> float:
    return _number(arguments[1], "ε") if len(arguments) > 1 else DEFAULT_EPS


def _layer_norm(arguments: Sequence[Tensor]) -> Tensor:
    x = arguments[0]
    if x.dim() not in (1, 2):
        raise _Unfit("normalisation of a list or a matrix")
    return F.layer_norm(x, x.shape[-1:], eps=_eps(arguments))


def _batch_norm(arguments: Sequence[Tensor]) -> Tensor:
    x = arguments[0]
    if x.dim() != 2:
        raise _Unfit("batch_norm of a matrix (samples × features)")
    return F.batch_norm(x, None, None, training=True, eps=_eps(arguments))


def _convolution(arguments: Sequence[Tensor]) -> Tensor:
    """F.conv1d of a list by a list kernel, F.conv2d of a matrix by a matrix kernel (stride and zero padding on
    every side, as PyTorch takes them)."""
    x, kernel = arguments[0], arguments[1]
    if (x.dim() == 1) != (kernel.dim() == 1) or x.dim() not in (1, 2):
        raise _Unfit("a convolution of a list takes a list kernel, of a matrix a matrix kernel")
    stride = _whole(arguments[2], "the stride", 1) if len(arguments) > 2 else 1
    padding = _whole(arguments[3], "the padding") if len(arguments) > 3 else 0
    convolve = F.conv1d if x.dim() == 1 else F.conv2d
    return convolve(x[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]


def _pool(one: Callable[..., Tensor], two: Callable[..., Tensor]) -> Callable[[Sequence[Tensor]], Tensor]:
    """F.max_pool1d / F.max_pool2d (and the average's) over windows of ``size`` (2), moving by ``stride`` (the size)."""
    def pool(arguments: Sequence[Tensor]) -> Tensor:
        x = arguments[0]
        size = _whole(arguments[1], "the pool size", 1) if len(arguments) > 1 else 2
        stride = _whole(arguments[2], "the stride", 1) if len(arguments) > 2 else size
        if x.dim() == 1:
            return one(x[None, None], size, stride)[0, 0]
        if x.dim() != 2:
            raise _Unfit("pooling of a list or a matrix")
        return two(x[None, None], size, stride)[0, 0]

    return pool


def _attention(arguments: Sequence[Tensor]) -> Tensor:
    """F.scaled_dot_product_attention; the mask's 1 (attend) and 0 (masked) as a boolean mask."""
    q, k, v = arguments[:3]
    if q.dim() != 2 or k.dim() != 2 or v.dim() != 2 or q.shape[1] != k.shape[1] or k.shape[0] != v.shape[0]:
        raise _Unfit("attention needs Q (queries × d_k), K (keys × d_k) and V (keys × d_v)")
    mask = None
    if len(arguments) > 3:
        bits = arguments[3].detach()
        if tuple(bits.shape) != (q.shape[0], k.shape[0]) or not bool(((bits == 0) | (bits == 1)).all()):
            raise _Unfit("the attention mask holds 1 (attend) and 0 (masked), one row per query")
        mask = bits == 1
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _rnn_cell(arguments: Sequence[Tensor]) -> Tensor:
    """A torch.nn.RNNCell (tanh) whose weights are W_x, W_h, the bias b and a second bias of 0, called functionally."""
    x, h, wx, wh, b = arguments
    if wx.dim() != 2 or wh.dim() != 2 or wx.shape[1] != x.numel() or wh.shape[1] != h.numel() or wh.shape[0] != b.numel():
        raise _Unfit("rnn_cell(x, h, W_x, W_h, b) needs W_x (hidden × inputs), W_h (hidden × hidden), b (hidden)")
    cell = nn.RNNCell(wx.shape[1], wh.shape[0], nonlinearity="tanh", dtype=DTYPE)
    weights = {"weight_ih": wx, "weight_hh": wh, "bias_ih": b.reshape(-1), "bias_hh": torch.zeros(wh.shape[0], dtype=DTYPE)}
    result: Tensor = torch.func.functional_call(cell, weights, (x.reshape(-1), h.reshape(-1)))
    return result


def _concat(arguments: Sequence[Tensor]) -> Tensor:
    first, second = arguments
    if first.dim() != second.dim() or first.dim() == 0 or first.shape[1:] != second.shape[1:]:
        raise _Unfit("concat joins two lists, or two matrices with as many columns")
    return torch.cat([first, second])


def _reshape(arguments: Sequence[Tensor]) -> Tensor:
    shape = tuple(_whole(a, "a size", 1) for a in arguments[1:])
    return torch.reshape(arguments[0], shape)


def _index(arguments: Sequence[Tensor]) -> Tensor:
    where = tuple(_whole(a, "an index") for a in arguments[1:])
    x = arguments[0]
    if x.dim() == 0 or len(where) > x.dim() or any(i >= n for i, n in zip(where, x.shape)):
        raise _Unfit(f"index {where} of {_shape(x)}")
    return x[where]


def _slice(arguments: Sequence[Tensor]) -> Tensor:
    x = arguments[0]
    start, stop = (_whole(a, "a bound of the slice") for a in arguments[1:3])
    if x.dim() == 0 or not start < stop <= x.shape[0]:
        raise _Unfit(f"slice {start}:{stop} of {_shape(x)}")
    return x[start:stop]


# The tensor operations and layers (nncheck.expr.operations.OPERATIONS, whose torch column each follows), of the
# evaluated arguments; sizes, strides, axes, ε and masks are read as numbers and take no gradient.
OPERATIONS: dict[str, Callable[[Sequence[Tensor]], Tensor]] = {
    "sum_over": _along(torch.sum),
    "mean_over": _along(torch.mean),
    "var_over": _along(torch.var, correction=0),
    "std_over": _along(torch.std, correction=0),
    "var_sample": _along(torch.var),
    "std_sample": _along(torch.std),
    "softmax_over": lambda a: torch.softmax(a[0], dim=_whole(a[1], "the axis")),
    "log_softmax_over": lambda a: F.log_softmax(a[0], dim=_whole(a[1], "the axis")),
    "amax": _extreme(torch.amax),
    "amin": _extreme(torch.amin),
    "argmax": _argmax,
    "layer_norm": _layer_norm,
    "batch_norm": _batch_norm,
    "conv2d": _convolution,
    "conv1d": _convolution,
    "max_pool": _pool(F.max_pool1d, F.max_pool2d),
    "avg_pool": _pool(F.avg_pool1d, F.avg_pool2d),
    "attention": _attention,
    "rnn_cell": _rnn_cell,
    "concat": _concat,
    "reshape": _reshape,
    "index": _index,
    "slice": _slice,
}


# ---- the evaluator ----------------------------------------------------------------------------------------

def _shape(x: Tensor) -> str:
    return "a number" if x.dim() == 0 else "×".join(map(str, x.shape))


def _scalar(x: Tensor, what: str) -> Tensor:
    if x.numel() != 1:
        raise _Unfit(f"{what} is {_shape(x)}, not a number")
    return x.reshape(())


def _is_vector(shape: Sequence[int]) -> bool:
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


def _aligned(left: Tensor, right: Tensor, verb: str) -> tuple[Tensor, Tensor]:
    """Operands of an entrywise operation, as nncheck reads them: equal shapes, a number with anything, a list with
    a row or column of as many entries; over a matrix, a row over its rows and a column over its columns (torch's
    broadcasting), a list of as many entries as it has columns over its rows (a bias over a batch of samples), else
    of as many as it has rows over its columns."""
    if left.shape == right.shape:
        return left, right
    if left.numel() == 1:
        return left.reshape(()), right
    if right.numel() == 1:
        return left, right.reshape(())
    if left.dim() == 1 and right.dim() == 2 and _is_vector(right.shape) and left.numel() == right.numel():
        return left.reshape(right.shape), right
    if right.dim() == 1 and left.dim() == 2 and _is_vector(left.shape) and left.numel() == right.numel():
        return left, right.reshape(left.shape)
    if left.dim() == 2 and right.dim() in (1, 2):
        return left, _over(right, left, verb)
    if right.dim() == 2 and left.dim() == 1:
        return _over(left, right, verb), right
    raise _Unfit(f"cannot {verb} {_shape(left)} and {_shape(right)}")


def _over(small: Tensor, matrix: Tensor, verb: str) -> Tensor:
    """A row, a column or a list in the shape torch broadcasts over ``matrix``."""
    rows, columns = matrix.shape
    if small.dim() == 2 and tuple(small.shape) in ((1, columns), (rows, 1)):
        return small
    if small.dim() == 1 and small.shape[0] == columns:
        return small
    if small.dim() == 1 and small.shape[0] == rows:
        return small.reshape(rows, 1)
    raise _Unfit(f"cannot {verb} {_shape(small)} and {_shape(matrix)}")


class Evaluation:
    """One frame of names (tensors) in which formulas are evaluated; ``gradients`` answers grad(f, x) in an update."""

    def __init__(self, names: Mapping[str, Tensor], gradients: Mapping[tuple[str, str], Tensor] | None = None) -> None:
        self.names = names
        self.gradients = gradients or {}

    def value(self, node: Node) -> Tensor:
        if isinstance(node, Number):
            return torch.tensor(float(node.printed.value), dtype=DTYPE)
        if isinstance(node, (Symbol, Constant)):
            if node.name in self.names:
                return self.names[node.name]
            if isinstance(node, Constant):
                return torch.tensor(math.e if node.name == "e" else math.pi, dtype=DTYPE)
            raise _Unfit(f"{node.name} has no value")
        if isinstance(node, Negate):
            return -self.value(node.operand)
        if isinstance(node, Sum):
            total = self.value(node.terms[0][1])
            for sign, term in node.terms[1:]:
                left, right = _aligned(total, self.value(term), "subtract" if sign == "-" else "add")
                total = left - right if sign == "-" else left + right
            return total
        if isinstance(node, Product):
            result = self.value(node.factors[0][1])
            for operator, factor in node.factors[1:]:
                result = self.combine(operator, result, self.value(factor))
            return result
        if isinstance(node, Quotient):
            return self.divide(self.value(node.numerator), self.value(node.denominator))
        if isinstance(node, Power):
            return self.power(node)
        if isinstance(node, Transpose):
            operand = self.value(node.operand)
            if operand.dim() == 1 and operand.numel() > 1:
                return operand.reshape(1, -1)
            return operand.T if operand.dim() == 2 else operand
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Matrix):
            return torch.stack([torch.stack([_scalar(self.value(cell), "a matrix entry") for cell in row]) for row in node.rows])
        if isinstance(node, Vector):
            return torch.stack([_scalar(self.value(item), "a vector entry") for item in node.items])
        raise _Unfit(f"{type(node).__name__} has no PyTorch counterpart in the oracle")

    def combine(self, operator: str, left: Tensor, right: Tensor) -> Tensor:
        if operator == DIVIDE:
            return self.divide(left, right)
        if operator == HADAMARD:
            a, b = _aligned(left, right, "multiply")
            return a * b
        return self.multiply(left, right)

    @staticmethod
    def multiply(left: Tensor, right: Tensor) -> Tensor:
        """A number times anything entry by entry; otherwise the matrix product the shapes call for (a list is a row
        on the left of a matrix, a column on its right, and stays a list)."""
        if left.numel() == 1 or right.numel() == 1:
            a, b = _aligned(left, right, "multiply")
            return a * b
        a = left.reshape(1, -1) if left.dim() == 1 and right.dim() == 2 and right.shape[0] == left.numel() else left
        b = right.reshape(-1, 1) if right.dim() == 1 and a.dim() == 2 and a.shape[1] == right.numel() else right
        if a.dim() == 2 and b.dim() == 2 and a.shape[1] == b.shape[0]:
            product = torch.matmul(a, b)
            keep_list = left.dim() == 1 or right.dim() == 1
            return product.reshape(-1) if keep_list and _is_vector(product.shape) else product
        raise _Unfit(f"{_shape(left)} times {_shape(right)} is undefined as written")

    @staticmethod
    def divide(left: Tensor, right: Tensor) -> Tensor:
        if right.numel() != 1:
            a, b = _aligned(left, right, "divide")
            return a / b
        return left / right.reshape(())

    def power(self, node: Power) -> Tensor:
        exponent: Tensor | float
        if isinstance(node.exponent, Number):
            exponent = float(node.exponent.printed.value)
        else:
            exponent = _scalar(self.value(node.exponent), "the exponent")
        if isinstance(node.base, Constant) and node.base.name == "e" and "e" not in self.names:
            return torch.exp(exponent if isinstance(exponent, Tensor) else torch.tensor(exponent, dtype=DTYPE))
        return torch.pow(self.value(node.base), exponent)

    def call(self, node: Call) -> Tensor:
        name = node.function
        if name == "grad":  # grad(f, x) in an update: the step's ∂f/∂x
            of, by = node.arguments
            assert isinstance(of, Symbol) and isinstance(by, Symbol)  # the loader checks it
            return self.gradients[of.name, by.name]
        arguments = [self.value(argument) for argument in node.arguments]
        if name in OPERATIONS:
            return OPERATIONS[name](arguments)
        if name in ACTIVATIONS:
            return ACTIVATIONS[name](arguments[0], *(_number(p, "a parameter") for p in arguments[1:]))
        if name in LOSSES:  # the target in the output's shape (a list for a row or column of as many entries)
            output, target = arguments[0], arguments[1]
            if target.shape != output.shape:
                target = target.reshape(output.shape) if target.numel() == output.numel() else target.expand(output.shape)
            return LOSSES[name](output, target)
        if name in ("max", "min") and len(arguments) == 1:  # the largest entry: ties share the gradient (torch.amax)
            return torch.amax(arguments[0]) if name == "max" else torch.amin(arguments[0])
        if name in ("max", "min"):  # entry by entry (torch.maximum: a tie shares the gradient)
            result = arguments[0]
            for other in arguments[1:]:
                a, b = _aligned(result, other, "compare")
                result = torch.maximum(a, b) if name == "max" else torch.minimum(a, b)
            return result
        if name in ELEMENTARY:
            return ELEMENTARY[name](*arguments)
        raise _Unfit(f"{name} has no PyTorch counterpart in the oracle")


# ---- a model's quantities ---------------------------------------------------------------------------------

def _leaf(value: Any) -> Tensor:
    """A given's exact numbers as a float64 leaf (each rounded once to the nearest float) that takes gradients."""
    array = np.asarray(value, dtype=object)
    converted = np.frompyfunc(lambda v: float(Fraction(v)) if isinstance(v, (Fraction, int)) else float(v), 1, 1)(array)
    return torch.tensor(np.asarray(converted, dtype=float), dtype=DTYPE).requires_grad_(True)


def _forward(model: Graph, frame: dict[str, Tensor]) -> None:
    """Each definition into ``frame``, as a node of its own (so that ∂f/∂q is through q's uses only, even when q's
    formula is a bare name). Raises TorchModelError naming the definition that PyTorch cannot compute."""
    for definition in model.definitions:
        try:
            result = Evaluation(frame).value(definition.formula)
        except (_Unfit, RuntimeError, ValueError, IndexError, TypeError) as error:
            raise TorchModelError(f"PyTorch cannot compute {definition.name}: {error}") from None
        # A value that depends on no given (argmax, a constant) is a leaf of its own: ∂f/∂q is still taken for it.
        frame[definition.name] = result.view_as(result) if result.requires_grad else result.detach().requires_grad_(True)


def _gradients(frame: Mapping[str, Tensor], of: str) -> dict[str, Tensor]:
    """∂of/∂name for every name of ``frame`` by torch.autograd.grad (zeros where ``of`` does not depend on it)."""
    names = [name for name, value in frame.items() if value.requires_grad]
    found = torch.autograd.grad(frame[of], [frame[name] for name in names], retain_graph=True, allow_unused=True)
    result = {name: torch.zeros_like(value) for name, value in frame.items()}
    result.update({name: g for name, g in zip(names, found) if g is not None})
    return result


def _numpy(value: Tensor) -> Any:
    return value.detach().numpy().copy()


def values(model: Graph, gradients: Sequence[str], loop: Loop | None) -> dict[str, Any]:
    """Every quantity nncheck names for the model (its givens, definitions, ∂f/∂name for each f of ``gradients``,
    and with a loop each step's, named as :func:`nncheck.network.graph.unrolled` names them), as float64 NumPy
    arrays computed by PyTorch."""
    givens = {name: _leaf(value) for name, value in model.givens.items()}
    found: dict[str, Any] = {name: _numpy(value) for name, value in givens.items()}
    if loop is None:
        frame = dict(givens)
        _forward(model, frame)
        found |= {name: _numpy(value) for name, value in frame.items()}
        for of in gradients:
            found |= {adjoint_name(of, name): _numpy(g) for name, g in _gradients(frame, of).items()}
        return found
    updated = {update.name for update in loop.updates}
    current = {name: givens[name] for name in updated}
    found |= {at_step(name, 1): _numpy(value) for name, value in current.items()}
    for step in range(1, loop.steps + 1):
        frame = dict(givens) | {name: value.detach().clone().requires_grad_(True) for name, value in current.items()}
        _forward(model, frame)
        renamed = {name: at_step(name, step) if name in updated or name not in givens else name for name in frame}
        found |= {renamed[name]: _numpy(value) for name, value in frame.items() if name not in givens or name in updated}
        by_step: dict[tuple[str, str], Tensor] = {}
        for of in gradients:
            for name, g in _gradients(frame, of).items():
                by_step[of, name] = g
                found[adjoint_name(at_step(of, step), renamed[name])] = _numpy(g)
        names = dict(frame)
        with torch.no_grad():
            for update in loop.updates:  # in order: an update reads the new value of one above it
                try:
                    names[update.name] = Evaluation(names, by_step).value(update.formula)
                except (_Unfit, RuntimeError, ValueError, IndexError, TypeError) as error:
                    raise TorchModelError(f"PyTorch cannot compute the update of {update.name}: {error}") from None
                found[at_step(update.name, step + 1)] = _numpy(names[update.name])
        current = {name: names[name] for name in updated}
    # After the last update, the definitions once more (forward only): the loss after training, L@(steps + 1)
    frame = dict(givens) | {name: value.detach().clone() for name, value in current.items()}
    _forward(model, frame)
    found |= {at_step(d.name, loop.steps + 1): _numpy(frame[d.name]) for d in model.definitions}
    return found


__all__ = ["ACTIVATIONS", "ELEMENTARY", "LOSSES", "OPERATIONS", "Evaluation", "TorchModelError", "values"]
