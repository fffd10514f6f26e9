"""Compare a framework's float values of every named quantity with nncheck's exact values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, cast

import numpy as np

from nncheck.network import ball, evaluate, step_table
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.oracles import TOLERANCE, Discrepancy, Framework, Kink, OracleReport
from nncheck.records import Network
from nncheck.testing import to_float

KINKED = ("relu", "leaky_relu")


def check(network: Network, framework: Framework, *, tolerance: float = TOLERANCE) -> OracleReport:
    """Run ``framework`` on the network and measure, per quantity, how far it lies from the exact values."""
    found = framework.values(network)
    def attempt(bits: int, last: bool) -> OracleReport:
        exact = evaluate(network, ball)
        return OracleReport(
            framework=f"{framework.LABEL} {framework.version()}", dtype="float64", tolerance=tolerance,
            discrepancies=discrepancies(network, found, exact), kinks=kinks(network, exact),
        )

    return ball.settled(attempt)[0]


def discrepancies(network: Network, found: Mapping[str, Any], exact: Mapping[str, Array]) -> tuple[Discrepancy, ...]:
    """Each computed quantity's largest discrepancy; the differences are taken exactly, then rounded."""
    names = list(step_table(network))
    missing = [name for name in names if name not in found]
    if missing:
        raise AssertionError(f"the framework computed no value for {', '.join(missing)}")
    return tuple(_measure(name, np.asarray(found[name], dtype=float), exact[name]) for name in names)


def _measure(name: str, found: Array, exact: Array) -> Discrepancy:
    """``exact`` broadcasts to ``found``: dz{l}/dW{l} is one row in nncheck, each output's row in a Jacobian."""
    exact = np.broadcast_to(np.asarray(exact, dtype=object), found.shape)
    absolute, scaled, worst = 0.0, 0.0, tuple(0 for _ in found.shape)
    relative: float | None = None
    for index in np.ndindex(found.shape):
        true, value = cast(Real, exact[index]), float(found[index])
        # A framework's inf or nan (log of a float that underflowed to 0, say) is as far off as can be.
        gap = abs(to_float(true - Fraction(value))) if math.isfinite(value) else math.inf
        size = abs(to_float(true))
        absolute = max(absolute, gap)
        if size != 0:
            relative = max(relative or 0.0, gap / size)
        if gap / (1 + size) > scaled:
            scaled, worst = gap / (1 + size), index
    return Discrepancy(name, int(found.size), absolute, relative, scaled, worst)


def kinks(network: Network, exact: Mapping[str, Array]) -> tuple[Kink, ...]:
    """Pre-activations of ReLU and leaky ReLU units that are exactly 0."""
    at_kinks = []
    for l, layer in enumerate(network.layers, start=1):
        if layer.activation not in KINKED:
            continue
        at_zero = network.conventions.relu_grad_at_zero if layer.activation == "relu" else layer.negative_slope
        for index in np.ndindex(exact[f"z{l}"].shape):
            if cast(Real, exact[f"z{l}"][index]).exact == 0:
                at_kinks.append(Kink(f"z{l}", index, layer.activation, at_zero))
    return tuple(at_kinks)
