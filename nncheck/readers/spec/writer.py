"""Write a spec file from a network and printed claims: the inverse of the loader, for generated specs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union

from nncheck.records import Network

Printed = Union[str, Sequence["Printed"]]  # printed text, nested like the quantity


@dataclass(frozen=True, slots=True)
class DraftClaim:
    quantity: str
    value: Any  # printed text, or nested lists of printed text
    step: str
    id: str | None = None
    uses: tuple[tuple[str, Any], ...] = ()
    transposed: bool = False
    latex: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class DraftEquation:
    id: str
    expression: str  # in the spec's expression language (nncheck.expr)
    value: str  # printed text
    step: str
    latex: str | None = None
    line: int | None = None


def exact_text(value: Fraction) -> str:
    """A Fraction with a terminating decimal expansion (any binary fraction has one), written out exactly."""
    for places in range(1100):
        scaled = value * 10**places
        if scaled.denominator == 1:
            break
    else:
        raise ValueError(f"{value} has no terminating decimal expansion")
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    text = digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"
    return ("-" if value < 0 else "") + text


def _flow(value: Any) -> str:
    """A flow-style YAML value; printed numbers are written plain, so their text is kept."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, Fraction):
        return exact_text(value)
    return str(value)


# The value a draft writes for what it could not find: the loader refuses it with a message saying so.
TODO = "TODO"


def network_lines(network: Network, missing: Mapping[str, str] | None = None, indent: str = "",
                  guessed: Mapping[str, str] | None = None) -> list[str]:
    """The ``network:`` section, indented by ``indent``; each field named in ``missing`` ("input", "target", "loss",
    "layers.1.bias", "layers.1.activation") written as TODO with the reason as a comment, each in ``guessed`` with a
    ``# guessed: …`` comment."""
    missing, guessed = missing or {}, guessed or {}

    def field(key: str, value: str) -> str:
        if key in missing:
            return f"{TODO}  # {missing[key]}"
        return f"{value}  # guessed: {guessed[key]}" if key in guessed else value

    lines = ["network:", f"  input: {field('input', _flow(network.input))}",
             f"  target: {field('target', _flow(network.target))}", "  layers:"]
    for number, layer in enumerate(network.layers, start=1):
        lines += [f"    - weights: {_flow(layer.weights)}", f"      bias: {field(f'layers.{number}.bias', _flow(layer.bias))}",
                  f"      activation: {field(f'layers.{number}.activation', layer.activation)}"]
        if layer.activation == "leaky_relu":
            lines.append(f"      negative_slope: {exact_text(layer.negative_slope)}")
    lines.append(f"  loss: {field('loss', network.loss)}")
    if network.learning_rate is not None:
        lines.append(f"  learning_rate: {exact_text(network.learning_rate)}")
    lines += ["  conventions:", f"    relu_grad_at_zero: {exact_text(network.conventions.relu_grad_at_zero)}",
              f"    update_biases: {'true' if network.conventions.update_biases else 'false'}"]
    return [indent + line for line in lines]


def dump_front_matter(network: Network, names: Sequence[tuple[str, str]], *, missing: Mapping[str, str] | None = None,
                      guessed: Mapping[str, str] | None = None) -> str:
    """A page's front matter declaring ``network`` and mapping each page name (LaTeX) to a quantity (a1, dL/dW1)."""
    lines = ["---", "nncheck:"] + network_lines(network, missing, "  ", guessed) + ["  names:" if names else "  names: {}"]
    lines += [f"    {json.dumps(latex)}: {json.dumps(quantity)}" for latex, quantity in names]
    return "\n".join(lines + ["---"]) + "\n"


def dump_spec(network: Network, claims: Sequence[DraftClaim], *, title: str = "generated",
              equations: Sequence[DraftEquation] = (), source: str | None = None, missing: Mapping[str, str] | None = None,
              guessed: Mapping[str, str] | None = None) -> str:
    """The YAML text of a spec (the loader reads it back to the same network, claims and equations; fields named in
    ``missing`` are TODO, which it refuses)."""
    lines = ["nncheck: 1", f"title: {json.dumps(title)}"] + ([f"source: {json.dumps(source)}"] if source else [])
    lines += network_lines(network, missing, guessed=guessed)
    lines.append("claims:" if claims else "claims: []")
    for claim in claims:
        lines.append(f"  - quantity: {json.dumps(claim.quantity)}")
        if claim.id is not None:
            lines.append(f"    id: {json.dumps(claim.id)}")
        lines += [f"    value: {_flow(claim.value)}", f"    step: {json.dumps(claim.step)}"]
        if claim.uses:
            lines.append("    uses: {" + ", ".join(f"{json.dumps(q)}: {_flow(v)}" for q, v in claim.uses) + "}")
        lines += _place(claim.latex, claim.line) + (["    transposed: true"] if claim.transposed else [])
    if equations:
        lines.append("equations:")
    for equation in equations:
        lines += [f"  - id: {json.dumps(equation.id)}", f"    expression: {json.dumps(equation.expression)}",
                  f"    value: {_flow(equation.value)}", f"    step: {json.dumps(equation.step)}"]
        lines += _place(equation.latex, equation.line)
    return "\n".join(lines) + "\n"


def _place(latex: str | None, line: int | None) -> list[str]:
    """Where the document prints it: JSON strings are YAML double-quoted scalars, so any LaTeX survives."""
    return ([f"    latex: {json.dumps(latex)}"] if latex is not None else []) + ([f"    line: {line}"] if line is not None else [])
