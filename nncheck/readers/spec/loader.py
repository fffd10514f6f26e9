"""Spec files -> Spec records. The whole file is validated before any arithmetic."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nncheck import quantities
from nncheck.errors import Location, Problem
from nncheck.expr import ExprSyntaxError, parse_expression
from nncheck.network.rules import ACTIVATIONS, LAYER_ACTIVATIONS, LAYER_LOSSES, LOSSES
from nncheck.printed import Printed
from nncheck.records import Claim, Conventions, Equation, Graph, Layer, Loop, ModelSpec, Network, Place, Spec, Stated, StatedArray
from nncheck.readers.spec.nodes import Elements, Reader
from nncheck.readers.spec.yamlsafe import compose, read_text

FORMAT_VERSION = 1
# Bounds on what one spec may ask the audit to compute; worked examples are far smaller (the blog
# has 9 parameters). 20,000 parameters admits a 64-64-64-1 network with room to spare.
MAX_PARAMETERS = 20_000
MAX_WIDTH = 1024
MAX_LAYERS = 64
# A document states one element a handful of times; many more only makes the contradiction search
# quadratic. Likewise the total of printed numbers is bounded.
MAX_STATEMENTS_PER_ELEMENT = 50
MAX_STATEMENTS = 50_000
TOP_KEYS = ("nncheck", "title", "claims")
TOP_OPTIONAL = ("source", "equations", "network", "model")  # one of network (layered) and model (general)
PLACE_KEYS = ("latex", "line")


def load_spec(path: str) -> Spec | ModelSpec:
    """Read and validate a spec file; raise SpecError listing every problem with its location."""
    return parse_spec(read_text(path), path)


def parse_spec(text: str, path: str = "<spec>") -> Spec | ModelSpec:
    """A spec's text, validated whole: a Spec (a layered network) or a ModelSpec (the general form)."""
    root = compose(text, path)
    reader = Reader(path)
    top = reader.mapping(root, "the spec", TOP_KEYS, TOP_OPTIONAL)
    reader.raise_if_any()
    assert top is not None
    version = reader.integer(top["nncheck"], "nncheck (the format version)", minimum=1)
    if version is not None and version != FORMAT_VERSION:
        reader.problem(top["nncheck"], f"nncheck={version}: this version of nncheck reads format {FORMAT_VERSION}")
    title = reader.string(top["title"], "title") or ""
    source = reader.string(top["source"], "source") if "source" in top else None
    if "network" in top and "model" in top:
        reader.problem(top["model"], "the spec gives both network: and model:; give one of the two")
        reader.raise_if_any()
    if "network" not in top and "model" not in top:
        reader.problem(root, "the spec needs one of network: (a layered network) and model: (the general form: givens, "
                             "definitions, gradients)")
        reader.raise_if_any()
    if "model" in top:
        return _model_spec(reader, top, path, title, source)
    network = _network(reader, top["network"])
    reader.raise_if_any()
    assert network is not None
    claims = _claims(reader, top["claims"], _NetworkNames(network))
    _bound_statements(reader, claims)
    equations = _equations(reader, top.get("equations"), {claim.id for claim in claims})
    reader.raise_if_any()
    return Spec(path=path, title=title, network=network, claims=tuple(claims), equations=tuple(equations), source=source,
                network_at=reader.at(top["network"]))


def _exact(elements: Elements) -> Any:
    """Nested tuples of Fractions in the elements' shape."""
    values = [printed.value for _, printed, _ in elements.items]
    if elements.shape == ():
        return values[0]
    if len(elements.shape) == 1:
        return tuple(values)
    cols = elements.shape[1]
    return tuple(tuple(values[i * cols:(i + 1) * cols]) for i in range(elements.shape[0]))


def _vector(reader: Reader, node: Any, what: str) -> tuple[Fraction, ...] | None:
    elements = reader.numbers(node, what)
    if elements is None:
        return None
    if len(elements.shape) == 2:
        reader.problem(node, f"{what} must be a number or a list of numbers, found a matrix")
        return None
    value = _exact(elements)
    return (value,) if elements.shape == () else value


