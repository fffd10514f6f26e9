"""Derivations with the numbers substituted: z2 = W2[0,0]·a1[0] + W2[0,1]·a1[1] + b2 = 0.7·1.3 + 0.9·1.8 + 0.2 = 2.73.

Each computed quantity's element is written once as a small term built from its step's operands
(the rows of nncheck/network/steps.py); the same builder gives the formula in names and, with the
true values as leaves, the substituted arithmetic. Terms render as plain text in nncheck's equation
language (so a test can evaluate them) and as LaTeX (rendered to MathML on the site). The errata site
shows the true derivations; the diagnosis (nncheck/audit/diagnose.py) shows hypothetical ones, with
the values of a slip as leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from nncheck import quantities
from nncheck.audit.enclose import midpoint, ordinary, scientific
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.rules import ACTIVATIONS
from nncheck.printed import format_fraction
from nncheck.expr.nodes import Node, Symbol
from nncheck.expr.printer import binary, call, negate, num
from nncheck.expr.printer import name as named
from nncheck.records import Index, Network

# Operands are shown to this many significant digits unless they are short exact decimals.
SIGNIFICANT_DIGITS = 6
# An exact rational whose decimal expansion ends within this many places is shown exactly.
EXACT_PLACES = 12


Term = Node
Leaf = Callable[[str, Index], Node]


@dataclass(frozen=True, slots=True)
class Derivation:
    """How one element's true value is computed: name = formula = substituted = value."""

    name: Symbol
    formula: Term | None  # None for a given of the network
    substituted: Term | None
    value: str


# ---- showing numbers ------------------------------------------------------------------------------

def number(value: Real) -> str:
    """A value for reading: exactly when it is a short decimal, else to SIGNIFICANT_DIGITS digits."""
    if value.exact is not None:
        for places in range(EXACT_PLACES + 1):
            if (value.exact * 10**places).denominator == 1:
                return format_fraction(value.exact, places)
    if not ordinary(value):
        return scientific(value)
    point = midpoint(value)
    if point == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(float(point))))
    return format_fraction(point, max(0, SIGNIFICANT_DIGITS - 1 - magnitude))


def _fraction_text(value: Fraction) -> str:
    return number(Real(exact=value))


# ---- names --------------------------------------------------------------------------------------

def _symbol(base: str, depth: int) -> str:
    """LaTeX of a quantity that is not a derivative: z_{2}, \\hat{y}, W_{1}^{\\text{new}}."""
    if base == f"a{depth}":
        return r"\hat{y}"
    if base == "a0":
        return "x"
    layer = quantities.layer_of(base, "W", "b", "z", "a", "W_new", "b_new")
    if layer is None:
        return base  # L, y
    return f"{base[0]}_{{{layer}}}" + (r"^{\text{new}}" if base.endswith("_new") else "")


def name(quantity: str, index: Index, values: Mapping[str, Array], depth: int) -> Symbol:
    """The element's name; the index is shown only when the quantity has more than one element."""
    several = values[quantity].size > 1
    suffix = "[" + ",".join(str(i) for i in index) + "]" if several else ""
    if "/" in quantity:
        top, bottom = quantity.split("/")
        latex = rf"\frac{{\partial {_symbol(top[1:], depth)}}}{{\partial {_symbol(bottom[1:], depth)}}}"
    else:
        latex = _symbol(quantity, depth)
    return named(quantities.display(quantity, depth) + suffix, latex + suffix)


# ---- building terms from the step table's rows ------------------------------------------------------

def _sum(terms: list[Term]) -> Term:
    total = terms[0]
    for term in terms[1:]:
        total = binary("+", total, term)
    return total


def _mean(total: Term, count: int) -> Term:
    return total if count == 1 else binary("/", total, num(str(count)))


ONE = num("1")


def _loss(network: Network, leaf: Leaf) -> Term:
    n = len(network.target)
    a = [leaf(f"a{len(network.layers)}", (k,)) for k in range(n)]
    y = [leaf("y", (k,)) for k in range(n)]
    if network.loss == "bce":
        terms: list[Term] = [binary("+", binary("*", y[k], call("log", a[k])), binary("*", binary("-", ONE, y[k]), call("log", binary("-", ONE, a[k]))))
                             for k in range(n)]
        return _mean(negate(_sum(terms)), n)
    if network.loss == "mse":
        return _mean(_sum([binary("^", binary("-", a[k], y[k]), num("2")) for k in range(n)]), n)
    if network.loss == "half_sse":
        return binary("/", _sum([binary("^", binary("-", a[k], y[k]), num("2")) for k in range(n)]), num("2"))
    return negate(_sum([binary("*", y[k], call("log", a[k])) for k in range(n)]))  # cross_entropy


def _loss_gradient(network: Network, k: int, leaf: Leaf) -> Term:
    n = len(network.target)
    a, y = leaf(f"a{len(network.layers)}", (k,)), leaf("y", (k,))
    if network.loss == "bce":
        return _mean(binary("-", binary("/", binary("-", ONE, y), binary("-", ONE, a)), binary("/", y, a)), n)
    if network.loss == "mse":
        return binary("/", binary("*", num("2"), binary("-", a, y)), num(str(n)))
    if network.loss == "half_sse":
        return binary("-", a, y)
    return negate(binary("/", y, a))  # cross_entropy


