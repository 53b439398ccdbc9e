"""Loading cost is bounded: a file is at most MAX_DOCUMENT_BYTES and MAX_NODES values, and its charges,
counted once for each edition they price, at most MAX_EXPANDED_VALUES values. A tariff whose tiers
and editions multiply beyond that is refused before it is compiled, with one diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.language.catalog import MAX_EXPANDED_VALUES


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


def test_editions_times_tiers_beyond_the_bound_are_refused_before_compiling(tmp_path: Path) -> None:
    # 100 editions × (model, quantity, mode, the tier list, 700 tiers of 3 values) = 100 × 2,104 = 210,400 values.
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(many(100, 700), "utf-8")
    with pytest.raises(engine.TariffError) as caught:
        engine.load_tariff(path.parent)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:112:1: error: the charges make 210400 values once priced for each edition they apply to, "
        f"over the limit of {MAX_EXPANDED_VALUES} [size]\n"
        "hint: a long tier list shared by many editions multiplies: split the tariff, or give fewer editions the long list"
    ]


def test_the_same_tiers_on_fewer_editions_load_and_price(tmp_path: Path) -> None:
    # 10 editions × 2,104 values = 21,040, under the bound.
    path = tmp_path / "big" / "2024-01-01.yaml"
    path.parent.mkdir()
    path.write_text(many(10, 700), "utf-8")
    tariff = engine.load_tariff(path.parent)
    invoice = engine.quote(tariff, {"account": "a", "period": "2024-03", "edition": "e3", "usage": {"n": 25}})
    assert str(invoice.total) == "25.00"  # 25 units at 1.00 each, across the tiers up to 10, 20 and 30