def _network(reader: Reader, node: Any) -> Network | None:
    keys = reader.mapping(node, "network", ("input", "target", "layers", "loss"), ("learning_rate", "conventions"))
    if keys is None:
        return None
    inputs = _vector(reader, keys["input"], "input") if "input" in keys else None
    target = _vector(reader, keys["target"], "target") if "target" in keys else None
    loss = _layered_choice(reader, keys["loss"], "loss", LAYER_LOSSES, LOSSES) if "loss" in keys else None
    rate = None
    if "learning_rate" in keys:
        printed = reader.number(keys["learning_rate"], "learning_rate")
        rate = printed.value if printed else None
    conventions = _conventions(reader, keys.get("conventions"))
    layer_nodes = reader.sequence(keys["layers"], "layers") if "layers" in keys else None
    layers: list[Layer] = []
    width = len(inputs) if inputs else None
    if layer_nodes is not None and len(layer_nodes) > MAX_LAYERS:
        reader.problem(keys["layers"], f"the network has {len(layer_nodes)} layers; at most {MAX_LAYERS} are accepted")
        return None
    parameters = 0
    for number, layer_node in enumerate(layer_nodes or [], start=1):
        layer = _layer(reader, layer_node, number, width)
        if layer is not None:
            layers.append(layer)
            width = len(layer.bias)
            parameters += len(layer.bias) * (len(layer.weights[0]) + 1)
            if width > MAX_WIDTH:
                reader.problem(layer_node, f"layer {number} has {width} units; at most {MAX_WIDTH} are accepted")
    if parameters > MAX_PARAMETERS:
        reader.problem(keys["layers"], f"the network has {parameters:,} weights and biases; at most {MAX_PARAMETERS:,} are accepted")
    if layer_nodes is not None and not layer_nodes:
        reader.problem(keys["layers"], "layers is empty; a network needs at least one layer")
    if target is not None and width is not None and len(target) != width and layers:
        reader.problem(keys["target"], f"target has {len(target)} entries; the last layer has {width} outputs")
    if reader.problems or inputs is None or target is None or loss is None or conventions is None:
        return None
    return Network(layers=tuple(layers), loss=loss, input=inputs, target=target, learning_rate=rate, conventions=conventions)


def _conventions(reader: Reader, node: Any) -> Conventions | None:
    if node is None:
        return Conventions()
    keys = reader.mapping(node, "conventions", (), ("relu_grad_at_zero", "update_biases"))
    if keys is None:
        return None
    at_zero = reader.number(keys["relu_grad_at_zero"], "relu_grad_at_zero") if "relu_grad_at_zero" in keys else None
    biases = reader.boolean(keys["update_biases"], "update_biases") if "update_biases" in keys else True
    return Conventions(relu_grad_at_zero=at_zero.value if at_zero else Fraction(0), update_biases=bool(biases))


def _layer(reader: Reader, node: Any, number: int, width: int | None) -> Layer | None:
    what = f"layer {number}"
    keys = reader.mapping(node, what, ("weights", "bias", "activation"), ("negative_slope",))
    if keys is None or not {"weights", "bias", "activation"} <= keys.keys():
        return None
    activation = _layered_choice(reader, keys["activation"], f"{what} activation", LAYER_ACTIVATIONS, ACTIVATIONS)
    weights = reader.numbers(keys["weights"], f"{what} weights")
    bias = _vector(reader, keys["bias"], f"{what} bias")
    slope = reader.number(keys["negative_slope"], f"{what} negative_slope") if "negative_slope" in keys else None
    if weights is None or bias is None or activation is None:
        return None
    if len(weights.shape) != 2:
        reader.problem(keys["weights"], f"{what} weights must be a matrix (a list of rows), found shape {weights.shape}")
        return None
    rows, cols = weights.shape
    if width is not None and cols != width:
        reader.problem(keys["weights"], f"{what} weights have {cols} columns, but the layer receives {width} values; shapes must chain (columns = previous width)")
    if len(bias) != rows:
        reader.problem(keys["bias"], f"{what} bias has {len(bias)} entries; its weights have {rows} rows")
    layer = Layer(weights=_exact(weights), bias=bias, activation=activation)
    return layer if slope is None else Layer(layer.weights, layer.bias, activation, slope.value)


