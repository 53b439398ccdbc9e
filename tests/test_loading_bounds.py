"""Loading cost is bounded: a file is at most MAX_DOCUMENT_BYTES and MAX_NODES values, and its charges,
counted once for each edition they price, at most what compiles in MAX_LOAD_SECONDS and MAX_LOAD_MEGABYTES
by the measured cost of a charge on an edition and of a value. A tariff whose tiers and editions multiply
beyond that is refused before it is compiled, with one diagnostic."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import engine
from benchmarks.large import tariff_text
from engine.language.catalog import (
    BYTES_PER_EDITION,
    BYTES_PER_PAIR,
    BYTES_PER_VALUE,
    MAX_LOAD_MEGABYTES,
    MAX_LOAD_SECONDS,
    NS_PER_EDITION,
    NS_PER_PAIR,
    NS_PER_VALUE,
)


def many(editions: int, tiers: int) -> str:
    """A tariff of `editions` editions sharing one graduated charge of `tiers` tiers."""
    names = [f"e{i}" for i in range(editions)]
    return "\n".join(
        [
            "id: big",
            'version: "1"',
            "effective_from: 2024-01-01",
            "currency: EUR",
            "description: editions times tiers",
            "billing_cycle: {period: calendar_month}",
            "settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}",
            "rounding: {scale: 2, mode: half_up, apply: per_line}",
            "editions:",
            *[f"  {name}: {{}}" for name in names],
            "meters:",
            "  n: {type: integer, aggregation: max, minimum: 0, maximum: 1000000000000}",
            "charges:",
            "  usage:",
            "    model: tiered",
            "    quantity: n",
            "    mode: graduated",
            f"    editions: [{', '.join(names)}]",
            "    tiers:",
            *[f"      - {{up_to: {(t + 1) * 10}, unit_price: 1}}" for t in range(tiers - 1)],
            "      - {up_to: null, unit_price: 1}",
        ]
    ) + "\n"


def option_table(editions: int, rows: int) -> str:
    """A tariff of `editions` editions sharing one option table of `rows` rows: each edition's rater writes a line per row."""
    names = [f"e{i}" for i in range(editions)]
    return "\n".join(
        [
            *many(editions, 1).split("\nmeters:")[0].splitlines(),
            "options:",
            "  size: {description: a size, type: choice, unit: units}",
            "charges:",
            "  extra:",
            "    description: an extra size",
            "    model: option",
            "    option: size",
            f"    editions: [{', '.join(names)}]",
            "    table:",
            *[f"      - {{value: {row + 1}, price: 1.00}}" for row in range(rows)],
            "",
        ]
    )


def test_editions_times_table_rows_beyond_the_bound_are_refused_before_compiling(tmp_path: Path) -> None:
    # 1,000 editions × (description, model, option, the table, 3,000 rows of 3 values) = 1,000 × 9,004 = 9,004,000 values
    # on 1,000 charge-edition pairs: every edition's rater writes a line per row. Estimated: 1,000 editions × 100 µs
    # + 1,000 pairs × 60 µs + 9,004,000 × 2.2 µs = 0.1 + 0.06 + 19.81 = 19.97 s, about 20 s; 1,000 × 2,300 B
    # + 1,000 × 2,000 B + 9,004,000 × 115 B = 2,300,000 + 2,000,000 + 1,035,460,000 = 1,039,760,000 B, 1,039 MB.
    assert (NS_PER_EDITION, NS_PER_PAIR, NS_PER_VALUE) == (100_000, 60_000, 2_200)
    assert (BYTES_PER_EDITION, BYTES_PER_PAIR, BYTES_PER_VALUE) == (2_300, 2_000, 115)
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(option_table(1000, 3000), "utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(engine.TariffError) as caught:
            engine.load_tariff(path.parent)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:1012:1: error: the charges make 1,000 charge-edition pairs and 9,004,000 values as the editions' raters "
        f"repeat them, an estimated 20 s and 1,039 MB to compile with the 1,000 editions: "
        f"over the limit of {MAX_LOAD_SECONDS} s and {MAX_LOAD_MEGABYTES} MB [size]\n"
        "hint: a long option table shared by many editions multiplies: split the tariff, or give fewer editions the long table"
    ]
    assert peak < 200_000_000  # bytes, reading the 100 KB file included: the estimated 1,039 MB are never spent


def test_a_long_tier_list_shared_by_a_thousand_editions_loads_and_prices(tmp_path: Path) -> None:
    # The tiers are read once for all the editions and the raters run `figures`: 1,000 editions × 100 µs + 1,000 pairs
    # × 60 µs + 9,004 values × 2.2 µs = 0.1 + 0.06 + 0.02 = 0.18 s estimated (refused by the estimate before it
    # counted a tier list once).
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(many(1000, 3000), "utf-8")
    tariff = engine.load_tariff(path.parent)
    invoice = engine.quote(tariff, {"account": "a", "period": "2024-03", "edition": "e999", "usage": {"n": 29995}})
    assert str(invoice.total) == "29995.00"  # 29,995 units at 1.00 each, across the tiers up to 29,990 and the 3,000th


def test_the_same_tiers_on_fewer_editions_load_and_price(tmp_path: Path) -> None:
    # 10 editions × 2,104 values = 21,040, under the bound.
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(many(10, 700), "utf-8")
    tariff = engine.load_tariff(path.parent)
    invoice = engine.quote(tariff, {"account": "a", "period": "2024-03", "edition": "e3", "usage": {"n": 25}})
    assert str(invoice.total) == "25.00"  # 25 units at 1.00 each, across the tiers up to 10, 20 and 30


def test_the_same_tiers_on_ten_times_the_editions_load(tmp_path: Path) -> None:
    # 100 editions × 2,104 values = 210,400 values, refused by the fixed count of 200,000 this bound replaces:
    # estimated 100 × 100 µs + 100 × 60 µs + 2,104 × 2.2 µs = 0.02 s, the tier list read once for all the editions.
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(many(100, 700), "utf-8")
    tariff = engine.load_tariff(path.parent)
    invoice = engine.quote(tariff, {"account": "a", "period": "2024-03", "edition": "e99", "usage": {"n": 6995}})
    assert str(invoice.total) == "6995.00"  # 6,995 units at 1.00 each, across the tiers up to 6,990 and the 700th


def test_a_thousand_charges_on_fifty_editions_load_and_price(tmp_path: Path) -> None:
    path = tmp_path / "large" / "2026-01-01.yaml"
    path.parent.mkdir()
    path.write_text(tariff_text(1000, 50), "utf-8")
    tariff = engine.load_tariff(path.parent)
    assert len(tariff.versions[0].plans) == 50
    usage = {f"m{index}": 0 for index in range(1000)} | {"m0": 10, "m2": 150, "m3": 1}
    invoice = engine.quote(tariff, {"account": "a", "period": "2026-03", "edition": "e49", "usage": usage})
    # c0 per unit at 0.01: 10 × 0.01 = 0.10; c2 graduated at 0.03 up to 100 and 1,000: 100 × 0.03 + 50 × 0.03 = 4.50;
    # c3 flat 4.99 when m3 > 0. Every other charge bills 0, and the 249 other flat fees no line.
    # 0.10 + 4.50 + 4.99 = 9.59, on 250 + 250 + 250 + 1 = 751 lines.
    assert (str(invoice.total), len(invoice.lines)) == ("9.59", 751)
