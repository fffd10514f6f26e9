"""The errata site: what its pages say, that spec text cannot inject markup, and that the site builds strictly offline."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.yaml import yaml_load

from nncheck.audit import Kind, audit
from nncheck.cli import parser
from nncheck.expr import parse_expression
from nncheck.expr.nodes import DIVIDE, Call, Negate, Node, Number, Power, Product, Sum
from nncheck.network import ball, evaluate, floating
from nncheck.network.ball import Real
from nncheck.quantities import indices, is_given
from nncheck.site import build_site, errata as errata_module, markup
from nncheck.audit.derive import derive, number
from nncheck.expr.printer import text
from nncheck.site.errata import Errata, errata, should_say
from nncheck.site.mathml import render_math
from nncheck.site.pages import document_page
from nncheck.printed import parse_printed
from nncheck.readers.spec import load_spec, parse_spec
from tests.helpers import BLOG, ROOT, run_cli

DOCS = ROOT / "docs"
ERRATA = DOCS / "errata"
REGENERATE = "nncheck site specs/*.yaml examples/models/*.yaml --out docs/errata"


def blog_errata() -> Errata:
    spec = load_spec(str(BLOG))
    return errata(spec, audit(spec), "blog")


def mkdocs_build(config: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site_dir)],
                          capture_output=True, text=True, env=env, timeout=300)


def mini_site(tmp_path: Path, pages: dict[str, str]) -> Path:
    """A site with the repository's theme, extensions and math plugin, but only ``pages``; returns its config."""
    docs = tmp_path / "docs"
    for name, content in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(content, encoding="utf-8")
    nav = "\n".join(f"  - {name}" for name in pages)
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: docs\nnav:\n{nav}\n",
                      encoding="utf-8")
    return config


# ---- what the blog's page says ----------------------------------------------------------------------

def test_z2_is_the_first_correction_with_its_derivation() -> None:
    page = blog_errata()
    heading, corrections = page.corrections[0]
    first = corrections[0].entry
    assert heading == "Wrong and contradicting"
    assert (first.verdict.ref, first.verdict.stated, first.should_say) == ("z2", "3.18", "2.73")
    assert first.derivation is not None and first.derivation.substituted is not None
    assert text(first.derivation.substituted) == "0.7·1.3 + 0.9·1.8 + 0.2"


def test_corrections_list_every_finding_failing_ones_first() -> None:
    spec = load_spec(str(BLOG))
    result = audit(spec)
    page = errata(spec, result, "blog")
    listed = [c.entry.verdict for _, group in page.corrections for c in group]
    assert sorted(v.ref for v in listed) == sorted(v.ref for v in result.verdicts if v.kind is not Kind.HOLDS)
    rank = {Kind.WRONG: 0, Kind.CONTRADICTION: 0, Kind.SLIP: 1, Kind.CARRIED: 2, Kind.UNDECIDED: 3}
    assert [rank[v.kind] for v in listed] == sorted(rank[v.kind] for v in listed)


def _correction(page: Errata, ref: str) -> errata_module.Correction:
    return next(c for _, group in page.corrections for c in group if c.entry.verdict.ref == ref)


def test_carried_values_name_what_they_inherit_and_what_they_affect() -> None:
    page = blog_errata()
    assert [e.verdict.ref for e in _correction(page, "L").carried_from] == ["L:yhat"]
    # docs/verdicts.md: ∂L/∂a1 = -0.039936 × W2 and everything computed from it are carried.
    assert {e.verdict.ref for e in _correction(page, "dL/da1:dL/dz2").carried_into} == {
        "dL/da1[0]", "dL/da1[1]", "dL/dz1[0]", "dL/dz1[1]", "dL/dW1[0,0]", "dL/dW1[1,0]"}
    assert [e.verdict.ref for e in _correction(page, "yhat-prose").earlier] == ["yhat"]