def _place(reader: Reader, keys: dict[str, Any], node: Any) -> Place:
    latex = reader.string(keys["latex"], "latex") if "latex" in keys else None
    line = reader.integer(keys["line"], "line", minimum=1) if "line" in keys else None
    return Place(step=reader.string(keys["step"], "step") or "", spec=reader.at(node), latex=latex, document_line=line,
                 latex_at=reader.at(keys["latex"]) if latex is not None else None)


def _fit(reader: Reader, node: Any, elements: Elements, shape: tuple[int, ...], name: str, transposed: bool) -> list[tuple[tuple[int, ...], Any, Any]] | None:
    """Map written elements onto the quantity's indices (scalars fit one-element quantities)."""
    count = 1
    for size in shape:
        count *= size
    if count == 1 and len(elements.items) == 1:  # 2.73, [2.73] and [[2.73]] all fit a one-element quantity
        return [((0,) * len(shape), elements.items[0][1], elements.items[0][2])]
    written = elements.shape
    if transposed:
        if len(written) != 2:
            reader.problem(node, f"transposed applies to a matrix, but the value for {name!r} has shape {written}")
            return None
        written = (written[1], written[0])
        items: list[tuple[tuple[int, ...], Printed, Any]] = [
            ((index[1], index[0]), printed, cell) for index, printed, cell in elements.items
        ]
    else:
        items = elements.items
    if written != shape:
        hint = " (or say transposed: true)" if len(shape) == 2 and tuple(reversed(shape)) == elements.shape else ""
        reader.problem(node, f"the value has shape {elements.shape}, but {name} has shape {shape}{hint}")
        return None
    return items


# Element and used-value ids are made from claim ids with these ("z1[0]", "z2:a1[0]"); an id that
# contained them could be the same as another number's.
RESERVED_IN_IDS = re.compile(r"[:\[\]]")


def _reserved(identifier: str) -> str:
    return (f"id {identifier!r} contains ':', '[' or ']', which nncheck uses in the ids of elements (z1[0]) "
            "and of the values a step used (z2:a1[0]); choose an id without them")


class _NetworkNames:
    """A layered network's quantities (z2, dL/dW1, W1_new, ...) and their shapes."""

    def __init__(self, network: Network) -> None:
        self.network = network

    def canonical(self, reader: Reader, node: Any) -> str | None:
        return _quantity(reader, node, self.network)

    def shape(self, name: str) -> tuple[int, ...]:
        return quantities.shape(name, self.network.architecture)


class _ModelNames:
    """A model's givens, definitions and stated gradients, with the shapes the model gives them."""

    def __init__(self, shapes: dict[str, tuple[int, ...]]) -> None:
        self.shapes = shapes

    def canonical(self, reader: Reader, node: Any) -> str | None:
        from nncheck.readers.spec.model import quantity_name  # the general model's reader, loaded for model specs only

        text = reader.string(node, "quantity")
        if text is None:
            return None
        try:
            return quantity_name(text, set(self.shapes))
        except ValueError as error:
            reader.problem(node, str(error))
            return None

    def shape(self, name: str) -> tuple[int, ...]:
        return self.shapes[name]


_AT_STEP = re.compile(r"@([0-9]+)")


def _as_far_as_claimed(loop: Loop | None, claimed: list[str]) -> Loop | None:
    """The loop cut after the last step any claim names (w@3, dL/dw@2: 3): the steps after it change nothing claimed,
    and every quantity up to it has the value it has in the whole loop (L@(t + 1) is the loss after t steps either way)."""
    if loop is None:
        return None
    steps = [int(found) for text in claimed for found in _AT_STEP.findall(text)]
    last = max(steps, default=1)
    return loop if last >= loop.steps else Loop(loop.updates, max(1, last))


def _texts(node: Any) -> list[str]:
    """Every scalar and key of a YAML node, as text."""
    if isinstance(node.value, list):
        return [text for item in node.value for text in
                (_texts(item) if not isinstance(item, tuple) else _texts(item[0]) + _texts(item[1]))]
    return [str(node.value)]


