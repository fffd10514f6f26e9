"""`nncheck extract DOCUMENT`: a draft spec from a Markdown document, for its author to finish."""

from __future__ import annotations

import argparse
import sys

from nncheck.commands import EXIT_OK
from nncheck.errors import UsageError

NAME = "extract"
HELP = "write the front matter (or a draft spec) that declares a Markdown document's model"
DESCRIPTION = ("Read a Markdown document's equations and write the front matter that declares its model, to paste at the "
               "top of the page: the network it defines (W_1, b_1, x, y, ...) and a names map from the page's names to "
               "the network's quantities (z_2, ŷ, ∂L/∂W_1, ...); with --spec, a draft spec with a claim per printed "
               "result instead. What it cannot find is written TODO (which the audit refuses until it is written in) "
               "and listed at the top.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true", help="nothing on standard error but errors (it writes nothing else there)")
    parser.add_argument("document", metavar="DOCUMENT", help="a Markdown document (.md) or a Jupyter notebook (.ipynb)")
    parser.add_argument("--spec", action="store_true", help="write a draft spec (YAML) instead of the page's front matter")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    from nncheck.extract import extract

    text = extract(args.document, spec=args.spec)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK
