"""Readers: every page kind -> one Document whose formulas are located in the file (tests mirror nncheck/readers/).

Expected verdicts are computed by hand in the comments (small integer and decimal arithmetic).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nncheck.audit import Kind, audit, audit_markdown
from nncheck.errors import SpecError
from nncheck.readers import kinds, read
from nncheck.readers.html import parse_html
from nncheck.readers.markdown import find_math, parse_markdown
from nncheck.readers.notebook import parse_notebook
from nncheck.readers.tex import parse_tex
from nncheck.records import Document

W, H = Kind.WRONG, Kind.HOLDS


def verdicts(document: Document) -> list[tuple[str, Kind, int, int]]:
    """(stated, kind, line, column) of every verdict, in order."""
    return [(v.stated, v.kind, v.location.line, v.location.column) for v in audit(document, diagnose=0).verdicts]


def at(text: str, line: int, column: int) -> str:
    """The text of the page from a 1-based line and column on."""
    return text.split("\n")[line - 1][column - 1:]


# -- Markdown: as the renderers read it ---------------------------------------------------------

def test_a_dollar_in_prose_does_not_swallow_the_math_after_it() -> None:
    text = "It costs $5, and $$k = 2 \\times 1.5 = 3.5$$\n"
    [(stated, kind, line, column)] = verdicts(parse_markdown(text))
    assert (stated, kind) == ("3.5", W)  # 2 × 1.5 = 3
    assert at(text, line, column).startswith("3.5$$")


@pytest.mark.parametrize("page", [
    "```python\n$$a = 1 + 1 = 3$$\n```\n",          # fenced code
    "    $$a = 1 + 1 = 3$$\n",                         # an indented code block
    "Use `$$a = 1 + 1 = 3$$` here.\n",                 # a code span
    "<!-- $$a = 1 + 1 = 3$$ -->\n",                    # an HTML comment
    "---\ntitle: $$a = 1 + 1 = 3$$\n---\n\nText.\n",   # YAML front matter
    "Prices $1 and $2 and $3.\n",                      # dollars in prose
])
def test_code_comments_front_matter_and_prices_are_never_math(page: str) -> None:
    assert find_math(page) == []


def test_setext_headings_and_block_quotes_are_read_as_renderers_read_them() -> None:
    text = "Forward\n=======\n\n> $$\n> d = 1 +\n> 2 = 4\n> $$\n"
    [math] = find_math(text)
    assert (math.heading, math.section, math.display) == ("Forward", "Forward (heading 1)", True)
    assert math.text.replace(" ", "").replace("\n", "") == "d=1+2=4"  # the "> " prefixes blanked, offsets kept
    [(stated, kind, line, column)] = verdicts(parse_markdown(text))
    assert (stated, kind, line, column) == ("4", W, 6, 7) and at(text, line, column) == "4"  # 1 + 2 = 3


def test_inline_math_is_judged_by_the_same_rules() -> None:
    # 1 + 2 = 3, 2 × 2 = 4, 0.5 + 0.25 = 0.75 (0.8 to one decimal: holds).
    text = "Inline $a = 1 + 2 = 4$ and \\(t = 2 \\times 2 = 5\\); in a table:\n\n| p | q |\n|---|---|\n| $p = 0.5 + 0.25 = 0.8$ | 1 |\n"
    found = verdicts(parse_markdown(text))
    assert [(s, k) for s, k, _, _ in found] == [("4", W), ("5", W), ("0.8", H)]
    for stated, _, line, column in found:
        assert at(text, line, column).startswith(stated)
    assert audit_markdown(text).coverage.inline_found == 3


@pytest.mark.parametrize(("page", "stated"), [
    ("\\begin{align}\nu &= 2 + 2 \\nonumber \\\\\n  &= 5 \\tag{1}\n\\end{align}\n", "5"),  # 4
    ("\\begin{equation*}\nv = 3 \\times 3 = 10 \\label{eq:v}\n\\end{equation*}\n", "10"),  # 9
    ("Rows:\n\\begin{aligned} &3 \\times 2 + 1 \\times 4 \\\\ &= 6 + 4 = 11 \\end{aligned}\n", "11"),  # 10
    ("\\begin{gather}\nx = 1 + 1 = 3\n\\end{gather}\n", "3"),  # 2
    ("\\begin{eqnarray}\ny &=& 2 \\times 4 \\\\\n  &=& 9\n\\end{eqnarray}\n", "9"),  # 8
    ("$$a = 1 + 1 = 2 \\quad b = 2 + 2 = 5$$\n", "5"),  # statements separated by \quad: 4
])
def test_latex_environments_written_in_the_page_are_display_math(page: str, stated: str) -> None:
    found = verdicts(parse_markdown(page))
    assert [(s, k) for s, k, _, _ in found if k is not H] == [(stated, W)]
    [(_, _, line, column)] = [f for f in found if f[1] is W]
    assert at(page, line, column).startswith(stated)


def test_an_aligned_row_that_begins_with_an_ampersand_and_a_number() -> None:
    page = "$$\\begin{aligned} &3 \\times 2 + 1 \\times 4 \\\\ &= 6 + 4 = 10 \\end{aligned}$$\n"
    result = audit_markdown(page)
    assert {v.kind for v in result.verdicts} == {H} and result.coverage.checked == 1


# -- notebooks, HTML and LaTeX --------------------------------------------------------------------

def _notebook() -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Worked example\n\nInputs $x = 2$ and $w = 0.5$."),
        nbformat.v4.new_code_cell("print('$$y = 1 + 1 = 3$$')"),  # code: never read
        nbformat.v4.new_markdown_cell("## Forward\n\n$$z = w x + 0.1 = 1.2$$"),  # 0.5 · 2 + 0.1 = 1.1
    ]
    return nbformat.writes(notebook)


def test_a_notebook_is_read_cell_by_cell_and_located_by_cell() -> None:
    document = parse_notebook(_notebook(), "lesson.ipynb")
    assert document.title == "Worked example"
    [verdict] = audit(document, diagnose=0).verdicts
    assert (verdict.stated, verdict.kind, verdict.exact) == ("1.2", W, "1.1")
    assert (verdict.location.cell, verdict.location.line, verdict.location.column) == (3, 3, 19)
    assert str(verdict.location) == "lesson.ipynb:cell 3:3:19"
    assert verdict.place.step == "Forward"


def test_a_notebook_that_is_not_one_is_refused_with_its_location() -> None:
    with pytest.raises(SpecError, match=r"^x\.ipynb:1:1: not a Jupyter notebook"):
        parse_notebook(json.dumps({"cells": 3}), "x.ipynb")


HTML = """<!DOCTYPE html>
<html><head><title>An HTML page</title>
<script>var s = "\\\\(a = 1 + 1 = 3\\\\)";</script>
<style>.x::after { content: "\\\\(b = 1 + 1 = 3\\\\)"; }</style></head>
<body><h1>Forward</h1>
<p>It costs $5 and $6. The sum \\(k = 2 \\times 1.5 = 3.5\\).</p>
<p>\\[ m = 0.5 + 0.25 = 0.75 \\]</p>
<pre>\\(p = 1 + 1 = 3\\)</pre><code>$$q = 1 + 1 = 3$$</code>
<script type="math/tex; mode=display">r = 2 \\times 3 = 7</script>
<math display="block"><semantics><mi>s</mi><annotation encoding="application/x-tex">s = 1 + 2 = 4</annotation></semantics></math>
<p>$$\\begin{aligned} u &amp;= 1 + 1 \\\\ &amp;= 3 \\end{aligned}$$</p>
<!-- \\(v = 1 + 1 = 3\\) -->
</body></html>
"""


def test_an_html_page_is_read_where_mathjax_and_katex_find_tex() -> None:
    document = parse_html(HTML, "page.html")
    assert document.title == "An HTML page"
    found = verdicts(document)
    # 2 × 1.5 = 3; 0.75 holds; 2 × 3 = 6; 1 + 2 = 3; 1 + 1 = 2. Scripts, styles, pre, code, comments: not read.
    assert [(s, k) for s, k, _, _ in found] == [("3.5", W), ("0.75", H), ("7", W), ("4", W), ("3", W)]
    for stated, _, line, column in found:
        assert at(HTML, line, column).startswith(stated)


TEX = r"""\documentclass{article}
\title{A \LaTeX{} example}
\begin{document}
\section{Forward}
% a comment: $x = 1 + 1 = 3$
Inline $a = 1 + 2 = 4$ and \(b = 2\), and 5\% of $c = 2 \times 2 = 4$.
\[ d = 1 + 1 = 3 \]
\subsection{Update}
\begin{align}
e &= 1 + 1 \nonumber \\
  &= 3 \label{eq:e}