def _layered_choice(reader: Reader, node: Any, what: str, layered: tuple[str, ...], general: Any) -> str | None:
    """One of a layered network's activations or losses; a row only the general form takes is refused with a pointer."""
    text = reader.string(node, what)
    if text == "TODO":
        reader.problem(node, f"{what} is TODO: `nncheck extract` could not find it on the page; write it in "
                             f"(one of: {', '.join(layered)})")
        return None
    if text is not None and text not in layered and text in general:
        reader.problem(node, f"{what}={text!r} is written in the general form (model:, docs/spec.md#the-general-form); "
                             f"a layered network takes one of: {', '.join(layered)}")
        return None
    return reader.choice(node, what, layered) if text is not None else None


@dataclass(frozen=True)
class ModelPart:
    """A model section read and written out: its graph, gradients, loop, step table and every quantity's shape."""

    graph: Graph
    gradients: tuple[str, ...]
    loop: Loop | None
    table: Mapping[str, Any]
    names: _ModelNames


def _model_spec(reader: Reader, top: dict[str, Any], path: str, title: str, source: str | None) -> ModelSpec:
    part = model_part(reader, top["model"], _texts(top["claims"]))
    claims = _claims(reader, top["claims"], part.names)
    _bound_statements(reader, claims)
    equations = _equations(reader, top.get("equations"), {claim.id for claim in claims})
    reader.raise_if_any()
    return ModelSpec(path=path, title=title, model=part.graph, gradients=part.gradients, loop=part.loop,
                     claims=tuple(claims), equations=tuple(equations), source=source, network_at=reader.at(top["model"]),
                     steps=part.table)


def model_part(reader: Reader, node: Any, claimed: list[str]) -> ModelPart:
    """A ``model:`` section (``node``) read, evaluated once and written out as far as the texts of ``claimed`` name
    steps (w@3); SpecError with every problem, located, when it cannot be."""
    import numpy as np

    from nncheck.network import ball, floating
    from nncheck.network.core import run
    from nncheck.network.graph import DefinitionError, NotDifferentiable, model_givens, model_table, values
    from nncheck.readers.spec.model import read_model

    read = read_model(reader, node)
    reader.raise_if_any()
    assert read is not None
    graph, targets, loop = read
    gradients = tuple(targets)
    try:  # the first step's values, at the precision that decides every kink, so a failing formula is located now
        forward, _ = ball.settled(lambda bits, last: values(graph, ball))
    except DefinitionError as error:  # located at the formula that fails
        reader.problems.append(Problem(error.definition.location or reader.at(node),
                                       f"definition {error.definition.name!r} cannot be evaluated: {error.reason}"))
        reader.raise_if_any()
        raise AssertionError("unreachable") from None
    except ArithmeticError as error:  # a kink no precision decides
        reader.problem(node, f"the model cannot be evaluated: {error}")
        reader.raise_if_any()
        raise AssertionError("unreachable") from None
    for target, where in targets.items():
        if forward[target].size != 1:
            reader.problems.append(Problem(where, f"gradients: {target!r} has shape {forward[target].shape}; "
                                                  "a gradient is of a number"))
    reader.raise_if_any()
    try:  # every quantity's shape (each step of a loop, each adjoint), found in float64: the audit computes the values
        shapes: dict[str, tuple[int, ...]] = {}
        table = model_table(graph, gradients, _as_far_as_claimed(loop, claimed), shapes)
        if not set(table) <= set(shapes):  # no loop (whose writing out found them): one float64 pass
            with np.errstate(all="ignore"):
                shapes = {name: tuple(value.shape) for name, value in
                          run(table, model_givens(graph, floating, loop), floating).items()}
    except DefinitionError as error:  # an update that changes a given's shape (or a later step's value): located
        what = "update of" if loop is not None and error.definition in loop.updates else "definition"
        reader.problems.append(Problem(error.definition.location or reader.at(node),
                                       f"{what} {error.definition.name!r}: {error.reason}"))
        reader.raise_if_any()
        raise AssertionError("unreachable") from None
    except NotDifferentiable as error:
        where = next(iter(targets.values()))
        reader.problems.append(Problem(where, f"gradients: {error}"))
        reader.raise_if_any()
        raise AssertionError("unreachable") from None
    except (ArithmeticError, ValueError) as error:  # shapes that do not fit in an adjoint or an update
        reader.problem(node, f"the gradients cannot be evaluated: {error}")
        reader.raise_if_any()
        raise AssertionError("unreachable") from None
    return ModelPart(graph, gradients, loop, table, _ModelNames(shapes))


