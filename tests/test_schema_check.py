"""The compiled schema check (jsonschema_rs) is never laxer than the Python validator.

`check_document` returns no diagnostics at once when the compiled check accepts a document,
and asks the Python validator to word the problems otherwise: so whatever the compiled check
accepts must be what the Python validator accepts, or a broken tariff would load.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, TARIFFS
from hypothesis import given
from hypothesis import strategies as st

from engine.language.schema import _compiled_check, _validator, check_tariff  # the two validators compared
from engine.language.source import Source, parse_yaml

IM = TARIFFS / "tencent-im" / "2022-01-01.yaml"
VERSION_FILES = sorted(p for p in [*TARIFFS.rglob("*.yaml"), *FIXTURES.rglob("*.yaml")] if p.stem[:4].isdigit() and "hostile" not in p.parts)
SCENARIO_FILES = sorted([*TARIFFS.rglob("scenarios.yaml"), *FIXTURES.rglob("scenarios.yaml")])


def read(path: Path) -> Any:
    data, problems = parse_yaml(path.read_bytes(), path.name)
    assert problems == []
    return data


def python_accepts(name: str, document: Any) -> bool:
    return not any(True for _ in _validator(name).iter_errors(document))


def compiled_accepts(name: str, document: Any) -> bool:
    accepts = _compiled_check(name)
    assert accepts is not None, "jsonschema_rs is a dependency of the engine"
    return accepts(document)


@pytest.mark.parametrize("path", VERSION_FILES, ids=lambda path: str(path.relative_to(path.parents[2])))
def test_the_two_checks_agree_on_every_tariff_file(path: Path) -> None:
    document = read(path)
    assert compiled_accepts("tariff", document) == python_accepts("tariff", document)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: str(path.relative_to(path.parents[2])))
def test_the_two_checks_agree_on_every_scenarios_file(path: Path) -> None:
    document = read(path)
    assert compiled_accepts("scenarios", document) == python_accepts("scenarios", document)


def test_a_whole_decimal_where_an_integer_is_required_is_refused_as_before() -> None:
    raw = IM.read_bytes().replace(b"  scale: 2\n", b"  scale: 2.0\n")
    data, _ = parse_yaml(raw, "tencent-im/2022-01-01.yaml")
    assert not compiled_accepts("tariff", data)  # jsonschema_rs alone counts 2.0 as an integer
    (problem,) = check_tariff(Source("tencent-im/2022-01-01.yaml", raw, data))
    assert str(problem) == (
        "tencent-im/2022-01-01.yaml:30:10: error: rounding.scale: expected a whole number, got number 2.0 [schema]\nhint: Decimals kept (2 = cents)"
    )


_VALUES = st.sampled_from(
    [Decimal("2.0"), Decimal("0"), Decimal("-1"), Decimal("0.001"), Decimal("1E+3"), 0, 1, -1, 10**12 + 1, True, None, "", "x", "2022-01-01",
     "USD", "per_unit", "max", [], ["pro"], ["pro", "pro"], {}, {"price": Decimal("1.00")}]
)  # fmt: skip


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    found = [path]
    for key, item in children:
        found += _paths(item, (*path, key))
    return found


@given(st.data())
def test_an_edited_tariff_the_compiled_check_accepts_the_python_validator_accepts(data: st.DataObject) -> None:
    document = copy.deepcopy(dict(read(IM)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)[1:]))
        holder = document
        for key in path[:-1]:
            holder = holder[key]
        if isinstance(holder, dict) and data.draw(st.booleans()):
            holder[data.draw(st.sampled_from(["extra", "price", "scale", "editions", "model"]))] = copy.deepcopy(data.draw(_VALUES))
        else:
            holder[path[-1]] = copy.deepcopy(data.draw(_VALUES))
    if compiled_accepts("tariff", document):
        assert python_accepts("tariff", document)