def test_corrections_give_the_possible_causes() -> None:
    # σ(3.18) = 0.960075 rounds to the prose's 0.96 (docs/verdicts.md#diagnosis); −0.08985 has no simple cause.
    page = blog_errata()
    (cause,) = _correction(page, "yhat-prose").diagnoses
    assert cause.endswith("ŷ = sigmoid(z2) = sigmoid(3.18) = 0.960075")
    assert _correction(page, "dL/dW1[1,1]").diagnoses == () and _correction(page, "L").diagnoses == ()
    text = document_page(page)
    assert "Possible cause: z2 = 3.18 &#40;stated at 'z2'&#41; used instead of 2.73" in text
    assert text.count("Possible cause: no simple explanation found.") == 1  # ∂L/∂W1[1,1], not the carried L


@pytest.mark.parametrize(("value", "stated", "expected"), [
    (Fraction(93877384, 10**8), "0.938", "0.939"),
    (Fraction(273, 100), "3.18", "2.73"),
    (Fraction(-612261, 10**7), "-0.039936", "-0.061226"),
    (Fraction(2735, 1), "3e3", "3000"),
], ids=["slip", "wrong", "negative", "whole-thousands"])
def test_should_say_rounds_to_the_printed_digits(value: Fraction, stated: str, expected: str) -> None:
    assert should_say(value, parse_printed(stated)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Real(exact=Fraction(273, 100)), "2.73"),
    (Real(exact=Fraction(1, 3)), "0.333333"),
    (Real(exact=Fraction(-1, 80)), "-0.0125"),
    (Real(exact=Fraction(0)), "0"),
    (Real(exact=Fraction(123456789, 1000)), "123456.789"),
], ids=["short", "repeating", "negative", "zero", "long-exact"])
def test_numbers_are_shown_exactly_or_to_six_digits(value: Real, expected: str) -> None:
    assert number(value) == expected


# ---- derivations: the substituted arithmetic gives the value, computed independently in floats ------

NETWORKS = {
    "blog": BLOG.read_text(encoding="utf-8"),
    "tanh-leaky-softmax-ce": """nncheck: 1
title: t
network:
  input: [0.5, -1, 2]
  target: [0, 1, 0]
  layers:
    - {weights: [[0.3, -0.2, 0.1], [-0.4, 0.25, 0.6]], bias: [0.05, -0.1], activation: tanh}
    - {weights: [[1.5, -0.5], [-2.0, 0.75], [0.2, 0.9]], bias: [0, 0.1, -0.3], activation: leaky_relu, negative_slope: 0.1}
    - {weights: [[0.6, -0.1, 0.3], [0.2, 0.8, -0.5], [-0.7, 0.4, 0.9]], bias: [0.1, 0, -0.2], activation: softmax}
  loss: cross_entropy
  learning_rate: 0.1
claims: []
""",
    "identity-mse": """nncheck: 1
title: t
network:
  input: [1.5, -2]
  target: [0.5, -1]
  layers:
    - {weights: [[0.3, 0.7], [-1.2, 0.4]], bias: [0.1, -0.2], activation: identity}
  loss: mse
  learning_rate: 0.05
claims: []
""",
    "relu-sigmoid-half-sse": """nncheck: 1
title: t
network:
  input: [1, -3]
  target: [1, 0]
  layers:
    - {weights: [[0.5, 0.25], [-0.5, 0.1]], bias: [0.2, 0.1], activation: relu}
    - {weights: [[1.1, -0.6], [0.3, 0.8]], bias: [0, 0.05], activation: sigmoid}
  loss: half_sse
claims: []
""",
    "sigmoid-bce-two-outputs": """nncheck: 1
title: t
network:
  input: [0.2]
  target: [1, 0]
  layers:
    - {weights: [[2.0], [-1.5]], bias: [0.1, 0.3], activation: sigmoid}
  loss: bce
claims: []
""",
}


def _float(node: Node) -> float:
    """A plain float evaluation of the equation language, independent of nncheck's ball arithmetic."""
    if isinstance(node, Number):
        return float(node.printed.value)
    if isinstance(node, Negate):
        return -_float(node.operand)
    if isinstance(node, Sum):
        return sum(_float(term) if sign == "+" else -_float(term) for sign, term in node.terms)
    if isinstance(node, Product):
        result = 1.0
        for operator, factor in node.factors:
            result = result / _float(factor) if operator == DIVIDE else result * _float(factor)
        return result
    if isinstance(node, Power):
        return float(_float(node.base) ** _float(node.exponent))
    assert isinstance(node, Call)
    values = [_float(argument) for argument in node.arguments]
    functions: dict[str, Any] = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "max": max,
                                 "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "relu": lambda v: max(v, 0.0)}
    return float(functions[node.function](*values))


