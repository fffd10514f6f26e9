"""Each row of the rule tables proved: its derivative (an activation's, a loss's gradient, an operation's
vector–Jacobian product) is the derivative of its forward.

The forward and the derivative are the table's own functions (:mod:`nncheck.network.rules`), run on the exact
(SymPy) backend with symbols for the operands, and compared with ``sympy.diff`` of the forward. A piecewise
row (ReLU, ELU, l1, Huber, hinge) is proved on every piece: the pattern backend fixes the sign of each
comparison, and each combination of signs is one proof obligation; what a row does exactly at a kink is its
documented convention, not a theorem. Softmax's Jacobian is proved in the built-in networks.

An operation of :mod:`nncheck.expr.operations` is proved on small symbolic operands (shapes below): with a
symbolic weighting R of its output, ∂(Σ R ⊙ op(x))/∂x_k is the k-th entry of the row's backward for every
differentiable argument. The piecewise ones (amax, amin, max_pool, argmax) are not proved: their kinks are
conventions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from fractions import Fraction
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


def _symbols(name: str, shape: tuple[int, ...]) -> Any:
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        array[index] = sympy.Symbol(f"{name}_{''.join(map(str, index))}", real=True)
    return array


def _whole(value: int | Fraction) -> Any:
    return np.array(sympy.Rational(Fraction(value).numerator, Fraction(value).denominator), dtype=object)


# Each smooth operation: its operands (symbols of these shapes, or whole numbers) and what they stand for.
_OPERANDS: dict[str, tuple[tuple[str, tuple[int, ...]] | int | Fraction, ...]] = {
    "sum_over": (("X", (2, 2)), 1), "mean_over": (("X", (2, 3)), 0), "var_over": (("X", (2, 2)), 1),
    "std_over": (("X", (1, 2)), 1), "var_sample": (("X", (3,)),), "std_sample": (("X", (2,)),),
    "layer_norm": (("X", (1, 2)), Fraction(1, 10)), "batch_norm": (("X", (2, 1)), Fraction(1, 10)),
    "conv2d": (("I", (3, 3)), ("K", (2, 2)), 1, 1), "conv1d": (("x", (4,)), ("k", (2,)), 2, 1),
    "avg_pool": (("X", (2, 4)), 2), "attention": (("Q", (2, 2)), ("K", (2, 2)), ("V", (2, 1))),
    "rnn_cell": (("x", (1,)), ("h", (2,)), ("Wx", (2, 1)), ("Wh", (2, 2)), ("b", (2,))),
    "concat": (("a", (2,)), ("b", (1,))), "reshape": (("X", (2, 2)), 1, 4), "index": (("X", (2, 2)), 1),
    "slice": (("X", (3,)), 1, 3), "softmax": (("Z", (2, 2)),), "log_softmax": (("Z", (1, 3)),),
    "softmax_over": (("Z", (2, 2)), 0), "log_softmax_over": (("Z", (2, 2)), 0),
}


def _operation(name: str) -> Status:
    from nncheck.expr.evaluate import Evaluator
    from nncheck.expr.operations import OPERATIONS, VJPS
    from nncheck.network import exact

    evaluator = Evaluator(backend=exact)
    arguments = [_symbols(*operand) if isinstance(operand, tuple) else _whole(operand) for operand in _OPERANDS[name]]
    row = OPERATIONS.get(name)
    output = np.asarray(row.forward(evaluator, arguments) if row is not None else evaluator.call(name, arguments), dtype=object)
    weights = _symbols("R", output.shape)
    total = sum(np.asarray(weights * output, dtype=object).reshape(-1))
    backward = row.backward if row is not None else VJPS[name]
    assert backward is not None
    adjoints = backward(evaluator, weights, arguments)
    positions = row.differentiable if row is not None else (0,)
    return _all_zero([sympy.diff(total, arguments[i][k]) - np.asarray(adjoints[i], dtype=object)[k]
                      for i in positions for k in np.ndindex(arguments[i].shape)])


def rule_proofs() -> Iterator[Proof]:
    """One proof per activation (but softmax), per loss, and per smooth operation of the rule tables."""
    for name, rule in ACTIVATIONS.items():
        if not rule.jacobian:
            yield Proof(f"{name}′ in the rule table is d/dz {name}", "every piece", partial(_activation, name))
    for name in LOSSES:
        yield Proof(f"∂{name}/∂a in the rule table is the gradient of {name}", "2 outputs, every piece", partial(_loss, name))
    for name, operands in _OPERANDS.items():
        shapes = " and ".join("×".join(map(str, o[1])) for o in operands if isinstance(o, tuple))
        yield Proof(f"the vector–Jacobian product of {name} is its gradient", f"operands {shapes}", partial(_operation, name))


__all__ = ["rule_proofs"]
