"""A draft spec from a Markdown document: the network it defines and the claims nncheck can name.

Givens come from definitions anywhere in the document, inline math included (x, y, W_1, b_1, …);
each printed result named like a spec quantity (z_2, ŷ, ∂L/∂W_1, …) becomes a claim, with the
values its step substituted as ``uses``; an unnamed numeric equation becomes an ``equations``
entry. What cannot be recognised (an activation, the loss) is assumed and listed as a TODO for
the author: a draft to finish, not a finished spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from nncheck import quantities
from nncheck.readers.markdown import Lines, find_math, read_document, title_of
from nncheck.expr.latex import LatexError, parse_display
from nncheck.expr.nodes import (
    DIVIDE, TIMES, Call, Chain, Constant, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, children, walk,
)
from nncheck.audit.page.statements import Cells, Check, plan
from nncheck.errors import Location, SpecError, UsageError
from nncheck.printed import Printed
from nncheck.records import Layer, Math, Network
from nncheck.readers.spec import parse_spec
from nncheck.readers.spec.writer import DraftClaim, DraftEquation, dump_spec

# Activations recognised in a formula a_l = f(z_l), by the function's canonical name.
ACTIVATION_CALLS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax"}


@dataclass(frozen=True, slots=True)
class Named:
    """A printed value the document gives a name, where it does so, and the values its step used."""

    name: str  # a spec quantity's spelling, not yet checked against the network: z2, yhat, dL/dW1
    cells: Cells
    math: Math
    offset: int  # of the first printed number, in the document
    uses: tuple[tuple[str, Cells], ...] = ()
    claimed: bool = False  # a result the document computes, rather than a definition
    written: str = ""  # the name as the LaTeX reader gives it (z_2, ŷ, ∂L/∂W_1)


@dataclass
class Draft:
    named: list[Named] = field(default_factory=list)
    equations: list[tuple[Check, Math]] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)  # every formula, for activations and the loss
    todo: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # network fields not found: written TODO, with the reason
    guessed: dict[str, str] = field(default_factory=dict)  # network fields read with a guess: a comment says which
    loss_name: str = "L"  # the page's name for the loss (E, J, …)

    def lack(self, key: str, reason: str) -> None:
        """A field the page does not give: TODO in the draft (which the audit refuses), and listed at the top."""
        self.missing[key] = reason
        self.todo.append(reason)


# A layer written as a superscript: W^{(1)}, a^{[2]} (the LaTeX reader's W^(1), a^[2]).
_LAYER_SUPERSCRIPT = re.compile(r"\^[(\[]([0-9]+)[)\]]")


def spec_name(name: str) -> str:
    """A document's name in the spec's spelling: z_2 -> z2, W^{(1)} -> W1, a^{[2]} -> a2, ŷ -> yhat, ∂L/∂W_1 -> dL/dW1."""
    updated = re.sub(r"(\^(new|\+|updated)|_(new|updated))$", "", name)  # W_2^{new}, w_5^{+}, W^{(2)}_{new}: updated
    suffix = "_new" if updated != name else ""
    return _LAYER_SUPERSCRIPT.sub(r"\1", updated).replace("ŷ", "yhat").replace("∂", "d").replace("_", "") + suffix


def extract(path: str, *, spec: bool = False) -> str:
    """The front matter that declares the model of the Markdown document at ``path`` (its network and a names map
    from the page's names to the network's quantities); with ``spec``, a draft spec of it instead."""
    if not path.lower().endswith((".md", ".markdown", ".ipynb")):
        raise UsageError(f"nncheck extract reads Markdown pages (.md, .markdown) and notebooks (.ipynb), not {path!r}; "
                         "for an HTML page, write its <script type=\"application/x-nncheck+yaml\"> by hand "
                         "(docs/documents.md)")
    text = read_document(path)
    if path.lower().endswith(".ipynb"):  # a notebook: its markdown cells, joined (the front matter opens the first)
        from nncheck.readers.notebook import parse_notebook

        text = parse_notebook(text, path).source or ""
        what_for = "the first markdown cell"
    else:
        what_for = "the page"
    if spec:
        body, todo = draft_spec(text, path)
        what = "draft spec"
    else:
        body, todo = draft_front_matter(text, path)
        what = f"front matter (paste it at the top of {what_for})"
    header = [f"# A {what} written by `nncheck extract` from " + path.replace("\n", " "),
              "# Check every value against the document before relying on it; a TODO must be written in."]
    header += ["# TODO: " + " ".join(item.split()) for item in todo]
    if spec:
        return "\n".join(header) + "\n" + body
    return "---\n" + "\n".join(header) + "\n" + body.removeprefix("---\n")  # front matter opens the page


def draft_front_matter(text: str, path: str) -> tuple[str, list[str]]:
    """The front matter declaring a Markdown text's network, with every page name that states a quantity mapped to
    it, and what could not be found (TODO in the YAML). Raises SpecError when the page defines no network."""
    from nncheck.readers.front import _spelling
    from nncheck.readers.spec.writer import dump_front_matter

    draft = _read(text)
    try:
        network = _network(draft, path)
    except SpecError:  # no weight matrices: a page wired by hand, scalar weight by scalar weight
        from nncheck.extract_model import draft_model, front_matter_text
        from nncheck.readers.markdown import parse_formulas

        drafted = draft_model(parse_formulas(find_math(text)), path)
        return front_matter_text(drafted), drafted.todo
    names: dict[str, str] = {}
    for named in draft.named:
        plain = len(network.layers) == 1 and named.name in ("W", "b", "z", "a")  # one layer written without an index
        quantity = _quantity(named.name + "1" if plain else named.name, network, draft.loss_name)
        latex = _latex_name(named.written)
        # givens too (W_1 = …, x = …): the page's own copies are then judged against the front matter
        if quantity is None or latex in names or _spelling(latex) != named.written:
            continue
        names[latex] = quantity
    return dump_front_matter(network, list(names.items()), missing=draft.missing, guessed=draft.guessed), draft.todo


def _latex_name(name: str) -> str:
    """A name the LaTeX reader gives (ŷ, ∂L/∂W_1) in the LaTeX a page writes (\\hat{y}, \\frac{\\partial L}{\\partial W_1})."""
    def one(part: str) -> str:
        part = re.sub(r"\^(new|old|updated|next|[+*-])$", r"^{\1}", part.replace("ŷ", r"\hat{y}"))  # W_2^{new}, w^{+}
        part = re.sub(r"\^([(\[][0-9]+[)\]])_(new|updated)$", r"^{\1}_{\2}", part)  # W^{(2)}_{new}
        return re.sub(r"\^([(\[][0-9]+[)\]])$", r"^{\1}", part)

    if name.startswith("∂") and "/∂" in name:
        top, bottom = name[1:].split("/∂", 1)
        return rf"\frac{{\partial {one(top)}}}{{\partial {one(bottom)}}}"
    return one(name)


def draft_spec(text: str, path: str) -> tuple[str, list[str]]:
    """The draft spec's YAML for a Markdown text, and what it had to assume or leave out (empty: nothing).

    Raises SpecError when the page defines no network (no weights, say).
    """
    draft = _read(text)
    network = _network(draft, path)
    lines = Lines(path, text)
    claims = _claims(draft, network, lines)
    equations = [_equation(check, math, lines) for check, math in draft.equations]
    body = dump_spec(network, claims, title=title_of(text, path), equations=[e for e in equations if e is not None],
                     missing=draft.missing, guessed=draft.guessed)
    if draft.missing:
        return body, draft.todo  # the loader refuses the TODOs until they are written in
    try:
        parse_spec(body, "draft")
    except SpecError as error:  # shapes that do not chain, say: the author's to settle
        draft.todo += [f"the draft does not load yet: {problem.message}" for problem in error.problems]
    return body, draft.todo


def _read(text: str) -> Draft:
    draft = Draft()
    for math in find_math(text):
        try:
            chains = parse_display(math.text)
        except LatexError:
            continue
        draft.chains += chains
        steps = plan(chains, math.text)
        used = tuple((spec_name(g.name), g.cells) for g in steps.givens if g.used)
        for check in steps.checks:
            if check.names:
                draft.named.append(Named(spec_name(check.names[0]), check.cells, math, _offset(math, check.cells), used, True,
                                         check.names[0]))
            elif math.display and check.cells.shape == ():
                draft.equations.append((check, math))
        for given in steps.givens:
            if not given.used:
                draft.named.append(Named(spec_name(given.name), given.cells, math, _offset(math, given.cells),
                                         written=given.name))
    draft.named.sort(key=lambda named: named.offset)
    return draft


def _offset(math: Math, cells: Cells) -> int:
    return math.offset + cells.nodes[0].start


# -- the network ---------------------------------------------------------------------------------

def _network(draft: Draft, path: str) -> Network:
    first: dict[str, Named] = {}
    for named in draft.named:
        first.setdefault(named.name, named)
    if "W" in first and "W1" not in first:  # one layer, W and b with no index: layer 1
        first.update({f"{n}1": first[n] for n in ("W", "b", "z", "a") if n in first})
    depth = max((int(m[1]) for m in (re.fullmatch(r"W(\d+)", n) for n in first) if m), default=0)
    if depth == 0:
        raise SpecError.at(Location(path, 1, 1), "no weights found: a draft spec needs the weights defined as "
                                                 "W_1 = \\begin{bmatrix} … \\end{bmatrix} (and W_2, … for more layers)")
    layers = []
    for layer in range(1, depth + 1):
        weights = _matrix(first.get(f"W{layer}"))
        if not weights:
            raise SpecError.at(Location(path, 1, 1), f"W_{layer} is not defined, but W_{depth} is")
        bias = _vector(first.get(f"b{layer}"))
        if not bias:
            draft.lack(f"layers.{layer}.bias", f"b_{layer} was not found on the page")
            bias = (Fraction(0),) * len(weights)
        activation, slope = _activation(draft, layer, depth)
        layers.append(Layer(weights=weights, bias=bias, activation=activation,
                            **({"negative_slope": slope} if slope is not None else {})))
    inputs = _vector(first.get("x") or first.get("a0") or first.get("i") or first.get("p"))
    if not inputs:
        draft.lack("input", "the input x was not found on the page")
        inputs = (Fraction(0),) * len(layers[0].weights[0])
    target = _vector(first.get("y") or first.get("t"))
    if not target:
        draft.lack("target", "the target y was not found on the page")
        target = (Fraction(0),) * len(layers[-1].bias)
    rate = first.get("η") or first.get("α")
    return Network(layers=tuple(layers), loss=_loss(draft), input=inputs, target=target,
                   learning_rate=rate.cells.printed[0].value if rate and rate.cells.shape == () else None)


def _matrix(named: Named | None) -> tuple[tuple[Fraction, ...], ...]:
    if named is None:
        return ()
    values = [p.value for p in named.cells.printed]
    columns = named.cells.shape[1] if len(named.cells.shape) == 2 else len(values)
    return tuple(tuple(values[i:i + columns]) for i in range(0, len(values), columns))


def _vector(named: Named | None) -> tuple[Fraction, ...]:
    return () if named is None else tuple(p.value for p in named.cells.printed)


def _activation(draft: Draft, layer: int, depth: int) -> tuple[str, Fraction | None]:
    """From a formula a_l = f(z_l) (or ŷ = … for the last layer), with leaky ReLU's slope; a TODO when there is none."""
    outputs = {f"a{layer}"} | ({"yhat"} if layer == depth else set())
    for chain in draft.chains:
        if not any(isinstance(side, Symbol) and spec_name(side.name) in outputs for side in chain.sides):
            continue
        for side in chain.sides:
            if isinstance(side, Call) and side.function in ACTIVATION_CALLS:
                return ACTIVATION_CALLS[side.function], None
            if isinstance(side, Symbol) and spec_name(side.name) == f"z{layer}":  # a_2 = z_2: no activation
                return "identity", None
            rectifier = _rectifier(side.arguments) if isinstance(side, Call) and side.function == "max" else None
            if rectifier is not None:
                return rectifier
            if _is_logistic(side):
                return "sigmoid", None
            if _is_tanh(side):
                return "tanh", None
    draft.lack(f"layers.{layer}.activation", f"the activation of layer {layer} was not recognised")
    return "identity", None


