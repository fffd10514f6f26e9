"""`nncheck extract DOCUMENT`: a draft spec from a Markdown document, for its author to finish."""

from __future__ import annotations

import argparse
import sys

from nncheck.commands import EXIT_OK
from nncheck.errors import UsageError

NAME = "extract"
HELP = "write a draft spec from a Markdown document"
DESCRIPTION = ("Read a Markdown document's equations and write a draft spec: the network it defines (W_1, b_1, x, y, "
               "...) and the claims nncheck can name (z_2, ŷ, ∂L/∂W_1, ...). What it cannot recognise is listed as "
               "TODO comments at the top.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("document", metavar="DOCUMENT", help="a Markdown document (.md)")
    parser.add_argument("--output", metavar="FILE", help="write the draft spec to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    from nncheck.extract import extract

    text = extract(args.document)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK
