"""A fuzz campaign over specs and pages, mixed: every input must end in an audit or a located NncheckError, within
2 s of CPU, and the campaign within 512 MB. Prints the figures docs/hostile.md records.

    python tests/fuzz/campaign.py [--inputs 100000] [--jobs 2] [--seed 0]

Inputs, drawn with random.Random(seed) (its own generators, not nncheck.strategies'):
- spec equations from a grammar of the expression language with extreme magnitudes (1e300, 1e-300, towers of
  powers, exp of exp, logs of differences that cancel, divisions by zero, max/min of equal values);
- the corpus specs (tests/fuzz/corpus) with bytes, tokens and lines mutated;
- Markdown pages of display and inline math over names, numbers and functions, with adversarial runs of delimiters
  (\\(, $, $$, \\[, backticks, <!--) up to 200 kB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import signal
import sys
import time
from pathlib import Path

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.yaml"))
CPU_LIMIT = 2.0

NUMBERS = ["0", "1", "2", "0.5", "-1", "3.7", "1e300", "1e-300", "-1e300", "1e100", "1e6", "1e-10", "0.938", "2.73",
           "1.003468", "-283227743273", "10", "1e308", "0.0", "7e-5"]
FUNCTIONS = ["exp", "log", "ln", "sqrt", "sigmoid", "tanh", "relu"]
PAIRS = ["max", "min"]
MARKDOWN_UNITS = ["\\( ", "$x$ ", "$a ", "$$a ", "\\[ ", "`` ", "<!-- ", "\\begin{x} ", "\\(x\\) ", "$$x$$ "]
LATEX_PIECES = ["0.5", "-1.2", "2", "0.71", "3", "x", "w", "z_1", "\\hat{y}", "e", "\\sigma", "\\tanh", "\\exp", "\\log",
                "\\frac", "{", "}", "(", ")", "^", "_", "+", "-", "\\times", "\\cdot", "=", "\\approx",
                "\\begin{bmatrix}", "\\end{bmatrix}", "&", "\\\\", "1e300", "10^{300}", "\\sqrt", "\\text{softmax}",
                "\\max", "\\sum", "\\%"]


def expression(rng: random.Random, depth: int = 0) -> str:
    choice = rng.random()
    if depth > 4 or choice < 0.3:
        return rng.choice(NUMBERS)
    if choice < 0.55:
        return f"{expression(rng, depth + 1)} {rng.choice('+-*/^')} {expression(rng, depth + 1)}"
    if choice < 0.8:
        return f"{rng.choice(FUNCTIONS)}({expression(rng, depth + 1)})"
    if choice < 0.9:
        return f"{rng.choice(PAIRS)}({expression(rng, depth + 1)}, {expression(rng, depth + 1)})"
    return f"({expression(rng, depth + 1)})"


def equation_spec(rng: random.Random) -> tuple[str, str]:
    rows = "".join(f"  - {{id: e{i}, expression: '{expression(rng)}', value: {rng.choice(NUMBERS)}, step: s}}\n"
                   for i in range(rng.randint(1, 4)))
    return ("spec.yaml", "nncheck: 1\ntitle: t\nnetwork:\n  input: 1\n  target: 1\n  layers:\n"
                         "    - {weights: [[1]], bias: 0, activation: identity}\n  loss: half_sse\nclaims: []\n"
                         f"equations:\n{rows}")


def mutated_spec(rng: random.Random) -> tuple[str, str]:
    text = rng.choice(CORPUS).read_text(encoding="utf-8")
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        position = rng.randrange(len(text) + 1)
        if kind < 0.3:
            text = text[:position] + rng.choice(NUMBERS) + text[position:]
        elif kind < 0.5:
            text = text[:position] + text[position + rng.randint(1, 12):]
        elif kind < 0.7:
            text = text[:position] + chr(rng.randrange(0, 0x3000)) + text[position:]
        elif kind < 0.85:
            lines = text.split("\n")
            index = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[index])
            text = "\n".join(lines)
        else:
            text = text.replace(rng.choice(["0.", "1", "relu", "sigmoid", "bce", "[", "]", ":"]), rng.choice(NUMBERS), 1)
    return "mutated.yaml", text


def page(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.05:
        unit = rng.choice(MARKDOWN_UNITS)
        return "adversarial.md", unit * (rng.randint(1_000, 200_000) // len(unit))
    parts = [f"# Page {rng.randint(0, 99)}", ""]
    for _ in range(rng.randint(1, 12)):
        body = " ".join(rng.choice(LATEX_PIECES) for _ in range(rng.randint(1, 25)))
        wrap = rng.choice(["$${}$$", "\\[{}\\]", "${}$", "\\({}\\)", "\\begin{{align}}\n{}\n\\end{{align}}", "> $${}$$"])
        parts += [wrap.format(body), ""]
        if rng.random() < 0.2:
            parts += [f"## Section {rng.randint(1, 3)}", ""]
    return "page.md", "\n".join(parts)


def draw(seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    maker = rng.choice([equation_spec, equation_spec, mutated_spec, page, page])
    return maker(rng)


class _Expired(Exception):
    pass


def _expired(signum: int, frame: object) -> None:
    raise _Expired


def run_one(seed: int) -> tuple[int, str, float, str]:
    """(seed, outcome, CPU seconds, detail): outcome "audit", "error" (a located NncheckError), "crash", "slow"."""
    from nncheck.audit import audit
    from nncheck.errors import NncheckError
    from nncheck.readers import parse

    path, text = draw(seed)
    start = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    signal.signal(signal.SIGVTALRM, _expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, 10 * CPU_LIMIT)
    outcome, detail = "audit", ""
    try:
        audit(parse(text, path), diagnose=10)
    except NncheckError:
        outcome = "error"
    except _Expired:
        outcome, detail = "slow", f"{path}: over {10 * CPU_LIMIT:g} s"
    except Exception as error:  # noqa: BLE001 - the campaign's finding: any other exception
        outcome, detail = "crash", f"{path}: {type(error).__name__}: {str(error)[:200]}"
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    used = resource.getrusage(resource.RUSAGE_SELF).ru_utime - start
    if outcome != "crash" and used > CPU_LIMIT:
        outcome, detail = "slow", f"{path}: {used:.2f} s"
    return seed, outcome, used, detail


def _worker_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20,) * 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = {"audit": 0, "error": 0, "crash": 0, "slow": 0}
    slowest, problems = 0.0, []
    with multiprocessing.Pool(args.jobs, initializer=_worker_limits) as pool:
        for seed, outcome, used, detail in pool.imap_unordered(run_one, range(args.seed, args.seed + args.inputs), 64):
            counts[outcome] += 1
            slowest = max(slowest, used)
            if outcome in ("crash", "slow"):
                problems.append(f"seed {seed}: {outcome}: {detail}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.inputs} inputs in {time.perf_counter() - started:.0f} s: {counts['audit']} audited, {counts['error']} "
          f"located errors, {counts['crash']} other exceptions, {counts['slow']} over {CPU_LIMIT:g} s of CPU; "
          f"slowest input {slowest:.2f} s of CPU; peak memory of a worker {children:.0f} MiB")
    for problem in problems[:50]:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
