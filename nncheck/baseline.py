"""Known findings a project accepts, so that CI fails only on new ones.

A baseline is a JSON file that sits beside the specs and names each accepted finding by its spec,
its id, its verdict and the number as printed. It lives outside the spec because the spec records
what a document prints, which stays true whatever the project decides to tolerate, and because a
file the tool writes can be regenerated with ``nncheck audit --write-baseline`` and reviewed as a
diff. The format is described in docs/ci.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nncheck.audit import Audit, Kind, Verdict
from nncheck.errors import Location, NncheckError

BASELINE_VERSION = 1
ENTRY_KEYS = ("spec", "id", "verdict", "stated")
ENTRY_OPTIONAL = ("reason",)

Route = tuple[str | int, ...]  # keys and indices from the top of the JSON down to a value
Identity = tuple[str, Kind, str]  # what a finding is matched on: its id, verdict and printed text


class BaselineError(NncheckError, ValueError):
    """A baseline file that cannot be read or written; the message says where."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """One finding the project accepts: a statement of one spec, with the verdict and number it had."""

    baseline: str  # the file that lists it
    spec: str  # the spec's path relative to the baseline's directory, with "/" separators
    ref: str
    kind: Kind
    stated: str
    reason: str | None = None  # why it is accepted; written by people, kept when the file is rewritten

    @property
    def identity(self) -> Identity:
        return (self.ref, self.kind, self.stated)

    def describe(self) -> str:
        return f"{self.ref!r} ({self.kind.value}, stated {self.stated}) in {self.spec}"


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str
    findings: tuple[Accepted, ...]

    def for_spec(self, spec_file: str) -> tuple[Accepted, ...]:
        """The entries about one spec file, however its path is spelt."""
        target = os.path.realpath(spec_file)
        folder = os.path.dirname(os.path.abspath(self.path))
        return tuple(a for a in self.findings if os.path.realpath(os.path.join(folder, a.spec)) == target)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How an audit's failing verdicts compare with the accepted findings of its spec."""

    accepted: tuple[Verdict, ...]  # failing, and in the baseline
    new: tuple[Verdict, ...]  # failing, and not in the baseline: these fail the run
    fixed: tuple[Accepted, ...]  # in the baseline, but the audit no longer finds them


def identity(verdict: Verdict) -> Identity:
    return (verdict.ref, verdict.kind, verdict.stated)


def compare(audit: Audit, accepted: Sequence[Accepted], fail_on: frozenset[Kind]) -> Comparison:
    """Split the failing verdicts into accepted and new; list accepted findings that no longer occur as fixed."""
    known = {a.identity for a in accepted}
    present = {identity(v) for v in audit.verdicts}
    failing = audit.failing(fail_on)
    return Comparison(
        accepted=tuple(v for v in failing if identity(v) in known),
        new=tuple(v for v in failing if identity(v) not in known),
        fixed=tuple(a for a in accepted if a.identity not in present),
    )


def spec_key(baseline_path: str, spec_file: str) -> str:
    """How a baseline names a spec: its path relative to the baseline's directory."""
    folder = os.path.dirname(os.path.abspath(baseline_path))
    return os.path.relpath(os.path.abspath(spec_file), folder).replace(os.sep, "/")


def updated(path: str, audit: Audit, fail_on: frozenset[Kind], *, spec_file: str,
            previous: Baseline | None = None) -> Baseline:
    """The baseline at ``path`` (empty if there is none; ``previous`` when given, for several files in a row) with one
    spec's entries replaced by its failing verdicts.

    Entries about other specs stay as they are; an entry that is still found keeps its reason.
    """
    if previous is None:
        previous = load(path) if os.path.exists(path) else Baseline(path, ())
    mine = previous.for_spec(spec_file)
    reasons = {a.identity: a.reason for a in mine}
    key = spec_key(path, spec_file)
    fresh = [Accepted(path, key, v.ref, v.kind, v.stated, reasons.get(identity(v))) for v in audit.failing(fail_on)]
    others = [a for a in previous.findings if a not in mine]
    # Grouped by spec; sorted() is stable, so each spec's entries keep their (document) order.
    return Baseline(path, tuple(sorted(others + fresh, key=lambda a: a.spec)))


