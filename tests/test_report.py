"""Stage 4 and the CLI: report shapes, escaping and exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from nncheck.audit import audit
from nncheck.report import renderer
from nncheck.readers.spec import load_spec, parse_spec
from tests.helpers import BLOG, ROOT, minimal_spec, run_cli, sample


def _report_schema() -> dict:
    return json.loads(files("nncheck.report").joinpath("report-schema.json").read_text())


def test_json_report_validates_against_its_documented_shape() -> None:
    status, out, _ = run_cli("audit", str(BLOG), "--format", "json")
    data = json.loads(out)
    jsonschema.Draft7Validator.check_schema(_report_schema())
    jsonschema.validate(data, _report_schema())
    assert status == 1
    assert data["source"] == "blog post, seed 000_09b4da9b7b839a7c"
    assert data["summary"] == {"holds": 13, "slip": 2, "carried": 12, "wrong": 3, "contradiction": 2, "undecided": 0}
    z2 = next(v for v in data["verdicts"] if v["id"] == "z2")
    # specs/blog.yaml line 33 is "    value: 3.18"; the number starts in column 12.
    assert (z2["stated"], z2["exact"], z2["verdict"], z2["location"]["line"], z2["location"]["column"]) == ("3.18", "2.73", "wrong", 33, 12)


def test_json_report_carries_the_diagnosis() -> None:
    data = json.loads(run_cli("audit", str(BLOG), "--format", "json")[1])
    verdicts = {v["id"]: v for v in data["verdicts"]}
    # −1.04 × 0.0384 = −0.039936: ∂L/∂ŷ from the prose's ŷ = 0.96, rounded (docs/verdicts.md#diagnosis).
    (hypothesis,) = verdicts["dL/da1:dL/dz2"]["hypotheses"]
    assert hypothesis["families"] == ["substituted", "rounded"]
    assert hypothesis["slips"][1]["arguments"]["after"] == "-1.04" and hypothesis["value"] == "-0.039936"
    assert (verdicts["dL/dW1[1,1]"]["diagnosed"], verdicts["dL/dW1[1,1]"]["hypotheses"]) == (True, [])
    assert (verdicts["z1[0]"]["diagnosed"], verdicts["L"]["diagnosed"]) == (False, False)  # holds, carried


def test_json_schema_rejects_a_malformed_report() -> None:
    status, out, _ = run_cli("audit", str(BLOG), "--format", "json")
    data = json.loads(out)
    data["verdicts"][0]["verdict"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _report_schema())


def test_terminal_report_is_plain_when_piped_and_coloured_on_request() -> None:
    result = audit(load_spec(str(BLOG)))
    plain, coloured = io.StringIO(), io.StringIO()
    renderer("terminal")(result, plain, False)
    renderer("terminal")(result, coloured, True)
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[31mwrong\x1b[0m" in coloured.getvalue()
    row = next(line for line in plain.getvalue().splitlines() if line.startswith("z2 "))
    assert row.split() == ["z2", "z2", "3.18", "2.73", "wrong"]
    # With colour, the row is the plain row with its verdict coloured: the gap before the verdict stays.
    coloured_row = next(line for line in coloured.getvalue().splitlines() if line.startswith("z2 "))
    assert coloured_row.replace("\x1b[31m", "").replace("\x1b[0m", "") == row


def test_markdown_report_escapes_spec_text() -> None:
    text = minimal_spec("  - {quantity: z2, value: 2.73, step: s}\n").replace("title: test", "title: '<script>x|y</script>'")
    out = io.StringIO()
    renderer("markdown")(audit(parse_spec(text)), out, False)
    assert "<script>" not in out.getvalue()
    assert "&lt;script&gt;x\\|y&lt;/script&gt;" in out.getvalue()


def test_terminal_report_drops_control_characters() -> None:
    # ESC c resets a terminal; ESC [2J clears it (ids may not contain "[", so it goes in the title).
    text = minimal_spec('  - {quantity: z2, value: 2.73, step: s, id: "a\\ecb"}\n').replace("title: test", 'title: "t\\e[2Jt"')
    out = io.StringIO()
    renderer("terminal")(audit(parse_spec(text)), out, False)
    assert "\x1b" not in out.getvalue() and "a?cb" in out.getvalue() and "t?[2Jt" in out.getvalue()


@pytest.mark.parametrize(("argv", "status"), [
    (["audit", str(BLOG)], 1),
    (["audit", str(BLOG), "--fail-on", "none"], 0),
    (["audit", str(BLOG), "--fail-on", "slip"], 1),
    (["audit", sample("tiny.yaml")], 0),
    (["audit", sample("tiny.yaml"), "--fail-on", "holds"], 1),
    (["audit", sample("bad_activation.yaml")], 2),
    (["audit", "missing.yaml"], 2),
    (["audit", str(BLOG), "--fail-on", "wrng"], 2),
    (["audit", str(BLOG), "--format", "pdf"], 2),
    (["audit", str(BLOG), "--diagnose", "-1"], 2),
    (["audit", str(BLOG), "--diagnose", "some"], 2),
    (["audit", str(BLOG), "--diagnose", "all"], 1),
    ([], 2),
], ids=["blog", "fail-on-none", "fail-on-slip", "clean", "fail-on-holds", "broken-spec", "missing-file", "bad-fail-on", "bad-format",
        "diagnose-negative", "diagnose-word", "diagnose-all", "no-command"])
def test_exit_status(argv: list[str], status: int) -> None:
    assert run_cli(*argv)[0] == status


def test_spec_errors_go_to_stderr_as_file_line_col() -> None:
    status, out, err = run_cli("audit", sample("bad_activation.yaml"))
    assert out == ""
    assert err.startswith(f"{sample('bad_activation.yaml')}:9:19: layer 1 activation='rleu' is not known")


def test_output_writes_the_report_to_a_file(tmp_path) -> None:
    target = tmp_path / "report.md"
    status, out, _ = run_cli("audit", str(BLOG), "--format", "markdown", "--output", str(target))
    assert status == 1 and out == ""
    assert target.read_text().startswith("# Audit: SimpleNN worked example")


def test_schema_command_prints_the_packaged_schema() -> None:
    status, out, _ = run_cli("schema")
    assert status == 0 and json.loads(out)["properties"]["nncheck"]


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "nncheck", "audit", str(BLOG), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and json.loads(done.stdout)["format_version"] == 1


def test_audit_does_not_import_sympy() -> None:
    """Start-up cost: the audit decides with python-flint; SymPy (~0.4 s to import) stays unloaded."""
    code = ("import sys; from nncheck.cli import main; import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['audit', 'specs/blog.yaml'])\n"
            "print('sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_cli_default_fail_on_matches_the_audit_default() -> None:
    from nncheck.audit import DEFAULT_FAIL_ON
    from nncheck.cli import parser
    from nncheck.commands.audit import options
    from nncheck.config import Config

    assert options(parser().parse_args(["audit", "x.yaml"]), Config()).fail_on == DEFAULT_FAIL_ON


def test_network_that_cannot_be_evaluated_is_a_located_error(tmp_path) -> None:
    # ReLU output 1·1 + 1·(−2) → 0, then BCE takes log(0).
    text = minimal_spec("  []", layers="""
    - weights: [[1, 1]]
      bias: 0
      activation: relu""").replace("input: [1, 2]", "input: [1, -2]")
    path = tmp_path / "log0.yaml"
    path.write_text(text)
    status, _, err = run_cli("audit", str(path))
    assert status == 2
    assert err.startswith(f"nncheck: error: {path}:4:3: the network cannot be evaluated: log of 0")


def test_diagnosis_limit_explains_the_first_findings_and_says_how_many_it_left() -> None:
    # The blog has 7 findings the diagnosis explains (z2, yhat, yhat-prose, L:yhat, dL/da1:dL/dz2 and two of
    # dL/dW1: test_audit.BLOG_VERDICTS); with a limit of 2 the first two in document order are explained.
    limited = audit(load_spec(str(BLOG)), diagnose=2)
    diagnosed = [v.ref for v in limited.verdicts if v.diagnosed]
    assert diagnosed == ["z2", "yhat"]
    assert limited.undiagnosed == 5
    everything = audit(load_spec(str(BLOG)), diagnose=None)
    assert everything.undiagnosed == 0 and sum(v.diagnosed for v in everything.verdicts) == 7
    assert [v.kind for v in limited.verdicts] == [v.kind for v in everything.verdicts]  # the verdicts do not change

    status, out, _ = run_cli("audit", str(BLOG), "--diagnose", "0")
    assert status == 1 and "possible cause" not in out
    assert "7 findings not diagnosed: the diagnosis stopped after 0 (--diagnose N raises the limit)" in out
    status, out, _ = run_cli("audit", str(BLOG), "--format", "json", "--diagnose", "3")
    assert json.loads(out)["undiagnosed"] == 4
    status, out, _ = run_cli("audit", str(BLOG))
    assert "not diagnosed" not in out  # the default limit (100) covers the blog


def test_cli_default_diagnosis_limit_matches_the_audit_default() -> None:
    import inspect

    from nncheck.cli import parser

    from nncheck.commands.audit import options
    from nncheck.config import Config

    chosen = options(parser().parse_args(["audit", "x.yaml"]), Config())
    assert chosen.diagnose == inspect.signature(audit).parameters["diagnose"].default == 100


def test_terminal_cells_are_cut_and_the_other_formats_keep_the_whole_text() -> None:
    from nncheck.audit import audit_markdown
    from nncheck.report.terminal import MAX_CELL

    matrix = r"\begin{bmatrix} " + r" \\ ".join(" & ".join(str(i * 5 + j) for j in range(5)) for i in range(5)) + r" \end{bmatrix}"
    result = audit_markdown(f"$$A = {matrix} + 0 = {matrix} \\times 1$$\n")  # two expressions: an agreement
    text = io.StringIO()
    renderer("terminal")(result, text, False)
    cut = [line for line in text.getvalue().splitlines() if "…" in line]
    assert cut and all(len(cell) <= MAX_CELL for line in cut for cell in line.split("  ") if cell)
    out = io.StringIO()
    renderer("json")(result, out, False)
    assert any(matrix.split()[1] in v["stated"] and len(v["stated"]) > MAX_CELL for v in json.loads(out.getvalue())["verdicts"])


def test_a_run_in_which_nothing_was_judged_says_so_without_an_empty_table() -> None:
    from nncheck.audit import audit_markdown

    result = audit_markdown("# Prose\n\nNo formula at all.\n", "p.md")
    for name in ("terminal", "markdown"):
        out = io.StringIO()
        renderer(name)(result, out, False)
        assert "nothing on this page could be judged" in out.getvalue() and "stated" not in out.getvalue()


PAYLOADS = ['{: onclick="alert(1)" }', "<img src=x onerror=alert(1)>", "\x1b[31mred\x1b[0m", "a`b``c", "\\[x\\]", "| pipe |"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_report_format_lets_a_payload_act(payload: str, tmp_path: Path) -> None:
    """A payload in a spec's title, a step and the file's name: the Markdown report read by Python-Markdown with
    attr_list and tables (as MkDocs reads it) has no attribute, tag or control character from it; the terminal and
    lines reports have no control character; JSON and SARIF carry it as data."""
    import markdown

    name = "spec " + payload.replace("/", "_").replace("\x1b", "E").replace("|", "I") + ".yaml"
    path = tmp_path / name
    text = minimal_spec("  - {quantity: z2, value: 3.18, step: s}\n").replace("title: test", "title: " + json.dumps(payload))
    path.write_text(text, encoding="utf-8")
    result = audit(parse_spec(text, str(path)))
    outputs = {}
    for format_ in ("terminal", "markdown", "json", "sarif", "lines", "jsonl"):
        out = io.StringIO()
        renderer(format_)(result, out, False)
        outputs[format_] = out.getvalue()
    rendered = markdown.markdown(outputs["markdown"], extensions=["attr_list", "tables"])
    elements = _elements(rendered)
    assert all(not attributes for tag, attributes in elements if tag != "code"), elements  # no attribute at all
    assert {tag for tag, _ in elements} <= {"h1", "p", "code", "table", "thead", "tbody", "tr", "th", "td"}
    assert "\x1b" not in rendered and sum(tag == "table" for tag, _ in elements) == 1
    for format_ in ("terminal", "lines", "markdown"):
        assert "\x1b" not in outputs[format_], format_
    assert json.loads(outputs["json"])["title"] == payload and json.loads(outputs["sarif"])["runs"][0]["properties"]["title"] == payload


def _elements(html_text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element of an HTML fragment with its attributes, read by the standard library's parser."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html_text)
    return found


@pytest.mark.parametrize(("ratio", "text"), [(0.0417, "+4.17%"), (-0.5, "-50.00%"), (0.0, "+0.00%"),
                                             (0.00005, "+0.01%"), (-0.0000123, "-0.0012%"), (3e-9, "+3e-07%")])
def test_relative_errors_too_small_for_two_decimals_keep_two_digits(ratio: float, text: str) -> None:
    # By hand: -0.0000123 is -0.00123 %, two significant digits -0.0012 %; 0.00005 is 0.005 %, which rounds to 0.01 %.
    from nncheck.report.common import percent

    assert percent(ratio) == text


def _held_spec(wrong: str | None = None) -> str:
    """A 12-1 sigmoid/BCE network (input of 12 ones, weights 0, bias 0) with z1 and dL/dW1 claimed: z1 = 0 and
    a1 = 1/2 exactly, so dL/dW1 = (1/2 − 1)·x = −0.5 in each of its 12 entries (worked by hand)."""
    gradient = ["-0.5"] * 12
    if wrong is not None:
        gradient[5] = wrong
    return (f"nncheck: 1\ntitle: t\nnetwork:\n  input: [{', '.join(['1'] * 12)}]\n  target: [1]\n  layers:\n"
            f"    - weights: [[{', '.join(['0'] * 12)}]]\n      bias: [0]\n      activation: sigmoid\n  loss: bce\n"
            f"claims:\n  - quantity: z1\n    value: [0]\n    step: z1\n  - quantity: dL/dW1\n"
            f"    value: [[{', '.join(gradient)}]]\n    step: dL/dW1\n")


def test_terminal_report_gives_a_run_of_entries_that_hold_one_row() -> None:
    out = io.StringIO()
    renderer("terminal")(audit(parse_spec(_held_spec())), out, False)
    lines = out.getvalue().splitlines()
    rows = [line.split() for line in lines if line.startswith("dL/dW1")]
    assert rows == [["dL/dW1[0,0]…[0,11]", "∂L/∂W1", "12", "numbers", "holds"]]
    assert any(line.split() == ["z1", "z1", "0", "0", "holds"] for line in lines)  # a lone entry keeps its row
    assert lines[-1] == "13 numbers checked: 13 holds"


def test_a_finding_in_a_run_breaks_it_and_the_other_formats_list_every_entry() -> None:
    result = audit(parse_spec(_held_spec(wrong="-0.7")))
    out = io.StringIO()
    renderer("terminal")(result, out, False)
    rows = [line.split()[0] for line in out.getvalue().splitlines() if line.startswith("dL/dW1")]
    # Five quiet entries before the finding and six after: each run is shorter than HELD_RUN, so every entry is a row.
    assert rows == [f"dL/dW1[0,{j}]" for j in range(12)]
    assert "wrong" in next(line for line in out.getvalue().splitlines() if line.startswith("dL/dW1[0,5]"))
    markdown = io.StringIO()
    renderer("markdown")(audit(parse_spec(_held_spec())), markdown, False)
    assert sum(1 for line in markdown.getvalue().splitlines() if "dL/dW1&#91;0," in line) == 12


def test_a_wrong_number_built_on_earlier_statements_is_not_said_to_carry_them() -> None:
    from nncheck.errors import Location
    from nncheck.findings import Kind, Verdict
    from nncheck.records import Place
    from nncheck.report.common import notes

    where = Location("p.md", 3, 1)
    base = dict(ref="b", subject="b", stated="0.07", place=Place("s", where), location=where, exact="0.13", own=None,
                relative_error=None, inherits_from=("∂E/∂b",))
    assert "carries ∂E/∂b" in notes(Verdict(kind=Kind.CARRIED, **base))  # type: ignore[arg-type]
    assert "computed from ∂E/∂b" in notes(Verdict(kind=Kind.WRONG, **base))  # type: ignore[arg-type]
    assert not any(line.startswith("carries") for line in notes(Verdict(kind=Kind.WRONG, **base)))  # type: ignore[arg-type]
