"""What editors read: the schemas' titles, descriptions, examples and defaults, and `tariff schema`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, SHIPPED_SCHEMAS, TARIFFS

from engine.cli import main

SCHEMAS = ROOT / "schemas"
TARIFF_SCHEMA = json.loads((SCHEMAS / "tariff.schema.json").read_text())
NO_DEFAULT = {"currency", "rounding", "scale", "mode", "apply", "price_after", "effective_from", "id", "version"}


def properties(node: Any, path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, key, schema) of every property an author writes; `if` branches only select and are skipped."""
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            yield f"{path}.{key}", key, value
        for key, value in node.items():
            if key not in ("if", "properties"):
                yield from properties(value, f"{path}.{key}" if key != "definitions" else path)
        for key, value in node.get("properties", {}).items():
            yield from properties(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from properties(value, f"{path}[{index}]")


TARIFF_PROPERTIES = sorted({path: (key, schema) for path, key, schema in properties(TARIFF_SCHEMA)}.items())


def validator_for(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    """A validator for one property's schema, able to follow `#/definitions/...`."""
    return jsonschema.Draft7Validator({**schema, "definitions": TARIFF_SCHEMA["definitions"]})


@pytest.mark.parametrize("name", ["tariff", "usage", "invoice", "scenarios"])
def test_the_schemas_are_valid_draft_7(name):
    jsonschema.Draft7Validator.check_schema(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def test_every_key_an_author_writes_has_a_title_and_a_description():
    lacking = [path for path, (_, schema) in TARIFF_PROPERTIES if "title" not in schema or "description" not in schema]
    assert lacking == []


def test_examples_and_defaults_are_valid_values_of_their_key():
    for path, (_, schema) in TARIFF_PROPERTIES:
        validator = validator_for(schema)
        for example in schema.get("examples", []):
            assert validator.is_valid(example), (path, example)
        if "default" in schema:
            assert validator.is_valid(schema["default"]), path


def test_only_truly_optional_keys_have_a_default():
    with_default = {key for _, (key, schema) in TARIFF_PROPERTIES if "default" in schema}
    assert with_default & NO_DEFAULT == set()
    required = {key for _, (_, schema) in TARIFF_PROPERTIES for key in schema.get("required", [])}
    required |= set(TARIFF_SCHEMA["required"])
    assert with_default & required == set()
    assert {"included", "round", "series", "minimum", "meters", "options", "attributes", "unit"} <= with_default


@pytest.mark.parametrize(
    ("path", "schema"),
    [(TARIFFS / "tencent-im" / "2022-01-01.yaml", "tariff"), (TARIFFS / "tencent-im" / "scenarios.yaml", "scenarios")],
)
def test_shipped_files_carry_the_schema_comment(path: Path, schema: str):
    first = path.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    assert (path.parent / first.removeprefix(prefix)).resolve() == (SCHEMAS / f"{schema}.schema.json").resolve()


def test_tariff_schema_prints_the_tariff_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == TARIFF_SCHEMA


def test_tariff_schema_prints_another_schema_or_its_path(capsys):
    assert main(["schema", "--name", "scenarios"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Golden scenarios"
    assert main(["schema", "--path"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == (SHIPPED_SCHEMAS / "tariff.schema.json").resolve()
    assert printed.read_bytes() == (SCHEMAS / "tariff.schema.json").read_bytes()
