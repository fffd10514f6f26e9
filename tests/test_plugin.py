"""The pytest plugin, run on temporary projects with pytester: collection, outcomes, failure text, ini options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from importlib.metadata import entry_points
from pathlib import Path

import os

import pytest

# Loaded before pytester's in-process runs, which drop the modules a run imports afresh: numpy and
# python-flint do not like being imported twice, and re-importing (and assertion-rewriting)
# Hypothesis, which its pytest plugin loads, would cost a second per run.
import hypothesis  # noqa: F401
import nncheck.audit  # noqa: F401
import nncheck.baseline  # noqa: F401
import nncheck.commands.audit  # noqa: F401
import nncheck.report.lines  # noqa: F401
import nncheck.readers.spec  # noqa: F401
import ruamel.yaml  # noqa: F401
from nncheck.plugin import BaselineFixedWarning, is_spec
from tests.helpers import ROOT, minimal_spec, sample

pytest_plugins = ["pytester"]
# pytest assertion-rewrites plugins' packages on import; nncheck is imported already in this process.
QUIET = ("-W", "ignore::pytest.PytestAssertRewriteWarning")

# z1 = [1.3, 1.8] and z2 = 0.7·1.3 + 0.9·1.8 + 0.2 = 2.73 for the helpers' network.
HOLDS = minimal_spec("""  - quantity: z1
    value: [1.3, 1.8]
    step: layer 1
  - quantity: z2
    value: 2.73
    step: layer 2
""")
WRONG = HOLDS.replace("value: 2.73", "value: 3.18")
# σ(2.73) = 0.93877…: 0.938 is off in its last digit.
SLIP = HOLDS + """  - quantity: yhat
    value: 0.938
    step: sigmoid