def _claims(reader: Reader, node: Any, names: _NetworkNames | _ModelNames) -> list[Claim]:
    items = reader.sequence(node, "claims") or []
    seen: dict[str, Location] = {}
    claims: list[Claim] = []
    for item in items:
        keys = reader.mapping(item, "a claim", ("quantity", "value", "step"), ("id", "index", "transposed", "uses") + PLACE_KEYS)
        if keys is None or not {"quantity", "value", "step"} <= keys.keys():
            continue
        name = names.canonical(reader, keys["quantity"])
        claim_id = reader.string(keys["id"], "id") if "id" in keys else (reader.string(keys["quantity"], "quantity") or "")
        place = _place(reader, keys, item)
        if claim_id is not None:
            claim_id = claim_id.strip()
        if claim_id is not None and RESERVED_IN_IDS.search(claim_id) and "id" in keys:
            reader.problem(keys["id"], _reserved(claim_id))
        elif claim_id in seen:
            reader.problem(keys.get("id", item), f"claim id {claim_id!r} is already used at {seen[claim_id]}; give this claim an id")
        elif claim_id is not None:
            seen[claim_id] = reader.at(item)
        if name is None or claim_id is None:
            continue
        shape = names.shape(name)
        index: tuple[int, ...] = ()
        if "index" in keys:
            index_value = _index(reader, keys["index"], shape, name)
            if index_value is None:
                continue
            index, shape = index_value, ()
        transposed = bool(reader.boolean(keys["transposed"], "transposed")) if "transposed" in keys else False
        elements = reader.numbers(keys["value"], f"value of {claim_id!r}", texts=True)
        if elements is None:
            continue
        fitted = _fit(reader, keys["value"], elements, shape, name, transposed)
        if fitted is None:
            continue
        # With an index the claim is one element, so the refs' indices are the fitted ones whenever there are several.
        indices, texts, cells = zip(*fitted)
        # _fit gave the quantity's shape; as written (not transposed, not one indexed element) that is row-major order.
        stated = StatedArray(claim_id, name, place, tuple(index + i for i in indices) if index else indices, texts, cells,
                             reader.at, ordered=not transposed and not index)
        uses = _uses(reader, keys.get("uses"), claim_id, place, names)
        claims.append(Claim(id=claim_id, quantity=name, place=place, elements=stated, uses=uses))
    return claims


def _bound_statements(reader: Reader, claims: list[Claim]) -> None:
    counts: dict[tuple[str, tuple[int, ...]], int] = {}
    total = 0

    def count(quantity: str, index: tuple[int, ...], where: Callable[[], Location]) -> None:
        nonlocal total
        total += 1
        key = (quantity, index)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] == MAX_STATEMENTS_PER_ELEMENT + 1:
            reader.problems.append(Problem(where(), f"{quantity}{_suffix(index) if index else ''} "
                                           f"is stated more than {MAX_STATEMENTS_PER_ELEMENT} times; at most {MAX_STATEMENTS_PER_ELEMENT} are accepted"))
        if total == MAX_STATEMENTS + 1:
            reader.problems.append(Problem(where(), f"the spec states more than {MAX_STATEMENTS:,} numbers; at most {MAX_STATEMENTS:,} are accepted"))

    # A quantity only one claim's value states (the usual case) has each of its elements stated once.
    claimed: dict[str, int] = {}
    for claim in claims:
        claimed[claim.quantity] = claimed.get(claim.quantity, 0) + 1
        for statement in claim.uses:
            claimed[statement.quantity] = 2
    for claim in claims:
        if claimed[claim.quantity] == 1 and total + len(claim.elements) <= MAX_STATEMENTS and not claim.uses:
            total += len(claim.elements)
            continue
        for statement in claim.uses:
            count(statement.quantity, statement.index, lambda s=statement: s.location)  # type: ignore[misc]
        elements = claim.elements
        if isinstance(elements, StatedArray):  # its locations made only for a problem, its records not at all
            for k, index in enumerate(elements.indices):
                count(claim.quantity, index, lambda k=k, e=elements: e.locate(e.cells[k]))  # type: ignore[misc]
        else:
            for statement in elements:
                count(statement.quantity, statement.index, lambda s=statement: s.location)  # type: ignore[misc]


