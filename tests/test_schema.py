"""The JSON Schema of spec files: valid itself, accepts every shipped spec, refuses what the loader refuses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from nncheck.errors import SpecError
from nncheck.network.rules import LAYER_ACTIVATIONS as ACTIVATIONS, LAYER_LOSSES as LOSSES
from nncheck.printed import DECIMAL
from nncheck.readers.spec import FORMAT_VERSION, parse_spec

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "nncheck" / "readers" / "spec" / "schema.json"
SPECS = sorted((ROOT / "specs").glob("*.yaml"))

# A small complete spec; the broken specs below each change one thing in it.
MINIMAL = """\
nncheck: 1
title: minimal
network:
  input: [1, 2]
  target: 1
  layers:
    - weights: [[0.5, -0.25]]
      bias: 0.1
      activation: sigmoid
  loss: bce
claims:
  - quantity: z1
    value: "0.10"
    step: linear
"""

BROKEN = {
    "unknown activation": MINIMAL.replace("activation: sigmoid", "activation: gelux"),
    "unknown top-level key": MINIMAL + "author: someone\n",
    "missing claims": MINIMAL.split("claims:")[0],
    "unknown loss": MINIMAL.replace("loss: bce", "loss: hingex"),
    "unknown claim key": MINIMAL.replace("step: linear", "step: linear\n    note: typo"),
    "number that is not a decimal": MINIMAL.replace('"0.10"', '"0.1O"'),
    "format version 2": MINIMAL.replace("nncheck: 1", "nncheck: 2"),
}


def plain(text: str) -> Any:
    """The YAML as plain data (dicts, lists, str, int, float), as an editor's validator sees it."""
    return YAML(typ="safe", pure=True).load(text)


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def test_schema_is_draft7_and_matches_the_loaders_choices(validator: Draft7Validator) -> None:
    schema = validator.schema
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    definitions = schema["definitions"]
    assert definitions["layer"]["properties"]["activation"]["enum"] == list(ACTIVATIONS)
    assert definitions["network"]["properties"]["loss"]["enum"] == list(LOSSES)
    assert schema["properties"]["nncheck"]["const"] == FORMAT_VERSION


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_shipped_specs_are_valid(validator: Draft7Validator, path: Path) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(plain(path.read_text(encoding="utf-8")))]
    assert errors == []


def test_there_are_specs_to_check() -> None:
    assert SPECS, "no specs/*.yaml found"


def test_minimal_spec_is_valid_for_schema_and_loader(validator: Draft7Validator) -> None:
    assert list(validator.iter_errors(plain(MINIMAL))) == []
    parse_spec(MINIMAL, "minimal.yaml")


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_specs_are_refused_by_schema_and_loader(validator: Draft7Validator, text: str) -> None:
    assert not validator.is_valid(plain(text))
    with pytest.raises(SpecError):
        parse_spec(text, "broken.yaml")


@pytest.mark.parametrize("text", ["0.0580", "-1.066", "+3", "\u22120.5", "1.2e-3", "7.", ".5", "1,5", "0x1A", "nan", "", "1e", "--1"])
def test_printed_pattern_agrees_with_the_loader(validator: Draft7Validator, text: str) -> None:
    pattern = validator.schema["definitions"]["printed"]["anyOf"][1]["pattern"]
    assert bool(re.search(pattern, text)) == bool(DECIMAL.match(text))
