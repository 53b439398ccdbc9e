"""The cache of validated tariff documents: same tariff, same diagnostics, never in the way."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import TARIFFS

import engine
from engine.language import cache
from engine.language.catalog import check_path, is_version_file
from engine.language.source import load_source

MIXED = Path(__file__).resolve().parent / "fixtures" / "fastpath" / "mixed"
PRO = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TARIFF_ENGINE_CACHE", raising=False)
    return tmp_path / "xdg" / "tariff-engine" / "tariffs"


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def edit_entry(directory: Path, change: Any) -> None:
    """Change an entry as a person with a text editor would (its numbers stay JSON numbers)."""
    (entry,) = entries(directory)
    data = json.loads(entry.read_text("utf-8"), parse_float=Decimal)
    change(data)
    document = data.pop("document")
    entry.write_text(json.dumps(data)[:-1] + ', "document": ' + cache._json(document) + "}", "utf-8")


def test_a_second_load_reads_the_cache_and_gives_the_same_tariff(cache_dir):
    first, first_problems = check_path(MIXED)
    assert len(entries(cache_dir)) == 1
    second, second_problems = check_path(MIXED)
    assert second == first
    assert [str(d) for d in second_problems] == [str(d) for d in first_problems]
    assert [d.rule for d in second_problems] == ["unused-option"]
    usage = {
        "account": "a",
        "period": "2024-03",
        "edition": "plus",
        "usage": {"storage_gb": 1500, "calls": 90000, "users": 150, "minutes": 5},
    }
    assert engine.quote(second, usage).to_json() == engine.quote(first, usage).to_json()


def test_what_a_hit_loads_is_the_cached_document(cache_dir):
    engine.load_tariff(TARIFFS / "tencent-im")
    edit_entry(cache_dir, lambda data: data["document"].__setitem__("description", "read from the cache"))
    assert engine.load_tariff(TARIFFS / "tencent-im").versions[0].description == "read from the cache"


@pytest.mark.parametrize("directory", [TARIFFS / "tencent-im", MIXED])
def test_cached_positions_are_the_yaml_positions(cache_dir, directory):
    (path,) = [path for path in directory.glob("*.yaml") if is_version_file(path)]
    source, _ = load_source(path)
    assert source is not None
    engine.load_tariff(directory)
    cached = cache.lookup(source.raw, source.name)
    assert cached is not None and cached.data == source.data
    for where in [
        *_paths(source.data, []),
        [],
        ["charges", "nope"],
        ["charges", "plan", "editions", "pro", "price", "x"],
        ["meters", "dau", 0],
    ]:
        assert cached.position(where) == source.position(where), where
        assert cached.position(where, key=True) == source.position(where, key=True), where


def _paths(node: Any, path: list[Any]) -> list[list[Any]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    found = []
    for key, item in children:
        found += [[*path, key], *_paths(item, [*path, key])]
    return found


def test_a_corrupt_entry_is_ignored_and_replaced(cache_dir):
    engine.load_tariff(TARIFFS / "tencent-im")
    (entry,) = entries(cache_dir)
    entry.write_text('{"format": 1, "document": [', "utf-8")
    assert engine.quote(engine.load_tariff(TARIFFS / "tencent-im"), PRO).total == Decimal("1799.96")
    assert json.loads(entry.read_text("utf-8"))["document"]["id"] == "tencent-im"


def test_an_entry_that_does_not_load_is_ignored_and_replaced(cache_dir):
    engine.load_tariff(TARIFFS / "tencent-im")
    edit_entry(cache_dir, lambda data: data["document"]["charges"]["plan"]["editions"]["pro"].__setitem__("price", "449.99"))
    assert engine.quote(engine.load_tariff(TARIFFS / "tencent-im"), PRO).total == Decimal("1799.96")
    (entry,) = entries(cache_dir)
    assert '"price":449.99' in entry.read_text("utf-8")


def test_an_entry_written_by_another_engine_is_not_read(cache_dir):
    engine.load_tariff(TARIFFS / "tencent-im")
    edit_entry(cache_dir, lambda data: data.update(engine="another engine", document={**data["document"], "description": "stale"}))
    assert engine.load_tariff(TARIFFS / "tencent-im").versions[0].description != "stale"


def test_the_cache_can_be_switched_off(cache_dir, monkeypatch):
    monkeypatch.setenv("TARIFF_ENGINE_CACHE", "off")
    engine.load_tariff(TARIFFS / "tencent-im")
    assert not cache_dir.exists()


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert engine.quote(engine.load_tariff(TARIFFS / "tencent-im"), PRO).total == Decimal("1799.96")


def test_a_broken_tariff_is_never_cached_and_always_reported_alike(cache_dir, tmp_path, monkeypatch):
    broken = tmp_path / "tencent-im"
    shutil.copytree(TARIFFS / "tencent-im", broken)
    version = broken / "2022-01-01.yaml"
    version.write_text(version.read_text("utf-8").replace("block_size: 10000", "block_size: -10000"), "utf-8")
    with pytest.raises(engine.TariffError) as first:
        engine.load_tariff(broken)
    with pytest.raises(engine.TariffError) as second:
        engine.load_tariff(broken)
    monkeypatch.setenv("TARIFF_ENGINE_CACHE", "off")
    with pytest.raises(engine.TariffError) as uncached:
        engine.load_tariff(broken)
    assert entries(cache_dir) == []
    assert str(first.value) == str(second.value) == str(uncached.value)
    assert "tencent-im/2022-01-01.yaml:109:" in str(first.value)


def test_a_cached_document_in_a_misnamed_file_is_still_refused(cache_dir, tmp_path):
    engine.load_tariff(TARIFFS / "tencent-im")
    misnamed = tmp_path / "tencent-im"
    misnamed.mkdir()
    shutil.copy(TARIFFS / "tencent-im" / "2022-01-01.yaml", misnamed / "2023-01-01.yaml")
    with pytest.raises(engine.TariffError) as refused:
        engine.load_tariff(misnamed)
    assert "file 2023-01-01.yaml holds effective_from 2022-01-01" in str(refused.value)
    assert str(refused.value).startswith(f"{misnamed / '2023-01-01.yaml'}:11:")


@pytest.mark.parametrize("number", ["449.99", "5", "-0.0", "1E+3", "449.990", "0.000001"])
def test_numbers_come_back_from_the_cache_digit_for_digit(number):
    back = json.loads(cache._json({"price": Decimal(number), "count": 3}), parse_float=Decimal)
    assert back == {"price": Decimal(number), "count": 3}
    assert str(back["price"]) == str(Decimal(number)) and type(back["count"]) is int


def test_an_entry_whose_positions_do_not_fit_its_document_is_ignored_and_replaced(cache_dir):
    engine.load_tariff(TARIFFS / "tencent-im")
    (entry,) = entries(cache_dir)
    raw = (TARIFFS / "tencent-im" / "2022-01-01.yaml").read_bytes()
    assert json.loads(entry.read_text("utf-8"))["format"] == cache.FORMAT == 2
    edit_entry(cache_dir, lambda data: data.update(marks=data["marks"][:-2]))  # one node without its line and column
    assert cache.lookup(raw, "tencent-im/2022-01-01.yaml") is None
    assert engine.quote(engine.load_tariff(TARIFFS / "tencent-im"), PRO).total == Decimal("1799.96")
    found = cache.lookup(raw, "tencent-im/2022-01-01.yaml")  # the entry written again
    assert found is not None and found.position(["charges", "plan"], key=True) == (88, 3)
