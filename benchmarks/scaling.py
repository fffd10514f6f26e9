"""How the audit scales: sigmoid/BCE networks 8-8-8-1, 32-32-32-1 and 64-64-64-1, every quantity claimed.

Measured in one run on one machine, and printed as ratios to a bare python-flint arb_mat forward and
backward pass of the same network at 128 bits (the floor of any certified evaluation):
- nncheck's certified evaluation of every quantity (fmpq_mat while rational, arb_mat after), and the
  same evaluation with numpy's elementwise products of Reals instead of flint's matrices;
- the full audit of a spec claiming every quantity, correctly rounded to 6 decimals (parsing apart);
- the whole in-process path of `nncheck audit` on the 64-64-64-1 spec: read the YAML text, audit, render the
  terminal report (target: within 20x of the bare pass), with the interpreter's default garbage-collector
  thresholds and with the CLI's (nncheck.cli.collector_tuned);
- the cost of merely building one verdict record per printed number, the floor of any audit that
  reports each number;
- the fitted exponents of evaluation and audit time against parameter count (1 is linear);
- examples per second of the default Hypothesis profile for the backend-agreement properties of
  tests/test_properties.py (ball against SymPy, float against ball).

With --findings, also a 64-64-64-1 spec whose every number is 3 units off in its last digit: the
audit with the default diagnosis limit and with the diagnosis off.

    python benchmarks/scaling.py [--repeat N] [--findings]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

from flint import arb, arb_mat, ctx

from nncheck.audit import Kind, Verdict, audit
from nncheck.cli import collector_tuned
from nncheck.errors import Location
from nncheck.network import backend, ball, evaluate
from nncheck.printed import parse_printed
from nncheck.records import Layer, Network, Place
from nncheck.readers.spec import parse_spec
from nncheck.readers.spec.writer import dump_spec
from nncheck.report import renderer
from nncheck.testing import claims_from_true_values

SIZES = ((8, 8, 8, 1), (32, 32, 32, 1), (64, 64, 64, 1))
TARGET_RATIO = 3.0
TARGET_PATH_RATIO = 20.0
ROOT = Path(__file__).resolve().parent.parent


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


# The ball backend with numpy's elementwise matrix products instead of flint's matrices (for comparison).
ELEMENTWISE = SimpleNamespace(**{name: getattr(ball, name) for name in ("DTYPE", "constant", "exp", "log", "tanh", "sign",
                                                                        "stabilizer", "select")},
                              NAME="ball-elementwise", matmul=backend.matmul, outer=backend.outer)


def verdict_records(count: int) -> None:
    """``count`` verdict records with fixed fields: what any audit that reports each number must build."""
    place, location = Place("s", Location("bench.yaml", 1, 1)), Location("bench.yaml", 1, 1)
    for _ in range(count):
        Verdict(kind=Kind.HOLDS, ref="z1[0]", subject="z1", stated="0.5", place=place, location=location,
                exact="0.50000", own=None, relative_error=0.0)


def best(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def exponent(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of log time against log parameters."""
    xs = [math.log(p) for p, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def whole_path(text: str, repeat: int) -> dict[str, float]:
    """Seconds to read the spec text, audit it and render the terminal report, each stage and the whole (the reader's
    cache of printed numbers cleared first, as in a fresh process)."""
    render = renderer("terminal")

    def load() -> object:
        parse_printed.cache_clear()
        return parse_spec(text)

    def whole() -> None:
        render(audit(load()), io.StringIO(), False)  # type: ignore[arg-type]

    spec = load()
    result = audit(spec)  # type: ignore[arg-type]
    return {"load": best(load, repeat), "audit": best(lambda: audit(spec), repeat),  # type: ignore[arg-type]
            "render": best(lambda: render(result, io.StringIO(), False), repeat), "whole": best(whole, repeat)}


def hypothesis_rates() -> dict[str, float]:
    """Examples per second of the suite's own backend-agreement properties under its default profile."""
    sys.path.insert(0, str(ROOT))
    import tests.conftest  # noqa: F401  (registers and loads the default profile)
    from tests import test_properties as properties

    rates = {}
    for name in ("test_ball_backend_encloses_sympy_values", "test_float_backend_agrees_with_exact_values"):
        test = getattr(properties, name)
        inner = test.hypothesis.inner_test
        count = 0

        def counting(*args: object, _inner: Callable[..., None] = inner, **kwargs: object) -> None:
            nonlocal count
            count += 1
            _inner(*args, **kwargs)

        test.hypothesis.inner_test = counting
        start = time.perf_counter()
        test()
        rates[name] = count / (time.perf_counter() - start)
        test.hypothesis.inner_test = inner
    return rates


def shifted(text: str) -> str:
    """Every claimed 6-decimal number moved 3 units in its last digit (the network section untouched)."""
    head, _, claims = text.partition("\nclaims:")

    def move(match: re.Match[str]) -> str:
        digits = match.group(0)
        return digits[:-1] + str((int(digits[-1]) + 3) % 10)

    return head + "\nclaims:" + re.sub(r"-?\d+\.\d{6}\b", move, claims)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the best is kept (default 5)")
    parser.add_argument("--findings", action="store_true", help="also audit a 64-64-64-1 spec wrong throughout")
    args = parser.parse_args()
    evaluations, audits = [], []
    print(f"{'network':<12} {'params':>7} {'numbers':>8} {'arb_mat':>9} {'evaluate':>9} {'elementw.':>9} {'audit':>9} "
          f"{'parse':>9} {'records':>9}   evaluate/arb_mat  elementwise/arb_mat  audit/arb_mat  records/arb_mat")
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

        def evaluate_elementwise() -> None:
            with ball.precision(128):
                evaluate(net, ELEMENTWISE)  # type: ignore[arg-type]

        elementwise = best(evaluate_elementwise, 1)
        audited = best(lambda: audit(spec), args.repeat)
        parsed = best(lambda: (parse_printed.cache_clear(), parse_spec(text)), 1)
        result = audit(spec)
        numbers = len(result.verdicts)
        assert {v.kind for v in result.verdicts} == {Kind.HOLDS}, "a correctly rounded spec must hold throughout"
        records = best(lambda: verdict_records(numbers), args.repeat)
        evaluations.append((params, evaluated))
        audits.append((params, audited))
        name = "-".join(map(str, widths))
        print(f"{name:<12} {params:>7} {numbers:>8} {floor * 1e3:>7.1f}ms {evaluated * 1e3:>7.1f}ms {elementwise * 1e3:>7.1f}ms "
              f"{audited * 1e3:>7.0f}ms {parsed * 1e3:>7.0f}ms {records * 1e3:>7.1f}ms   {evaluated / floor:>16.1f}x "
              f"{elementwise / floor:>20.1f}x {audited / floor:>13.0f}x {records / floor:>15.1f}x")
    ratio = audits[-1][1] / floor
    print(f"fitted exponent in parameter count (1 is linear): evaluation {exponent(evaluations):.2f}, audit {exponent(audits):.2f}")
    print(f"64-64-64-1 audit / bare arb_mat pass: {ratio:.0f}x (target <= {TARGET_RATIO:g}x): "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}; building its {numbers} verdict records alone is "
          f"{records / floor:.1f}x")
    net = network(SIZES[-1])
    text = dump_spec(net, claims_from_true_values(net, lambda quantity: 6))
    floor = best(lambda: bare_arb_mat(net), args.repeat)
    stages = whole_path(text, args.repeat)
    with collector_tuned():
        tuned = whole_path(text, args.repeat)
    print("64-64-64-1 spec, load + audit + render (terminal), best of each stage / of the whole:")
    for label, times in (("default collector", stages), ("the CLI's collector", tuned)):
        parts = ", ".join(f"{name} {value * 1e3:.0f} ms ({value / floor:.0f}x)" for name, value in times.items() if name != "whole")
        ratio = times["whole"] / floor
        print(f"  {label}: {parts}; whole {times['whole'] * 1e3:.0f} ms = {ratio:.0f}x the bare pass "
              f"(target <= {TARGET_PATH_RATIO:g}x): {'met' if ratio <= TARGET_PATH_RATIO else 'NOT met'}")
    for name, rate in hypothesis_rates().items():
        print(f"Hypothesis, default profile, {name}: {rate:.0f} examples/s")
    if args.findings:
        net = network(SIZES[-1])
        spec = parse_spec(shifted(dump_spec(net, claims_from_true_values(net, lambda quantity: 6))))
        start = time.perf_counter()
        result = audit(spec)
        limited = time.perf_counter() - start
        start = time.perf_counter()
        audit(spec, diagnose=0)
        judged = time.perf_counter() - start
        findings = sum(1 for v in result.verdicts if v.kind is not Kind.HOLDS)
        diagnosed = sum(1 for v in result.verdicts if v.diagnosed)
        print(f"64-64-64-1 wrong throughout ({findings} findings of {len(result.verdicts)} numbers): audit {limited:.1f} s "
              f"with the default diagnosis limit ({diagnosed} diagnosed), {judged:.1f} s with --diagnose 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
