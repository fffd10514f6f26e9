"""Shared test helpers: sample paths, a CLI runner, and the blog network in plain Python."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "samples"
BLOG = ROOT / "specs" / "blog.yaml"


def sample(name: str) -> str:
    return str(SAMPLES / name)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run nncheck's main() in-process; return (exit status, stdout, stderr)."""
    from nncheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit_:  # argparse's own usage errors
            status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def minimal_spec(claims: str, *, layers: str | None = None, loss: str = "bce", extra: str = "") -> str:
    """A spec around the blog's network (or ``layers``) with the given claims block."""
    layers = layers or """
    - weights: [[0.2, 0.4], [0.1, 0.6]]
      bias: [0.3, 0.5]
      activation: relu
    - weights: [[0.7, 0.9]]
      bias: 0.2
      activation: sigmoid"""
    return f"""nncheck: 1
title: test
network:
  input: [1, 2]
  target: 1
  layers:{layers}
  loss: {loss}
{extra}claims:
{claims}
"""



# Planted-slip detection over the auditor's property tests; conftest prints the rate at the end.
DETECTION = {"planted": 0, "flagged": 0}
# Inputs the fuzz tests fed to the loader and audit; conftest prints the count.
FUZZ = {"inputs": 0}

# The diagnosis's planted slips (tests/test_diagnose.py): per family, planted and found among the top
# three; and random moves of a printed number, and how many of them got an explanation anyway.
DIAGNOSIS: dict[str, dict[str, int]] = {}
