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
from dataclasses import dataclass
from fractions import Fraction
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
    keys = reader.mapping(node, "the model", ("givens", "definitions"), ("gradients", "updates", "steps", "optimizer"))
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
    if "optimizer" in keys:
        _optimizer(reader, keys, names, givens, gradients)
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
    if "optimizer" in keys and "updates" not in keys:
        return None  # the optimizer could not be read: its problem is reported
    if isinstance(keys.get("updates"), _Written) and "steps" not in keys:
        reader.problems.append(Problem(keys["updates"].location, "an optimizer needs steps: (how many)"))
        return None
    if "updates" not in keys or "steps" not in keys:
        reader.problem(keys.get("updates", keys.get("steps")), "a loop needs both updates: (given: formula) and steps: (how many)")
        return None
    steps = reader.integer(keys["steps"], "steps", minimum=1)
    if steps is not None and steps > MAX_STEPS:
        reader.problem(keys["steps"], f"steps={steps}: at most {MAX_STEPS:,} steps are run")
    updates: list[Definition] = []
    if isinstance(keys["updates"], _Written):  # a named optimizer's rules: well formed by construction
        for updated, rule in keys["updates"].pairs:
            updates.append(Definition(updated, parse_expression(rule, frozenset(names)), keys["updates"].location))
        return Loop(tuple(updates), steps) if steps is not None and updates else None
    for name_node, formula_node in _pairs(reader, keys["updates"], "updates"):
        name = str(name_node.value)
        source = reader.string(formula_node, f"the update of {name}")
        if name not in givens:
            reader.problem(name_node, f"updates: {name!r} is not a given; a loop updates givens (the weights)"
                                      + _comma_hint(name))
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
                if not isinstance(of, Symbol):
                    reader.problem(formula_node, f"update of {name!r}: grad(f, x) takes the name of a definition as f, "
                                                 "not a formula")
                elif of.name not in gradients:
                    listed = ", ".join(gradients) or "none"
                    reader.problem(formula_node, f"update of {name!r}: grad({of.name}, …) needs {of.name!r} listed under "
                                                 f"gradients (listed: {listed})")
                elif not isinstance(by, Symbol):
                    reader.problem(formula_node, f"update of {name!r}: grad(f, x) takes a name as x, not a formula")
        updates.append(Definition(name, formula, reader.at(formula_node)))
    return Loop(tuple(updates), steps) if steps is not None and updates else None


# Each named optimizer: its settings with PyTorch's defaults (None: required), and its state per parameter.
# The update rules are torch.optim's (SGD with momentum and dampening 0, Nesterov, RMSprop, Adam, AdamW).
OPTIMIZERS: dict[str, dict[str, str | None]] = {
    "sgd": {"lr": None, "weight_decay": "0"},
    "momentum": {"lr": None, "momentum": "0.9", "weight_decay": "0"},
    "nesterov": {"lr": None, "momentum": "0.9", "weight_decay": "0"},
    "rmsprop": {"lr": None, "alpha": "0.99", "eps": "1e-8", "weight_decay": "0"},
    "adam": {"lr": None, "beta1": "0.9", "beta2": "0.999", "eps": "1e-8", "weight_decay": "0"},
    "adamw": {"lr": None, "beta1": "0.9", "beta2": "0.999", "eps": "1e-8", "weight_decay": "0.01"},
}


def optimizer_updates(name: str, parameter: str, loss: str, settings: dict[str, str]) -> list[tuple[str, str]]:
    """The update rules of a named optimizer for one parameter, as (updated name, formula) in order.

    g is grad(loss, parameter) (plus weight_decay · parameter, the L2 term, except for AdamW, whose decay is
    decoupled: the parameter shrinks by lr · weight_decay · parameter first). State: the momentum buffer
    ``{parameter}_buf``, the moments ``{parameter}_m`` and ``{parameter}_v``, Adam's step count ``{parameter}_t``.
    """
    lr, decay = settings["lr"], settings["weight_decay"]
    g = f"grad({loss}, {parameter})"
    if name != "adamw" and decay != "0":
        g = f"({g} + {decay} * {parameter})"
    buf, m, v, t = (f"{parameter}_{state}" for state in ("buf", "m", "v", "t"))
    if name == "sgd":
        return [(parameter, f"{parameter} - {lr} * {g}")]
    if name in ("momentum", "nesterov"):
        mu = settings["momentum"]
        step = buf if name == "momentum" else f"({g} + {mu} * {buf})"
        return [(buf, f"{mu} * {buf} + {g}"), (parameter, f"{parameter} - {lr} * {step}")]
    if name == "rmsprop":
        alpha, eps = settings["alpha"], settings["eps"]
        return [(v, f"{alpha} * {v} + (1 - {alpha}) * {g} ⊙ {g}"), (parameter, f"{parameter} - {lr} * {g} / (sqrt({v}) + {eps})")]
    beta1, beta2, eps = settings["beta1"], settings["beta2"], settings["eps"]
    shrunk = f"{parameter} - {lr} * {decay} * {parameter}" if name == "adamw" else parameter  # p (1 − lr λ), then the step
    return [(t, f"{t} + 1"), (m, f"{beta1} * {m} + (1 - {beta1}) * {g}"), (v, f"{beta2} * {v} + (1 - {beta2}) * {g} ⊙ {g}"),
            (parameter, f"{shrunk} - {lr} * ({m} / (1 - {beta1} ^ {t})) / (sqrt({v} / (1 - {beta2} ^ {t})) + {eps})")]


