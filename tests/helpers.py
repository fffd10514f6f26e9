"""Shared test helpers: sample paths, a CLI runner, and the blog network in plain Python."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "samples"
BLOG = ROOT / "specs" / "blog.yaml"


def sample(name: str) -> str:
    return str(SAMPLES / name)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run nncheck's main() in-process; return (exit status, stdout, stderr)."""
    from nncheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit_:  # argparse's own usage errors
            status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def minimal_spec(claims: str, *, layers: str | None = None, loss: str = "bce", extra: str = "") -> str:
    """A spec around the blog's network (or ``layers``) with the given claims block."""
    layers = layers or """
    - weights: [[0.2, 0.4], [0.1, 0.6]]
      bias: [0.3, 0.5]
      activation: relu
    - weights: [[0.7, 0.9]]
      bias: 0.2
      activation: sigmoid"""
    return f"""nncheck: 1
title: test
network:
  input: [1, 2]
  target: 1
  layers:{layers}
  loss: {loss}
{extra}claims:
{claims}
"""



# Planted-slip detection over the auditor's property tests; conftest prints the rate at the end.
DETECTION = {"planted": 0, "flagged": 0}
# Inputs the fuzz tests fed to the loader and audit; conftest prints the count.
FUZZ = {"inputs": 0}

# The diagnosis's planted slips (tests/test_diagnose.py): per family, planted and found among the top
# three; and random moves of a printed number, and how many of them got an explanation anyway.
DIAGNOSIS: dict[str, dict[str, int]] = {}


# -- pages written from a network: the forward pass and the loss, as a tutorial prints them -----------

_ACTIVATION_LATEX = {
    "identity": "z_{{{l}}}", "relu": "\\max(0, z_{{{l}}})", "sigmoid": "\\sigma(z_{{{l}}})", "tanh": "\\tanh(z_{{{l}}})",
    "softmax": "\\text{{softmax}}(z_{{{l}}})", "leaky_relu": "\\max({slope} z_{{{l}}}, z_{{{l}}})",
}
_LOSS_LATEX = {
    "bce": "-\\frac{{1}}{{{n}}} \\left(y^T \\log(a_{{{d}}}) + (1 - y)^T \\log(1 - a_{{{d}}})\\right)",
    "mse": "\\frac{{1}}{{{n}}} (a_{{{d}}} - y)^T (a_{{{d}}} - y)",
    "half_sse": "\\frac{{1}}{{2}} (a_{{{d}}} - y)^T (a_{{{d}}} - y)",
    "cross_entropy": "-y^T \\log(a_{{{d}}})",
}


def bmatrix(value: object) -> str:
    """Printed text (or nested lists of it, or Fractions written out) as a LaTeX bmatrix; a vector is a column."""
    from nncheck.readers.spec.writer import exact_text

    def cell(v: object) -> str:
        return v if isinstance(v, str) else exact_text(v)  # type: ignore[arg-type]

    rows = value if isinstance(value, (list, tuple)) else [value]
    lines = [" & ".join(cell(c) for c in row) if isinstance(row, (list, tuple)) else cell(row) for row in rows]
    return "\\begin{bmatrix} " + " \\\\ ".join(lines) + " \\end{bmatrix}"


