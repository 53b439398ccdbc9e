"""The load benchmark's generated tariffs (benchmarks/sizes.py) are valid, and its section runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import engine
from benchmarks import loading
from benchmarks.sizes import charges_for, tariff_text
from benchmarks.targets import Target


def write(directory: Path, text: str) -> Path:
    folder = directory / "generated"
    folder.mkdir()
    (folder / "2026-01-01.yaml").write_text(text, "utf-8")
    return folder


def test_a_generated_tariff_loads_and_prices_each_model(tmp_path: Path) -> None:
    tariff = engine.load_tariff(write(tmp_path, tariff_text(4, 2)))
    assert [len(v.plans) for v in tariff.versions] == [2]
    usage = {"meter_1": 10, "meter_2": 1500, "meter_3": 2500}
    invoice = engine.quote(tariff, {"account": "a", "period": "2026-02", "edition": "edition_1", "usage": usage})
    # charge_0, flat on edition_1: 1.13; charge_1, per unit at edition_1's 0.11: 10 × 0.11 = 1.10;
    # charge_2, graduated: 1,000 × 0 + 500 × 0.102 = 51.00; charge_3, blocks of 1,000 above 1,000
    # included, rounded up: 1,500 → 2 blocks × 4.03 = 8.06. Total 1.13 + 1.10 + 51.00 + 8.06 = 61.29.
    assert [(line.id, line.amount) for line in invoice.lines] == [
        ("charge_0", Decimal("1.13")),
        ("charge_1", Decimal("1.10")),
        ("charge_2", Decimal("51.00")),
        ("charge_3", Decimal("8.06")),
    ]
    assert invoice.total == Decimal("61.29")


@pytest.mark.parametrize(("kilobytes", "editions"), [(5, 3), (20, 10)])
def test_charges_for_makes_a_tariff_of_about_that_size(kilobytes: int, editions: int) -> None:
    size = len(tariff_text(charges_for(kilobytes, editions), editions).encode()) / 1024
    assert abs(size - kilobytes) < 1 + kilobytes / 20


def test_the_load_section_prints_a_row_per_size_and_its_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "SIZES", ((5, 3), (10, 3), (5, 6)))
    monkeypatch.setattr(loading, "BASE", (5, 3))
    monkeypatch.setattr(loading, "MANY_EDITIONS", (5, 6))
    monkeypatch.setattr(loading, "REFERENCE_UP_TO_KB", 5)
    monkeypatch.delenv("TARIFF_ENGINE_CACHE", raising=False)
    rows = loading.load_rows(1)
    figures = [row for row in rows if not isinstance(row, Target)]
    assert [row[0] for row in figures] == ["load per KB: read", "load per KB: load, no cache", "load per KB: cache read", "load per KB: load from the cache"] * 3
    assert "ruamel's round-trip reader" in figures[0][2] and "ruamel" not in figures[4][2]
    names = [row.name for row in rows if isinstance(row, Target)]
    assert names == ["load without the cache", "read from the cache", "load without the cache, linear in size", "load without the cache, linear in editions"]
