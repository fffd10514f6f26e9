"""A computation as named definitions over givens: its values, and the gradient of any scalar by reverse mode.

The general form of a worked example (a circuit ``f = (x + y) z``, a neuron without a loss, a loss
summed per output): ``givens`` are named arrays, exact as written; ``definitions`` are ``name =
formula`` in nncheck's expression language, in an order where every name is defined before it is
read. A name read in several places is one quantity, so its gradient is the sum over its uses (tied
or shared weights). Values come from the one evaluator (:class:`nncheck.expr.evaluate.Evaluator`)
on any backend; gradients from reverse-mode differentiation of the same trees, with the
derivatives of activations and losses taken from the rule table (:mod:`nncheck.network.rules`), so
the kink conventions (ReLU′(0) = 0, leaky ReLU's slope at 0) are the table's.

Shapes follow the evaluator: a number, a list (n,), a matrix (rows, columns). Raises
NotDifferentiable for an operation whose derivative is not defined here (max, min, pooling), naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from nncheck.errors import NncheckError
from nncheck.expr.evaluate import Evaluator, wrap
from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose,
    Vector,
)
from nncheck.network.backend import Array
from nncheck.network.rules import ACTIVATIONS, LOSSES


class NotDifferentiable(NncheckError, ValueError):
    """A definition uses an operation whose derivative nncheck does not take (the message names it)."""


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    formula: Node


@dataclass(frozen=True, slots=True)
class Graph:
    """Givens (name -> array of Fractions, or of a backend's numbers) and definitions, in order."""

    givens: Mapping[str, Array]
    definitions: tuple[Definition, ...]


class _Taped(Evaluator):
    """The evaluator, keeping every node's value for the backward pass."""

    def __init__(self, backend: Any, names: Mapping[str, Array]) -> None:
        super().__init__(backend=backend, names=names)
        self.tape: dict[int, Array] = {}

    def value(self, node: Node) -> Array:
        result = super().value(node)
        self.tape[id(node)] = result
        return result


@dataclass
class _Pass:
    """One forward pass: every name's value, and each definition's evaluator (with its tape)."""

    backend: Any
    values: dict[str, Array]
    evaluators: dict[str, _Taped] = field(default_factory=dict)


def _givens(graph: Graph, backend: Any) -> dict[str, Array]:
    def convert(value: Any) -> Any:
        return backend.constant(value) if isinstance(value, (Fraction, int)) else value

    return {name: wrap(np.frompyfunc(convert, 1, 1)(np.asarray(array, dtype=object)), backend.DTYPE)
            for name, array in graph.givens.items()}


def _forward(graph: Graph, backend: Any) -> _Pass:
    state = _Pass(backend, _givens(graph, backend))
    for definition in graph.definitions:
        evaluator = _Taped(backend, state.values)
        state.values[definition.name] = evaluator.value(definition.formula)
        state.evaluators[definition.name] = evaluator
    return state


def values(graph: Graph, backend: Any) -> dict[str, Array]:
    """Every given and defined quantity, by name."""
    return _forward(graph, backend).values


def gradient(graph: Graph, backend: Any, of: str) -> dict[str, Array]:
    """∂``of``/∂name for every given and definition ``of`` depends on (zero arrays for the others).

    ``of`` must name a scalar quantity (shape () or one element). Reverse mode: one backward pass.
    """
    state = _forward(graph, backend)
    output = state.values[of]
    if output.size != 1:
        raise ValueError(f"the gradient of {of} needs a number; {of} has shape {output.shape}")
    one = backend.constant(Fraction(1))
    zero = backend.constant(Fraction(0))
    adjoints: dict[str, Array] = {name: np.full(value.shape, zero, dtype=backend.DTYPE) for name, value in state.values.items()}
    adjoints[of] = np.full(output.shape, one, dtype=backend.DTYPE)
    for definition in reversed(graph.definitions):
        adjoint = adjoints[definition.name]
        if definition.name != of and all(_is_zero(a) for a in adjoint.reshape(-1)):
            continue
        _Backward(state.evaluators[definition.name], adjoints, backend).back(definition.formula, adjoint)
    return adjoints


def _is_zero(value: Any) -> bool:
    exact = getattr(value, "exact", None)
    if exact is not None:
        return bool(exact == 0)
    return isinstance(value, (int, float, Fraction)) and value == 0


@dataclass
class _Backward:
    """The adjoints of one definition's formula, passed down its tree to the names it reads."""

    evaluator: _Taped
    adjoints: dict[str, Array]
    backend: Any

    def value(self, node: Node) -> Array:
        return self.evaluator.tape[id(node)]

    def wrap(self, value: Any) -> Array:
        return wrap(value, self.backend.DTYPE)

    def back(self, node: Node, adjoint: Array) -> None:
        if isinstance(node, (Number,)):
            return
        if isinstance(node, (Symbol, Constant)):
            if node.name in self.adjoints:
                target = self.adjoints[node.name]
                self.adjoints[node.name] = self.wrap(target + _fit(self.wrap(adjoint), target.shape, self.backend))
            return  # e and π (when not names) are constants
        if isinstance(node, Negate):
            self.back(node.operand, self.wrap(-adjoint))
        elif isinstance(node, Sum):
            for sign, term in node.terms:
                self.back(term, _fit(adjoint if sign == "+" else self.wrap(-adjoint), self.value(term).shape, self.backend))
        elif isinstance(node, Product):
            self.product(node, adjoint)
        elif isinstance(node, Quotient):
            self.quotient(node.numerator, node.denominator, adjoint)
        elif isinstance(node, Power):
            self.power(node, adjoint)
        elif isinstance(node, Transpose):
            operand = self.value(node.operand)
            self.back(node.operand, self.wrap(np.asarray(adjoint).T.reshape(operand.shape)))
        elif isinstance(node, Call):
            self.call(node, adjoint)
        elif isinstance(node, Vector):
            for index, item in enumerate(node.items):
                self.back(item, self.wrap(adjoint.reshape(-1)[index]))
        elif isinstance(node, Matrix):
            for i, row in enumerate(node.rows):
                for j, cell in enumerate(row):
                    self.back(cell, self.wrap(adjoint[i, j]))
        else:
            raise NotDifferentiable(f"the derivative of {type(node).__name__} is not taken")

    # -- products ---------------------------------------------------------------------------------

    def product(self, node: Product, adjoint: Array) -> None:
        """A left-to-right product ((f0 op f1) op f2) …: the partial products are recomputed, then unwound."""
        evaluator = self.evaluator
        partial = [self.value(node.factors[0][1])]
        for operator, factor in node.factors[1:]:
            right = self.value(factor)
            if operator == DIVIDE:
                partial.append(evaluator.divide(partial[-1], right))
            elif operator == HADAMARD:
                partial.append(evaluator.elementwise(partial[-1], right, "multiply", lambda a, b: a * b))
            else:
                partial.append(evaluator.multiply(partial[-1], right))
        for k in range(len(node.factors) - 1, 0, -1):
            operator, factor = node.factors[k]
            left, right = partial[k - 1], self.value(factor)
            if operator == DIVIDE:
                left_adjoint, right_adjoint = self.divided(left, right, adjoint)
            elif operator == HADAMARD or left.size == 1 or right.size == 1:
                left_adjoint = _fit(self.wrap(adjoint * _scalar_or(right)), left.shape, self.backend)
                right_adjoint = _fit(self.wrap(adjoint * _scalar_or(left)), right.shape, self.backend)
            else:
                left_adjoint, right_adjoint = self.matrix_product(left, right, adjoint)
            self.back(factor, right_adjoint)
            adjoint = left_adjoint
        self.back(node.factors[0][1], adjoint)

    def matrix_product(self, left: Array, right: Array, adjoint: Array) -> tuple[Array, Array]:
        """For left @ right (a matrix by a vector or matrix, or a row by a matrix): ∂left = adj rightᵀ, ∂right = leftᵀ adj."""
        B = self.backend
        a = left.reshape(1, -1) if left.ndim == 1 else left
        b = right.reshape(-1, 1) if right.ndim == 1 else right
        g = adjoint.reshape(a.shape[0], b.shape[1])
        left_adjoint = self.wrap(B.matmul(g, b.T)).reshape(left.shape)
        right_adjoint = self.wrap(B.matmul(a.T, g)).reshape(right.shape)
        return left_adjoint, right_adjoint

    def divided(self, left: Array, right: Array, adjoint: Array) -> tuple[Array, Array]:
        """For left / right with a number right: ∂left = adj / r, ∂r = −Σ adj · left / r²."""
        r = right.reshape(-1)[0]
        left_adjoint = self.wrap(adjoint / r)
        total = _total(self.wrap(adjoint * left), self.backend)
        return left_adjoint, self.wrap(-total / (r * r)).reshape(right.shape)

    def quotient(self, numerator: Node, denominator: Node, adjoint: Array) -> None:
        top, bottom = self.value(numerator), self.value(denominator)
        top_adjoint, bottom_adjoint = self.divided(top, bottom, adjoint)
        self.back(numerator, top_adjoint)
        self.back(denominator, bottom_adjoint)

    def power(self, node: Power, adjoint: Array) -> None:
        B = self.backend
        if id(node.base) not in self.evaluator.tape:  # e^{…} with Euler's e: the evaluator took exp of the exponent
            self.back(node.exponent, self.wrap(adjoint * self.value(node)))
            return
        base, exponent = self.value(node.base), self.value(node.exponent)
        e = exponent.reshape(-1)[0]
        one = B.constant(Fraction(1))
        lowered = self.wrap(np.frompyfunc(lambda x: B.power(x, e - one), 1, 1)(base))
        self.back(node.base, self.wrap(adjoint * e * lowered))
        if _reads_names(node.exponent, self.adjoints):
            result = self.value(node)
            self.back(node.exponent, self.wrap(_total(self.wrap(adjoint * result * B.log(base)), B)).reshape(exponent.shape))

    # -- functions --------------------------------------------------------------------------------

    def call(self, node: Call, adjoint: Array) -> None:
        B = self.backend
        name = node.function
        argument = node.arguments[0]
        x = self.value(argument)
        result = self.value(node)
        if name in ACTIVATIONS:
            rule = ACTIVATIONS[name]
            parameters = self.evaluator.parameters([self.value(a) for a in node.arguments[1:]])
            derivative = rule.derivative(B, result if rule.derivative_of == "a" else x, parameters)
            if rule.jacobian:  # softmax: Jᵀ adj
                flat = self.wrap(B.matmul(derivative.T, adjoint.reshape(-1)))
                self.back(argument, flat.reshape(x.shape))
            else:
                self.back(argument, self.wrap(adjoint * derivative))
            return
        if name in LOSSES:  # the target (second argument) is a given: no gradient flows to it
            gradient_of_loss = LOSSES[name].gradient(B, x, self.value(node.arguments[1]))
            self.back(argument, self.wrap(adjoint.reshape(-1)[0] * gradient_of_loss))
            return
        if name == "exp":
            self.back(argument, self.wrap(adjoint * result))
        elif name == "log" and len(node.arguments) == 1:
            self.back(argument, self.wrap(adjoint / x))
        elif name == "sqrt":
            self.back(argument, self.wrap(adjoint / (2 * result)))
        elif name in ("sum", "mean") and len(node.arguments) == 1:
            share = adjoint.reshape(-1)[0]
            if name == "mean":
                share = share / B.constant(Fraction(x.size))
            self.back(argument, self.wrap(np.full(x.shape, share, dtype=object)))
        elif name in ("matmul", "outer"):
            right_node = node.arguments[1]
            right = self.value(right_node)
            if name == "outer":
                g = adjoint.reshape(x.size, right.size)
                self.back(argument, self.wrap(B.matmul(g, right.reshape(-1))).reshape(x.shape))
                self.back(right_node, self.wrap(B.matmul(g.T, x.reshape(-1))).reshape(right.shape))
            else:
                left_adjoint, right_adjoint = self.matrix_product(x, right, adjoint)
                self.back(argument, left_adjoint)
                self.back(right_node, right_adjoint)
        else:
            raise NotDifferentiable(f"the derivative of {name} is not taken")


def _scalar_or(value: Array) -> Any:
    return value.reshape(-1)[0] if value.size == 1 else value


def _total(values: Array, backend: Any) -> Any:
    entries = list(np.asarray(values).reshape(-1))
    total = entries[0]
    for entry in entries[1:]:
        total = total + entry
    return total


def _fit(adjoint: Array, shape: tuple[int, ...], backend: Any) -> Array:
    """An adjoint brought to an operand's shape: summed over what broadcasting spread (a number added to a list)."""
    if adjoint.shape == shape:
        return adjoint
    if int(np.prod(shape)) == 1:
        return wrap(_total(adjoint, backend), backend.DTYPE).reshape(shape)
    if adjoint.size == int(np.prod(shape)):
        return adjoint.reshape(shape)
    return wrap(np.broadcast_to(adjoint, shape).copy(), backend.DTYPE)


def _reads_names(node: Node, names: Mapping[str, Any]) -> bool:
    from nncheck.expr.nodes import walk

    return any(isinstance(n, (Symbol, Constant)) and n.name in names for n in walk(node))


__all__ = ["Definition", "Graph", "NotDifferentiable", "gradient", "values"]