def _rectifier(arguments: tuple[Node, ...]) -> tuple[str, Fraction | None] | None:
    """max(0, z) is ReLU; max(α z, z) is leaky ReLU with slope α; None for any other max (not read)."""
    if len(arguments) != 2:
        return None
    for first, second in (arguments, arguments[::-1]):
        if _is_number(first, 0):
            return "relu", None
        if isinstance(first, Product) and len(first.factors) == 2 and isinstance(first.factors[0][1], Number) \
                and first.factors[0][0] == TIMES and to_expression(first.factors[1][1]) is None and \
                _same_name(first.factors[1][1], second):
            return "leaky_relu", first.factors[0][1].printed.value
    return None


def _same_name(left: Node, right: Node) -> bool:
    return isinstance(left, Symbol) and isinstance(right, Symbol) and left.name == right.name


def _is_tanh(node: Node) -> bool:
    """(e^{z} − e^{−z}) / (e^{z} + e^{−z})."""
    if not isinstance(node, Quotient) or not isinstance(node.numerator, Sum) or not isinstance(node.denominator, Sum):
        return False

    def exponentials(sum_: Sum, sign: str) -> bool:
        return (len(sum_.terms) == 2 and sum_.terms[1][0] == sign and all(
            isinstance(t, Power) and isinstance(t.base, Constant) and t.base.name == "e" for _, t in sum_.terms)
            and isinstance(sum_.terms[1][1], Power) and isinstance(sum_.terms[1][1].exponent, Negate))

    return exponentials(node.numerator, "-") and exponentials(node.denominator, "+")


