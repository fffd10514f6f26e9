"""The one evaluator: an expression tree's value in a frame, on any backend of nncheck.network.

Values are numpy arrays of the backend's numbers: shape () for a number, (n,) for a list written
inline, (rows, columns) for a matrix. On the ball backend (the default) the numbers are
:class:`nncheck.network.ball.Real`: Fractions while rational, rigorous balls after. Functions come from one table:
activations and losses are the rows of :mod:`nncheck.network.rules` (``sigmoid``; ``sigmoid′``, the
derivative at the pre-activation; ``∂sigmoid``, the rule's derivative of its own operand, a for σ;
``bce`` and its gradient ``∂bce``), the rest (exp, log, sqrt, powers, π) the backend's.

A page's frame gives each name its value and each number that restates an earlier result the value
it stands for: the true value in the true chain, the printed digits' rounding interval in the
document's own numbers. A network's steps (:mod:`nncheck.network.steps`) are formulas evaluated here.

A product that is undefined as written (a column times a column) is read the way the other
side of the equation shows was meant, when exactly one reading fits its shape: the outer product
u·vᵀ, the dot product uᵀv, or the elementwise product. An asterisk between two matrices that have
no matrix product (X * K, a 3×3 input and a 2×2 kernel) is read as the valid 2-D convolution of
deep-learning pages: the cross-correlation conv2d computes, or with ``flip`` the convolution with
the kernel turned by 180°. The reading is recorded, never silent; an asterisk that fits no reading
raises NoReading, and the side is not evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose,
)
from nncheck.errors import Undecided
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.expr.operations import OPERATIONS, vector_jacobian
from nncheck.network.rules import ACTIVATIONS, LOSSES, Parameters

Shape = tuple[int, ...]
# Functions of a list's entries (Evaluator.reduce).
REDUCTIONS = ("sum", "mean", "var", "std", "norm", "dot")


class ShapeError(ValueError):
    """An operation whose operands' shapes do not fit (the message says which)."""


class OneScore(ShapeError):
    """softmax applied to one score whose vector of scores is unknown: the side cannot be evaluated."""


