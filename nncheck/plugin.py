"""The pytest plugin: each spec file is collected as a test file, each printed number as a test named by its id.

Registered through the ``pytest11`` entry point, so every pytest run in an environment with nncheck
installed imports this module: it imports nothing heavy. The audit loads when a spec is collected.
Settings (ini options, see docs/ci.md): ``nncheck_specs``, ``nncheck_pages``, ``nncheck_fail_on``,
``nncheck_baseline``. Markdown pages are collected only when ``nncheck_pages`` names them: the plugin is
loaded in every pytest run, and a project's README is not a worked example.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from nncheck.commands.audit import DEFAULT_FAIL_ON  # as `nncheck audit`; importing it is cheap
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT
from nncheck.inputs import is_spec

if TYPE_CHECKING:
    from nncheck.audit import Audit, Kind, Verdict
    from nncheck.baseline import Accepted, Baseline

# Which files are looked at: fnmatch patterns, matched against the file name, or against the path
# relative to the rootdir when the pattern contains a "/".
DEFAULT_SPECS = ("*.yaml", "*.yml")
# Of those, a file is a spec when a line starts with its top-level key "nncheck:" (nncheck.inputs.is_spec), so
# mkdocs.yml, CI files and other YAML are left alone.


class BaselineFixedWarning(UserWarning):
    """A finding the baseline accepts no longer occurs: it was fixed, and its entry can go."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("nncheck_specs", type="args", default=list(DEFAULT_SPECS),
                  help="nncheck: patterns of files that may be specs (a name, or a path from the rootdir if it "
                       "contains '/'); only files with a top-level 'nncheck:' key are collected")
    parser.addini("nncheck_pages", type="args", default=[],
                  help="nncheck: patterns of Markdown pages to audit (a name, or a path from the rootdir if it "
                       "contains '/'); none by default")
    # None when unset, so that [tool.nncheck] of pyproject.toml can give the value (nncheck.config).
    parser.addini("nncheck_fail_on", default=None,
                  help="nncheck: comma-separated verdicts whose tests fail: holds, slip, carried, wrong, "
                       f"contradiction, undecided, or 'none' (default: {DEFAULT_FAIL_ON})")
    parser.addini("nncheck_baseline", type="paths", default=None,
                  help="nncheck: baseline files (written by `nncheck audit --write-baseline`) whose findings are "
                       "accepted: their tests xfail instead of failing")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    config = parent.config
    if matches(file_path, config.rootpath, config.getini("nncheck_specs")) and is_spec(file_path):
        return SpecFile.from_parent(parent, path=file_path)
    patterns = config.getini("nncheck_pages")
    if patterns and matches(file_path, config.rootpath, patterns):
        from nncheck.readers import is_document  # only when pages are asked for: loading the plugin imports nothing

        if is_document(str(file_path)):
            return PageFile.from_parent(parent, path=file_path)
    return None


