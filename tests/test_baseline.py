"""The baseline of accepted findings: matching, new and fixed findings, writing, and broken files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from nncheck.audit import DEFAULT_FAIL_ON, Kind, audit
from nncheck.baseline import Accepted, Baseline, BaselineError, Comparison, compare, dumps, load, updated
from nncheck.readers.spec import load_spec
from tests.helpers import BLOG, ROOT, run_cli

BLOG_BASELINE = ROOT / "specs" / "blog.baseline.json"
# The blog's errata as README and docs/verdicts.md list them: z2 = 3.18 wrong, the prose's 0.96 and
# the plugged-in −0.039936 contradictions, two entries of ∂L/∂W1 wrong.
BLOG_ERRATA = ["z2", "yhat-prose", "dL/da1:dL/dz2", "dL/dW1[0,1]", "dL/dW1[1,1]"]


def blog_copy(tmp_path: Path, *, replace: tuple[str, str] | None = None) -> tuple[Path, Path]:
    """The blog's spec and baseline copied to tmp_path/specs, with one edit to the spec's text."""
    folder = tmp_path / "specs"
    folder.mkdir()
    spec, baseline = folder / "blog.yaml", folder / "blog.baseline.json"
    text = BLOG.read_text(encoding="utf-8")
    if replace is not None:
        assert text.count(replace[0]) == 1, replace[0]
        text = text.replace(*replace)
    spec.write_text(text, encoding="utf-8")
    shutil.copy(BLOG_BASELINE, baseline)
    return spec, baseline


def comparison_of(spec: Path, baseline: Path) -> Comparison:
    accepted = load(str(baseline))
    return compare(audit(load_spec(str(spec))), accepted.for_spec(str(spec)), DEFAULT_FAIL_ON)


def test_blog_baseline_accepts_exactly_the_blogs_errata() -> None:
    result = comparison_of(BLOG, BLOG_BASELINE)
    assert ([v.ref for v in result.accepted], result.new, result.fixed) == (BLOG_ERRATA, (), ())


def test_every_entry_of_the_blog_baseline_says_why() -> None:
    assert all(entry.reason for entry in load(str(BLOG_BASELINE)).findings)


def test_audit_reports_everything_with_or_without_the_baseline() -> None:
    plain, out_plain, _ = run_cli("audit", str(BLOG), "--format", "json")
    accepted, out_accepted, _ = run_cli("audit", str(BLOG), "--format", "json", "--baseline", str(BLOG_BASELINE))
    failing = [v["id"] for v in json.loads(out_accepted)["verdicts"] if v["verdict"] in ("wrong", "contradiction")]
    assert (plain, accepted) == (1, 0)
    assert out_plain == out_accepted and failing == BLOG_ERRATA


def test_a_new_error_fails(tmp_path: Path) -> None:
    # ∂z1/∂W1 is x = (1, 2); printing 3 for its second entry is a fresh mistake.
    spec, baseline = blog_copy(tmp_path, replace=("    value: [1, 2]\n", "    value: [1, 3]\n"))
    result = comparison_of(spec, baseline)
    assert ([(v.ref, v.kind) for v in result.new], len(result.accepted), result.fixed) == ([("dz1/dW1[1]", Kind.WRONG)], 5, ())
    status, _, err = run_cli("audit", str(spec), "--baseline", str(baseline))
    assert status == 1 and f"new: {spec}:" in err


def test_a_fixed_error_is_reported_as_fixed(tmp_path: Path) -> None:
    spec, baseline = blog_copy(tmp_path, replace=("    value: 3.18\n", "    value: 2.73\n"))
    result = comparison_of(spec, baseline)
    assert ([a.ref for a in result.fixed], result.new, len(result.accepted)) == (["z2"], (), 4)
    status, _, err = run_cli("audit", str(spec), "--baseline", str(baseline))
    assert status == 0 and "fixed: 'z2' (wrong, stated 3.18)" in err


def test_a_changed_number_is_new_and_its_old_entry_fixed(tmp_path: Path) -> None:
    spec, baseline = blog_copy(tmp_path, replace=("    value: 3.18\n", "    value: 3.19\n"))
    result = comparison_of(spec, baseline)
    assert ([(v.ref, v.stated) for v in result.new], [(a.ref, a.stated) for a in result.fixed]) == ([("z2", "3.19")], [("z2", "3.18")])


def test_entries_are_matched_however_the_spec_path_is_spelt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, baseline = blog_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert len(load("specs/blog.baseline.json").for_spec("specs/../specs/./blog.yaml")) == len(BLOG_ERRATA)
    assert load(str(baseline)).for_spec(str(tmp_path / "elsewhere.yaml")) == ()


def test_write_baseline_accepts_the_current_findings(tmp_path: Path) -> None:
    spec, _ = blog_copy(tmp_path, replace=("    value: [1, 2]\n", "    value: [1, 3]\n"))
    target = tmp_path / "accepted.json"
    assert run_cli("audit", str(spec), "--write-baseline", str(target))[0] == 0
    written = load(str(target))
    assert [(a.spec, a.ref) for a in written.findings] == [("specs/blog.yaml", ref) for ref in BLOG_ERRATA[:3] + ["dz1/dW1[1]"] + BLOG_ERRATA[3:]]
    assert run_cli("audit", str(spec), "--baseline", str(target))[0] == 0


def test_rewriting_keeps_reasons_and_other_specs(tmp_path: Path) -> None:
    spec, baseline = blog_copy(tmp_path, replace=("    value: 3.18\n", "    value: 2.73\n"))
    other = Accepted(str(baseline), "another.yaml", "z1[0]", Kind.WRONG, "9", "kept as it is")
    before = load(str(baseline))
    Path(baseline).write_text(dumps(Baseline(str(baseline), (other,) + before.findings)), encoding="utf-8")
    after = updated(str(baseline), audit(load_spec(str(spec))), DEFAULT_FAIL_ON, spec_file=str(spec))
    assert after.findings == (other,) + tuple(a for a in before.findings if a.ref != "z2")


def test_dumps_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    baseline = Baseline(str(path), (
        Accepted(str(path), "a.yaml", "z2", Kind.WRONG, "3.18"),
        Accepted(str(path), "a.yaml", "yhat", Kind.SLIP, "\u22120.938", "a reason with \"quotes\""),
    ))
    path.write_text(dumps(baseline), encoding="utf-8")
    assert load(str(path)) == baseline
    path.write_text(dumps(Baseline(str(path), ())), encoding="utf-8")
    assert load(str(path)).findings == ()


def test_baseline_options_exclude_each_other() -> None:
    assert run_cli("audit", str(BLOG), "--baseline", "a.json", "--write-baseline", "b.json")[0] == 2


ENTRY = '{"spec": "a.yaml", "id": "z2", "verdict": "wrong", "stated": "3.18"}'


@pytest.mark.parametrize(("text", "at", "message"), [
    ('{"nncheck_baseline": 1,\n "findings": [}', "}", "not valid JSON"),
    ('[]', "[]", "a baseline is an object with the keys nncheck_baseline and findings"),
    ('{"nncheck_baseline": 1}', "{", "a baseline is an object with the keys nncheck_baseline and findings"),
    ('{"nncheck_baseline": 2, "findings": []}', "2", "nncheck_baseline=2: this version of nncheck reads baseline format 1"),
    ('{"nncheck_baseline": 1, "findings": {}}', "{}", "findings must be a list"),
    ('{"nncheck_baseline": 1, "findings": [\n  "z2"]}', '"z2"', "a finding is an object"),
    ('{"nncheck_baseline": 1, "findings": [\n  {"spec": "a.yaml", "id": "z2", "verdict": "wrong"}]}', '{"spec"', "missing key 'stated'"),
    ('{"nncheck_baseline": 1, "findings": [\n  {"spec": "a.yaml", "id": "z2", "verdict": "wrong", "stated": "3.18", "why": 1}]}', "1}", "unknown key 'why'"),
    ('{"nncheck_baseline": 1, "findings": [\n  {"spec": "a.yaml", "id": "z2", "verdict": "wrng", "stated": "3.18"}]}', '"wrng"', "unknown verdict 'wrng'"),
    ('{"nncheck_baseline": 1, "findings": [\n  {"spec": "a.yaml", "id": "z2", "verdict": "wrong", "stated": 3.18}]}', "3.18}", "stated=3.18 must be a non-empty string"),
    ('{"nncheck_baseline": 1, "findings": [\n  ' + ENTRY + ',\n  ' + ENTRY + ']}', ENTRY + "]", "this finding is already listed as findings[0]"),
], ids=["not-json", "not-an-object", "missing-findings", "version", "findings-not-a-list", "entry-not-an-object",
        "missing-key", "unknown-key", "unknown-verdict", "not-a-string", "duplicate"])
def test_a_broken_baseline_is_refused_at_file_line_col(tmp_path: Path, text: str, at: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    before = text[:text.rindex(at)]
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    with pytest.raises(BaselineError) as error:
        load(str(path))
    assert str(error.value).startswith(f"{path}:{line}:{column}: {message}")


def test_a_missing_baseline_is_a_usage_error(tmp_path: Path) -> None:
    status, out, err = run_cli("audit", str(BLOG), "--baseline", str(tmp_path / "none.json"))
    assert (status, out) == (2, "")
    assert err.startswith(f"nncheck: error: {tmp_path / 'none.json'}:1:1: cannot read the baseline")


def test_the_documented_baseline_entry_is_the_blogs() -> None:
    guide = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```json\n(.*?)```", guide, re.DOTALL)
    documented = json.loads(example)
    actual = json.loads(BLOG_BASELINE.read_text(encoding="utf-8"))
    assert documented["findings"] == actual["findings"][:1] and documented["nncheck_baseline"] == actual["nncheck_baseline"]
