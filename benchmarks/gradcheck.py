"""A certified gradient check against PyTorch's: nncheck.testing.check_gradients and torch.autograd.gradcheck on the
same network and the same user backward pass, measured side by side in one run.

The network is sigmoid → softmax under cross-entropy; the user's backward pass is NumPy by the textbook formulas
(δ2 = a2 − y, δ1 = W2ᵀδ2 ⊙ a1(1 − a1)). gradcheck gets it through a torch.autograd.Function whose forward is the
network in float64 torch and whose backward calls the NumPy code; it runs with its default settings (float64,
eps 1e-6, central differences of every parameter). Printed: the seconds of each on 64-64-10, their ratio and whether
the target (check_gradients at most 1× gradcheck) is met; then check_gradients' time from 2-2-2 to 64-64-10 and the
fitted exponent of time against the parameter count (1 is linear). Needs torch (pip install 'nncheck[torch]').

    python benchmarks/gradcheck.py [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np

from nncheck.records import Layer, Network
from nncheck.testing import check_gradients

SIZES = ((2, 2, 2), (4, 4, 2), (8, 8, 4), (16, 16, 8), (32, 32, 10), (64, 64, 10))
TARGET = 1.0


def network(widths: tuple[int, int, int], seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)

    def values(*shape: int) -> list[Fraction]:
        return [Fraction(int(v), 100) for v in rng.integers(-100, 101, size=math.prod(shape))]

    def layer(rows: int, cols: int, activation: str) -> Layer:
        flat = values(rows, cols)
        return Layer(tuple(tuple(flat[r * cols:(r + 1) * cols]) for r in range(rows)), tuple(values(rows)), activation)

    target = tuple(Fraction(int(i == 0)) for i in range(widths[2]))
    return Network((layer(widths[1], widths[0], "sigmoid"), layer(widths[2], widths[1], "softmax")), "cross_entropy",
                   input=tuple(values(widths[0])), target=target)


def backprop(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The user's backward pass, by hand."""
    a1 = 1 / (1 + np.exp(-(params["W1"] @ x + params["b1"])))
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = np.exp(z2 - z2.max())
    a2 /= a2.sum()
    delta2 = a2 - y
    delta1 = (params["W2"].T @ delta2) * a1 * (1 - a1)
    return {"W1": np.outer(delta1, x), "b1": delta1, "W2": np.outer(delta2, a1), "b2": delta2}


def torch_check(net: Network) -> Callable[[], bool]:
    """gradcheck of the same network, its backward the NumPy backprop above."""
    import torch

    x = torch.tensor([float(v) for v in net.input], dtype=torch.float64)
    y = torch.tensor([float(v) for v in net.target], dtype=torch.float64)

    class Loss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, W1, b1, W2, b2):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(W1, b1, W2, b2)
            a1 = torch.sigmoid(W1 @ x + b1)
            return -(y * torch.log_softmax(W2 @ a1 + b2, dim=0)).sum()

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            W1, b1, W2, b2 = ctx.saved_tensors
            found = backprop({"W1": W1.numpy(), "b1": b1.numpy(), "W2": W2.numpy(), "b2": b2.numpy()}, x.numpy(), y.numpy())
            return tuple(grad * torch.from_numpy(found[name]) for name in ("W1", "b1", "W2", "b2"))

    inputs = tuple(torch.tensor([[float(v) for v in row] for row in layer.weights], dtype=torch.float64, requires_grad=True)
                   if name.startswith("W") else torch.tensor([float(v) for v in layer.bias], dtype=torch.float64,
                                                             requires_grad=True)
                   for layer in net.layers for name in ("W", "b"))
    return lambda: bool(torch.autograd.gradcheck(Loss.apply, inputs))


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts (default 3)")
    args = parser.parse_args()
    net = network(SIZES[-1])
    ours, theirs = 0.0, 0.0
    for _ in range(args.repeat):  # alternated, so that the machine's load falls on both
        ours += best(lambda: check_gradients(backprop, net), 1)
        theirs += best(torch_check(net), 1)
    ratio = ours / theirs
    print(f"64-64-10: check_gradients {ours / args.repeat:.3f} s, torch.autograd.gradcheck {theirs / args.repeat:.3f} s, "
          f"ratio {ratio:.2f} (target ≤ {TARGET:g}: {'met' if ratio <= TARGET else 'not met'})")
    sizes, times = [], []
    for widths in SIZES:
        candidate = network(widths)
        count = sum(len(layer.weights) * len(layer.weights[0]) + len(layer.bias) for layer in candidate.layers)
        sizes.append(count)
        times.append(best(lambda: check_gradients(backprop, candidate), args.repeat))
        print(f"  {'-'.join(map(str, widths)):>9}  {count:5d} parameters  {times[-1] * 1000:8.1f} ms")
    xs, ys = [math.log(n) for n in sizes[2:]], [math.log(t) for t in times[2:]]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((a - mean_x) * (b - mean_y) for a, b in zip(xs, ys)) / sum((a - mean_x) ** 2 for a in xs)
    print(f"  fitted exponent of time against parameters, 8-8-4 to 64-64-10: {slope:.2f} (1 is linear)")


if __name__ == "__main__":
    main()
