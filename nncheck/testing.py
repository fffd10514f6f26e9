"""Oracles for testing backpropagation code, nncheck's own and yours.

``check_gradients`` compares the gradients your code computes with central finite differences of
nncheck's forward pass, evaluated in 256-bit ball arithmetic, and prints both side by side when
they disagree::

    from nncheck.testing import check_gradients
    check_gradients(my_gradients, network)   # raises GradientMismatch naming parameter and index
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from nncheck.errors import Undecided
from nncheck.network import ball, evaluate, floating, loss
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import format_fraction
from nncheck.records import Layer, Network

# Float64 against exact values: |float − exact| ≤ FLOAT_TOLERANCE · (1 + |exact|). The unit roundoff
# is 2^-53; a quantity of a network of depth ≤ 3 and width ≤ 4 with weights and inputs in [-1, 1]
# takes at most a few hundred rounded operations, and its condition number in those ranges stays
# below 2^10, so 2^-53 · 2^9 · 2^10 = 2^-34 is a safe bound that still fails on any real slip.
FLOAT_TOLERANCE = 2.0**-34
# Precision and step of the finite differences: the truncation error is O(STEP²) ≈ 1e-24 relative.
DIFFERENCE_BITS = 256
DIFFERENCE_STEP = Fraction(1, 2**40)

Gradients = Callable[[Mapping[str, Array], Array, Array], Mapping[str, Array]]


class GradientMismatch(AssertionError):
    """Analytic and numeric gradients disagree; the message lists each entry side by side."""


def parameters(network: Network) -> dict[str, Array]:
    """W1, b1, W2, ... as float64 arrays (what a user's NumPy code receives)."""
    result: dict[str, Array] = {}
    for l, layer in enumerate(network.layers, start=1):
        result[f"W{l}"] = np.array(layer.weights, dtype=float)
        result[f"b{l}"] = np.array(layer.bias, dtype=float)
    return result


def _nudged(network: Network, name: str, index: tuple[int, ...], delta: Fraction) -> Network:
    l = int(name[1:]) - 1
    layer = network.layers[l]
    if name[0] == "W":
        rows = [list(row) for row in layer.weights]
        rows[index[0]][index[1]] += delta
        changed = replace(layer, weights=tuple(tuple(row) for row in rows))
    else:
        bias = list(layer.bias)
        bias[index[0]] += delta
        changed = replace(layer, bias=tuple(bias))
    layers: list[Layer] = list(network.layers)
    layers[l] = changed
    return replace(network, layers=tuple(layers))


def numeric_gradients(network: Network, *, step: Fraction = DIFFERENCE_STEP) -> dict[str, Array]:
    """Central differences (L(θ + h) − L(θ − h)) / 2h of the loss in ball arithmetic, as Real arrays."""
    result: dict[str, Array] = {}
    with ball.precision(DIFFERENCE_BITS):
        for name, values in parameters(network).items():
            grad = np.empty(values.shape, dtype=object)
            for index in np.ndindex(values.shape):
                up = loss(_nudged(network, name, index, step), ball)[()]
                down = loss(_nudged(network, name, index, -step), ball)[()]
                grad[index] = (up - down) / (2 * step)
            result[name] = grad
    return result


def to_float(value: Any) -> float:
    """A Real (ball or exact) or a number, as the nearest float (for display and comparisons)."""
    if isinstance(value, Real):
        return float(value.exact) if value.exact is not None else float(value.enclosure().mid())
    return float(value)


def compare(analytic: Mapping[str, Array], numeric: Mapping[str, Array], *, rtol: float, atol: float,
            what: str = "gradients") -> None:
    """Raise GradientMismatch listing every entry where |analytic − numeric| > atol + rtol·|numeric|."""
    rows = []
    checked = 0
    for name, expected in numeric.items():
        if name not in analytic:
            raise GradientMismatch(f"{what}: no analytic value for {name!r} (got {sorted(analytic)})")
        got = np.asarray(analytic[name])
        if got.shape != expected.shape:
            raise GradientMismatch(f"{what}: {name} has shape {got.shape}, expected {expected.shape}")
        for index in np.ndindex(expected.shape):
            checked += 1
            a, n = to_float(got[index]), to_float(expected[index])
            if not abs(a - n) <= atol + rtol * abs(n):
                layer = "".join(ch for ch in name if ch.isdigit())
                rows.append(f"  {name:<10} layer {layer:<3} {list(index)!s:<8} {a:<24.17g} {n:<24.17g} {abs(a - n):.3g}")
    if rows:
        header = f"  {'parameter':<10} {'layer':<9} {'index':<8} {'analytic':<24} {'numeric':<24} |difference|"
        raise GradientMismatch(
            f"{what} disagree in {len(rows)} of {checked} entries (rtol={rtol:g}, atol={atol:g}):\n" + header + "\n" + "\n".join(rows)
        )


def check_gradients(gradients: Gradients, network: Network, *, rtol: float = 1e-7, atol: float = 1e-10) -> None:
    """Check your backprop: ``gradients(params, x, y)`` must return ``{"W1": dL/dW1, "b1": dL/db1, ...}``.

    ``params`` maps W1, b1, ... to float64 arrays; x and y are the network's input and target. The
    reference is central finite differences of nncheck's forward pass and loss, in 256-bit balls.
    """
    params = parameters(network)
    x = np.array(network.input, dtype=float)
    y = np.array(network.target, dtype=float)
    compare(gradients(params, x, y), numeric_gradients(network), rtol=rtol, atol=atol)


def nncheck_gradients(params: Mapping[str, Array], x: Array, y: Array, network: Network) -> dict[str, Array]:
    """nncheck's own float backprop in the shape check_gradients expects (a reference implementation)."""
    values = evaluate(network, floating)
    return {name: values[f"dL/d{name}"] for name in params}


def correctly_rounded(value: Real, places: int) -> str:
    """The true value rounded to ``places`` decimals, as printed text; Undecided if the ball straddles a tie."""
    if value.exact is not None:
        return format_fraction(value.exact, places)
    ball_value = value.enclosure()
    low, high = (Fraction(*_ratio(ball_value.lower())), Fraction(*_ratio(ball_value.upper())))
    text = format_fraction(low, places)
    if format_fraction(high, places) != text:
        raise Undecided(f"{ball_value} is too close to a rounding boundary at {places} decimals")
    return text


def _ratio(endpoint: Any) -> tuple[int, int]:
    mantissa, exponent = endpoint.mid().man_exp()
    mantissa, exponent = int(mantissa), int(exponent)
    return (mantissa * 2**exponent, 1) if exponent >= 0 else (mantissa, 2**-exponent)


def _nest(values: Any, texts: Callable[[Any], str]) -> Any:
    if not isinstance(values, np.ndarray):
        return texts(values)
    if values.shape == ():
        return texts(values[()])
    return [_nest(values[i], texts) for i in range(values.shape[0])]


def claims_from_true_values(network: Network, places: Callable[[str], int], *, from_own: bool = False) -> list[Any]:
    """A claim for every computed quantity, in step order, each value correctly rounded.

    With ``from_own``, each step is computed from the already rounded values of its operands, as a
    tutorial does, rather than from the true chain.
    """
    from nncheck.network.steps import given_values, step_table
    from nncheck.readers.spec.writer import DraftClaim

    def attempt(bits: int, last: bool) -> list[DraftClaim]:
        values = dict(given_values(network, ball))
        claims = []
        for step in step_table(network).values():
            digits = places(step.quantity)
            true = step(ball, *(values[name] for name in step.operands))
            texts = np.vectorize(lambda v: correctly_rounded(v, digits), otypes=[object])(true)
            rounded = np.vectorize(lambda t: Real(exact=Fraction(t)), otypes=[object])(texts)
            values[step.quantity] = rounded if from_own else true
            claims.append(DraftClaim(step.quantity, _nest(np.asarray(texts, dtype=object), str), step.quantity))
        return claims

    return ball.settled(attempt)[0]
