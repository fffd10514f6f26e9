"""Which files a command reads: the paths on its command line, directories walked, standard input.

A path is a file (read whatever its name, so that the reader refuses a kind it does not read, saying so), a
directory (walked recursively for every kind nncheck reads, honouring ``.gitignore`` files and the ``exclude``
setting), or ``-`` for standard input, named by ``--stdin-filename`` (whose suffix chooses the reader).

In a directory a page is any file with a page's suffix (nncheck.readers.PAGES), and a YAML file is a spec only when a
line starts with its top-level key and format version, ``nncheck: 1`` (as the pytest plugin decides), so that
mkdocs.yml and CI workflows are left alone. Hidden directories (``.git``, ``.venv``), ``node_modules`` and ``__pycache__`` are not entered.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nncheck.errors import UsageError

# A spec has a line starting with its top-level key and format version, "nncheck: 1" (docs/spec.md): the key may be
# quoted, and the file may start with a byte-order mark. A CI file with a job named nncheck: is not one.
SPEC_MARKER = re.compile(rb"^(?:\xef\xbb\xbf)?([\"']?)nncheck\1[ \t]*:[ \t]*[\"']?[0-9]", re.MULTILINE)
# No more than this much of a candidate file is read to look for the marker; specs are refused beyond this size
# anyway (nncheck.readers.spec.yamlsafe.MAX_BYTES).
SNIFF_BYTES = 1_000_000
PAGE_SUFFIXES = (".md", ".markdown", ".ipynb", ".html", ".htm", ".tex")  # nncheck.readers.PAGES, kept light to import
SPEC_SUFFIXES = (".yaml", ".yml")
NOT_ENTERED = ("node_modules", "__pycache__", "site-packages")
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Input:
    """One file to read: its name (as reports show it) and, for standard input, its text."""

    path: str
    text: str | None = None  # None: read the file at ``path``
    named: bool = True  # named on the command line (else found in a directory: a page without math is not reported)


def is_spec(path: str | Path) -> bool:
    """Whether the file has a spec's top-level key, read without parsing the YAML."""
    try:
        with open(path, "rb") as handle:
            return SPEC_MARKER.search(handle.read(SNIFF_BYTES)) is not None
    except OSError:
        return False


def expand(paths: Sequence[str], *, stdin_filename: str | None = None, exclude: Sequence[str] = (),
           exclude_root: str = ".", stdin: Any = None, force_exclude: bool = False) -> list[Input]:
    """The files ``paths`` name, in order, each once. A path that does not exist is kept, for its reader to report
    at ``path:1:1`` while the others are read. Raises UsageError for ``-`` given twice, ``--stdin-filename`` without
    ``-`` or naming a path also given. ``stdin``: where ``-`` is read from (default: sys.stdin).

    ``exclude``: gitignore-style patterns (relative to ``exclude_root``) of files and directories to leave out of
    directory walks; a file named on the command line is read even when excluded, as ruff and mypy do, unless
    ``force_exclude`` (for pre-commit, which names every staged file).
    """
    if stdin_filename is not None and STDIN not in paths:
        raise UsageError("--stdin-filename names standard input, which is read only when '-' is among the paths")
    if list(paths).count(STDIN) > 1:
        raise UsageError("'-' (standard input) is given more than once")
    walking = any(path != STDIN and os.path.isdir(path) for path in paths)
    # pathspec is imported only when a walk or --force-exclude reads the patterns.
    excluded = (Path(exclude_root).resolve(), _spec(exclude)) if exclude and (walking or force_exclude) else None
    found: dict[str, Input] = {}
    for path in paths:
        if path == STDIN:
            name = stdin_filename or "<stdin>"
            found[name] = Input(name, (stdin or sys.stdin).read())
        elif os.path.isdir(path):
            for file in _walk(Path(path), excluded):
                found.setdefault(str(file), Input(str(file), named=False))
        elif stdin_filename is not None and path == stdin_filename:
            raise UsageError(f"--stdin-filename {path!r} is also given as a path; name standard input otherwise")
        elif force_exclude and excluded is not None and _ignored(Path(path), False, [], excluded):
            continue
        else:  # a file, or a path that does not exist: its reader reports it at path:1:1, and the others go on
            found[path] = Input(path)
    return list(found.values())


def _walk(top: Path, excluded: Any) -> Iterator[Path]:
    """The files under ``top`` that nncheck reads, in sorted order, without ignored or excluded ones."""
    folders = _ancestors(top)
    ignores = [(folders[0], spec) for spec in [_patterns(folders[0] / ".git" / "info" / "exclude")] if spec is not None]
    ignores += [(base, spec) for base in folders if (spec := _patterns(base / ".gitignore")) is not None]
    for directory, subdirectories, files in os.walk(top):
        here = Path(directory)
        if here != top and (spec := _patterns(here / ".gitignore")) is not None:
            ignores.append((here.resolve(), spec))
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d not in NOT_ENTERED
                                   and not _ignored(here / d, True, ignores, excluded))
        for name in sorted(files):
            file = here / name
            suffix = file.suffix.lower()
            if suffix not in PAGE_SUFFIXES + SPEC_SUFFIXES or _ignored(file, False, ignores, excluded):
                continue
            if suffix in PAGE_SUFFIXES or is_spec(file):
                yield file


def _ancestors(top: Path) -> list[Path]:
    """The folders whose .gitignore applies to ``top``: from the root of its git work tree down to ``top`` (only
    ``top`` when it is in none). The root's .git/info/exclude applies too."""
    chain: list[Path] = []
    for folder in (top.resolve(), *top.resolve().parents):
        chain.append(folder)
        if (folder / ".git").exists():
            return list(reversed(chain))
    return [top.resolve()]


def _patterns(file: Path) -> Any:
    """The gitignore patterns of ``file`` (a .gitignore or .git/info/exclude), or None when there is no such file."""
    if not file.is_file():
        return None
    import pathspec

    with open(file, encoding="utf-8", errors="replace") as handle:
        return pathspec.GitIgnoreSpec.from_lines(handle)


def _spec(patterns: Sequence[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _ignored(path: Path, directory: bool, ignores: list[tuple[Path, Any]], excluded: Any) -> bool:
    """Whether the ignore files above ``path`` or ``exclude`` leave it out.

    As git decides (gitignore(5)): the ignore files apply from .git/info/exclude and the work tree's root down to the
    deepest folder, each with its patterns relative to its folder, and the last pattern that matches decides, so a
    deeper ``!name`` takes back a shallower pattern. ``exclude`` (the settings) leaves a path out whatever they say.
    """
    absolute = path.resolve()
    suffix = "/" if directory else ""
    decision: bool | None = None
    for base, spec in ignores:
        try:
            relative = absolute.relative_to(base).as_posix()
        except ValueError:
            continue
        include = spec.check_file(relative + suffix).include
        if include is not None:
            decision = include
    if decision:
        return True
    if excluded is not None:
        root, spec = excluded
        try:
            return bool(spec.match_file(absolute.relative_to(root).as_posix() + suffix))
        except ValueError:
            return False
    return False
