"""Decide that two exact expressions are equal when balls cannot: SymPy on nncheck's own tree.

``\\sigma(-0.3) = \\frac{1}{1 + e^{0.3}}`` is an identity: both sides enclose the same number at
every precision, so no enclosure ever separates or proves them. Each side is translated node by
node (never from text: nothing the page says is parsed by SymPy) and the difference simplified.
Only small scalar expressions of numbers and functions are tried (``MAX_NODES``), which bounds the
time; anything else is "not proved", never "equal".
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from nncheck.expr.nodes import (
    DIVIDE, TIMES, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Vector, walk,
)

# What a name, a number or a call stands for, when the caller knows it exactly: its values in row-major
# order, as Fractions or SymPy expressions; None to translate the node itself. A node the caller knows
# only as an enclosure (a rounded result standing for a true value only balls know) raises NotExact.
Exact = Callable[[Node], "list[Any] | None"]


class NotExact(Exception):
    """Raised by an Exact callback for a node whose value is known only as an enclosure: nothing is proved."""

# Larger expressions are not tried: simplify's time grows quickly, and worked examples' identities
# (a sigmoid written out, a softmax component) have a few dozen nodes.
MAX_NODES = 60


class _NotTranslated(Exception):
    pass


def proved_equal(left: Node, right: Node, exact_left: Exact, exact_right: Exact) -> bool:
    """Whether SymPy proves ``left == right`` element by element; False when not proved.

    Numbers, names with exact values (``exact_left``, ``exact_right``: what each side's nodes stand for), elementwise arithmetic and functions only: a
    matrix product or a rounded operand is not tried.
    """
    if len(walk(left)) + len(walk(right)) > MAX_NODES:
        return False
    import sympy

    try:
        pairs = list(zip(_sympy(left, exact_left), _sympy(right, exact_right), strict=True))
    except (_NotTranslated, NotExact, ValueError):
        return False
    # tanh and the other hyperbolic functions are proved through exponentials when simplify alone does not
    return all(sympy.simplify(a - b) == 0 or sympy.simplify((a - b).rewrite(sympy.exp)) == 0 for a, b in pairs)


def translate(node: Node, exact: Exact) -> list[Any]:
    """The node's value as SymPy expressions, one per element; NotExact or _NotTranslated when it has none."""
    return _sympy(node, exact)


def _sympy(node: Node, exact: Exact) -> list[Any]:
    """The node's value as SymPy expressions, one per element (row-major)."""
    import sympy

    values = exact(node)
    if values is not None:
        return [sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in values]
    if isinstance(node, (Number, Symbol)):
        raise _NotTranslated
    if isinstance(node, Constant):
        return [sympy.E if node.name == "e" else sympy.pi]
    if isinstance(node, Negate):
        return [-v for v in _sympy(node.operand, exact)]
    if isinstance(node, (Matrix, Vector)):
        cells = [cell for row in node.rows for cell in row] if isinstance(node, Matrix) else list(node.items)
        return [_scalar(cell, exact) for cell in cells]
    if isinstance(node, Sum):
        total = _sympy(node.terms[0][1], exact)
        for sign, term in node.terms[1:]:
            total = _elementwise(total, _sympy(term, exact), (lambda a, b: a + b) if sign == "+" else (lambda a, b: a - b))
        return total
    if isinstance(node, Product):
        result = _sympy(node.factors[0][1], exact)
        for operator, factor in node.factors[1:]:
            value = _sympy(factor, exact)
            if operator == TIMES and (len(result) == 1 or len(value) == 1):
                result = _elementwise(result, value, lambda a, b: a * b)
            elif operator == DIVIDE and len(value) == 1:
                result = _elementwise(result, value, lambda a, b: a / b)
            else:
                raise _NotTranslated  # a matrix product or an entrywise one: not tried
        return result
    if isinstance(node, Quotient):
        return _elementwise(_sympy(node.numerator, exact), [_scalar(node.denominator, exact)], lambda a, b: a / b)
    if isinstance(node, Power):
        return [v ** _scalar(node.exponent, exact) for v in _sympy(node.base, exact)]
    if isinstance(node, Call):
        return _call(node, exact)
    raise _NotTranslated  # transposes


def _scalar(node: Node, exact: Exact) -> Any:
    values = _sympy(node, exact)
    if len(values) != 1:
        raise _NotTranslated
    return values[0]


def _elementwise(left: list[Any], right: list[Any], operation: Callable[[Any, Any], Any]) -> list[Any]:
    if len(left) == 1:
        return [operation(left[0], b) for b in right]
    if len(right) == 1:
        return [operation(a, right[0]) for a in left]
    if len(left) != len(right):
        raise _NotTranslated
    return [operation(a, b) for a, b in zip(left, right)]


def _call(node: Call, exact: Exact) -> list[Any]:
    if node.function in ("exp", "sqrt", "tanh", "sigmoid", "relu", "sigmoid′", "tanh′") and len(node.arguments) == 1:
        return [_call_scalar(node, [value]) for value in _sympy(node.arguments[0], exact)]
    return [_call_scalar(node, [_scalar(argument, exact) for argument in node.arguments])]


def _call_scalar(node: Call, arguments: list[Any]) -> Any:
    import sympy

    functions: dict[str, Any] = {
        "exp": lambda x: sympy.exp(x), "sqrt": lambda x: sympy.sqrt(x), "tanh": lambda x: sympy.tanh(x),
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)), "relu": lambda x: sympy.Max(0, x),
        "sigmoid′": lambda x: sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2, "tanh′": lambda x: 1 - sympy.tanh(x) ** 2,
    }
    if node.function in functions and len(arguments) == 1:
        return functions[node.function](arguments[0])
    if node.function == "log":
        return sympy.log(arguments[0]) if len(arguments) == 1 else sympy.log(arguments[0], arguments[1])
    if node.function == "root" and len(arguments) == 2:
        return arguments[0] ** (1 / arguments[1])
    if node.function in ("max", "min") and len(arguments) > 1:
        return (sympy.Max if node.function == "max" else sympy.Min)(*arguments)
    raise _NotTranslated
