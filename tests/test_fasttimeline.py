"""The fast path of timelines gives the reference's invoice, on generated documents, and takes the common ones."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from typing import Any

import pytest
from conftest import FIXTURES

import engine
from benchmarks import periods
from engine.pricing.fasttimeline import fast_timeline
from engine.pricing.proration import price_timeline
from engine.pricing.quote import select_version
from engine.pricing.usage import read_envelope

PERIODS = FIXTURES / "periods"


def both(tariff: engine.Tariff, document: dict[str, Any]) -> tuple[str | None, str | None]:
    """(fast path's JSON or None, the reference's JSON or None when it refuses)."""
    envelope = read_envelope(document)
    version = select_version(tariff, envelope)
    fast = fast_timeline(version, envelope)
    try:
        reference = price_timeline(version, envelope).to_json()
    except engine.UsageError:
        reference = None
    return (None if fast is None else fast.to_json()), reference


def test_the_benchmark_documents_all_take_the_fast_path_and_agree():
    tariff = engine.load_tariff(periods.TARIFF)
    for document in periods.documents(600, seed=7):
        if "timeline" not in document:
            continue
        fast, reference = both(tariff, document)
        assert fast is not None, document
        assert fast == reference, document


def timelines(chance: random.Random, editions: list[str], year: int, month: int) -> dict[str, Any]:
    days = calendar.monthrange(year, month)[1]
    day = [dt.date(year, month, n).isoformat() for n in sorted(chance.sample(range(1, days + 1), 3))]
    timeline: dict[str, Any] = {}
    if chance.random() < 0.4:
        timeline["start"] = chance.choice([day[0], "2025-01-01", f"{year:04d}-{month:02d}-01"])
    if chance.random() < 0.3:
        timeline["cancelled_on"] = day[2]
    if chance.random() < 0.5:
        timeline["changes"] = [{"on": day[1], "edition": chance.choice(editions)}]
    return timeline


@pytest.mark.parametrize(
    ("name", "usage"),
    [
        ("prorated-plan", lambda chance: {}),
        ("cancellation-credit", lambda chance: {}),
        ("mean-seats", lambda chance: {"seats": chance.randint(0, 40)}),
    ],
)
def test_generated_timelines_agree_whenever_the_fast_path_takes_them(name, usage):
    tariff = engine.load_tariff(PERIODS / name)
    editions = list(tariff.versions[0].plans)
    chance = random.Random(name)
    taken = 0
    for index in range(300):
        year, month = chance.randint(2026, 2029), chance.randint(1, 12)
        document = {"account": f"a{index}", "period": f"{year:04d}-{month:02d}", "edition": chance.choice(editions)}
        document["usage"] = usage(chance)
        document["timeline"] = timelines(chance, editions, year, month)
        fast, reference = both(tariff, document)
        if fast is not None:
            taken += 1
            assert fast == reference, document
    assert taken > 0
