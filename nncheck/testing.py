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


def check_gradients(gradients: Gradients, network: Network, *, rtol: float = 1e-7, atol: float = 1e-10,
                    directions: int = 2, seed: int = 0) -> None:
    """Check your backprop: ``gradients(params, x, y)`` must return ``{"W1": dL/dW1, "b1": dL/db1, ...}``.

    ``params`` maps W1, b1, ... to float64 arrays of the layers' shapes; x and y are the network's input and target.
    Raises GradientMismatch naming each entry where ``|analytic − reference| > atol + rtol·|reference|``, with both
    values side by side (a wrong name or shape too).

    The reference is nncheck's reverse-mode gradient in 256-bit ball arithmetic (each rule's derivative is proved by
    `nncheck prove`), one pass over the network, decided by its enclosure: an entry fails only when every value of the
    ball is outside the tolerance. It is cross-checked, independently of the backward code, against central
    differences of the loss along ``directions`` random ±1 directions (``seed``), as torch's gradcheck does in its
    fast mode; a disagreement there raises GradientMismatch naming nncheck. The cost grows linearly with the number
    of parameters. At a kink (a ReLU or leaky ReLU pre-activation exactly 0), an entry that differs from the
    reference is accepted when it equals one of the two one-sided derivatives there, which the message of any other
    mismatch gives.
    """
    params = parameters(network)
    x = np.array(network.input, dtype=float)
    y = np.array(network.target, dtype=float)
    analytic = gradients(params, x, y)
    _check_names_and_shapes(analytic, params)
    with ball.precision(DIFFERENCE_BITS):
        values = evaluate(network, ball)
        reference = {name: values[f"dL/d{name}"] for name in params}
        kinks = _kinks(network, values)
        _cross_check(network, reference, directions, seed, near_kink=_near_kink(network, values))
        rows, checked = [], 0
        for name, expected in reference.items():
            got = np.asarray(analytic[name], dtype=float)
            for index in np.ndindex(expected.shape):
                checked += 1
                if _within(float(got[index]), expected[index], rtol, atol):
                    continue
                sides = _one_sided(network, name, index) if kinks else None
                if sides is not None and any(_within(float(got[index]), side, rtol, atol) for side in sides):
                    continue  # a one-sided derivative at a kink: another convention, not an error
                layer = "".join(ch for ch in name if ch.isdigit())
                row = (f"  {name:<10} layer {layer:<3} {list(index)!s:<8} {float(got[index]):<24.17g} "
                       f"{to_float(expected[index]):<24.17g} {abs(float(got[index]) - to_float(expected[index])):.3g}")
                if sides is not None:
                    row += f"  (one-sided at the kink: {to_float(sides[0]):.17g}, {to_float(sides[1]):.17g})"
                rows.append(row)
    if rows:
        header = f"  {'parameter':<10} {'layer':<9} {'index':<8} {'analytic':<24} {'reference':<24} |difference|"
        where = f"; at a kink: {', '.join(kinks)}" if kinks else ""
        raise GradientMismatch(f"gradients disagree in {len(rows)} of {checked} entries (rtol={rtol:g}, atol={atol:g}"
                               f"{where}):\n" + header + "\n" + "\n".join(rows))


def _check_names_and_shapes(analytic: Mapping[str, Array], params: Mapping[str, Array]) -> None:
    for name, values in params.items():
        if name not in analytic:
            raise GradientMismatch(f"gradients: no analytic value for {name!r} (got {sorted(analytic)})")
        if np.shape(analytic[name]) != values.shape:
            raise GradientMismatch(f"gradients: {name} has shape {np.shape(analytic[name])}, expected {values.shape}")


def _within(value: float, reference: Any, rtol: float, atol: float) -> bool:
    """Whether |value − reference| ≤ atol + rtol·|reference| for every value of the reference's enclosure (False when
    none is). Raises Undecided for an enclosure that straddles the bound, which at 256 bits takes a difference
    within about 2^-200 of it."""
    if not np.isfinite(value):
        return False
    exact = Fraction(value)
    reference = reference if isinstance(reference, Real) else Real.of(reference)
    if reference.exact is not None:
        return bool(abs(exact - reference.exact) <= Fraction(atol) + Fraction(rtol) * abs(reference.exact))
    from flint import arb

    enclosure = reference.enclosure()
    gap = abs(arb(fmpq_of(exact)) - enclosure) - (arb(fmpq_of(Fraction(atol))) + arb(fmpq_of(Fraction(rtol))) * abs(enclosure))
    if gap <= 0:
        return True
    if gap > 0:
        return False
    raise Undecided(f"the reference {enclosure} against {value!r} at the tolerance's edge")


