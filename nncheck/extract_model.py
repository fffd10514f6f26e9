"""A page's computation in the general form, read from its own formulas: front matter for a page with scalar weights.

Many worked examples wire a network by hand, one scalar weight at a time (``net_{h1} = w_1 i_1 + w_2 i_2 + b_1``,
``out_{h1} = \\frac{1}{1 + e^{-net_{h1}}}``, ``E_{o1} = \\frac{1}{2}(target_{o1} - out_{o1})^2``). Such a page defines
its model in its formulas: each name given a number is a given, each name given a formula over other names is a
definition (its first such formula, in page order), and a printed ``\\frac{\\partial E}{\\partial w_5}`` asks for the
gradient of E. This module writes that model as the front matter of :mod:`nncheck.readers.front`, with every page
name mapped, so that numbers printed with no formula beside them (``out_{o1} = 0.751365``, a gradient) are judged.
A name a formula reads that the page never gives is written TODO, which the audit refuses.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from nncheck.errors import Location, SpecError
from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, children, walk,
)
from nncheck.audit.page.statements import Cells, cells_of, plan
from nncheck.records import Formula

# The functions a formula may call that the model language has, by the LaTeX reader's names.
_FUNCTIONS = {"sigmoid", "tanh", "relu", "exp", "log", "sqrt", "softmax", "max", "min"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass
class ModelDraft:
    givens: dict[str, str] = field(default_factory=dict)  # model name -> printed number (or TODO)
    definitions: dict[str, str] = field(default_factory=dict)  # model name -> formula in the model language
    gradients: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # the page's LaTeX -> quantity
    todo: list[str] = field(default_factory=list)
    read_from: dict[str, str] = field(default_factory=dict)  # a given not stated as name = number: where it came from
    vocabulary: set[str] = field(default_factory=set)  # every name the page gives a number or a formula, as model names


def word(node: Node) -> str | None:
    """A side that is a name: a symbol (w_1, ŷ, ∂E/∂w_5), or a word the reader splits into letters (net_{h1})."""
    if isinstance(node, Symbol):
        return node.name
    if isinstance(node, Product) and all(op not in (DIVIDE, HADAMARD) for op, _ in node.factors):
        parts = [f for _, f in node.factors]
        if isinstance(parts[0], Negate):  # -net_{h1}: the minus binds to the first letter
            return None
        named = [p for p in parts if isinstance(p, (Symbol, Constant))]
        letters = all(len(p.name) == 1 and p.name.isascii() and p.name.isalpha() for p in named[:-1])
        last = named[-1].name if named else ""
        if len(named) == len(parts) and letters and last[:1].isascii() and last[:1].isalpha() and "∂" not in last:
            return "".join(p.name for p in named)  # net_{h1}; not η ∂E/∂w_2, a product
    return None


def model_name(name: str) -> str:
    """A page name as a model name: letters, digits and underscores (net_h1, w_5, eta, yhat, w_5_plus)."""
    text = name.replace("ŷ", "yhat").replace("^+", "_plus").replace("^-", "_minus").replace("^", "_")
    out = []
    for character in text:
        if character.isascii() and (character.isalnum() or character == "_"):
            out.append(character)
        elif character.isalpha():  # a Greek letter: its name (η: eta, Θ: Theta, not theta)
            letter = unicodedata.name(character, "x").split()[-1].lower()
            out.append(letter.capitalize() if character.isupper() else letter)
    result = re.sub(r"_+", "_", "".join(out)).strip("_")
    from nncheck.expr.plain import model_functions

    if not result or not result[0].isalpha() or result in model_functions() or result in ("e", "pi"):
        result = f"v_{result}"
    return result


def draft_model(formulas: tuple[Formula, ...], path: str) -> ModelDraft:
    """The model a page's formulas define. SpecError (path:1:1) when they define nothing."""
    draft = ModelDraft()
    printed: dict[str, str] = {}  # page name -> its first printed number
    formula_of: dict[str, tuple[Node, str]] = {}  # page name -> its first formula over names, and its LaTeX name
    derivatives: list[tuple[str, str]] = []  # (LaTeX, page name ∂X/∂Y)
    latex_of: dict[str, str] = {}
    substituted: dict[str, str] = {}  # page name -> the value a display substituted for it (w_1 · i_1 = 0.15 · 0.05)

    for formula in formulas:
        text = formula.math.text
        if formula.chains:
            for given in plan(list(formula.chains), text).givens:
                if given.used and "∂" not in given.name:  # a gradient's value is no given
                    substituted.setdefault(given.name, _flow(given.cells))
        for chain in formula.chains:
            name = word(chain.sides[0])
            if name is None or len(chain.sides) < 2:
                continue
            latex_of.setdefault(name, text[chain.sides[0].start:chain.sides[0].end].strip())
            if name.startswith("∂") and "/∂" in name:
                derivatives.append((latex_of[name], name))
                continue
            for side in chain.sides[1:]:
                cells = cells_of(side, text)
                if cells is not None:  # a number, a list or a matrix, as printed
                    printed.setdefault(name, _flow(cells))
                    break
                if any(word(n) is not None for n in walk(side)) and name not in formula_of:
                    formula_of[name] = (side, latex_of[name])
                    break
    draft.vocabulary = {model_name(n) for n in [*printed, *formula_of, *substituted]}
    stated_only: set[str] = set()  # printed with no formula: the page's number, not a result the model recomputes
    for name, value in printed.items():
        if name not in formula_of:
            draft.givens[model_name(name)] = value
            stated_only.add(model_name(name))
    for name, value in substituted.items():
        if name not in formula_of and model_name(name) not in draft.givens:
            draft.givens[model_name(name)] = value
            draft.read_from[model_name(name)] = "the value a step substituted for it"
    known = set(draft.givens)
    used_names: set[str] = set()
    pending = dict(formula_of)
    while pending:  # each formula once the names it reads are defined: a page may define them further down
        ready = [name for name, (side, _) in pending.items()
                 if not _reads(side) & ({model_name(other) for other in pending} - {model_name(name)})]
        for name in ready or list(pending)[:1]:  # a cycle: the first, whose unknown names become TODO
            side, _ = pending.pop(name)
            source = _translate(side, known, draft, used_names)
            if source is None:
                draft.todo.append(f"the formula of {name} was not read; its numbers keep the page's own rules")
                continue
            draft.definitions[model_name(name)] = source
            known.add(model_name(name))
    if not draft.definitions:
        raise SpecError.at(Location(path, 1, 1), "no weights and no formulas over named quantities found: nothing to "
                                                 "declare (a draft needs W_1 = \\begin{bmatrix} … or net_{h1} = w_1 i_1 + …)")
    for latex, name in derivatives:
        top, bottom = (model_name(part) for part in name[1:].split("/∂", 1))
        if top in draft.definitions and bottom in known:
            if top not in draft.gradients:
                draft.gradients.append(top)
            draft.names.setdefault(latex, f"d{top}/d{bottom}")
    for name, latex in latex_of.items():
        quantity = model_name(name)
        if quantity in known and latex not in draft.names and quantity not in stated_only:
            draft.names[latex] = quantity
    for quantity in stated_only:
        draft.read_from[quantity] = "printed with no formula: the page's own number, not judged"
    return draft


