"""Stage 1: the spec loader. Broken specs are small files in tests/samples/."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncheck.errors import SpecError
from nncheck.readers.spec import load_spec, parse_spec
from nncheck.readers.spec.yamlsafe import MAX_BYTES
from tests.helpers import BLOG, minimal_spec, sample

# (sample, line, column, words the message must contain): each location was checked by eye
# against the sample file; it points at the offending value or key.
BROKEN = [
    ("bad_activation.yaml", 9, 19, ["activation='rleu'", "expected one of: identity, relu"]),
    ("unknown_loss.yaml", 10, 9, ["loss='hinge'", "bce, mse, half_sse, cross_entropy"]),
    ("shapes_dont_chain.yaml", 10, 16, ["layer 2 weights have 3 columns", "receives 2 values"]),
    ("layer_out_of_range.yaml", 12, 15, ["'z3'", "layers 1 to 1"]),
    ("unknown_quantity.yaml", 12, 15, ["unknown quantity 'q1'", "expected one of: x, y, yhat"]),
    ("not_a_number.yaml", 13, 12, ["'abc' is not a decimal number"]),
    ("nan.yaml", 13, 12, ["'.nan'", "NaN and infinities"]),
    ("duplicate_key.yaml", 11, 3, ["duplicate key 'loss'"]),
    ("anchor.yaml", 4, 10, ["anchors and aliases are not accepted", "'x'"]),
    ("yaml_syntax.yaml", 14, 4, ["not valid YAML"]),
    ("value_shape.yaml", 13, 12, ["shape (2,)", "z1 has shape (1,)"]),
    ("needs_transposed.yaml", 13, 12, ["shape (2, 1)", "(1, 2)", "transposed: true"]),
    ("no_learning_rate.yaml", 12, 15, ["'W1_new'", "no learning_rate"]),
    ("index_out_of_range.yaml", 15, 12, ["index [1] is outside z1"]),
    ("unknown_top_key.yaml", 3, 1, ["unknown key 'titel'", "expected one of: nncheck, title"]),
    ("missing_step.yaml", 12, 5, ["missing 'step'"]),
    ("bad_expression.yaml", 17, 25, ["'-1.066 *× 0.0582'", "found '×'"]),
    ("wrong_version.yaml", 1, 10, ["nncheck=7", "reads format 1"]),
]


@pytest.mark.parametrize(("name", "line", "column", "words"), BROKEN, ids=[row[0].removesuffix(".yaml") for row in BROKEN])
def test_broken_spec_is_reported_at_its_location(name: str, line: int, column: int, words: list[str]) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(sample(name))
    problem = caught.value.problems[0]
    assert (problem.location.path, problem.location.line, problem.location.column) == (sample(name), line, column)
    for word in words:
        assert word in problem.message


def test_every_problem_is_reported_not_only_the_first(tmp_path) -> None:
    text = open(sample("tiny.yaml")).read().replace("activation: sigmoid", "activation: rleu").replace("loss: bce", "loss: hinge")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(str(path))
    assert [p.location.line for p in caught.value.problems] == [9, 10]


def test_file_over_the_size_cap_is_refused(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(SpecError, match="over 1,000,000 bytes"):
        load_spec(str(path))


def test_missing_file_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec("no/such/spec.yaml")


def test_printed_digits_are_kept() -> None:
    spec = parse_spec(minimal_spec("  - quantity: dyhat/dz2\n    value: 0.0580\n    step: s\n  - quantity: dyhat/dz2\n    value: '0.058'\n    step: s\n    id: second\n"))
    first, second = (claim.elements[0].printed for claim in spec.claims)
    assert (first.text, first.last_place) == ("0.0580", -4)
    assert (second.text, second.last_place) == ("0.058", -3)
    assert first.value == second.value == Fraction(58, 1000)


def test_blog_spec_loads_with_exact_weights() -> None:
    spec = load_spec(str(BLOG))
    assert spec.network.layers[0].weights == ((Fraction(1, 5), Fraction(2, 5)), (Fraction(1, 10), Fraction(3, 5)))
    assert spec.network.architecture.widths == (2, 2, 1)
    # The transposed claim maps the printed column onto W2's single row.
    dw2 = next(c for c in spec.claims if c.quantity == "dL/dW2")
    assert [(s.index, s.printed.text) for s in dw2.elements] == [((0, 0), "-0.0806"), ((0, 1), "-0.1116")]
    aliases = {c.id: c.quantity for c in spec.claims}
    assert aliases["yhat"] == "a2" and aliases["dL/dyhat"] == "dL/da2" and aliases["dyhat/dz2"] == "da2/dz2"


def test_uses_become_statements_of_the_used_quantity() -> None:
    spec = load_spec(str(BLOG))
    claim = next(c for c in spec.claims if c.id == "dL/da1")
    used = {s.ref: (s.quantity, s.printed.text, s.used_by) for s in claim.uses}
    assert used["dL/da1:dL/dz2"] == ("dL/dz2", "-0.039936", "dL/da1")


def test_scalar_fits_a_one_element_quantity_and_index_picks_an_element() -> None:
    spec = parse_spec(minimal_spec("  - quantity: dL/dW1\n    index: [1, 0]\n    value: -0.055\n    step: s\n"))
    (statement,) = spec.claims[0].elements
    assert statement.index == (1, 0)


def _tree(node):  # type: ignore[no-untyped-def]
    """A node as plain data: kind, tag, value, line and column (a plain scalar's style is None or "")."""
    mark = (node.start_mark.line, node.start_mark.column)
    kind = type(node).__name__
    if kind == "ScalarNode":
        return kind, node.tag, node.value, mark, node.style or None
    if kind == "SequenceNode":
        return kind, node.tag, mark, [_tree(item) for item in node.value]
    return kind, node.tag, mark, [(_tree(key), _tree(value)) for key, value in node.value]


C_PARSER_CASES = ["a: 1e3", "a: 017", "a: .5", "a: -.inf", "a: yes", "a: ~", "a: 0x1F", "a: '0.5'",
                  "a: >\n  folded\n", "a: 2001-12-14", "a: +5", "a: .NaN", "- [1, 2]\n- {x: -0.0580}"]
# Texts libyaml reads differently from the pure parser (line separators, tabs, directives, lone
# surrogates, empty values, "|#"): compose() must still give what the pure parser gives.
DIVERGENT = ['title: "blog\u2028post"\nx: 1', "x: 1 # note\u2028y: 2", "x: 1 # note\x85y: 2", "a:\t1", "%YAML 1.1\n---\na: yes",
             "a: \ud800", "? ", "a: \u00e9\nb:", "- |#x", "a: \U0001f600\nb: ", "\ufeffa: 1", "a: ''", "- !!!str 0.5",
             "- !!str! 0.5", "- !&! 0.5", "a: !!str 5"]


def _outcome(compose, text: str):  # type: ignore[no-untyped-def]
    try:
        return _tree(compose(text, "x.yaml"))
    except SpecError as error:
        return str(error)


def _c_parser_or_skip() -> None:
    import os

    try:
        import yaml._yaml  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("PyYAML with libyaml is not installed (pip install -e . installs it)")


@pytest.mark.parametrize("text", [BLOG.read_text(), *(open(sample(name)).read() for name in ("tiny.yaml", "value_shape.yaml")),
                                  *C_PARSER_CASES], ids=["blog", "tiny", "value_shape", *C_PARSER_CASES])
def test_c_parser_composes_the_same_nodes_as_the_pure_one(text: str) -> None:
    # Large specs are read with libyaml's C parser (PyYAML's binding) where it is installed; it must see
    # exactly what the pure parser sees: tags (YAML 1.2 numbers), texts and every line and column.
    from nncheck.readers.spec.yamlsafe import _compose

    _c_parser_or_skip()
    assert _tree(_compose(text, "x.yaml", pure=False)) == _tree(_compose(text, "x.yaml", pure=True))


@pytest.mark.parametrize("text", DIVERGENT, ids=[repr(t) for t in DIVERGENT])
def test_texts_libyaml_reads_differently_go_to_the_pure_parser(text: str) -> None:
    from nncheck.readers.spec.yamlsafe import _compose, compose

    _c_parser_or_skip()
    assert _outcome(compose, text) == _outcome(lambda t, p: _compose(t, p, pure=True), text)


YAML_PIECES = ["a", "b", ":", ": ", "- ", "[", "]", "{", "}", ",", " ", "\n", "\t", "'", '"', "#", "&x", "*x", "!!str ", "? ",
               "|", ">", "0.5", "1e3", "-", "%YAML 1.1\n", "---\n", "\u2028", "\x85", "\r\n", "\ufeff", "\u00e9", "\U0001f600",
               "yes", "~", "1:20", "\ud800", "!", "!!", "&", "'!"]


@given(st.lists(st.sampled_from(YAML_PIECES), min_size=1, max_size=25).map("".join))
def test_compose_gives_what_the_pure_parser_gives(text: str) -> None:
    # 180,000 such texts agreed when this was written (scratch fuzzing); the property keeps it so.
    from nncheck.readers.spec.yamlsafe import _compose, compose

    _c_parser_or_skip()
    assert _outcome(compose, text) == _outcome(lambda t, p: _compose(t, p, pure=True), text)


def test_yaml_errors_are_reported_as_the_pure_parser_words_them() -> None:
    # libyaml would say "did not find expected ',' or ']'" at 2:1; the pure parser's message is clearer.
    with pytest.raises(SpecError) as caught:
        parse_spec("a: [1, 2", "x.yaml")
    assert str(caught.value) == "x.yaml:1:9: not valid YAML: expected ',' or ']', but got '<stream end>'"


@pytest.mark.parametrize("identifier", ["z2:W2", "z1[0]", "a]"])
def test_ids_may_not_contain_the_characters_element_ids_are_made_with(identifier: str) -> None:
    # "z2:W2" as a claim id would be the id of claim z2's used W2: two numbers, one name.
    claims = (f"  - {{quantity: z2, value: 2.73, step: s, uses: {{W2: [[0.7, 0.9]]}}}}\n"
              f"  - {{quantity: W2, value: [[0.7, 0.9]], step: t, id: '{identifier}'}}\n")
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal_spec(claims), "x.yaml")
    assert f"id {identifier!r} contains ':', '[' or ']'" in str(caught.value)
    equation = f"equations:\n  - {{id: '{identifier}', expression: '1 + 1', value: 2, step: s}}\n"
    with pytest.raises(SpecError, match="contains ':', '\\[' or '\\]'"):
        parse_spec(minimal_spec("  []", extra=equation), "x.yaml")


