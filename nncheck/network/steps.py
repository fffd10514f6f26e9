"""The step table: every named quantity as a formula over the quantities it is computed from.

The forward pass, the hand-written backward pass and the SGD update are all rows here, each an
expression of nncheck.expr evaluated by the one evaluator (:class:`nncheck.expr.evaluate.Evaluator`)
on any backend, so the same table evaluates the exact chain and recomputes a single step from a
document's numbers. Activations and losses are the rule table's rows (:mod:`nncheck.network.rules`):
``∂sigmoid`` is the rule's derivative of its own operand (a for σ, z for ReLU), ``∂bce`` the loss's
gradient; ``matmul`` and ``outer`` are the tensor products.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

import numpy as np

from nncheck.expr.evaluate import Evaluator
from nncheck.expr.nodes import HADAMARD, Node, Product, Sum, Symbol, Transpose
from nncheck.expr.printer import call
from nncheck.network.backend import Array, Backend
from nncheck.network.rules import ACTIVATIONS, LOSSES, Activation
from nncheck.records import Layer, Network


@dataclass(frozen=True, slots=True)
class Step:
    """``quantity = formula``; the formula reads ``operands`` (in this order) and named ``constants``."""

    quantity: str
    operands: tuple[str, ...]
    formula: Node
    constants: Mapping[str, Fraction] = field(default_factory=dict)  # a layer's slope, ReLU′(0), η

    def __call__(self, backend: Backend, *operands: Array) -> Array:
        names = dict(zip(self.operands, operands))
        for name, value in self.constants.items():
            names[name] = np.asarray(backend.constant(value), dtype=backend.DTYPE)
        result = Evaluator(backend=backend, names=names).value(self.formula)
        result = np.asarray(result, dtype=backend.DTYPE)
        return result.copy() if isinstance(self.formula, Symbol) else result  # a copy step owns its array


def _name(quantity: str) -> Symbol:
    return Symbol(quantity, 0, 0)


def _sum(*terms: tuple[str, Node]) -> Sum:
    return Sum(tuple(terms), 0, 0)


def _layer_steps(l: int, layer: Layer, network: Network) -> list[Step]:
    act: Activation = ACTIVATIONS[layer.activation]
    constants = {"slope": layer.negative_slope, "relu′(0)": network.conventions.relu_grad_at_zero}
    W, a, b, z = (_name(f"{n}{l}") for n in "Wabz")
    previous, operand = _name(f"a{l - 1}"), _name(f"{act.derivative_of}{l}")
    parameters = (_name("slope"), _name("relu′(0)"))
    return [
        Step(f"z{l}", (f"W{l}", f"a{l - 1}", f"b{l}"), _sum(("+", call("matmul", W, previous)), ("+", b))),
        Step(f"a{l}", (f"z{l}",), call(act.name, z, *parameters), constants),
        Step(f"da{l}/dz{l}", (operand.name,), call(f"∂{act.name}", operand, *parameters), constants),
    ]


def _backward_steps(l: int, layer: Layer, network: Network) -> list[Step]:
    jacobian = ACTIVATIONS[layer.activation].jacobian
    W, b, previous = _name(f"W{l}"), _name(f"b{l}"), _name(f"a{l - 1}")
    grad, derivative, delta = _name(f"dL/da{l}"), _name(f"da{l}/dz{l}"), _name(f"dL/dz{l}")
    rows = [
        Step(f"dL/dz{l}", (grad.name, derivative.name),
             call("matmul", Transpose(derivative, 0, 0), grad) if jacobian
             else Product((("×", grad), (HADAMARD, derivative)), 0, 0)),
        Step(f"dz{l}/dW{l}", (previous.name,), previous),
        Step(f"dz{l}/da{l - 1}", (W.name,), W),
        Step(f"dL/dW{l}", (delta.name, f"dz{l}/dW{l}"), call("outer", delta, _name(f"dz{l}/dW{l}"))),
        Step(f"dL/db{l}", (delta.name,), delta),
        Step(f"dL/da{l - 1}", (f"dz{l}/da{l - 1}", delta.name), call("matmul", Transpose(_name(f"dz{l}/da{l - 1}"), 0, 0), delta)),
    ]
    rate = network.learning_rate
    if rate is not None:
        updated = [(W, f"dL/dW{l}")] + ([(b, f"dL/db{l}")] if network.conventions.update_biases else [])
        for value, gradient in updated:
            step = Product((("×", _name("η")), ("×", _name(gradient))), 0, 0)
            rows.append(Step(f"{value.name}_new", (value.name, gradient), _sum(("+", value), ("-", step)), {"η": rate}))
    return rows


def step_table(network: Network) -> dict[str, Step]:
    """Every computed quantity's step, in an order where operands come first."""
    depth = len(network.layers)
    loss = LOSSES[network.loss].name
    rows: list[Step] = []
    for l, layer in enumerate(network.layers, start=1):
        rows += _layer_steps(l, layer, network)
    output, target = _name(f"a{depth}"), _name("y")
    rows.append(Step("L", (output.name, "y"), call(loss, output, target)))
    rows.append(Step(f"dL/da{depth}", (output.name, "y"), call(f"∂{loss}", output, target)))
    for l in range(depth, 0, -1):
        rows += _backward_steps(l, network.layers[l - 1], network)
    return {row.quantity: row for row in rows}


def given_values(network: Network, backend: Backend) -> dict[str, Array]:
    """The document's inputs, as arrays of the backend's numbers."""

    def array(values: Any) -> Array:
        if backend.DTYPE is object:  # numpy's ufunc of a Python function: one call per value, no vectorize overhead
            return np.asarray(np.frompyfunc(backend.constant, 1, 1)(np.array(values, dtype=object)), dtype=object)
        return cast(Array, np.vectorize(backend.constant, otypes=[backend.DTYPE])(np.array(values, dtype=object)))

    givens = {"a0": array(network.input), "y": array(network.target)}
    for l, layer in enumerate(network.layers, start=1):
        givens[f"W{l}"] = array(layer.weights)
        givens[f"b{l}"] = array(layer.bias)
    return givens
