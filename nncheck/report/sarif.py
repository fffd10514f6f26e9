"""SARIF 2.1.0, for code-scanning services and SARIF viewers: one rule per verdict kind, one result per finding.

Spec files are named by URIs relative to the directory nncheck runs in (``uriBaseId`` %SRCROOT%),
so a report made at a repository's root points into the repository wherever it is checked out.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urlsplit

from nncheck import __version__
from nncheck.audit import Audit, Kind, Verdict
from nncheck.report.jsonreport import coverage_data, hypothesis
from nncheck.report.lines import SEVERITY, message

if TYPE_CHECKING:
    from nncheck.api import Outcome

SARIF_VERSION = "2.1.0"
# The $id of the official schema (a copy is in tests/schemas/).
SARIF_SCHEMA = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# partialFingerprints key; bump the version if what goes into the hash ever changes.
FINGERPRINT = "nncheckFinding/v1"


@dataclass(frozen=True, slots=True)
class RuleText:
    """What a SARIF viewer shows for one verdict kind; the ruleId itself is nncheck.<verdict key>."""

    name: str
    short: str
    advice: str


RULE_TEXTS = {
    Kind.SLIP: RuleText("RoundingSlip", "A printed number is off in its last digit.",
                        "Correct the last printed digit: the message gives the true value to more digits."),
    Kind.CARRIED: RuleText("Carried", "A printed number carries an earlier error or rounding.",
                           "Nothing to correct here on its own: fix the earlier statement it carries (named in the "
                           "message) and recompute this number from it."),
    Kind.WRONG: RuleText("Wrong", "A printed number is wrong.",
                         "Correct the printed number: the message gives the true value and, where it differs, what "
                         "the document's own earlier numbers give."),
    Kind.CONTRADICTION: RuleText("Contradiction", "A printed number contradicts an earlier one.",
                                 "The document prints two different values for one quantity; the message lists where. "
                                 "Correct the one that is false."),
    Kind.UNDECIDED: RuleText("Undecided", "A printed number could not be decided.",
                             "The arithmetic could not settle this comparison at the highest precision tried; check "
                             "the number by hand."),
}
RULES = tuple(kind for kind in Kind if kind in SEVERITY)  # every finding kind, in the order of Kind


def rule_id(kind: Kind) -> str:
    """The stable SARIF ruleId of a verdict kind, e.g. nncheck.wrong."""
    return f"nncheck.{kind.key}"


def _rule(kind: Kind) -> dict[str, Any]:
    text = RULE_TEXTS[kind]
    meaning = kind.meaning[0].upper() + kind.meaning[1:] + "."
    help_text = f"{meaning} {text.advice}"
    return {
        "id": rule_id(kind),
        "name": text.name,
        "shortDescription": {"text": text.short},
        "fullDescription": {"text": meaning},
        "help": {
            "text": f"{help_text} The rule behind every verdict: docs/verdicts.md.",
            "markdown": f"{help_text} The rule behind every verdict: [docs/verdicts.md](docs/verdicts.md).",
        },
        "defaultConfiguration": {"level": SEVERITY[kind]},
        "properties": {"verdict": kind.key},
    }


def artifact(path: str, base: str) -> dict[str, str]:
    """A spec's artifactLocation: relative to ``base`` under %SRCROOT% when inside it, else an absolute file URI."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(os.path.abspath(base))
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def fingerprint(spec_uri: str, verdict: Verdict) -> str:
    """Stable across runs and across edits elsewhere in the spec: the spec, the statement's id and its printed text."""
    return hashlib.sha256("\0".join((spec_uri, verdict.ref, verdict.stated)).encode("utf-8")).hexdigest()


def _is_absolute_uri(text: str) -> bool:
    # Two or more letters of scheme, so that a Windows path "C:\\..." is not taken for one.
    return not any(ch.isspace() for ch in text) and len(urlsplit(text).scheme) > 1