def test_quantity_names_are_read_once_into_records() -> None:
    from nncheck.quantities import Architecture, Quantity, accepted_names, layer_of, parse, shape

    assert parse("dz2/da1") == Quantity("dz2/da1", "dz/da", 2)
    assert (parse("W1_new").family, parse("b2_new").family, parse("L").layer) == ("W_new", "b_new", None)
    assert (layer_of("z3", "z"), layer_of("a3", "z"), layer_of("W2", "W", "b")) == (3, None, 2)
    # Shapes for widths 2-3-1, by hand: W2 is 1×3, ∂z2/∂a1 is W2's shape, ∂z2/∂W2 is a1's, ∂a1/∂z1 elementwise.
    arch = Architecture(widths=(2, 3, 1))
    expected = {"W2": (1, 3), "dz2/da1": (1, 3), "dz2/dW2": (3,), "da1/dz1": (3,), "dL/dW1": (3, 2), "b1_new": (3,), "L": ()}
    assert {name: shape(name, arch) for name in expected} == expected
    assert all(parse(name).name == name for name in accepted_names(arch) if name not in ("x", "yhat", "dL/dyhat"))


@given(st.sampled_from(["", "-", "+", "\u2212"]), st.integers(0, 10**12), st.integers(0, 9), st.one_of(st.none(), st.integers(-300, 300)))
def test_a_printed_decimal_is_read_exactly(sign: str, whole: int, decimals: int, exponent: int | None) -> None:
    """parse_printed against the decimal module (exact): value and the place of the last digit."""
    from decimal import Decimal

    from nncheck.printed import parse_printed

    digits = str(whole).zfill(decimals + 1)
    text = sign + (digits[:-decimals] + "." + digits[-decimals:] if decimals else digits) + (
        "" if exponent is None else f"e{exponent}")
    printed = parse_printed(text)
    assert printed.value == Fraction(Decimal(text.replace("\u2212", "-")))
    assert printed.last_place == (exponent or 0) - decimals


