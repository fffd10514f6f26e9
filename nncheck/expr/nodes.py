"""The parsed form of a display equation: frozen nodes with their offsets in the LaTeX text.

Every node knows where it starts and ends (``start``, ``end``: character offsets in the display's
text), so a finding can point at the printed number and a report can quote a side as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from nncheck.printed import Printed

# Functions nncheck can evaluate, by canonical name, with how many arguments each takes
# (None: one or more). "log" takes an optional base, "root" an index.
FUNCTIONS: dict[str, tuple[int, ...] | None] = {
    "exp": (1,), "log": (1, 2), "sqrt": (1,), "root": (2,), "sigmoid": (1,), "tanh": (1,), "relu": (1,),
    "sigmoid′": (1,), "tanh′": (1,),  # σ′(z) = σ(z)(1 - σ(z)), tanh′(z) = 1 - tanh(z)²
    "softmax": (1,), "max": None, "min": None,
    # Reductions and tensor operations (nncheck.expr.evaluate.Evaluator.reduce, .window): population var and std.
    "sum": (1, 2), "mean": (1,), "var": (1,), "std": (1,), "norm": (1,), "dot": (2,), "log_softmax": (1,),
    "conv2d": (2,), "max_pool": (1, 2), "avg_pool": (1, 2),
}
# Named constants; the letter e stands for Euler's number wherever it carries no subscript.
CONSTANTS = ("e", "π")
# Operators of a product: explicit (× · *) and implied by juxtaposition are the same multiplication.
TIMES, DIVIDE, HADAMARD = "×", "/", "⊙"


@dataclass(frozen=True, slots=True)
class Number:
    printed: Printed
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Symbol:
    """A name: z_2, ŷ, ∂L/∂W_1 (normalised, so that z_{2} and z_2 are one name)."""

    name: str
    start: int
    end: int
    latex: str | None = None  # its LaTeX spelling, for a name nncheck writes (a derivation's ∂L/∂z2)


@dataclass(frozen=True, slots=True)
class Constant:
    name: str  # one of CONSTANTS
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sum:
    terms: tuple[tuple[str, Node], ...]  # ("+" or "-", term); the first sign is "+"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Product:
    factors: tuple[tuple[str, Node], ...]  # (TIMES, DIVIDE or HADAMARD, factor); the first is TIMES
    start: int
    end: int
    # The positions of the factors written after an asterisk (*, \ast, ∗): a TIMES like any other, except where two
    # matrices have no matrix product, which an asterisk between them then reads as a convolution (Evaluator.read_star).
    starred: frozenset[int] = field(default=frozenset(), compare=False)


@dataclass(frozen=True, slots=True)
class Quotient:
    """\\frac{numerator}{denominator}."""

    numerator: Node
    denominator: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Power:
    base: Node
    exponent: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Transpose:
    operand: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Over:
    """The index of a sum over an index, as written: \\sum_{j=1}^{3} e^{z_j} is over j, from 1 to 3, of e^{z_j}."""

    index: str  # one letter
    lower: int | None  # None: not written
    upper: Node | None  # None: not written
    summand: Node


@dataclass(frozen=True, slots=True)
class Call:
    """A function applied to arguments; a function not in FUNCTIONS (σ′, say) makes the side symbolic.

    ``over``: a sum over an index (the function Σ, or sum of a vector's entries read from \\sum_i x_i), which a
    page may write out over the indices of the names it bound (nncheck/audit/page/sums.py).
    """

    function: str
    arguments: tuple[Node, ...]
    start: int
    end: int
    over: Over | None = None


@dataclass(frozen=True, slots=True)
class Matrix:
    """A bmatrix/pmatrix: rows of cells, every row the same length."""

    rows: tuple[tuple[Node, ...], ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Vector:
    """A list written inline, [1.3, 1.8] or (1, 2): a vector of either orientation."""

    items: tuple[Node, ...]
    start: int
    end: int


Node = Union[Number, Symbol, Constant, Negate, Sum, Product, Quotient, Power, Transpose, Call, Matrix, Vector]


@dataclass(frozen=True, slots=True)
class Chain:
    """a = b = c: the sides of one equation, left to right."""

    sides: tuple[Node, ...]
    start: int
    end: int
    continues: bool = False  # it begins with "=": it continues the previous display's last equation


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Number, Symbol, Constant)):
        return ()
    if isinstance(node, (Negate, Transpose)):
        return (node.operand,)
    if isinstance(node, Sum):
        return tuple(term for _, term in node.terms)
    if isinstance(node, Product):
        return tuple(factor for _, factor in node.factors)
    if isinstance(node, Quotient):
        return (node.numerator, node.denominator)
    if isinstance(node, Power):
        return (node.base, node.exponent)
    if isinstance(node, Call):
        return node.arguments
    if isinstance(node, Matrix):
        return tuple(cell for row in node.rows for cell in row)
    return node.items


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents first (iteratively: depth is bounded, but cheaply so)."""
    result, stack = [], [node]
    while stack:
        current = stack.pop()
        result.append(current)
        stack.extend(reversed(children(current)))
    return result


def is_numeric(node: Node) -> bool:
    """No free symbol and no unknown function: the side can be evaluated."""
    return all(not isinstance(n, Symbol) and not (isinstance(n, Call) and n.function not in FUNCTIONS)
               for n in walk(node))



def printed_number(node: Node, text: str) -> Printed | None:
    """The printed value of a plain number: 0.938, -0.062, or 1.2 \\times 10^{-3}."""
    if isinstance(node, Number):
        return node.printed
    if isinstance(node, Negate) and isinstance(node.operand, Number):
        inner = node.operand.printed
        return Printed(text="-" + inner.text, value=-inner.value, last_place=inner.last_place)
    if isinstance(node, Product) and len(node.factors) == 2 and node.factors[1][0] == TIMES:
        mantissa, power = node.factors[0][1], node.factors[1][1]
        leading = printed_number(mantissa, text)
        if leading is None or not isinstance(power, Power) or not _is_ten(power.base):
            return None
        exponent = printed_number(power.exponent, text)
        if exponent is None or exponent.last_place != 0 or abs(exponent.value) > 300:
            return None
        shift = int(exponent.value)
        return Printed(text=" ".join(text[node.start:node.end].split()), value=leading.value * Fraction(10) ** shift,
                       last_place=leading.last_place + shift)
    return None


def _is_ten(node: Node) -> bool:
    return isinstance(node, Number) and node.printed.text == "10"


def printed_cells(node: Node, text: str) -> tuple[tuple[int, ...], list[tuple[Printed, Node]]] | None:
    """A side that is only printed numbers: its shape and its cells in row-major order, else None."""
    single = printed_number(node, text)
    if single is not None:
        return (), [(single, node)]
    if isinstance(node, Matrix):
        cells = [(printed_number(cell, text), cell) for row in node.rows for cell in row]
        shape: tuple[int, ...] = (len(node.rows), len(node.rows[0]))
    elif isinstance(node, Vector):
        cells = [(printed_number(item, text), item) for item in node.items]
        shape = (len(node.items),)
    else:
        return None
    if any(printed is None for printed, _ in cells):
        return None
    return shape, [(printed, cell) for printed, cell in cells if printed is not None]
