"""nncheck in other tools' CI conventions: the GitHub Action (action.yml) with its problem matcher, and the pre-commit
hooks (.pre-commit-hooks.yaml), tried with `pre-commit try-repo` on a repository of pages written here.

The matcher's patterns are JavaScript regular expressions that Python reads the same way (no lookbehind, no named
groups); they are checked against what `nncheck audit --format lines` prints today.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.helpers import BLOG, ROOT, SAMPLES, run_cli

MATCHER = json.loads((ROOT / ".github" / "nncheck-matcher.json").read_text(encoding="utf-8"))["problemMatcher"]
# GitHub's annotation levels, by the severities `--format lines` prints (nncheck.report.lines.SEVERITY).
LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def _annotations(output: str) -> list[tuple[str, int | None, str, str]]:
    """What GitHub would annotate: (file, line or None, level, message) for each line a matcher takes."""
    found = []
    for line in output.splitlines():
        for matcher in MATCHER:
            pattern = matcher["pattern"][0]
            match = re.match(pattern["regexp"], line)
            if match is None:
                continue
            level = match.group(pattern["severity"]) if "severity" in pattern else matcher["severity"]
            found.append((match.group(pattern["file"]), int(match.group(pattern["line"])) if "line" in pattern else None,
                          level, match.group(pattern["message"])))
            break
    return found


def test_the_problem_matcher_takes_every_finding_with_its_level() -> None:
    status, out, _ = run_cli("audit", str(BLOG), "--format", "lines")
    found = _annotations(out)
    assert len(found) == len(out.splitlines()) == 19  # every line a finding of the blog's spec
    assert {level for _, _, level, _ in found} == {"error", "warning", "notice"} <= set(LEVELS.values())
    assert (str(BLOG), 33, "error") in {(f, n, level) for f, n, level, _ in found}  # z2 = 3.18, wrong
    assert all(message.startswith("claim ") for _, _, _, message in found)


def test_a_notebooks_findings_are_annotated_on_the_file_with_the_cell_in_the_message() -> None:
    _, out, _ = run_cli("audit", str(SAMPLES / "pages" / "neuron.ipynb"), "--format", "lines")
    findings = [line for line in out.splitlines() if ": note: " not in line or "claim" in line or "equation" in line]
    found = _annotations(out)
    assert len(found) == len([line for line in findings if ":cell " in line]) > 0
    assert all(line is None and message.startswith("cell ") for _, line, _, message in found)
    assert any(level == "error" for _, _, level, _ in found)


def test_coverage_lines_are_not_annotated() -> None:
    """A page's coverage line (1:1: note: N equations found…) would fill GitHub's quota of notices."""
    _, out, _ = run_cli("audit", str(SAMPLES / "markdown" / "blog.md"), "--format", "lines")
    coverage = [line for line in out.splitlines() if "equations found" in line]
    assert coverage and not _annotations("\n".join(coverage))


def test_the_action_installs_audits_annotates_and_uploads_sarif() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite" and set(action["inputs"]) == {"paths", "fail-on", "requirement", "sarif"}
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in scripts and "nncheck audit --format lines" in scripts and "--format sarif" in scripts
    assert "::add-matcher::$MATCHER" in scripts
    matcher_step = next(step for step in steps if "add-matcher" in step.get("run", ""))
    assert matcher_step["env"]["MATCHER"].endswith("/.github/nncheck-matcher.json")
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif@") for step in steps)


def _pre_commit() -> str:
    found = shutil.which("pre-commit") or (str(Path(sys.executable).parent / "pre-commit")
                                          if (Path(sys.executable).parent / "pre-commit").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pre-commit is not installed; the test extras install it", pytrace=False)
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return found


def test_the_pre_commit_hooks_run_from_this_repository(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs nncheck from this checkout into a fresh environment and runs each hook on a
    repository of two pages: 0.5 · 3 = 1.5 (by hand), printed 1.6, and 2 · 3 = 6."""
    pre_commit = _pre_commit()
    work = tmp_path / "work"
    work.mkdir()
    (work / "wrong.md").write_text("$$z = 0.5 \\cdot 3 = 1.6$$\n", encoding="utf-8")
    (work / "right.md").write_text("$$y = 2 \\cdot 3 = 6$$\n", encoding="utf-8")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=work, check=True, env=env)

    def hook(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "try-repo", str(ROOT), name, "--files", "wrong.md", "right.md"], cwd=work,
                              env=env, capture_output=True, text=True, timeout=900)

    audited = hook("nncheck-audit")
    assert audited.returncode == 1, audited.stdout + audited.stderr
    assert "wrong.md:1:21: error: equation 'z'" in audited.stdout or "wrong.md:1:21: error:" in audited.stdout
    fixed = hook("nncheck-fix")
    assert fixed.returncode == 1 and (work / "wrong.md").read_text(encoding="utf-8") == "$$z = 0.5 \\cdot 3 = 1.5$$\n"
    assert (work / "right.md").read_text(encoding="utf-8") == "$$y = 2 \\cdot 3 = 6$$\n"
    assert hook("nncheck-audit").returncode == 0, "after the fix the pages audit clean"
