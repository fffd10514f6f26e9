"""Markdown documents audited directly: the LaTeX reader, the verdicts, coverage, reports and the CLI.

Expected values are computed here, independently: Fractions for the rational arithmetic, the math
module for the transcendental (compared to 1e-12, far inside any printed digit).
"""

from __future__ import annotations

import io
import json
import math
import time
from fractions import Fraction
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.audit import Audit, Kind
from nncheck.audit.coverage import SkipReason
from nncheck.audit.enclose import midpoint
from nncheck.document import audit_markdown
from nncheck.document.finder import Lines, find_math
from nncheck.document.latex import MAX_DEPTH, LatexError, LimitError, parse_display
from nncheck.document.nodes import Symbol
from nncheck.document.values import Evaluator
from nncheck.network import ball
from nncheck.report import FORMATS, renderer
from tests.helpers import FUZZ, run_cli

MARKDOWN = Path(__file__).resolve().parent / "samples" / "markdown"
BLOG_MD = MARKDOWN / "blog.md"
PLANTED = MARKDOWN / "planted.md"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def kinds(result: Audit) -> dict[str, Kind]:
    return {v.ref: v.kind for v in result.verdicts}


def audit_file(path: Path) -> Audit:
    return audit_markdown(path.read_text(encoding="utf-8"), str(path))


def value(latex: str) -> list[Fraction]:
    """The first side of ``latex``, evaluated (exact Fractions, or ball midpoints)."""
    with ball.precision(128):
        result = Evaluator().value(parse_display(latex)[0].sides[0])
    return [midpoint(v) for v in result.reshape(-1)]


# -- the parser ----------------------------------------------------------------------------------

EXACT = [
    (r"1 + 2 - 4", [Fraction(-1)]),
    (r"2 \times 3 \cdot 4 * 5", [Fraction(120)]),
    (r"\frac{1}{4} + \dfrac{3}{4}", [Fraction(1)]),
    (r"\frac12", [Fraction(1, 2)]),
    (r"6 / 4", [Fraction(3, 2)]),
    (r"-[0.5 - 2]", [Fraction(3, 2)]),
    (r"\left( 1 + 2 \right) \times 3", [Fraction(9)]),
    (r"0.938(1 - 0.938)", [Fraction(938, 1000) * Fraction(62, 1000)]),
    (r"(0.5)^{2} + 2^{-1}", [Fraction(3, 4)]),
    (r"\sqrt{0.25}", [Fraction(1, 2)]),
    (r"\max(0, -1.5) + \min(2, 3)", [Fraction(2)]),
    (r"\text{ReLU}(-2) + \operatorname{relu}(3)", [Fraction(3)]),
    (r"\sigma(0)", [Fraction(1, 2)]),
    (r"1.2 \times 10^{-3}", [Fraction(12, 10000)]),
    (r"1.2e-3", [Fraction(12, 10000)]),
    (r"[1, 2]", [Fraction(1), Fraction(2)]),
    (r"\begin{bmatrix} 0.7 & 0.9 \end{bmatrix} \cdot \begin{bmatrix} 1.3 \\ 1.8 \end{bmatrix} + 0.2", [Fraction(273, 100)]),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}^T", [Fraction(n) for n in (1, 3, 2, 4)]),
    (r"\begin{bmatrix} 1 \\ 2 \end{bmatrix} \odot \begin{bmatrix} 3 \\ 4 \end{bmatrix}", [Fraction(3), Fraction(8)]),
    (r"\max\{0, 1\}", [Fraction(1)]),
]
TRANSCENDENTAL = [
    (r"e^{-2.73}", math.exp(-2.73)),
    (r"\frac{1}{1 + e^{-2.73}}", 1 / (1 + math.exp(-2.73))),
    (r"\sigma(2.73)", 1 / (1 + math.exp(-2.73))),
    (r"-[\log(0.938)]", -math.log(0.938)),
    (r"\ln 2", math.log(2)),
    (r"\log_{10}(1000)", 3.0),
    (r"\exp(1) - e", 0.0),
    (r"\tanh(0.5)", math.tanh(0.5)),
    (r"\sqrt{2}", math.sqrt(2)),
    (r"\sqrt[3]{8}", 2.0),
    (r"\pi", math.pi),
]


@pytest.mark.parametrize(("latex", "expected"), EXACT, ids=[latex for latex, _ in EXACT])
def test_numbers_become_exact_rationals(latex: str, expected: list[Fraction]) -> None:
    assert value(latex) == expected