def _activation(network: Network, l: int, i: int, leaf: Leaf) -> Term:
    layer = network.layers[l - 1]
    z = leaf(f"z{l}", (i,))
    if layer.activation == "identity":
        return z
    if layer.activation == "leaky_relu":
        return call("max", binary("*", num(_fraction_text(layer.negative_slope)), z), z)
    if layer.activation == "softmax":
        return binary("/", call("exp", z), _sum([call("exp", leaf(f"z{l}", (j,))) for j in range(len(layer.bias))]))
    return call(layer.activation, z)  # relu, sigmoid, tanh


def _activation_derivative(network: Network, l: int, index: Index, leaf: Leaf) -> Term:
    layer = network.layers[l - 1]
    operand = f"{ACTIVATIONS[layer.activation].derivative_of}{l}"
    if layer.activation == "softmax":
        i, j = index
        a_i, a_j = leaf(operand, (i,)), leaf(operand, (j,))
        return binary("*", a_i, binary("-", ONE, a_i)) if i == j else negate(binary("*", a_i, a_j))
    value = leaf(operand, index)
    if layer.activation == "sigmoid":
        return binary("*", value, binary("-", ONE, value))
    if layer.activation == "tanh":
        return binary("-", ONE, binary("^", value, num("2")))
    if layer.activation == "identity":
        return ONE
    return call(layer.activation + "'", value)  # relu', leaky_relu': a step at 0


def _family(quantity: str) -> tuple[str, int]:
    record = quantities.parse(quantity) if "/" in quantity or quantity[:1] in "zaWb" else None
    if record is None or record.layer is None or record.family in ("W", "b"):
        raise ValueError(f"no derivation for {quantity!r}")
    return record.family, record.layer


def builder(quantity: str, index: Index, network: Network) -> Callable[[Leaf], Term] | None:
    """The term of one element of a computed quantity, as the step table computes it; None for a given."""
    if quantities.is_given(quantity):
        return None
    if quantity == "L":
        return lambda leaf: _loss(network, leaf)
    widths = network.architecture.widths
    family, l = _family(quantity)
    i = index[0]
    rate = num(_fraction_text(network.learning_rate or Fraction(0)))
    rows: dict[str, Callable[[Leaf], Term]] = {
        "z": lambda leaf: _sum([binary("*", leaf(f"W{l}", (i, j)), leaf(f"a{l - 1}", (j,))) for j in range(widths[l - 1])]
                               + [leaf(f"b{l}", (i,))]),
        "a": lambda leaf: _activation(network, l, i, leaf),
        "da/dz": lambda leaf: _activation_derivative(network, l, index, leaf),
        "dL/da": lambda leaf: (_loss_gradient(network, i, leaf) if l == len(network.layers) else _sum(
            [binary("*", leaf(f"dz{l + 1}/da{l}", (k, i)), leaf(f"dL/dz{l + 1}", (k,))) for k in range(widths[l + 1])])),
        "dL/dz": lambda leaf: (_sum([binary("*", leaf(f"da{l}/dz{l}", (k, i)), leaf(f"dL/da{l}", (k,))) for k in range(widths[l])])
                               if l in network.architecture.jacobian_layers
                               else binary("*", leaf(f"dL/da{l}", (i,)), leaf(f"da{l}/dz{l}", (i,)))),
        "dz/dW": lambda leaf: leaf(f"a{l - 1}", (i,)),
        "dz/da": lambda leaf: leaf(f"W{l}", index),
        "dL/dW": lambda leaf: binary("*", leaf(f"dL/dz{l}", (index[0],)), leaf(f"dz{l}/dW{l}", (index[1],))),
        "dL/db": lambda leaf: leaf(f"dL/dz{l}", (i,)),
        "W_new": lambda leaf: binary("-", leaf(f"W{l}", index), binary("*", rate, leaf(f"dL/dW{l}", index))),
        "b_new": lambda leaf: binary("-", leaf(f"b{l}", index), binary("*", rate, leaf(f"dL/db{l}", index))),
    }
    return rows[family]


def leaves(quantity: str, index: Index, network: Network) -> tuple[tuple[str, Index], ...]:
    """The elements one element's formula reads, in the order it names them; empty for a given."""
    build = builder(quantity, index, network)
    if build is None:
        return ()
    found: list[tuple[str, Index]] = []

    def record(leaf_quantity: str, leaf_index: Index) -> Term:
        found.append((leaf_quantity, leaf_index))
        return ONE

    build(record)
    return tuple(dict.fromkeys(found))


def substituted(quantity: str, index: Index, network: Network, values: Mapping[str, Array]) -> Term | None:
    """The element's formula with ``values`` as its leaves (None for a given)."""
    build = builder(quantity, index, network)
    return None if build is None else build(lambda q, i: num(number(values[q][i])))


def derive(quantity: str, index: Index, network: Network, values: Mapping[str, Array]) -> Derivation:
    """The derivation of one element from the exact values of every quantity (``values``)."""
    depth = len(network.layers)
    build = builder(quantity, index, network)
    value = number(values[quantity][index])
    if build is None:
        return Derivation(name(quantity, index, values, depth), None, None, value)
    formula = build(lambda q, i: name(q, i, values, depth))
    substituted = build(lambda q, i: num(number(values[q][i])))
    return Derivation(name(quantity, index, values, depth), formula, substituted, value)


# ---- rendering ----------------------------------------------------------------------------------

def chain(derivation: Derivation, render: Callable[[Term], str]) -> list[str]:
    """The sides of ``name = formula = substituted = value``, without repeating a side."""
    sides = [render(derivation.name)]
    for term in (derivation.formula, derivation.substituted):
        if term is not None:
            sides.append(render(term))
    sides.append(derivation.value)
    return [side for position, side in enumerate(sides) if position == 0 or side != sides[position - 1]]