@given(st.from_regex(r"-?[0-9]{1,40}(?:\.[0-9]{0,40})?", fullmatch=True), st.sampled_from(["{}", "'{}'", '"{}"']))
def test_a_plain_decimal_is_a_number_to_yaml_whatever_its_digits(digits: str, quoting: str) -> None:
    # The readers take a plain decimal from the C composer without resolving its tag (nncheck/readers/spec/nodes.py):
    # the pure parser, with its own resolver, must call every such text an int, a float or (quoted) a string.
    from nncheck.printed import PLAIN_DECIMAL
    from nncheck.readers.spec.nodes import TEXT_TAGS
    from nncheck.readers.spec.yamlsafe import _compose

    assert PLAIN_DECIMAL.pattern == r"-?[0-9]{1,40}(?:\.[0-9]{0,40})?"  # the strategy's pattern
    node = _compose("a: " + quoting.format(digits), "x.yaml", pure=True).value[0][1]
    assert node.value == digits and str(node.tag) in TEXT_TAGS


@given(st.lists(st.sampled_from(YAML_PIECES + ["|#", ">-#", "|+2 #", "\n%", "%", "\r%", "#", "|", ">"]), min_size=0,
                max_size=25).map("".join))
def test_the_ascii_check_for_what_libyaml_reads_differently_is_the_pattern(text: str) -> None:
    from nncheck.readers.spec.yamlsafe import _C_DIFFERS, _differs

    assert _differs(text) == (_C_DIFFERS.search(text) is not None)


@pytest.mark.parametrize(("value", "column", "message"), [
    # Column 18 is the second entry of "    value: [0.1, …]" (the list opens at column 12).
    ("[0.1, {a: 1}]", 18, "value of 'z1'[1] must be a number, found a mapping"),
    ("[0.1, [0.2]]", 18, "value of 'z1'[1] must be a number, found a list"),
    ("[0.1, !foo 0.5]", 18, "value of 'z1'[1] must be a number, found '0.5' tagged !foo"),
    ("[0.1, !!binary aGk=]", 18, "value of 'z1'[1] must be a number, found 'aGk=' tagged !!binary"),
    ("[[0.1], 0.2]", 20, "row 1 of value of 'z1' must be a list, found '0.2'"),
])
def test_a_value_that_is_not_a_number_is_named_where_it_stands(value: str, column: int, message: str) -> None:
    claims = f"  - quantity: z1\n    value: {value}\n    step: s\n"
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal_spec(claims), "x.yaml")
    line = minimal_spec(claims).splitlines().index(f"    value: {value}") + 1
    assert str(caught.value) == f"x.yaml:{line}:{column}: {message}"
