"""The plain-text arithmetic of a spec's ``equations:``, parsed without eval into nncheck's one tree.

Grammar (precedence low to high)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "⊙") unary)*    # ⊙ (also ".*"): entry by entry
    unary   := ("-" | "+") unary | power
    power   := atom ("^" unary)?          # right-associative; "**" is accepted as "^"
    atom    := NUMBER | NAME "(" expr ("," expr)* ")" | "(" expr ")"

NAME is one of the functions in FUNCTIONS. "×" and "·" mean "*", "−" means "-". The nodes are
those of :mod:`nncheck.expr.nodes` (the LaTeX reader's), with offsets into the text, so one
evaluator judges both.
"""

from __future__ import annotations

import re

from functools import cache

from nncheck.expr.nodes import DIVIDE, HADAMARD, TIMES, Call, Negate, Node, Number, Power, Product, Sum, Symbol, Transpose
from nncheck.printed import parse_printed

# Each function and how many arguments it takes (the evaluator's names: ln is log).
FUNCTIONS: dict[str, int | tuple[int, ...]] = {
    "exp": 1, "log": 1, "ln": 1, "sqrt": 1, "sigmoid": 1, "tanh": 1, "relu": 1, "max": 2, "min": 2,
}
# More functions a model's definitions may use (tensors, layers and losses; nncheck.network.graph differentiates them),
# with the argument counts each accepts. Activations and losses are the rows of nncheck.network.rules, operations
# those of nncheck.expr.operations; sum(X, axis) and the like are their axis forms.
# A model's reductions along an axis: sum(X, 1) is the row of nncheck.expr.operations named sum_over.
_AXIS_FORMS = {"sum": "sum_over", "mean": "mean_over", "var": "var_over", "std": "std_over", "softmax": "softmax_over",
               "log_softmax": "log_softmax_over"}


@cache
def model_functions() -> dict[str, int | tuple[int, ...]]:
    """Each function a model's formulas may call, with the argument counts it accepts."""
    # imported here: the rule table imports the records, which import this module (and numpy stays out of start-up)
    from nncheck.expr.operations import OPERATIONS
    from nncheck.network.rules import ACTIVATIONS, LOSSES

    return {
        **FUNCTIONS, "max": (1, 2), "min": (1, 2), "softmax": (1, 2), "log_softmax": (1, 2), "sum": (1, 2), "mean": (1, 2),
        "var": (1, 2), "std": (1, 2), "dot": 2, "norm": 1, "matmul": 2, "outer": 2, "transpose": 1,
        **{name: (1, 2) if name == "leaky_relu" else 1 for name in ACTIVATIONS if name != "softmax"},
        **{name: 2 for name in LOSSES},
        **{row.name: row.arities for row in OPERATIONS.values() if not row.name.endswith("_over")},
        "grad": 2,  # grad(f, x): ∂f/∂x of the current step, in a loop's updates
    }


# Expressions longer or deeper than this are refused (bounded work on hostile input).
MAX_LENGTH = 2000
MAX_DEPTH = 50

_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>\*\*|\.\*|[-+*/^(),×·−⊙]))")
_SYNONYMS = {"×": "*", "·": "*", "−": "-", "**": "^", ".*": "⊙"}

Token = tuple[str, str, int, str]  # kind, value, 0-based offset, raw text