"""


def write(pytester: pytest.Pytester, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``needle``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, found
    return found[0]


def outcomes(pytester: pytest.Pytester, *args: str) -> dict[str, list[str]]:
    """Item names by outcome (passed, failed, xfailed) of an in-process run."""
    reprec = pytester.inline_run(*QUIET, *args)
    result: dict[str, list[str]] = {"passed": [], "failed": [], "xfailed": []}
    for report in reprec.getreports("pytest_runtest_logreport"):
        name = report.nodeid.split("::", 1)[1]
        if hasattr(report, "wasxfail"):
            result["xfailed"].append(name)
        elif report.when == "call":
            result["passed" if report.passed else "failed"].append(name)
    return result


def failure_texts(pytester: pytest.Pytester, *args: str) -> dict[str, str]:
    reprec = pytester.inline_run(*QUIET, *args)
    return {r.nodeid: r.longreprtext for r in reprec.getreports("pytest_runtest_logreport") if r.failed}


def collection_errors(pytester: pytest.Pytester, *args: str) -> dict[str, str]:
    reprec = pytester.inline_run(*QUIET, *args)
    return {r.nodeid: r.longreprtext for r in reprec.getreports("pytest_collectreport") if r.failed}


def test_installing_nncheck_registers_the_plugin() -> None:
    registered = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert registered.get("nncheck") == "nncheck.plugin"


def test_plugin_imports_nothing_heavy() -> None:
    """pytest imports the plugin in every run of anyone who installs nncheck."""
    code = ("import sys, nncheck.plugin\n"
            "print([m for m in ('numpy', 'flint', 'sympy', 'ruamel', 'nncheck.audit', 'nncheck.readers.spec') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_each_printed_number_is_a_test_named_by_its_id(pytester: pytest.Pytester) -> None:
    write(pytester, {"specs/doc.yaml": HOLDS})
    assert outcomes(pytester) == {"passed": ["z1[0]", "z1[1]", "z2"], "failed": [], "xfailed": []}


def test_a_wrong_number_fails_and_the_others_pass(pytester: pytest.Pytester) -> None:
    write(pytester, {"specs/doc.yaml": WRONG})
    assert outcomes(pytester) == {"passed": ["z1[0]", "z1[1]"], "failed": ["z2"], "xfailed": []}


def test_failure_text_names_the_line_and_the_numbers_without_a_traceback(pytester: pytest.Pytester) -> None:
    write(pytester, {"specs/doc.yaml": WRONG})
    assert Fraction("0.7") * Fraction("1.3") + Fraction("0.9") * Fraction("1.8") + Fraction("0.2") == Fraction("2.73")
    relative_error = float((Fraction("3.18") - Fraction("2.73")) / Fraction("2.73"))
    line = line_of(WRONG, "value: 3.18")
    # No simple slip of 0.7·1.3 + 0.9·1.8 + 0.2 gives 3.18 (docs/verdicts.md#diagnosis), and the failure says so.
    assert failure_texts(pytester) == {
        "specs/doc.yaml::z2": f"specs/doc.yaml:{line}: claim 'z2': document states 3.18, recomputed 2.73 (wrong)\n"
                              f"  relative error {relative_error:+.2%}\n"
                              "  no simple explanation found",
    }


def test_failure_text_carries_the_diagnosis(pytester: pytest.Pytester) -> None:
    # The step shows it used a1 = [1.3, 1.8], and its result is 3.18: wrong from those numbers too;
    # a later statement of z2 differs, which the failure names.
    text = WRONG.replace("    value: 3.18\n", "    value: 3.18\n    uses: {a1: [1.3, 1.8]}\n") + \
        "  - {id: z2-again, quantity: z2, value: 2.73, step: again}\n"
    write(pytester, {"specs/doc.yaml": text})
    (failure,) = failure_texts(pytester).values()
    assert failure.splitlines()[1:] == ["  stated differently at z2-again", "  relative error +16.48%",
                                        "  no simple explanation found"]


def test_failure_text_names_a_possible_cause(pytester: pytest.Pytester) -> None:
    # 0.7·1.3 + 0.9·1.8 = 2.53: z2 without its bias 0.2.
    assert Fraction("0.7") * Fraction("1.3") + Fraction("0.9") * Fraction("1.8") == Fraction("2.53")
    write(pytester, {"specs/doc.yaml": HOLDS.replace("value: 2.73", "value: 2.53")})
    (failure,) = failure_texts(pytester).values()
    assert failure.splitlines()[-1] == ("  possible cause: bias b2 left out — "
                                        "z2 = W2[0,0]·a1[0] + W2[0,1]·a1[1] + b2 = 0.7·1.3 + 0.9·1.8 + 0 = 2.53")


def test_a_broken_spec_is_a_collection_error_at_file_line_col(pytester: pytest.Pytester) -> None:
    broken = Path(sample("bad_activation.yaml")).read_text(encoding="utf-8")
    write(pytester, {"specs/bad.yaml": broken, "specs/good.yaml": HOLDS})
    line = line_of(broken, "rleu")
    column = broken.splitlines()[line - 1].index("rleu") + 1
    errors = collection_errors(pytester)
    assert list(errors) == ["specs/bad.yaml"]
    assert errors["specs/bad.yaml"].startswith(f"specs/bad.yaml:{line}:{column}: layer 1 activation='rleu' is not known")
    assert len(errors["specs/bad.yaml"].splitlines()) == 1  # the message, not a traceback


def test_a_network_that_cannot_be_evaluated_is_a_collection_error(pytester: pytest.Pytester) -> None:
    # ReLU output 1·1 + 1·(−2) = 0, then BCE takes log(0).
    text = minimal_spec("  []", layers="""
    - weights: [[1, 1]]
      bias: 0
      activation: relu""").replace("input: [1, 2]", "input: [1, -2]")
    write(pytester, {"log0.yaml": text})
    errors = collection_errors(pytester)
    # Located at the network's first key.
    assert errors["log0.yaml"].startswith(f"log0.yaml:{line_of(text, 'input: [1, -2]')}:3: the network cannot be evaluated")


def test_other_yaml_is_not_collected(pytester: pytest.Pytester) -> None:
    write(pytester, {
        "mkdocs.yml": "site_name: x\nnav:\n  - Home: index.md\n",
        "ci/workflow.yaml": "jobs:\n  nncheck: {runs-on: x}\n",  # the key, but not at the top level
        "docs/notes.yaml": "- nncheck: 1\n",
        "specs/doc.yaml": HOLDS,
    })
    reprec = pytester.inline_run(*QUIET)
    assert reprec.getreports("pytest_collectreport") and not [r for r in reprec.getreports("pytest_collectreport") if r.failed]
    assert {r.nodeid.split("::")[0] for r in reprec.getreports("pytest_runtest_logreport")} == {"specs/doc.yaml"}



@pytest.mark.parametrize(("text", "spec"), [
    (b"nncheck: 1\n", True),
    (b"# a comment\ntitle: x\nnncheck: 1\n", True),
    (b'"nncheck": 1\n', True),
    (b"\xef\xbb\xbfnncheck : 1\n", True),
    (b"site_name: x\n", False),
    (b"jobs:\n  nncheck: 1\n", False),
    (b"- nncheck: 1\n", False),
    (b"nncheck_version: 1\n", False),
    (b"{nncheck: 1}\n", False),
], ids=["plain", "after-other-keys", "quoted", "byte-order-mark", "other-yaml", "nested", "in-a-list", "longer-key",
        "flow-style"])
def test_a_spec_is_recognised_by_its_top_level_key(tmp_path: Path, text: bytes, spec: bool) -> None:
    path = tmp_path / "file.yaml"
    path.write_bytes(text)
    assert is_spec(path) is spec


@pytest.mark.parametrize(("specs", "collected"), [
    (None, ["a/doc.yaml", "specs/doc.yaml", "specs/doc2.yml"]),
    ("specs/*.yaml", ["specs/doc.yaml"]),
    ("doc2.yml a/*", ["a/doc.yaml", "specs/doc2.yml"]),
], ids=["default-all-yaml", "path-glob", "names-and-paths"])
def test_nncheck_specs_chooses_the_files(pytester: pytest.Pytester, specs: str | None, collected: list[str]) -> None:
    write(pytester, {"specs/doc.yaml": HOLDS, "specs/doc2.yml": HOLDS, "a/doc.yaml": HOLDS})
    if specs is not None:
        pytester.makeini(f"[pytest]\nnncheck_specs = {specs}\n")
    reprec = pytester.inline_run(*QUIET)
    files = sorted({r.nodeid.split("::")[0] for r in reprec.getreports("pytest_runtest_logreport")})
    assert files == collected


@pytest.mark.parametrize(("fail_on", "failed"), [
    (None, ["z2"]),
    ("wrong,contradiction", ["z2"]),
    ("slip", ["yhat"]),
    ("slip, wrong", ["z2", "yhat"]),
    ("none", []),
], ids=["default", "explicit-default", "slip", "slip-and-wrong", "none"])
def test_nncheck_fail_on_chooses_the_failing_verdicts(pytester: pytest.Pytester, fail_on: str | None, failed: list[str]) -> None:
    write(pytester, {"doc.yaml": SLIP.replace("value: 2.73", "value: 3.18")})
    if fail_on is not None:
        pytester.makeini(f"[pytest]\nnncheck_fail_on = {fail_on}\n")
    assert outcomes(pytester)["failed"] == failed


def test_an_unknown_verdict_in_nncheck_fail_on_is_an_error(pytester: pytest.Pytester) -> None:
    write(pytester, {"doc.yaml": HOLDS})
    pytester.makeini("[pytest]\nnncheck_fail_on = wrng\n")
    (error,) = collection_errors(pytester).values()
    assert error.startswith("nncheck_fail_on: unknown verdict 'wrng'")


def _baseline(*findings: dict[str, str]) -> str:
    return json.dumps({"nncheck_baseline": 1, "findings": list(findings)})


def test_baseline_findings_xfail_and_new_ones_fail(pytester: pytest.Pytester) -> None:
    text = WRONG + "  - {quantity: yhat, value: 0.5, step: sigmoid}\n"  # σ(2.73) is nowhere near 0.5
    write(pytester, {
        "specs/doc.yaml": text,
        "specs/doc.baseline.json": _baseline({"spec": "doc.yaml", "id": "z2", "verdict": "wrong", "stated": "3.18"}),
    })
    pytester.makeini("[pytest]\nnncheck_baseline = specs/doc.baseline.json\n")
    result = outcomes(pytester)
    assert (result["xfailed"], result["failed"]) == (["z2"], ["yhat"])


def test_a_fixed_finding_passes_and_is_reported_as_fixed(pytester: pytest.Pytester) -> None:
    write(pytester, {
        "specs/doc.yaml": HOLDS,
        "b.json": _baseline({"spec": "specs/doc.yaml", "id": "z2", "verdict": "wrong", "stated": "3.18"}),
    })
    pytester.makeini("[pytest]\nnncheck_baseline = b.json\n")
    reprec = pytester.inline_run(*QUIET)
    reprec.assertoutcome(passed=3)
    warnings = [call.warning_message for call in reprec.getcalls("pytest_warning_recorded")]
    assert [(w.category, str(w.message)) for w in warnings] == [
        (BaselineFixedWarning, "b.json: 'z2' (wrong, stated 3.18) in specs/doc.yaml no longer occurs: "
                               "it is fixed, so remove it from the baseline"),
    ]


def test_a_broken_baseline_is_an_error_at_file_line_col(pytester: pytest.Pytester) -> None:
    write(pytester, {"doc.yaml": HOLDS, "b.json": '{"nncheck_baseline": 1,\n "findings": [{"spec": "doc.yaml"}]}'})
    pytester.makeini("[pytest]\nnncheck_baseline = b.json\n")
    (error,) = collection_errors(pytester).values()
    assert error.startswith(f"{pytester.path / 'b.json'}:2:15: missing key 'id'")


def test_junit_xml_points_at_the_spec_and_line(pytester: pytest.Pytester) -> None:
    write(pytester, {"specs/doc.yaml": WRONG})
    pytester.runpytest(*QUIET, "--junitxml=out.xml", "-o", "junit_family=xunit1")
    cases = {case.get("name"): case for case in ElementTree.parse(pytester.path / "out.xml").iter("testcase")}
    z2 = cases["z2"]
    # pytest counts the line attribute from 0, for its own tests as for these (Item.location).
    assert (z2.get("file"), int(z2.get("line", "-1")) + 1) == ("specs/doc.yaml", line_of(WRONG, "value: 3.18"))
    assert z2.find("failure") is not None and cases["z1[0]"].find("failure") is None
    assert (cases["z1[1]"].get("file"), int(cases["z1[1]"].get("line", "-1")) + 1) == ("specs/doc.yaml", line_of(WRONG, "[1.3, 1.8]"))


def test_the_project_audits_its_specs_with_the_blogs_errata_accepted(pytestconfig: pytest.Config) -> None:
    assert "specs" in pytestconfig.getini("testpaths")
    assert [Path(p) for p in pytestconfig.getini("nncheck_baseline")] == [ROOT / "specs" / "blog.baseline.json"]


def test_the_documented_failure_is_what_the_plugin_prints(pytester: pytest.Pytester) -> None:
    write(pytester, {"specs/blog.yaml": (ROOT / "specs" / "blog.yaml").read_text(encoding="utf-8")})
    printed = failure_texts(pytester)["specs/blog.yaml::z2"]
    guide = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (example,) = [block for block in re.findall(r"```text\n(.*?)```", guide, re.DOTALL) if "claim 'z2'" in block and "____" in block]
    assert example.splitlines()[1:] == printed.splitlines()
    assert printed.splitlines()[0] in (ROOT / "README.md").read_text(encoding="utf-8")


# z_2 = 0.7 · 1.3 + 0.9 · 1.8 + 0.2 = 2.73 (by hand), printed 3.18; then σ(2.73) = 0.93877, printed 0.9388.
PAGE = """# A page

