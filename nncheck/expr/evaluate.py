"""Evaluate a side in a frame: Fractions while rational, rigorous balls after (nncheck.network.ball).

Values are numpy object arrays of :class:`Real`: shape () for a number, (n,) for a list written
inline, (rows, columns) for a matrix. The frame (:class:`Evaluator`) gives each name its value and
each number that restates an earlier result the value it stands for: the true value in the true
chain, the printed digits' rounding interval in the document's own numbers.

A product that is undefined as written (a column times a column) is read the way the other
side of the equation shows was meant, when exactly one reading fits its shape: the outer product
u·vᵀ, the dot product uᵀv, or the elementwise product. The reading is recorded, never silent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb

from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose,
)
from nncheck.errors import Undecided
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.network.ball import Real

Shape = tuple[int, ...]
# Whole powers up to this size are computed exactly (as in a spec's equations); larger ones, and
# exact results that would pass MAX_EXACT_BITS, are computed as balls.
MAX_INTEGER_POWER = 1000
MAX_EXACT_BITS = 100_000


class ShapeError(ValueError):
    """An operation whose operands' shapes do not fit (the message says which)."""


class OneScore(ShapeError):
    """softmax applied to one score whose vector of scores is unknown: the side cannot be evaluated."""


def shape_text(shape: Shape) -> str:
    if shape == ():
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    kind = "column" if shape[1] == 1 and shape[0] > 1 else "row" if shape[0] == 1 and shape[1] > 1 else "matrix"
    return f"a {shape[0]}×{shape[1]} {kind}"


def wrap(value: Any) -> Array:
    """Numpy returns a bare element for 0-d results; keep everything an object array."""
    if isinstance(value, np.ndarray):
        return value.astype(object, copy=False)
    result = np.empty((), dtype=object)
    result[()] = value
    return result


def number(value: Real) -> Array:
    return wrap(value)


def is_vector(shape: Shape) -> bool:
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


Span = tuple[int, int]


