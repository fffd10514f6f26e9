"""nncheck audit over many files: several paths, directories, standard input, --jobs, the combined reports, and
[tool.nncheck] in pyproject.toml (for the CLI and the pytest plugin).

Expected verdicts are worked out by hand: 0.5 · 3 = 1.5 (a page printing 1.6 is wrong), 2 · 3 = 6 (holds).
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import BLOG, ROOT, run_cli

pytest_plugins = ["pytester"]

WRONG_PAGE = "# Wrong\n\n$$z = 0.5 \\cdot 3 = 1.6$$\n"
RIGHT_PAGE = "# Right\n\n$$y = 2 \\cdot 3 = 6$$\n"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small git work tree: two pages, a spec, a non-spec YAML, a README without math, an ignored and an excluded
    page; the current directory is its root."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs" / "drafts").mkdir(parents=True)
    (tmp_path / "build").mkdir()
    (tmp_path / "docs" / "a.md").write_text(WRONG_PAGE, encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_text(RIGHT_PAGE, encoding="utf-8")
    (tmp_path / "docs" / "drafts" / "c.md").write_text(WRONG_PAGE, encoding="utf-8")
    (tmp_path / "build" / "d.md").write_text(WRONG_PAGE, encoding="utf-8")
    (tmp_path / "README.md").write_text("# A project\n\nNo math here.\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    (tmp_path / "blog.yaml").write_text(BLOG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_directory_is_walked_for_every_kind_honouring_gitignore(tree: Path) -> None:
    status, out, err = run_cli("audit", ".", "--format", "json", "--jobs", "1")
    reports = json.loads(out)
    assert [r["spec"] for r in reports] == ["blog.yaml", "docs/a.md", "docs/b.md", "docs/drafts/c.md"]
    assert status == 1 and "1 page without math left out of the report" in err  # the README
    assert reports[1]["summary"]["wrong"] == 1 and reports[2]["summary"]["holds"] == 1


def test_the_exclude_setting_and_the_command_line_paths(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.nncheck]\nexclude = ["docs/drafts/", "blog.yaml"]\n', encoding="utf-8")
    _, out, _ = run_cli("audit", ".", "--format", "jsonl", "-j", "1")
    assert [json.loads(line)["spec"] for line in out.splitlines()] == ["docs/a.md", "docs/b.md"]
    _, out, _ = run_cli("audit", "blog.yaml", "docs/drafts/c.md", "--format", "jsonl")  # named: read anyway
    assert [json.loads(line)["spec"] for line in out.splitlines()] == ["blog.yaml", "docs/drafts/c.md"]


def test_several_files_give_sections_a_total_and_the_worst_status(tree: Path) -> None:
    status, out, _ = run_cli("audit", "docs/b.md", "docs/a.md")
    assert status == 1 and out.index("docs/b.md") < out.index("docs/a.md")
    assert out.rstrip().endswith("2 files, 2 numbers checked: 1 holds, 1 wrong")
    status, _, _ = run_cli("audit", "docs/b.md")
    assert status == 0
    status, out, err = run_cli("audit", "docs/a.md", "mkdocs.yml", "docs/b.md")  # one unreadable: the others go on
    assert status == 2 and "mkdocs.yml:1:1: unknown key 'site_name'" in err and "docs/b.md" in out


def test_standard_input_is_named_by_stdin_filename(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(WRONG_PAGE))
    status, out, _ = run_cli("audit", "-", "--stdin-filename", "page.md", "--format", "lines")
    assert status == 1 and out.startswith("page.md:3:21: error:")
    monkeypatch.setattr("sys.stdin", io.StringIO(BLOG.read_text(encoding="utf-8")))
    status, out, _ = run_cli("audit", "-", "--format", "json")
    assert status == 1 and json.loads(out)["spec"] == "<stdin>" and json.loads(out)["summary"]["wrong"] == 3
    assert run_cli("audit", "docs/a.md", "--stdin-filename", "x.md")[0] == 2


def test_sarif_is_one_run_with_every_files_results(tree: Path) -> None:
    status, out, _ = run_cli("audit", "docs", "blog.yaml", "mkdocs.yml", "--format", "sarif")
    data = json.loads(out)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(data)
    run = data["runs"][0]
    assert len(data["runs"]) == 1 and status == 2
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"docs/a.md", "docs/drafts/c.md", "blog.yaml"}
    assert [f["artifact"]["uri"] for f in run["properties"]["files"]] == ["docs/a.md", "docs/b.md", "docs/drafts/c.md", "blog.yaml"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False and "mkdocs.yml:1:1" in notes[0]["message"]["text"]


def test_jobs_give_the_report_of_one_process(tree: Path) -> None:
    one = run_cli("audit", ".", "blog.yaml", "--jobs", "1", "--format", "json")
    two = run_cli("audit", ".", "blog.yaml", "--jobs", "2", "--format", "json")
    assert one == two and len(json.loads(one[1])) == 4
    assert run_cli("audit", ".", "--jobs", "0")[0] == 2


def test_pyproject_settings_apply_and_the_command_line_overrides_them(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.nncheck]\nfail-on = "none"\ninclude = ["docs/a.md"]\nformat = "lines"\n',
                                         encoding="utf-8")
    status, out, _ = run_cli("audit")  # include, format and fail-on from the table
    assert status == 0 and out.startswith("docs/a.md:3:21: error:")
    status, out, _ = run_cli("audit", "--fail-on", "wrong", "--format", "json")
    assert status == 1 and json.loads(out)["spec"] == "docs/a.md"
    (tree / "docs" / "sub").mkdir()
    status, _, _ = run_cli("audit", str(tree / "docs" / "a.md"))  # found walking up from a subdirectory too
    assert status == 0


def test_an_unknown_or_wrong_setting_is_an_error_at_its_line(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.nncheck]\nformat = "json"\n  fail_on = "wrong"\n',
                                         encoding="utf-8")
    status, _, err = run_cli("audit", "docs/a.md")
    assert status == 2 and "pyproject.toml:6:3: unknown key 'fail_on' in [tool.nncheck]" in err
    (tree / "pyproject.toml").write_text('[tool.nncheck]\ndiagnose = -1\n', encoding="utf-8")
    status, _, err = run_cli("audit", "docs/a.md")
    assert status == 2 and "pyproject.toml:2:1: diagnose = -1: expected a number of findings" in err


def test_the_pytest_plugin_reads_the_same_table(tree: Path, pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.nncheck]\nfail-on = "none"\n')
    (pytester.path / "blog.yaml").write_text(BLOG.read_text(encoding="utf-8"), encoding="utf-8")
    assert pytester.runpytest("-p", "nncheck", "-q").ret == 0  # every verdict passes with fail-on none
    assert pytester.runpytest("-p", "nncheck", "-q", "-o", "nncheck_fail_on=wrong").ret == 1  # the ini option wins


def test_colour_follows_no_color_and_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from nncheck.commands.audit import use_colour

    piped = io.StringIO()
    for no_color, force, expected in ((None, None, False), (None, "1", True), ("1", "1", False), ("", "1", True)):
        for name, value in (("NO_COLOR", no_color), ("FORCE_COLOR", force)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        assert use_colour("auto", piped) is expected, (no_color, force)
    assert use_colour("never", piped) is False and use_colour("always", piped) is True


def test_the_api_returns_a_picklable_json_report(tree: Path) -> None:
    from nncheck.api import audit_file, audit_path

    report = audit_path("blog.yaml")
    assert json.loads(json.dumps(report)) == report and report["summary"]["wrong"] == 3
    assert audit_path("mkdocs.yml")["errors"][0].startswith("mkdocs.yml:1:1:")
    outcome = audit_file("docs/a.md")
    assert pickle.loads(pickle.dumps(outcome)) == outcome


def test_the_api_maps_over_a_dask_cluster(tree: Path) -> None:
    import os

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("dask.distributed is not installed (pip install -e '.[dask]')")
    from nncheck.api import audit_path

    paths = [str(tree / "blog.yaml"), str(tree / "docs" / "a.md"), str(tree / "docs" / "b.md")]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        reports = client.gather(client.map(audit_path, paths))
    assert reports == [audit_path(path) for path in paths]


def test_the_stages_report_their_progress_to_a_callback() -> None:
    """nncheck.progress: the judging of each claim and the diagnosis of each finding, in order, up to their totals."""
    from nncheck.api import audit_file
    from nncheck.progress import advance, reporting

    seen: list[tuple[str, int, int]] = []
    with reporting(lambda stage, done, total: seen.append((stage, done, total))):
        outcome = audit_file(str(BLOG), diagnose=3)
    advance("outside", 1, 1)  # no callback here: nothing is recorded
    assert outcome.audit is not None
    judging = [done for stage, done, total in seen if stage == "judging"]
    diagnosing = [(done, total) for stage, done, total in seen if stage == "diagnosing"]
    assert judging == list(range(len(judging))) and len(judging) > 10
    assert diagnosing == [(1, 3), (2, 3), (3, 3)] and sum(v.diagnosed for v in outcome.audit.verdicts) == 3
    assert all(stage != "outside" for stage, _, _ in seen)


def test_quiet_keeps_standard_error_to_errors(tree: Path) -> None:
    _, _, err = run_cli("audit", "blog.yaml", "--diagnose", "1")
    assert "not diagnosed; the first 1 took" in err and "--diagnose all would take about" in err
    _, _, err = run_cli("audit", "blog.yaml", "--diagnose", "1", "--quiet")
    assert err == ""


def test_a_nested_gitignore_applies_when_the_directory_is_given_relatively(tree: Path) -> None:
    (tree / "docs" / "gi").mkdir()
    (tree / "docs" / "gi" / ".gitignore").write_text("*.md\n!keep.md\n", encoding="utf-8")
    (tree / "docs" / "gi" / "skip.md").write_text(WRONG_PAGE, encoding="utf-8")
    (tree / "docs" / "gi" / "keep.md").write_text(RIGHT_PAGE, encoding="utf-8")
    for path in (".", "docs", "docs/gi", str(tree)):
        _, out, _ = run_cli("audit", path, "--format", "jsonl")
        audited = [json.loads(line)["spec"] for line in out.splitlines()]
        assert not any(name.endswith("skip.md") for name in audited) and any(n.endswith("keep.md") for n in audited), path


def test_a_missing_path_is_an_error_and_the_others_are_audited(tree: Path) -> None:
    status, out, err = run_cli("audit", "docs/b.md", "nope.md", "docs/a.md", "--format", "jsonl")
    assert status == 2 and "nope.md:1:1: cannot read the document" in err
    assert [json.loads(line)["spec"] for line in out.splitlines()] == ["docs/b.md", "nope.md", "docs/a.md"]
    status, _, _ = run_cli("audit", "blog.yaml", "mkdocs.yml", "--write-baseline", "b.json")
    assert status == 2 and (tree / "b.json").exists()  # written for the readable file; the unreadable one says 2


def test_files_nobody_can_mistake_are_left_alone_and_an_empty_run_says_so(tree: Path) -> None:
    (tree / ".gitlab-ci.yml").write_text("nncheck:\n  script: nncheck audit .\n", encoding="utf-8")
    (tree / "ci.yml").write_text("nncheck:\n  script: nncheck audit .\n", encoding="utf-8")
    status, out, _ = run_cli("audit", ".", "--format", "jsonl")
    assert status == 1 and "ci.yml" not in out  # a job named nncheck: is not a spec (a spec's is nncheck: 1)
    (tree / "empty").mkdir()
    status, out, err = run_cli("audit", "empty")
    assert status == 0 and out == "" and "no file to audit in empty" in err


def test_force_exclude_leaves_out_named_files_the_setting_matches(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.nncheck]\nexclude = ["docs/drafts/"]\n', encoding="utf-8")
    assert run_cli("audit", "docs/drafts/c.md")[0] == 1  # named: read
    status, _, err = run_cli("audit", "docs/drafts/c.md", "--force-exclude")
    assert status == 0 and "no file to audit" in err
    assert run_cli("fix", "docs/drafts/c.md", "--force-exclude")[0] == 0


def test_standard_input_may_not_take_the_name_of_a_path(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(RIGHT_PAGE))
    status, _, err = run_cli("audit", "docs/a.md", "-", "--stdin-filename", "docs/a.md")
    assert status == 2 and "--stdin-filename 'docs/a.md' is also given as a path" in err


def test_settings_errors_name_their_place(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.nncheck]\nformat = "json"\nfail-on = "wrnog"\n', encoding="utf-8")
    status, _, err = run_cli("audit", "docs/a.md")
    assert status == 2 and "pyproject.toml:3:1: fail-on: unknown verdict 'wrnog'" in err
    (tree / "pyproject.toml").write_text('[tool.nncheck]\nformat = = "json"\n', encoding="utf-8")
    status, _, err = run_cli("audit", "docs/a.md")
    assert status == 2 and "pyproject.toml:2:10: not valid TOML: Invalid value" in err


def test_the_api_takes_a_path_object(tree: Path) -> None:
    from nncheck.api import audit_path

    report = audit_path(tree / "docs" / "a.md")
    assert json.loads(json.dumps(report))["spec"] == str(tree / "docs" / "a.md")
    assert json.loads(json.dumps(audit_path(tree / "nope.md")))["errors"]


def test_site_never_replaces_a_page_it_did_not_write(tree: Path) -> None:
    (tree / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tree / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    status, _, err = run_cli("site", "blog.yaml", "--out", "docs")
    assert status == 2 and "docs/index.md exists and is not a page nncheck site wrote" in err
    assert (tree / "docs" / "index.md").read_text(encoding="utf-8") == "# Home\n" and not (tree / "docs" / "blog.md").exists()
    status, _, err = run_cli("site", "blog.yaml", "--out", "build/errata")
    assert status == 0 and "build/errata is not under" in err and "mkdocs build will not include these pages" in err
    assert run_cli("site", "blog.yaml", "--out", "build/errata", "-q")[0] == 0  # its own pages are replaced


def test_the_walks_suffixes_are_the_readers() -> None:
    """nncheck.inputs keeps its own copy of the suffixes (so that the CLI need not import the readers to walk a
    directory): it must be the readers' table."""
    from nncheck import inputs, readers

    assert set(inputs.PAGE_SUFFIXES) == {s for suffixes, _, _ in readers.PAGES.values() for s in suffixes}
    assert inputs.SPEC_SUFFIXES == readers.SPEC_SUFFIXES