def _reads(node: Node) -> set[str]:
    """The model names a formula reads (words included)."""
    found: set[str] = set()

    def visit(n: Node) -> None:
        named = word(n)
        if named is not None and not isinstance(n, Constant):
            found.add(model_name(named))
            return
        if isinstance(n, Product) and isinstance(n.factors[0][1], Negate):  # -net_{h1}: the minus on the first letter
            first = n.factors[0][1]
            assert isinstance(first, Negate)
            n = Product(((n.factors[0][0], first.operand),) + n.factors[1:], n.start, n.end)
        if isinstance(n, Product):  # letters of a word among other factors (w_5 out_{h1})
            for size in range(len(n.factors), 1, -1):
                for start in range(len(n.factors) - size + 1):
                    spelled = word(Product(n.factors[start:start + size], 0, 0))
                    if spelled is not None:
                        found.add(model_name(spelled))
        for child in children(n):
            visit(child)

    visit(node)
    return found


def _translate(node: Node, known: set[str], draft: ModelDraft, used: set[str] | None = None) -> str | None:
    """``node`` in the model language, or None where it has no spelling there; a name never given becomes TODO."""
    named = word(node)
    if named is not None and "∂" in named:
        return None  # a derivative inside a formula (w_2 − η ∂E/∂w_2): an update, which a definition cannot write
    if named is not None and not isinstance(node, Constant):
        name = model_name(named)
        if used is not None:
            used.add(name)
        if name not in known:
            draft.givens[name] = "TODO"
            draft.todo.append(f"{named} is read by a formula but never given a number on the page")
            known.add(name)
        return name
    if isinstance(node, Number):
        return node.printed.text
    if isinstance(node, Constant):
        return "exp(1)" if node.name == "e" else "pi"
    if isinstance(node, Negate):
        inner = _translate(node.operand, known, draft, used)
        return None if inner is None else f"-({inner})"
    if isinstance(node, Sum):
        parts = [_translate(term, known, draft, used) for _, term in node.terms]
        if any(p is None for p in parts):
            return None
        text = f"({parts[0]})"
        for (sign, _), part in zip(node.terms[1:], parts[1:]):
            text += f" {sign} ({part})"
        return text
    if isinstance(node, Product) and isinstance(node.factors[0][1], Negate):  # -net_{h1}: a negated word
        first = node.factors[0][1]
        assert isinstance(first, Negate)
        unsigned = Product(((node.factors[0][0], first.operand),) + node.factors[1:], node.start, node.end)
        if word(unsigned) is not None:
            inner = _translate(unsigned, known, draft, used)
            return None if inner is None else f"-({inner})"
    if isinstance(node, Product):
        grouped = _words(node, known | draft.vocabulary)
        if grouped is not node:
            return _translate(grouped, known, draft, used)
        parts = [_translate(factor, known, draft, used) for _, factor in node.factors]
        if any(p is None for p in parts):
            return None
        operators = {DIVIDE: " / ", HADAMARD: " ⊙ "}
        text = f"({parts[0]})"
        for (op, _), part in zip(node.factors[1:], parts[1:]):
            text += f"{operators.get(op, ' * ')}({part})"
        return text
    if isinstance(node, Quotient):
        top, bottom = _translate(node.numerator, known, draft, used), _translate(node.denominator, known, draft, used)
        return None if top is None or bottom is None else f"({top}) / ({bottom})"
    if isinstance(node, Power):
        exponent = _translate(node.exponent, known, draft, used)
        if exponent is None:
            return None
        if isinstance(node.base, Constant) and node.base.name == "e":
            return f"exp({exponent})"
        base = _translate(node.base, known, draft, used)
        return None if base is None else f"({base}) ^ ({exponent})"
    if isinstance(node, Call) and node.function in _FUNCTIONS:
        arguments = [_translate(argument, known, draft, used) for argument in node.arguments]
        return None if any(a is None for a in arguments) else f"{node.function}({', '.join(arguments)})"  # type: ignore[arg-type]
    return None


