"""A spec's ``model:`` section: a computation in the general form (docs/spec.md#the-general-form).

``givens`` maps names to numbers, lists or matrices, exact as written; ``definitions`` maps names to
formulas in the expression language over the givens and earlier definitions (with the functions of
:func:`nncheck.expr.plain.model_functions`); ``gradients`` lists scalar quantities whose gradient
∂f/∂name the document states for any given or definition. Claims then name any of these quantities,
``∂f/∂x`` (or ``df/dx``) for a gradient. Every problem is reported with its location; the model is
evaluated once at load, so that the shape of every quantity is known before claims are read.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from nncheck.errors import Location, Problem
from nncheck.expr import ExprSyntaxError, parse_expression
from nncheck.expr.plain import model_functions
from nncheck.readers.spec.nodes import Elements, Reader
from nncheck.expr.nodes import Call, Symbol, walk
from nncheck.records import Definition, Graph, Loop

# A name of a model: letters, digits and underscores, starting with a letter (W1, h_2, y_hat).
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# A model's quantities may be at most this many (bounded work, as for networks).
MAX_NAMES = 2_000
# A gradient claimed as "df/dx" or "∂f/∂x", in a loop at a step: "dL/dw@2".
_GRADIENT = re.compile(r"(?:d|∂)(?P<of>[A-Za-z][A-Za-z0-9_]*)/(?:d|∂)(?P<by>[A-Za-z][A-Za-z0-9_]*)(?:@(?P<step>[0-9]+))?")


# A loop runs at most this many steps (bounded work: 10,000 steps of a small model audit in about 25 s).
MAX_STEPS = 10_000


def read_model(reader: Reader, node: Any) -> tuple[Graph, dict[str, Location], Loop | None] | None:
    """The model section as a Graph, its gradient targets (with where each is listed) and its loop, if any; None
    (problems recorded) when it is invalid."""
    keys = reader.mapping(node, "the model", ("givens", "definitions"), ("gradients", "updates", "steps"))
    if keys is None:
        return None
    names: dict[str, Any] = {}
    givens: dict[str, Any] = {}
    for name_node, value_node in _pairs(reader, keys.get("givens"), "givens"):
        name = _name(reader, name_node, names)
        elements = reader.numbers(value_node, f"given {name_node.value}")
        if name is not None:
            names[name] = name_node  # given, even when its value is refused: formulas that read it are not wrong too
        if name is None or elements is None:
            continue
        givens[name] = _array(elements)
    definitions: list[Definition] = []
    for name_node, formula_node in _pairs(reader, keys.get("definitions"), "definitions"):
        name = _name(reader, name_node, names)
        source = reader.string(formula_node, f"the formula of {name_node.value}")
        if name is None or source is None:
            continue
        try:
            formula = parse_expression(source, frozenset(names))
        except ExprSyntaxError as error:
            names[name] = name_node  # defined all the same: later formulas that read it are not wrong too
            where = reader.at(formula_node)
            offset = error.column if not formula_node.style else error.column + 1  # past an opening quote
            reader.problems.append(Problem(Location(where.path, where.line, where.column + offset - 1),
                                           f"formula of {name!r}, {source!r}: {error}"))
            continue
        definitions.append(Definition(name, formula, reader.at(formula_node)))
        names[name] = name_node
    gradients: dict[str, Location] = {}
    for item in reader.sequence(keys["gradients"], "gradients") or [] if "gradients" in keys else []:
        target = reader.string(item, "a gradient")
        if target is not None and target not in names:
            reader.problem(item, f"gradients: {target!r} is not a definition of the model")
        elif target is not None and target in givens:
            reader.problem(item, f"gradients: {target!r} is a given; a gradient is of a definition")
        elif target is not None:
            gradients[target] = reader.at(item)
    loop = _loop(reader, keys, names, givens, gradients)
    if len(names) > MAX_NAMES:
        reader.problem(node, f"the model has {len(names):,} quantities; at most {MAX_NAMES:,} are accepted")
    if not definitions and not reader.problems:
        reader.problem(node, "the model defines nothing: give it definitions (name: formula)")
    return Graph(givens, tuple(definitions)), gradients, loop


def _loop(reader: Reader, keys: dict[str, Any], names: dict[str, Any], givens: dict[str, Any],
          gradients: dict[str, Location]) -> Loop | None:
    """updates (given: formula, which may read grad(f, x)) and steps, or None when the model has no loop."""
    if "updates" not in keys and "steps" not in keys:
        return None
    if "updates" not in keys or "steps" not in keys:
        reader.problem(keys.get("updates", keys.get("steps")), "a loop needs both updates: (given: formula) and steps: (how many)")
        return None
    steps = reader.integer(keys["steps"], "steps", minimum=1)
    if steps is not None and steps > MAX_STEPS:
        reader.problem(keys["steps"], f"steps={steps}: at most {MAX_STEPS:,} steps are run")
    updates: list[Definition] = []
    for name_node, formula_node in _pairs(reader, keys["updates"], "updates"):
        name = str(name_node.value)
        source = reader.string(formula_node, f"the update of {name}")
        if name not in givens:
            reader.problem(name_node, f"updates: {name!r} is not a given; a loop updates givens (the weights)")
            continue
        if source is None:
            continue
        try:
            formula = parse_expression(source, frozenset(names))
        except ExprSyntaxError as error:
            where = reader.at(formula_node)
            offset = error.column if not formula_node.style else error.column + 1
            reader.problems.append(Problem(Location(where.path, where.line, where.column + offset - 1),
                                           f"update of {name!r}, {source!r}: {error}"))
            continue
        for call in walk(formula):
            if isinstance(call, Call) and call.function == "grad":
                of, by = call.arguments
                if not (isinstance(of, Symbol) and of.name in gradients and isinstance(by, Symbol)):
                    reader.problem(formula_node, f"update of {name!r}: grad(f, x) needs f listed under gradients and x a name")
        updates.append(Definition(name, formula, reader.at(formula_node)))
    return Loop(tuple(updates), steps) if steps is not None and updates else None


def _pairs(reader: Reader, node: Any, what: str) -> list[tuple[Any, Any]]:
    if node is None:
        return []
    keys = reader.mapping(node, what, (), open_keys=True)
    if keys is None:
        return []
    return [(key, value) for key, value in node.value if keys.get(str(key.value)) is value]


def _name(reader: Reader, node: Any, taken: dict[str, Any]) -> str | None:
    name = str(node.value)
    if NAME.fullmatch(name) is None:
        reader.problem(node, f"name {name!r}: a model's names are letters, digits and underscores, starting with a letter")
        return None
    if name in model_functions() or name in ("e", "pi"):
        reader.problem(node, f"name {name!r} is a function or constant of the expression language; choose another")
        return None
    if name in taken:
        reader.problem(node, f"name {name!r} is already given or defined at {reader.at(taken[name])}")
        return None
    return name


def _array(elements: Elements) -> Any:
    array = np.empty(elements.shape, dtype=object)
    for index, printed, _ in elements.items:
        array[index] = printed.value
    return array


def quantity_name(text: str, known: set[str]) -> str:
    """A claim's quantity: a name of the model, or a gradient ∂f/∂x (also written df/dx). ValueError if unknown."""
    from nncheck.network.graph import adjoint_name

    text = text.strip()
    match = _GRADIENT.fullmatch(text.replace(" ", ""))
    if match is not None:
        step = f"@{match['step']}" if match["step"] else ""
        for name in (adjoint_name(match["of"] + step, match["by"] + step), adjoint_name(match["of"] + step, match["by"])):
            if name in known:
                return name
        raise ValueError(f"quantity {text!r}: the model states no gradient of {match['of']!r} with respect to "
                         f"{match['by']!r} (list {match['of']!r} under gradients)")
    if text in known:
        return text
    shown = sorted(n for n in known if "∂" not in n)
    listed = ", ".join(shown[:20]) + (", …" if len(shown) > 20 else "")
    raise ValueError(f"quantity {text!r} is not a name of the model; its names: {listed}")
