"""The SARIF and line reports: schema validity, rules, regions, fingerprints, and the one-line form."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from nncheck.audit import Kind, audit
from nncheck.report import renderer
from nncheck.report.lines import SEVERITY
from nncheck.report.sarif import as_data
from nncheck.readers.spec import load_spec
from tests.helpers import BLOG, ROOT, minimal_spec, run_cli

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
BLOG_TEXT = BLOG.read_text(encoding="utf-8")
# The blog's findings, as README and docs/verdicts.md describe them.
BLOG_FINDINGS = {"wrong": 3, "contradiction": 2, "slip": 2, "carried": 12}
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|note): (?P<message>.+)$")


def sarif(path: Path | str, base: Path = ROOT) -> dict[str, Any]:
    return as_data(audit(load_spec(str(path))), base=str(base))


def position(text: str, needle: str, within: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` inside the only occurrence of ``within``."""
    assert text.count(within) == 1, within
    before = text[:text.index(within) + within.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def result_for(log: dict[str, Any], ref: str) -> dict[str, Any]:
    (found,) = [r for r in log["runs"][0]["results"] if r["properties"]["id"] == ref]
    return found


def test_vendored_schema_is_draft_07() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(SCHEMA)


def test_cli_sarif_validates_against_the_official_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    status, out, _ = run_cli("audit", "specs/blog.yaml", "--format", "sarif")
    log = json.loads(out)
    assert [e.message for e in Draft7Validator(SCHEMA).iter_errors(log)] == []
    assert status == 1 and log["version"] == "2.1.0"


def test_the_schema_catches_a_broken_log() -> None:
    log = sarif(BLOG)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert [e.message for e in Draft7Validator(SCHEMA).iter_errors(log)] == ["'fatal' is not one of ['none', 'note', 'warning', 'error']"]


def test_one_result_per_finding_under_a_rule_per_verdict_kind() -> None:
    run = sarif(BLOG)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    counts: dict[str, int] = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        counts[result["ruleId"]] = counts.get(result["ruleId"], 0) + 1
    assert counts == {f"nncheck.{key}": count for key, count in BLOG_FINDINGS.items()}


def test_rule_ids_levels_and_help_are_stable() -> None:
    rules = sarif(BLOG)["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"], r["defaultConfiguration"]["level"]) for r in rules] == [
        ("nncheck.slip", "RoundingSlip", "warning"),
        ("nncheck.carried", "Carried", "note"),
        ("nncheck.wrong", "Wrong", "error"),
        ("nncheck.contradiction", "Contradiction", "error"),
        ("nncheck.undecided", "Undecided", "warning"),
    ]
    assert all(r["help"]["text"] and r["help"]["markdown"] and r["fullDescription"]["text"] for r in rules)


def test_every_finding_kind_has_a_severity() -> None:
    assert set(SEVERITY) == set(Kind) - {Kind.HOLDS}


def test_result_region_is_the_printed_numbers_line_and_column() -> None:
    z2 = result_for(sarif(BLOG), "z2")
    line, column = position(BLOG_TEXT, "3.18", within="value: 3.18")
    (location,) = z2["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "specs/blog.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line, "startColumn": column},
    }
    assert (z2["ruleId"], z2["level"]) == ("nncheck.wrong", "error")
    assert "relatedLocations" not in z2  # the blog's spec records no document lines


@pytest.mark.parametrize(("source", "artifact"), [
    ("https://example.org/backprop", {"uri": "https://example.org/backprop"}),
    ("a blog post, 2024", {"description": {"text": "a blog post, 2024"}}),
], ids=["url", "citation"])
def test_the_documents_line_is_a_related_location(tmp_path: Path, source: str, artifact: dict[str, Any]) -> None:
    spec = tmp_path / "doc.yaml"
    spec.write_text(minimal_spec("  - {quantity: z2, value: 3.18, step: s, line: 42}\n").replace(
        "title: test", f"title: test\nsource: {json.dumps(source)}"))
    log = sarif(spec, base=tmp_path)
    (related,) = result_for(log, "z2")["relatedLocations"]
    assert related["physicalLocation"] == {"artifactLocation": artifact, "region": {"startLine": 42}}
    assert [e.message for e in Draft7Validator(SCHEMA).iter_errors(log)] == []


