"""Hostile and broken specs: nothing runs, nothing crashes, nothing hangs or balloons."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncheck.audit import audit
from nncheck.errors import NncheckError, SpecError
from nncheck.report import FORMATS, renderer
from nncheck.site import build_site
from nncheck.readers.spec import parse_spec
from tests.helpers import BLOG, FUZZ, ROOT, sample

PAYLOAD = "__import__('os').system('touch PWNED')"
TINY = Path(sample("tiny.yaml")).read_text()
LOCATED = re.compile(r"^[^\n]+\.yaml:\d+:\d+: ")

# Every string a spec carries, each replaced in turn by the payload (quoted as YAML text).
INJECTIONS = {
    "title": ("title: tiny", f"title: {json.dumps(PAYLOAD)}"),
    "source": ("title: tiny", f"title: tiny\nsource: {json.dumps(PAYLOAD)}"),
    "step": ("    step: z", f"    step: {json.dumps(PAYLOAD)}"),
    "latex": ("    step: z", f"    step: z\n    latex: {json.dumps(PAYLOAD)}"),
    "id": ("    step: z", f"    step: z\n    id: {json.dumps(PAYLOAD)}"),
    "quantity": ("quantity: z1", f"quantity: {json.dumps(PAYLOAD)}"),
    "value": ("value: 0.1", f"value: {json.dumps(PAYLOAD)}"),
    "activation": ("activation: sigmoid", f"activation: {json.dumps(PAYLOAD)}"),
    "loss": ("loss: bce", f"loss: {json.dumps(PAYLOAD)}"),
    "uses-key": ("    step: z", f"    step: z\n    uses: {{{json.dumps(PAYLOAD)}: 1}}"),
    "expression": ("claims:", f"equations:\n  - {{id: e, expression: {json.dumps(PAYLOAD)}, value: 1, step: s}}\nclaims:"),
    "python-tag": ("title: tiny", "title: !!python/object/apply:os.system ['touch PWNED']"),
    "python-tag-number": ("value: 0.1", "value: !!python/object/apply:os.system ['touch PWNED']"),
}


@pytest.mark.parametrize("field", sorted(INJECTIONS))
def test_no_spec_text_is_ever_executed(field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = INJECTIONS[field]
    assert old in TINY
    monkeypatch.chdir(tmp_path)
    try:
        spec = parse_spec(TINY.replace(old, new, 1), "hostile.yaml")
        result = audit(spec)
        for name in FORMATS:
            renderer(name)(result, io.StringIO(), True)
        build_site([(spec, result)])
    except NncheckError as error:
        assert LOCATED.match(str(error)), str(error)
    assert not (tmp_path / "PWNED").exists()


def _big_matrix() -> str:
    rows = ", ".join("[" + ", ".join(["0.1"] * 200) + "]" for _ in range(200))
    bias = "[" + ", ".join(["0.1"] * 200) + "]"
    return (TINY.replace("[[0.5, -0.25]]", f"[{rows}]").replace("bias: 0.1", f"bias: {bias}")
            .replace("input: [1, 2]", "input: [" + ", ".join(["1"] * 200) + "]"))


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    return "\n".join(lines) + "\n" + TINY


def _many_statements() -> str:
    return TINY + "".join(f"  - {{quantity: z1, value: 0.1, step: s, id: c{i}}}\n" for i in range(60))


# name -> (spec text, words the error must contain)
HOSTILE = {
    "deep-nesting": ("title: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than"),
    "million-digits": (TINY.replace("value: 0.1", "value: 1" + "0" * 990_000), "digits"),
    "huge-exponent": (TINY.replace("value: 0.1", "value: 1e999999"), "exponent"),
    "nan": (TINY.replace("value: 0.1", "value: .nan"), "NaN"),
    "infinity": (TINY.replace("value: 0.1", "value: -.inf"), "NaN and infinities"),
    "huge-matrix": (_big_matrix(), "weights and biases"),
    "alias-bomb": (_alias_bomb(), "anchors and aliases"),
    "deep-expression": (TINY + "equations:\n  - {id: e, value: 1, step: s, expression: '" + "(" * 60 + "1" + ")" * 60 + "'}\n",
                        "nested deeper"),
    "long-expression": (TINY + "equations:\n  - {id: e, value: 1, step: s, expression: '" + "1+" * 5000 + "1'}\n",
                        "characters long"),
    "one-element-stated-60-times": (_many_statements(), "stated more than 50 times"),
    "over-size-cap": ("# " + "x" * 1_000_001 + "\n", "bytes"),
}
# Each hostile file is refused in well under a second here; the test enforces these ceilings.
CPU_SECONDS = 5
MEMORY_MIB = 512
CHILD = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_MIB} * 2**20,) * 2)
resource.setrlimit(resource.RLIMIT_CPU, ({CPU_SECONDS}, {CPU_SECONDS}))
from nncheck.cli import main
sys.exit(main(["audit", sys.argv[1]]))
"""


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_spec_is_refused_within_bounded_time_and_memory(name: str, tmp_path: Path) -> None:
    text, words = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stderr.startswith(f"{path}:") and re.match(r"^[^\n]*:\d+:\d+: ", done.stderr), done.stderr[:500]
    assert words in done.stderr, done.stderr[:500]
    assert "Traceback" not in done.stderr


