"""PyTorch as an oracle: the spec's network as torch.nn modules in float64, run forward, backward and one SGD step.

Every quantity nncheck names is taken from PyTorch itself: z and a from the modules, ∂L/∂z and ∂L/∂a
from autograd (``retain_grad``), ∂L/∂W and ∂L/∂b from the parameters' ``.grad``, the local
derivatives (∂a/∂z, ∂z/∂W, ∂z/∂a) from ``torch.autograd.functional.jacobian``, and the updated
weights from ``torch.optim.SGD``. A model in the general form is evaluated by
:mod:`nncheck.oracles.torch_model` (:func:`model_values`). Imported only by ``--oracle torch``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from nncheck.oracles import torch_model
from nncheck.records import Graph, Layer, Loop, Network

LABEL = "PyTorch"
DTYPE = torch.float64

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def version() -> str:
    return str(torch.__version__)


def tensor(values: Sequence[Any]) -> torch.Tensor:
    """Exact spec numbers as float64, each rounded once to the nearest float."""
    return torch.tensor(np.array(values, dtype=object).astype(float), dtype=DTYPE)


def activation(layer: Layer) -> nn.Module:
    """nncheck's activation names as torch.nn modules (softmax over the last dimension)."""
    modules: dict[str, Callable[[], nn.Module]] = {
        "identity": nn.Identity,
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(negative_slope=float(layer.negative_slope)),
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softmax": lambda: nn.Softmax(dim=-1),
    }
    return modules[layer.activation]()


def _half_sse(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    total: torch.Tensor = nn.MSELoss(reduction="sum")(a, y)
    return 0.5 * total


def _cross_entropy(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # nn.CrossEntropyLoss takes logits; nncheck's cross-entropy takes the probabilities a network outputs.
    return torch.neg(torch.sum(y * torch.log(a)))


# nncheck's losses (nncheck/network/rules.py) as PyTorch computes them; bce and mse average over outputs.
LOSSES: dict[str, LossFunction] = {
    "bce": nn.BCELoss(reduction="mean"),
    "mse": nn.MSELoss(reduction="mean"),
    "half_sse": _half_sse,
    "cross_entropy": _cross_entropy,
}


def linear(layer: Layer) -> nn.Linear:
    """An nn.Linear holding the layer's weights and bias."""
    rows, columns = len(layer.weights), len(layer.weights[0])
    module = nn.Linear(columns, rows, dtype=DTYPE)
    with torch.no_grad():
        module.weight.copy_(tensor(layer.weights))
        module.bias.copy_(tensor(layer.bias))
    return module


def values(network: Network) -> dict[str, Any]:
    """Every quantity nncheck names, as float64 NumPy arrays computed by PyTorch."""
    linears = [linear(layer) for layer in network.layers]
    activations = [activation(layer) for layer in network.layers]
    x = tensor(network.input).requires_grad_(True)
    found: dict[str, torch.Tensor] = {}
    watched: dict[str, torch.Tensor] = {"a0": x}
    a = x
    for l, (affine, act) in enumerate(zip(linears, activations), start=1):
        inputs = a.detach()
        z = affine(a)
        a = act(z)
        for name, value in ((f"z{l}", z), (f"a{l}", a)):
            value.retain_grad()
            watched[name] = value
            found[name] = value
        found[f"da{l}/dz{l}"] = _local_derivative(act, z.detach(), jacobian_form=network.layers[l - 1].activation == "softmax")
        found[f"dz{l}/dW{l}"] = _weight_derivative(affine, inputs)
        found[f"dz{l}/da{l - 1}"] = jacobian(affine, inputs)
    loss = LOSSES[network.loss](a, tensor(network.target))
    torch.autograd.backward(loss)
    found["L"] = loss
    for name, value in watched.items():
        assert value.grad is not None, name
        found[f"dL/d{name}"] = value.grad
    for l, affine in enumerate(linears, start=1):
        assert affine.weight.grad is not None and affine.bias.grad is not None
        found[f"dL/dW{l}"] = affine.weight.grad.clone()
        found[f"dL/db{l}"] = affine.bias.grad.clone()
    if network.learning_rate is not None:
        found.update(_sgd_step(linears, network))
    return {name: value.detach().numpy().copy() for name, value in found.items()}


def model_values(model: Graph, gradients: Sequence[str], loop: Loop | None) -> dict[str, Any]:
    """Every quantity nncheck names for a model in the general form, as float64 NumPy arrays computed by PyTorch:
    its formulas evaluated with torch functions, its gradients by torch.autograd, its loop step by step."""
    return torch_model.values(model, gradients, loop)


def jacobian(function: Callable[[torch.Tensor], torch.Tensor], at: torch.Tensor) -> torch.Tensor:
    """torch.autograd.functional.jacobian, typed (PyTorch leaves it unannotated): rows are outputs."""
    result: torch.Tensor = cast(Any, torch.autograd.functional).jacobian(function, at)
    return result


def _local_derivative(act: nn.Module, z: torch.Tensor, *, jacobian_form: bool) -> torch.Tensor:
    """∂a/∂z: the Jacobian for softmax, its diagonal for elementwise activations (as nncheck stores them)."""
    full = jacobian(act, z)
    return full if jacobian_form else torch.diagonal(full)


def _weight_derivative(affine: nn.Linear, inputs: torch.Tensor) -> torch.Tensor:
    """∂z_i/∂W_ij for each output i: row i of the result (nncheck states the one row all outputs share)."""
    bias = affine.bias.detach()
    full = jacobian(lambda weight: nn.functional.linear(inputs, weight, bias), affine.weight.detach())
    return torch.stack([full[i, i] for i in range(full.shape[0])])


def _sgd_step(linears: list[nn.Linear], network: Network) -> dict[str, torch.Tensor]:
    """One step of plain SGD at the spec's learning rate, biases included when the spec updates them."""
    rate = network.learning_rate
    assert rate is not None
    biases = network.conventions.update_biases
    parameters = [p for affine in linears for p in ((affine.weight, affine.bias) if biases else (affine.weight,))]
    torch.optim.SGD(parameters, lr=float(rate)).step()
    updated: dict[str, torch.Tensor] = {}
    for l, affine in enumerate(linears, start=1):
        updated[f"W{l}_new"] = affine.weight.detach().clone()
        if biases:
            updated[f"b{l}_new"] = affine.bias.detach().clone()
    return updated
