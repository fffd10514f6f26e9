"""Decide that two exact expressions are equal when balls cannot: SymPy on nncheck's own tree.

``\\sigma(-0.3) = \\frac{1}{1 + e^{0.3}}`` is an identity: both sides enclose the same number at
every precision, so no enclosure ever separates or proves them. Each side is evaluated by the one
evaluator (nncheck.expr.evaluate) on the exact backend, SymPy, from nncheck's own tree (never from
text: nothing the page says is parsed by SymPy), and the difference simplified. Only small
expressions are tried (``MAX_NODES``), which bounds the time; anything else is "not proved", never
"equal".
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from nncheck.expr.nodes import Node, walk

# What a name, a number or a call stands for, when the caller knows it exactly: its values in row-major
# order, as Fractions or SymPy expressions; None to translate the node itself. A node the caller knows
# only as an enclosure (a rounded result standing for a true value only balls know) raises NotExact.
Exact = Callable[[Node], "list[Any] | None"]


class NotExact(Exception):
    """Raised by an Exact callback for a node whose value is known only as an enclosure: nothing is proved."""

# Larger expressions are not tried: simplify's time grows quickly, and worked examples' identities
# (a sigmoid written out, a softmax component) have a few dozen nodes.
MAX_NODES = 60
# Nor are sides of more elements than this, differences of more SymPy operations, or rationals past this
# size (exp(1000) or 10^300 would send simplify's numeric checks into thousands of digits): the check is
# bounded in time, and what it does not try is "not proved".
MAX_ELEMENTS = 4
MAX_OPERATIONS = 80
MAX_RATIONAL_BITS = 64
MAX_EXPONENT = 50  # e^50 is about 5·10^21


def proved_equal(left: Node, right: Node, exact_left: Exact, exact_right: Exact) -> bool:
    """Whether SymPy proves ``left == right`` element by element; False when not proved.

    ``exact_left``, ``exact_right`` say what each side's nodes stand for (a name's exact value); a
    rounded operand (NotExact) or a side that cannot be evaluated is not proved.
    """
    if len(walk(left)) + len(walk(right)) > MAX_NODES:
        return False
    import sympy

    try:
        pairs = list(zip(translate(left, exact_left), translate(right, exact_right), strict=True))
    except (NotExact, ValueError, ZeroDivisionError, TypeError):  # TypeError: a sign SymPy cannot decide
        return False
    differences = [a - b for a, b in pairs]
    if len(differences) > MAX_ELEMENTS or any(not _small(d) for d in differences):
        return False
    # tanh and the other hyperbolic functions are proved through exponentials when simplify alone does not
    return all(sympy.simplify(d) == 0 or sympy.simplify(d.rewrite(sympy.exp)) == 0 for d in differences)


def _small(difference: Any) -> bool:
    """Whether simplify may be tried on ``difference`` in bounded time (see MAX_OPERATIONS, MAX_RATIONAL_BITS)."""
    import sympy

    if not isinstance(difference, sympy.Expr) or sympy.count_ops(difference) > MAX_OPERATIONS:
        return False
    for power in difference.atoms(sympy.exp):
        if power.args[0].is_Rational and abs(power.args[0]) > MAX_EXPONENT:
            return False
    for atom in difference.atoms(sympy.Rational):
        if atom.p.bit_length() > MAX_RATIONAL_BITS or atom.q.bit_length() > MAX_RATIONAL_BITS:
            return False
    return True


def translate(node: Node, exact: Exact) -> list[Any]:
    """The node's value as SymPy expressions, one per element (row-major): the one evaluator on the exact
    backend, with ``exact`` consulted for every node first. NotExact, or ValueError (a shape that does
    not fit, a name with no value) when it has none."""
    import numpy as np
    import sympy

    from nncheck.expr.evaluate import Evaluator
    from nncheck.network import exact as exact_backend

    def lookup(n: Node) -> Any:
        values = exact(n)
        if values is None:
            return None
        cells = [sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in values]
        result = np.empty(len(cells) if len(cells) != 1 else (), dtype=object)
        if len(cells) == 1:
            result[()] = cells[0]
        else:
            result[:] = cells
        return result

    return list(Evaluator(backend=exact_backend, lookup=lookup).value(node).reshape(-1))
