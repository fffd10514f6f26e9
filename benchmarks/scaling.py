"""How the audit scales: sigmoid/BCE networks 8-8-8-1, 32-32-32-1 and 64-64-64-1, every quantity claimed.

Measured in one run on one machine, and printed as ratios:
- a bare python-flint arb_mat forward and backward pass of the same network (the floor);
- nncheck's ball evaluation of every quantity (exact rationals, then arb balls, elementwise);
- the full audit of a spec claiming every quantity (parsing reported separately);
- the fitted exponent of audit time against parameter count (1 is linear);
- examples per second of the default Hypothesis profile for the float/exact backend agreement.

    python benchmarks/scaling.py [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from fractions import Fraction

from flint import arb, arb_mat, ctx

from nncheck.audit import audit
from nncheck.network import ball, evaluate
from nncheck.records import Layer, Network
from nncheck.spec import parse_spec
from nncheck.spec.writer import dump_spec
from nncheck.testing import claims_from_true_values

SIZES = ((8, 8, 8, 1), (32, 32, 32, 1), (64, 64, 64, 1))
TARGET_RATIO = 3.0


def network(widths: tuple[int, ...], seed: int = 0) -> Network:
    rng = random.Random(seed)

    def number() -> Fraction:
        return Fraction(rng.randint(-100, 100), 100)

    layers = tuple(
        Layer(tuple(tuple(number() for _ in range(widths[l])) for _ in range(widths[l + 1])),
              tuple(number() for _ in range(widths[l + 1])), "sigmoid")
        for l in range(len(widths) - 1)
    )
    return Network(layers, "bce", input=tuple(number() for _ in range(widths[0])), target=(Fraction(1),))


def bare_arb_mat(net: Network) -> None:
    """Forward and backward in arb_mat at 128 bits, sigmoid and BCE written out by hand."""
    ctx.prec = 128

    def mat(rows: tuple[tuple[Fraction, ...], ...]) -> arb_mat:
        return arb_mat([[arb(v.numerator) / v.denominator for v in row] for row in rows])

    weights = [mat(layer.weights) for layer in net.layers]
    biases = [mat(tuple((v,) for v in layer.bias)) for layer in net.layers]
    activations = [mat(tuple((v,) for v in net.input))]
    for w, b in zip(weights, biases):
        z = w * activations[-1] + b
        activations.append(arb_mat([[1 / (1 + (-z[i, 0]).exp())] for i in range(z.nrows())]))
    yhat = activations[-1][0, 0]
    _ = -yhat.log()
    delta = arb_mat([[yhat - 1]])
    for l in range(len(weights) - 1, -1, -1):
        _ = delta * activations[l].transpose()
        if l:
            back = weights[l].transpose() * delta
            a = activations[l]
            delta = arb_mat([[back[i, 0] * a[i, 0] * (1 - a[i, 0])] for i in range(back.nrows())])


def best(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def hypothesis_rate() -> float:
    from hypothesis import given, settings

    from nncheck import strategies as nst
    from nncheck.network import floating

    count = 0

    @settings(max_examples=40, deadline=None, database=None)
    @given(nst.networks(numbers=nst.binary_fractions()))
    def agreement(net: Network) -> None:
        nonlocal count
        count += 1
        evaluate(net, floating)
        with ball.precision(128):
            evaluate(net, ball)

    start = time.perf_counter()
    agreement()
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept (default 3)")
    args = parser.parse_args()
    rows = []
    print(f"{'network':<12} {'params':>7} {'arb_mat':>9} {'evaluate':>9} {'audit':>9} {'parse':>9} {'numbers':>8} {'audit/arb_mat':>14}")
    for widths in SIZES:
        net = network(widths)
        params = sum(len(layer.bias) * (len(layer.weights[0]) + 1) for layer in net.layers)
        text = dump_spec(net, claims_from_true_values(net, lambda quantity: 6))
        spec = parse_spec(text)
        floor = best(lambda: bare_arb_mat(net), args.repeat)

        def evaluate_all() -> None:
            with ball.precision(128):
                evaluate(net, ball)

        evaluated = best(evaluate_all, args.repeat)
        audited = best(lambda: audit(spec), args.repeat)
        parsed = best(lambda: parse_spec(text), 1)
        numbers = len(audit(spec).verdicts)
        rows.append((params, audited, floor))
        name = "-".join(map(str, widths))
        print(f"{name:<12} {params:>7} {floor * 1e3:>7.1f}ms {evaluated * 1e3:>7.1f}ms {audited * 1e3:>7.0f}ms "
              f"{parsed * 1e3:>7.0f}ms {numbers:>8} {audited / floor:>13.0f}x")
    (p0, t0, _), (p1, t1, floor_64) = rows[0], rows[-1]
    print(f"fitted exponent of audit time in parameter count: {math.log(t1 / t0) / math.log(p1 / p0):.2f} (1 is linear)")
    ratio = t1 / floor_64
    print(f"64-64-64-1 audit / bare arb_mat pass: {ratio:.0f}x (target <= {TARGET_RATIO:g}x): {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    print(f"Hypothesis backend agreement, default profile: {hypothesis_rate():.0f} examples/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
