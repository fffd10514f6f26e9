"""Numeric LaTeX -> chains of nodes. Bounded before parsing; every failure is a reason, never a crash.

``parse_display`` either returns the display's equations or raises :class:`LatexError` with a
reason a person can act on and the offset it concerns. Numbers keep their printed text, and
names are normalised: ``z_{2}`` and ``z_2`` are one name, and ``\\frac{\\partial L}{\\partial z_2}``
is the name ``∂L/∂z_2``.
"""

from __future__ import annotations

import functools

import re
import unicodedata
from typing import Any

from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, TIMES, Call, Chain, Constant, Matrix, Negate, Node, Number, Over, Power, Product, Quotient, Sum,
    Symbol, Transpose, Vector, printed_number,
)
from nncheck.printed import Printed, parse_printed

# A display longer than this is not read: the blog's longest is about 300 characters, and a 12×12
# matrix of four-digit numbers fits. It bounds the parse and the exact arithmetic that follows.
MAX_LENGTH = 5000
# Brackets of any kind ({ ( [ \begin) nested deeper than this are not read; worked examples nest
# four or five. It bounds the depth of the tree, which later stages walk recursively.
MAX_DEPTH = 40
_OPENING, _CLOSING = "{([", "})]"
_SIGN_RUN = re.compile(r"(?:[-+\u2212]\s*){%d,}" % (MAX_DEPTH + 1))

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "nabla": "∇", "partial": "∂",
    "ell": "ℓ", "infty": "∞", "top": "⊤",
}
# Accents that change a name (ŷ is not y) and font commands that do not (\mathbf{W} is W).
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304", "tilde": "\u0303",
           "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308"}
FUNCTION_NAMES = {"relu": "relu", "sigmoid": "sigmoid", "sig": "sigmoid", "sigma": "sigmoid", "σ": "sigmoid",
                  "softmax": "softmax", "tanh": "tanh", "exp": "exp", "ln": "log", "log": "log", "sqrt": "sqrt",
                  "max": "max", "min": "min", "mean": "mean", "avg": "mean", "var": "var", "std": "std", "sum": "sum",
                  "dot": "dot", "norm": "norm", "conv": "conv2d", "conv2d": "conv2d", "corr": "conv2d", "corr2d": "conv2d"}
# Names written with a separator: log-softmax, max_pool, avg pool, ...
_FUNCTION_SPELLINGS = {"logsoftmax": "log_softmax", "maxpool": "max_pool", "avgpool": "avg_pool", "meanpool": "avg_pool"}
TRANSPOSES = ("T", "⊤", "\\top", "\\intercal", "\\mathsf{T}")
# An asterisk between two matrices that have no matrix product is the convolution pages write with it (Product.starred).
_ASTERISKS = ("*", "\\ast", "∗")
_MULTIPLY = {"\\div": DIVIDE, "/": DIVIDE, "\\odot": HADAMARD, "\\circ": HADAMARD, "⊙": HADAMARD, "∘": HADAMARD}


