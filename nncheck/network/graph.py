"""A computation as named definitions over givens: its values, and the gradient of any scalar by reverse mode.

The general form of a worked example (a circuit ``f = (x + y) z``, a neuron without a loss, a loss
summed per output): ``givens`` are named arrays, exact as written; ``definitions`` are ``name =
formula`` in nncheck's expression language, in an order where every name is defined before it is
read. A name read in several places is one quantity, so its gradient is the sum over its uses (tied
or shared weights). Values come from the one evaluator (:class:`nncheck.expr.evaluate.Evaluator`)
on any backend; gradients from reverse-mode differentiation of the same trees, with the
derivatives of activations and losses taken from the rule table (:mod:`nncheck.network.rules`), so
the kink conventions (ReLU′(0) = 0, leaky ReLU's slope at 0) are the table's.

Shapes follow the evaluator: a number, a list (n,), a matrix (rows, columns). Tensor operations and layers
(convolution, pooling, normalisation, attention) take their vector–Jacobian products from
:mod:`nncheck.expr.operations`. Raises NotDifferentiable for an operation whose derivative is not taken (argmax),
naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from nncheck.errors import NncheckError
from nncheck.expr.evaluate import Evaluator, wrap
from nncheck.expr.nodes import walk
from nncheck.expr.operations import OPERATIONS, backward_name
from nncheck.expr.nodes import (
    DIVIDE, HADAMARD, Call, Constant, Matrix, Negate, Node, Number, Power, Product, Quotient, Sum, Symbol, Transpose,
    Vector,
)
from nncheck.network.backend import Array
from nncheck.network.rules import ACTIVATIONS, LOSSES
from nncheck.network.steps import Step
from nncheck.records import Definition, Graph, Loop


class NotDifferentiable(NncheckError, ValueError):
    """A definition uses an operation whose derivative nncheck does not take (the message names it)."""


class DefinitionError(NncheckError, ValueError):
    """A definition whose value cannot be computed (log of 0, shapes that do not fit): which one, and why."""

    def __init__(self, definition: Definition, reason: str) -> None:
        super().__init__(f"{definition.name}: {reason}")
        self.definition = definition
        self.reason = reason


class _Taped(Evaluator):
    """The evaluator, keeping every node's value for the backward pass."""

    def __init__(self, backend: Any, names: Mapping[str, Array]) -> None:
        super().__init__(backend=backend, names=names)
        self.tape: dict[int, Array] = {}

    def value(self, node: Node) -> Array:
        result = super().value(node)
        self.tape[id(node)] = result
        return result


@dataclass
class _Pass:
    """One forward pass: every name's value, and each definition's evaluator (with its tape)."""

    backend: Any
    values: dict[str, Array]
    evaluators: dict[str, _Taped] = field(default_factory=dict)


def _givens(graph: Graph, backend: Any) -> dict[str, Array]:
    def convert(value: Any) -> Any:
        return backend.constant(value) if isinstance(value, (Fraction, int)) else value

    return {name: wrap(np.frompyfunc(convert, 1, 1)(np.asarray(array, dtype=object)), backend.DTYPE)
            for name, array in graph.givens.items()}


def _forward(graph: Graph, backend: Any) -> _Pass:
    state = _Pass(backend, _givens(graph, backend))
    for definition in graph.definitions:
        evaluator = _Taped(backend, state.values)
        try:
            state.values[definition.name] = evaluator.value(definition.formula)
        except (ArithmeticError, ValueError) as error:
            if isinstance(error, NncheckError) and not isinstance(error, ValueError):
                raise  # Undecided: the caller raises the precision
            raise DefinitionError(definition, str(error)) from None
        state.evaluators[definition.name] = evaluator
    return state


def values(graph: Graph, backend: Any) -> dict[str, Array]:
    """Every given and defined quantity, by name."""
    return _forward(graph, backend).values


