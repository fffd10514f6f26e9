"""Sums over an index on a page (\\sum_j e^{z_j}), written out over the indices of the names the page has bound.

The LaTeX reader keeps a sum's index, limits and summand (``Call.over``); which indices the sum runs over only the
page can say. Explicit limits are taken literally (\\sum_{j=1}^{3} e^{z_j} is e^{z_1} + e^{z_2} + e^{z_3}, each z_j
bound before it). Without limits, the sum runs over the entries of the page's vector z (\\sum_j e^{z_j} after
z = [1, 2, 3]), or over z_1, z_2, … when the page has bound exactly a contiguous run of them, two or more; every
name the index runs through must run over the same indices. Anything else (an upper limit n, z_1 and z_3 without
z_2, another index) is not guessed: the sum stays unevaluated and the judge reports the relation it stands in as not
checked, with the reason.

A sum is read as far as the product it starts extends: \\sum_j w_j x_j is Σ_j (w_j x_j), and the factors after the
sum that carry its index belong to the summand. Nothing is evaluated here: the sum becomes a Sum of nodes, which the
judge evaluates like any other side, so the numbers a later side substitutes for its terms (e^{1.0} for e^{z_1})
state what they stand for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from nncheck.audit.page.frames import Bindings
from nncheck.expr.nodes import (
    TIMES,
    Call,
    Constant,
    Matrix,
    Negate,
    Node,
    Number,
    Over,
    Power,
    Product,
    Quotient,
    Sum,
    Symbol,
    Transpose,
    walk,
)

# A sum written out over more indices than this is not (a page's vector has a handful of entries).
MAX_TERMS = 100


def written_out(node: Node, bindings: Bindings, text: str = "") -> tuple[Node, list[tuple[Call, str]], dict[int, str]]:
    """``node`` with every sum over an index the page fixes written out as a Sum of its terms; the sums it leaves
    unevaluated, each with the reason; and how the reports name each term written out (by id of its node): the
    summand as ``text`` (the display) writes it, with the index in each subscript replaced (e^{z_j} gives e^{z_1}).
    A sum of a bound vector's entries (\\sum_i x_i) stays the sum of that vector."""
    writer = _Writer(bindings, text)
    return writer.visit(node), writer.missed, writer.labels


