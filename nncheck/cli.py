"""The command line: the only place that prints for the user and chooses an exit status."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from nncheck import __version__
from nncheck.errors import NncheckError, SpecError, UsageError
from nncheck.report import FORMATS

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nncheck",
        description="Audit the numbers of a neural-network worked example against a rigorous recomputation.",
        epilog="Exit status: 0 nothing fails, 1 a failing verdict, 2 usage or spec error.",
    )
    parser.add_argument("--version", action="version", version=f"nncheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit = commands.add_parser("audit", help="recompute and judge every number a spec records",
                                description="Recompute every claim of SPEC and judge it: holds, rounding slip, carried, wrong, contradiction.")
    audit.add_argument("spec", metavar="SPEC", help="a spec file, e.g. specs/blog.yaml")
    audit.add_argument("--format", choices=FORMATS, default="terminal", help="report format (default: terminal)")
    audit.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    audit.add_argument("--fail-on", metavar="VERDICTS", default="wrong,contradiction",
                       help="comma-separated verdicts that make the exit status 1: holds, slip, carried, wrong, "
                            "contradiction, undecided, or 'none' (default: wrong,contradiction)")
    audit.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the terminal report (default: auto, i.e. only on a terminal; NO_COLOR is honoured)")
    commands.add_parser("schema", help="print the JSON Schema of spec files",
                        description="Print the JSON Schema (draft-07) of spec files, for editors and validators.")
    return parser


def _fail_on(text: str) -> frozenset[object]:
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


def _use_colour(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _audit(args: argparse.Namespace) -> int:
    from nncheck.audit import audit
    from nncheck.report import renderer
    from nncheck.spec import load_spec

    fail_on = _fail_on(args.fail_on)
    result = audit(load_spec(args.spec))
    render = renderer(args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                render(result, handle, False)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        render(result, sys.stdout, args.format == "terminal" and _use_colour(args.color, sys.stdout))
    return EXIT_FINDINGS if result.failing(fail_on) else EXIT_OK  # type: ignore[arg-type]


def _schema() -> int:
    from importlib.resources import files

    sys.stdout.write(files("nncheck.spec").joinpath("schema.json").read_text(encoding="utf-8"))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "audit":
            return _audit(args)
        if args.command == "schema":
            return _schema()
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    except SpecError as error:
        for problem in error.problems:
            print(f"{problem}", file=sys.stderr)
        return EXIT_ERROR
    except NncheckError as error:
        print(f"nncheck: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`nncheck audit ... | head`); stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS if args.command == "audit" else EXIT_OK
