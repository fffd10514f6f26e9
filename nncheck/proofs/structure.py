"""Reverse mode of a layered network proved step by step: each backward step is the vector–Jacobian product of the
forward step it undoes, and the steps are wired as reverse mode wires them. By the chain rule, every gradient is
then the derivative of the loss (on each open piece of a ReLU's sign pattern).

Three kinds of obligation, each about one step of the network's step table (nncheck.network.steps), with the
upstream gradient a vector of fresh symbols g, so that it holds whatever the layers above compute:

- the loss: ``dL/da_d`` is SymPy's gradient of ``L`` in the output a_d;
- an activation: ``dL/dz_l`` computed from g = ``dL/da_l`` (through ``da_l/dz_l``) is J(z)ᵀg, with J the Jacobian of
  ``a_l`` in ``z_l`` taken by SymPy;
- a linear layer: ``dL/dW_l``, ``dL/db_l`` and ``dL/da_(l-1)`` computed from g = ``dL/dz_l`` are Σ_k g_k ∂z_k/∂θ;

and the wiring: each forward quantity's gradient is read from the one step that consumes it (a_(l-1) by z_l, a_d
by L), as the table's operands show. The steps' formulas are the same at every width (matrix products, outer
products, entrywise products), so each obligation is proved at a width of at most WIDTH: the cost grows with the
number of layers and the kinds of operation, not with the layers' widths. ``--whole`` in `nncheck prove` still
proves the whole network's gradients against sympy.diff of its loss, at its real widths.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import sympy

from nncheck.network.steps import step_table
from nncheck.proofs.backprop import KINKED, describe
from nncheck.proofs.records import Proof, Status
from nncheck.proofs.symbolic import PatternBackend, is_zero
from nncheck.records import Network

# The width each step is proved at (the formulas do not depend on it); softmax's Jacobian needs at least 2 units.
WIDTH = 3


def _vector(name: str, size: int) -> Any:
    return np.array([sympy.Symbol(f"{name}_{i}", real=True) for i in range(size)], dtype=object)


def _matrix(name: str, rows: int, cols: int) -> Any:
    return np.array([[sympy.Symbol(f"{name}_{i}{j}", real=True) for j in range(cols)] for i in range(rows)], dtype=object)


def _all_zero(differences: Any) -> Status:
    return Status.PROVED if all(is_zero(d) for d in np.asarray(differences).reshape(-1)) else Status.NOT_PROVED


def _loss(network: Network, width: int) -> Status:
    table = step_table(network)
    depth = len(network.layers)
    a, y = _vector("a", width), _vector("y", width)
    backend = PatternBackend()
    loss: Any = table["L"](backend, a, y)[()]
    gradient = table[f"dL/da{depth}"](backend, a, y)
    if loss.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return Status.NOT_APPLICABLE
    return _all_zero([sympy.diff(loss, a[i]) - gradient[i] for i in range(width)])


def _activation(network: Network, l: int, width: int) -> Status:
    """On every sign pattern of a kinked activation (one piece otherwise)."""
    table = step_table(network)
    kinked = network.layers[l - 1].activation in KINKED
    g = _vector("g", width)
    for pattern in itertools.product((1, -1), repeat=width) if kinked else [()]:
        backend = PatternBackend(pattern)
        z = _vector("z", width)
        values = {f"z{l}": z, f"a{l}": table[f"a{l}"](backend, z)}
        derivative = table[f"da{l}/dz{l}"]
        values[f"da{l}/dz{l}"] = derivative(backend, *(values[name] for name in derivative.operands))
        values[f"dL/da{l}"] = g
        step = table[f"dL/dz{l}"]
        delta = step(backend, *(values[name] for name in step.operands))
        a = values[f"a{l}"]
        expected = [sum(g[k] * sympy.diff(a[k], z[j]) for k in range(width)) for j in range(width)]
        if _all_zero([delta[j] - expected[j] for j in range(width)]) is not Status.PROVED:
            return Status.NOT_PROVED
    return Status.PROVED


def _linear(network: Network, l: int, rows: int, cols: int) -> Status:
    table = step_table(network)
    backend = PatternBackend()
    W, a, b, g = _matrix("W", rows, cols), _vector("a", cols), _vector("b", rows), _vector("g", rows)
    values: dict[str, Any] = {f"W{l}": W, f"a{l - 1}": a, f"b{l}": b, f"dL/dz{l}": g}
    z = table[f"z{l}"](backend, W, a, b)
    for name in (f"dz{l}/dW{l}", f"dz{l}/da{l - 1}", f"dL/dW{l}", f"dL/db{l}", f"dL/da{l - 1}"):
        step = table[name]
        values[name] = step(backend, *(values[operand] for operand in step.operands))
    differences = []
    for (i, j) in np.ndindex(W.shape):
        differences.append(values[f"dL/dW{l}"][i, j] - sum(g[k] * sympy.diff(z[k], W[i, j]) for k in range(rows)))
    for i in range(rows):
        differences.append(values[f"dL/db{l}"][i] - sum(g[k] * sympy.diff(z[k], b[i]) for k in range(rows)))
    for j in range(cols):
        differences.append(values[f"dL/da{l - 1}"][j] - sum(g[k] * sympy.diff(z[k], a[j]) for k in range(rows)))
    return _all_zero(differences)


def _wiring(network: Network) -> Status:
    """Each forward quantity's gradient reads the gradient of its one consumer, through that consumer's step."""
    table = step_table(network)
    depth = len(network.layers)
    forward = {name: step for name, step in table.items() if not name.startswith("d") and not name.endswith("_new")}
    consumers: dict[str, list[str]] = {}
    for name, step in forward.items():
        for operand in step.operands:
            consumers.setdefault(operand, []).append(name)
    expected = {f"a{depth}": ["L"], **{f"a{l - 1}": [f"z{l}"] for l in range(1, depth + 1)},
                **{f"z{l}": [f"a{l}"] for l in range(1, depth + 1)}}
    if any(sorted(consumers.get(name, [])) != sorted(users) for name, users in expected.items()):
        return Status.NOT_PROVED
    wired = [table[f"dL/da{depth}"].operands == (f"a{depth}", "y"), table["L"].operands == (f"a{depth}", "y")]
    for l in range(1, depth + 1):
        wired += [table[f"dL/dz{l}"].operands == (f"dL/da{l}", f"da{l}/dz{l}"),
                  table[f"dL/dW{l}"].operands == (f"dL/dz{l}", f"dz{l}/dW{l}"),
                  table[f"dL/db{l}"].operands == (f"dL/dz{l}",),
                  table[f"dL/da{l - 1}"].operands == (f"dz{l}/da{l - 1}", f"dL/dz{l}")]
    return Status.PROVED if all(wired) else Status.NOT_PROVED


def structural_proofs(network: Network) -> Iterator[Proof]:
    """The network's reverse mode, one obligation per step kind and layer (see the module's docstring)."""
    name = describe(network)
    depth = len(network.layers)
    yield Proof("backward steps wired as reverse mode", name, functools.partial(_wiring, network))
    output = min(max(len(network.layers[-1].bias), 2 if network.layers[-1].activation == "softmax" else 1), WIDTH)
    yield Proof(f"∂L/∂a{depth} = ∇{network.loss}", f"{name} (width {output})", functools.partial(_loss, network, output))
    note = (f"ReLU′(0) = {network.conventions.relu_grad_at_zero} is a convention, not a derivative; each "
            "activation proof covers the open region of every sign pattern")
    for l in range(depth, 0, -1):
        layer = network.layers[l - 1]
        rows = min(len(layer.bias), WIDTH) if layer.activation != "softmax" else min(max(len(layer.bias), 2), WIDTH)
        cols = min(len(layer.weights[0]), WIDTH)
        yield Proof(f"∂L/∂z{l} = (∂a{l}/∂z{l})ᵀ ∂L/∂a{l} ({layer.activation})", f"{name} (width {rows})",
                    functools.partial(_activation, network, l, rows), note if layer.activation in KINKED else "")
        yield Proof(f"∂L/∂W{l}, ∂L/∂b{l}, ∂L/∂a{l - 1} = linear VJP", f"{name} ({rows}×{cols})",
                    functools.partial(_linear, network, l, rows, cols))