@dataclass
class _Writer:
    bindings: Bindings
    text: str = ""
    missed: list[tuple[Call, str]] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)  # ids of sums whose summand is unclear: left as written

    def visit(self, node: Node) -> Node:
        if isinstance(node, Product):
            node = self.absorbed(node)
        if isinstance(node, Call) and node.over is not None:
            if id(node) in self.blocked:
                return node
            expanded = self.expand(node, node.over)
            if isinstance(expanded, str):
                self.missed.append((node, expanded))
                return node
            return expanded
        if isinstance(node, Call) and node.function == "Σ":  # \sum_{j \neq c}, \sum_{i,j}: an index it does not read
            self.missed.append((node, "its subscript is not one index letter, with or without a lower limit"))
            return node
        return _rebuilt(node, self.visit)

    def absorbed(self, product: Product) -> Node:
        """A sum that leads factors of a product takes in those that carry its index: \\sum_j w_j x_j is Σ_j w_j x_j."""
        factors = list(product.factors)
        for at, (_, factor) in enumerate(factors):
            negated = isinstance(factor, Negate)
            call = factor.operand if isinstance(factor, Negate) else factor
            if not isinstance(call, Call) or call.over is None:
                continue
            index = call.over.index
            carrying = [k for k in range(at + 1, len(factors)) if _mentions(factors[k][1], index)]
            if any(_mentions(f, index) for _, f in factors[:at]):
                self.blocked.add(id(call))  # w_j \sum_j x_j: the index outside its sum
                self.missed.append((call, f"the index {index} is used outside the sum"))
                return product
            if not carrying:
                continue
            if factors[at][0] != TIMES:  # 1 / \sum_j a_j \cdot x_j: where the summand ends is not clear
                self.blocked.add(id(call))
                self.missed.append((call, f"it divides a product that uses the index {index} after it"))
                return product
            last = carrying[-1]
            summand = Product(((TIMES, call.over.summand),) + tuple(factors[at + 1:last + 1]),
                              call.over.summand.start, factors[last][1].end)
            over = replace(call.over, summand=summand)
            extended: Node = Call("Σ", (summand,), call.start, factors[last][1].end, over)
            if negated:
                extended = Negate(extended, factor.start, extended.end)
            rest = factors[:at] + [(factors[at][0], extended)] + factors[last + 1:]
            if len(rest) == 1:
                return rest[0][1]
            return Product(tuple(rest), product.start, product.end)
        return product

    def expand(self, call: Call, over: Over) -> Node | str:
        """The sum written out, or why it cannot be."""
        if call.function == "sum":  # \sum_i x_i read as the sum of the entries of x: so it is, when x is bound
            argument = call.arguments[0]
            vector = argument.base if isinstance(argument, Power) else argument
            if isinstance(vector, Symbol) and dict.__contains__(self.bindings, vector.name):
                return call
        summand, index = over.summand, over.index
        if any(isinstance(n, Call) and n.over is not None for n in walk(summand)):
            return "a sum inside a sum"
        names = {n.name for n in walk(summand) if isinstance(n, Symbol)}
        if index in names:
            return f"its summand uses the index {index} itself"
        suffix = "_" + index
        bases = sorted({name[:-len(suffix)] for name in names if name.endswith(suffix) and len(name) > len(suffix)})
        if not bases:
            return f"no name in its summand carries the index {index}"
        if over.upper is not None:
            upper = over.upper
            if over.lower is None or not isinstance(upper, Number) or upper.printed.value.denominator != 1:
                return "its limits are not both whole numbers"
            count = int(upper.printed.value) - over.lower + 1  # not len(range(…)): a limit may have 100 digits
            if not 0 < count <= MAX_TERMS:
                return f"it runs over {max(count, 0)} indices, {'none' if count <= 0 else f'more than {MAX_TERMS}'}"
            indices = tuple(range(over.lower, over.lower + count))
            missing = [f"{base}_{k}" for k in indices for base in bases if f"{base}_{k}" not in self.bindings]
            if missing:
                return f"{missing[0]} is not given before it"
        else:
            found = [_indices(base, self.bindings) for base in bases]
            runs = [f for f in found if not isinstance(f, str)]
            if len(runs) < len(found):
                return next(f for f in found if isinstance(f, str))
            if len(set(runs)) > 1:
                return f"{' and '.join(b + suffix for b in bases)} do not run over the same indices"
            indices = runs[0]
            if over.lower is not None and indices[0] != over.lower:
                return f"it starts at {over.lower}, and {bases[0]}_{over.lower} is not the first {bases[0] + suffix} given"
        terms = tuple(("+", _renamed(summand, {base + suffix: f"{base}_{k}" for base in bases})) for k in indices)
        if self.text:
            for k, (_, term) in zip(indices, terms):
                self.labels[id(term)] = _label(self.text, summand, suffix, k)
        return terms[0][1] if len(terms) == 1 else Sum(terms, call.start, call.end)


def _label(text: str, summand: Node, suffix: str, k: int) -> str:
    """The summand as the display writes it, with the index of every name that carries it replaced by ``k``: in each
    such name's own span, the index letter after its last '_' (z_j, z_{j}, \\hat y_j)."""
    pieces = []
    cursor = summand.start
    for name in sorted((n for n in walk(summand) if isinstance(n, Symbol) and n.name.endswith(suffix)),
                       key=lambda n: n.start):
        if name.start < cursor:
            continue  # a name inside another's span (not expected): written as it stands
        written = text[name.start:name.end]
        underscore = written.rfind("_")
        at = written.find(suffix[1:], underscore + 1) if underscore >= 0 else -1
        if at < 0:
            continue
        pieces += [text[cursor:name.start], written[:at], str(k), written[at + len(suffix) - 1:]]
        cursor = name.end
    pieces.append(text[cursor:summand.end])
    return " ".join("".join(pieces).split())


