"""A small arithmetic language for the equations a spec records, parsed without eval.

Grammar (precedence low to high)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("^" unary)?          # right-associative; "**" is accepted as "^"
    atom    := NUMBER | NAME "(" expr ("," expr)* ")" | "(" expr ")"

NAME is one of the functions in FUNCTIONS. "×" and "·" mean "*", "−" means "-".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from nncheck.printed import Printed, parse_printed

# Each function and how many arguments it takes.
FUNCTIONS: dict[str, int] = {
    "exp": 1, "log": 1, "ln": 1, "sqrt": 1, "sigmoid": 1, "tanh": 1, "relu": 1, "max": 2, "min": 2,
}
# Expressions longer or deeper than this are refused (bounded work on hostile input).
MAX_LENGTH = 2000
MAX_DEPTH = 50

_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)|(?P<name>[a-z]+)|(?P<op>\*\*|[-+*/^(),×·−]))")
_SYNONYMS = {"×": "*", "·": "*", "−": "-", "**": "^", "ln": "log"}


@dataclass(frozen=True, slots=True)
class Number:
    printed: Printed


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    arguments: tuple[Expr, ...]


Expr = Union[Number, Unary, Binary, Call]


class ExprSyntaxError(ValueError):
    """The expression is not in the language; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


def _tokenize(text: str) -> list[tuple[str, str, int, str]]:
    tokens: list[tuple[str, str, int, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            raise ExprSyntaxError(f"unexpected {text[column - 1]!r}", column)
        kind = match.lastgroup or ""
        value = match[kind]
        raw = value
        start = match.start(kind) + 1
        if kind == "op" or value in _SYNONYMS:
            value = _SYNONYMS.get(value, value)
        tokens.append((kind, value, start, raw))
        position = match.end()
    tokens.append(("end", "", len(text) + 1, ""))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int, str]:
        return self.tokens[self.position]

    def take(self, value: str | None = None) -> tuple[str, str, int, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            found = "the end" if token[0] == "end" else repr(token[3])
            raise ExprSyntaxError(f"expected {value!r}, found {found}", token[2])
        self.position += 1
        return token

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprSyntaxError(f"nested deeper than {MAX_DEPTH} levels", self.peek()[2])
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.peek()[1] in ("-", "+"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExprSyntaxError(f"nested deeper than {MAX_DEPTH} levels", self.peek()[2])
            op = self.take()[1]
            node: Expr = Unary(op, self.unary())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.peek()[1] == "^":
            self.take()
            return Binary("^", base, self.unary())
        return base

    def atom(self) -> Expr:
        kind, value, column, raw = self.peek()
        if kind == "number":
            self.take()
            try:
                return Number(parse_printed(value))
            except ValueError as error:
                raise ExprSyntaxError(str(error), column) from None
        if kind == "name":
            if value not in FUNCTIONS:
                raise ExprSyntaxError(
                    f"unknown function {value!r}; expected one of: {', '.join(FUNCTIONS)}", column
                )
            self.take()
            self.take("(")
            arguments = [self.expr()]
            while self.peek()[1] == ",":
                self.take()
                arguments.append(self.expr())
            self.take(")")
            if len(arguments) != FUNCTIONS[value]:
                raise ExprSyntaxError(f"{value} takes {FUNCTIONS[value]} argument(s), got {len(arguments)}", column)
            return Call(value, tuple(arguments))
        if value == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        found = "the end of the expression" if kind == "end" else repr(raw)
        raise ExprSyntaxError(f"expected a number, a function or '(', found {found}", column)


def parse_expression(text: str) -> Expr:
    """Parse an equation's arithmetic; raise ExprSyntaxError with a column on bad input."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"expression is {len(text)} characters long; at most {MAX_LENGTH} are accepted", 1)
    parser = _Parser(text)
    node = parser.expr()
    kind, value, column, raw = parser.peek()
    if kind != "end":
        raise ExprSyntaxError(f"unexpected {raw!r} after a complete expression", column)
    return node
