"""The one printer of nncheck's expression trees: plain text (the spec's equation language) and LaTeX.

Derivations (``z2 = W2[0,0]·a1[0] + … = 0.7·1.3 + … = 2.73``) are built as nodes of
:mod:`nncheck.expr.nodes` with the constructors here, and printed with the fewest parentheses that
keep their meaning: a sum or product of several terms prints as the left fold of binary operations.
The text form parses back with :func:`nncheck.expr.parse_expression` (where its functions exist
there); the LaTeX form is what math-core renders as MathML on the errata site.
"""

from __future__ import annotations

from fractions import Fraction

from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, TIMES, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose, Vector,
)
from nncheck.printed import Printed, parse_printed

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "⊙": 2, "^": 4}
UNARY = 3
ATOM = 5

TEXT_FUNCTIONS = {"relu'": "relu′", "leaky_relu'": "leaky_relu′"}
TEXT_OPERATORS = {"+": " + ", "-": " - ", "*": "·", "/": "/", "⊙": " ⊙ ", "^": "^"}
LATEX_FUNCTIONS = {
    "log": r"\log", "tanh": r"\tanh", "sigmoid": r"\sigma", "max": r"\max", "min": r"\min", "sqrt": r"\sqrt",
    "relu": r"\operatorname{ReLU}", "relu'": r"\operatorname{ReLU}^{\prime}", "leaky_relu'": r"\operatorname{LeakyReLU}^{\prime}",
}


# ---- constructors: nodes that stand in no source text (offsets 0) ---------------------------------

def num(text: str) -> Number:
    """A number as shown, e.g. "0.7" or "-1.06522" (its value read exactly; no digit limit: it is nncheck's own)."""
    try:
        return Number(parse_printed(text), 0, 0)
    except ValueError:
        pass  # a plain decimal longer than a document may print
    negative = text.startswith("-")
    digits = text.lstrip("-")
    whole, _, fraction = digits.partition(".")
    value = Fraction(int(whole + fraction), 10 ** len(fraction))
    return Number(Printed(text=text, value=-value if negative else value, last_place=-len(fraction)), 0, 0)


def name(text: str, latex: str) -> Symbol:
    """A name with its LaTeX spelling, e.g. ("∂L/∂z2", r"\\frac{\\partial L}{\\partial z_{2}}")."""
    return Symbol(text, 0, 0, latex=latex)


def binary(operator: str, left: Node, right: Node) -> Node:
    """``left operator right`` for one of + - * / ^."""
    if operator in "+-":
        return Sum((("+", left), (operator, right)), 0, 0)
    if operator == "*":
        return Product(((TIMES, left), (TIMES, right)), 0, 0)
    if operator == "/":
        return Quotient(left, right, 0, 0)
    return Power(left, right, 0, 0)


def negate(operand: Node) -> Negate:
    return Negate(operand, 0, 0)


def call(function: str, *arguments: Node) -> Call:
    return Call(function, tuple(arguments), 0, 0)


# ---- printing ----------------------------------------------------------------------------------

def _split(node: Node) -> tuple[str, Node, Node] | None:
    """A sum or product as its last binary operation: (operator, everything before, last operand)."""
    if isinstance(node, Sum) and len(node.terms) > 1:
        head = node.terms[:-1]
        left = head[0][1] if len(head) == 1 else Sum(head, node.start, node.end)
        return node.terms[-1][0], left, node.terms[-1][1]
    if isinstance(node, Product) and len(node.factors) > 1:
        head = node.factors[:-1]
        left = head[0][1] if len(head) == 1 else Product(head, node.start, node.end)
        operator = {DIVIDE: "/", HADAMARD: "⊙"}.get(node.factors[-1][0], "*")
        return operator, left, node.factors[-1][1]
    if isinstance(node, Quotient):
        return "/", node.numerator, node.denominator
    if isinstance(node, Power):
        return "^", node.base, node.exponent
    return None


def _precedence(node: Node) -> int:
    parts = _split(node)
    if parts is not None:
        return _PRECEDENCE[parts[0]]
    if isinstance(node, Negate) or (isinstance(node, Number) and node.printed.value < 0):
        return UNARY
    return ATOM


def _needs_parentheses(operator: str, child: Node, right: bool) -> bool:
    own, inner = _PRECEDENCE[operator], _precedence(child)
    if operator == "^":
        return inner <= own if not right else inner < ATOM
    if right:
        mixed = inner == own and (operator in "-/⊙" or (_split(child) or ("",))[0] == "⊙")  # a ⊙ (b c), a (b ⊙ c)
        return inner < own or mixed or inner == UNARY
    return inner < own


