"""A page that declares its model in front matter (nncheck/readers/front.py): its numbers judged as spec claims.

Expected values: the 2-2-2 network of tests/samples/front/mazur.md computed here with plain math; the blog page's
verdicts are those specs/blog.yaml gets for the same quantities (the spec is the independent description).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from nncheck.audit import Kind, audit
from nncheck.errors import SpecError
from nncheck.readers import read
from nncheck.readers.markdown import parse_markdown
from nncheck.records import ModelSpec, Spec

SAMPLES = Path(__file__).resolve().parent / "samples" / "front"
ROOT = Path(__file__).resolve().parent.parent
H, W = Kind.HOLDS, Kind.WRONG


def _mazur() -> dict[str, float]:
    def sigmoid(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    net_h1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35
    out_h1, out_h2 = sigmoid(net_h1), sigmoid(0.25 * 0.05 + 0.3 * 0.1 + 0.35)
    out_o1, out_o2 = sigmoid(0.4 * out_h1 + 0.45 * out_h2 + 0.6), sigmoid(0.5 * out_h1 + 0.55 * out_h2 + 0.6)
    e_o1, e_o2 = 0.5 * (0.01 - out_o1) ** 2, 0.5 * (0.99 - out_o2) ** 2
    d_w5 = (out_o1 - 0.01) * out_o1 * (1 - out_o1) * out_h1
    return {"net_h1": net_h1, "out_h1": out_h1, "out_h2": out_h2, "out_o1": out_o1, "E_o1": e_o1, "E": e_o1 + e_o2,
            "∂E/∂w5": d_w5}


def test_every_number_printed_for_a_mapped_name_is_judged_against_the_model() -> None:
    text = (SAMPLES / "mazur.md").read_text(encoding="utf-8")
    document = parse_markdown(text, "mazur.md")
    assert isinstance(document.declared, ModelSpec)
    result = audit(document, diagnose=0)
    expected = _mazur()
    judged = {v.subject: v for v in result.verdicts}
    assert set(judged) == set(expected)  # out_{o1} and the gradient are printed with no formula beside them
    for quantity, value in expected.items():
        verdict = judged[quantity]
        assert verdict.kind is H and abs(float(verdict.exact) - value) < 1e-9, (quantity, verdict)
    inline = judged["out_h2"]  # printed in an inline formula, located in the page
    assert text.splitlines()[inline.location.line - 1][inline.location.column - 1:].startswith("0.596884378$")


def test_a_number_the_model_defines_with_no_formula_beside_it_is_wrong_when_it_is() -> None:
    text = (SAMPLES / "mazur.md").read_text(encoding="utf-8").replace("out_{o1} = 0.751365070", "out_{o1} = 0.751356070")
    result = audit(parse_markdown(text, "mazur.md"), diagnose=0)
    assert {(v.subject, v.kind) for v in result.verdicts if v.kind is not H} == {("out_o1", W)}


def test_the_blogs_page_with_its_network_in_front_matter_gets_the_specs_verdicts() -> None:
    page = audit(read(str(SAMPLES / "blog.md")), diagnose=0)
    spec = audit(read(str(ROOT / "specs" / "blog.yaml")), diagnose=0)
    first: dict[str, Kind] = {}
    for verdict in spec.verdicts:
        if ":" not in verdict.ref:  # a result, not a value its step used
            first.setdefault(verdict.subject, verdict.kind)
    mapped = {"z2", "a2", "L", "dL/da2", "da2/dz2"}
    from_front: dict[str, Kind] = {}
    for verdict in page.verdicts:
        if verdict.subject in mapped and ":" not in verdict.ref:
            from_front.setdefault(verdict.subject, verdict.kind)
    assert from_front == {name: first[name] for name in mapped}
    assert from_front["z2"] is W and from_front["a2"] is Kind.SLIP and from_front["L"] is Kind.CARRIED


def test_the_page_judges_its_other_numbers_by_its_own_rules() -> None:
    page = audit(read(str(SAMPLES / "blog.md")), diagnose=0)
    unmapped = [v for v in page.verdicts if "W_1" in v.subject]  # ∂L/∂W_1 is not in the names map
    assert unmapped and {v.kind for v in unmapped} >= {W}


def _page(front: str) -> str:
    return f"---\nnncheck:\n{front}---\n\n# A page\n\n$$z_1 = 0.5$$\n"


@pytest.mark.parametrize(("front", "message"), [
    ("  model:\n    givens: {x: 1}\n    definitions: {z: 2 * x}\n  names:\n    z_1: q\n",
     "page.md:7:10: names: quantity 'q' is not a name of the model"),
    ("  model:\n    givens: {x: 1}\n    definitions: {z: 2 * y}\n  names:\n    z_1: z\n",
     "page.md:5:26: formula of 'z', '2 * y': unknown name 'y'"),
    ("  model:\n    givens: {x: [1, 2]}\n    definitions: {z: 2 * x}\n  names:\n    z_1: z[5]\n",
     "page.md:7:10: names: 'z[5]': z has shape (2,), no entry [5]"),
    ("  names:\n    z_1: z\n", "page.md:3:3: nncheck: give one of network: (a layered network) and model:"),
    ("  model:\n    givens: {x: 1}\n    definitions: {z: 2 * x}\n", "page.md:3:3: nncheck (the page's model) is missing 'names'"),
    ("  model:\n    givens: {x: [1, 2]}\n    definitions: {z: 2 * x}\n  names:\n    z_1: z\n",
     "page.md:12:9: z_1 is printed as 1 number; z has shape (2,)"),
])
def test_a_front_matter_that_cannot_be_read_is_refused_with_its_place_in_the_page(front: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_markdown(_page(front), "page.md")
    assert message in str(raised.value), str(raised.value)


def test_front_matter_of_other_tools_is_left_alone() -> None:
    document = parse_markdown("---\ntitle: A page\nlayout: post\n---\n\n$$z = 1 + 2 = 3$$\n", "page.md")
    assert document.declared is None and [v.kind for v in audit(document).verdicts] == [H]


def test_a_layered_network_in_front_matter_is_a_spec_with_the_pages_claims() -> None:
    document = read(str(SAMPLES / "blog.md"))
    assert isinstance(document.declared, Spec)
    assert [claim.quantity for claim in document.declared.claims][:3] == ["z1", "a1", "z2"]


_MODEL = ("nncheck:\n  model:\n    givens: {x: 1.5, w: 0.4, b: 0.1}\n    definitions:\n      z: w * x + b\n"
          "      a: sigmoid(z)\n  names:\n    z: z\n    \\hat{y}: a\n")
# z = 0.4 · 1.5 + 0.1 = 0.7 and a = σ(0.7) = 0.668188 (by hand); the page prints a wrong.
_A = 1 / (1 + math.exp(-0.7))


def test_a_notebooks_first_markdown_cell_declares_the_model(tmp_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"---\n{_MODEL}---\n# A neuron\n\n$$z = 0.4 \\cdot 1.5 + 0.1 = 0.7$$"),
                      nbformat.v4.new_code_cell("print(1)"),
                      nbformat.v4.new_markdown_cell("The output is $\\hat{y} = 0.6782$.")]
    path = tmp_path / "neuron.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    result = audit(read(str(path)), diagnose=0)
    found = {(v.subject, v.kind, v.location.cell, v.location.line) for v in result.verdicts}
    assert found == {("z", H, 1, 14), ("a", W, 3, 1)} and abs(_A - 0.668188) < 1e-6


def test_a_notebooks_front_matter_errors_name_the_cell(tmp_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"---\n{_MODEL.replace('z: z', 'z: q')}---\n# A neuron\n")]
    path = tmp_path / "neuron.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    with pytest.raises(SpecError, match=r"neuron.ipynb:cell 1:9:8: names: quantity 'q' is not a name of the model"):
        read(str(path))


def test_an_html_page_declares_its_model_in_a_script(tmp_path: Path) -> None:
    indented = "\n".join("  " + line for line in _MODEL.splitlines())
    page = ("<html><head><title>A neuron</title>\n<script type=\"application/x-nncheck+yaml\">\n"
            f"{indented}\n</script></head>\n<body><p>\\[ z = 0.4 \\cdot 1.5 + 0.1 = 0.7 \\]</p>\n"
            "<p>so \\( \\hat{y} = 0.6782 \\)</p></body></html>\n")
    path = tmp_path / "neuron.html"
    path.write_text(page, encoding="utf-8")
    result = audit(read(str(path)), diagnose=0)
    assert {(v.subject, v.kind) for v in result.verdicts} == {("z", H), ("a", W)}
    broken = page.replace("z: z", "z: q")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(SpecError, match=r"neuron.html:10:10: names: quantity 'q' is not a name of the model"):
        read(str(path))


def test_extract_reads_layer_superscripts_and_a_target_t(tmp_path: Path) -> None:
    """Ng's notation (W^{[1]}, a^{[2]}, t): extract finds the network, tanh and sigmoid from their formulas and
    half-SSE from ½(a − t)², and maps every printed result. Values by hand: tanh(1.3) = 0.8617, tanh(1.8) = 0.9468,
    z2 = 0.7 · 0.8617 + 0.9 · 0.9468 + 0.2 = 1.6553, σ(1.6553) = 0.8396, ½(0.8396 − 1)² = 0.0129."""
    from nncheck.extract import draft_front_matter

    page = (SAMPLES / "ng_notation.md").read_text(encoding="utf-8")
    assert abs(math.tanh(1.3) - 0.8617) < 5e-5 and abs(1 / (1 + math.exp(-1.6553)) - 0.8396) < 5e-5
    front, todo = draft_front_matter(page, "ng.md")
    assert todo == [] and "activation: tanh" in front and "activation: sigmoid" in front and "loss: half_sse" in front
    assert '"a^{[2]}": "a2"' in front
    result = audit(parse_markdown(front + page, "ng.md"), diagnose=0)
    assert {v.subject for v in result.verdicts} >= {"z1", "a1", "z2", "a2", "L"} and {v.kind for v in result.verdicts} == {H}
    planted = audit(parse_markdown(front + page.replace("= 0.8396", "= 0.8369"), "ng.md"), diagnose=0)
    assert {(v.subject, v.kind) for v in planted.verdicts if v.kind is not H} == {("a2", W)}  # L kept the true value


_SOFTMAX = ("---\nnncheck:\n  model:\n    givens: {z: [0.86, -0.88, -0.91], y: [0, 1, 0]}\n    definitions:\n"
            "      p: softmax(z)\n      L: cross_entropy(p, y)\n  names:\n    \\mathbf{p}: p\n    \\mathcal{L}: L\n---\n\n")
# p = softmax([0.86, −0.88, −0.91]) = [0.7390, 0.1304, 0.1306] and −log p₂ = 2.0370 (computed in the test below).


def _softmax_values() -> list[float]:
    exps = [math.exp(v) for v in (0.86, -0.88, -0.91)]
    return [v / sum(exps) for v in exps]


def test_an_entry_written_with_a_subscript_is_that_entry_of_a_mapped_list() -> None:
    """p_2 is the second entry of \\mathbf{p} (counted from 1): printed alone it is judged, substituted it is what the
    step used, so a loss from a rounded p_2 is carried, not wrong."""
    p = _softmax_values()
    assert f"{p[1]:.4f}" == "0.1304" and f"{-math.log(0.1304):.4f}" == "2.0371" and f"{-math.log(p[1]):.4f}" == "2.0370"
    page = _SOFTMAX + "$$p_2 = 0.1340$$\n\n$$\\mathcal{L} = -\\log p_2 = -\\log 0.1304 = 2.0371$$\n"
    found = {(v.ref, v.kind) for v in audit(parse_markdown(page, "p.md"), diagnose=0).verdicts}
    assert found == {("p_2", W), ("L:p_2", H), ("L", Kind.CARRIED)}, found  # \\mathcal{L} is read as L


def test_a_vector_printed_as_a_transposed_row_is_judged() -> None:
    p = _softmax_values()
    row = " & ".join(f"{v:.4f}" for v in p)
    page = _SOFTMAX + f"$$\\mathbf{{p}}^\\top = \\begin{{bmatrix}} {row} \\end{{bmatrix}}$$\n"
    assert [v.kind for v in audit(parse_markdown(page, "p.md"), diagnose=0).verdicts] == [H, H, H]


def test_a_text_remark_with_a_comma_ends_the_equation() -> None:
    r"""\hat{y} = 0.9608 \text{, so } L = 0.0400 is two equations (σ(3.2) = 0.96083, −ln 0.96083 = 0.03996, by hand)."""
    assert abs(1 / (1 + math.exp(-3.2)) - 0.9608) < 5e-5
    page = ("---\nnncheck:\n  model:\n    givens: {s: 3.2}\n    definitions:\n      a: sigmoid(s)\n      L: -log(a)\n"
            "  names:\n    \\hat{y}: a\n    L: L\n---\n\n$$\\hat{y} = 0.9608 \\text{, so } L = 0.0400$$\n")
    assert {(v.subject, v.kind) for v in audit(parse_markdown(page, "p.md"), diagnose=0).verdicts} == {("a", H), ("L", H)}


@pytest.mark.parametrize(("key", "message"), [("2x + 1", "'2x + 1' is not a name nncheck reads"), ("1", "'1' is not a name")])
def test_a_key_that_is_not_a_name_is_refused(key: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_markdown(_page(f"  model:\n    givens: {{x: 1}}\n    definitions: {{z: 2 * x}}\n  names:\n    '{key}': z\n"), "page.md")


def test_the_same_name_twice_is_refused_with_the_first_place() -> None:
    front = "  model:\n    givens: {x: 1}\n    definitions: {z: 2 * x}\n  names:\n    \\mathbf{z}: z\n    z: x\n"
    with pytest.raises(SpecError, match=r"page.md:8:5: names: 'z' is the name '\\mathbf\{z\}' of page.md:7:5 again"):
        parse_markdown(_page(front), "page.md")


def test_front_matter_of_other_tools_is_not_read_even_when_its_yaml_is_not_nnchecks() -> None:
    page = "---\ndefaults: &d {a: 1}\nother: *d\n---\n\n$$y = 2 \\cdot 3 = 6$$\n"
    assert [v.kind for v in audit(parse_markdown(page, "p.md")).verdicts] == [H]


def test_an_html_page_declares_its_model_once(tmp_path: Path) -> None:
    script = '<script type="application/x-nncheck+yaml">\nnames: {}\n</script>\n'
    path = tmp_path / "p.html"
    path.write_text(f"<html><head>{script}{script}</head><body></body></html>\n", encoding="utf-8")
    with pytest.raises(SpecError, match="a second <script"):
        read(str(path))


def test_a_given_the_page_prints_is_judged_against_the_front_matter() -> None:
    """A typo in the front matter's weights shows as the page's own W_1 = … judged wrong (extract maps givens too)."""
    from nncheck.extract import draft_front_matter

    page = (ROOT / "tests" / "samples" / "markdown" / "blog.md").read_text(encoding="utf-8")
    front, _ = draft_front_matter(page, "blog.md")
    typo = front.replace("[[0.2, 0.4], [0.1, 0.6]]", "[[0.2, 0.4], [0.1, 0.7]]")
    result = audit(parse_markdown(typo + page, "blog.md"), diagnose=0)
    assert ("W_1[1,1]", W) in {(v.ref, v.kind) for v in result.verdicts}


def test_extract_reads_a_network_wired_by_hand_scalar_weight_by_scalar_weight() -> None:
    """The 2-2-2 page with w_1 … w_8, net_{h1} = w_1 i_1 + …, out = 1/(1 + e^{-net}), ½(target − out)² and printed
    gradients: extract writes the general form (the wiring read from the page's own formulas), every printed number
    is judged against it, and the values agree with plain math (_mazur; ∂E/∂w_1 by the chain rule written out here)."""
    from nncheck.extract import draft_front_matter

    page = (SAMPLES / "wired.md").read_text(encoding="utf-8")
    front, todo = draft_front_matter(page, "wired.md")
    assert todo == [] and 'net_o1: "((w_5) * (out_h1)) + ((w_6) * (out_h2)) + (b_2)"' in front
    result = audit(parse_markdown(front + page, "wired.md"), diagnose=0)
    expected = _mazur()
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    h1, h2 = expected["out_h1"], expected["out_h2"]
    o1, o2 = expected["out_o1"], sig(0.5 * h1 + 0.55 * h2 + 0.6)
    d1, d2 = (o1 - 0.01) * o1 * (1 - o1), (o2 - 0.99) * o2 * (1 - o2)
    expected_w1 = (d1 * 0.40 + d2 * 0.50) * h1 * (1 - h1) * 0.05
    judged = {v.subject: v for v in result.verdicts}
    assert {v.kind for v in result.verdicts} == {H} and len(result.verdicts) == 13
    assert abs(float(judged["∂E_total/∂w_5"].exact) - expected["∂E/∂w5"]) < 1e-12
    assert abs(float(judged["∂E_total/∂w_1"].exact) - expected_w1) < 1e-12
    planted = page.replace("= 0.082167041", "= 0.082176041")
    found = {(v.subject, v.kind) for v in audit(parse_markdown(front + planted, "wired.md"), diagnose=0).verdicts if v.kind is not H}
    assert found == {("∂E_total/∂w_5", W)}


def test_a_name_a_formula_reads_that_the_page_never_gives_is_todo() -> None:
    from nncheck.extract import draft_front_matter

    page = "$$net = w_1 i_1 + b_1 = 0.5$$\n\n$$w_1 = 0.2, \\quad i_1 = 1$$\n"
    front, todo = draft_front_matter(page, "p.md")
    assert todo == ["b_1 is read by a formula but never given a number on the page"] and "b_1: TODO" in front
    with pytest.raises(SpecError, match="given b_1 is TODO"):
        parse_markdown(front + page, "p.md")


_SOFTMAX_SPEC = """nncheck: 1
title: the softmax page, by hand
network:
  input: [1.0, -0.5]
  target: [0, 1, 0]
  layers:
    - {weights: [[0.3, -0.2], [0.5, 0.4]], bias: [0.1, 0.0], activation: relu}
    - {weights: [[0.6, -0.3], [0.2, 0.8], [-0.5, 0.1]], bias: [0.0, 0.1, -0.1], activation: softmax}
  loss: cross_entropy
claims:
  - {quantity: z1, value: [0.5, 0.3], step: s}
  - {quantity: a1, value: [0.5, 0.3], step: s}
  - {quantity: z2, value: [0.21, 0.44, -0.32], step: s}
  - {quantity: yhat, value: [0.3512, 0.4420, 0.2067], step: s}
  - {quantity: L, value: 0.8164, step: s, uses: {yhat: [0.3512, 0.4420, 0.2067]}}
  - {quantity: dL/dz2, value: [0.3512, -0.5580, 0.2067], step: s}
"""


def test_extract_on_a_softmax_page_gives_the_verdicts_of_a_hand_written_spec() -> None:
    """A softmax output with −Σ y log ŷ: cross-entropy, not a guessed sigmoid and bce; the page with the extracted front
    matter gets, number for number, the verdicts of the spec written by hand above (values checked there by NumPy:
    z2 = [0.21, 0.44, −0.32], softmax = [0.35122, 0.44205, 0.20673], −log 0.44205 = 0.81634)."""
    from collections import Counter

    from nncheck.extract import draft_front_matter
    from nncheck.readers.spec import parse_spec

    page = (SAMPLES / "softmax.md").read_text(encoding="utf-8")
    front, todo = draft_front_matter(page, "softmax.md")
    assert todo == [] and "activation: softmax" in front and "loss: cross_entropy" in front
    declared = audit(parse_markdown(front + page, "softmax.md"), diagnose=0)
    by_hand = audit(parse_spec(_SOFTMAX_SPEC, "hand.yaml"), diagnose=0)

    def kinds(result: Any, subjects: set[str]) -> Counter[tuple[str, str, Kind]]:
        return Counter((v.subject, v.stated, v.kind) for v in result.verdicts if v.subject in subjects and ":" not in v.ref)

    subjects = {"z1", "a1", "z2", "a2", "L", "dL/dz2"}
    assert kinds(declared, subjects) == kinds(by_hand, subjects)
    assert kinds(declared, subjects)[("L", "0.8164", Kind.CARRIED)] == 1


def test_extract_reads_a_tanh_rnn_written_out_step_by_step() -> None:
    """h_t = tanh(W_xh x_t + W_hh h_{t−1} + b_h) over three steps (values by NumPy in tests/test_gallery.py's _rnn, the
    same weights): every h_t is judged; an h_1 printed wrong makes h_2, computed from it, carried."""
    from nncheck.extract import draft_front_matter

    page = (SAMPLES / "rnn.md").read_text(encoding="utf-8")
    front, todo = draft_front_matter(page, "rnn.md")
    assert todo == [] and 'h_2: "tanh(((W_xh) * (x_2)) + ((W_hh) * (h_1)) + (b_h))"' in front
    assert [v.kind for v in audit(parse_markdown(front + page, "rnn.md"), diagnose=0).verdicts] == [H] * 6
    wrong = page.replace("0.462117", "0.462711")
    found = [(v.ref, v.kind) for v in audit(parse_markdown(front + wrong, "rnn.md"), diagnose=0).verdicts if v.kind is not H]
    assert found[0] == ("h_1[0]", W) and {kind for _, kind in found[1:]} <= {Kind.CARRIED}


def test_extract_reads_a_notebook(tmp_path: Path) -> None:
    import nbformat

    from nncheck.extract import extract

    page = (SAMPLES / "rnn.md").read_text(encoding="utf-8").split("\n\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("\n\n".join(page[:3])), nbformat.v4.new_code_cell("x = 1"),
                      nbformat.v4.new_markdown_cell("\n\n".join(page[3:]))]
    path = tmp_path / "rnn.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    front = extract(str(path))
    assert "paste it at the top of the first markdown cell" in front and '"h_3": "h_3"' in front
    notebook.cells[0].source = front + notebook.cells[0].source
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    result = audit(read(str(path)), diagnose=0)
    assert [(v.subject, v.kind, v.location.cell) for v in result.verdicts if v.subject == "h_3"] == [("h_3", H, 3)] * 2


def test_a_formula_may_read_a_name_the_page_defines_further_down() -> None:
    """out = σ(net) printed before net = w_1 i_1 + b: σ(0.2 · 1 + 0.2) = σ(0.4) = 0.598688 (by hand)."""
    from nncheck.extract import draft_front_matter

    assert f"{1 / (1 + math.exp(-0.4)):.6f}" == "0.598688"
    page = ("$$out = \\sigma(net) = 0.598688$$\n\n$$net = w_1 i_1 + b = 0.4$$\n\n"
            "$$w_1 = 0.2, \\quad i_1 = 1, \\quad b = 0.2$$\n")
    front, todo = draft_front_matter(page, "p.md")
    assert todo == [] and front.index("net:") < front.index("out:")
    assert [v.kind for v in audit(parse_markdown(front + page, "p.md"), diagnose=0).verdicts] == [H, H]


_LAYERED = ("$$x = \\begin{{bmatrix}} 1 \\\\ -2 \\end{{bmatrix}}, \\quad y = 1$$\n\n"
            "$$W_1 = \\begin{{bmatrix}} 0.5 & 0.25 \\\\ 0.1 & 0.3 \\end{{bmatrix}}, \\quad b_1 = \\begin{{bmatrix}} 0 \\\\ 0 \\end{{bmatrix}}$$\n\n"
            "$$W_2 = \\begin{{bmatrix}} 1 & 1 \\end{{bmatrix}}, \\quad b_2 = 0$$\n\n$$a_1 = {hidden}$$\n\n"
            "$$\\hat{{y}} = \\frac{{1}}{{1 + e^{{-z_2}}}}$$\n\n$$L = {loss}$$\n")


@pytest.mark.parametrize(("hidden", "loss", "expected"), [
    ("\\frac{e^{z_1} - e^{-z_1}}{e^{z_1} + e^{-z_1}}", "-[y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})]",
     ["activation: tanh", "loss: bce"]),
    ("\\max(0.01 z_1, z_1)", "-[y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})]",
     ["activation: leaky_relu", "negative_slope: 0.01", "loss: bce"]),
    ("\\max(0, z_1)", "y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})",
     ["activation: relu", "loss: TODO  # a loss of logs with no leading minus"]),
    ("\\max(z_1, 2)", "-[y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})]",
     ["activation: TODO  # the activation of layer 1 was not recognised"]),
])
def test_extract_reads_an_activation_or_loss_from_its_formula_or_says_it_cannot(hidden: str, loss: str,
                                                                                expected: list[str]) -> None:
    """The exponential form of tanh is tanh (not the logistic sigmoid), max(α z, z) is leaky ReLU with its slope, a
    max that is neither is not read, and a loss of logs with no leading minus is not taken for cross-entropy."""
    from nncheck.extract import draft_front_matter

    front, _ = draft_front_matter(_LAYERED.format(hidden=hidden, loss=loss), "p.md")
    for line in expected:
        assert line in front, (line, front)


def test_extract_reads_a_linear_output_and_a_loss_named_e_over_two_outputs() -> None:
    """ŷ = z_2 (no activation), E = ½ Σ_k (y_k − ŷ_k)² with its gradient ∂E/∂W_2 (the spec's dL/dW2); values by NumPy
    here: every one of the page's numbers holds, and a planted slip in ∂E/∂W_2 is wrong."""
    import numpy as np

    from nncheck.extract import draft_front_matter

    x, y = np.array([0.8, -0.4]), np.array([0.5, -0.2])
    W1, b1, W2, b2 = np.array([[0.1, 0.7], [-0.3, 0.2]]), np.array([0.05, 0]), np.array([[0.4, -0.6], [0.9, 0.3]]), np.array([0, 0.1])
    a1 = np.tanh(W1 @ x + b1)
    yhat = W2 @ a1 + b2
    assert f"{0.5 * np.sum((y - yhat) ** 2):.5f}" == "0.07256" and f"{np.outer(yhat - y, a1)[0, 1]:.5f}" == "0.11571"
    page = (SAMPLES / "two_outputs.md").read_text(encoding="utf-8")
    front, todo = draft_front_matter(page, "two.md")
    assert todo == [] and "activation: identity" in front and "loss: half_sse" in front and '"E": "L"' in front
    result = audit(parse_markdown(front + page, "two.md"), diagnose=0)
    assert {v.kind for v in result.verdicts} == {H} and {"L", "dL/dW2"} <= {v.subject for v in result.verdicts}
    planted = audit(parse_markdown(front + page.replace("0.11571", "0.11517"), "two.md"), diagnose=0)
    assert [(v.subject, v.kind) for v in planted.verdicts if v.kind is not H] == [("dL/dW2", W)]


def test_extract_maps_updated_weights_written_with_new_or_a_plus() -> None:
    """W_2^{new} = W_2 − η ∂L/∂W_2 (η = 0.1): the spec's W2_new, mapped and judged; a planted digit swap is wrong. The
    page's values are consistent by construction: W2_new = W2 − 0.1 · dL/dW2, checked here from its printed gradient."""
    from nncheck.extract import draft_front_matter

    page = (SAMPLES / "update.md").read_text(encoding="utf-8")
    front, todo = draft_front_matter(page, "update.md")
    assert todo == [] and '"W_2^{new}": "W2_new"' in front and "learning_rate: 0.1" in front
    result = audit(parse_markdown(front + page, "update.md"), diagnose=0)
    updated = [v for v in result.verdicts if v.subject == "W2_new"]
    assert updated and {v.kind for v in result.verdicts} == {H}
    assert abs(float(updated[0].exact) - (0.6 - 0.1 * 0.070347752)) < 1e-6
    planted = page.replace("0.5930", "0.5390", 1)
    assert ("W2_new", W) in {(v.subject, v.kind) for v in audit(parse_markdown(front + planted, "update.md"), diagnose=0).verdicts}


def test_extract_reads_one_layer_written_without_an_index() -> None:
    """W and b with no index are layer 1; σ(0.5 · 1 − 0.25 · 2 + 0.1) = σ(0.1) = 0.5250 (by hand). The page gives no
    loss, so the loss is a TODO, never an assumed bce."""
    from nncheck.extract import draft_front_matter

    assert f"{1 / (1 + math.exp(-0.1)):.4f}" == "0.5250"
    page = ("$$x = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}, \\quad y = 1$$\n\n"
            "$$W = \\begin{bmatrix} 0.5 & -0.25 \\end{bmatrix}, \\quad b = 0.1$$\n\n$$\\hat{y} = \\sigma(W x + b) = 0.5250$$\n")
    front, todo = draft_front_matter(page, "p.md")
    assert '"W": "W1"' in front and '"b": "b1"' in front and todo == ["the loss was not recognised"]
    assert "loss: TODO" in front


def test_the_pages_own_finding_stays_where_the_model_finds_the_result_right() -> None:
    """net = w_5 out_1 + w_6 out_2 + b = 0.9 · 0.0997 + (−0.7) · 0.3799 − 0.2 = 0.1557 (by hand: the true sum is 0.1557
    with +0.7, but the printed substitution's sign makes it −0.3762): the model holds the result, the page's own
    arithmetic does not; both are reported."""
    page = ("---\nnncheck:\n  model:\n    givens: {w5: 0.9, w6: 0.7, out1: 0.0997, out2: 0.3799, b: -0.2}\n"
            "    definitions:\n      net: w5 * out1 + w6 * out2 + b\n  names:\n    net_{o}: net\n---\n\n"
            "$$net_{o} = 0.9 \\times 0.0997 + (-0.7) \\times 0.3799 - 0.2 = 0.1557$$\n")
    assert f"{0.9 * 0.0997 + 0.7 * 0.3799 - 0.2:.4f}" == "0.1557" and f"{0.9 * 0.0997 - 0.7 * 0.3799 - 0.2:.4f}" == "-0.3762"
    kinds = sorted((v.subject, v.kind.value) for v in audit(parse_markdown(page, "p.md"), diagnose=0).verdicts)
    assert ("net", "holds") in kinds and any(kind == "wrong" for _, kind in kinds)


def test_euler_to_a_list_is_entry_by_entry() -> None:
    """a = 1 / (1 + e^{-z}) for a list z = [0, 0.8]: [0.5, 0.6900] (σ(0.8) = 0.68997, by hand), no 'undefined'."""
    from nncheck.audit import audit_markdown

    assert f"{1 / (1 + math.exp(-0.8)):.4f}" == "0.6900"
    page = ("$$z = \\begin{bmatrix} 0 \\\\ 0.8 \\end{bmatrix}$$\n\n"
            "$$a = \\frac{1}{1 + e^{-z}} = \\begin{bmatrix} 0.5 \\\\ 0.6900 \\end{bmatrix}$$\n")
    assert [v.kind for v in audit_markdown(page).verdicts] == [H, H]


def test_extract_does_not_glue_a_greek_letter_and_a_gradient_into_one_name() -> None:
    from nncheck.extract import draft_front_matter

    page = ("$$w_1 = 0.5, \\quad x = 2, \\quad \\eta = 0.1$$\n\n$$o = w_1 x = 1$$\n\n"
            "$$\\frac{\\partial E}{\\partial w_1} = 0.3$$\n\n$$w_1^{+} = w_1 - \\eta \\frac{\\partial E}{\\partial w_1} = 0.47$$\n")
    front, todo = draft_front_matter(page, "p.md")
    assert "the formula of w_1^+ was not read; its numbers keep the page's own rules" in todo
    assert "∂" not in front.split("names:")[0] and "etaE" not in front


def test_extract_refuses_a_page_it_does_not_read_with_what_to_do(tmp_path: Path) -> None:
    from nncheck.errors import UsageError
    from nncheck.extract import extract

    path = tmp_path / "p.html"
    path.write_text("<p>\\( x = 1 \\)</p>", encoding="utf-8")
    with pytest.raises(UsageError, match="reads Markdown pages .* and notebooks .*write its <script"):
        extract(str(path))


def test_a_superscript_index_then_a_subscript_names_an_updated_weight() -> None:
    """W^{(2)}_{new}, b^{[2]}_{\\text{new}}: the reader reads them as names (a power cannot take a subscript), and extract
    maps them to W2_new, b2_new."""
    from nncheck.expr.latex import LatexError, parse_display
    from nncheck.extract import spec_name

    names = [parse_display(f"{text} = 1")[0].sides[0] for text in ("W^{(2)}_{new}", "b^{[2]}_{\\text{new}}")]
    assert [spec_name(getattr(n, "name", "")) for n in names] == ["W2_new", "b2_new"]
    with pytest.raises(LatexError, match="a subscript after a power"):
        parse_display("x^{2}_{1} = 3")


def test_a_capital_and_a_small_greek_letter_are_two_model_names() -> None:
    from nncheck.extract_model import model_name

    assert [model_name(n) for n in ("Θ", "θ", "η", "W_xh", "ŷ")] == ["Theta", "theta", "eta", "W_xh", "yhat"]
