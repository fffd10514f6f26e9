"""The step table: every named quantity as a function of the quantities it is computed from.

The forward pass, the hand-written backward pass and the SGD update are all rows here, so the
same table evaluates the exact chain and recomputes a single step from a document's numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from nncheck.network.backend import Array, Backend
from nncheck.network.rules import ACTIVATIONS, LOSSES, Activation
from nncheck.records import Layer, Network

Compute = Callable[..., Array]


@dataclass(frozen=True, slots=True)
class Step:
    quantity: str
    operands: tuple[str, ...]
    compute: Compute  # compute(backend, *operand_values)

    def __call__(self, backend: Backend, *operands: Array) -> Array:
        return self.compute(backend, *operands)


def _copy(backend: Backend, value: Array) -> Array:
    return value.copy()


def _layer_steps(l: int, layer: Layer, network: Network) -> list[Step]:
    act: Activation = ACTIVATIONS[layer.activation]
    conventions = network.conventions

    def forward(backend: Backend, z: Array) -> Array:
        return act.forward(backend, z, layer)

    def derivative(backend: Backend, operand: Array) -> Array:
        return act.derivative(backend, operand, layer, conventions)

    return [
        Step(f"z{l}", (f"W{l}", f"a{l - 1}", f"b{l}"), lambda B, W, a, b: B.matmul(W, a) + b),
        Step(f"a{l}", (f"z{l}",), forward),
        Step(f"da{l}/dz{l}", (f"{act.derivative_of}{l}",), derivative),
    ]


def _backward_steps(l: int, layer: Layer, network: Network) -> list[Step]:
    jacobian = ACTIVATIONS[layer.activation].jacobian

    def delta(backend: Backend, grad: Array, derivative: Array) -> Array:
        return backend.matmul(derivative.T, grad) if jacobian else grad * derivative

    rows = [
        Step(f"dL/dz{l}", (f"dL/da{l}", f"da{l}/dz{l}"), delta),
        Step(f"dz{l}/dW{l}", (f"a{l - 1}",), _copy),
        Step(f"dz{l}/da{l - 1}", (f"W{l}",), _copy),
        Step(f"dL/dW{l}", (f"dL/dz{l}", f"dz{l}/dW{l}"), lambda B, d, a: B.outer(d, a)),
        Step(f"dL/db{l}", (f"dL/dz{l}",), _copy),
        Step(f"dL/da{l - 1}", (f"dz{l}/da{l - 1}", f"dL/dz{l}"), lambda B, W, d: B.matmul(W.T, d)),
    ]
    rate = network.learning_rate
    if rate is not None:

        def update(backend: Backend, value: Array, grad: Array) -> Array:
            return cast(Array, value - backend.constant(rate) * grad)

        rows.append(Step(f"W{l}_new", (f"W{l}", f"dL/dW{l}"), update))
        if network.conventions.update_biases:
            rows.append(Step(f"b{l}_new", (f"b{l}", f"dL/db{l}"), update))
    return rows


def step_table(network: Network) -> dict[str, Step]:
    """Every computed quantity's step, in an order where operands come first."""
    depth = len(network.layers)
    loss = LOSSES[network.loss]
    rows: list[Step] = []
    for l, layer in enumerate(network.layers, start=1):
        rows += _layer_steps(l, layer, network)
    rows.append(Step("L", (f"a{depth}", "y"), loss.value))
    rows.append(Step(f"dL/da{depth}", (f"a{depth}", "y"), loss.gradient))
    for l in range(depth, 0, -1):
        rows += _backward_steps(l, network.layers[l - 1], network)
    return {row.quantity: row for row in rows}


def given_values(network: Network, backend: Backend) -> dict[str, Array]:
    """The document's inputs, as arrays of the backend's numbers."""

    def array(values: Any) -> Array:
        return cast(Array, np.vectorize(backend.constant, otypes=[backend.DTYPE])(np.array(values, dtype=object)))

    givens = {"a0": array(network.input), "y": array(network.target)}
    for l, layer in enumerate(network.layers, start=1):
        givens[f"W{l}"] = array(layer.weights)
        givens[f"b{l}"] = array(layer.bias)
    return givens
