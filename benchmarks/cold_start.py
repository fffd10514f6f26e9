"""Cold wall time of `nncheck audit specs/blog.yaml` against `python -c "import numpy, sympy"`.

Both commands run alternately in fresh interpreters, several times each, in one run on one
machine; the script prints each median and their ratio. Target: ratio <= 1.3.

    python benchmarks/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3
COMMANDS = {
    "nncheck audit specs/blog.yaml": [sys.executable, "-m", "nncheck", "audit", "specs/blog.yaml"],
    "python -c 'import numpy, sympy'": [sys.executable, "-c", "import numpy, sympy"],
}


def wall_time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (default 9)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name, argv in COMMANDS.items():
        wall_time(argv)  # warm the file cache once; every measured run is a fresh interpreter
    for run in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(wall_time(argv))
        print(f"run {run + 1}/{args.runs}", file=sys.stderr)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:36} median {value * 1000:7.1f} ms over {args.runs} runs")
    audit_time, baseline = medians.values()
    ratio = audit_time / baseline
    print(f"ratio {ratio:.2f} (target <= {TARGET}): {'met' if ratio <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