def _is_logistic(node: Node) -> bool:
    """1 / (1 + e^{-z}): the numerator 1, the denominator 1 plus e to a negated power (not tanh's (e^z − e^{−z})/(…))."""
    if not isinstance(node, Quotient) or not _is_number(node.numerator, 1) or not isinstance(node.denominator, Sum):
        return False
    terms = node.denominator.terms
    return (len(terms) == 2 and _is_number(terms[0][1], 1) and terms[1][0] == "+" and isinstance(terms[1][1], Power)
            and isinstance(terms[1][1].base, Constant) and terms[1][1].base.name == "e" and isinstance(terms[1][1].exponent, Negate))


# The names pages give the loss: its gradients (∂E/∂W_2) are the spec's dL/dW2.
LOSS_NAMES = ("L", "ℒ", "Loss", "E", "E_total", "J", "C")


def _loss(draft: Draft) -> str:
    for chain in draft.chains:
        named = [side.name for side in chain.sides if isinstance(side, Symbol) and side.name in LOSS_NAMES]
        if not named:
            continue
        draft.loss_name = named[0]
        nodes = [n for side in chain.sides for n in walk(side)]
        names = {n.name for n in nodes if isinstance(n, Symbol)}
        target = any(name in ("y", "t") or name.startswith(("y_", "t_")) for name in names)  # y, t, y_k, t_{o1}
        logs = any(isinstance(n, Call) and n.function == "log" for n in nodes) and target
        from nncheck.expr.printer import text as printed_text

        with_logs = [side for side in chain.sides[1:] if any(isinstance(n, Call) and n.function == "log" for n in walk(side))]
        if logs and not any(printed_text(side).startswith("-") for side in with_logs):
            draft.lack("loss", "a loss of logs with no leading minus (cross-entropy is −Σ y log ŷ): not read")
            return "bce"
        if logs:
            # −[y log ŷ + (1 − y) log(1 − ŷ)] is binary; −Σ y log p, with no (1 − y), runs over classes
            return "bce" if any(_one_minus(n) for n in nodes) else "cross_entropy"
        if any(isinstance(n, Power) for n in nodes) and target:
            halves = any(isinstance(n, Quotient) and _is_number(n.numerator, 1) and _is_number(n.denominator, 2) for n in nodes)
            if halves:
                return "half_sse"
            if not any(isinstance(n, Quotient) for n in nodes):  # Σ(t − o)²: no ½ and no 1/n
                draft.guessed["loss"] = "a sum of squares with no 1/n; mse (the mean) is written, check the page's formula"
            return "mse"
    draft.lack("loss", "the loss was not recognised")
    return "bce"