def _suffix(index: tuple[int, ...]) -> str:
    return "[" + ",".join(str(i) for i in index) + "]"


def _quantity(reader: Reader, node: Any, network: Network) -> str | None:
    text = reader.string(node, "quantity")
    if text is None:
        return None
    try:
        name = quantities.canonical(text, network.architecture)
    except ValueError as error:
        reader.problem(node, str(error))
        return None
    if name.endswith("_new") and network.learning_rate is None:
        reader.problem(node, f"quantity {text!r} is an updated value, but the network has no learning_rate")
        return None
    if name.startswith("b") and name.endswith("_new") and not network.conventions.update_biases:
        reader.problem(node, f"quantity {text!r} is an updated bias, but conventions say update_biases: false")
        return None
    return name


def _index(reader: Reader, node: Any, shape: tuple[int, ...], name: str) -> tuple[int, ...] | None:
    parts = reader.sequence(node, "index")
    if parts is None:
        return None
    values = [reader.integer(part, "index entry") for part in parts]
    if any(v is None for v in values):
        return None
    index = tuple(v for v in values if v is not None)
    if len(index) != len(shape) or any(i >= size for i, size in zip(index, shape)):
        reader.problem(node, f"index {list(index)} is outside {name}, which has shape {shape} (indices count from 0)")
        return None
    return index


def _uses(reader: Reader, node: Any, claim_id: str, place: Place, names: _NetworkNames | _ModelNames) -> tuple[Stated, ...]:
    if node is None:
        return ()
    keys = reader.mapping(node, f"uses of {claim_id!r}", (), open_keys=True)
    if keys is None:
        return ()
    result: list[Stated] = []
    for key_node, value_node in node.value:
        if str(key_node.value) not in keys or keys[str(key_node.value)] is not value_node:
            continue  # a duplicate key, already reported
        name = names.canonical(reader, key_node)
        if name is None:
            continue
        elements = reader.numbers(value_node, f"{key_node.value} used by {claim_id!r}")
        if elements is None:
            continue
        fitted = _fit(reader, value_node, elements, names.shape(name), name, False)
        for index, printed, cell in fitted or []:
            suffix = _suffix(index) if len(fitted or []) > 1 else ""
            result.append(Stated(ref=f"{claim_id}:{key_node.value}{suffix}", claim_id=claim_id, quantity=name,
                                 index=index, printed=printed, place=place, location=reader.at(cell), used_by=claim_id))
    return tuple(result)


def _equations(reader: Reader, node: Any, claim_ids: set[str]) -> list[Equation]:
    if node is None:
        return []
    result: list[Equation] = []
    seen: set[str] = set(claim_ids)
    for item in reader.sequence(node, "equations") or []:
        keys = reader.mapping(item, "an equation", ("id", "expression", "value", "step"), PLACE_KEYS)
        if keys is None or not {"id", "expression", "value", "step"} <= keys.keys():
            continue
        equation_id = reader.string(keys["id"], "id")
        if equation_id is not None:
            equation_id = equation_id.strip()  # as claim ids are
        if equation_id is not None and RESERVED_IN_IDS.search(equation_id):
            reader.problem(keys["id"], _reserved(equation_id))
        elif equation_id in seen:
            reader.problem(keys["id"], f"id {equation_id!r} is already used by a claim or an equation")
        source = reader.string(keys["expression"], "expression")
        printed = reader.number(keys["value"], "value")
        place = _place(reader, keys, item)
        if source is None or printed is None or equation_id is None:
            continue
        seen.add(equation_id)
        try:
            expression = parse_expression(source)
        except (ExprSyntaxError, ValueError) as error:
            column = getattr(error, "column", 1)
            where = reader.at(keys["expression"])
            # Point inside the expression when it is written plainly on one line.
            offset = column if not keys["expression"].style else column + 1  # plain: None (pure parser) or "" (C)
            reader.problems.append(Problem(Location(where.path, where.line, where.column + offset - 1), f"expression {source!r}: {error}"))
            continue
        result.append(Equation(id=equation_id, expression=expression, source=source, printed=printed, place=place, location=reader.at(keys["value"])))
    return result