@pytest.mark.parametrize(("latex", "expected"), TRANSCENDENTAL, ids=[latex for latex, _ in TRANSCENDENTAL])
def test_transcendental_values_are_enclosed(latex: str, expected: float) -> None:
    assert abs(float(value(latex)[0]) - expected) < 1e-12


NAMES = [
    (r"z_2", "z_2"), (r"z_{2}", "z_2"), (r"z_{ 2 }", "z_2"), (r"\hat{y}", "ŷ"), (r"\hat y", "ŷ"),
    (r"\frac{\partial L}{\partial z_2}", "∂L/∂z_2"), (r"\partial L / \partial z_{2}", "∂L/∂z_2"),
    (r"\frac{dL}{dz_2}", "∂L/∂z_2"), (r"\frac{\partial L}{\partial \hat{y}}", "∂L/∂ŷ"), (r"W_{\text{new}}", "W_new"),
    (r"\mathbf{W}_1", "W_1"),
]


@pytest.mark.parametrize(("latex", "name"), NAMES, ids=[latex for latex, _ in NAMES])
def test_names_are_normalised(latex: str, name: str) -> None:
    side = parse_display(latex + " = 1")[0].sides[0]
    assert isinstance(side, Symbol) and side.name == name


UNREADABLE = [
    ("integral", r"\int_0^1 x = 1", "unsupported command \\int"),
    ("absolute value", r"|x| = 1", "unexpected '|'"),
    ("unfinished fraction", r"\frac{1}{", "ends too early"),
    ("plus or minus", r"1 \pm 0.1 = 1", "± gives two values"),
    ("ragged matrix", r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix} = 1", "rows have different lengths"),
    ("hundred digits", "1" * 150 + " = 1", "150 digits"),
    ("log base", r"\log_{b} 2 = 1", "is not a number"),
]


@pytest.mark.parametrize(("latex", "reason"), [(latex, reason) for _, latex, reason in UNREADABLE],
                         ids=[name for name, _, _ in UNREADABLE])
def test_unreadable_latex_is_refused_with_a_reason(latex: str, reason: str) -> None:
    with pytest.raises(LatexError) as refused:
        parse_display(latex)
    assert reason in refused.value.reason


@pytest.mark.parametrize("latex", [
    "{" * 2000 + "1" + "}" * 2000,
    "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    r"\begin{bmatrix} " * 100 + "1" + r" \end{bmatrix}" * 100,
    "- " * 1000 + "1",
    "1 + " * 3000 + "1",
], ids=["braces", "parentheses", "matrices", "signs", "length"])
def test_hostile_latex_is_skipped_with_a_reason_within_a_second(latex: str) -> None:
    start = time.perf_counter()
    result = audit_markdown(f"$${latex} = 1$$")
    assert time.perf_counter() - start < 1
    assert result.verdicts == ()
    (skipped,) = result.coverage.skipped if result.coverage else ()
    assert skipped.reason is SkipReason.OVER_LIMIT and ("deep" in skipped.detail or "long" in skipped.detail
                                                       or "signs" in skipped.detail)
    with pytest.raises(LimitError):
        parse_display(latex)