def matches(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    """Whether ``path`` matches one of the nncheck_specs patterns."""
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(fnmatch.fnmatch(relative if "/" in pattern else path.name, pattern) for pattern in patterns)


@dataclass(frozen=True, slots=True)
class Settings:
    """The plugin's ini options, read and checked once per run, when the first spec is collected."""

    fail_on: frozenset[Kind]
    baselines: tuple[Baseline, ...]
    diagnose: int | None = 100  # findings diagnosed per file: [tool.nncheck]'s diagnose (None: all of them)


SETTINGS = pytest.StashKey[Settings]()


def settings(config: pytest.Config) -> Settings:
    if SETTINGS not in config.stash:
        from nncheck.baseline import load
        from nncheck.commands.audit import fail_on

        from nncheck.config import load as load_config

        # An ini option set for pytest wins; else [tool.nncheck] of pyproject.toml, as `nncheck audit` reads it.
        table = load_config(Path(config.rootpath))
        ini_fail_on, ini_baselines = config.getini("nncheck_fail_on"), config.getini("nncheck_baseline")
        if ini_fail_on is not None:
            kinds = fail_on(str(ini_fail_on), option="nncheck_fail_on")
        else:
            kinds = fail_on(table.fail_on or DEFAULT_FAIL_ON, option=f"fail-on in {table.path}")
        if ini_baselines is not None:
            baselines = tuple(load(str(path)) for path in ini_baselines)
        else:
            baselines = (load(str(Path(config.invocation_params.dir) / table.baseline)),) if table.baseline else ()
        diagnose = None if table.diagnose_all else table.diagnose if table.diagnose is not None else DEFAULT_DIAGNOSE_LIMIT
        config.stash[SETTINGS] = Settings(kinds, baselines, diagnose)
    return config.stash[SETTINGS]


def shown(path: str | os.PathLike[str], config: pytest.Config) -> str:
    """A path as pytest shows it in failures: relative to where pytest was started, unless that is longer."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, config.invocation_params.dir)
    return relative if len(relative) < len(absolute) else absolute


class SpecFile(pytest.File):
    """A spec: audited once, at collection; a spec that cannot be read is a collection error at file:line:col."""

    def audited(self) -> Audit:
        from nncheck.audit import audit
        from nncheck.readers.spec import parse_spec
        from nncheck.readers.spec.yamlsafe import read_text

        return audit(parse_spec(read_text(str(self.path)), shown(self.path, self.config)), diagnose=settings(self.config).diagnose)

    def collect(self) -> Iterator[ClaimItem]:
        from nncheck.baseline import compare, identity
        from nncheck.errors import NncheckError

        try:
            options = settings(self.config)
            result = self.audited()
        except NncheckError as error:
            raise self.CollectError(str(error)) from None
        accepted = [a for baseline in options.baselines for a in baseline.for_spec(str(self.path))]
        comparison = compare(result, accepted, options.fail_on)
        for entry in comparison.fixed:
            self.warn(BaselineFixedWarning(f"{shown(entry.baseline, self.config)}: {entry.describe()} no longer "
                                           "occurs: it is fixed, so remove it from the baseline"))
        by_identity = {a.identity: a for a in accepted}
        for verdict in result.verdicts:
            yield ClaimItem.from_parent(self, name=verdict.ref, verdict=verdict,
                                        failing=verdict.kind in options.fail_on,
                                        accepted=by_identity.get(identity(verdict)))


class PageFile(SpecFile):
    """A page (Markdown, notebook, HTML, LaTeX), audited by its own true chain (docs/documents.md); its numbers
    are items as a spec's are."""

    def audited(self) -> Audit:
        from nncheck.audit import audit
        from nncheck.readers import read

        return audit(read(shown(self.path, self.config)), diagnose=settings(self.config).diagnose)


class ClaimFailed(Exception):
    """A printed number whose verdict is in nncheck_fail_on; its text is the whole failure report."""


class ClaimItem(pytest.Item):
    """One printed number: passes unless its verdict fails the run; xfails when the baseline accepts it."""

    def __init__(self, *, verdict: Verdict, failing: bool, accepted: Accepted | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verdict = verdict
        self.failing = failing
        self.accepted = accepted

    def runtest(self) -> None:
        from nncheck.report.lines import diagnosis, headline

        if not self.failing:
            return
        if self.accepted is not None:
            reason = f": {self.accepted.reason}" if self.accepted.reason else ""
            pytest.xfail(f"{headline(self.verdict)}; accepted in {shown(self.accepted.baseline, self.config)}{reason}")
        where = self.verdict.location
        cell = f"cell {where.cell}:" if where.cell is not None else ""  # a notebook: the line counts in the cell
        raise ClaimFailed("\n  ".join([f"{where.path}:{cell}{where.line}: {headline(self.verdict)}", *diagnosis(self.verdict)]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        # pytest counts report lines from 0 (Item.location); the spec's line of the printed number (in a notebook,
        # whose lines count within a cell, none).
        where = self.verdict.location
        return self.path, None if where.cell is not None else where.line - 1, self.name