def _indices(base: str, bindings: Bindings) -> tuple[int, ...] | str:
    """The indices the page gives base_k for: the entries of a bound vector base (counted from 1, or from 0 when the
    page numbers them so), or a contiguous run of names base_1, base_2, … bound of their own; else why not."""
    pattern = re.compile(re.escape(base) + r"_(?P<k>0|[1-9][0-9]*)")
    own = sorted(int(m["k"]) for key in dict.keys(bindings) if (m := pattern.fullmatch(key)) is not None)
    vector: tuple[int, ...] | None = None
    if dict.__contains__(bindings, base):
        true = dict.__getitem__(bindings, base).value.true
        if sum(1 for n in true.shape if n > 1) == 1:
            first = 0 if base in bindings.zero_based else 1
            vector = tuple(range(first, first + int(true.size)))
    if vector is not None:
        if own and not set(own) <= set(vector):
            return f"{base} is given as a vector and {base}_{own[-1]} as a name of its own"
        return vector if len(vector) <= MAX_TERMS else f"{base} has more than {MAX_TERMS} entries"
    if len(own) < 2:
        return f"no {base}_k is given before it" if not own else f"only {base}_{own[0]} is given before it"
    if own != list(range(own[0], own[-1] + 1)):
        gap = next(k for k in range(own[0], own[-1]) if k not in own)
        return f"{base}_{gap} is not given, between {base}_{own[0]} and {base}_{own[-1]}"
    if len(own) > MAX_TERMS:
        return f"the page gives more than {MAX_TERMS} {base}_k"
    return tuple(own)


def _mentions(node: Node, index: str) -> bool:
    """Whether a name in ``node`` carries the index (z_j), or is it."""
    return any(isinstance(n, Symbol) and (n.name == index or n.name.endswith("_" + index)) for n in walk(node))


def _renamed(node: Node, names: dict[str, str]) -> Node:
    """``node`` with names replaced (z_j by z_2), at the same places in the display."""
    if isinstance(node, Symbol):
        return replace(node, name=names[node.name], latex=None) if node.name in names else node
    return _rebuilt(node, lambda child: _renamed(child, names))


def _rebuilt(node: Node, change: Callable[[Node], Node]) -> Node:
    """``node`` with ``change`` applied to each child; the node itself when no child changed."""
    if isinstance(node, (Number, Symbol, Constant)):
        return node
    if isinstance(node, (Negate, Transpose)):
        operand = change(node.operand)
        return node if operand is node.operand else replace(node, operand=operand)
    if isinstance(node, Sum):
        terms = tuple((sign, change(term)) for sign, term in node.terms)
        return node if all(a is b for (_, a), (_, b) in zip(terms, node.terms)) else replace(node, terms=terms)
    if isinstance(node, Product):
        factors = tuple((operator, change(factor)) for operator, factor in node.factors)
        return node if all(a is b for (_, a), (_, b) in zip(factors, node.factors)) else replace(node, factors=factors)
    if isinstance(node, Quotient):
        numerator, denominator = change(node.numerator), change(node.denominator)
        if numerator is node.numerator and denominator is node.denominator:
            return node
        return replace(node, numerator=numerator, denominator=denominator)
    if isinstance(node, Power):
        base, exponent = change(node.base), change(node.exponent)
        return node if base is node.base and exponent is node.exponent else replace(node, base=base, exponent=exponent)
    if isinstance(node, Call):
        arguments = tuple(change(argument) for argument in node.arguments)
        return node if all(a is b for a, b in zip(arguments, node.arguments)) else replace(node, arguments=arguments)
    if isinstance(node, Matrix):
        rows = tuple(tuple(change(cell) for cell in row) for row in node.rows)
        same = all(a is b for row, old in zip(rows, node.rows) for a, b in zip(row, old))
        return node if same else replace(node, rows=rows)
    items = tuple(change(item) for item in node.items)
    return node if all(a is b for a, b in zip(items, node.items)) else replace(node, items=items)
