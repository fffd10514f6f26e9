"""`nncheck audit SPEC`: recompute and judge every number a spec records."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from nncheck.commands import EXIT_FINDINGS, EXIT_OK
from nncheck.errors import UsageError
from nncheck.report import FORMATS

NAME = "audit"
HELP = "recompute and judge every number a spec records"
DESCRIPTION = "Recompute every claim of SPEC and judge it: holds, rounding slip, carried, wrong, contradiction."
DEFAULT_FAIL_ON = "wrong,contradiction"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="a spec file, e.g. specs/blog.yaml")
    parser.add_argument("--format", choices=FORMATS, default="terminal", help="report format (default: terminal)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", metavar="VERDICTS", default=DEFAULT_FAIL_ON,
                        help="comma-separated verdicts that make the exit status 1: holds, slip, carried, wrong, "
                             f"contradiction, undecided, or 'none' (default: {DEFAULT_FAIL_ON})")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the terminal report (default: auto, i.e. only on a terminal; NO_COLOR is honoured)")


def fail_on(text: str) -> frozenset[object]:
    """The verdict kinds named by a --fail-on value."""
    from nncheck.audit import Kind

    if text.strip() == "none":
        return frozenset()
    kinds = set()
    for part in text.split(","):
        try:
            kinds.add(Kind.from_key(part.strip()))
        except ValueError as error:
            raise UsageError(f"--fail-on: {error}") from None
    return frozenset(kinds)


def use_colour(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def run(args: argparse.Namespace) -> int:
    from nncheck.audit import audit
    from nncheck.report import renderer
    from nncheck.spec import load_spec

    failing_kinds = fail_on(args.fail_on)
    result = audit(load_spec(args.spec))
    render = renderer(args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                render(result, handle, False)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        render(result, sys.stdout, args.format == "terminal" and use_colour(args.color, sys.stdout))
    return EXIT_FINDINGS if result.failing(failing_kinds) else EXIT_OK  # type: ignore[arg-type]