\end{align}
\begin{verbatim}
$f = 1 + 1 = 3$
\end{verbatim}
\end{document}
"""


def test_a_latex_source_is_read_without_its_comments_and_verbatim() -> None:
    document = parse_tex(TEX, "notes.tex")
    found = verdicts(document)
    # 1 + 2 = 3; 2 × 2 = 4 holds (after "5\%", which is no comment); 1 + 1 = 2 twice.
    assert [(s, k) for s, k, _, _ in found] == [("4", W), ("4", H), ("3", W), ("3", W)]
    for stated, _, line, column in found:
        assert at(TEX, line, column).startswith(stated)
    assert [f.math.section for f in document.formulas][-1] == "Forward / Update (heading 2)"


CONVOLUTION_TEX = r"""\documentclass{article}
\begin{document}
\section{Conv}
\[ X = \begin{bmatrix} 1 & 2 & 0 \\ 0 & 1 & 3 \\ 2 & 1 & 1 \end{bmatrix}, \quad K = \begin{bmatrix} 0.5 & -1 \\ 0.25 & 2 \end{bmatrix} \]
\[ Y = X * K = \begin{bmatrix} 0.5 & 7.25 \\ 1.5 & -0.25 \end{bmatrix} \]
\[ Z = Y - 0.5 = \begin{bmatrix} 0 & 6.75 \\ 1 & -0.57 \end{bmatrix}, \quad A = \sigma(Z) = \begin{bmatrix} 0.500 & 0.999 \\ 0.731 & 0.321 \end{bmatrix} \]
\end{document}
"""


def test_a_latex_convolution_written_with_an_asterisk_is_read_as_one() -> None:
    # By hand, the valid cross-correlation of X by K: 0.5, 7.25, 1.5, −0.25 (every entry of Y holds). Z = Y − 0.5 has
    # −0.75 where −0.57 is printed; σ(−0.75) = 0.3208, so A's 0.321 holds.
    found = verdicts(parse_tex(CONVOLUTION_TEX, "conv.tex"))
    assert [(s, k) for s, k, _, _ in found] == [("0.5", H), ("7.25", H), ("1.5", H), ("-0.25", H), ("0", H), ("6.75", H),
                                                ("1", H), ("-0.57", W), ("0.500", H), ("0.999", H), ("0.731", H),
                                                ("0.321", H)]
    for stated, _, line, column in found:
        assert at(CONVOLUTION_TEX, line, column).startswith(stated)


@pytest.mark.parametrize("name", ["notes.json", "notes.txt", "README"])
def test_a_file_of_an_unknown_kind_is_refused_with_the_kinds_nncheck_reads(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        read(str(path))
    assert kinds() in str(raised.value) and ".ipynb" in kinds() and ".tex" in kinds() and ".html" in kinds()


def test_a_page_with_nothing_to_judge_says_so_and_warns(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    page = tmp_path / "prose.md"
    page.write_text("# Prose\n\nOnly $x = 2$ and $$\\int_0^1 f = 3$$ here.\n", encoding="utf-8")
    status, out, err = run_cli("audit", str(page))
    assert status == 0
    assert "0 numbers checked — nothing on this page could be judged" in out
    assert err.startswith(f"nncheck: warning: {page}: nothing on this page could be judged")
    assert "1 equation found, 0 checked, 1 skipped" in err and "1 inline formula," in err


# -- the readers on pages of many kinds ---------------------------------------------------------------

@pytest.mark.parametrize("page", [
    "Text before\n\\[\nz = 1.5 \\times 2 = 3.5\n\\]\n",      # \[ … \] after text in a paragraph
    "1. Pre:\n   \\[ z = 1.5 \\times 2 = 3.5 \\]\n",          # in a list item
    "> \\[ z = 1.5 \\times 2\n> = 3.5 \\]\n",                  # over two lines of a block quote
    "$$z = 1.5 \\times 2 = 3.5$$ (1)\n",                       # a labelled display
    "$$\nz = 1.5 \\times 2 % the product\n= 3.5\n$$\n",       # a TeX comment inside the math
])
def test_display_math_written_as_pages_write_it_is_found(page: str) -> None:
    found = verdicts(parse_markdown(page))
    assert [(s, k) for s, k, _, _ in found] == [("3.5", W)]  # 1.5 × 2 = 3
    [(_, _, line, column)] = found
    assert at(page, line, column).startswith("3.5")


def test_math_in_a_paragraph_is_read_in_the_order_it_is_written() -> None:
    found = find_math("Text \\[ b = 2 \\] after, and \\(c = 3\\), then \\begin{aligned} d = 4 \\end{aligned}.\n")
    assert [(m.text.strip(), m.display) for m in found] == [("b = 2", True), ("c = 3", False),
                                                           ("\\begin{aligned} d = 4 \\end{aligned}", True)]


def test_a_lone_dollar_in_html_prose_does_not_hide_the_math_after_it() -> None:
    html = "<p>The GPU costs $2 per hour.</p><p>\\[ z = 0.5 \\times 4 = 3 \\]</p><p>It costs $5, and $$k = 2 \\times 1.5 = 3.5$$</p>\n"
    assert [(s, k) for s, k, _, _ in verdicts(parse_html(html, "p.html"))] == [("3", W), ("3.5", W)]  # 2 and 3


def test_latex_comments_in_math_and_math_in_section_titles() -> None:
    tex = ("\\section{Sample 2: \\(x = 3\\)}\n\\subsection{With $w = 2$}\n"
           "\\[ y = w x % the output\n = 5 \\]\n")
    found = verdicts(parse_tex(tex, "t.tex"))
    assert [(s, k) for s, k, _, _ in found] == [("5", W)]  # 2 · 3 = 6


def test_two_sibling_headings_of_one_title_are_two_examples() -> None:
    page = "## Sample\n\n$$z = 0.5 \\times 2 = 1$$\n\n## Sample\n\n$$z = 0.5 \\times 4 = 2$$\n"
    assert {k for _, k, _, _ in verdicts(parse_markdown(page))} == {H}


def test_a_notebook_finding_names_its_cell_in_json_and_sarif(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    path = tmp_path / "lesson.ipynb"
    path.write_text(_notebook(), encoding="utf-8")
    _, out, _ = run_cli("audit", str(path), "--format", "json")
    assert json.loads(out)["verdicts"][0]["location"] == {"path": str(path), "line": 3, "column": 19, "cell": 3}
    _, out, _ = run_cli("audit", str(path), "--format", "sarif")
    [location] = json.loads(out)["runs"][0]["results"][0]["locations"]
    assert "region" not in location["physicalLocation"]  # lines count in the cell, not in the .ipynb file
    assert location["properties"] == {"cell": 3, "line": 3, "column": 19}


# -- one sample of each kind, end to end (tests/samples/pages/) -------------------------------------

SAMPLES = Path(__file__).parent / "samples" / "pages"
# The neuron of every sample (by hand): z = 0.4·1.5 + 0.8·(−0.5) + 0.1 = 0.3; a = σ(0.3) = 0.5744425;
# ∂a/∂z = a(1 − a) = 0.2444583; L = ½(a − 1)² = 0.0905496, and ½(0.5744 − 1)² = 0.0905677 from the printed a.
SAMPLE_VERDICTS = {
    "neuron.ipynb": {"eq1": H, "z": W, "a": H, "L": Kind.CARRIED},  # wᵀx + b agrees with its arithmetic; z printed 0.35
    "neuron.html": {"z": H, "a": H, "∂a/∂z": W},               # 0.2454 for 0.2445
    "neuron.tex": {"z": H, "a": H, "L": W},                    # 0.0950 for 0.0905
}


@pytest.mark.parametrize("name", sorted(SAMPLE_VERDICTS))
def test_each_sample_page_gives_its_verdicts_where_its_numbers_stand(name: str) -> None:
    path = SAMPLES / name
    result = audit(read(str(path)), diagnose=0)
    assert {v.ref: v.kind for v in result.verdicts} == SAMPLE_VERDICTS[name]
    assert (result.coverage.found, result.coverage.checked, result.coverage.inline_found) == (3, 3, 4)
    if name.endswith(".ipynb"):
        return  # notebook locations count within a cell: test_a_notebook_is_read_cell_by_cell_and_located_by_cell
    text = path.read_text(encoding="utf-8")
    for verdict in result.verdicts:
        assert at(text, verdict.location.line, verdict.location.column).startswith(verdict.stated)


@pytest.mark.parametrize("name", sorted(SAMPLE_VERDICTS))
@pytest.mark.parametrize("report", ["terminal", "markdown", "json", "sarif", "lines"])
def test_each_sample_page_goes_through_every_report(name: str, report: str) -> None:
    import io
    from importlib.resources import files

    import jsonschema

    from nncheck.report import renderer

    out = io.StringIO()
    renderer(report)(audit(read(str(SAMPLES / name)), diagnose=0), out, False)
    text = out.getvalue()
    if report == "json":
        data = json.loads(text)
        jsonschema.validate(data, json.loads(files("nncheck.report").joinpath("report-schema.json").read_text()))
        assert data["coverage"]["found"] == 3
    elif report == "sarif":
        schema = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
        data = json.loads(text)
        jsonschema.Draft7Validator(schema).validate(data)
        assert len(data["runs"][0]["results"]) == sum(1 for k in SAMPLE_VERDICTS[name].values() if k is not H)
    else:
        assert "3 equations found, 3 checked, 0 skipped; 4 inline formulas" in text


def test_the_samples_make_an_errata_site(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    status, _, err = run_cli("site", *(str(SAMPLES / name) for name in sorted(SAMPLE_VERDICTS)), "--out", str(tmp_path))
    assert status == 0 and err == ""
    pages = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.md")}
    assert set(pages) == {"index.md", "neuron.md", "neuron-2.md", "neuron-3.md"}
    assert "it should print **0.30**" in "".join(pages.values())  # the notebook's z, to its two decimals
    assert "cell 3, line 3" in "".join(pages.values())


EPOCHS_MD = """# Gradient step