@dataclass
class Evaluator:
    """One evaluation of one side in one frame; ``target`` is the other side's shape, used to read undefined products.

    A frame says what the side's names and numbers stand for: ``names`` maps a name to its value,
    ``overrides`` maps a node's span (document offsets: ``base`` + the node's offsets) to the value
    it stands for (a number that restates an earlier result), and ``components`` maps the span of a
    ``softmax`` applied to one score to the name of the vector of scores and the score's index.
    Printed numbers without an override are exact as written. With ``interval`` a max or min whose
    operands' ranges overlap takes their hull (the range of both) instead of asking for more precision.
    """

    interval: bool = False
    target: Shape | None = None
    names: Mapping[str, Array] = field(default_factory=dict)
    overrides: Mapping[Span, Array] = field(default_factory=dict)
    components: Mapping[Span, tuple[str, int]] = field(default_factory=dict)
    base: int = 0
    readings: list[str] = field(default_factory=list)

    def value(self, node: Node) -> Array:
        span = (self.base + node.start, self.base + node.end)
        if span in self.overrides:
            return self.overrides[span]
        if isinstance(node, Number):
            return number(Real(exact=node.printed.value))
        if isinstance(node, Constant):
            if node.name in self.names:  # the page uses e as a name (e = t - a)
                return self.names[node.name]
            return number(Real(ball=arb.const_e() if node.name == "e" else arb.pi()))
        if isinstance(node, Symbol):
            if node.name in self.names:
                return self.names[node.name]
            raise ShapeError(f"{node.name} has no value")  # callers evaluate sides whose names are bound
        if isinstance(node, Call) and span in self.components:
            vector, index = self.components[span]
            return number(self.call("softmax", [self.names[vector]]).reshape(-1)[index])
        if isinstance(node, Negate):
            return wrap(-self.value(node.operand))
        if isinstance(node, Sum):
            total = self.value(node.terms[0][1])
            for sign, term in node.terms[1:]:
                total = self.add(total, self.value(term), subtract=sign == "-")
            return total
        if isinstance(node, Product):
            result = self.value(node.factors[0][1])
            for operator, factor in node.factors[1:]:
                right = self.value(factor)
                if operator == DIVIDE:
                    result = self.divide(result, right)
                elif operator == HADAMARD:
                    result = self.elementwise(result, right, "multiply", lambda a, b: a * b)
                else:
                    result = self.multiply(result, right)
            return result
        if isinstance(node, Quotient):
            return self.divide(self.value(node.numerator), self.value(node.denominator))
        if isinstance(node, Power):
            return self.power(node)
        if isinstance(node, Transpose):
            operand = self.value(node.operand)
            if operand.ndim == 1 and operand.size > 1:
                return operand.reshape(1, -1)  # xᵀ of a list x is a row: wᵀx is a number, δxᵀ a matrix
            return wrap(operand.T) if operand.ndim == 2 else operand
        if isinstance(node, Call):
            return self.call(node.function, [self.value(argument) for argument in node.arguments])
        if isinstance(node, Matrix):
            return self.array([[self.scalar(self.value(cell), "a matrix entry") for cell in row] for row in node.rows])
        return self.array([self.scalar(self.value(item), "a vector entry") for item in node.items])

    @staticmethod
    def array(items: list[Any]) -> Array:
        result = np.empty((len(items), len(items[0])) if isinstance(items[0], list) else (len(items),), dtype=object)
        for index in np.ndindex(result.shape):
            result[index] = items[index[0]][index[1]] if result.ndim == 2 else items[index[0]]
        return result

    @staticmethod
    def scalar(value: Array, what: str) -> Real:
        if value.size != 1:
            raise ShapeError(f"{what} is {shape_text(value.shape)}, not a number")
        return value.reshape(-1)[0]  # type: ignore[no-any-return]

    @staticmethod
    def aligned(left: Array, right: Array, verb: str) -> tuple[Array, Array]:
        """Operands of an elementwise operation: equal shapes, a number with anything, a list with a row or column."""
        if left.shape == right.shape:
            return left, right
        if left.size == 1:
            return wrap(left.reshape(-1)[0]), right
        if right.size == 1:
            return left, wrap(right.reshape(-1)[0])
        if left.ndim == 1 and right.ndim == 2 and is_vector(right.shape) and left.size == right.size:
            return left.reshape(right.shape), right
        if right.ndim == 1 and left.ndim == 2 and is_vector(left.shape) and left.size == right.size:
            return left, right.reshape(left.shape)
        raise ShapeError(f"cannot {verb} {shape_text(left.shape)} and {shape_text(right.shape)}")

    def elementwise(self, left: Array, right: Array, verb: str, operation: Any) -> Array:
        a, b = self.aligned(left, right, verb)
        return wrap(operation(a, b))

    def add(self, left: Array, right: Array, *, subtract: bool) -> Array:
        if subtract:
            return self.elementwise(left, right, "subtract", lambda a, b: a - b)
        return self.elementwise(left, right, "add", lambda a, b: a + b)

    def multiply(self, left: Array, right: Array) -> Array:
        if left.size == 1 or right.size == 1:
            return self.elementwise(left, right, "multiply", lambda a, b: a * b)
        a = left.reshape(1, -1) if left.ndim == 1 and right.ndim == 2 and right.shape[0] == left.size else left
        b = right.reshape(-1, 1) if right.ndim == 1 and a.ndim == 2 and a.shape[1] == right.size else right
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            product = matmul(a, b)
            keep_list = left.ndim == 1 or right.ndim == 1
            return product.reshape(-1) if keep_list and is_vector(product.shape) else product
        return self.read_product(left, right)

    def read_product(self, left: Array, right: Array) -> Array:
        """An undefined product of two vectors, read by the shape the other side has."""
        undefined = f"{shape_text(left.shape)} times {shape_text(right.shape)} is undefined as written"
        if not (is_vector(left.shape) and is_vector(right.shape)) or self.target is None:
            raise ShapeError(undefined)
        u, v = left.reshape(-1), right.reshape(-1)
        if self.target == (u.size, v.size) and u.size > 1 and v.size > 1:
            self.readings.append(f"{undefined}; read as the outer product u·vᵀ, which has the {u.size}×{v.size} "
                                 "shape of the other side")
            return matmul(u.reshape(-1, 1), v.reshape(1, -1))
        if u.size == v.size and math.prod(self.target) == 1:
            self.readings.append(f"{undefined}; read as the dot product uᵀv, a number like the other side")
            return matmul(u.reshape(1, -1), v.reshape(-1, 1)).reshape(())
        if u.size == v.size and self.target in (left.shape, right.shape):
            self.readings.append(f"{undefined}; read as the elementwise product, which has the shape of the other side")
            return wrap(left * right.reshape(left.shape))
        raise ShapeError(undefined)

    def divide(self, left: Array, right: Array) -> Array:
        divisor = self.scalar(right, "the divisor")
        return wrap(left / divisor)

    def power(self, node: Power) -> Array:
        if isinstance(node.base, Symbol) and isinstance(node.exponent, Number) and node.base.name not in self.names:
            name = f"{node.base.name}^{node.exponent.printed.text}"
            if name in self.names:
                return self.names[name]  # σ^2 bound as a name of its own (a variance)
        exponent = self.scalar(self.value(node.exponent), "the exponent")
        if isinstance(node.base, Constant) and node.base.name == "e" and "e" not in self.names:
            return wrap(ball.exp(wrap(exponent)))
        base = self.value(node.base)
        return wrap(np.frompyfunc(lambda element: real_power(element, exponent), 1, 1)(base))

    def call(self, function: str, arguments: list[Array]) -> Array:
        first = arguments[0]
        if function == "exp":
            return wrap(ball.exp(first))
        if function == "log":
            result = wrap(ball.log(first))
            if len(arguments) == 2:
                result = self.divide(result, wrap(ball.log(wrap(self.scalar(arguments[1], "the base")))))
            return result
        if function == "tanh":
            return wrap(ball.tanh(first))
        if function == "sigmoid":
            return wrap(1 / (1 + ball.exp(wrap(-first))))
        if function == "sigmoid′":
            value = wrap(1 / (1 + ball.exp(wrap(-first))))
            return wrap(value * (1 - value))
        if function == "tanh′":
            value = wrap(ball.tanh(first))
            return wrap(1 - value * value)
        if function == "relu":
            zero = number(Real(exact=Fraction(0)))
            return self.elementwise(first, zero, "compare", np.frompyfunc(self.larger, 2, 1))
        if function == "sqrt":
            return wrap(np.frompyfunc(square_root, 1, 1)(first))
        if function == "root":
            index = self.scalar(arguments[1], "the index of the root")
            return wrap(np.frompyfunc(lambda element: real_power(element, Real(exact=Fraction(1)) / index), 1, 1)(first))
        if function == "softmax" and first.size == 1:
            # softmax of one score is that score's component of a vector of scores (the judge finds it); alone, it
            # would be 1, which no page means
            raise OneScore("softmax of one score, with no vector of scores that contains it")
        if function == "softmax" and first.ndim == 2 and min(first.shape) > 1:
            # softmax of a matrix of scores (attention): row by row, each row a distribution
            return self.array([list(self.call("softmax", [wrap(row)]).reshape(-1)) for row in first])
        if function == "softmax":
            exps = wrap(ball.exp(first))
            total = sum(exps.reshape(-1), Real(exact=Fraction(0)))
            return wrap(exps / total)
        if function not in ("max", "min"):
            raise ValueError(f"{function} is not a function nncheck evaluates")
        choose = self.larger if function == "max" else self.smaller
        if len(arguments) == 1:
            entries = list(first.reshape(-1))
            best = entries[0]
            for entry in entries[1:]:
                best = choose(best, entry)
            return number(best)
        result = first
        for other in arguments[1:]:
            result = self.elementwise(result, other, "compare", np.frompyfunc(choose, 2, 1))
        return result

    def larger(self, left: Real, right: Real) -> Real:
        return self._pick(left, right, larger=True)

    def smaller(self, left: Real, right: Real) -> Real:
        return self._pick(left, right, larger=False)

    def _pick(self, left: Real, right: Real, *, larger: bool) -> Real:
        try:
            left_wins = (left - right).sign() >= 0
        except Undecided:
            if not self.interval:
                raise  # an exact value at a kink: more precision settles it
            return Real(ball=left.enclosure().union(right.enclosure()))  # a range across the kink: both sides
        return left if left_wins == larger else right


