"""Cold wall time of `nncheck audit specs/blog.yaml` against `python -c "import numpy, sympy"`.

Both commands run alternately in fresh interpreters, several times each, in one run on one
machine; the script prints each median and their ratio. Target: ratio <= 0.7.

The nncheck package is byte-compiled first, as `pip install` leaves it (NumPy and SymPy are
byte-compiled by their own installation). An editable install run with PYTHONDONTWRITEBYTECODE=1
compiles every nncheck module on every start instead; `--no-compile` measures that case.

    python benchmarks/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.7
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
    parser.add_argument("--no-compile", action="store_true",
                        help="do not byte-compile nncheck first (measures compiling on every start when no "
                             "bytecode is written)")
    args = parser.parse_args()
    if not args.no_compile:
        compileall.compile_dir(ROOT / "nncheck", quiet=1)
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
