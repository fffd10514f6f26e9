"""Compare a framework's float values of every named quantity with nncheck's exact values."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any, cast

import numpy as np

from nncheck.expr.nodes import Call, Node, Symbol, walk
from nncheck.network import ball, evaluate, step_table
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.core import run
from nncheck.network.graph import at_step, model_givens, model_table, spec_table
from nncheck.network.steps import Step
from nncheck.oracles import LOOP_STEPS, TOLERANCE, Discrepancy, Framework, Kink, OracleReport
from nncheck.records import DEFAULT_NEGATIVE_SLOPE, ModelSpec, Network
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


def check_model(spec: ModelSpec, framework: Framework, *, tolerance: float = TOLERANCE,
                loop_steps: int = LOOP_STEPS) -> OracleReport:
    """Run ``framework`` on a model in the general form and measure, per quantity of its step table (definitions,
    gradients, and each step's updates), how far it lies from the exact values; a loop over its first
    ``loop_steps`` steps at most (the report's notes say so)."""
    loop = spec.loop
    notes: tuple[str, ...] = ()
    if loop is not None and loop.steps > loop_steps:
        notes = (f"the loop runs {loop.steps:,} steps; the oracle compared the first {loop_steps:,} (the exact values "
                 "of every step would cost as much again as the audit, and float64's roundoff compounds over the steps)",)
        loop = replace(loop, steps=loop_steps)
    found = framework.model_values(spec.model, spec.gradients, loop)
    table = spec_table(spec) if loop is spec.loop else model_table(spec.model, spec.gradients, loop)
    definitions = {definition.name for definition in spec.model.definitions}
    if loop is not None:
        definitions = {at_step(name, step) for name in definitions for step in range(1, loop.steps + 2)}

    def attempt(bits: int, last: bool) -> OracleReport:
        exact = run(table, model_givens(spec.model, ball, loop), ball)
        missing = [name for name in table if name not in found]
        if missing:
            raise AssertionError(f"the framework computed no value for {', '.join(missing)}")
        return OracleReport(
            framework=f"{framework.LABEL} {framework.version()}", dtype="float64", tolerance=tolerance,
            discrepancies=tuple(_conformed(name, np.asarray(found[name], dtype=float), exact[name]) for name in table),
            kinks=model_kinks([table[name] for name in table if name in definitions], exact), notes=notes,
        )

    return ball.settled(attempt)[0]


def _conformed(name: str, found: Array, exact: Array) -> Discrepancy:
    """A model's quantity measured with the framework's value in the exact value's shape (a gradient of a list may be
    a column in nncheck), or, when the sizes differ (the framework read the formula otherwise), infinitely far off."""
    if found.size == exact.size:
        return _measure(name, found.reshape(exact.shape), exact)
    if exact.size == 1:
        return _measure(name, found, exact)
    return Discrepancy(name, int(found.size), math.inf, math.inf, math.inf, ())


# A model's functions whose derivative jumps, with nncheck's convention at the kink (see model_kinks).
MODEL_KINKED = ("relu", "leaky_relu", "max", "min", "amax", "amin", "max_pool", "l1", "hinge", "multiclass_hinge")


def model_kinks(steps: list[Step], exact: Mapping[str, Array]) -> tuple[Kink, ...]:
    """Where a model's definitions meet a kink exactly: an operand of ReLU or leaky ReLU that is 0, a tie of max or
    min (entry by entry, or among the largest entries of an array or of a pooling window), a difference a − y of l1
    or a margin of hinge or multiclass_hinge that is 0. The framework's float64 operand may land on either side, and
    its derivative there follows its own convention, so gradients through it can differ by design."""
    from nncheck.expr.evaluate import Evaluator

    found: list[Kink] = []
    for step in steps:
        evaluator = Evaluator(backend=ball, names=exact)
        for node in walk(step.formula):
            if isinstance(node, Call) and node.function in MODEL_KINKED:
                arguments = [evaluator.value(argument) for argument in node.arguments]
                found += [Kink(where, index, node.function, slope)
                          for where, index, slope in _kinks_of(node, arguments, step.quantity, evaluator)]
    return tuple(found)


def _zeros(values: Array) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in index) for index in np.ndindex(values.shape)
            if getattr(values[index], "exact", None) == 0]


