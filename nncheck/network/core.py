"""Evaluate every named quantity of a network with one backend."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nncheck.network.backend import Array, Backend
from nncheck.network.steps import Step, given_values, step_table
from nncheck.records import Network


def evaluate(network: Network, backend: Backend, givens: Mapping[str, Array] | None = None) -> Mapping[str, Array]:
    """Forward pass, loss, backward pass and (with a learning rate) the SGD update.

    ``givens`` replaces the network's inputs, weights and biases (``a0``, ``y``, ``W1``, ``b1``, ...),
    for instance by arrays of SymPy symbols; the network then supplies only its architecture.
    """
    return run(step_table(network), dict(givens) if givens is not None else given_values(network, backend), backend)


def run(table: Mapping[str, Step], givens: Mapping[str, Array], backend: Backend) -> Mapping[str, Array]:
    """Every step of ``table`` (in its order, operands first) from ``givens``: the quantities by name."""
    values = dict(givens)
    for step in table.values():
        values[step.quantity] = step(backend, *(values[name] for name in step.operands))
    return MappingProxyType(values)


def loss(network: Network, backend: Backend, givens: Mapping[str, Array] | None = None) -> Array:
    """Only the forward pass and the loss (for finite differences)."""
    values = dict(givens) if givens is not None else given_values(network, backend)
    for step in step_table(network).values():
        values[step.quantity] = step(backend, *(values[name] for name in step.operands))
        if step.quantity == "L":
            return values["L"]
    raise AssertionError("the step table has no loss")
