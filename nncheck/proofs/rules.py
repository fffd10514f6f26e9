"""Each row of the rule table proved: its derivative (an activation's, a loss's gradient) is the derivative of its forward.

The forward and the derivative are the table's own functions (:mod:`nncheck.network.rules`), run on the exact
(SymPy) backend with symbols for the operands, and compared with ``sympy.diff`` of the forward. A piecewise
row (ReLU, ELU, l1, Huber, hinge) is proved on every piece: the pattern backend fixes the sign of each
comparison, and each combination of signs is one proof obligation; what a row does exactly at a kink is its
documented convention, not a theorem. Softmax's Jacobian is proved in the built-in networks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import sympy

from nncheck.network.rules import ACTIVATIONS, LOSSES, Parameters
from nncheck.proofs.records import Proof, Status
from nncheck.proofs.symbolic import PatternBackend, is_zero

# Pieces are found by trying sign patterns of up to this many comparisons (Huber on two outputs needs four).
MAX_COMPARISONS = 4


def _vector(name: str, size: int) -> Any:
    return np.array([sympy.Symbol(f"{name}{i}", real=True) for i in range(size)], dtype=object)


def _on_every_piece(obligation: Callable[[PatternBackend], list[Any]]) -> Status:
    """PROVED when each difference ``obligation`` returns is zero under every sign pattern it can meet."""
    for length in range(MAX_COMPARISONS + 1):
        differences: list[Any] = []
        for pattern in itertools.product((1, -1), repeat=length):
            backend = PatternBackend(pattern)
            try:
                found = obligation(backend)
            except ValueError as error:
                if "shorter" in str(error):
                    break  # this row compares more often: try longer patterns
                raise
            if backend.pending:
                return _all_zero(differences) if differences else Status.NOT_PROVED  # fewer comparisons than signs
            differences += found
        else:
            return _all_zero(differences)
    return Status.NOT_PROVED


def _all_zero(differences: list[Any]) -> Status:
    return Status.PROVED if all(is_zero(d) for d in differences) else Status.NOT_PROVED


def _activation(name: str) -> Status:
    rule = ACTIVATIONS[name]
    z = _vector("z", 1)

    def obligation(backend: PatternBackend) -> list[Any]:
        parameters = Parameters.of(backend)
        forward = np.asarray(rule.forward(backend, z, parameters), dtype=object)
        operand = forward if rule.derivative_of == "a" else z
        derivative = np.asarray(rule.derivative(backend, operand, parameters), dtype=object)
        return [sympy.diff(forward[0], z[0]) - derivative[0]]

    return _on_every_piece(obligation)


def _loss(name: str, size: int = 2) -> Status:
    rule = LOSSES[name]
    a, y = _vector("a", size), _vector("y", size)

    def obligation(backend: PatternBackend) -> list[Any]:
        value = np.asarray(rule.value(backend, a, y), dtype=object).reshape(-1)[0]
        gradient = np.asarray(rule.gradient(backend, a, y), dtype=object).reshape(-1)
        return [sympy.diff(value, a[i]) - gradient[i] for i in range(size)]

    return _on_every_piece(obligation)


def rule_proofs() -> Iterator[Proof]:
    """One proof per activation (but softmax) and per loss of the rule table."""
    for name, rule in ACTIVATIONS.items():
        if not rule.jacobian:
            yield Proof(f"{name}′ in the rule table is d/dz {name}", "every piece", partial(_activation, name))
    for name in LOSSES:
        yield Proof(f"∂{name}/∂a in the rule table is the gradient of {name}", "2 outputs, every piece", partial(_loss, name))


__all__ = ["rule_proofs"]
