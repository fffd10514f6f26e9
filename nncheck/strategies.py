"""Hypothesis strategies for networks, their numbers, and whole specs: fuzz your own backprop code with them.

    from hypothesis import given
    from nncheck import strategies as nst

    @given(nst.networks(max_depth=2))
    def test_my_backprop(network):
        check_gradients(my_gradients, network)

Numbers are exact ``Fraction``s: short decimals by default (what worked examples print), or
``binary_fractions()``, floats converted exactly, for comparing float code with exact values.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from nncheck.errors import Undecided

from nncheck.records import Conventions, Layer, Network

HIDDEN = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")
# Output activation and loss pairs a worked example would use.
HEADS = (
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("identity", "mse"),
    ("tanh", "mse"),
    ("sigmoid", "half_sse"),
    ("relu", "half_sse"),
    ("leaky_relu", "mse"),
)


def decimals(low: Fraction | int = -1, high: Fraction | int = 1, places: int = 2) -> st.SearchStrategy[Fraction]:
    """Decimals with at most ``places`` digits after the point, in [low, high]."""
    scale = 10**places
    return st.integers(int(Fraction(low) * scale), int(Fraction(high) * scale)).map(lambda n: Fraction(n, scale))


def binary_fractions(low: float = -1.0, high: float = 1.0) -> st.SearchStrategy[Fraction]:
    """Floats in [low, high] (none tinier than 2^-30 but zero), converted exactly to Fractions."""
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return floats.map(lambda v: Fraction(v) if abs(v) >= 2.0**-30 else Fraction(0))


@st.composite
def targets(draw: Any, loss: str, width: int, numbers: st.SearchStrategy[Fraction]) -> tuple[Fraction, ...]:
    """Targets that make sense for the loss: one-hot for cross-entropy, labels in [0, 1] for bce."""
    if loss == "cross_entropy":
        hot = draw(st.integers(0, width - 1))
        return tuple(Fraction(int(i == hot)) for i in range(width))
    if loss == "bce":
        return tuple(draw(st.lists(st.sampled_from([Fraction(0), Fraction(1)]) | decimals(0, 1, 1), min_size=width, max_size=width)))
    return tuple(draw(st.lists(numbers, min_size=width, max_size=width)))


@st.composite
def networks(
    draw: Any,
    *,
    min_depth: int = 1,
    max_depth: int = 3,
    max_width: int = 4,
    hidden: Sequence[str] = HIDDEN,
    heads: Sequence[tuple[str, str]] = HEADS,
    numbers: st.SearchStrategy[Fraction] | None = None,
    learning_rate: bool = True,
) -> Network:
    """Dense networks of random depth, widths, activations and loss, with weights, input and target."""
    numbers = numbers if numbers is not None else decimals()
    depth = draw(st.integers(min_depth, max_depth))
    activation, loss = draw(st.sampled_from(list(heads)))
    min_out = 2 if activation == "softmax" else 1
    widths = [draw(st.integers(1, max_width)) for _ in range(depth)] + [draw(st.integers(min_out, max(min_out, max_width)))]
    activations = [draw(st.sampled_from(list(hidden))) for _ in range(depth - 1)] + [activation]
    layers = []
    for l in range(depth):
        rows, cols = widths[l + 1], widths[l]
        weights = tuple(tuple(draw(numbers) for _ in range(cols)) for _ in range(rows))
        bias = tuple(draw(numbers) for _ in range(rows))
        layers.append(Layer(weights, bias, activations[l]))
    rate = draw(st.none() | decimals(Fraction(1, 100), 1, 2)) if learning_rate else None
    return Network(
        layers=tuple(layers), loss=loss,
        input=tuple(draw(numbers) for _ in range(widths[0])),
        target=draw(targets(loss, widths[-1], numbers)),
        learning_rate=rate, conventions=Conventions(),
    )


@st.composite
def specs(draw: Any, network_strategy: st.SearchStrategy[Network] | None = None,
          places: st.SearchStrategy[int] | None = None) -> tuple[Network, str]:
    """A network and the text of a spec claiming every computed quantity, each correctly rounded.

    Each quantity is printed to a number of decimals drawn from ``places`` (default 1 to 8). The
    spec must audit with every verdict "holds".
    """
    from nncheck.readers.spec.writer import DraftClaim, dump_spec
    from nncheck.testing import claims_from_true_values

    network = draw(network_strategy if network_strategy is not None else networks(max_depth=2, max_width=3))
    places_strategy = places if places is not None else st.integers(1, 8)
    decimals_by_quantity: dict[str, int] = {}

    def choose(quantity: str) -> int:
        if quantity not in decimals_by_quantity:
            decimals_by_quantity[quantity] = draw(places_strategy)
        return decimals_by_quantity[quantity]

    try:
        claims: list[DraftClaim] = claims_from_true_values(network, choose)
    except Undecided:
        # A true value exactly on a rounding tie reached through exp (softmax of equal logits is
        # exactly 1/2): no ball can say which way to round it, so such draws are rejected.
        reject()
    return network, dump_spec(network, claims)


# Pieces of the LaTeX that worked examples print, and some they should not (\int, |, $), for
# fuzzing a reader of display equations (nncheck.readers.markdown).
LATEX_TOKENS = (
    "0", "1", "2.5", "0.938", "-0.062", "10", "1e3", "-", "+", r"\times", r"\cdot", "/", r"\div", r"\odot", "=", r"\approx",
    "(", ")", "[", "]", "{", "}", r"\{", r"\}", r"\left(", r"\right)", r"\frac", r"\frac12", "^", "_", "'", "^T", "^{-3}",
    "x", "y", "e", r"\pi", "z_2", "W_{1}", r"\hat{y}", r"\partial", r"\sigma", r"\text{ReLU}", r"\max", r"\min", r"\log",
    r"\log_{10}", r"\ln", r"\exp", r"\sqrt", r"\tanh", r"\begin{bmatrix}", r"\end{bmatrix}", r"\begin{aligned}",
    r"\end{aligned}", "&", r"\\", ",", ";", r"\quad", r"\text{and}", r"\pm", r"\int", "|", "$", "\n", " ", r"\dots",
    r"\%", r"\sum", r"\sum_i", r"\sum_{j=1}^{3}", "√", r"^{\intercal}", r"^{+}", r"\operatorname{std}", r"\text{mean}",
    r"\operatorname{conv2d}", r"\text{maxpool}", r"\text{(note)}", r"\nonumber", r"\tag{1}", "%", r"\|", r"\mathbb{E}",
    r"\begin{align}", r"\end{align}", r"\tanh^2",
)


@st.composite
def latex_soup(draw: Any, max_tokens: int = 40) -> str:
    """Any sequence of LaTeX tokens: mostly nonsense, which a reader must refuse with a reason, never a crash."""
    tokens: list[str] = draw(st.lists(st.sampled_from(LATEX_TOKENS), max_size=max_tokens))
    return " ".join(tokens)


@st.composite
def numeric_latex(draw: Any, depth: int = 3) -> str:
    """A well-formed numeric formula: numbers, operators, fractions, powers, functions, matrices."""
    numbers = st.sampled_from(("0", "1", "2", "0.5", "0.938", "2.73", "-1.066", "10", "1e3", "0.0"))
    if depth == 0:
        number: str = draw(numbers)
        return number
    inner = numeric_latex(depth=depth - 1)
    a: str = draw(inner)
    b: str = draw(inner)
    shape = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    cells = [[draw(numbers) for _ in range(shape[1])] for _ in range(shape[0])]
    matrix = r"\begin{bmatrix} " + r" \\ ".join(" & ".join(row) for row in cells) + r" \end{bmatrix}"
    formula: str = draw(st.sampled_from((
        a, f"{a} + {b}", f"{a} - {b}", rf"{a} \times {b}", rf"{a} \cdot {b}", f"{a} {b}", rf"\frac{{{a}}}{{{b}}}",
        f"e^{{{a}}}", rf"\log({a})", rf"\sigma({a})", rf"\max({a}, {b})", rf"\sqrt{{{a}}}", f"-{a}", f"({a})^{{{b}}}",
        rf"\text{{ReLU}}({a})", matrix, f"{matrix}^T", rf"\left[ {a} \right]", f"{a}\\%", rf"\sum [{a}, {b}]",
        rf"\operatorname{{std}}([{a}, {b}])", rf"\operatorname{{dot}}([{a}, {b}], [{b}, {a}])", rf"\max{matrix}",
        rf"\tanh^2({a})", f"√{{{a}}}", rf"\operatorname{{conv2d}}({matrix}, {matrix})", rf"\text{{maxpool}}({matrix})",
    )))
    return formula


# Pieces of the worked pages the page judge reads: names it binds and re-binds, components, updates,
# substitutions, continuations, sections, inline givens, vectors, softmax of one score.
PAGE_NAMES = ("a", "b", "w", "x", "z", "z_1", "z_2", "p", "p_2", "e", r"\hat{y}", r"\frac{\partial L}{\partial z}")
PAGE_VALUES = ("0.5", "-1.2", "2", "0.71", "0.0", "3", r"\begin{bmatrix} 0.5 \\ 1.5 \end{bmatrix}", "[2, 1, 0.5]",
               r"\begin{bmatrix} 1 & 2 \end{bmatrix}")
PAGE_PRODUCTS = (r"\times", r"\cdot", "")
PAGE_FUNCTIONS = (r"\sigma", r"\tanh", r"\exp", r"\log", r"\text{softmax}", r"\text{ReLU}", r"\max", r"\operatorname{mean}",
                  r"\operatorname{std}", r"\sum", r"\text{log-softmax}")


@st.composite
def page_expressions(draw: Any, depth: int = 2) -> str:
    """An expression of names, numbers and functions, as pages write them."""
    leaf = st.sampled_from(PAGE_NAMES) | st.sampled_from(PAGE_VALUES)
    if depth == 0:
        return str(draw(leaf))
    kind = draw(st.sampled_from(("leaf", "sum", "product", "function", "fraction", "power")))
    if kind == "leaf":
        return str(draw(leaf))
    left, right = draw(page_expressions(depth - 1)), draw(page_expressions(depth - 1))
    if kind == "sum":
        return f"{left} {draw(st.sampled_from(['+', '-']))} {right}"
    if kind == "product":
        operator = draw(st.sampled_from(PAGE_PRODUCTS))
        return f"{left} {operator} ({right})"
    if kind == "function":
        return f"{draw(st.sampled_from(PAGE_FUNCTIONS))}({left})"
    if kind == "fraction":
        return rf"\frac{{{left}}}{{{right}}}"
    return f"({left})^{{{draw(st.sampled_from(['2', 'T', '-1', '0.5']))}}}"


@st.composite
def pages(draw: Any, max_displays: int = 8) -> str:
    """A Markdown page of chains over a few names: mostly wrong arithmetic, which must end in verdicts, never a crash."""
    lines = []
    for _ in range(draw(st.integers(1, max_displays))):
        kind = draw(st.sampled_from(("chain", "chain", "heading", "inline", "continuation")))
        if kind == "heading":
            lines.append(f"## Section {draw(st.integers(1, 3))}")
            continue
        sides = draw(st.lists(page_expressions(), min_size=1, max_size=3))
        if kind == "continuation":
            lines.append("$$= " + " = ".join(sides) + "$$")
            continue
        subject = draw(st.sampled_from(PAGE_NAMES))
        chain = " = ".join([subject, *sides, str(draw(st.sampled_from(PAGE_VALUES)))])
        lines.append(f"${chain}$" if kind == "inline" else draw(st.sampled_from((
            f"$${chain}$$", f"\\[{chain}\\]", f"\\begin{{align}}\n{chain}\n\\end{{align}}", f"> $${chain}$$", f"- $${chain}$$"))))
    return "\n\n".join(lines) + "\n"



# Worked pages: a chain of named steps, each printed with its substituted numbers and its correctly rounded result,
# as tutorials write them. The true values are worked out with Python's decimal module at 60 digits (exp is correctly
# rounded there), independently of nncheck's backends.
WORKED_NAMES = ("z_1", "a_1", "z_2", "a_2", "h", "g", "d", "q", "r", "s", "u", "v")
WORKED_GIVENS = ("x", "w", "b", "c", "t")
# A step's operation: its formula in names and in substituted numbers (each a template over its operands' LaTeX), and
# its value as a function of its operands.
WORKED_STEPS: dict[str, tuple[int, str, Any]] = {
    "affine": (3, r"{0} \cdot {1} + {2}", lambda p, q, r: p * q + r),
    "product": (2, r"{0} \cdot {1}", lambda p, q: p * q),
    "difference": (2, r"{0} - {1}", lambda p, q: p - q),
    "square": (2, r"({0} - {1})^2", lambda p, q: (p - q) ** 2),
    "sigmoid": (1, r"\sigma({0})", lambda p: 1 / (1 + (-p).exp())),
    "tanh": (1, r"\tanh({0})", lambda p: ((2 * p).exp() - 1) / ((2 * p).exp() + 1)),
    "slope": (1, r"{0}(1 - {0})", lambda p: p * (1 - p)),
}
_TIE_MARGIN = 40  # a true value within 10^-40 of a rounding tie is rejected: no printed digits decide it


def _decimal_context() -> Any:
    import decimal

    return decimal.Context(prec=60, Emax=999, Emin=-999)


@st.composite
def worked_plans(draw: Any, max_steps: int = 6) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...], int], ...]]:
    """A worked page's plan: givens (name, printed decimal) and steps (name, operation, operand names, decimals)."""
    givens = tuple((name, draw(st.sampled_from(("0.5", "-1.2", "2", "0.8", "-0.3", "1.5", "0.25", "-0.75"))))
                   for name in WORKED_GIVENS[:draw(st.integers(2, len(WORKED_GIVENS)))])
    known = [name for name, _ in givens]
    steps = []
    for name in WORKED_NAMES[:draw(st.integers(1, max_steps))]:
        operation = draw(st.sampled_from(sorted(WORKED_STEPS)))
        arity = WORKED_STEPS[operation][0]
        operands = tuple(draw(st.sampled_from(known)) for _ in range(arity))
        steps.append((name, operation, operands, draw(st.integers(2, 5))))
        known.append(name)
    return givens, tuple(steps)