def test_a_command_runs_with_a_higher_collector_threshold_and_restores_the_interpreters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI raises the garbage collector's first threshold while a command runs (a large spec's audit spends a
    # third of its time in young collections otherwise) and leaves the interpreter's thresholds as they were.
    import gc

    from nncheck import cli
    from nncheck.commands import audit as audit_command

    seen: list[tuple[int, int, int]] = []
    real_run = audit_command.run

    def spying(args: object) -> int:
        seen.append(gc.get_threshold())
        return real_run(args)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_command, "run", spying)
    before = gc.get_threshold()
    assert cli.main(["audit", "--quiet", str(BLOG)]) == 1  # the blog has findings
    assert seen == [(cli.GC_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before

    def failing(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(audit_command, "run", failing)
    assert cli.main(["audit", str(BLOG)]) == 130
    assert gc.get_threshold() == before


def test_ignore_files_decide_as_git_does(tree: Path) -> None:
    # git's rules (gitignore(5)), worked out by hand for this tree: .git/info/exclude applies like a root .gitignore;
    # the last matching pattern decides, so docs/.gitignore's "!b.md" takes back the root's "*.md" for docs/b.md only;
    # a folder left out stays out (docs/drafts/, from info/exclude) whatever a pattern says of the files in it.
    (tree / ".git" / "info").mkdir()
    (tree / ".git" / "info" / "exclude").write_text("drafts/\n", encoding="utf-8")
    (tree / ".gitignore").write_text("build/\n*.md\n", encoding="utf-8")
    (tree / "docs" / ".gitignore").write_text("!b.md\n!drafts/c.md\n", encoding="utf-8")
    _, out, _ = run_cli("audit", ".", "--format", "jsonl", "-j", "1")
    assert [json.loads(line)["spec"] for line in out.splitlines()] == ["blog.yaml", "docs/b.md"]
    (tree / ".git" / "info" / "exclude").write_text("", encoding="utf-8")
    (tree / "docs" / ".gitignore").write_text("!*.md\na.md\n", encoding="utf-8")  # later lines win within a file too
    _, out, _ = run_cli("audit", ".", "--format", "jsonl", "-j", "1")
    assert [json.loads(line)["spec"] for line in out.splitlines()] == ["blog.yaml", "docs/b.md", "docs/drafts/c.md"]