def gradient(graph: Graph, backend: Any, of: str) -> dict[str, Array]:
    """∂``of``/∂name for every given and definition (zero arrays for those ``of`` does not depend on).

    ``of`` must name a scalar quantity. The adjoints are the definitions :func:`adjoints` writes,
    evaluated after the graph's own, each brought to the shape of the quantity it differentiates by.
    """
    state = _forward(graph, backend)
    derivatives = adjoints(graph, of, state)
    extended = Graph(graph.givens, graph.definitions + derivatives)
    computed = values(extended, backend)
    zero = backend.constant(Fraction(0))
    result: dict[str, Array] = {}
    for name, value in state.values.items():
        key = adjoint_name(of, name)
        if key not in computed:
            result[name] = np.full(value.shape, zero, dtype=backend.DTYPE)
            continue
        found = computed[key]
        result[name] = found.reshape(value.shape) if found.size == value.size else \
            wrap(np.broadcast_to(found, value.shape).copy(), backend.DTYPE)
    return result


def adjoint_name(of: str, name: str) -> str:
    """The name of ∂of/∂name, e.g. "∂f/∂x"."""
    return f"∂{of}/∂{name}"


def adjoints(graph: Graph, of: str, state: _Pass | None = None) -> tuple[Definition, ...]:
    """The definitions of ∂``of``/∂name for every given and definition ``of`` depends on, by reverse mode.

    Each is a formula over the graph's names and the adjoints before it (∂f/∂q = z, then ∂f/∂x = ∂f/∂q):
    the chain rule written out as definitions, which the evaluator computes on any backend and a
    document's numbers can be put into, as into the network's hand-written backward pass. A name read
    in several places gets the sum of its uses' contributions.
    """
    state = state or _forward(graph, _default_backend())
    if state.values[of].size != 1:
        raise ValueError(f"the gradient of {of} needs a number; {of} has shape {state.values[of].shape}")
    contributions: dict[str, list[Node]] = {of: [_number("1")]}
    written: list[Definition] = []
    for definition in reversed(graph.definitions):
        parts = contributions.pop(definition.name, None)
        if not parts:
            continue
        written.append(Definition(adjoint_name(of, definition.name), _total_of(parts)))
        # A derivative that needs the definition's own value (σ′ = a(1 − a), exp′ = exp) reads it by name, so that
        # the value a document printed for it can be put in (then what follows from a rounded a is carried).
        _Adjoint(state.evaluators[definition.name], contributions, state.values,
                 {id(definition.formula): _name(definition.name)}, frozenset(graph.givens)).back(
            definition.formula, _name(adjoint_name(of, definition.name)))
    for name in graph.givens:
        parts = contributions.pop(name, None)
        if parts:
            written.append(Definition(adjoint_name(of, name), _total_of(parts)))
    return tuple(written)


def _default_backend() -> Any:
    """The backend that finds shapes for reverse mode (values do not matter there): float64, which never asks for
    more precision (a long loop's balls may, before the audit raises it)."""
    from nncheck.network import floating

    return floating


def _name(name: str) -> Symbol:
    return Symbol(name, 0, 0)


def _number(text: str) -> Number:
    from nncheck.expr.printer import num

    return num(text)