def forward_page(network: object, claims: list[object], *, substitute: bool = False, backward: bool = False) -> str:
    """A Markdown page of the network's givens, forward pass and loss, printing the claims' values.

    With ``backward`` (for the activations and losses of BACKWARD_ACTIVATIONS and BACKWARD_LOSSES) the
    page goes on with the backward pass: ∂L/∂a, ∂a/∂z, ∂L/∂z, ∂L/∂W and ∂L/∂a of the layer below.

    With ``substitute`` each pre-activation is also written with the printed numbers in place of its
    names (W_1 a_0 + b_1 = [..][..] + [..] = [..]), as most tutorials do.
    """
    from nncheck.records import Network
    from nncheck.readers.spec.writer import DraftClaim, exact_text

    assert isinstance(network, Network)
    printed = {c.quantity: c.value for c in claims if isinstance(c, DraftClaim)}
    depth = len(network.layers)
    lines = ["# A generated worked example", "", "## Givens", "", f"$$a_{{0}} = {bmatrix(list(network.input))}$$", ""]
    for l, layer in enumerate(network.layers, start=1):
        lines += [f"$$W_{{{l}}} = {bmatrix([list(row) for row in layer.weights])}, \\quad b_{{{l}}} = {bmatrix(list(layer.bias))}$$", ""]
    lines += [f"$$y = {bmatrix(list(network.target))}$$", "", "## Forward pass", ""]
    for l, layer in enumerate(network.layers, start=1):
        z = f"z_{{{l}}} = W_{{{l}}} a_{{{l - 1}}} + b_{{{l}}}"
        if substitute:
            previous = bmatrix(list(network.input)) if l == 1 else bmatrix(printed[f"a{l - 1}"])
            z += f" = {bmatrix([list(row) for row in layer.weights])} {previous} + {bmatrix(list(layer.bias))}"
        lines += [f"$${z} = {bmatrix(printed[f'z{l}'])}$$", ""]
        activation = _ACTIVATION_LATEX[layer.activation].format(l=l, slope=exact_text(layer.negative_slope))
        lines += [f"$$a_{{{l}}} = {activation} = {bmatrix(printed[f'a{l}'])}$$", ""]
    loss = _LOSS_LATEX[network.loss].format(n=len(network.target), d=depth)
    lines += ["## Loss", "", f"$$L = {loss} = {printed['L']}$$", ""]
    if backward:
        lines += _backward(network, printed)
    return "\n".join(lines)


# The backward pass as tutorials write it, for the activations and losses whose derivatives are elementwise
# formulas of a_l (BACKWARD_ACTIVATIONS, BACKWARD_LOSSES); ∂ is written \partial, names as ∂L/∂z_2.
BACKWARD_ACTIVATIONS = {"sigmoid": "a_{{{l}}} \\odot (1 - a_{{{l}}})", "tanh": "1 - a_{{{l}}} \\odot a_{{{l}}}"}
BACKWARD_LOSSES = {"half_sse": "a_{{{d}}} - y", "mse": "\\frac{{2}}{{{n}}} (a_{{{d}}} - y)"}


def _partial(top: str, bottom: str) -> str:
    return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"


def _backward(network: object, printed: dict[str, object]) -> list[str]:
    from nncheck.records import Network

    assert isinstance(network, Network)
    depth = len(network.layers)
    gradient = BACKWARD_LOSSES[network.loss].format(d=depth, n=len(network.target))
    lines = ["## Backward pass", "", f"$${_partial('L', f'a_{{{depth}}}')} = {gradient} = {bmatrix(printed[f'dL/da{depth}'])}$$", ""]
    for l in range(depth, 0, -1):
        activation = network.layers[l - 1].activation
        da, dz, dl = _partial(f"a_{{{l}}}", f"z_{{{l}}}"), _partial("L", f"z_{{{l}}}"), _partial("L", f"a_{{{l}}}")
        lines += [f"$${da} = {BACKWARD_ACTIVATIONS[activation].format(l=l)} = {bmatrix(printed[f'da{l}/dz{l}'])}$$", ""]
        lines += [f"$${dz} = {dl} \\odot {da} = {bmatrix(printed[f'dL/dz{l}'])}$$", ""]
        lines += [f"$${_partial('L', f'W_{{{l}}}')} = {dz} a_{{{l - 1}}}^T = {bmatrix(printed[f'dL/dW{l}'])}$$", ""]
        if l > 1:
            lines += [f"$${_partial('L', f'a_{{{l - 1}}}')} = W_{{{l}}}^T {dz} = {bmatrix(printed[f'dL/da{l - 1}'])}$$", ""]
    return lines