def text(node: Node) -> str:
    """Plain text in nncheck's equation language (where the functions exist there)."""
    if isinstance(node, Number):
        return node.printed.text
    if isinstance(node, (Symbol, Constant)):
        return node.name
    if isinstance(node, Negate):
        inner = text(node.operand)
        return f"-({inner})" if _precedence(node.operand) <= UNARY else f"-{inner}"
    if isinstance(node, Call) and node.function == "index" and all(isinstance(a, Number) for a in node.arguments[1:]):
        inner = text(node.arguments[0])  # an entry: X[1,0]
        inner = inner if _precedence(node.arguments[0]) >= ATOM else f"({inner})"
        return inner + "[" + ",".join(text(a) for a in node.arguments[1:]) + "]"
    if isinstance(node, Call):
        function = TEXT_FUNCTIONS.get(node.function, node.function)
        if function[0] == "∂" and "#" in function:  # reverse mode's vector–Jacobian product of argument i
            name, _, position = function[1:].partition("#")
            function = f"vjp[{name}, {position}]"
        return f"{function}(" + ", ".join(text(argument) for argument in node.arguments) + ")"
    if isinstance(node, Vector):
        return "[" + ", ".join(text(item) for item in node.items) + "]"
    if isinstance(node, Matrix):
        return "[" + "; ".join(", ".join(text(cell) for cell in row) for row in node.rows) + "]"
    if isinstance(node, Transpose):
        return f"({text(node.operand)})ᵀ"
    parts = _split(node)
    if parts is None:
        raise ValueError(f"{type(node).__name__} has no text form")
    operator, left_node, right_node = parts
    left, right = text(left_node), text(right_node)
    if _needs_parentheses(operator, left_node, right=False):
        left = f"({left})"
    if _needs_parentheses(operator, right_node, right=True):
        right = f"({right})"
    return left + TEXT_OPERATORS[operator] + right


def _latex_function(function: str) -> str:
    """A function's name in LaTeX: the table's symbol, or upright text (underscores escaped); reverse mode's
    ∂name#i, the vector–Jacobian product of argument i, as vjp with the function and i as subscripts."""
    if function in LATEX_FUNCTIONS:
        return LATEX_FUNCTIONS[function]
    if function[0] == "∂" and "#" in function:
        name, _, position = function[1:].partition("#")
        return rf"\operatorname{{vjp}}_{{\operatorname{{{_upright(name)}}}, {position}}}"
    if function[0] == "∂":
        return rf"\operatorname{{\partial {_upright(function[1:])}}}"
    return rf"\operatorname{{{_upright(function)}}}"


def _upright(name: str) -> str:
    return name.replace("_", r"\_").replace("′", "'")


def latex(node: Node) -> str:
    """LaTeX that math-core renders as MathML."""
    if isinstance(node, Number):
        return node.printed.text
    if isinstance(node, Symbol):
        return node.latex if node.latex is not None else node.name
    if isinstance(node, Constant):
        return r"\pi" if node.name == "π" else node.name
    if isinstance(node, Negate):
        inner = latex(node.operand)
        return rf"-\left({inner}\right)" if _precedence(node.operand) <= UNARY else f"-{inner}"
    if isinstance(node, Call) and node.function == "index" and all(isinstance(a, Number) for a in node.arguments[1:]):
        inner = latex(node.arguments[0])  # an entry: X_{1,0}
        inner = f"{{{inner}}}" if _precedence(node.arguments[0]) >= ATOM else rf"{{\left({inner}\right)}}"
        return inner + "_{" + ",".join(latex(a) for a in node.arguments[1:]) + "}"
    if isinstance(node, Call):
        arguments = ", ".join(latex(argument) for argument in node.arguments)
        if node.function == "exp":
            return f"e^{{{arguments}}}"
        return _latex_function(node.function) + rf"\left({arguments}\right)"
    if isinstance(node, Transpose):
        inner = latex(node.operand)
        return rf"{{\left({inner}\right)}}^{{\top}}" if _precedence(node.operand) < ATOM else rf"{{{inner}}}^{{\top}}"
    parts = _split(node)
    if parts is None:
        raise ValueError(f"{type(node).__name__} has no LaTeX form here")
    operator, left_node, right_node = parts
    left, right = latex(left_node), latex(right_node)
    if operator == "/":
        return rf"\frac{{{left}}}{{{right}}}"
    if _needs_parentheses(operator, left_node, right=False):
        left = rf"\left({left}\right)"
    if _needs_parentheses(operator, right_node, right=True):
        right = rf"\left({right}\right)"
    if operator == "^":
        return f"{{{left}}}^{{{right}}}"
    return left + {"+": " + ", "-": " - ", "*": r" \cdot ", "⊙": r" \odot "}[operator] + right
