"""How a Markdown page's audit scales with its length: pages of N examples, N = 250 to 2,000.

Two kinds of page, each example a section of four displays (givens, a pre-activation worked out with
its numbers, a sigmoid): one that re-uses the same names in every section (a new example re-binds
them, as tutorials with several samples or epochs do) and one whose names are all distinct. Printed,
measured in one run: the seconds per page, the ratio of each page's time to the smallest page's time
divided by the ratio of their lengths (1 is linear), and the fitted exponent of time against length.

    python benchmarks/pages.py [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import time

from nncheck.audit import audit_markdown

SIZES = (250, 500, 1000, 2000)


def page(sections: int, *, reuse: bool) -> str:
    """A page of ``sections`` worked examples; every printed number correctly rounded (checked below)."""
    parts = ["# Generated examples", ""]
    for i in range(sections):
        x, w = (i % 7) + 1.5, ((i % 9) + 1) / 10
        z = f"{w * x + 0.1:.4f}"
        suffix = "" if reuse else f"_{{{i}}}"
        parts += [f"## Example {i}", "", f"$$x{suffix} = {x}, \\quad w{suffix} = {w}$$", "",
                  f"$$z{suffix} = w{suffix} x{suffix} + 0.1 = {w} \\times {x} + 0.1 = {z}$$", "",
                  f"$$a{suffix} = \\sigma(z{suffix}) = {1 / (1 + math.exp(-float(z))):.3f}$$", ""]
    return "\n".join(parts)


def seconds(text: str, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = audit_markdown(text)
        best = min(best, time.perf_counter() - start)
    failing = [v for v in result.verdicts if v.is_finding]
    assert not failing, failing[:3]  # a benchmark of correct pages: a finding here is a bug
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the fastest counts (default 3)")
    args = parser.parse_args()
    for reuse in (True, False):
        label = "names re-used in every section" if reuse else "distinct names"
        times = [seconds(page(n, reuse=reuse), args.repeat) for n in SIZES]
        print(f"{label}:")
        for n, t in zip(SIZES, times):
            print(f"  {n:5d} examples  {t:7.2f} s  time ratio / length ratio {t / times[0] / (n / SIZES[0]):5.2f}")
        xs, ys = [math.log(n) for n in SIZES], [math.log(t) for t in times]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
        print(f"  fitted exponent {slope:.2f} (1 is linear)")


if __name__ == "__main__":
    main()