@given(nst.latex_soup())
def test_random_latex_never_crashes_the_reader(latex: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(f"$${latex}$$\n")
    assert result.coverage is not None
    assert result.coverage.checked + len(result.coverage.skipped) == result.coverage.found
    for skipped in result.coverage.skipped:
        if skipped.reason in (SkipReason.UNPARSABLE, SkipReason.OVER_LIMIT):
            assert skipped.detail


@given(nst.numeric_latex(), nst.numeric_latex())
def test_random_numeric_equations_get_verdicts_or_reasons(left: str, right: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(f"$${left} = {right}$$")
    assert result.coverage is not None and result.coverage.found == 1
    assert bool(result.verdicts) != bool(result.coverage.skipped)


# -- finding the math ----------------------------------------------------------------------------

def test_display_math_is_found_with_its_place_and_code_is_not() -> None:
    text = ("# T\n\nSee `$$1 = 2$$` and $x = 1$.\n\n```python\nprint('$$3 = 4$$')\n```\n\n"
            "$$\na = 1 +\n  2 = 3\n$$\n\n\\[b = 4\\] and \\\\[c\\]\n\n```math\n5 = 5\n```\n")
    found = find_math(text)
    assert [(m.text.strip(), m.display) for m in found] == [("x = 1", False), ("a = 1 +\n  2 = 3", True),
                                                             ("b = 4", True), ("5 = 5", True)]
    lines = Lines("t.md", text)
    display = found[1]
    three = display.offset + display.text.index("3")
    assert (lines.location(three).line, lines.location(three).column) == (11, 7)


# -- verdicts ------------------------------------------------------------------------------------

def test_blog_equations_give_the_known_errata_and_nothing_else() -> None:
    result = audit_file(BLOG_MD)
    found = kinds(result)
    x, w1_row0, w1_row1, b1 = (1, 2), (Fraction("0.2"), Fraction("0.4")), (Fraction("0.1"), Fraction("0.6")), (Fraction("0.3"), Fraction("0.5"))
    z1 = [w[0] * x[0] + w[1] * x[1] + b for w, b in zip((w1_row0, w1_row1), b1)]
    z2 = Fraction("0.7") * z1[0] + Fraction("0.9") * z1[1] + Fraction("0.2")
    assert z1 == [Fraction("1.3"), Fraction("1.8")] and z2 == Fraction("2.73")
    z2_verdict = next(v for v in result.verdicts if v.ref == "z_2")
    assert (z2_verdict.stated, z2_verdict.exact, z2_verdict.kind) == ("3.18", "2.73", Kind.WRONG)
    # σ(2.73) = 0.93877...: not 0.938 to three places, but within one unit of it.
    sigma = 1 / (1 + math.exp(-2.73))
    assert round(sigma, 3) == 0.939 and abs(sigma - 0.938) < 0.001
    assert found["ŷ"] is Kind.SLIP
    # The column times a column, read as the outer product dL/dz1 · xᵀ.
    delta = (Fraction("-0.02796"), Fraction("-0.03594"))
    outer = {f"∂L/∂W_1[{i},{j}]": delta[i] * x[j] for i in range(2) for j in range(2)}
    printed = {"∂L/∂W_1[0,0]": "-0.02796", "∂L/∂W_1[0,1]": "-0.07188", "∂L/∂W_1[1,0]": "-0.03594", "∂L/∂W_1[1,1]": "-0.08985"}
    for ref, text in printed.items():
        expected = Kind.HOLDS if abs(Fraction(text) - outer[ref]) <= Fraction(5, 10**6) else Kind.WRONG
        assert found[ref] is expected, ref
    assert [ref for ref in printed if found[ref] is Kind.WRONG] == ["∂L/∂W_1[0,1]", "∂L/∂W_1[1,1]"]
    assert any(r.code == "reading" and "outer product" in r.message
               for r in next(v for v in result.verdicts if v.ref == "∂L/∂W_1[0,1]").remarks)
    # Across equations: −0.039936 is substituted for ∂L/∂z_2, printed as −0.062 before.
    assert found["eq18:∂L/∂z_2"] is Kind.CONTRADICTION
    failing = {ref for ref, kind in found.items() if kind is not Kind.HOLDS}
    assert failing == {"z_2", "ŷ", "∂L/∂W_1[0,1]", "∂L/∂W_1[1,1]", "eq18:∂L/∂z_2"}


def test_blog_findings_point_at_the_printed_number() -> None:
    result = audit_file(BLOG_MD)
    z2 = next(v for v in result.verdicts if v.ref == "z_2")
    line = BLOG_MD.read_text(encoding="utf-8").splitlines()[z2.location.line - 1]
    assert line[z2.location.column - 1:].startswith("3.18")
    assert z2.location.path == str(BLOG_MD) and z2.place.step == "Forward" and "3.18" in (z2.place.latex or "")


def test_blog_coverage_counts_every_display() -> None:
    coverage = audit_file(BLOG_MD).coverage
    assert coverage is not None
    counts = coverage.counts()
    assert (coverage.found, coverage.checked) == (23, 10)
    assert (counts[SkipReason.SYMBOLIC], counts[SkipReason.NOTHING_TO_COMPARE]) == (5, 8)


PLANTED_VERDICTS = {
    "a_1[0]": Kind.SLIP,  # tanh(1.1) = 0.80049..., printed truncated as 0.8004
    "z_2": Kind.WRONG,  # 0.5831 for 0.56306
    "eq7:z_2": Kind.HOLDS,  # the step after uses 0.5631, the value z_2's own arithmetic gives
    "eq12:∂L/∂ŷ": Kind.CONTRADICTION,  # −0.3268 substituted for the −0.3628 printed just before
    "∂L/∂W_1[1,0]": Kind.WRONG,  # 0.0721 for 0.0356 · 2 = 0.0712
    "∂L/∂b_1": Kind.WRONG,  # a 2×1 column times a 3×1 column: no reading
    "ŷ#2": Kind.CONTRADICTION,  # 0.66 after 0.6372
}


def test_planted_slips_are_each_flagged_and_nothing_else() -> None:
    result = audit_file(PLANTED)
    found = kinds(result)
    assert {ref: found[ref] for ref in PLANTED_VERDICTS} == PLANTED_VERDICTS
    assert {ref for ref, kind in found.items() if kind is not Kind.HOLDS} == set(PLANTED_VERDICTS) - {"eq7:z_2"}
    remarks = {v.ref: {r.code for r in v.remarks} for v in result.verdicts}
    assert remarks["∂L/∂b_1"] == {"shape"} and remarks["∂L/∂W_1[1,0]"] == {"reading"}
    assert remarks["∂L/∂a_1[0]"] == {"orientation"}
    # The aligned environment's continuation rows are one chain: ½(0.6372 − 1)² = ½ · 0.1316 = 0.0658.
    assert found["eq10"] is Kind.HOLDS and found["L"] is Kind.HOLDS
    assert (Fraction("0.6372") - 1) ** 2 == Fraction("0.13162384")


def test_planted_coverage_reasons() -> None:
    coverage = audit_file(PLANTED).coverage
    assert coverage is not None
    counts = coverage.counts()
    assert (coverage.found, coverage.checked, len(coverage.skipped)) == (20, 13, 7)
    assert counts == {SkipReason.SYMBOLIC: 3, SkipReason.NOTHING_TO_COMPARE: 2, SkipReason.NO_EQUALITY: 1,
                      SkipReason.UNPARSABLE: 1, SkipReason.OVER_LIMIT: 0}
    (unparsable,) = [s for s in coverage.skipped if s.reason is SkipReason.UNPARSABLE]
    assert unparsable.detail == "unsupported command \\sum" and unparsable.location.line == 74


@pytest.mark.parametrize(("document", "expected"), [
    ("$$z_{2} = 1 + 1 = 2$$\n\n$$z_2 = 5$$", {"z_2": Kind.HOLDS, "z_2#2": Kind.CONTRADICTION}),
    ("$$z_2 = 2$$\n\n$$z_2 = 5$$", {"z_2#2": Kind.CONTRADICTION}),
    ("$$z_2 = 2$$\n\n$$z_2 = 2.0$$", {}),
    ("$$a = 0.5 + 0.2549 = 0.7549$$\n\n$$b = 2 \\cdot a = 2 \\cdot 0.76 = 1.52$$",
     {"a": Kind.HOLDS, "eq2:a": Kind.SLIP, "b": Kind.HOLDS}),
    ("$$\\sigma(2.73) \\approx 0.939$$", {"eq1": Kind.HOLDS}),
    ("$$1 + 1 = 3$$", {"eq1": Kind.WRONG}),
    ("$$0.7 \\cdot 1.3 + 0.2 = 0.91 + 0.2 = 1.11$$", {"eq1.1": Kind.HOLDS, "eq1.2": Kind.HOLDS}),
    ("$$0.7 \\cdot 1.36 + 0.2 = 0.96 + 0.2$$", {"eq1": Kind.SLIP}),
    ("$$\\frac{1}{4} = 0.5 \\cdot 0.5$$", {"eq1": Kind.HOLDS}),
    ("$$[1, 2] \\cdot [3, 4] = 11$$", {"eq1": Kind.HOLDS}),
], ids=["names across spellings", "definitions", "same value", "used value near its recomputation", "approx",
        "plain arithmetic", "parts worked out", "parts worked out, slipped", "two computed sides", "dot product"])
def test_small_documents(document: str, expected: dict[str, Kind]) -> None:
    assert kinds(audit_markdown(document)) == expected


# -- reports and the command line ----------------------------------------------------------------

@pytest.mark.parametrize("name", FORMATS)
def test_every_report_format_works_for_documents(name: str) -> None:
    out = io.StringIO()
    renderer(name)(audit_file(PLANTED), out, False)
    text = out.getvalue()
    line = "20 equations found, 13 checked, 7 skipped (3 symbolic only, 2 nothing to compare, 1 no equals sign, " \
           "1 unparsable: line 74: unsupported command \\sum)"
    if name == "json":
        data = json.loads(text)
        jsonschema.validate(data, json.loads(files("nncheck.report").joinpath("report-schema.json").read_text()))
        assert data["coverage"]["summary"] == line and len(data["coverage"]["skipped"]) == 7
    elif name == "sarif":
        data = json.loads(text)
        jsonschema.Draft7Validator(SARIF_SCHEMA).validate(data)
        assert data["runs"][0]["properties"]["coverage"]["summary"] == line
        assert {r["ruleId"] for r in data["runs"][0]["results"]} == {"nncheck.slip", "nncheck.wrong", "nncheck.contradiction"}
    else:
        assert line in text


def test_lines_report_points_into_the_document() -> None:
    out = io.StringIO()
    renderer("lines")(audit_file(BLOG_MD), out, False)
    first = out.getvalue().splitlines()[0]
    assert first.startswith(f"{BLOG_MD}:23:") and ": error: claim 'z_2': document states 3.18, recomputed 2.73" in first


def test_cli_audits_a_markdown_document() -> None:
    status, out, err = run_cli("audit", str(BLOG_MD), "--format", "json")
    assert (status, err) == (1, "")
    assert json.loads(out)["summary"]["wrong"] == 3
    status, _, _ = run_cli("audit", str(BLOG_MD), "--fail-on", "none")
    assert status == 0


def test_cli_refuses_an_oracle_for_a_document() -> None:
    status, out, err = run_cli("audit", str(BLOG_MD), "--oracle", "torch")
    assert status == 2 and out == "" and err


def test_cli_reports_an_unreadable_document_at_its_place(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_bytes(b"# T\n\n$$1 = \xff$$\n")
    status, _, err = run_cli("audit", str(page))
    assert status == 2 and err.startswith(f"{page}:3:7: ") and "UTF-8" in err


def test_the_spec_path_does_not_import_lark() -> None:
    import subprocess
    import sys

    code = ("import sys; from nncheck.cli import main; main(['audit', 'specs/blog.yaml', '--format', 'json']); "
            "assert 'lark' not in sys.modules, 'lark imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr


@given(st.text(alphabet="$\\[]()`\n #x=1.5", max_size=60))
def test_any_text_is_a_document(text: str) -> None:
    FUZZ["inputs"] += 1
    result = audit_markdown(text)
    assert result.coverage is not None and result.coverage.found == len([m for m in find_math(text) if m.display])


# -- extract ---------------------------------------------------------------------------------------

def test_extract_writes_a_spec_that_loads_and_finds_the_blogs_errata(tmp_path: Path) -> None:
    from nncheck.audit import audit
    from nncheck.spec import parse_spec

    draft = tmp_path / "blog.yaml"
    status, out, err = run_cli("extract", str(BLOG_MD), "--output", str(draft))
    assert (status, out, err) == (0, "", "")
    spec = parse_spec(draft.read_text(encoding="utf-8"), str(draft))
    layers = spec.network.layers
    assert [layer.activation for layer in layers] == ["relu", "sigmoid"] and spec.network.loss == "bce"
    assert layers[0].weights == ((Fraction("0.2"), Fraction("0.4")), (Fraction("0.1"), Fraction("0.6")))
    assert spec.network.input == (1, 2) and spec.network.target == (1,)
    found = {v.ref: v.kind for v in audit(spec).verdicts}
    assert found["z2"] is Kind.WRONG and found["yhat"] is Kind.SLIP
    assert found["dL/dW1[0,1]"] is Kind.WRONG and found["dL/dW1[1,1]"] is Kind.WRONG
    assert found["dL/da1:dL/dz2"] is Kind.CONTRADICTION
    # ∂L/∂W_2 is printed as a column: the draft says so rather than reshaping what was printed.
    claim = next(c for c in spec.claims if c.quantity == "dL/dW2")
    assert [s.printed.text for s in claim.elements] == ["-0.0806", "-0.1116"]
    assert "transposed: true" in draft.read_text(encoding="utf-8")


def test_extract_lists_what_it_assumed(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# P\n\n$$W_1 = \\begin{bmatrix} 2 \\end{bmatrix}$$\n\n$$z_1 = 2 \\cdot 3 = 6$$\n\n"
                    "$$0.5 \\cdot 0.5 = 0.25$$\n", encoding="utf-8")
    status, out, _ = run_cli("extract", str(page))
    assert status == 0
    todo = [line for line in out.splitlines() if line.startswith("# TODO")]
    assert any("activation of layer 1" in line for line in todo) and any("b_1" in line for line in todo)
    from nncheck.spec import parse_spec

    spec = parse_spec(out, "draft.yaml")
    assert [c.quantity for c in spec.claims] == ["z1"] and [e.source for e in spec.equations] == ["(0.5) * (0.5)"]


def test_extract_needs_weights(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("$$1 + 1 = 2$$\n", encoding="utf-8")
    status, out, err = run_cli("extract", str(page))
    assert status == 2 and out == "" and err.startswith(f"{page}:1:1: no weights found")