def _check_contract(text: str) -> None:
    """Every input ends in an audit or a located NncheckError, never another exception."""
    FUZZ["inputs"] += 1
    try:
        audit(parse_spec(text, "fuzz.yaml"))
    except SpecError as error:
        assert all(p.location.line >= 1 and p.location.column >= 1 for p in error.problems)
    except NncheckError as error:
        assert LOCATED.match(str(error)), str(error)


KEYS = ["nncheck", "title", "network", "claims", "equations", "input", "target", "layers", "loss", "weights", "bias",
        "activation", "quantity", "value", "step", "uses", "index", "transposed", "id", "expression", "latex", "line",
        "learning_rate", "conventions", "relu_grad_at_zero", "update_biases", "negative_slope", "source"]
WORDS = ["relu", "sigmoid", "bce", "mse", "softmax", "z1", "a1", "yhat", "dL/dW1", "L", "1", "0.5", "-2", "1e3", "x"]
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-10, 10) | st.sampled_from(WORDS) | st.text(max_size=8)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5), max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(KEYS), documents, max_size=6))
def test_fuzz_random_yaml_structures(document: dict) -> None:
    _check_contract(json.dumps(document))  # JSON is YAML


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_mutations_of_a_valid_spec(data: st.DataObject) -> None:
    lines = BLOG.read_text().splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "splice"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif lines[i]:
            k = data.draw(st.integers(0, len(lines[i]) - 1))
            piece = data.draw(st.sampled_from(["0", "-", ".", "[", "]", "{", ":", " ", "nan", "&a", "*a", "'", "\t", "9" * 40, "1e400"]))
            lines[i] = lines[i][:k] + piece + lines[i][k + 1:]
    _check_contract("\n".join(lines))


def test_output_writes_only_the_path_given(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    target = tmp_path / "out" / ".." / "report.json"
    (tmp_path / "out").mkdir()
    status, _, _ = run_cli("audit", str(BLOG), "--format", "json", "--output", str(target))
    assert status == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "report.json"]
    assert list((tmp_path / "out").iterdir()) == []


def test_coverage_guided_fuzzing_finds_no_crash(tmp_path: Path) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("atheris", reason="atheris is not installed (pip install -e '.[test]' installs it)")
    scratch = tmp_path / "corpus"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fuzz" / "fuzz_spec.py"), "-runs=3000", "-max_total_time=120", "-seed=1", f"-artifact_prefix={tmp_path}/",
         str(scratch), str(ROOT / "tests" / "fuzz" / "corpus")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = re.search(r"Done (\d+) runs", done.stderr)
    assert runs is not None, done.stderr[-1000:]
    FUZZ["inputs"] += int(runs.group(1))


