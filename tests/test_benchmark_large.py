"""The large-tariff section of the benchmark runs and prints its three targets (on small sizes here)."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from benchmarks import large
from benchmarks.targets import Target


def test_the_generated_tariff_loads_and_every_line_prices(tmp_path: Path) -> None:
    directory = tmp_path / "large"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(large.tariff_text(8, 3), "utf-8")
    tariff = engine.load_tariff(directory)
    assert large.tariff_text(8, 3) == large.tariff_text(8, 3)  # the same arguments, the same bytes
    document = {"account": "a", "period": "2026-03", "edition": "e2", "usage": {f"m{i}": 1500 for i in range(8)}}
    # c0, c4 per unit at 0.01 and 0.05: 15.00 and 75.00; c1, c5 blocks over 1,000 by 100 at 2.50 and 6.50: 5 blocks,
    # 12.50 and 32.50; c2, c6 graduated at 0.03 and 0.07 up to 100, 1,000 and 10,000: 1,500 units, 45.00 and 105.00;
    # c3, c7 flat 4.99 and 8.99 as m3, m7 > 0. 15 + 75 + 12.50 + 32.50 + 45 + 105 + 4.99 + 8.99 = 298.98
    invoice = engine.quote(tariff, document)
    assert (str(invoice.total), len(invoice.lines)) == ("298.98", 8)


def test_spread_charges_give_each_edition_its_own(tmp_path: Path) -> None:
    directory = tmp_path / "large"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(large.tariff_text(12, 4, own=True), "utf-8")
    tariff = engine.load_tariff(directory)
    assert [charge.id for charge in tariff.versions[0].plans["e1"].charges] == ["c1", "c5", "c9"]
    assert all(len(engine.quote(tariff, d).lines) == 3 for d in large.usage(12, 4, 5, own=True))


def test_the_section_prints_each_size_and_its_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(large, "SIZES", ((4, 1), (8, 2)))
    monkeypatch.setattr(large, "LARGEST", (8, 2))
    monkeypatch.setattr(large, "OWN_SIZES", ((2, 1), (8, 4)))
    rows = large.large_rows(tmp_path, 3, fresh=True)
    names = [row.name if isinstance(row, Target) else row[0] for row in rows]
    assert names == [
        "large: 4 charges × 1 editions",
        "large: 8 charges × 2 editions",
        "large: 8 × 2 in a new process",
        "large: 2 charges, 2 charges on each of 1 edition",
        "large: 8 charges, 2 charges on each of 4 editions",
        "8 charges × 2 editions loads",
        "compile per edition linear",
        "pricing per line flat",
        "pricing per line flat, 2 charges per edition",
    ]