def _one_minus(node: Node) -> bool:
    """1 − y (or 1 − t): the second term of binary cross-entropy."""
    return (isinstance(node, Sum) and len(node.terms) == 2 and _is_number(node.terms[0][1], 1) and node.terms[1][0] == "-"
            and isinstance(node.terms[1][1], Symbol) and node.terms[1][1].name.split("_")[0] in ("y", "t"))


def _is_number(node: Node, value: int) -> bool:
    return isinstance(node, Number) and node.printed.value == value


# -- claims and equations -------------------------------------------------------------------------

def _claims(draft: Draft, network: Network, lines: Lines) -> list[DraftClaim]:
    arch = network.architecture
    claims: list[DraftClaim] = []
    seen: dict[str, int] = {}
    latest: dict[str, tuple[Printed, ...]] = {}
    for named in draft.named:
        quantity = _quantity(named.name, network)
        if quantity is None or quantities.is_given(quantity):
            continue
        if not named.claimed and latest.get(quantity) == named.cells.printed:
            continue  # a definition that repeats the latest statement digit for digit (∂z_2/∂W_2 = a_1 = …)
        latest[quantity] = named.cells.printed
        fitted = _fit(named.cells, quantities.shape(quantity, arch))
        if fitted is None:
            draft.todo.append(f"{named.name} at {lines.location(named.offset)} is printed as {named.cells.shape}, "
                              f"which does not fit {quantity}; it is left out")
            continue
        value, transposed = fitted
        seen[quantity] = seen.get(quantity, 0) + 1
        uses: list[tuple[str, Any]] = []
        spelled: set[str] = set()  # canonical names of the uses, which must not repeat
        for name, cells in named.uses:
            used = _quantity(name, network)
            value_used = _in_shape(cells, quantities.shape(used, arch)) if used is not None else None
            if used is not None and value_used is not None and used != quantity and used not in spelled:
                uses.append((name, value_used))
                spelled.add(used)
        claims.append(DraftClaim(
            quantity=named.name, value=value, step=named.math.heading or "document", transposed=transposed,
            id=None if seen[quantity] == 1 else f"{quantity}-{seen[quantity]}", uses=tuple(uses),
            latex=" ".join(named.math.text.split()), line=lines.location(named.offset).line,
        ))
    return claims