class LatexError(ValueError):
    """A display nncheck does not read; ``offset`` is where in its text (0-based)."""

    def __init__(self, reason: str, offset: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class LimitError(LatexError):
    """A display past a documented bound (length, nesting)."""


def check_limits(text: str) -> None:
    """Refuse what would make the parse or the tree unbounded, before lark sees it."""
    if len(text) > MAX_LENGTH:
        raise LimitError(f"the formula is {len(text):,} characters long; at most {MAX_LENGTH:,} are read")
    depth = 0
    for offset, char in enumerate(text):
        if char in _OPENING or text.startswith("\\begin", offset):
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(f"brackets nested more than {MAX_DEPTH} deep", offset)
        elif char in _CLOSING or text.startswith("\\end", offset):
            depth = max(0, depth - 1)
    run = _SIGN_RUN.search(text)
    if run is not None:
        raise LimitError(f"more than {MAX_DEPTH} signs in a row", run.start())


def parse_display(text: str) -> list[Chain]:
    """The equations of one display; LatexError with the reason when it cannot be read.

    The nodes are frozen, so a display read again (the page's audit, then the draft spec of its diagnosis; a display
    repeated on the page) is parsed once: the latest PARSED_KEPT texts are remembered, with their error if any.
    """
    found = _parsed(text)
    if isinstance(found, LatexError):
        raise type(found)(found.reason, found.offset)
    return list(found)


PARSED_KEPT = 4096


@functools.lru_cache(maxsize=PARSED_KEPT)
def _parsed(text: str) -> tuple[Chain, ...] | LatexError:
    try:
        return tuple(_parse(text))
    except LatexError as error:
        return error


def _parse(text: str) -> list[Chain]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    from nncheck.expr.grammar import parser

    check_limits(text)
    try:
        tree = parser().parse(text)
    except UnexpectedCharacters as error:
        offset = error.pos_in_stream or 0
        raise LatexError(_unexpected_text(text, offset), offset) from None
    except UnexpectedToken as error:
        if error.token.type == "$END":
            raise LatexError("the formula ends too early", len(text)) from None
        raise LatexError(f"unexpected '{error.token}'", error.token.start_pos or 0) from None
    except UnexpectedEOF:
        raise LatexError("the formula ends too early", len(text)) from None
    except UnexpectedInput as error:  # any other refusal of lark's
        raise LatexError(f"cannot be read: {error}", 0) from None
    return _Converter(text).chains(tree)


# Relations a chain's sides are split at when the whole display cannot be read (longest first).
# An update w ← w − η g (\\leftarrow, \\gets) binds w's new value, as w = … does.
_RELATIONS = ("\\approx", "\\simeq", "\\leftarrow", "\\gets", ":=", "=", "≈", "←")
# The name of a side nncheck cannot read: an unknown function, so the side is never evaluated.
UNREAD = "⟨unread⟩"


def parse_partly(text: str) -> tuple[list[Chain], list[LatexError]]:
    """The equations of one display; a side that cannot be read stands in its chain as unread, and the rest of
    the chain is still judged (``L = -\\sum_i \\|y_i\\| = -\\log(0.72) = 0.328``).

    Returns the chains and the errors of the sides left unread. Raises LatexError when not even that can be
    done: a display over a limit, or one with no relation to split at, or several statements or rows.
    """
    try:
        return parse_display(text), []
    except LimitError:
        raise
    except LatexError as error:
        whole = error
    text = _ENVIRONMENT.sub(lambda match: " " * len(match.group()), text)  # \\begin{aligned}: ignored, as the grammar does
    statements = _top_level_statements(text)
    if len(statements) > 1:  # rows and statements, each read on its own: one unreadable row leaves the others
        chains: list[Chain] = []
        errors: list[LatexError] = []
        for start, end in statements:
            if not text[start:end].strip():
                continue
            try:
                found, unread_sides = parse_partly(" " * start + text[start:end])
            except LimitError:
                raise
            except LatexError as error:
                errors.append(LatexError(error.reason, max(error.offset, start)))
                continue
            chains += found
            errors += unread_sides
        if not chains:
            raise whole
        return chains, errors
    cuts = _top_level_relations(text)
    if not cuts:
        raise whole
    sides: list[Node] = []
    unread: list[LatexError] = []
    bounds = [(0, cuts[0][0])] + [(cuts[i][1], cuts[i + 1][0] if i + 1 < len(cuts) else len(text)) for i in range(len(cuts))]
    for start, end in bounds:
        segment = text[start:end]
        try:
            chains = parse_display(" " * start + segment)  # padded: every offset stays the display's
            if len(chains) != 1 or len(chains[0].sides) != 1:
                raise LatexError("several statements in one side", start)
            sides.append(chains[0].sides[0])
        except LatexError as error:
            if not segment.strip():
                raise whole from None
            unread.append(LatexError(error.reason, error.offset if error.offset >= start else start))
            sides.append(Call(UNREAD, (), start + len(segment) - len(segment.lstrip()), end - (len(segment) - len(segment.rstrip()))))
    if len(unread) == len(sides):
        raise whole
    return [Chain(tuple(sides), 0, len(text))], unread


# The environments whose markers the grammar ignores (rows of equations), as opposed to matrices.
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{\s*(?:aligned|align\*?|alignat\*?|gathered|gather\*?|split|equation\*?"
                          r"|multline\*?|eqnarray\*?|displaymath|flalign\*?)\s*\}(?:\{\d+\})?")
_STATEMENT_BREAKS = ("\\\\", "\\qquad", "\\quad", ";")


def _top_level_statements(text: str) -> list[tuple[int, int]]:
    """The display cut at its row breaks and statement separators outside brackets and matrices: (start, end) of each."""
    depth, cuts, position = 0, [], 0
    while position < len(text):
        if text.startswith("\\begin", position):
            depth += 1
        elif text.startswith("\\end", position):
            depth -= 1
        elif depth == 0 and (separator := next((b for b in _STATEMENT_BREAKS if text.startswith(b, position)), None)):
            cuts.append((position, position + len(separator)))
            position += len(separator)
            continue
        elif text[position] == "\\" and position + 1 < len(text) and text[position + 1] in "{}()[]":
            position += 2
            continue
        elif text[position] in "{([":
            depth += 1
        elif text[position] in "})]":
            depth -= 1
        position += 1
    starts = [0] + [end for _, end in cuts]
    ends = [start for start, _ in cuts] + [len(text)]
    return list(zip(starts, ends))


def _top_level_relations(text: str) -> list[tuple[int, int]]:
    """Where the display's relations stand outside brackets and environments: (start, end) of each; none when the
    display has rows or several statements (then the sides are not one chain)."""
    depth, found, position = 0, [], 0
    while position < len(text):
        if text.startswith(("\\\\", "\\quad", "\\qquad", "\\begin", "\\end", ";"), position):
            return []
        char = text[position]
        if text.startswith(("\\left", "\\right"), position):
            position += 5 if text.startswith("\\left", position) else 6
            continue
        if char == "\\" and position + 1 < len(text) and text[position + 1] in "{}()[]":
            position += 2
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif depth == 0:
            relation = next((r for r in _RELATIONS if text.startswith(r, position)), None)
            if relation is not None:
                found.append((position, position + len(relation)))
                position += len(relation)
                continue
        position += 1
    return found


def _unexpected_text(text: str, offset: int) -> str:
    command = re.match(r"\\[a-zA-Z]+|\\.", text[offset:])
    if command is not None:
        return f"unsupported command {command.group()}"
    character = text[offset]
    if character in _DASHES:
        return f"unexpected '{character}' ({_DASHES[character]}; a minus sign is written - or −)"
    return f"unexpected '{character}'"


# Dashes that pages paste where a minus sign belongs; each is named in the error, with the minus signs nncheck reads.
_DASHES = {"\u2013": "an en dash", "\u2014": "an em dash", "\u2012": "a figure dash", "\u2010": "a hyphen",
           "\u2011": "a non-breaking hyphen", "\ufe63": "a small hyphen-minus", "\uff0d": "a fullwidth hyphen-minus",
           "\u2796": "a heavy minus sign"}


def _span(tree: Any) -> tuple[int, int]:
    if hasattr(tree, "start_pos"):
        return tree.start_pos or 0, tree.end_pos or 0
    meta = tree.meta
    return (meta.start_pos, meta.end_pos) if not meta.empty else (0, 0)


class _Converter:
    """lark's tree -> nodes. Recursive, to a depth bounded by MAX_DEPTH (check_limits)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def chains(self, tree: Any) -> list[Chain]:
        result: list[Chain] = []
        for item in tree.children:
            if item is None:
                continue
            sides = [self.node(child) for child in self._sides(item)]
            start, end = _span(item)
            if item.data == "continuation" and result:
                previous = result.pop()  # "&= 2" on the next row continues the equation above
                result.append(Chain(previous.sides + tuple(sides), previous.start, end))
            else:
                result.append(Chain(tuple(sides), start, end, continues=item.data == "continuation"))
        return result

    @staticmethod
    def _sides(item: Any) -> list[Any]:
        links = [child for child in item.children if getattr(child, "data", None) == "link"]
        first = [child for child in item.children if getattr(child, "data", None) != "link"]
        return first + [link.children[-1] for link in links]

    def node(self, tree: Any) -> Node:
        start, end = _span(tree)
        kind = tree.type if hasattr(tree, "type") else tree.data
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise LatexError(f"unexpected '{self.text[start:end]}'", start)
        result: Node = method(tree, start, end)
        return result

    def _number(self, tree: Any, start: int, end: int) -> Node:
        token = tree.children[0] if hasattr(tree, "children") else tree
        try:
            printed = parse_printed(str(token))
        except ValueError as error:
            raise LatexError(str(error), start) from None
        return Number(printed, start, end)

    _NUMBER = _number
    _bare_number = _number

    def _sum(self, tree: Any, start: int, end: int) -> Node:
        terms: list[tuple[str, Node]] = [("+", self.node(tree.children[0]))]
        for sign, term in zip(tree.children[1::2], tree.children[2::2]):
            if str(sign) == "\\pm":
                raise LatexError("± gives two values, not one", sign.start_pos)
            terms.append(("+" if str(sign) == "+" else "-", self.node(term)))
        return Sum(tuple(terms), start, end)

    def _product(self, tree: Any, start: int, end: int) -> Node:
        factors: list[tuple[str, Node]] = []
        operator, written, star = TIMES, False, False
        starred: set[int] = set()  # ids of the factors written after an asterisk
        for child in tree.children:
            if getattr(child, "type", None) == "MULOP":
                operator, written, star = _MULTIPLY.get(str(child), TIMES), True, str(child) in _ASTERISKS
                continue
            factor = self.node(child)
            previous = factors[-1][1] if factors else None
            if not written and isinstance(previous, Symbol) and previous.name == "Δ" and isinstance(factor, Symbol):
                # \Delta w is the name Δw (an update, a change), not the product Δ·w
                factors[-1] = (factors[-1][0], Symbol("Δ" + factor.name, previous.start, factor.end))
            else:
                if star:
                    starred.add(id(factor))
                factors.append((operator, factor))
            operator, written, star = TIMES, False, False
        factors = self._scientific(factors)
        if len(factors) == 1:
            return factors[0][1]
        derivative = _slash_derivative(factors, start, end)
        stars = frozenset(k for k, (_, factor) in enumerate(factors) if k > 0 and id(factor) in starred)
        return derivative or Product(tuple(factors), start, end, stars)

    def _scientific(self, factors: list[tuple[str, Node]]) -> list[tuple[str, Node]]:
        """A number times a power of ten inside a longer product (1.0 \\times 10^{-3} \\times 0.4731) as the one
        printed number it is, so that it stands for its own value and digits (a given 1.0 × 10⁻³ is exact). A
        product of just the two is read so already, as a side (nodes.printed_number)."""
        if len(factors) < 3:
            return factors
        result: list[tuple[str, Node]] = []
        for operator, factor in factors:
            previous = result[-1][1] if result else None
            if operator == TIMES and isinstance(previous, Number) and isinstance(factor, Power):
                printed = printed_number(Product(((TIMES, previous), (TIMES, factor)), previous.start, factor.end), self.text)
                if printed is not None:
                    result[-1] = (result[-1][0], Number(printed, previous.start, factor.end))
                    continue
            result.append((operator, factor))
        return result

    def _sign(self, tree: Any, start: int, end: int) -> Node:
        sign, operand = tree.children
        if str(sign) == "\\pm":
            raise LatexError("± gives two values, not one", start)
        inner = self.node(operand)
        return inner if str(sign) == "+" else Negate(inner, start, end)

    def _power(self, tree: Any, start: int, end: int) -> Node:
        base = self.node(tree.children[0])
        exponent_tree = tree.children[1]
        if exponent_tree.data == "token":
            token = str(exponent_tree.children[0]).strip("{} \t\n")
            if token in TRANSPOSES:
                return Transpose(base, start, end)
            if token == "\\prime" and isinstance(base, Symbol):
                return Symbol(base.name + "′", start, end)
            exponent = self._exponent_token(exponent_tree.children[0])
        else:
            inner = self.text[slice(*_span(exponent_tree))].strip()[1:-1].strip()  # the braces' content
            index = _INDEX.fullmatch(inner)
            if index is not None and (isinstance(base, Symbol) or (isinstance(base, Constant) and index["index"].isdigit())):
                # W^{(1)}, a^{[l]}, e^{(2)} (the error of sample 2): an index in brackets names, it does not raise
                return Symbol(f"{base.name}^{index['open']}{index['index']}{index['close']}", start, end)
            exponent = self.node(exponent_tree.children[0])
            if isinstance(exponent, Symbol) and exponent.name in ("T", "⊤"):
                return Transpose(base, start, end)
        return Power(base, exponent, start, end)

    def _power_sub(self, tree: Any, start: int, end: int) -> Node:
        """W^{(2)}_{new}: an index superscript, then a subscript (the updated weights of layer 2)."""
        *power, subscript = tree.children
        found = self._power(type(tree)("power", power), start, end)
        if not isinstance(found, Symbol):
            raise LatexError("a subscript after a power", subscript.start_pos)
        return Symbol(found.name + "_" + _subscript(str(subscript)), start, end)

    def _exponent_token(self, token: Any) -> Node:
        text, start, end = str(token), token.start_pos, token.end_pos
        if text.isdigit():
            return Number(parse_printed(text), start, end)
        if text.startswith("\\"):
            if text[1:] not in GREEK:
                raise LatexError(f"unsupported command {text}", start)
            text = GREEK[text[1:]]
        return _named(text, start, end)

    def _group(self, tree: Any, start: int, end: int) -> Node:
        inner = [child for child in tree.children if getattr(child, "type", None) != "WRAPPER"]  # \boxed{…}: the value
        return self.node(inner[0])

    _argument = _group

    def _bare_symbol(self, tree: Any, start: int, end: int) -> Node:
        return self.node(tree.children[0])

    def _vector(self, tree: Any, start: int, end: int) -> Node:
        return Vector(tuple(self.node(child) for child in tree.children), start, end)

    def _matrix(self, tree: Any, start: int, end: int) -> Node:
        rows = [tuple(self.node(cell) for cell in row.children) for row in tree.children if getattr(row, "data", None) == "row"]
        if len({len(row) for row in rows}) > 1:
            raise LatexError(f"the matrix's rows have different lengths ({', '.join(str(len(r)) for r in rows)})", start)
        return Matrix(tuple(rows), start, end)

    def _frac(self, tree: Any, start: int, end: int) -> Node:
        numerator, denominator = self.node(tree.children[1]), self.node(tree.children[2])
        return _derivative(numerator, denominator, start, end) or Quotient(numerator, denominator, start, end)

    def _frac_digits(self, tree: Any, start: int, end: int) -> Node:
        token = tree.children[0]
        digits = [(i, ch) for i, ch in enumerate(str(token)) if ch.isdigit()]
        (i, top), (j, bottom) = digits
        base = token.start_pos
        return Quotient(Number(parse_printed(top), base + i, base + i + 1),
                        Number(parse_printed(bottom), base + j, base + j + 1), start, end)

    def _function(self, tree: Any, start: int, end: int) -> Node:
        name_token, *rest = tree.children
        primes = sum(1 for child in rest if getattr(child, "type", None) == "PRIME")
        argument = self.node(rest[-1])
        function = _function_name(str(name_token))
        return Call(function + "′" * primes, (argument,), start, end)

    def _function_arguments(self, tree: Any, start: int, end: int) -> Node:
        name_token, *arguments = tree.children
        return Call(_function_name(str(name_token)), tuple(self.node(argument) for argument in arguments), start, end)

    def _function_power(self, tree: Any, start: int, end: int) -> Node:
        name_token, exponent_tree, argument = tree.children  # \tanh^2(x) is (tanh x)²
        call = Call(_function_name(str(name_token)), (self.node(argument),), start, end)
        if exponent_tree.data == "token":
            exponent = self._exponent_token(exponent_tree.children[0])
        else:
            exponent = self.node(exponent_tree.children[0])
        return Power(call, exponent, start, end)

    def _function_alone(self, tree: Any, start: int, end: int) -> Node:
        """A function's name written alone (\\exp = …, \\text{softmax} = …): a name like any other."""
        return Symbol(_function_name(str(tree.children[0])), start, end)

    def _percent(self, tree: Any, start: int, end: int) -> Node:
        """0.25\\% is 0.0025, printed to the digits of 0.25 (two places more)."""
        number = tree.children[0]
        printed = parse_printed(str(number))
        return Number(Printed(text=str(number) + "%", value=printed.value / 100, last_place=printed.last_place - 2), start, end)

    def _summation(self, tree: Any, start: int, end: int) -> Node:
        """\\sum of a written list or vector is the sum of its entries. Over an index, the sum of a vector's entries
        (or their powers) when the summand is the vector's entry at that index: \\sum_i x_i^2 is sum(x^2), and
        \\sum_{i=1}^{n} x_i the sum of x's first n entries. Any other sum over an index (\\sum_i y_i \\log p_i,
        \\sum_{i=1}^{3} 2) is the function Σ, which nncheck does not evaluate. Both keep the index, its limits and the
        summand as written (``Call.over``): a page writes the sum out over the indices of the names it bound."""
        _, sub, exponent, argument = tree.children
        summand = self.node(argument)
        if sub is None:
            return Call("sum", (summand,), start, end)
        limits = _SUM_LIMITS.fullmatch(_subscript(str(sub)))
        upper = None
        if exponent is not None:
            upper = self._exponent_token(exponent.children[0]) if exponent.data == "token" else self.node(exponent.children[0])
        over = None if limits is None else Over(limits["index"], None if limits["lower"] is None else int(limits["lower"]),
                                                upper, summand)
        entry, power = (summand.base, summand.exponent) if isinstance(summand, Power) else (summand, None)
        if limits is not None and isinstance(entry, Symbol) and limits["lower"] in (None, "1") and (
                upper is None or isinstance(upper, Number)) and (power is None or isinstance(power, Number)):
            base, _, index = entry.name.rpartition("_")
            if base and index == limits["index"]:
                vector: Node = Symbol(base, entry.start, entry.end)
                if power is not None:
                    vector = Power(vector, power, summand.start, summand.end)
                return Call("sum", (vector,) if upper is None else (vector, upper), start, end, over)
        return Call("Σ", (summand,), start, end, over)

    def _sqrt(self, tree: Any, start: int, end: int) -> Node:
        _, index, argument = tree.children
        if index is None:
            return Call("sqrt", (self.node(argument),), start, end)
        return Call("root", (self.node(argument), self.node(index)), start, end)

    def _log(self, tree: Any, start: int, end: int) -> Node:
        _, base, argument = tree.children
        if base is None:
            return Call("log", (self.node(argument),), start, end)
        content = _subscript(str(base))
        if content == "e":
            return Call("log", (self.node(argument),), start, end)
        try:
            printed = parse_printed(content)
        except ValueError:
            raise LatexError(f"the base of \\log_{{{content}}} is not a number", base.start_pos) from None
        return Call("log", (self.node(argument), Number(printed, base.start_pos, base.end_pos)), start, end)

    def _extremum(self, tree: Any, start: int, end: int) -> Node:
        name, *arguments = tree.children
        return Call(str(name)[1:], tuple(self.node(argument) for argument in arguments), start, end)

    def _symbol(self, tree: Any, start: int, end: int) -> Node:
        pieces, subscript, primes = [], "", ""
        for child in tree.children:
            if child is None:
                continue
            if getattr(child, "type", None) == "SUB":
                subscript = "_" + _subscript(str(child))
            elif getattr(child, "type", None) == "MARK":  # w_5^{+}, w^*, W_2^{new}: a mark that names
                word = re.search(r"new|old|updated|next", str(child))
                subscript += "^" + (word.group(0) if word else
                                    "".join(ch for ch in str(child) if ch in "+*∗-").replace("∗", "*"))
            elif getattr(child, "type", None) == "PRIME":
                primes += "′"
            else:
                pieces.append(self._core(child))
        return _named("".join(pieces) + subscript + primes, start, end)

    def _core(self, child: Any) -> str:
        if getattr(child, "data", None) == "accented":
            accent, *cores = child.children
            inner = "".join(self._core(core) for core in cores)
            mark = ACCENTS.get(str(accent)[1:], "")
            return unicodedata.normalize("NFC", inner + mark)
        text = str(child)
        if child.type == "GREEK" or child.type == "SIGMA":
            return GREEK.get(text[1:], text) if text.startswith("\\") else text
        if child.type == "TEXT":  # a slash in a word would read as a derivative's: ∕ (U+2215) instead
            return " ".join(text[text.index("{") + 1:-1].split()).replace("/", "∕")
        if child.type == "DOTS":
            return "…"
        return unicodedata.normalize("NFC", text)  # a letter (ŷ as one character or two), or the digits of \\hat{y1}


# The subscript of a sum: its index, and where it starts (\\sum_i, \\sum_{i=1}).
_SUM_LIMITS = re.compile(r"(?P<index>[a-z])(?:=(?P<lower>[0-9]+))?")
# A superscript in brackets that is an index, not a power: digits, or a letter and digits (W^{(1)}, a^{[l]}).
_INDEX = re.compile(r"(?P<open>[(\[])\s*(?P<index>[0-9]+|[A-Za-z][0-9]*)\s*(?P<close>[)\]])")


def _named(name: str, start: int, end: int) -> Node:
    if name in ("e", "π"):
        return Constant(name, start, end)
    return Symbol(name, start, end)


def _subscript(text: str) -> str:
    """The text of a subscript, without braces, spaces or font commands: _{\\text{new}} -> new."""
    content = text.lstrip("_").strip()
    content = re.sub(r"\\(?:text|textrm|textit|textbf|mathrm|mathit|mathbf|mathsf|operatorname|mbox)\s*", "", content)
    content = re.sub(r"\\([a-zA-Z]+)", lambda m: GREEK.get(m.group(1), m.group(1)), content)
    return "".join(ch for ch in content if ch not in "{} \t\n").replace("/", "∕")


def _function_name(token: str) -> str:
    inner = token[token.index("{") + 1:-1].strip() if "{" in token else token.lstrip("\\")
    joined = "".join(ch for ch in inner.lower() if ch not in "-_ ")
    return FUNCTION_NAMES.get(inner.lower()) or _FUNCTION_SPELLINGS.get(joined) or FUNCTION_NAMES.get(joined, inner)


def _differential(node: Node) -> Symbol | Constant | None:
    """The X of ∂X or dX (a product of ∂ or d and one name), else None."""
    if not isinstance(node, Product) or len(node.factors) != 2 or any(op != TIMES for op, _ in node.factors):
        return None
    (_, mark), (_, name) = node.factors
    if isinstance(mark, Symbol) and mark.name in ("∂", "d") and isinstance(name, (Symbol, Constant)):
        return name
    return None


def _derivative(numerator: Node, denominator: Node, start: int, end: int) -> Symbol | None:
    top, bottom = _differential(numerator), _differential(denominator)
    if top is None or bottom is None:
        return None
    return Symbol(f"∂{top.name}/∂{bottom.name}", start, end)


def _slash_derivative(factors: list[tuple[str, Node]], start: int, end: int) -> Symbol | None:
    """∂L / ∂z_2 written with a slash: the factors ∂, L, /∂, z_2."""
    if len(factors) != 4 or [op for op, _ in factors] != [TIMES, TIMES, DIVIDE, TIMES]:
        return None
    marks, names = (factors[0][1], factors[2][1]), (factors[1][1], factors[3][1])
    if all(isinstance(m, Symbol) and m.name in ("∂", "d") for m in marks) and all(isinstance(n, (Symbol, Constant)) for n in names):
        top, bottom = names
        assert isinstance(top, (Symbol, Constant)) and isinstance(bottom, (Symbol, Constant))
        return Symbol(f"∂{top.name}/∂{bottom.name}", start, end)
    return None
