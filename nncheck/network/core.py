"""Evaluate every named quantity of a network with one backend."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nncheck.network.backend import Array, Backend
from nncheck.network.steps import given_values, step_table
from nncheck.records import Network


def evaluate(network: Network, backend: Backend) -> Mapping[str, Array]:
    """Forward pass, loss, backward pass and (with a learning rate) the SGD update."""
    values = given_values(network, backend)
    for step in step_table(network).values():
        values[step.quantity] = step(backend, *(values[name] for name in step.operands))
    return MappingProxyType(values)