def _quantity(name: str, network: Network, loss: str = "L") -> str | None:
    """A page name (spec spelling) as a network quantity; the page's loss name (E) read as L, in gradients too."""
    if loss != "L":
        spelled = spec_name(loss)
        name = re.sub(rf"^(d?){re.escape(spelled)}(?=$|/)", r"\1L", name)
    try:
        return quantities.canonical(name, network.architecture)
    except ValueError:
        return None


def _fit(cells: Cells, shape: tuple[int, ...]) -> tuple[Any, bool] | None:
    """The printed texts nested in the quantity's shape, and whether they are printed transposed."""
    texts = [spec_text(p) for p in cells.printed]
    size = 1
    for n in shape:
        size *= n
    if len(texts) != size:
        return None
    if len(shape) < 2:
        return (texts[0] if size == 1 else texts), False
    rows, columns = shape
    if cells.shape == (columns, rows) and cells.shape != shape:  # printed as the transpose (a column for a row, say)
        return [texts[i:i + rows] for i in range(0, size, rows)], True
    return [texts[i:i + columns] for i in range(0, size, columns)], False


def _in_shape(cells: Cells, shape: tuple[int, ...]) -> Any:
    """The printed texts in the quantity's own shape, as ``uses`` want them (they have no ``transposed``)."""
    fitted = _fit(cells, shape)
    if fitted is None or not fitted[1]:
        return None if fitted is None else fitted[0]
    rows, columns = shape
    printed = [t for row in fitted[0] for t in row]  # row-major as printed: the transpose of the quantity
    return [[printed[j * rows + i] for j in range(columns)] for i in range(rows)]


