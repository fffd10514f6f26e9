"""The command line: the only place that prints for the user and chooses an exit status."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

from nncheck import __version__
from nncheck.commands import COMMANDS, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from nncheck.errors import NncheckError, SpecError


def _commands() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"nncheck.commands.{name}") for name in COMMANDS}


def parser() -> argparse.ArgumentParser:
    """The whole command line: one subparser per module in nncheck.commands."""
    top = argparse.ArgumentParser(
        prog="nncheck",
        description="Audit the numbers of a neural-network worked example against a rigorous recomputation.",
        epilog="Exit status: 0 nothing fails, 1 a failing verdict, 2 usage or spec error.",
    )
    top.add_argument("--version", action="version", version=f"nncheck {__version__}")
    subparsers = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _commands().items():
        module.configure(subparsers.add_parser(name, help=module.HELP, description=module.DESCRIPTION))
    return top


# The cyclic garbage collector's first threshold while a command runs (the interpreter's default is 700 allocations).
# Reading a spec allocates a few objects per printed number that all stay alive, and each young collection walks them
# again: at the default about a third of a 64-64-64-1 spec's path, at 10,000 still a tenth. At 100,000 that path runs
# without one. Cycles are still collected, later: the peak memory of `nncheck audit` on benchmarks/pages.py's
# 5,000-equation page was 73 MB at 10,000 and at 100,000 alike (docs/performance.md).
GC_THRESHOLD = 100_000


@contextlib.contextmanager
def collector_tuned() -> Iterator[None]:
    """Run the body with the collector's first threshold at GC_THRESHOLD, and restore the thresholds after."""
    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:
        cli.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        with collector_tuned():
            status: int = _commands()[args.command].run(args)
        return status
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