def _document_location(audit: Audit, line: int) -> dict[str, Any]:
    """Where the source document prints the number: its URI when the spec gives one, else its citation."""
    source = audit.source or "the source document"
    document: dict[str, Any] = {"uri": source} if _is_absolute_uri(source) else {"description": {"text": source}}
    return {
        "id": 1,
        "physicalLocation": {"artifactLocation": document, "region": {"startLine": line}},
        "message": {"text": f"the number as printed in the document, line {line}"},
    }


def _result(audit: Audit, verdict: Verdict, spec: dict[str, str]) -> dict[str, Any]:
    where = verdict.location
    physical: dict[str, Any] = {"artifactLocation": spec}
    location: dict[str, Any] = {"physicalLocation": physical}
    if where.cell is None:
        physical["region"] = {"startLine": where.line, "startColumn": where.column}
    else:  # a notebook: lines count within a cell, not in the .ipynb file, so no region of the file is given
        location["message"] = {"text": f"cell {where.cell}, line {where.line}, column {where.column}"}
        location["properties"] = {"cell": where.cell, "line": where.line, "column": where.column}
    result: dict[str, Any] = {
        "ruleId": rule_id(verdict.kind),
        "ruleIndex": RULES.index(verdict.kind),
        "level": SEVERITY[verdict.kind],
        "message": {"text": message(verdict)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(spec["uri"], verdict)},
        "properties": {"id": verdict.ref, "stated": verdict.stated, "exact": verdict.exact, "own": verdict.own,
                       "step": verdict.place.step, "hypotheses": [hypothesis(h) for h in verdict.hypotheses]},
    }
    if verdict.place.document_line is not None:
        result["relatedLocations"] = [_document_location(audit, verdict.place.document_line)]
    return result


def as_data(audit: Audit, *, base: str | None = None) -> dict[str, Any]:
    """The SARIF log of one audit; ``base`` is the directory URIs are relative to (default: the current one)."""
    spec = artifact(audit.path, os.getcwd() if base is None else base)
    return _log({"results": [_result(audit, v, spec) for v in audit.verdicts if v.is_finding],
                 "properties": _file_properties(audit)})


def combined(outcomes: Sequence[Outcome], *, base: str | None = None) -> dict[str, Any]:
    """One SARIF log with one run for a run over several files: every file's results, each file's title, source
    and coverage in the run's properties (``files``), and a file that could not be audited as a tool execution
    notification (level error) with its location."""
    root = os.getcwd() if base is None else base
    results: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for outcome in outcomes:
        audit = outcome.audit
        if audit is None:
            for problem in outcome.problems:
                notifications.append({"level": "error", "message": {"text": problem},
                                      "locations": [{"physicalLocation": {"artifactLocation": artifact(outcome.path, root)}}]})
            continue
        spec = artifact(audit.path, root)
        results += [_result(audit, v, spec) for v in audit.verdicts if v.is_finding]
        files.append({"artifact": spec, **_file_properties(audit)})
    return _log({"invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
                 "results": results, "properties": {"files": files}})


def _file_properties(audit: Audit) -> dict[str, Any]:
    """What SARIF's result list does not say about an audited file: its title, source, precision and coverage."""
    return {"title": audit.title, "source": audit.source, "precisionBits": audit.precision, "undiagnosed": audit.undiagnosed,
            **({} if audit.coverage is None else {"coverage": coverage_data(audit.coverage)})}


def _log(run: dict[str, Any]) -> dict[str, Any]:
    """A SARIF log of one run of nncheck, with ``run``'s results, properties (and invocations)."""
    driver = {"name": "nncheck", "version": __version__, "semanticVersion": __version__,
              "rules": [_rule(kind) for kind in RULES]}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", **run}]}


def render(audit: Audit, stream: TextIO, color: bool = False, *, base: str | None = None) -> None:
    json.dump(as_data(audit, base=base), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