@pytest.mark.parametrize("source", list(NETWORKS.values()), ids=list(NETWORKS))
def test_every_derivation_evaluates_to_the_value(source: str) -> None:
    network = parse_spec(source, "network.yaml").network
    with ball.precision(128):
        values = evaluate(network, ball)
    expected = evaluate(network, floating)
    checked = 0
    for quantity, array in values.items():
        for index in indices(array.shape):
            derivation = derive(quantity, index, network, values)
            if derivation.substituted is None:
                assert is_given(quantity), quantity
                continue
            arithmetic = text(derivation.substituted)
            if "′" in arithmetic:  # (leaky) ReLU's derivative is a step: 1 above zero, else 0 or the slope
                layer_number = int(quantity.split("/")[1][2:])
                layer = network.layers[layer_number - 1]
                z = float(expected[f"z{layer_number}"][index])
                below = float(layer.negative_slope) if layer.activation == "leaky_relu" else 0.0
                assert float(derivation.value) == float(expected[quantity][index]) == (1.0 if z > 0 else below)
                continue
            got = _float(parse_expression(arithmetic))
            assert got == pytest.approx(float(expected[quantity][index]), rel=1e-4, abs=1e-6), (quantity, index, arithmetic)
            checked += 1
    assert checked > 10


# ---- escaping: spec text renders as exactly its characters ------------------------------------------

def _site_markdown() -> markdown.Markdown:
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    settings_: dict[str, Any] = {}
    for item in config["markdown_extensions"]:
        if isinstance(item, dict):
            (name, options), = item.items()
            names.append(name)
            settings_[name] = options or {}
        else:
            names.append(item)
    return markdown.Markdown(extensions=names, extension_configs=settings_)


class Tags(HTMLParser):
    """Start tags with their attributes, and the text, of an HTML fragment or page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


NASTY = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))", "*em* _em_ **b**",
    "`code`", "$x^2$ and \\(y\\)", "\\[ z \\]", "{: #id .class }", "a | b | c", "# heading", "1. item", "- item",
    "> quote", "    indented", "===", "---", "&amp; &lt;", "![img](x.png)", "<!-- c -->", "line\nbreak", "~~del~~",
    "\\begin{align} a \\end{align}", "<https://example.org>", "foo  \nbar", "2) item", ": definition",
]


def _normal(value: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_text_renders_literally_even_at_the_start_of_a_line(value: str) -> None:
    html = _site_markdown().convert(markup.text(value))
    parsed = Tags(html)
    assert [tag for tag, _ in parsed.tags] == ["p"], html
    assert _normal("".join(parsed.text)) == _normal(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_any_text_renders_literally(value: str) -> None:
    html = _site_markdown().convert("Step: " + markup.text(value))
    parsed = Tags(html)
    assert [tag for tag, _ in parsed.tags] == ["p"], html
    assert _normal("".join(parsed.text)) == _normal("Step: " + value)


@pytest.mark.parametrize("body", ["```\n<script>alert(1)</script>\n```", "x\n````\ny", "```", "\\end{x} ` `` ```` ",
                                  "~~~\n$$ x $$\n    ```"],
                         ids=["fence-inside", "longer-fence", "only-a-fence", "runs", "other-fences"])
def test_a_fenced_block_cannot_be_closed_from_inside(body: str) -> None:
    html = _site_markdown().convert(markup.fenced("text", body) + "\nafter")
    parsed = Tags(html)
    assert [tag for tag, _ in parsed.tags] == ["div", "pre", "span", "code", "p"], html
    assert "".join(parsed.text) == body.rstrip() + "\n\nafter"


def test_math_hook_renders_mathml_and_reports_bad_latex() -> None:
    problems: list[str] = []
    page = render_math('<p><span class="arithmatex">\\(x &lt; \\frac{1}{2}\\)</span>'
                       '<span class="arithmatex">\\(\\href{javascript:alert(1)}{x}\\)</span></p>', problems.append)
    assert "<mfrac>" in page and "<mo>&lt;</mo>" in page
    assert "<code>\\href{javascript:alert(1)}{x}</code>" in page
    assert len(problems) == 1 and "Unknown command" in problems[0]


HOSTILE = r"""nncheck: 1
title: "</title><script>alert('title')</script> *em* [x](javascript:alert(1)) $\\(x\\)$ \"q: x"
source: "javascript:alert(2)"
network:
  input: [1]
  target: [1]
  layers:
    - {weights: [[0.5]], bias: [0], activation: identity}
  loss: half_sse