def _kinks_of(node: Call, arguments: list[Array], quantity: str, evaluator: Any) -> Iterator[tuple[str, tuple[int, ...], Fraction]]:
    """(what is exactly at the kink, where, nncheck's derivative there) for one call of a kinked function."""
    name, first = node.function, arguments[0]
    operand = _label(node.arguments[0], f"{name}'s operand in {quantity}")
    if name in ("relu", "leaky_relu"):
        given = getattr(arguments[1].reshape(-1)[0], "exact", None) if len(arguments) > 1 else DEFAULT_NEGATIVE_SLOPE
        slope = Fraction(0) if name == "relu" else Fraction(given) if given is not None else Fraction(0)
        for index in _zeros(first):
            yield operand, index, slope
    elif name in ("max", "min") and len(arguments) == 2:  # a tie of max(a, b) entry by entry: each gets half
        left, right = evaluator.aligned(first, arguments[1], "compare")
        for index in _zeros(np.asarray(left - right, dtype=object)):
            yield f"the difference of {name}'s operands in {quantity}", index, Fraction(1, 2)
    elif name in ("max", "min", "amax", "amin"):  # ties among the largest (smallest) entries share the gradient
        axis = int(arguments[1].reshape(-1)[0].exact) if len(arguments) > 1 else None
        lines = first.reshape(1, -1) if axis is None else np.moveaxis(first, axis, -1).reshape(-1, first.shape[axis])
        shape = () if axis is None else np.moveaxis(first, axis, -1).shape[:-1]
        for position, line in enumerate(lines):
            ties = _ties(line, largest=name in ("max", "amax"))
            if ties > 1:
                index = tuple(int(i) for i in np.unravel_index(position, shape)) if shape else ()
                yield f"the gap between the tied extreme entries of {operand}", index, Fraction(1, ties)
    elif name == "max_pool":  # a tie for a window's largest entry: the first gets the gradient
        yield from _pool_ties(arguments, f"the gap between the tied largest entries of a window of {operand}")
    elif name in ("l1", "hinge", "multiclass_hinge"):
        target = np.broadcast_to(arguments[1].reshape(first.shape) if arguments[1].size == first.size else arguments[1],
                                 first.shape)
        if name == "l1":
            gaps, what = first - target, f"a − y of l1 in {quantity}"
        elif name == "hinge":
            gaps, what = 1 - target * first, f"the margin 1 − y·a of hinge in {quantity}"
        else:  # the margins of the classes j ≠ c (y_j = 0); the true class's own entry is never at a kink
            true = sum(t * a for t, a in zip(target.reshape(-1), first.reshape(-1)))
            gaps = np.asarray([a - true + 1 if getattr(t, "exact", None) == 0 else ball.constant(Fraction(1))
                               for t, a in zip(target.reshape(-1), first.reshape(-1))], dtype=object).reshape(first.shape)
            what = f"a margin a_j − a_c + 1 of multiclass_hinge in {quantity}"
        for index in _zeros(np.asarray(gaps, dtype=object)):
            yield what, index, Fraction(0)


def _label(node: Node, otherwise: str) -> str:
    return node.name if isinstance(node, Symbol) else otherwise


def _ties(line: Array, *, largest: bool) -> int:
    """How many entries share the extreme value of ``line`` exactly (1 when a ball cannot tell them apart)."""
    best = line[0]
    for entry in line[1:]:
        if cast(Real, entry - best).sign() * (1 if largest else -1) > 0:
            best = entry
    return sum(1 for entry in line if getattr(entry - best, "exact", None) == 0)


def _pool_ties(arguments: list[Array], what: str) -> Iterator[tuple[str, tuple[int, ...], Fraction]]:
    image = arguments[0].reshape(1, -1) if arguments[0].ndim == 1 else arguments[0]
    one_row = arguments[0].ndim == 1
    size = int(arguments[1].reshape(-1)[0].exact) if len(arguments) > 1 else 2
    step = int(arguments[2].reshape(-1)[0].exact) if len(arguments) > 2 else size
    height, stride_rows = (1, 1) if one_row else (size, step)
    for i in range((image.shape[0] - height) // stride_rows + 1):
        for j in range((image.shape[1] - size) // step + 1):
            window = image[i * stride_rows:i * stride_rows + height, j * step:j * step + size].reshape(-1)
            if _ties(window, largest=True) > 1:
                yield what, ((j,) if one_row else (i, j)), Fraction(1)