## Setup

Weight $w = 0.8$, input $x = 2$, target $y = 1$, rate $\\eta = 0.1$.

## Forward

$$\\hat y = w x = 0.8 \\times 2 = 1.6$$

## Update

$$w \\gets w - \\eta \\cdot 2 (\\hat y - y) x = 0.8 - 0.1 \\times 2.4 = 0.56$$

## Epoch 2

$$\\hat y = w x = 0.56 \\times 2 = 1.12$$

$$L = (\\hat y - y)^2 = 0.0144$$
"""


EPOCHS_HTML = """<html><head></head><body>
<h1>Gradient step</h1>
<h2>Setup</h2>
<p>Weight \\(w = 0.8\\), input \\(x = 2\\), target \\(y = 1\\), rate \\(\\eta = 0.1\\).</p>
<h2>Forward</h2>
<p>\\[\\hat y = w x = 0.8 \\times 2 = 1.6\\]</p>
<h2>Update</h2>
<p>\\[w \\gets w - \\eta \\cdot 2 (\\hat y - y) x = 0.8 - 0.1 \\times 2.4 = 0.56\\]</p>
<h2>Epoch&nbsp;<em>2</em></h2>
<p>\\[\\hat y = w x = 0.56 \\times 2 = 1.12\\]</p>
<p>\\[L = (\\hat y - y)^2 = 0.0144\\]</p>
</body></html>
"""


def test_html_headings_are_sections_as_in_markdown() -> None:
    # By hand: ŷ = 0.8 · 2 = 1.6; 2(1.6 − 1) · 2 = 2.4; w = 0.8 − 0.1 · 2(1.6 − 1) · 2 = 0.56; in epoch 2 ŷ = 0.56 · 2 = 1.12 and
    # L = 0.12² = 0.0144, all holding. Without its headings the HTML page read epoch 2's ŷ as epoch 1's (1.6): wrong.
    # The same page in HTML: headings as <h1>/<h2> (one with a character reference and an element in it).
    page, markdown = parse_html(EPOCHS_HTML, "p.html"), parse_markdown(EPOCHS_MD, "p.md")
    assert page.title == "Gradient step"
    assert [f.math.heading for f in page.formulas] == [f.math.heading for f in markdown.formulas]
    assert [f.math.section for f in page.formulas] == [f.math.section for f in markdown.formulas]
    audited = audit(page, diagnose=0).verdicts
    assert [(v.stated, v.kind) for v in audited] == [(v.stated, v.kind) for v in audit(markdown, diagnose=0).verdicts]
    assert [(v.stated, v.kind, v.place.step) for v in audited] == [
        ("1.6", H, "Forward"), ("2.4", H, "Update"), ("0.56", H, "Update"), ("1.12", H, "Epoch 2"), ("0.0144", H, "Epoch 2")]


def test_a_notebook_without_cell_ids_is_read_without_nbformats_warning() -> None:
    # nbformat 4.5 asks for cell ids and warns (MissingIDFieldWarning) when they are missing; nncheck reads cells by
    # number, so the notebook is read, and judged (by hand: 2 × 3 = 6 holds), without a warning on stderr.
    import warnings

    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# N\n", "\n", "$$y = 2 \\times 3 = 6$$\n"]}]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = parse_notebook(json.dumps(notebook), "n.ipynb")
    assert [str(w.message)[:40] for w in caught] == []
    assert [(s, k) for s, k, _, _ in verdicts(document)] == [("6", H)]