def dumps(baseline: Baseline) -> str:
    """The file's text: one finding per line, so that a change to the baseline reads as a short diff."""
    rows = []
    for a in baseline.findings:
        entry = {"spec": a.spec, "id": a.ref, "verdict": a.kind.key, "stated": a.stated}
        if a.reason is not None:
            entry["reason"] = a.reason
        rows.append("    " + json.dumps(entry, ensure_ascii=False))
    findings = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
    return f'{{\n  "nncheck_baseline": {BASELINE_VERSION},\n  "findings": {findings}\n}}\n'


def write(baseline: Baseline) -> None:
    """Replace the file in one step, so that an interrupted write leaves the old baseline intact."""
    partial = baseline.path + ".partial"
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(dumps(baseline))
        os.replace(partial, baseline.path)
    except OSError as error:
        raise BaselineError(f"{baseline.path}: cannot write the baseline: {error.strerror}") from None


def load(path: str) -> Baseline:
    """Read and check a baseline file; raise BaselineError at the first problem, with its file:line:col."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise BaselineError(f"{path}:1:1: cannot read the baseline: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}:1:1: the baseline is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None

    def problem(route: Route, message: str) -> BaselineError:
        return BaselineError(f"{_locate(path, text, route)}: {message}")

    if not isinstance(data, dict) or set(data) != {"nncheck_baseline", "findings"}:
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise problem((), f"a baseline is an object with the keys nncheck_baseline and findings; found {found}")
    if data["nncheck_baseline"] != BASELINE_VERSION:
        raise problem(("nncheck_baseline",), f"nncheck_baseline={data['nncheck_baseline']!r}: "
                                             f"this version of nncheck reads baseline format {BASELINE_VERSION}")
    if not isinstance(data["findings"], list):
        raise problem(("findings",), "findings must be a list")
    findings: list[Accepted] = []
    seen: dict[tuple[str, Identity], int] = {}
    for number, item in enumerate(data["findings"]):
        entry = _entry(path, item, ("findings", number), problem)
        key = (os.path.normpath(entry.spec), entry.identity)
        if key in seen:
            raise problem(("findings", number), f"this finding is already listed as findings[{seen[key]}]")
        seen[key] = number
        findings.append(entry)
    return Baseline(path, tuple(findings))


def _entry(path: str, item: Any, route: Route, problem: Callable[[Route, str], BaselineError]) -> Accepted:
    if not isinstance(item, dict):
        raise problem(route, f"a finding is an object with the keys {', '.join(ENTRY_KEYS)}; found {type(item).__name__}")
    for key in item:
        if key not in ENTRY_KEYS + ENTRY_OPTIONAL:
            raise problem(route + (key,), f"unknown key {key!r}; expected: {', '.join(ENTRY_KEYS + ENTRY_OPTIONAL)}")
    for key in ENTRY_KEYS:
        if key not in item:
            raise problem(route, f"missing key {key!r}; a finding has {', '.join(ENTRY_KEYS)}")
    for key, value in item.items():
        if not isinstance(value, str) or (key != "reason" and not value):
            raise problem(route + (key,), f"{key}={value!r} must be a non-empty string")
    try:
        kind = Kind.from_key(item["verdict"])
    except ValueError as error:
        raise problem(route + ("verdict",), str(error)) from None
    return Accepted(path, item["spec"], item["id"], kind, item["stated"], item.get("reason"))


def _locate(path: str, text: str, route: Route) -> Location:
    """Where the value at ``route`` starts. JSON is YAML, and the YAML composer keeps positions; only errors need them."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        node = YAML(typ="safe", pure=True).compose(text)
        for step in route:
            node = node.value[step] if isinstance(step, int) else next(v for k, v in node.value if k.value == step)
    except (YAMLError, StopIteration, IndexError, AttributeError, TypeError):
        return Location(path, 1, 1)
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