def _total_of(parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else Sum(tuple(("+", part) for part in parts), 0, 0)


def _times(left: Node, right: Node) -> Node:
    return Product((("×", left), ("×", right)), 0, 0)


def _entrywise(left: Node, right: Node) -> Node:
    return Product((("×", left), (HADAMARD, right)), 0, 0)


def _call(function: str, *arguments: Node) -> Node:
    return Call(function, tuple(arguments), 0, 0)


def _minus_one(exponent: Node) -> Node:
    return Sum((("+", exponent), ("-", _number("1"))), 0, 0)


def _reciprocal(node: Node) -> Node:
    return Power(node, _number("-1"), 0, 0)


@dataclass
class _Adjoint:
    """The chain rule through one definition's formula: each name it reads gets a contribution (a formula)."""

    evaluator: _Taped
    contributions: dict[str, list[Node]]
    names: Mapping[str, Array]
    results: Mapping[int, Node] = field(default_factory=dict)  # a subtree whose value is a definition's: its name
    givens: frozenset[str] = frozenset()  # the graph's givens (the other names are its definitions)

    def result(self, node: Node) -> Node:
        """``node``'s value as a formula: the definition's name when ``node`` is the whole of its formula."""
        return self.results.get(id(node), node)

    def shape(self, node: Node) -> tuple[int, ...]:
        return tuple(self.evaluator.tape[id(node)].shape)

    def fit(self, adjoint: Node, shape_of_adjoint: tuple[int, ...], shape: tuple[int, ...]) -> Node:
        """A contribution brought to an operand's shape: summed over what a number spread over (x + 1 with a list x),
        or over the rows or columns a list, row or column was added to (a bias over a batch's samples)."""
        if int(np.prod(shape)) == 1 and int(np.prod(shape_of_adjoint)) > 1:
            return _call("sum", adjoint)
        if len(shape_of_adjoint) != 2 or shape == shape_of_adjoint or int(np.prod(shape)) == int(np.prod(shape_of_adjoint)):
            return adjoint
        rows, columns = shape_of_adjoint
        if shape in ((columns,), (1, columns)) and rows > 1:  # spread over the rows: summed down each column
            summed = _call("sum_over", adjoint, _number("0"))
            return summed if len(shape) == 1 else _call("reshape", summed, _number("1"), _number(str(columns)))
        if shape in ((rows,), (rows, 1)) and columns > 1 and shape != (columns,):  # over the columns: summed along each row
            summed = _call("sum_over", adjoint, _number("1"))
            return summed if len(shape) == 1 else _call("reshape", summed, _number(str(rows)), _number("1"))
        return adjoint

    def back(self, node: Node, adjoint: Node) -> None:
        shape = self.shape(node) if id(node) in self.evaluator.tape else ()
        if isinstance(node, Number):
            return
        if isinstance(node, (Symbol, Constant)):
            if node.name in self.names:
                self.contributions.setdefault(node.name, []).append(
                    self.fit(adjoint, shape, tuple(self.names[node.name].shape)))
            return  # e and π (when not names) are constants
        if isinstance(node, Negate):
            self.back(node.operand, Negate(adjoint, 0, 0))
        elif isinstance(node, Sum):
            for sign, term in node.terms:
                part = adjoint if sign == "+" else Negate(adjoint, 0, 0)
                self.back(term, self.fit(part, shape, self.shape(term)))
        elif isinstance(node, Product):
            self.product(node, adjoint)
        elif isinstance(node, Quotient):
            self.divided(node.numerator, node.denominator, adjoint, self.shape(node))
        elif isinstance(node, Power):
            self.power(node, adjoint)
        elif isinstance(node, Transpose):
            self.back(node.operand, Transpose(adjoint, 0, 0))
        elif isinstance(node, Call):
            self.call(node, adjoint)
        elif isinstance(node, (Vector, Matrix)):  # a list or matrix written out: each entry gets its entry of adj
            cells = node.items if isinstance(node, Vector) else tuple(cell for row in node.rows for cell in row)
            for position, cell in enumerate(cells):
                self.back(cell, _call("entry", adjoint, _number(str(position))))
        else:
            raise NotDifferentiable(f"the derivative through {type(node).__name__} is not taken")

    def product(self, node: Product, adjoint: Node) -> None:
        """((f0 op f1) op f2) …: unwound from the last factor, the partial products written as products."""
        factors = node.factors
        for k in range(len(factors) - 1, 0, -1):
            operator, factor = factors[k]
            left = factors[0][1] if k == 1 else Product(factors[:k], 0, 0)
            left_shape = self.shape(factors[0][1]) if k == 1 else self.partial_shape(factors[:k])
            right_shape = self.shape(factor)
            out_shape = self.partial_shape(factors[:k + 1])
            if operator == DIVIDE:
                self.divided(left, factor, adjoint, out_shape, left_shape=left_shape)
                return
            if operator == HADAMARD or int(np.prod(left_shape)) == 1 or int(np.prod(right_shape)) == 1:
                # a number times anything, or entry by entry: the adjoint (the product's shape) entry by entry with the
                # other factor, summed back to a number's shape where the factor was a number
                self.back(factor, self.fit(_entrywise(adjoint, left), out_shape, right_shape))
                adjoint = self.fit(_entrywise(adjoint, factor), out_shape, left_shape)
            else:
                left_adjoint, right_adjoint = _matrix_product(left, factor, adjoint, left_shape, right_shape)
                self.back(factor, right_adjoint)
                adjoint = left_adjoint
            if k == 1:
                self.back(factors[0][1], adjoint)
                return
        self.back(factors[0][1], adjoint)

    def partial_shape(self, factors: tuple[tuple[str, Node], ...]) -> tuple[int, ...]:
        evaluator = self.evaluator
        value = evaluator.tape[id(factors[0][1])]
        for operator, factor in factors[1:]:
            value = evaluator.combine(operator, value, evaluator.tape[id(factor)])
        return tuple(value.shape)

    def divided(self, top: Node, bottom: Node, adjoint: Node, out_shape: tuple[int, ...], *,
                left_shape: tuple[int, ...] | None = None) -> None:
        """top / bottom: ∂top = adj / bottom; ∂bottom = −adj · top / bottom², summed when bottom is a number."""
        top_shape = left_shape if left_shape is not None else self.shape(top)
        bottom_shape = self.shape(bottom)
        self.back(top, self.fit(_entrywise(adjoint, _reciprocal(bottom)), out_shape, top_shape))
        spread = _entrywise(_entrywise(adjoint, top), Power(bottom, _number("-2"), 0, 0))
        self.back(bottom, Negate(self.fit(spread, out_shape, bottom_shape), 0, 0))

    def power(self, node: Power, adjoint: Node) -> None:
        if id(node.base) not in self.evaluator.tape:  # e^{u} with Euler's e: ∂u = adj · e^{u}
            self.back(node.exponent, _entrywise(adjoint, self.result(node)))
            return
        slope = _times(node.exponent, Power(node.base, _minus_one(node.exponent), 0, 0))
        self.back(node.base, _entrywise(adjoint, slope))
        if _reads_names(node.exponent, self.names):  # b^u: ∂u = Σ adj · b^u · log b
            spread = _entrywise(adjoint, _entrywise(self.result(node), _call("log", node.base)))
            self.back(node.exponent, self.fit(spread, self.shape(node), self.shape(node.exponent)))

    def call(self, node: Call, adjoint: Node) -> None:
        name, argument = node.function, node.arguments[0]
        row = OPERATIONS.get(name)
        rows = name == "softmax" and len(self.shape(argument)) == 2  # softmax of each row of a matrix
        if row is not None or rows or name == "log_softmax" or name in ("var", "std") and len(node.arguments) == 1:
            # a tensor operation or layer (or softmax over rows, var, std): its vector–Jacobian product, evaluated
            # by the table's backward (softmax of a list keeps its Jacobian, below, which a page prints)
            for position in (row.differentiable if row is not None else (0,)):
                self.back(node.arguments[position], _call(backward_name(name, position), adjoint, *node.arguments))
            return
        if name in ("max", "min") and len(node.arguments) == 1:  # the largest entry: amax's rule
            self.back(argument, _call(backward_name("amax" if name == "max" else "amin", 0), adjoint, argument))
        elif name in ("max", "min"):  # entry by entry: the larger operand gets the adjoint; a tie shares it
            for position, operand in enumerate(node.arguments[:2]):
                self.back(operand, _call(backward_name(name, position), adjoint, *node.arguments[:2]))
        elif name in ACTIVATIONS:
            rule = ACTIVATIONS[name]
            operand = self.result(node) if rule.derivative_of == "a" else argument
            derivative = _call(f"∂{name}", operand, *node.arguments[1:])
            if name in _FROM_OUTPUT:  # written out, as worked examples write it: σ′ = a(1 − a), tanh′ = 1 − a²
                derivative = _FROM_OUTPUT[name](operand)
            if rule.jacobian:  # softmax: Jᵀ adj
                self.back(argument, _call("matmul", Transpose(derivative, 0, 0), adjoint))
            else:
                self.back(argument, _entrywise(adjoint, derivative))
        elif name in LOSSES:
            target = node.arguments[1]
            self.back(argument, _times(adjoint, _call(f"∂{name}", argument, target)))
            if LOSSES[name].target_gradient is not None:
                self.back(target, _times(adjoint, _call(f"∂{name}/∂y", argument, target)))
            elif not (isinstance(target, Symbol) and target.name in self.givens) and _reads_names(target, self.names):
                raise NotDifferentiable(f"the gradient of {name} through its target (second argument) is not taken; "
                                        "write the loss out (its formula) for a target computed from the model")
        elif name == "exp":
            self.back(argument, _entrywise(adjoint, self.result(node)))
        elif name == "log" and len(node.arguments) == 1:
            self.back(argument, _entrywise(adjoint, _reciprocal(argument)))
        elif name == "sqrt":
            self.back(argument, _entrywise(adjoint, _reciprocal(_times(_number("2"), self.result(node)))))
        elif name in ("sum", "mean") and len(node.arguments) == 1:  # a number spread over every entry
            share = adjoint if name == "sum" else _times(adjoint, _reciprocal(_number(str(int(np.prod(self.shape(argument)))))))
            if not isinstance(argument, (Vector, Matrix)):
                share = _call("spread", share, argument)  # the number in the shape of the operand
            if isinstance(argument, (Vector, Matrix)):
                cells = argument.items if isinstance(argument, Vector) else tuple(c for row in argument.rows for c in row)
                for cell in cells:
                    self.back(cell, share)
            else:
                self.back(argument, share)
        elif name == "matmul":
            left_adjoint, right_adjoint = _matrix_product(argument, node.arguments[1], adjoint, self.shape(argument),
                                                          self.shape(node.arguments[1]))
            self.back(argument, left_adjoint)
            self.back(node.arguments[1], right_adjoint)
        elif name == "dot":  # ∂u = adj · v, ∂v = adj · u
            self.back(argument, _times(adjoint, node.arguments[1]))
            self.back(node.arguments[1], _times(adjoint, argument))
        elif name == "norm":  # ∂x = adj · x / ‖x‖
            self.back(argument, _times(_times(adjoint, _reciprocal(self.result(node))), argument))
        elif name == "outer":
            self.back(argument, _call("matmul", adjoint, node.arguments[1]))
            self.back(node.arguments[1], _call("matmul", Transpose(adjoint, 0, 0), argument))
        else:
            raise NotDifferentiable(f"the derivative of {name} is not taken")


def _one_minus(node: Node) -> Node:
    return Sum((("+", _number("1")), ("-", node)), 0, 0)


# The derivatives of activations written in terms of their output a, as formulas (the rule table's values, by hand).
_FROM_OUTPUT = {
    "sigmoid": lambda a: _entrywise(a, _one_minus(a)),
    "tanh": lambda a: _one_minus(_entrywise(a, a)),
}


def _matrix_product(left: Node, right: Node, adjoint: Node, left_shape: tuple[int, ...],
                    right_shape: tuple[int, ...]) -> tuple[Node, Node]:
    """For left @ right: ∂left = adj rightᵀ (outer(adj, right) for a vector right), ∂right = leftᵀ adj."""
    if len(left_shape) <= 1 and len(right_shape) <= 1:  # list × list, the dot product: ∂u = adj v, ∂v = adj u
        return _times(adjoint, right), _times(adjoint, left)
    if len(right_shape) <= 1:  # matrix × list (a number is a list of one): ∂W = adj ⊗ x, ∂x = Wᵀ adj
        return _call("outer", adjoint, right), _call("matmul", Transpose(left, 0, 0), adjoint)
    if len(left_shape) <= 1:  # list × matrix: ∂x = W adj, ∂W = x ⊗ adj
        return _call("matmul", right, adjoint), _call("outer", left, adjoint)
    return _call("matmul", adjoint, Transpose(right, 0, 0)), _call("matmul", Transpose(left, 0, 0), adjoint)


def _reads_names(node: Node, names: Mapping[str, Any]) -> bool:
    return any(isinstance(n, (Symbol, Constant)) and n.name in names for n in walk(node))


def model_table(model: Graph, gradients: Sequence[str] = (), loop: Loop | None = None,
                shapes: dict[str, tuple[int, ...]] | None = None) -> dict[str, Step]:
    """A model as a step table: every definition, then the adjoints of each of ``gradients`` (∂f/∂name), each a
    step whose operands are the names its formula reads. The claims judge treats it as the network's table.
    With a ``loop``, the definitions, adjoints and updates of every step, named per step (:func:`unrolled`), whose
    shapes go into ``shapes`` when given."""
    if loop is not None:
        definitions = unrolled(model, gradients, loop, shapes)
    else:
        state = _forward(model, _default_backend())
        definitions = list(model.definitions)
        for of in gradients:
            definitions += adjoints(model, of, state)
    known = set(model.givens) | {f"{name}@1" for name in model.givens} | {definition.name for definition in definitions}
    table: dict[str, Step] = {}
    for definition in definitions:
        reads = dict.fromkeys(n.name for n in walk(definition.formula) if isinstance(n, (Symbol, Constant)) and n.name in known)
        table[definition.name] = Step(definition.name, tuple(reads), definition.formula)
    return table


def spec_table(spec: Any) -> Mapping[str, Step]:
    """A ModelSpec's step table: the one its loader wrote, or written now (:func:`model_table`)."""
    if spec.steps is not None:
        return spec.steps  # type: ignore[no-any-return]
    return model_table(spec.model, spec.gradients, spec.loop)


def model_givens(model: Graph, backend: Any, loop: Loop | None = None) -> dict[str, Array]:
    """The model's givens as arrays of the backend's numbers; with a loop, the updated ones also as name@1."""
    givens = _givens(model, backend)
    if loop is not None:
        for update in loop.updates:
            givens[f"{update.name}@1"] = givens[update.name]
    return givens


def at_step(name: str, step: int) -> str:
    """A quantity's name at a step of a loop: w@2."""
    return f"{name}@{step}"


def unrolled(model: Graph, gradients: Sequence[str], loop: Loop, shapes: dict[str, tuple[int, ...]] | None = None
             ) -> list[Definition]:
    """The loop written out: for each step t, the definitions (named q@t, reading the updated givens as w@t),
    the adjoints ∂f@t/∂x@t of each gradient within the step, and the updates w@(t+1) (grad(f, x) reads ∂f@t/∂x@t),
    in order: an update reads the new value of an update before it, as a program does (momentum: v, then w).
    Then the definitions once more at t = steps + 1, from the final weights: the loss after training.

    Each step's adjoints are taken within that step (the updated givens are its inputs), so the work grows
    with the number of steps, not its square. Writing them out evaluates each in float64; ``shapes``, when given,
    receives every quantity's shape from that pass.
    """
    backend = _default_backend()
    updated = [update.name for update in loop.updates]
    values_now = model_givens(model, backend, loop)
    fixed = {name: value for name, value in values_now.items() if name in model.givens and name not in updated}
    written: list[Definition] = []
    for step in range(1, loop.steps + 1):
        rename = {name: at_step(name, step) for name in updated} | {d.name: at_step(d.name, step) for d in model.definitions}
        here = [Definition(rename[d.name], _renamed(d.formula, rename, step)) for d in model.definitions]
        inputs = fixed | {at_step(name, step): values_now[at_step(name, step)] for name in updated}
        sub = Graph(inputs, tuple(here))
        state = _forward(sub, backend)
        step_adjoints: list[Definition] = []
        for of in gradients:
            step_adjoints += adjoints(sub, at_step(of, step), state)
        updates = []
        current = dict(rename)
        for update in loop.updates:  # in order: a later update reads an earlier one's new value (v, then w = w − η v)
            updates.append(Definition(at_step(update.name, step + 1), _renamed(update.formula, current, step, rename)))
            current[update.name] = at_step(update.name, step + 1)
        evaluator_names = dict(state.values)
        for definition in step_adjoints + updates:
            evaluator_names[definition.name] = Evaluator(backend=backend, names=evaluator_names).value(definition.formula)
        for update in loop.updates:
            new, old = evaluator_names[at_step(update.name, step + 1)], values_now[at_step(update.name, step)]
            if new.shape != old.shape:
                raise DefinitionError(update, f"the update gives shape {new.shape}; {update.name} has shape {old.shape}")
            values_now[at_step(update.name, step + 1)] = new
        written += here + step_adjoints + updates
        if shapes is not None:
            shapes.update((name, tuple(value.shape)) for name, value in evaluator_names.items())
    # After the last update, the definitions once more (forward only): the loss after training, L@(steps + 1)
    last = loop.steps + 1
    rename = {name: at_step(name, last) for name in updated} | {d.name: at_step(d.name, last) for d in model.definitions}
    final = [Definition(rename[d.name], _renamed(d.formula, rename, last)) for d in model.definitions]
    if shapes is not None:
        inputs = fixed | {at_step(name, last): values_now[at_step(name, last)] for name in updated}
        shapes.update((name, tuple(value.shape)) for name, value in _forward(Graph(inputs, tuple(final)), backend).values.items())
        shapes.update((name, tuple(value.shape)) for name, value in values_now.items())
    return written + final


def _renamed(node: Node, rename: Mapping[str, str], step: int, at_start: Mapping[str, str] | None = None) -> Node:
    """``node`` with its names at ``step`` and grad(f, x) as the adjoint ∂f@step/∂x@step (x as the step read it,
    ``at_start``, even after an update above has given x a new value: AdamW's decay, then its step)."""
    at_start = rename if at_start is None else at_start
    if isinstance(node, Symbol):
        return Symbol(rename.get(node.name, node.name), node.start, node.end)
    if isinstance(node, Call) and node.function == "grad":
        of, by = node.arguments
        assert isinstance(of, Symbol) and isinstance(by, Symbol)  # the loader checks it
        return Symbol(adjoint_name(at_step(of.name, step), at_start.get(by.name, by.name)), node.start, node.end)
    if isinstance(node, (Number, Constant)):
        return node
    if isinstance(node, Negate):
        return Negate(_renamed(node.operand, rename, step, at_start), node.start, node.end)
    if isinstance(node, Sum):
        return Sum(tuple((sign, _renamed(term, rename, step, at_start)) for sign, term in node.terms), node.start, node.end)
    if isinstance(node, Product):
        return Product(tuple((op, _renamed(f, rename, step, at_start)) for op, f in node.factors), node.start, node.end)
    if isinstance(node, Quotient):
        return Quotient(_renamed(node.numerator, rename, step, at_start), _renamed(node.denominator, rename, step, at_start), node.start, node.end)
    if isinstance(node, Power):
        return Power(_renamed(node.base, rename, step, at_start), _renamed(node.exponent, rename, step, at_start), node.start, node.end)
    if isinstance(node, Transpose):
        return Transpose(_renamed(node.operand, rename, step, at_start), node.start, node.end)
    if isinstance(node, Call):
        return Call(node.function, tuple(_renamed(a, rename, step, at_start) for a in node.arguments), node.start, node.end)
    raise NotDifferentiable(f"{type(node).__name__} in a loop's formula")


__all__ = ["NotDifferentiable", "adjoint_name", "adjoints", "at_step", "gradient", "model_givens", "model_table", "spec_table", "unrolled",
           "values"]
