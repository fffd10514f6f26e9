"""A mini-batch forward and backward pass in matrix form (one column per sample).

It is written independently of the per-sample step table so that the two can check each other:
a batch's loss is the mean of the per-sample losses (bce, mse, cross_entropy, as PyTorch's default
reduction) or their sum (half_sse), and its gradients are the same mean or sum of per-sample gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncheck.network.backend import Array, Backend
from nncheck.network.rules import ACTIVATIONS, LOSSES, Parameters
from nncheck.network.steps import given_values
from nncheck.records import Network

# Losses whose batch reduction is a sum; the others average over the batch.
SUMMED = frozenset({"half_sse"})


def batch_gradients(network: Network, inputs: Array, targets: Array, backend: Backend) -> dict[str, Any]:
    """Loss ``L`` and ``dL/dW{l}``, ``dL/db{l}`` for inputs (n0 × B) and targets (nN × B)."""
    params = given_values(network, backend)
    count = inputs.shape[1]
    scale = 1 if network.loss in SUMMED else count
    activations = [inputs]
    pre: list[Array] = []
    for l, layer in enumerate(network.layers, start=1):
        z = params[f"W{l}"] @ activations[-1] + params[f"b{l}"][:, None]
        pre.append(z)
        rule = ACTIVATIONS[layer.activation]
        parameters = Parameters.of(backend, layer, network.conventions)
        columns = [rule.forward(backend, z[:, k], parameters) for k in range(count)] if rule.jacobian else None
        activations.append(np.stack(columns, axis=1) if columns is not None else rule.forward(backend, z, parameters))
    out = activations[-1]
    loss_rule = LOSSES[network.loss]
    per_sample = [loss_rule.value(backend, out[:, k], targets[:, k])[()] for k in range(count)]
    result: dict[str, Any] = {"L": sum(per_sample[1:], per_sample[0]) / scale}
    grad = np.stack([loss_rule.gradient(backend, out[:, k], targets[:, k]) for k in range(count)], axis=1) / scale
    for l in range(len(network.layers), 0, -1):
        layer = network.layers[l - 1]
        rule = ACTIVATIONS[layer.activation]
        parameters = Parameters.of(backend, layer, network.conventions)
        operand = activations[l] if rule.derivative_of == "a" else pre[l - 1]
        if rule.jacobian:
            delta = np.stack([rule.derivative(backend, operand[:, k], parameters).T @ grad[:, k]
                              for k in range(count)], axis=1)
        else:
            delta = grad * rule.derivative(backend, operand, parameters)
        result[f"dL/dW{l}"] = delta @ activations[l - 1].T
        result[f"dL/db{l}"] = delta.sum(axis=1)
        grad = params[f"W{l}"].T @ delta
    return result

