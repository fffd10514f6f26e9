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
from typing import Union

from nncheck import quantities
from nncheck.audit.enclose import midpoint
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.network.rules import ACTIVATIONS
from nncheck.printed import format_fraction
from nncheck.records import Index, Network

# Operands are shown to this many significant digits unless they are short exact decimals.
SIGNIFICANT_DIGITS = 6
# An exact rational whose decimal expansion ends within this many places is shown exactly.
EXACT_PLACES = 12


@dataclass(frozen=True, slots=True)
class Num:
    text: str  # a number as shown, e.g. "0.7" or "-1.06522"


@dataclass(frozen=True, slots=True)
class Name:
    text: str  # e.g. "∂L/∂z2", "W2[0,1]"
    latex: str  # e.g. r"\frac{\partial L}{\partial z_{2}}"


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # one of + - * / ^
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Term


@dataclass(frozen=True, slots=True)
class Call:
    function: str  # exp, log, sigmoid, tanh, relu, max, or a derivative such as "relu'"
    arguments: tuple[Term, ...]


Term = Union[Num, Name, Op, Neg, Call]
Leaf = Callable[[str, Index], Term]


@dataclass(frozen=True, slots=True)
class Derivation:
    """How one element's true value is computed: name = formula = substituted = value."""

    name: Name
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


def name(quantity: str, index: Index, values: Mapping[str, Array], depth: int) -> Name:
    """The element's name; the index is shown only when the quantity has more than one element."""
    several = values[quantity].size > 1
    suffix = "[" + ",".join(str(i) for i in index) + "]" if several else ""
    if "/" in quantity:
        top, bottom = quantity.split("/")
        latex = rf"\frac{{\partial {_symbol(top[1:], depth)}}}{{\partial {_symbol(bottom[1:], depth)}}}"
    else:
        latex = _symbol(quantity, depth)
    return Name(quantities.display(quantity, depth) + suffix, latex + suffix)


# ---- building terms from the step table's rows ------------------------------------------------------

def _sum(terms: list[Term]) -> Term:
    total = terms[0]
    for term in terms[1:]:
        total = Op("+", total, term)
    return total


def _mean(total: Term, count: int) -> Term:
    return total if count == 1 else Op("/", total, Num(str(count)))


ONE = Num("1")


def _loss(network: Network, leaf: Leaf) -> Term:
    n = len(network.target)
    a = [leaf(f"a{len(network.layers)}", (k,)) for k in range(n)]
    y = [leaf("y", (k,)) for k in range(n)]
    if network.loss == "bce":
        terms: list[Term] = [Op("+", Op("*", y[k], Call("log", (a[k],))), Op("*", Op("-", ONE, y[k]), Call("log", (Op("-", ONE, a[k]),))))
                             for k in range(n)]
        return _mean(Neg(_sum(terms)), n)
    if network.loss == "mse":
        return _mean(_sum([Op("^", Op("-", a[k], y[k]), Num("2")) for k in range(n)]), n)
    if network.loss == "half_sse":
        return Op("/", _sum([Op("^", Op("-", a[k], y[k]), Num("2")) for k in range(n)]), Num("2"))
    return Neg(_sum([Op("*", y[k], Call("log", (a[k],))) for k in range(n)]))  # cross_entropy


def _loss_gradient(network: Network, k: int, leaf: Leaf) -> Term:
    n = len(network.target)
    a, y = leaf(f"a{len(network.layers)}", (k,)), leaf("y", (k,))
    if network.loss == "bce":
        return _mean(Op("-", Op("/", Op("-", ONE, y), Op("-", ONE, a)), Op("/", y, a)), n)
    if network.loss == "mse":
        return Op("/", Op("*", Num("2"), Op("-", a, y)), Num(str(n)))
    if network.loss == "half_sse":
        return Op("-", a, y)
    return Neg(Op("/", y, a))  # cross_entropy


def _activation(network: Network, l: int, i: int, leaf: Leaf) -> Term:
    layer = network.layers[l - 1]
    z = leaf(f"z{l}", (i,))
    if layer.activation == "identity":
        return z
    if layer.activation == "leaky_relu":
        return Call("max", (Op("*", Num(_fraction_text(layer.negative_slope)), z), z))
    if layer.activation == "softmax":
        return Op("/", Call("exp", (z,)), _sum([Call("exp", (leaf(f"z{l}", (j,)),)) for j in range(len(layer.bias))]))
    return Call(layer.activation, (z,))  # relu, sigmoid, tanh


