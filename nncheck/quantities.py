"""The named quantities of a dense network: their spellings, shapes and display names.

Layers are numbered from 1; ``a0`` is the input ``x``; the last layer's output is ``yhat``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Each pattern names a family of quantities; ``{l}`` stands for a layer number, ``{p}`` for l - 1.
_LAYER = r"(?P<l>\d+)"
_PREVIOUS = r"(?P<p>\d+)"

Shape = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Family:
    pattern: str
    template: str  # canonical spelling, with {l} and {p}
    first_layer: int  # smallest l allowed (0 for a0 and dL/da0)

    @property
    def key(self) -> str:
        """The family's name: the template without its layer numbers ("dz/da" for dz{l}/da{p})."""
        return self.template.replace("{l}", "").replace("{p}", "")


FAMILIES: tuple[Family, ...] = (
    Family(rf"W{_LAYER}", "W{l}", 1),
    Family(rf"b{_LAYER}", "b{l}", 1),
    Family(rf"z{_LAYER}", "z{l}", 1),
    Family(rf"a{_LAYER}", "a{l}", 0),
    Family(rf"dL/dz{_LAYER}", "dL/dz{l}", 1),
    Family(rf"dL/da{_LAYER}", "dL/da{l}", 0),
    Family(rf"da{_LAYER}/dz{_PREVIOUS}", "da{l}/dz{l}", 1),
    Family(rf"dz{_LAYER}/dW{_PREVIOUS}", "dz{l}/dW{l}", 1),
    Family(rf"dz{_LAYER}/da{_PREVIOUS}", "dz{l}/da{p}", 1),
    Family(rf"dL/dW{_LAYER}", "dL/dW{l}", 1),
    Family(rf"dL/db{_LAYER}", "dL/db{l}", 1),
    Family(rf"W{_LAYER}_new", "W{l}_new", 1),
    Family(rf"b{_LAYER}_new", "b{l}_new", 1),
)
SCALARS = ("L",)  # the loss


@dataclass(frozen=True, slots=True)
class Quantity:
    """A canonical quantity name read once: its family ("z", "dL/dW", "W_new", "L", ...) and its layer (None for L, y)."""

    name: str
    family: str
    layer: int | None


@lru_cache(maxsize=4096)
def parse(name: str) -> Quantity:
    """The record of a canonical name (see :func:`canonical`); ValueError when no family spells it."""
    if name in SCALARS or name == "y":
        return Quantity(name, name, None)
    for family in FAMILIES:
        match = re.fullmatch(family.pattern, name)
        if match is not None:
            return Quantity(name, family.key, int(match["l"]))
    raise ValueError(f"{name!r} is not a canonical quantity name")


def layer_of(name: str, *families: str) -> int | None:
    """The layer of ``name`` when it belongs to one of ``families``, else None."""
    try:
        quantity = parse(name)
    except ValueError:
        return None
    return quantity.layer if quantity.family in families else None


@dataclass(frozen=True, slots=True)
class Architecture:
    """What names and shapes depend on: the widths (input first) and which layers have a Jacobian derivative."""

    widths: tuple[int, ...]
    jacobian_layers: frozenset[int] = frozenset()

    @property
    def depth(self) -> int:
        return len(self.widths) - 1


def aliases(depth: int) -> dict[str, str]:
    """Other spellings documents use, mapped to canonical names."""
    n = depth
    return {
        "x": "a0",
        "yhat": f"a{n}",
        "dL/dyhat": f"dL/da{n}",
        f"dyhat/dz{n}": f"da{n}/dz{n}",
        "dL/dx": "dL/da0",
        "dz1/dx": "dz1/da0",
    }


def canonical(name: str, arch: Architecture) -> str:
    """The canonical spelling of ``name``, or ValueError saying what is accepted."""
    spaced = name.strip()
    if spaced in SCALARS or spaced == "y":
        return spaced
    spaced = aliases(arch.depth).get(spaced, spaced)
    for family in FAMILIES:
        match = re.fullmatch(family.pattern, spaced)
        if match is None:
            continue
        layer = int(match["l"])
        if not family.first_layer <= layer <= arch.depth:
            raise ValueError(f"quantity {name!r} names layer {layer}; this network has layers 1 to {arch.depth}")
        spelled = family.template.format(l=layer, p=layer - 1)
        if spelled != spaced:
            raise ValueError(f"quantity {name!r} is not a derivative nncheck knows; did you mean {spelled!r}?")
        return spelled
    raise ValueError(f"unknown quantity {name!r}; expected one of: {', '.join(accepted_names(arch))}")


def accepted_names(arch: Architecture) -> list[str]:
    """Every canonical name for this architecture, then the aliases (for error messages and docs)."""
    names = ["x", "y", "yhat", "L", "dL/dyhat"]
    for l in range(1, arch.depth + 1):
        names += [f.template.format(l=l, p=l - 1) for f in FAMILIES if f.first_layer <= l]
    return names


def shape(name: str, arch: Architecture) -> Shape:
    """The shape of a canonical quantity: () for L, (n,) for vectors, (rows, cols) for matrices."""
    w = arch.widths
    if name == "L":
        return ()
    if name == "y":
        return (w[-1],)
    try:
        quantity = parse(name)
    except ValueError:
        raise ValueError(f"no shape for {name!r}") from None
    layer = quantity.layer
    assert layer is not None
    if quantity.family in ("W", "dL/dW", "W_new", "dz/da"):
        return (w[layer], w[layer - 1])
    if quantity.family == "da/dz":
        return (w[layer], w[layer]) if layer in arch.jacobian_layers else (w[layer],)
    if quantity.family == "dz/dW":
        return (w[layer - 1],)
    return (w[layer],)


def display(name: str, depth: int) -> str:
    """A reader's spelling: ∂L/∂W1, ŷ."""
    pretty = {f"a{depth}": "ŷ", f"dL/da{depth}": "∂L/∂ŷ", f"da{depth}/dz{depth}": f"∂ŷ/∂z{depth}"}.get(name)
    if pretty is not None:
        return pretty
    if "/" in name:
        top, bottom = name.split("/")
        return f"∂{top[1:]}/∂{bottom[1:]}"
    return name.replace("_new", "′")


def is_given(name: str) -> bool:
    """Inputs of the computation: the document defines them, nothing computes them."""
    return name in ("a0", "y") or layer_of(name, "W", "b") is not None


def indices(shape_: Sequence[int]) -> list[tuple[int, ...]]:
    """Every index of an array of this shape, in row-major order."""
    result: list[tuple[int, ...]] = [()]
    for size in shape_:
        result = [index + (i,) for index in result for i in range(size)]
    return result
