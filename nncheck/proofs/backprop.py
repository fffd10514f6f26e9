"""Proofs that the hand-written backward pass is the derivative of the loss, for every parameter."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import sympy

from nncheck.network import evaluate
from nncheck.proofs.records import Proof, Status
from nncheck.proofs.symbolic import PatternBackend, is_zero, symbols
from nncheck.quantities import display
from nncheck.records import Network

KINKED = ("relu", "leaky_relu")
# More activation patterns than this are not enumerated: each is a proof of its own.
MAX_PATTERNS = 64


def describe(network: Network) -> str:
    """E.g. '2-2-1 relu,sigmoid bce'."""
    widths = "-".join(str(w) for w in network.architecture.widths)
    return f"{widths} {','.join(layer.activation for layer in network.layers)} {network.loss}"


def patterns(network: Network) -> list[tuple[int, ...]]:
    """Every sign pattern of the units behind a ReLU or leaky ReLU (one empty pattern if none)."""
    kinked = sum(len(layer.bias) for layer in network.layers if layer.activation in KINKED)
    return list(itertools.product((1, -1), repeat=kinked))


class _Symbolic:
    """The network evaluated symbolically once per activation pattern, shared by that pattern's proofs."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.givens = symbols(network)
        self.cache: dict[tuple[int, ...], Mapping[str, Any]] = {}

    def values(self, pattern: tuple[int, ...]) -> Mapping[str, Any]:
        if pattern not in self.cache:
            self.cache[pattern] = evaluate(self.network, PatternBackend(pattern), self.givens)
        return self.cache[pattern]


def _parameter_check(symbolic: _Symbolic, pattern: tuple[int, ...], name: str) -> Status:
    givens = symbolic.givens
    values = symbolic.values(pattern)
    loss = values["L"][()]
    if loss.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return Status.NOT_APPLICABLE
    backprop = values[f"dL/d{name}"]
    for index in np.ndindex(givens[name].shape):
        difference: Any = sympy.diff(loss, givens[name][index]) - backprop[index]
        if not is_zero(difference):
            return Status.NOT_PROVED
    return Status.PROVED


def backprop_proofs(network: Network) -> Iterator[Proof]:
    """One proof per parameter tensor (and the input gradient) and activation pattern."""
    all_patterns = patterns(network)
    kinked = len(all_patterns[0]) > 0
    if len(all_patterns) > MAX_PATTERNS:
        yield Proof(
            identity="∂L/∂θ = backprop", network=describe(network),
            check=lambda: Status.NOT_PROVED,
            note=f"{len(all_patterns)} ReLU activation patterns; at most {MAX_PATTERNS} are enumerated",
        )
        return
    depth = len(network.layers)
    names = [name for l in range(1, depth + 1) for name in (f"W{l}", f"b{l}")] + ["a0"]
    symbolic = _Symbolic(network)
    note = (f"ReLU′(0) = {network.conventions.relu_grad_at_zero} is a convention, not a derivative; "
            "each proof covers the open region of its sign pattern") if kinked else ""
    for pattern in all_patterns:
        where = "" if not kinked else " signs " + "".join("+" if s > 0 else "−" for s in pattern)
        for name in names:
            label = display(f"dL/d{name}", depth)
            yield Proof(
                identity=f"{label} = backprop",
                network=describe(network) + where,
                check=functools.partial(_parameter_check, symbolic, pattern, name),
                note=note,
            )