def _activation_derivative(network: Network, l: int, index: Index, leaf: Leaf) -> Term:
    layer = network.layers[l - 1]
    operand = f"{ACTIVATIONS[layer.activation].derivative_of}{l}"
    if layer.activation == "softmax":
        i, j = index
        a_i, a_j = leaf(operand, (i,)), leaf(operand, (j,))
        return Op("*", a_i, Op("-", ONE, a_i)) if i == j else Neg(Op("*", a_i, a_j))
    value = leaf(operand, index)
    if layer.activation == "sigmoid":
        return Op("*", value, Op("-", ONE, value))
    if layer.activation == "tanh":
        return Op("-", ONE, Op("^", value, Num("2")))
    if layer.activation == "identity":
        return ONE
    return Call(layer.activation + "'", (value,))  # relu', leaky_relu': a step at 0


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
    rate = Num(_fraction_text(network.learning_rate or Fraction(0)))
    rows: dict[str, Callable[[Leaf], Term]] = {
        "z": lambda leaf: _sum([Op("*", leaf(f"W{l}", (i, j)), leaf(f"a{l - 1}", (j,))) for j in range(widths[l - 1])]
                               + [leaf(f"b{l}", (i,))]),
        "a": lambda leaf: _activation(network, l, i, leaf),
        "da/dz": lambda leaf: _activation_derivative(network, l, index, leaf),
        "dL/da": lambda leaf: (_loss_gradient(network, i, leaf) if l == len(network.layers) else _sum(
            [Op("*", leaf(f"dz{l + 1}/da{l}", (k, i)), leaf(f"dL/dz{l + 1}", (k,))) for k in range(widths[l + 1])])),
        "dL/dz": lambda leaf: (_sum([Op("*", leaf(f"da{l}/dz{l}", (k, i)), leaf(f"dL/da{l}", (k,))) for k in range(widths[l])])
                               if l in network.architecture.jacobian_layers
                               else Op("*", leaf(f"dL/da{l}", (i,)), leaf(f"da{l}/dz{l}", (i,)))),
        "dz/dW": lambda leaf: leaf(f"a{l - 1}", (i,)),
        "dz/da": lambda leaf: leaf(f"W{l}", index),
        "dL/dW": lambda leaf: Op("*", leaf(f"dL/dz{l}", (index[0],)), leaf(f"dz{l}/dW{l}", (index[1],))),
        "dL/db": lambda leaf: leaf(f"dL/dz{l}", (i,)),
        "W_new": lambda leaf: Op("-", leaf(f"W{l}", index), Op("*", rate, leaf(f"dL/dW{l}", index))),
        "b_new": lambda leaf: Op("-", leaf(f"b{l}", index), Op("*", rate, leaf(f"dL/db{l}", index))),
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
    return None if build is None else build(lambda q, i: Num(number(values[q][i])))


def derive(quantity: str, index: Index, network: Network, values: Mapping[str, Array]) -> Derivation:
    """The derivation of one element from the exact values of every quantity (``values``)."""
    depth = len(network.layers)
    build = builder(quantity, index, network)
    value = number(values[quantity][index])
    if build is None:
        return Derivation(name(quantity, index, values, depth), None, None, value)
    formula = build(lambda q, i: name(q, i, values, depth))
    substituted = build(lambda q, i: Num(number(values[q][i])))
    return Derivation(name(quantity, index, values, depth), formula, substituted, value)


# ---- rendering terms ----------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
UNARY = 3
ATOM = 5


def _precedence(term: Term) -> int:
    if isinstance(term, Op):
        return _PRECEDENCE[term.op]
    if isinstance(term, Neg) or (isinstance(term, Num) and term.text.startswith("-")):
        return UNARY
    return ATOM


def _needs_parentheses(parent: Op, child: Term, right: bool) -> bool:
    own, inner = _PRECEDENCE[parent.op], _precedence(child)
    if parent.op == "^":
        return inner <= own if not right else inner < ATOM
    if right:
        return inner < own or (inner == own and parent.op in "-/") or inner == UNARY
    return inner < own


TEXT_FUNCTIONS = {"relu'": "relu′", "leaky_relu'": "leaky_relu′"}
TEXT_OPERATORS = {"+": " + ", "-": " - ", "*": "·", "/": "/", "^": "^"}


def text(term: Term) -> str:
    """Plain text in nncheck's equation language (where the functions exist there)."""
    if isinstance(term, Num):
        return term.text
    if isinstance(term, Name):
        return term.text
    if isinstance(term, Neg):
        inner = text(term.operand)
        return f"-({inner})" if _precedence(term.operand) <= UNARY else f"-{inner}"
    if isinstance(term, Call):
        function = TEXT_FUNCTIONS.get(term.function, term.function)
        return f"{function}(" + ", ".join(text(argument) for argument in term.arguments) + ")"
    left, right = text(term.left), text(term.right)
    if _needs_parentheses(term, term.left, right=False):
        left = f"({left})"
    if _needs_parentheses(term, term.right, right=True):
        right = f"({right})"
    return left + TEXT_OPERATORS[term.op] + right


LATEX_FUNCTIONS = {
    "log": r"\log", "tanh": r"\tanh", "sigmoid": r"\sigma", "max": r"\max", "relu": r"\operatorname{ReLU}",
    "relu'": r"\operatorname{ReLU}^{\prime}", "leaky_relu'": r"\operatorname{LeakyReLU}^{\prime}",
}


def latex(term: Term) -> str:
    """LaTeX that math-core renders as MathML."""
    if isinstance(term, Num):
        return term.text
    if isinstance(term, Name):
        return term.latex
    if isinstance(term, Neg):
        inner = latex(term.operand)
        return rf"-\left({inner}\right)" if _precedence(term.operand) <= UNARY else f"-{inner}"
    if isinstance(term, Call):
        arguments = ", ".join(latex(argument) for argument in term.arguments)
        if term.function == "exp":
            return f"e^{{{arguments}}}"
        return LATEX_FUNCTIONS[term.function] + rf"\left({arguments}\right)"
    left, right = latex(term.left), latex(term.right)
    if term.op == "/":
        return rf"\frac{{{left}}}{{{right}}}"
    if _needs_parentheses(term, term.left, right=False):
        left = rf"\left({left}\right)"
    if _needs_parentheses(term, term.right, right=True):
        right = rf"\left({right}\right)"
    if term.op == "^":
        return f"{{{left}}}^{{{right}}}"
    return left + {"+": " + ", "-": " - ", "*": r" \cdot "}[term.op] + right


def chain(derivation: Derivation, render: Callable[[Term], str]) -> list[str]:
    """The sides of ``name = formula = substituted = value``, without repeating a side."""
    sides = [render(derivation.name)]
    for term in (derivation.formula, derivation.substituted):
        if term is not None:
            sides.append(render(term))
    sides.append(derivation.value)
    return [side for position, side in enumerate(sides) if position == 0 or side != sides[position - 1]]