CONTROL = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\x7f"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CONTROL), st.integers(0, 10**6))
def test_a_control_character_is_located_where_it_is(character: str, where: int) -> None:
    """Any C0 control character (but tab and line breaks) or DEL anywhere in a spec: one line, at its own line and
    column (counted here from the text), never 1:1 with a second, unlocated line."""
    text = BLOG.read_text(encoding="utf-8")
    position = where % (len(text) + 1)
    hostile = text[:position] + character + text[position:]
    line = hostile.count("\n", 0, position) + 1
    column = position - (hostile.rfind("\n", 0, position) + 1) + 1
    with pytest.raises(SpecError) as caught:
        parse_spec(hostile, "spec.yaml")
    message = str(caught.value)
    assert message == f"spec.yaml:{line}:{column}: not valid YAML: the control character U+{ord(character):04X} is not allowed in YAML"


# Arithmetic a spec's equation may ask for that has no value, or one beyond any float, or that no precision settles:
# each ends in a verdict with its reason (never an exception, never a loop), by hand: (expression, printed, verdict,
# words of its note or its exact value).
ARITHMETIC = [
    ("1/0", "1", "wrong", "division by exactly zero"),
    ("0^-1", "1", "wrong", "undefined"),
    ("log(0)", "1", "wrong", "log of 0"),
    ("log(-1)", "1", "wrong", "log of -1"),
    ("log(exp(1) - 3)", "1", "wrong", "log of a negative number"),
    ("sqrt(-1)", "1", "wrong", "negative"),
    ("(-8)^(1/3)", "1", "wrong", "not positive"),
    ("exp(1e100)", "1", "wrong", "e+43429448190325182765"),
    ("sigmoid(-1e100)", "0", "holds", "e-43429448190325182765"),
    ("2^2^2^2^2", "1", "wrong", "2.00352993041e+19728"),
    ("10^(10^10)", "1", "wrong", "1.00000000000e+10000000000"),
    ("max(exp(1), exp(1))", "2.718", "holds", "2.718"),
    ("min(exp(1), exp(1))", "2.718", "holds", "2.718"),
    ("exp(-1e10)", "0", "holds", "e-4342944820"),
    ("1.003468^-283227743273", "0", "holds", "e-425840744"),
    ("sqrt(exp(1) - exp(1))", "0", "undecided", ""),
]
ARITHMETIC_CHILD = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({CPU_SECONDS * 6}, {CPU_SECONDS * 6}))
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_MIB} * 2**20,) * 2)
from nncheck.audit import audit
from nncheck.readers.spec import parse_spec
found = []
for expression, value in json.loads(sys.argv[1]):
    text = ("nncheck: 1\\ntitle: t\\nnetwork:\\n  input: 1\\n  target: 1\\n  layers:\\n"
            "    - {{weights: [[1]], bias: 0, activation: identity}}\\n  loss: half_sse\\nclaims: []\\nequations:\\n"
            f"  - {{{{id: e, expression: '{{expression}}', value: '{{value}}', step: s}}}}\\n")
    verdict = audit(parse_spec(text)).verdicts[0]
    found.append([verdict.kind.key, verdict.exact + " " + " ".join(r.message for r in verdict.remarks)])
print(json.dumps(found))
"""


def test_every_arithmetic_failure_ends_in_a_verdict_with_its_reason() -> None:
    """One child process, under the CPU and memory ceilings above, audits each equation; an exception or a loop
    would end it early."""
    cases = [[expression, printed] for expression, printed, _, _ in ARITHMETIC]
    done = subprocess.run([sys.executable, "-c", ARITHMETIC_CHILD, json.dumps(cases)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    for (expression, _, kind, words), (got, detail) in zip(ARITHMETIC, found):
        assert got == kind and words in detail, (expression, got, detail)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32))
def test_fuzz_equations_of_extreme_magnitude_and_pages(seed: int) -> None:
    """tests/fuzz/campaign.py's generators (spec equations with 1e300, towers of powers and cancelling logs; mutated
    specs; pages of math pieces): every input ends in an audit or a located NncheckError."""
    sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
    try:
        import campaign
    finally:
        sys.path.pop(0)
    path, text = campaign.draw(seed)
    if path == "adversarial.md":
        return  # a megabyte of one delimiter: test_markdown's linear-time test, in a child process
    from nncheck.readers import parse

    FUZZ["inputs"] += 1
    try:
        audit(parse(text, path), diagnose=3)
    except SpecError as error:
        assert all(p.location.line >= 1 and p.location.column >= 1 for p in error.problems)
    except NncheckError as error:
        assert LOCATED.match(str(error)), str(error)