def fmpq_of(value: Fraction) -> Any:
    from flint import fmpq

    return fmpq(value.numerator, value.denominator)


def _kinks(network: Network, values: Mapping[str, Array]) -> list[str]:
    """The pre-activations exactly at a kink of their activation (ReLU, leaky ReLU): "z1[3]"."""
    found = []
    for l, layer in enumerate(network.layers, start=1):
        if layer.activation in ("relu", "leaky_relu"):
            z = values[f"z{l}"]
            found += [f"z{l}[{i}]" for i, v in enumerate(np.asarray(z).reshape(-1)) if v.exact == 0]
    return found


def _near_kink(network: Network, values: Mapping[str, Array]) -> bool:
    """Whether a ReLU-like pre-activation lies within 2^-16 of its kink, where a difference step may cross it."""
    for l, layer in enumerate(network.layers, start=1):
        if layer.activation in ("relu", "leaky_relu"):
            for v in np.asarray(values[f"z{l}"]).reshape(-1):
                if abs(to_float(v)) < 2.0**-16:
                    return True
    return False


def _shifted(network: Network, direction: Mapping[str, Array], step: Fraction) -> Network:
    """The network with every parameter moved by ``step`` times its entry of ``direction``."""
    layers = []
    for l, layer in enumerate(network.layers, start=1):
        w, b = direction[f"W{l}"], direction[f"b{l}"]
        weights = tuple(tuple(value + step * int(w[i, j]) for j, value in enumerate(row)) for i, row in enumerate(layer.weights))
        bias = tuple(value + step * int(b[i]) for i, value in enumerate(layer.bias))
        layers.append(replace(layer, weights=weights, bias=bias))
    return replace(network, layers=tuple(layers))


def _cross_check(network: Network, reference: Mapping[str, Array], directions: int, seed: int, *, near_kink: bool) -> None:
    """The reference's directional derivatives against central differences of the loss along random ±1 directions
    (an independent check of nncheck's backward code, 2 loss evaluations per direction). Skipped near a kink, where a
    step may cross it. The bound allows the differences' truncation error, O(step² · |direction|³), many times over."""
    if near_kink or directions <= 0:
        return
    rng = np.random.default_rng(seed)
    step = DIFFERENCE_STEP
    for _ in range(directions):
        direction = {name: rng.choice(np.array([-1, 1]), size=values.shape) for name, values in reference.items()}
        along = sum((v * int(d) for name, values in reference.items()
                     for v, d in zip(values.reshape(-1), direction[name].reshape(-1))), Real(exact=Fraction(0)))
        up = loss(_shifted(network, direction, step), ball)[()]
        down = loss(_shifted(network, direction, -step), ball)[()]
        differenced = (up - down) / (2 * step)
        scale = 1 + sum(abs(to_float(v)) for values in reference.values() for v in values.reshape(-1))
        if abs(to_float(differenced) - to_float(along)) > 1e-12 * scale:
            raise GradientMismatch(f"nncheck's own reverse-mode gradient disagrees with central differences of the "
                                   f"loss along a random direction ({to_float(along)!r} against "
                                   f"{to_float(differenced)!r}): a bug in nncheck, not in your code; please report it")


def _one_sided(network: Network, name: str, index: tuple[int, ...]) -> tuple[Real, Real]:
    """The right and left derivatives of the loss by one parameter, (L(θ + h) − L(θ))/h and (L(θ) − L(θ − h))/h."""
    step = DIFFERENCE_STEP
    here = loss(network, ball)[()]
    up = loss(_nudged(network, name, index, step), ball)[()]
    down = loss(_nudged(network, name, index, -step), ball)[()]
    return (up - here) / step, (here - down) / step


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