$$z_2 = 0.7 \\cdot 1.3 + 0.9 \\cdot 1.8 + 0.2 = 3.18$$

$$a = \\sigma(2.73) = 0.9388$$
"""


def test_pages_are_collected_only_when_named(pytester: pytest.Pytester) -> None:
    write(pytester, {"docs/page.md": PAGE, "README.md": PAGE})
    assert outcomes(pytester) == {"passed": [], "failed": [], "xfailed": []}
    pytester.makeini("[pytest]\nnncheck_pages = docs/*.md\n")
    assert outcomes(pytester) == {"passed": ["a"], "failed": ["z_2"], "xfailed": []}
    (failure,) = failure_texts(pytester).values()
    assert failure.startswith(f"docs{os.sep}page.md:3: ") and "3.18" in failure and "2.73" in failure


def test_every_page_kind_is_collected_when_named(pytester: pytest.Pytester) -> None:
    # The samples of tests/samples/pages/: each plants one error (computed by hand in tests/test_readers.py).
    samples = Path(__file__).parent / "samples" / "pages"
    for page in samples.iterdir():
        (pytester.path / "pages").mkdir(exist_ok=True)
        (pytester.path / "pages" / page.name).write_bytes(page.read_bytes())
    pytester.makeini("[pytest]\nnncheck_pages = pages/*\n")
    found = outcomes(pytester)
    assert sorted(found["failed"]) == sorted(["z", "L", "∂a/∂z"])
    failures = failure_texts(pytester)
    assert any(text.startswith(f"pages{os.sep}neuron.ipynb:cell 3:3:") for text in failures.values())
    assert any(text.startswith(f"pages{os.sep}neuron.tex:15:") for text in failures.values())
    assert any(text.startswith(f"pages{os.sep}neuron.html:13:") for text in failures.values())
