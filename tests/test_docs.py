"""Every YAML example in the docs is a spec that loads and audits (unless it says it is a fragment)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from nncheck.audit import audit
from nncheck.readers.spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FRAGMENT = "# fragment"
OPENING = re.compile(r"^(?P<indent>[ \t]*)```yaml[ \t]*$")


def yaml_blocks(path: Path) -> list[tuple[int, str]]:
    """Each fenced ```yaml block of a Markdown file: the line of its opening fence, and its text."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        opening = OPENING.match(lines[number])
        number += 1
        if opening is None:
            continue
        start, body = number, []
        while number < len(lines) and lines[number].strip() != "```":
            body.append(lines[number])
            number += 1
        assert number < len(lines), f"{path.name}:{start}: unclosed ```yaml block"
        number += 1
        blocks.append((start, textwrap.dedent("\n".join(body)) + "\n"))
    return blocks


BLOCKS = [(path, line, text) for path in sorted(DOCS.glob("*.md")) for line, text in yaml_blocks(path)]
SPECS = [(path, line, text) for path, line, text in BLOCKS if text.splitlines()[:1] != [FRAGMENT]]
IDS = [f"{path.name}:{line}" for path, line, _ in SPECS]


def test_spec_page_has_complete_examples() -> None:
    assert any(path.name == "spec.md" for path, _, _ in SPECS), "docs/spec.md has no complete ```yaml spec"


@pytest.mark.parametrize(("path", "line", "text"), SPECS, ids=IDS)
def test_example_loads_and_audits(path: Path, line: int, text: str) -> None:
    # Padded with blank lines so the loader's locations are lines of the Markdown file.
    spec = parse_spec("\n" * line + text, f"docs/{path.name}")
    result = audit(spec)
    assert result.verdicts, "an example spec should record at least one number"


@pytest.mark.parametrize(("path", "line", "text"), SPECS, ids=IDS)
def test_example_is_valid_for_the_schema(path: Path, line: int, text: str) -> None:
    schema = json.loads((ROOT / "nncheck" / "readers" / "spec" / "schema.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(YAML(typ="safe", pure=True).load(text))]
    assert errors == []


PYTHON = re.compile(r"^```python[ \t]*$")


def python_blocks(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, number = [], 0
    while number < len(lines):
        number += 1
        if not PYTHON.match(lines[number - 1]):
            continue
        start, body = number, []
        while lines[number].strip() != "```":
            body.append(lines[number])
            number += 1
        blocks.append((start, "\n".join(body) + "\n"))
    return blocks


PYTHON_BLOCKS = [(path, line, text) for path in sorted(DOCS.glob("*.md")) for line, text in python_blocks(path)]


@pytest.mark.parametrize(("path", "line", "text"), PYTHON_BLOCKS, ids=[f"{p.name}:{n}" for p, n, _ in PYTHON_BLOCKS])
def test_python_example_runs(path: Path, line: int, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own documentation's examples, run from the repository root as a reader would."""
    monkeypatch.chdir(ROOT)
    code = compile("\n" * (line - 1) + text, str(path), "exec")
    exec(code, {"__name__": "docs_example"})  # noqa: S102 - the project's own docs, not user input


def test_docs_have_python_examples() -> None:
    assert any(path.name == "testing.md" for path, _, _ in PYTHON_BLOCKS)


def test_the_vocabulary_tables_in_the_spec_page_are_generated_from_the_rule_tables() -> None:
    """docs/spec.md shows what `python -m nncheck.vocabulary` prints: every row of every table, nothing stale."""
    from nncheck.expr.operations import OPERATIONS
    from nncheck.network.rules import ACTIVATIONS, LOSSES
    from nncheck.vocabulary import rewritten

    text = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert rewritten(text) == text, "run: python -m nncheck.vocabulary --write docs/spec.md"
    for name in [*ACTIVATIONS, *LOSSES]:
        assert f"| `{name}` |" in text
    for row in OPERATIONS.values():
        assert f"| `{row.signature}` |" in text
