"""The general form's core (nncheck/network/graph.py): values and reverse-mode gradients of named definitions.

Expected gradients come from outside the code under test: by hand (the circuit), from SymPy's own
differentiation of the forward expression (random formulas), and from the network's hand-written
backward pass (the step table's dL/dW rows), each compared exactly on the SymPy backend.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.expr.latex import parse_display
from nncheck.expr.nodes import Node
from nncheck.network import ball, exact, step_table
from nncheck.network.graph import Definition, Graph, gradient, values
from nncheck.network.steps import given_values
from nncheck.records import Network


def same(a: object, b: object) -> bool:
    """SymPy proves a = b (expansion, then simplification through exponentials)."""
    difference = sympy.expand(a - b)  # type: ignore[operator]
    return bool(difference == 0 or sympy.simplify(difference) == 0 or sympy.simplify(difference.rewrite(sympy.exp)) == 0)


def formula(latex: str) -> Node:
    [chain] = parse_display(latex)
    return chain.sides[0]


def number(value: str) -> np.ndarray:
    return np.array(Fraction(value), dtype=object)


def test_the_circuit_f_equals_x_plus_y_times_z_has_a_gradient_on_every_wire() -> None:
    # x = −2, y = 5, z = −4: q = x + y = 3, f = q z = −12; ∂f/∂x = ∂f/∂y = z = −4, ∂f/∂z = q = 3 (by hand).
    graph = Graph({"x": number("-2"), "y": number("5"), "z": number("-4")},
                  (Definition("q", formula("x + y")), Definition("f", formula("q z"))))
    assert values(graph, ball)["f"][()].exact == -12
    grad = gradient(graph, ball, "f")
    assert [grad[name][()].exact for name in ("x", "y", "z", "q")] == [-4, -4, 3, -4]


def test_a_name_used_twice_gets_the_sum_of_both_uses() -> None:
    # f = w x + w, with w = 3, x = 2: ∂f/∂w = x + 1 = 3 (a shared weight), ∂f/∂x = w = 3 (by hand).
    graph = Graph({"w": number("3"), "x": number("2")}, (Definition("f", formula("w x + w")),))
    grad = gradient(graph, ball, "f")
    assert (grad["w"][()].exact, grad["x"][()].exact) == (3, 3)


# Formulas of two scalars x and y, as pages write them; SymPy differentiates their forward expression.
FORMULAS = st.sampled_from([
    r"x y + 2 x", r"\frac{x}{y}", r"x^3 - y^2", r"e^{x y}", r"\sigma(x) y", r"\tanh(x - y)", r"\log(x^2 + 1) y",
    r"\sqrt{x^2 + y^2}", r"(x + 1)(y - 2) / (x^2 + 3)", r"-x \cdot \exp(-y)", r"\frac{1}{1 + e^{-x}}",
    r"\sum [x, y, x y]", r"\operatorname{mean}([x, 2 y])", r"\operatorname{dot}([x, y], [y, 2])",
    r"\operatorname{norm}([x, y, 1])", r"[x, y]^T [2, x]", r"x^{y}",
])


@settings(max_examples=30)
@given(FORMULAS, FORMULAS)
def test_reverse_mode_agrees_with_sympy_differentiation(first: str, second: str) -> None:
    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    graph = Graph({"x": np.array(x, dtype=object), "y": np.array(y, dtype=object)},
                  (Definition("u", formula(first)), Definition("f", formula(rf"u \cdot ({second}) + u"))))
    f = values(graph, exact)["f"].reshape(-1)[0]
    grad = gradient(graph, exact, "f")
    assert same(sympy.diff(f, x), grad["x"][()]) and same(sympy.diff(f, y), grad["y"][()])


def forward_graph(network: Network, backend: object) -> Graph:
    """The network's forward pass and loss as definitions: the step table's formulas for z, a and L."""
    table = step_table(network)
    givens = dict(given_values(network, backend))  # type: ignore[arg-type]
    definitions = []
    for name, step in table.items():
        if name.startswith(("z", "a")) or name == "L":
            for constant, value in step.constants.items():
                givens[constant] = np.array(backend.constant(value), dtype=object)  # type: ignore[attr-defined]
            definitions.append(Definition(name, step.formula))
    return Graph(givens, tuple(definitions))


@settings(max_examples=20)
@given(nst.networks(max_depth=2, max_width=3))
def test_reverse_mode_of_the_forward_pass_is_the_hand_written_backward_pass(network: Network) -> None:
    # The step table's dL/dW and dL/db rows are written by hand (nncheck/network/steps.py); reverse mode
    # differentiates the forward formulas. On the SymPy backend the two must be equal exactly.
    from nncheck.network import evaluate

    graph = forward_graph(network, exact)
    grad = gradient(graph, exact, "L")
    backward = evaluate(network, exact)
    for l in range(1, len(network.layers) + 1):
        for quantity, name in ((f"dL/dW{l}", f"W{l}"), (f"dL/db{l}", f"b{l}")):
            for hand, reverse in zip(backward[quantity].reshape(-1), grad[name].reshape(-1)):
                assert same(hand, reverse), (quantity, hand, reverse)