def _optimizer(reader: Reader, keys: dict[str, Any], names: dict[str, Any], givens: dict[str, Any],
               gradients: dict[str, Location]) -> None:
    """``optimizer: {name: adam, lr: 0.1, loss: L, parameters: [w, b]}`` written out as the model's updates (and the
    optimizer's state as givens starting at 0), exactly as if the spec had written them (docs/spec.md)."""
    node = keys["optimizer"]
    fields = reader.mapping(node, "optimizer", ("name", "loss", "parameters"),
                            ("lr", "momentum", "alpha", "beta1", "beta2", "eps", "weight_decay"))
    if fields is None or "updates" in keys or not {"name", "loss", "parameters"} <= fields.keys():
        if "updates" in keys:
            reader.problem(node, "give either updates: (written out) or optimizer: (named), not both")
        return  # a missing key is reported by the mapping
    name = reader.choice(fields["name"], "optimizer name", OPTIMIZERS)
    loss = reader.string(fields["loss"], "the optimizer's loss")
    parameters = [reader.string(item, "a parameter") for item in reader.sequence(fields["parameters"], "parameters") or []]
    if name is None or loss is None or None in parameters:
        return
    if loss not in gradients:
        reader.problem(fields["loss"], f"the optimizer's loss {loss!r} must be listed under gradients")
        return
    settings: dict[str, str] = {}
    for setting, default in OPTIMIZERS[name].items():
        if setting in fields:
            elements = reader.numbers(fields[setting], f"optimizer {setting}")
            if elements is None:
                return
            if elements.shape != ():
                reader.problem(fields[setting], f"optimizer {setting} must be a number")
                return
            settings[setting] = f"({elements.items[0][1].text})"  # as printed: 0.05 reads as 0.05, exactly
        elif default is None:
            reader.problem(node, f"optimizer {name} needs {setting}")
            return
        else:
            settings[setting] = default
    for extra in set(fields) - set(OPTIMIZERS[name]) - {"name", "loss", "parameters"}:
        reader.problem(fields[extra], f"optimizer {name} takes no {extra}; it takes: {', '.join(OPTIMIZERS[name])}")
    repeated = sorted({p for p in parameters if parameters.count(p) > 1 and p is not None})
    if repeated:
        reader.problem(fields["parameters"], f"parameters: {', '.join(map(repr, repeated))} listed twice")
        return
    updates = []
    for parameter in parameters:
        assert parameter is not None
        if parameter not in givens:
            reader.problem(fields["parameters"], f"parameter {parameter!r} is not a given of the model")
            return
        for updated, formula in optimizer_updates(name, parameter, loss, settings):
            if updated not in givens:
                if updated in names:
                    reader.problem(node, f"the optimizer keeps its state in {updated!r}, which the model already names")
                    return
                givens[updated] = np.zeros(givens[parameter].shape, dtype=object) if updated != f"{parameter}_t" \
                    else np.array(Fraction(0), dtype=object)
                givens[updated][...] = Fraction(0)
                names[updated] = node
            updates.append((updated, formula))
    keys["updates"] = _Written(updates, reader.at(node))


@dataclass(frozen=True)
class _Written:
    """Updates a named optimizer wrote: (name, formula) pairs and where the optimizer is."""

    pairs: list[tuple[str, str]]
    location: Location


def _comma_hint(name: str) -> str:
    """A hint for a name that is the tail of a formula split by YAML at a comma ({W: W - grad(L, W)})."""
    if ")" in name or "(" in name:
        return "; in a flow mapping ({…}) a comma inside a formula ends the entry: quote the formula"
    return ""


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
        reader.problem(node, f"name {name!r}: a model's names are letters, digits and underscores, starting with a letter"
                             + _comma_hint(name))
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


def _why_no_gradient(of: str, by: str, step: str | None, known: set[str]) -> str:
    """Why ∂of/∂by (at a step) is not a quantity: the condition that fails, most specific first."""
    from nncheck.network.graph import adjoint_name

    at = f"@{step}" if step else ""

    def named(name: str) -> bool:  # a name of the model, at some step of a loop or none
        return name in known or any(other.startswith(f"{name}@") for other in known)

    if not named(of):
        return f"{of!r} is not a name of the model"
    if not named(by):
        return f"{by!r} is not a name of the model"
    if not any(name.startswith(adjoint_name(of + at, "")) for name in known):
        last = 0  # the last step whose gradient of `of` reverse mode wrote (∂of@t/∂of@t is the first of each step)
        while adjoint_name(f"{of}@{last + 1}", f"{of}@{last + 1}") in known:
            last += 1
        if step and last:
            return f"the loop's gradients of {of!r} are taken at steps 1 to {last} ({of}@{last + 1} is its value after the last update)"
        return f"the model states no gradient of {of!r} (list {of!r} under gradients)"
    return (f"{of}{at} does not depend on {by}{at}, or reverse mode does not carry its gradient there (a loss's target "
            "that is a given has none)")


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
        raise ValueError(f"quantity {text!r}: {_why_no_gradient(match['of'], match['by'], match['step'], known)}")
    if text in known:
        return text
    shown = sorted(n for n in known if "∂" not in n)
    listed = ", ".join(shown[:20]) + (", …" if len(shown) > 20 else "")
    raise ValueError(f"quantity {text!r} is not a name of the model; its names: {listed}")