def worked_values(plan: Any, planted: tuple[int, str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan's true values (Decimal, 60 digits) and printed values (text). Each result is printed correctly rounded
    from its true value, unless ``planted`` = (step index, printed text) replaces one: then every later step that
    depends on it is printed rounded from the page's own numbers (a carried error), the others as before.

    Raises ValueError when a true value is too close to a rounding tie (or undefined) to print."""
    import decimal

    givens, steps = plan
    context = _decimal_context()
    true: dict[str, Any] = {}
    printed: dict[str, str] = {}
    tainted: set[str] = set()
    with decimal.localcontext(context):
        for name, text in givens:
            true[name] = decimal.Decimal(text)
            printed[name] = text
        for index, (name, operation, operands, places) in enumerate(steps):
            function = WORKED_STEPS[operation][2]
            try:
                value = function(*(true[o] for o in operands))
                own = function(*(decimal.Decimal(printed[o]) for o in operands))
            except (decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow) as error:
                raise ValueError(f"{name} is undefined") from error
            true[name] = value
            if planted is not None and index == planted[0]:
                printed[name] = planted[1]
                tainted.add(name)
                continue
            source = own if tainted & set(operands) else value
            if tainted & set(operands):
                tainted.add(name)
            unit = decimal.Decimal(1).scaleb(-places)
            scaled = source / unit
            if abs(scaled - scaled.to_integral_value(decimal.ROUND_FLOOR) - decimal.Decimal("0.5")) < decimal.Decimal(1).scaleb(-_TIE_MARGIN) \
                    or abs(value) > 10**6:
                raise ValueError(f"{name} is too close to a rounding tie")
            rounded = source.quantize(unit, rounding=decimal.ROUND_HALF_EVEN)
            printed[name] = "0." + "0" * places if rounded.is_zero() else f"{rounded:f}"
    return true, printed


def worked_page(plan: Any, printed: dict[str, str], wrap: Sequence[str] = (), terms: Sequence[str] = ()) -> str:
    """The Markdown of a worked page: a display per given and per step (name = formula = substituted numbers = result).

    A substituted number is parenthesized when negative or when its name is in ``wrap``. An affine step named in
    ``terms`` also prints its product worked out before the result (``p \\cdot q + r = 0.5 \\cdot 0.8 + 0.25 = 0.40 +
    0.25 = …``): the product of the two numbers its line substitutes, rounded half-even to the step's decimals."""
    import decimal

    givens, steps = plan
    lines = ["# A worked example", ""]
    for name, _ in givens:
        lines += [f"$${name} = {printed[name]}$$", ""]
    for name, operation, operands, places in steps:
        template = WORKED_STEPS[operation][1]
        numbers = [f"({printed[o]})" if printed[o].startswith("-") or o in wrap else printed[o] for o in operands]
        worked = ""
        if operation == "affine" and name in terms:
            with decimal.localcontext(_decimal_context()):
                product = decimal.Decimal(printed[operands[0]]) * decimal.Decimal(printed[operands[1]])
                term = product.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN)
            worked = f" = {'0.' + '0' * places if term.is_zero() else f'{term:f}'} + {numbers[2]}"
        lines += [f"$${name} = {template.format(*operands)} = {template.format(*numbers)}{worked} = {printed[name]}$$",
                  ""]
    return "\n".join(lines)
