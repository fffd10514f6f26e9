"""How a Markdown page's audit scales with its length: pages of 100 to 5,000 equations, measured in one run.

Each example is three displays (givens, a pre-activation worked out with its numbers, a sigmoid), its numbers drawn
per example so that no two displays are alike (a repeated display would be parsed once and flatter the figures).
Three kinds of page: names re-used in every example under a heading of its own (x, w, z, a in each section), the
same without headings (each example re-binds the names of the one before: the audit reads the new givens as
restatements and reports them, so only its time counts), and names that are all distinct. Printed: seconds and milliseconds per equation (an equation is a
relation of a display: "z = … = … = 0.35" counts its relations), the fitted exponent of time against length (1 is
linear), and the peak memory of a fresh process auditing the 5,000-equation page with re-used names against
`python -c "import numpy, sympy"`; each against its target (issue "Fast where users wait").

    python benchmarks/pages.py [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
import time

from nncheck.audit import audit_markdown

EQUATIONS = (100, 500, 1000, 2000, 5000)
TARGET_MS = 0.5
TARGET_MEMORY = 1.5
PER_EXAMPLE = 5  # relations: x = …, w = …, z = … = … = …, a = … = …


def page(equations: int, *, reuse: bool, headings: bool = True, seed: int = 0) -> str:
    """About ``equations`` relations, every printed number correctly rounded (the audit below finds none wrong)."""
    rng = random.Random(seed)
    parts = ["# Generated examples", ""]
    for i in range(max(1, equations // PER_EXAMPLE)):
        x, w = rng.randint(-999, 999) / 100, rng.randint(-99, 99) / 100
        z = round(w * x + 0.1, 4) + 0.0
        suffix = "" if reuse else f"_{{{i}}}"
        a = 1 / (1 + math.exp(-z))
        parts += [f"## Example {i}", ""] if headings else []
        parts += [f"$$x{suffix} = {x}, \\quad w{suffix} = {w}$$", "",
                  f"$$z{suffix} = w{suffix} x{suffix} + 0.1 = {w} \\times {x} + 0.1 = {z:.4f}$$", "",
                  f"$$a{suffix} = \\sigma(z{suffix}) = {a:.3f}$$", ""]
    return "\n".join(parts)


def seconds(text: str, repeat: int, *, correct: bool = True) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = audit_markdown(text)
        best = min(best, time.perf_counter() - start)
    failing = [v for v in result.verdicts if v.is_finding]
    assert not correct or not failing, failing[:3]  # a benchmark of correct pages: a finding here is a bug
    return best


def peak_memory(code: str) -> int:
    """The peak resident memory (KiB) of a fresh interpreter running ``code``."""
    script = code + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the fastest counts (default 3)")
    args = parser.parse_args()
    audit_markdown(page(20, reuse=False, seed=1))  # the parsers' tables are built once per process: not timed
    kinds = (("names re-used, a heading per example", True, True), ("names re-bound, no headings", True, False),
             ("distinct names", False, True))
    for label, reuse, headings in kinds:
        times = [seconds(page(n, reuse=reuse, headings=headings), args.repeat, correct=headings) for n in EQUATIONS]
        print(f"{label}:")
        for n, t in zip(EQUATIONS, times):
            print(f"  {n:5d} equations  {t:7.2f} s  {t / n * 1000:6.3f} ms per equation")
        xs, ys = [math.log(n) for n in EQUATIONS], [math.log(t) for t in times]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
        per = times[-1] / EQUATIONS[-1] * 1000
        print(f"  fitted exponent {slope:.2f} (1 is linear); at {EQUATIONS[-1]} equations {per:.3f} ms per equation "
              f"(target ≤ {TARGET_MS:g}: {'met' if per <= TARGET_MS else 'not met'})")
    audited = peak_memory("from benchmarks.pages import page\nfrom nncheck.audit import audit_markdown\n"
                          f"audit_markdown(page({EQUATIONS[-1]}, reuse=True, headings=False))")
    floor = peak_memory("import numpy, sympy")
    ratio = audited / floor
    print(f"peak memory at {EQUATIONS[-1]} equations: {audited / 1024:.0f} MiB against {floor / 1024:.0f} MiB for "
          f"import numpy, sympy: ratio {ratio:.2f} (target ≤ {TARGET_MEMORY:g}: {'met' if ratio <= TARGET_MEMORY else 'not met'})")


if __name__ == "__main__":
    main()