def spec_text(printed: Printed) -> str:
    """The printed number in the spec's syntax, same value and same last digit: 1.2 \\times 10^{-3} -> 12e-4."""
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", printed.text):
        return printed.text
    digits = printed.value / Fraction(10) ** printed.last_place
    return f"{digits.numerator}e{printed.last_place}"


def _equation(check: Check, math: Math, lines: Lines) -> DraftEquation | None:
    expression = to_expression(check.against)
    if expression is None:
        return None
    where = lines.location(math.offset + check.claim.start)
    return DraftEquation(id=f"line-{where.line}-{where.column}", expression=expression,
                         value=spec_text(check.cells.printed[0]), step=math.heading or "document",
                         latex=" ".join(math.text.split()), line=where.line)


def to_expression(node: Node) -> str | None:
    """The side in the spec's expression language (nncheck.expr), or None when it has no scalar spelling there."""
    if isinstance(node, Number):
        return spec_text(node.printed)
    if isinstance(node, Constant):
        return "exp(1)" if node.name == "e" else None
    parts = [to_expression(child) for child in children(node)]
    if not parts or any(part is None for part in parts):
        return None
    wrapped = [f"({part})" for part in parts]
    if isinstance(node, Negate):
        return f"-{wrapped[0]}"
    if isinstance(node, Sum):
        return _joined(node, wrapped)
    if isinstance(node, Product):
        if any(op not in (TIMES, DIVIDE) for op, _ in node.factors):
            return None
        return wrapped[0] + "".join(f" {'*' if op == TIMES else '/'} {w}" for (op, _), w in zip(node.factors[1:], wrapped[1:]))
    if isinstance(node, Quotient):
        return f"{wrapped[0]} / {wrapped[1]}"
    if isinstance(node, Power):
        if isinstance(node.base, Constant) and node.base.name == "e":
            return f"exp{wrapped[1]}"
        return f"{wrapped[0]} ^ {wrapped[1]}"
    if isinstance(node, Call):
        return _call(node.function, parts)
    return None


def _joined(node: Sum, wrapped: list[str]) -> str:
    text = wrapped[0]
    for (sign, _), part in zip(node.terms[1:], wrapped[1:]):
        text += f" {sign} {part}"
    return text


def _call(function: str, parts: list[str | None]) -> str | None:
    arguments = [p for p in parts if p is not None]
    if function == "log" and len(arguments) == 2:
        return f"log({arguments[0]}) / log({arguments[1]})"
    if function in ("exp", "log", "sqrt", "sigmoid", "tanh", "relu") and len(arguments) == 1:
        return f"{function}({arguments[0]})"
    if function in ("max", "min") and len(arguments) == 2:
        return f"{function}({arguments[0]}, {arguments[1]})"
    return None

