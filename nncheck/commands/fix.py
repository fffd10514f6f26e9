"""`nncheck fix FILE…`: the corrected document, as a diff or written in place."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter

from nncheck.commands import EXIT_FINDINGS, EXIT_OK
from nncheck.errors import UsageError

NAME = "fix"
HELP = "replace every number judged wrong, slipped, carried or contradicted by its true value"
DESCRIPTION = ("Audit each FILE (a spec, or a Markdown page, notebook, HTML or LaTeX page) and print a unified diff that replaces every "
               "number judged wrong, rounding slip, carried or contradiction by its true value, printed as the original "
               "(same decimals or exponent form, trailing zeros, sign); --write applies it in place. Exit status 1 when "
               "something was (or would be) changed, or a finding could not be fixed (listed on standard error).")
# The verdicts --only accepts, by the names reports use.
KINDS = {"wrong": "WRONG", "slip": "SLIP", "carried": "CARRIED", "contradiction": "CONTRADICTION"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", help="specs (.yaml) or pages (.md, .ipynb, .html, .tex)")
    parser.add_argument("--write", action="store_true", help="write the fixes into the files (atomically) instead of a diff")
    parser.add_argument("--only", metavar="KINDS", default=",".join(KINDS),
                        help=f"fix only these verdicts, comma-separated (default: {','.join(KINDS)})")


def run(args: argparse.Namespace) -> int:
    from nncheck.findings import Kind
    from nncheck.fix import diff, fix_text

    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in KINDS]
    if unknown or not names:
        raise UsageError(f"--only {args.only!r}: expected verdicts among {', '.join(KINDS)}")
    kinds = tuple(Kind[KINDS[name]] for name in names)
    changed_any = left = False  # left: findings fix could not rewrite, which a CI gate must not read as clean
    for path in args.files:
        try:
            with open(path, encoding="utf-8", newline="") as handle:  # line endings kept as they are
                text = handle.read()
        except OSError as error:
            raise UsageError(f"{path}: cannot read it: {error.strerror}") from None
        fixed = fix_text(path, text, kinds)
        for verdict, reason in fixed.unfixed:
            print(f"{verdict.location}: not fixed: {verdict.stated} ({verdict.kind.value}): {reason}", file=sys.stderr)
        left |= bool(fixed.unfixed)
        if fixed.after == text:
            continue
        changed_any = True
        judged = [edit for edit in fixed.changed if not edit.copy]
        counts = Counter(edit.verdict.kind.value for edit in judged)
        copies = len(fixed.changed) - len(judged)
        summary = (f"{len(judged)} number{'s' * (len(judged) != 1)} ("
                   + ", ".join(f"{count} {kind}" for kind, count in counts.items()) + ")"
                   + (f" and {copies} cop{'ies' if copies != 1 else 'y'} of them" if copies else ""))
        if args.write:
            _replace(path, fixed.after)
            print(f"{path}: fixed {summary}", file=sys.stderr)
        else:
            sys.stdout.write(diff(path, text, fixed.after))
            print(f"{path}: would fix {summary}", file=sys.stderr)
    return EXIT_FINDINGS if changed_any or left else EXIT_OK


def _replace(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then renamed over it (its mode kept)."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".nncheck-fix-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