class NoReading(ShapeError):
    """An asterisk between two matrices that fits no reading (no matrix product, and no convolution of the other
    side's shape): the side cannot be evaluated, which is not a wrong value. ``node`` is the product."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.node: Node | None = None


def shape_text(shape: Shape) -> str:
    if shape == ():
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    kind = "column" if shape[1] == 1 and shape[0] > 1 else "row" if shape[0] == 1 and shape[1] > 1 else "matrix"
    return f"a {shape[0]}×{shape[1]} {kind}"


def wrap(value: Any, dtype: Any = object) -> Array:
    """Numpy returns a bare element for 0-d results; keep everything an array (of objects by default)."""
    if isinstance(value, np.ndarray):
        return value.astype(dtype, copy=False)
    result = np.empty((), dtype=dtype)
    result[()] = value
    return result


def broadcast_list(values: Array, shape: Shape, verb: str) -> Array:
    """A list over a matrix: over each row when it has as many entries as the matrix has columns (a bias over a batch of
    samples in rows, as NumPy broadcasts; a square matrix too), else over each column when as many as rows (samples
    in columns); ShapeError when neither."""
    rows, columns = shape
    if values.size == columns:
        return np.broadcast_to(values, shape)
    if values.size == rows:
        return np.broadcast_to(values.reshape(rows, 1), shape)
    raise ShapeError(f"cannot {verb} {shape_text(values.shape)} and {shape_text(shape)}")


def is_vector(shape: Shape) -> bool:
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


Span = tuple[int, int]


@dataclass
class Evaluator:
    """One evaluation of one expression in one frame; ``target`` is the other side's shape, used to read undefined products.

    ``backend`` is a module of nncheck.network (ball by default; pages are judged on it). The frame
    says what the expression's names and numbers stand for: ``names`` maps a name to its value,
    ``overrides`` maps a node's span (document offsets: ``base`` + the node's offsets) to the value
    it stands for (a number that restates an earlier result), and ``components`` maps the span of a
    ``softmax`` applied to one score to the name of the vector of scores and the score's index;
    ``lookup`` gives the value of any node the caller knows better (None: evaluate the node).
    Printed numbers without an override are exact as written. With ``interval`` (ball only) a kink
    whose operand's range straddles it takes the hull of both sides (ball.HULL) instead of asking
    for more precision.

    Raises ShapeError for operands whose shapes do not fit, ValueError for a value outside a
    function's domain (log of 0), ZeroDivisionError, and Undecided where a ball cannot settle a kink.
    """

    interval: bool = False
    target: Shape | None = None
    names: Mapping[str, Array] = field(default_factory=dict)
    overrides: Mapping[Span, Array] = field(default_factory=dict)
    components: Mapping[Span, tuple[str, int]] = field(default_factory=dict)
    base: int = 0
    readings: list[str] = field(default_factory=list)
    backend: Any = None  # a Backend module; None means ball (ball.HULL with ``interval``)
    lookup: Callable[[Node], Array | None] | None = None  # the caller's value for a node, before the node's own
    sample: bool = False  # var and std with the sample convention (divided by n - 1) instead of the population's
    flip: bool = False  # an asterisk read as a convolution flips the kernel (the mathematical convolution)
    convolved: bool = False  # whether an asterisk was read as a convolution

    def __post_init__(self) -> None:
        if self.backend is None:
            self.backend = ball.HULL if self.interval else ball

    def wrap(self, value: Any) -> Array:
        return wrap(value, self.backend.DTYPE)

    def constant(self, value: Fraction) -> Array:
        return self.wrap(self.backend.constant(value))

    def value(self, node: Node) -> Array:
        span = (self.base + node.start, self.base + node.end)
        if span in self.overrides:
            return self.overrides[span]
        if self.lookup is not None:
            found = self.lookup(node)
            if found is not None:
                return found
        if isinstance(node, Number):
            return self.constant(node.printed.value)
        if isinstance(node, Constant):
            if node.name in self.names:  # the page uses e as a name (e = t - a)
                return self.names[node.name]
            if node.name == "e":
                return self.wrap(self.backend.exp(self.constant(Fraction(1))))
            return self.wrap(self.backend.pi())
        if isinstance(node, Symbol):
            if node.name in self.names:
                return self.names[node.name]
            raise ShapeError(f"{node.name} has no value")  # callers evaluate sides whose names are bound
        if isinstance(node, Call) and span in self.components:
            vector, index = self.components[span]
            return self.wrap(self.call("softmax", [self.names[vector]]).reshape(-1)[index])
        if isinstance(node, Negate):
            return self.wrap(-self.value(node.operand))
        if isinstance(node, Sum):
            total = self.value(node.terms[0][1])
            for sign, term in node.terms[1:]:
                total = self.add(total, self.value(term), subtract=sign == "-")
            return total
        if isinstance(node, Product):
            result = self.value(node.factors[0][1])
            for position, (operator, factor) in enumerate(node.factors[1:], start=1):
                try:
                    result = self.combine(operator, result, self.value(factor), starred=position in node.starred)
                except NoReading as error:
                    error.node = error.node or node
                    raise
            return result
        if isinstance(node, Quotient):
            return self.divide(self.value(node.numerator), self.value(node.denominator))
        if isinstance(node, Power):
            return self.power(node)
        if isinstance(node, Transpose):
            operand = self.value(node.operand)
            if operand.ndim == 1 and operand.size > 1:
                return operand.reshape(1, -1)  # xᵀ of a list x is a row: wᵀx is a number, δxᵀ a matrix
            return self.wrap(operand.T) if operand.ndim == 2 else operand
        if isinstance(node, Call):
            return self.call(node.function, [self.value(argument) for argument in node.arguments])
        if isinstance(node, Matrix):
            return self.array([[self.scalar(self.value(cell), "a matrix entry") for cell in row] for row in node.rows])
        return self.array([self.scalar(self.value(item), "a vector entry") for item in node.items])

    def array(self, items: list[Any]) -> Array:
        result = np.empty((len(items), len(items[0])) if isinstance(items[0], list) else (len(items),), dtype=self.backend.DTYPE)
        for index in np.ndindex(result.shape):
            result[index] = items[index[0]][index[1]] if result.ndim == 2 else items[index[0]]
        return result

    @staticmethod
    def scalar(value: Array, what: str) -> Any:
        if value.size != 1:
            raise ShapeError(f"{what} is {shape_text(value.shape)}, not a number")
        return value.reshape(-1)[0]

    @staticmethod
    def aligned(left: Array, right: Array, verb: str) -> tuple[Array, Array]:
        """Operands of an elementwise operation: equal shapes, a number with anything, a list with a row or column,
        a row or a column with each row or column of a matrix, and a list with a matrix (:func:`broadcast_list`)."""
        if left.shape == right.shape:
            return left, right
        if left.size == 1:
            return wrap(left.reshape(-1)[0], left.dtype), right
        if right.size == 1:
            return left, wrap(right.reshape(-1)[0], right.dtype)
        if left.ndim == 1 and right.ndim == 2 and is_vector(right.shape) and left.size == right.size:
            return left.reshape(right.shape), right
        if right.ndim == 1 and left.ndim == 2 and is_vector(left.shape) and left.size == right.size:
            return left, right.reshape(left.shape)
        if left.ndim == 2 and right.ndim == 2 and 1 in right.shape and right.shape in ((1, left.shape[1]), (left.shape[0], 1)):
            return left, np.broadcast_to(right, left.shape)  # a row over every row, a column over every column
        if right.ndim == 2 and left.ndim == 2 and 1 in left.shape and left.shape in ((1, right.shape[1]), (right.shape[0], 1)):
            return np.broadcast_to(left, right.shape), right
        if left.ndim == 2 and right.ndim == 1:
            return left, broadcast_list(right, left.shape, verb)
        if right.ndim == 2 and left.ndim == 1:
            return broadcast_list(left, right.shape, verb), right
        raise ShapeError(f"cannot {verb} {shape_text(left.shape)} and {shape_text(right.shape)}")

    def elementwise(self, left: Array, right: Array, verb: str, operation: Any) -> Array:
        a, b = self.aligned(left, right, verb)
        return self.wrap(operation(a, b))

    def add(self, left: Array, right: Array, *, subtract: bool) -> Array:
        if subtract:
            return self.elementwise(left, right, "subtract", lambda a, b: a - b)
        return self.elementwise(left, right, "add", lambda a, b: a + b)

    def multiply(self, left: Array, right: Array, *, starred: bool = False) -> Array:
        """The product of numbers, a matrix product, or an undefined product read (read_star, read_product)."""
        if left.size == 1 or right.size == 1:
            return self.elementwise(left, right, "multiply", lambda a, b: a * b)
        a = left.reshape(1, -1) if left.ndim == 1 and right.ndim == 2 and right.shape[0] == left.size else left
        b = right.reshape(-1, 1) if right.ndim == 1 and a.ndim == 2 and a.shape[1] == right.size else right
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            product = self.wrap(self.backend.matmul(a, b))
            keep_list = left.ndim == 1 or right.ndim == 1
            return product.reshape(-1) if keep_list and is_vector(product.shape) else product
        if starred and left.ndim == 2 and right.ndim == 2 and not (is_vector(left.shape) and is_vector(right.shape)):
            return self.read_star(left, right)
        return self.read_product(left, right)

    def read_star(self, left: Array, right: Array) -> Array:
        """X * K for two matrices with no matrix product: the valid 2-D convolution (stride 1, no padding) of the
        input X by the kernel K, which conv2d computes; its cross-correlation, or with ``flip`` its convolution with
        the kernel turned by 180° (a page's judge asks for it only where the printed values bear it out). NoReading
        when the kernel does not fit in the input."""
        undefined = f"{shape_text(left.shape)} * {shape_text(right.shape)} has no matrix product"
        if right.shape[0] > left.shape[0] or right.shape[1] > left.shape[1]:
            raise NoReading(f"{undefined}, and its {right.shape[0]}×{right.shape[1]} kernel does not fit in the "
                            f"{left.shape[0]}×{left.shape[1]} input of a convolution")
        self.convolved = True
        if self.flip:
            self.readings.append(f"{undefined}; read as the valid 2-D convolution with the kernel flipped (the "
                                 "mathematical convolution), stride 1: the printed values hold by it, and not by the "
                                 "cross-correlation that deep-learning libraries compute")
            return self.wrap(OPERATIONS["conv2d"].forward(self, [left, self.wrap(right[::-1, ::-1])]))
        self.readings.append(f"{undefined}; read as the valid 2-D cross-correlation, stride 1, which deep-learning "
                             "libraries compute as convolution (conv2d)")
        return self.wrap(OPERATIONS["conv2d"].forward(self, [left, right]))

    def read_product(self, left: Array, right: Array) -> Array:
        """An undefined product of two vectors, read by the shape the other side has."""
        undefined = f"{shape_text(left.shape)} times {shape_text(right.shape)} is undefined as written"
        if not (is_vector(left.shape) and is_vector(right.shape)) or self.target is None:
            raise ShapeError(undefined)
        u, v = left.reshape(-1), right.reshape(-1)
        if self.target == (u.size, v.size) and u.size > 1 and v.size > 1:
            self.readings.append(f"{undefined}; read as the outer product u·vᵀ, which has the {u.size}×{v.size} "
                                 "shape of the other side")
            return self.wrap(self.backend.outer(u, v))
        if u.size == v.size and math.prod(self.target) == 1:
            self.readings.append(f"{undefined}; read as the dot product uᵀv, a number like the other side")
            return self.wrap(self.backend.matmul(u.reshape(1, -1), v.reshape(-1, 1)).reshape(()))
        if u.size == v.size and self.target in (left.shape, right.shape):
            self.readings.append(f"{undefined}; read as the elementwise product, which has the shape of the other side")
            return self.wrap(left * right.reshape(left.shape))
        raise ShapeError(undefined)

    def combine(self, operator: str, left: Array, right: Array, *, starred: bool = False) -> Array:
        """One operator of a product: × (matrix or scalar product; ``starred``: written with an asterisk), ⊙ (entry
        by entry) or /."""
        if operator == DIVIDE:
            return self.divide(left, right)
        if operator == HADAMARD:
            return self.elementwise(left, right, "multiply", lambda a, b: a * b)
        return self.multiply(left, right, starred=starred)

    def divide(self, left: Array, right: Array) -> Array:
        """By a number, or entry by entry by an array of the same shape (a list by a list).

        A backend of the document's own numbers divides entry by entry (its ``quotient``), so that an entry over 0
        has no value and the others keep theirs."""
        quotient = getattr(self.backend, "quotient", None)
        if quotient is not None:
            return self.elementwise(left, right, "divide", np.frompyfunc(quotient, 2, 1))
        if right.size != 1:
            return self.elementwise(left, right, "divide", lambda a, b: a / b)
        divisor = self.scalar(right, "the divisor")
        return self.wrap(left / divisor)

    def power(self, node: Power) -> Array:
        if isinstance(node.base, Symbol) and isinstance(node.exponent, Number) and node.base.name not in self.names:
            name = f"{node.base.name}^{node.exponent.printed.text}"
            if name in self.names:
                return self.names[name]  # σ^2 bound as a name of its own (a variance)
        if isinstance(node.base, Constant) and node.base.name == "e" and "e" not in self.names:
            return self.wrap(self.backend.exp(self.value(node.exponent)))  # e^{z} of a list is entry by entry
        exponent = self.scalar(self.value(node.exponent), "the exponent")
        base = self.value(node.base)
        return self.wrap(np.frompyfunc(lambda element: self.backend.power(element, exponent), 1, 1)(base))

    def call(self, function: str, arguments: list[Array]) -> Array:
        """``function`` applied to evaluated arguments (see the module's docstring for the table)."""
        B, first = self.backend, arguments[0]
        if function in ("matmul", "outer"):  # the tensor operations of a network's steps; a number is a list of one
            left, right = (a.reshape(1) if a.ndim == 0 else a for a in (first, arguments[1]))
            return self.wrap(getattr(B, function)(left, right))
        if function == "spread":  # spread(a, x): the number a in the shape of x (reverse mode's broadcast)
            return self.wrap(np.full(arguments[1].shape, self.scalar(first, "the number spread"), dtype=self.backend.DTYPE))
        if function == "entry":  # entry(x, k): the k-th entry of x in row-major order, from 0 (reverse mode's indexing)
            position = whole(self.scalar(arguments[1], "the position"))
            if position is None or not 0 <= position < first.size:
                raise ShapeError(f"entry {position} of {shape_text(first.shape)}")
            return self.wrap(first.reshape(-1)[int(position)])
        if function in OPERATIONS:
            return self.wrap(OPERATIONS[function].forward(self, arguments))
        if function[0] == "∂" and "#" in function:  # reverse mode's vector–Jacobian product (nncheck.expr.operations)
            return self.wrap(vector_jacobian(self, function, arguments))
        if function == "softmax" and first.size == 1:
            # softmax of one score is that score's component of a vector of scores (the judge finds it); alone, it
            # would be 1, which no page means
            raise OneScore("softmax of one score, with no vector of scores that contains it")
        if function == "softmax" and first.ndim == 2 and min(first.shape) > 1:
            # softmax of a matrix of scores (attention): row by row, each row a distribution
            return self.array([list(self.call("softmax", [self.wrap(row)]).reshape(-1)) for row in first])
        name, derivative = function.removeprefix("∂").removesuffix("′"), function[0] == "∂" or function[-1] == "′"
        if name in ACTIVATIONS:
            rule = ACTIVATIONS[name]
            parameters = self.parameters(arguments[1:])
            if not derivative:
                return self.wrap(rule.forward(B, first, parameters))
            if function[-1] == "′" and rule.derivative_of == "a":  # σ′(z): the rule's derivative of a = σ(z)
                first = self.wrap(rule.forward(B, first, parameters))
            return self.wrap(rule.derivative(B, first, parameters))
        if function.endswith("/∂y") and function[1:-3] in LOSSES:  # reverse mode's ∂loss/∂target
            gradient = LOSSES[function[1:-3]].target_gradient
            assert gradient is not None  # reverse mode writes it only where the row has it
            first, target = self.loss_operands(first, arguments[1], function[1:-3])
            return self.wrap(gradient(B, first, target))
        if name in LOSSES:
            loss = LOSSES[name]
            first, target = self.loss_operands(first, arguments[1], name)
            return self.wrap((loss.gradient if derivative else loss.value)(B, first, target))
        if function in REDUCTIONS:
            return self.reduce(function, arguments)
        if function == "log_softmax":
            return self.wrap(B.log(self.call("softmax", [first])))
        if function == "exp":
            return self.wrap(B.exp(first))
        if function == "log":
            result = self.wrap(B.log(first))
            if len(arguments) == 2:
                result = self.divide(result, self.wrap(B.log(self.wrap(self.scalar(arguments[1], "the base")))))
            return result
        if function == "sqrt":
            return self.wrap(B.sqrt(first))
        if function == "root":
            index = self.scalar(arguments[1], "the index of the root")
            reciprocal = B.constant(Fraction(1)) / index
            return self.wrap(np.frompyfunc(lambda element: B.power(element, reciprocal), 1, 1)(first))
        if function not in ("max", "min"):
            raise ValueError(f"{function} is not a function nncheck evaluates")
        choose = self.larger if function == "max" else self.smaller
        if len(arguments) == 1:
            entries = list(first.reshape(-1))
            best = entries[0]
            for entry in entries[1:]:
                best = choose(best, entry)
            return self.wrap(best)
        result = first
        for other in arguments[1:]:
            result = self.elementwise(result, other, "compare", np.frompyfunc(choose, 2, 1))
        return result

    def reduce(self, function: str, arguments: list[Array]) -> Array:
        """sum, mean, var, std (population: divided by n; ``sample``: by n - 1), the Euclidean norm, and the dot
        product of two lists."""
        B = self.backend
        entries = list(arguments[0].reshape(-1))
        if function == "sum" and len(arguments) == 2:  # \sum_{i=1}^{n} x_i: the first n entries of x
            upper = getattr(self.scalar(arguments[1], "the upper limit"), "exact", None)
            if upper is None or upper.denominator != 1 or not 1 <= upper <= len(entries):
                raise ShapeError(f"a sum to {upper} of {shape_text(arguments[0].shape)}")
            entries = entries[:int(upper)]
        if function == "dot":
            other = list(arguments[1].reshape(-1))
            if len(other) != len(entries):
                raise ShapeError(f"the dot product of {shape_text(arguments[0].shape)} and {shape_text(arguments[1].shape)}")
            entries = [a * b for a, b in zip(entries, other)]
        elif function == "norm":
            entries = [a * a for a in entries]
        total = entries[0]
        for entry in entries[1:]:
            total = total + entry
        if function in ("sum", "dot"):
            return self.wrap(total)
        if function == "norm":
            return self.wrap(B.sqrt(self.wrap(total)))
        count = B.constant(Fraction(len(entries)))
        mean = total / count
        if function == "mean":
            return self.wrap(mean)
        squares = [(entry - mean) * (entry - mean) for entry in entries]
        spread = squares[0]
        for square in squares[1:]:
            spread = spread + square
        if self.sample and len(entries) < 2:
            raise ValueError(f"the sample {function} of one value")
        variance = spread / (B.constant(Fraction(len(entries) - 1)) if self.sample else count)
        return self.wrap(variance if function == "var" else B.sqrt(self.wrap(variance)))

    @staticmethod
    def loss_operands(output: Array, target: Array, loss: str) -> tuple[Array, Array]:
        """A loss's operands: the target in the output's shape (a list for a row or column of as many entries).

        Raises ShapeError when they do not have as many entries.
        """
        if output.size != target.size:
            raise ShapeError(f"{loss} of {shape_text(output.shape)} against a target of {shape_text(target.shape)}")
        return output, target.reshape(output.shape)

    def parameters(self, extra: list[Array]) -> Parameters:
        """An activation's parameters: leaky_relu(z, slope), relu′(z, value at 0); the defaults where not given."""
        defaults = Parameters.of(self.backend)
        given = [self.scalar(value, "a parameter") for value in extra]
        if len(given) > 2:
            raise ShapeError("an activation takes at most two parameters")
        return Parameters(*(given + [defaults.negative_slope, defaults.relu_grad_at_zero][len(given):]))

    def larger(self, left: Any, right: Any) -> Any:
        return self._pick(left, right, larger=True)

    def smaller(self, left: Any, right: Any) -> Any:
        return self._pick(left, right, larger=False)

    def _pick(self, left: Any, right: Any, *, larger: bool) -> Any:
        try:
            left_wins = int(self.backend.sign(self.wrap(left - right))) >= 0
        except Undecided:
            if self.interval:
                return ball.hull(left, right)  # a range across the kink: both sides
            if isinstance(left, ball.Real) and isinstance(right, ball.Real):
                return ball.extremum(left, right, larger=larger)  # its value, whichever of the two is larger
            raise
        return left if left_wins == larger else right


def whole(value: Any) -> int | None:
    """A backend's number as an int when it is exactly a whole number (a ball Real, a SymPy Integer, a float), else None."""
    exact = getattr(value, "exact", value)
    try:
        number = int(exact)
    except (TypeError, ValueError):
        return None
    return number if number == exact else None
