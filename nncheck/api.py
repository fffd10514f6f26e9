"""The audit of one file as a pure function: what `nncheck audit --jobs N` maps over a process pool, and what a
corpus run maps over a cluster (docs/cli.md, "Many files").

    from nncheck.api import audit_path
    report = audit_path("specs/blog.yaml")          # the JSON report, as `nncheck audit --format json` prints it
    report["summary"]["wrong"]                      # 3

With Dask (``pip install 'nncheck[dask]'``)::

    from dask.distributed import Client
    reports = Client().gather(Client().map(audit_path, paths))

Both functions are module-level and take and return plain data, so they pickle; neither prints nor exits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nncheck.records import DEFAULT_DIAGNOSE_LIMIT

if TYPE_CHECKING:
    from nncheck.findings import Audit


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's audit, or the problems that kept it from being audited (``path:line:col: message`` each)."""

    path: str
    audit: Audit | None
    problems: tuple[str, ...] = ()


def audit_file(path: str | os.PathLike[str], text: str | None = None,
               diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Outcome:
    """Read and audit the file at ``path`` (or ``text``, read as the kind ``path`` names by its suffix).

    A file that cannot be read or is invalid gives an Outcome with its located problems; nothing is raised for it.
    """
    path = os.fspath(path)
    from nncheck.audit import audit
    from nncheck.errors import SpecError
    from nncheck.readers import parse, read

    try:
        document = read(path) if text is None else parse(text, path)
    except SpecError as error:
        return Outcome(path, None, tuple(str(problem) for problem in error.problems))
    return Outcome(path, audit(document, diagnose=diagnose))


def audit_path(path: str | os.PathLike[str], *, text: str | None = None,
               diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> dict[str, Any]:
    """The JSON-able report of one file, as ``nncheck audit --format json`` prints it (report-schema.json); for a
    file that cannot be audited, ``{"spec": path, "errors": ["path:line:col: message", …]}``."""
    from nncheck.report.jsonreport import as_data

    outcome = audit_file(path, text, diagnose)
    if outcome.audit is None:
        return {"spec": outcome.path, "errors": list(outcome.problems)}
    return as_data(outcome.audit)