def test_fingerprints_are_distinct_and_survive_runs_and_line_shifts(tmp_path: Path) -> None:
    def prints(log: dict[str, Any]) -> dict[str, str]:
        return {r["properties"]["id"]: r["partialFingerprints"]["nncheckFinding/v1"] for r in log["runs"][0]["results"]}

    shifted = tmp_path / "specs" / "blog.yaml"
    shifted.parent.mkdir()
    shifted.write_text("# one more line at the top\n" + BLOG_TEXT, encoding="utf-8")
    first, again, moved = sarif(BLOG), sarif(BLOG), sarif(shifted, base=tmp_path)
    assert prints(first) == prints(again) == prints(moved)
    assert len(set(prints(first).values())) == sum(BLOG_FINDINGS.values())
    assert result_for(moved, "z2")["locations"][0]["physicalLocation"]["region"]["startLine"] == position(BLOG_TEXT, "3.18", within="value: 3.18")[0] + 1


def test_uris_are_relative_inside_the_base_and_absolute_outside(tmp_path: Path) -> None:
    spec = tmp_path / "my specs" / "doc.yaml"
    spec.parent.mkdir()
    spec.write_text(minimal_spec("  - {quantity: z2, value: 3.18, step: s}\n"))
    inside = result_for(sarif(spec, base=tmp_path), "z2")["locations"][0]["physicalLocation"]["artifactLocation"]
    outside = result_for(sarif(spec, base=ROOT), "z2")["locations"][0]["physicalLocation"]["artifactLocation"]
    assert inside == {"uri": "my%20specs/doc.yaml", "uriBaseId": "%SRCROOT%"}
    assert outside == {"uri": spec.as_uri()}


def _lines(path: str) -> list[str]:
    out = io.StringIO()
    renderer("lines")(audit(load_spec(path)), out, False)
    return out.getvalue().splitlines()


def test_lines_format_of_a_wrong_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    line, column = position(BLOG_TEXT, "3.18", within="value: 3.18")
    assert _lines("specs/blog.yaml")[0] == (
        f"specs/blog.yaml:{line}:{column}: error: claim 'z2': document states 3.18, recomputed 2.73 (wrong); "
        "stated differently at yhat:z2; relative error +16.48%; possible cause: the z2 from which ŷ = 0.96 (stated at "
        "'yhat-prose') follows; the two may come from another version of the example — "
        "sigmoid⁻¹(0.96) = log(0.96/(1 - 0.96)) = 3.17805")


def test_sarif_results_carry_the_hypotheses() -> None:
    # σ(3.18) = 0.960075 rounds to the prose's 0.96: the diagnosis of 'yhat-prose'.
    (hypothesis,) = result_for(sarif(BLOG), "yhat-prose")["properties"]["hypotheses"]
    assert hypothesis["families"] == ["substituted"] and hypothesis["value"] == "0.9600747"


def test_lines_format_gives_one_parsable_line_per_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    status, out, _ = run_cli("audit", "specs/blog.yaml", "--format", "lines")
    parsed = [LINE.match(line) for line in out.splitlines()]
    assert status == 1 and all(parsed)
    severities: dict[str, int] = {}
    for match in parsed:
        assert match is not None and match["path"] == "specs/blog.yaml"
        severities[match["severity"]] = severities.get(match["severity"], 0) + 1
    b = BLOG_FINDINGS
    assert severities == {"error": b["wrong"] + b["contradiction"], "warning": b["slip"], "note": b["carried"]}


def test_lines_format_keeps_each_finding_on_one_line(tmp_path: Path) -> None:
    # The second statement's notes name the first by its id, which holds a line break.
    spec = tmp_path / "doc.yaml"
    spec.write_text(minimal_spec('  - {quantity: z2, value: 2.73, step: s, id: "two\\nlines"}\n'
                                 '  - {quantity: z2, value: 3.18, step: s, id: again, line: 7}\n'))
    (line,) = _lines(str(spec))
    assert "stated differently at two?lines" in line and line.endswith("; printed on line 7 of the document")


def test_the_documented_lines_are_what_the_cli_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    guide = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"--format lines\n```\n\n```text\n(.*?)```", guide, re.DOTALL)
    monkeypatch.chdir(ROOT)
    printed = run_cli("audit", "specs/blog.yaml", "--format", "lines")[1].splitlines()
    assert example.splitlines() and set(example.splitlines()) <= set(printed)
