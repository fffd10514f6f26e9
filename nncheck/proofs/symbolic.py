"""Symbolic networks for proofs: SymPy symbols for every given, and a zero test that is sound.

The zero test rewrites every exponential as a product of powers of fresh positive symbols, one per
monomial of its (expanded) argument, then cancels the result as a rational function. If that
rational function is identically zero, so is the original expression wherever it is defined:
substituting the real exponentials back cannot make a zero polynomial non-zero. If it is not
identically zero, the difference may still vanish through relations between the exponentials
that the test does not know; the proof is then reported "not proved", never "false".
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from nncheck.network import exact
from nncheck.network.backend import Array, matmul, outer, select_by_sign
from nncheck.records import Layer, Network


class PatternBackend:
    """The exact (SymPy) backend, with the sign of each pre-activation fixed by an activation pattern.

    ReLU and leaky ReLU are piecewise; a proof covers one piece at a time. The pattern lists the
    signs (+1 or -1) of the kinked units in the order the forward pass first meets them.
    """

    NAME = "symbolic"
    DTYPE = object
    constant = staticmethod(exact.constant)
    exp = staticmethod(exact.exp)
    log = staticmethod(exact.log)
    tanh = staticmethod(exact.tanh)
    erf = staticmethod(exact.erf)
    sqrt = staticmethod(exact.sqrt)
    power = staticmethod(exact.power)
    pi = staticmethod(exact.pi)
    stabilizer = staticmethod(exact.stabilizer)
    matmul = staticmethod(matmul)
    outer = staticmethod(outer)

    def __init__(self, pattern: Iterable[int] = ()) -> None:
        self.pending = list(pattern)
        self.seen: dict[Any, int] = {}

    def select(self, values: Array, positive: Array, zero: Array, negative: Array) -> Array:
        return select_by_sign(self, values, positive, zero, negative)

    def sign(self, values: Array) -> Any:
        signs = np.empty(values.shape, dtype=np.int64)
        for index in np.ndindex(values.shape):
            value = values[index]
            if value not in self.seen:
                if not self.pending:
                    raise ValueError("the activation pattern is shorter than the number of kinked units")
                self.seen[value] = self.pending.pop(0)
            signs[index] = self.seen[value]
        return signs


def skeleton(widths: tuple[int, ...], activations: tuple[str, ...], loss: str) -> Network:
    """A network with this architecture; its numbers are placeholders for symbols."""
    zero = Fraction(0)
    layers = tuple(
        Layer(tuple((zero,) * widths[l] for _ in range(widths[l + 1])), (zero,) * widths[l + 1], activation)
        for l, activation in enumerate(activations)
    )
    return Network(layers, loss, input=(zero,) * widths[0], target=(zero,) * widths[-1])


def symbols(network: Network) -> dict[str, Array]:
    """Arrays of real symbols for the input x, target y, and every W{l} and b{l}."""
    widths = network.architecture.widths

    def vector(name: str, size: int) -> Array:
        return np.array([sympy.Symbol(f"{name}_{i}", real=True) for i in range(size)], dtype=object)

    givens = {"a0": vector("x", widths[0]), "y": vector("y", widths[-1])}
    for l in range(1, len(widths)):
        givens[f"W{l}"] = np.array(
            [[sympy.Symbol(f"W{l}_{i}{j}", real=True) for j in range(widths[l - 1])] for i in range(widths[l])], dtype=object
        )
        givens[f"b{l}"] = vector(f"b{l}", widths[l])
    return givens


def _exponential_atoms(expression: Any, atoms: dict[Any, Any]) -> Any:
    def atom(monomial: Any) -> Any:
        negative = monomial.could_extract_minus_sign()
        key = -monomial if negative else monomial
        symbol = atoms.setdefault(key, sympy.Symbol(f"_E{len(atoms)}", positive=True))
        return 1 / symbol if negative else symbol

    def split(argument: Any) -> Any:
        product = sympy.Integer(1)
        for term in sympy.Add.make_args(sympy.expand(argument)):
            coefficient, monomial = term.as_coeff_Mul()
            product *= sympy.exp(coefficient) if monomial == 1 else atom(monomial) ** coefficient
        return product

    rewritten = expression.rewrite(sympy.exp)
    return rewritten.replace(lambda e: isinstance(e, sympy.exp) and e.args[0].free_symbols, lambda e: split(e.args[0]))


def is_zero(expression: Any) -> bool:
    """True only if ``expression`` is provably identically zero (see the module docstring)."""
    if not isinstance(expression, sympy.Basic):
        return bool(expression == 0)
    if expression == 0:
        return True
    if sympy.cancel(sympy.together(expression)) == 0:  # a rational function of its atoms that cancels as written
        return True
    atoms: dict[Any, Any] = {}
    reduced = sympy.cancel(sympy.together(_exponential_atoms(expression, atoms)))
    return bool(reduced == 0)