class ExprSyntaxError(ValueError):
    """The expression is not in the language; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            offset = position + len(text[position:]) - len(text[position:].lstrip())
            raise ExprSyntaxError(f"unexpected {text[offset]!r}", offset + 1)
        kind = match.lastgroup or ""
        raw = match[kind]
        value = _SYNONYMS.get(raw, raw) if kind == "op" else raw
        tokens.append((kind, value, match.start(kind), raw))
        position = match.end()
    tokens.append(("end", "", len(text), ""))
    return tokens


class _Parser:
    def __init__(self, text: str, names: frozenset[str] | None = None) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.depth = 0
        self.names = names  # the names an expression may read (a model's), or None: numbers only
        self.functions: dict[str, int | tuple[int, ...]] = FUNCTIONS if names is None else model_functions()

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self, value: str | None = None) -> Token:
        token = self.peek()
        if value is not None and token[1] != value:
            found = "the end" if token[0] == "end" else repr(token[3])
            raise ExprSyntaxError(f"expected {value!r}, found {found}", token[2] + 1)
        self.position += 1
        return token

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprSyntaxError(f"nested deeper than {MAX_DEPTH} levels", self.peek()[2] + 1)

    def end(self) -> int:
        """The offset where the last token taken ends."""
        kind, _, offset, raw = self.tokens[self.position - 1]
        return offset + len(raw)

    def expr(self) -> Node:
        self.deeper()
        start = self.peek()[2]
        terms: list[tuple[str, Node]] = [("+", self.term())]
        while self.peek()[1] in ("+", "-"):
            sign = self.take()[1]
            terms.append((sign, self.term()))
        self.depth -= 1
        return terms[0][1] if len(terms) == 1 else Sum(tuple(terms), start, self.end())

    def term(self) -> Node:
        start = self.peek()[2]
        factors: list[tuple[str, Node]] = [(TIMES, self.unary())]
        while self.peek()[1] in ("*", "/", "⊙"):
            operator = {"*": TIMES, "/": DIVIDE, "⊙": HADAMARD}[self.take()[1]]
            factors.append((operator, self.unary()))
        return factors[0][1] if len(factors) == 1 else Product(tuple(factors), start, self.end())

    def unary(self) -> Node:
        if self.peek()[1] in ("-", "+"):
            self.deeper()
            start = self.peek()[2]
            sign = self.take()[1]
            operand = self.unary()
            self.depth -= 1
            return Negate(operand, start, self.end()) if sign == "-" else operand
        return self.power()

    def power(self) -> Node:
        start = self.peek()[2]
        base = self.atom()
        if self.peek()[1] == "^":
            self.take()
            exponent = self.unary()
            return Power(base, exponent, start, self.end())
        return base

    def atom(self) -> Node:
        kind, value, offset, raw = self.peek()
        if kind == "number":
            self.take()
            try:
                return Number(parse_printed(value), offset, offset + len(raw))
            except ValueError as error:
                raise ExprSyntaxError(str(error), offset + 1) from None
        if kind == "name":
            called = self.tokens[self.position + 1][1] == "("
            if self.names is not None and not called:
                if value not in self.names:
                    known = ", ".join(sorted(self.names)) or "none yet"
                    raise ExprSyntaxError(f"unknown name {value!r}; the names defined before it: {known}", offset + 1)
                self.take()
                return Symbol(value, offset, offset + len(raw))
            if value not in self.functions:
                raise ExprSyntaxError(f"unknown function {value!r}; expected one of: {', '.join(self.functions)}", offset + 1)
            self.take()
            self.take("(")
            arguments = [self.expr()]
            while self.peek()[1] == ",":
                self.take()
                arguments.append(self.expr())
            self.take(")")
            counts = self.functions[value]
            counts = counts if isinstance(counts, tuple) else (counts,)
            if len(arguments) not in counts:
                shown = " or ".join(map(str, counts))
                raise ExprSyntaxError(f"{value} takes {shown} argument(s), got {len(arguments)}", offset + 1)
            if value == "transpose":
                return Transpose(arguments[0], offset, self.end())
            if self.names is not None and value in _AXIS_FORMS and len(arguments) == 2:  # sum(X, axis): along an axis
                return Call(_AXIS_FORMS[value], tuple(arguments), offset, self.end())
            return Call("log" if value == "ln" else value, tuple(arguments), offset, self.end())
        if value == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        found = "the end of the expression" if kind == "end" else repr(raw)
        raise ExprSyntaxError(f"expected a number, a function or '(', found {found}", offset + 1)


def parse_expression(text: str, names: frozenset[str] | None = None) -> Node:
    """Parse an equation's arithmetic, or with ``names`` a model's formula over those names (and model_functions());
    raise ExprSyntaxError with a column on bad input."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"expression is {len(text)} characters long; at most {MAX_LENGTH} are accepted", 1)
    parser = _Parser(text, names)
    node = parser.expr()
    kind, _, offset, raw = parser.peek()
    if kind != "end":
        raise ExprSyntaxError(f"unexpected {raw!r} after a complete expression", offset + 1)
    return node
