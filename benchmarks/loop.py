"""A training loop in the general form: SGD on a 2-2-2 logistic network (sigmoid layers, half-SSE), certified.

Measured in one run and printed as a ratio to the same loop in float64 NumPy: loading the spec (which writes
out and evaluates every step's definitions, adjoints and updates) and auditing it (every quantity at the
working precision, the claims judged). The claim is the weights after the last step, rounded from the
NumPy loop's value to 4 decimals, so the audit also checks the two agree.

    python benchmarks/loop.py [--steps N]     (N = 1000 by default; the issue's target is 10,000)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nncheck.audit import audit
from nncheck.readers.spec import parse_spec

W1, B1, W2, B2 = [[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35], [[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]
X, Y, ETA = [0.05, 0.10], [0.01, 0.99], 0.5


def numpy_loop(steps: int) -> tuple[np.ndarray, float]:
    w1, b1, w2, b2 = (np.array(v, dtype=np.float64) for v in (W1, B1, W2, B2))
    x, y = np.array(X), np.array(Y)
    start = time.perf_counter()
    for _ in range(steps):
        h = 1 / (1 + np.exp(-(w1 @ x + b1)))
        o = 1 / (1 + np.exp(-(w2 @ h + b2)))
        d2 = (o - y) * o * (1 - o)
        d1 = (w2.T @ d2) * h * (1 - h)
        w2, b2 = w2 - ETA * np.outer(d2, h), b2 - ETA * d2
        w1, b1 = w1 - ETA * np.outer(d1, x), b1 - ETA * d1
    return w2, time.perf_counter() - start


def spec(steps: int, w2: np.ndarray) -> str:
    claimed = "[" + ", ".join("[" + ", ".join(f"{v:.4f}" for v in row) + "]" for row in w2) + "]"
    return f"""nncheck: 1
title: SGD on a 2-2-2 logistic network
model:
  givens: {{W1: {W1}, b1: {B1}, W2: {W2}, b2: {B2}, x: {X}, y: {Y}, eta: {ETA}}}
  definitions:
    h: sigmoid(W1 * x + b1)
    o: sigmoid(W2 * h + b2)
    L: half_sse(o, y)
  gradients: [L]
  updates:
    W1: W1 - eta * grad(L, W1)
    b1: b1 - eta * grad(L, b1)
    W2: W2 - eta * grad(L, W2)
    b2: b2 - eta * grad(L, b2)
  steps: {steps}
claims:
  - {{quantity: W2@{steps + 1}, value: {claimed}, step: after the loop}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    steps = parser.parse_args().steps
    w2, floats = numpy_loop(steps)
    text = spec(steps, w2)
    start = time.perf_counter()
    loaded = parse_spec(text, "loop.yaml")
    load = time.perf_counter() - start
    start = time.perf_counter()
    result = audit(loaded, diagnose=0)
    judged = time.perf_counter() - start
    kinds = sorted({v.kind.value for v in result.verdicts})
    print(f"{steps} SGD steps, 2-2-2 logistic network: NumPy float64 {floats * 1e3:.1f} ms; nncheck load {load:.2f} s, "
          f"audit {judged:.2f} s; certified / float64 = {(load + judged) / floats:.0f}x; verdicts {kinds}")


if __name__ == "__main__":
    main()
