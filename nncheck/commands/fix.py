"""`nncheck fix FILE…`: the corrected document, as a diff or written in place."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from typing import TYPE_CHECKING

from nncheck.commands import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from nncheck.errors import UsageError
from nncheck.words import counted

if TYPE_CHECKING:
    from nncheck.fix import Edit

NAME = "fix"
HELP = "replace every number judged wrong, slipped, carried or contradicted by its true value"
DESCRIPTION = ("Audit each FILE (a spec, or a Markdown page, notebook, HTML or LaTeX page; a directory is walked for "
               "them as nncheck audit walks it) and print a unified diff that replaces every number judged wrong, "
               "rounding slip, carried or contradiction by its true value, printed as the original (same decimals or "
               "exponent form, trailing zeros, sign); --write applies it in place. Exit status 1 when something was "
               "(or would be) changed, or a finding could not be fixed (listed on standard error); 2 when a file "
               "cannot be read (the others are still fixed) or for a usage error.")
# The verdicts --only accepts, by the names reports use.
KINDS = {"wrong": "WRONG", "slip": "SLIP", "carried": "CARRIED", "contradiction": "CONTRADICTION"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+",
                        help="specs (.yaml) or pages (.md, .ipynb, .html, .tex), or directories of them")
    parser.add_argument("--write", action="store_true", help="write the fixes into the files (atomically) instead of a diff")
    parser.add_argument("--only", metavar="KINDS", default=",".join(KINDS),
                        help=f"fix only these verdicts, comma-separated (default: {','.join(KINDS)})")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary lines on standard error (what is not "
                                                                   "fixed is still listed)")
    parser.add_argument("--force-exclude", action="store_true",
                        help="leave out named files that the exclude setting matches too (for pre-commit)")


def run(args: argparse.Namespace) -> int:
    from nncheck.config import load as load_config
    from nncheck.errors import NncheckError, SpecError
    from nncheck.findings import Kind
    from nncheck.fix import fix_text
    from nncheck.inputs import expand

    names = [name.strip() for name in args.only.split(",")]
    unknown = [name for name in names if name not in KINDS]
    if unknown or not names:
        raise UsageError(f"--only {args.only!r}: expected verdicts among {', '.join(KINDS)}, separated by commas")
    if "-" in args.files:
        raise UsageError("nncheck fix edits files; to fix standard input, save it to a file first")
    kinds = tuple(Kind[KINDS[name]] for name in names)
    config = load_config()
    status = EXIT_OK
    for item in expand(args.files, exclude=config.exclude, exclude_root=config.root, force_exclude=args.force_exclude):
        path = item.path
        try:
            text = _read(path)
            fixed = fix_text(path, text, kinds)
        except SpecError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            status = EXIT_ERROR
            continue
        except NncheckError as error:
            print(f"nncheck: error: {error}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for note in fixed.notes if not args.quiet else ():
            print(f"note: {note}", file=sys.stderr)
        for verdict, reason in fixed.unfixed:
            print(f"{verdict.location}: not fixed: {verdict.stated} ({verdict.kind.value}): {reason}", file=sys.stderr)
        if fixed.unfixed and status == EXIT_OK:
            status = EXIT_FINDINGS  # findings fix could not rewrite: a CI gate must not read the file as clean
        if fixed.after == text:
            if not args.quiet and not fixed.unfixed and item.named:
                print(f"{path}: nothing to fix", file=sys.stderr)
            continue
        status = max(status, EXIT_FINDINGS)
        summary = _summary(fixed.changed)
        if args.write:
            _replace(path, fixed.after)
            if not args.quiet:
                print(f"{path}: fixed {summary}", file=sys.stderr)
        else:
            sys.stdout.write(_diff(path, text, fixed.after))
            if not args.quiet:
                print(f"{path}: would fix {summary}", file=sys.stderr)
    return status


def _read(path: str) -> str:
    """The file's text as written (line endings kept); SpecError, located, when it is not UTF-8 or cannot be read."""
    from nncheck.errors import Location, SpecError

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise SpecError.at(Location(path, 1, 1), f"cannot read it: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SpecError.at(Location(path, line, column), "the file is not UTF-8 text") from None


def _summary(changed: tuple[Edit, ...]) -> str:
    """ "3 numbers (2 wrong, 1 carried) and 2 copies of them": the judged numbers per verdict, and their copies."""
    judged = [edit for edit in changed if not edit.copy]
    counts = Counter(edit.verdict.kind.value for edit in judged)
    copies = len(changed) - len(judged)
    return (f"{counted(len(judged), 'number')} (" + ", ".join(f"{count} {kind}" for kind, count in counts.items()) + ")"
            + (f" and {counted(copies, 'copy', 'copies')} of {'them' if len(judged) != 1 else 'it'}" if copies else ""))


def _diff(path: str, before: str, after: str) -> str:
    from nncheck.fix import diff

    return diff(path.lstrip("/"), before, after)


def _replace(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then renamed over it (its mode kept)."""
    path = os.path.realpath(path)  # a symbolic link stays one: its target is written
    directory = os.path.dirname(path)
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