claims:
  - id: "</div><script>alert(3)</script>"
    quantity: z1
    value: 0.5
    step: "<img src=x onerror=alert(4)> {: #bad } | pipe | 1. list"
    latex: 'z < 1 \text{</p><script>alert(5)</script>}'
  - id: "bad-latex"
    quantity: a1
    value: 0.7
    step: "` ``` ` [a](b)"
    latex: '\href{javascript:alert(6)}{x} ``` \] </div><script>alert(7)</script>'
equations:
  - id: "<b>eq</b>"
    expression: "1 + 1"
    value: 2
    step: "<iframe src=javascript:alert(8)>"
"""


def test_hostile_spec_text_reaches_the_built_site_only_as_text(tmp_path: Path) -> None:
    spec_path = tmp_path / "hostile.yaml"
    spec_path.write_text(HOSTILE, encoding="utf-8")
    status, out, err = run_cli("site", str(spec_path), "--out", str(tmp_path / "docs" / "errata"))
    assert status == 0, err
    assert f"{spec_path}:16:5: warning: LaTeX of 'bad-latex' is shown as code" in err
    page = (tmp_path / "docs" / "errata" / "hostile.md").read_text(encoding="utf-8")
    outside_fences = re.sub(r"^(`{3,})[^\n]*\n.*?\n\1$", "", page, flags=re.DOTALL | re.MULTILINE)  # fences escape their text
    assert "```" not in outside_fences
    assert not [tag for tag in ("<script", "<img", "<iframe", "<b>") if tag in outside_fences], outside_fences
    config = mini_site(tmp_path, {"index.md": "# Home\n", "errata/index.md": (tmp_path / "docs/errata/index.md").read_text(),
                                  "errata/hostile.md": page})
    done = mkdocs_build(config, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "errata" / "hostile" / "index.html").read_text(encoding="utf-8")
    parsed = Tags(html)
    names = [tag for tag, _ in parsed.tags]
    assert "img" not in names and "iframe" not in names and "b" not in names
    assert not any(key.startswith("on") for _, attrs in parsed.tags for key, _ in attrs)
    assert not any((value or "").strip().lower().startswith("javascript") for _, attrs in parsed.tags for _, value in attrs)
    assert not any("alert" in script for script in parsed.scripts)
    visible = "".join(parsed.text)
    for shown in ("</title><script>alert('title')</script>", "<img src=x onerror=alert(4)>", "</div><script>alert(3)</script>",
                  "\\href{javascript:alert(6)}{x}", "<iframe src=javascript:alert(8)>"):
        assert shown in visible
    assert "cannot be rendered" in visible
    assert "math" in names  # the hostile but valid LaTeX still renders, its text escaped by math-core


# ---- the real site ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    done = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert done.returncode == 0, done.stderr
    return site


def test_mkdocs_build_strict_renders_the_blog_errata_as_mathml(built_site: Path) -> None:
    html = (built_site / "errata" / "blog" / "index.html").read_text(encoding="utf-8")
    parsed = Tags(html)
    visible = "".join(parsed.text)
    assert "Wrong: z2 = 3.18" in visible and "0.7·1.3 + 0.9·1.8 + 0.2 = 2.73" in visible
    assert sum(tag == "math" for tag, _ in parsed.tags) > 20
    assert "\\frac" not in visible and "\\begin" not in visible and "\\(" not in visible


def test_built_site_loads_nothing_from_elsewhere(built_site: Path) -> None:
    for page in built_site.rglob("*.html"):
        for tag, attrs in Tags(page.read_text(encoding="utf-8")).tags:
            found = dict(attrs)
            loaded = found.get("src") if tag in ("script", "img", "iframe") else found.get("href") if tag == "link" else None
            assert not (loaded or "").startswith(("http:", "https:", "//")), (page, tag, loaded)


def test_bad_latex_fails_the_strict_build(tmp_path: Path) -> None:
    config = mini_site(tmp_path, {"index.md": "# Math\n\n$x^2$ and $\\nosuchcommand{x}$\n"})
    done = mkdocs_build(config, tmp_path / "site")
    assert done.returncode != 0
    assert "index.md" in done.stderr and "Unknown command" in done.stderr


def test_site_config_stays_offline() -> None:
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    assert config["theme"]["font"] is False
    assert config.get("plugins") == ["search", "nncheck-mathml"]
    assert "extra_javascript" not in config


def _nav_pages(entries: Any) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return [page for entry in entries for page in _nav_pages(entry)]


def test_every_docs_page_is_in_the_nav() -> None:
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert sorted(_nav_pages(config["nav"])) == pages


def test_committed_errata_pages_are_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    specs = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "specs").glob("*.yaml"))
    specs += sorted(str(path.relative_to(ROOT)) for path in (ROOT / "examples" / "models").glob("*.yaml"))
    status, _, err = run_cli("site", *specs, "--out", str(tmp_path))
    assert status == 0, err
    generated = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.md")}
    committed = {path.name: path.read_text(encoding="utf-8") for path in ERRATA.glob("*.md")}
    assert generated == committed, f"docs/errata is stale; regenerate it with: {REGENERATE}"


def test_regenerate_command_is_documented() -> None:
    for document in (ROOT / "README.md", DOCS / "cli.md"):
        assert REGENERATE in document.read_text(encoding="utf-8"), document


def test_cli_reference_documents_every_command_and_option() -> None:
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    top = parser()
    commands = next(action for action in top._actions if action.dest == "command")
    for name, subparser in commands.choices.items():  # type: ignore[union-attr]
        assert f"## nncheck {name}" in reference, name
        for action in subparser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in reference, (name, option)


def test_site_builds_pages_for_several_specs_with_distinct_names(tmp_path: Path) -> None:
    spec = load_spec(str(BLOG))
    result = audit(spec)
    site = build_site([(spec, result), (spec, result)])
    assert [page.name for page in site.pages] == ["index.md", "blog.md", "blog-2.md"]
    assert site.warnings == ()
    assert "(blog.md)" in site.pages[0].text and "(blog-2.md)" in site.pages[0].text


def test_a_markdown_page_gets_an_errata_page(tmp_path: Path) -> None:
    # The blog's equations as a page (tests/samples/markdown/blog.md): its findings are those of
    # tests/test_markdown.py, listed failing ones first, each in the section of its display equation.
    from nncheck.audit import audit
    from nncheck.readers import read
    from nncheck.site import build_site

    page = ROOT / "tests" / "samples" / "markdown" / "blog.md"
    result = audit(read(str(page)))
    site = build_site([(None, result)])
    (index, blog) = site.pages
    text = blog.text
    assert "Page: " in text and "## Equations in page order" in text
    findings = [v for v in result.verdicts if v.kind is not Kind.HOLDS]
    assert text.count('\n!!! ') == len(findings)
    assert text.index("Wrong: z&#95;2 = 3.18") < text.index("Rounding slip: ŷ = 0.938") < text.index("Carried: L = 0.064")
    assert "it should print **2.73**" in text
    status, out, _ = run_cli("site", str(page), "--out", str(tmp_path))
    assert status == 0 and (tmp_path / "blog.md").read_text(encoding="utf-8") == text


def test_an_undefined_equation_of_a_spec_gets_an_erratum_that_says_so() -> None:
    # log(0) has no value: the equation is wrong, and its erratum says "undefined" instead of a number.
    text = BLOG.read_text(encoding="utf-8") + "equations:\n  - {id: bad, expression: 'log(0)', value: '1.0', step: s}\n"
    spec = parse_spec(text, "blog.yaml")
    result = audit(spec)
    [verdict] = [v for v in result.verdicts if v.ref == "bad"]
    assert verdict.kind is Kind.WRONG and verdict.exact == "undefined"
    site = build_site([(spec, result)])
    page = next(page for page in site.pages if page.name == "blog.md")
    assert "it should print **undefined**" in page.text