def _flow(cells: Cells) -> str:
    """Printed cells as a YAML flow value, each number's text kept: 0.5, [1, 2] or [[1, 2], [3, 4]]."""
    texts = [p.text.replace("−", "-") for p in cells.printed]
    if cells.shape == ():
        return texts[0]
    if len(cells.shape) == 1 or 1 in cells.shape:  # a list, or a column or row vector as pages print them
        return "[" + ", ".join(texts) + "]"
    columns = cells.shape[1]
    return "[" + ", ".join("[" + ", ".join(texts[i:i + columns]) + "]" for i in range(0, len(texts), columns)) + "]"


def _words(node: Product, names: set[str]) -> Node:
    """A product with each run of letters that spells a page name (w_5 out_{h1}: w_5 · o · u · t_h1) as that name."""
    factors = list(node.factors)
    out: list[tuple[str, Node]] = []
    k = changed = 0
    while k < len(factors):
        for end in range(len(factors), k + 1, -1):  # the longest run first
            run = Product(tuple(factors[k:end]), 0, 0)
            spelled = word(run)
            if spelled is not None and model_name(spelled) in names and all(op not in (DIVIDE, HADAMARD) for op, _ in factors[k + 1:end]):
                out.append((factors[k][0], Symbol(spelled, factors[k][1].start, factors[end - 1][1].end)))
                k, changed = end, changed + 1
                break
        else:
            out.append(factors[k])
            k += 1
    if not changed:
        return node
    return out[0][1] if len(out) == 1 else Product(tuple(out), node.start, node.end)


def front_matter_text(draft: ModelDraft) -> str:
    """The front matter declaring the drafted model (YAML; the names' LaTeX as JSON strings, which YAML reads)."""
    lines = ["---", "nncheck:", "  model:", "    givens:"]
    lines += [f"      {name}: {value}" + ("  # not found on the page" if value == "TODO" else
                                            f"  # {draft.read_from[name]}" if name in draft.read_from else "")
              for name, value in draft.givens.items()]
    lines += ["    definitions:"] + [f"      {name}: {json.dumps(source)}" for name, source in draft.definitions.items()]
    if draft.gradients:
        lines.append(f"    gradients: [{', '.join(draft.gradients)}]")
    lines += ["  names:"] + [f"    {json.dumps(latex)}: {json.dumps(quantity)}" for latex, quantity in draft.names.items()]
    return "\n".join(lines + ["---"]) + "\n"


__all__ = ["ModelDraft", "draft_model", "front_matter_text", "model_name", "word"]