def matmul(left: Array, right: Array) -> Array:
    rows, inner = left.shape
    columns = right.shape[1]
    result = np.empty((rows, columns), dtype=object)
    for i in range(rows):
        for j in range(columns):
            total = left[i, 0] * right[0, j]
            for k in range(1, inner):
                total = total + left[i, k] * right[k, j]
            result[i, j] = total
    return result


def real_power(base: Real, exponent: Real) -> Real:
    whole = exponent.exact is not None and exponent.exact.denominator == 1 and abs(exponent.exact) <= MAX_INTEGER_POWER
    if whole and exponent.exact is not None:
        count = abs(int(exponent.exact))
        if base.exact is not None and (base.exact.numerator.bit_length() + base.exact.denominator.bit_length()) * count > MAX_EXACT_BITS:
            base = Real(ball=base.enclosure())
        result = base ** count if base.exact is not None else Real(ball=base.enclosure() ** count)
        return Real(exact=Fraction(1)) / result if exponent.exact < 0 else result
    if base.sign() <= 0:
        raise ValueError("a power with a fractional exponent of a number that is not positive")
    return Real(ball=(exponent.enclosure() * base.enclosure().log()).exp())


def square_root(value: Real) -> Real:
    if value.exact is not None:
        if value.exact < 0:
            raise ValueError(f"the square root of {value.exact}, which is negative")
        top, bottom = value.exact.numerator, value.exact.denominator
        if math.isqrt(top) ** 2 == top and math.isqrt(bottom) ** 2 == bottom:
            return Real(exact=Fraction(math.isqrt(top), math.isqrt(bottom)))
    elif value.sign() < 0:
        raise ValueError("the square root of a negative number")
    return Real(ball=value.enclosure().sqrt())
