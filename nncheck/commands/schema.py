"""`nncheck schema`: print the JSON Schema of spec files."""

from __future__ import annotations

import argparse
import sys

from nncheck.commands import EXIT_OK

NAME = "schema"
HELP = "print the JSON Schema of spec files"
DESCRIPTION = "Print the JSON Schema (draft-07) of spec files, for editors and validators."


def configure(parser: argparse.ArgumentParser) -> None:
    """--quiet only, accepted as by every command: schema writes nothing on standard error but errors."""
    parser.add_argument("--quiet", "-q", action="store_true", help="nothing on standard error but errors (it writes nothing else there)")


def run(args: argparse.Namespace) -> int:
    from importlib.resources import files

    sys.stdout.write(files("nncheck.readers.spec").joinpath("schema.json").read_text(encoding="utf-8"))
    return EXIT_OK
