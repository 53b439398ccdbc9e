"""The hand-written rater of timelines (benchmarks/periods.py) stays fair: it prices and refuses what the engine does."""

from __future__ import annotations

import re
from typing import Any

import pytest

import engine
from benchmarks import periods

TARIFF = engine.load_tariff(periods.TARIFF)


def outcome(rate: Any, *args: Any) -> str | None:
    try:
        return str(rate(*args).to_json())
    except engine.UsageError:
        return None


def test_the_rater_and_the_engine_agree_on_the_benchmark_documents():
    for document in periods.documents(800, seed=11):
        assert outcome(periods.rate, document) == outcome(engine.quote, TARIFF, document), document


@pytest.mark.parametrize(
    "timeline",
    [
        {"start": "2027-01-01"},
        {"cancelled_on": "2026-11-30"},
        {"changes": [{"on": "2027-01-01", "edition": "flagship"}]},
        {"changes": [{"on": "2026-12-20", "edition": "flagship"}, {"on": "2026-12-10", "edition": "pro"}]},
        {"changes": [{"on": "2026-12-10", "edition": "gold"}]},
        {"start": "2026-12-32"},
        {"ends": "2026-12-10"},
        ["2026-12-10"],
    ],
)
def test_both_refuse_the_same_timelines(timeline):
    document = {"tariff": "prorated-plan", "account": "a", "period": "2026-12", "edition": "pro", "timeline": timeline}
    assert outcome(periods.rate, document) is None
    assert outcome(engine.quote, TARIFF, document) is None


def test_the_periods_section_of_the_benchmark_runs(capsys):
    from benchmarks.run import main

    assert main(["--quick", "--only", "periods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split("  ")[0] for line in lines]
    assert rows[-6:-3] == [
        "per timeline invoice: engine.quote",
        "per timeline invoice: hand-written rater",
        "per timeline invoice: ratio",
    ]
    assert rows[-3:-1] == ["", "targets (0 missed):"] or rows[-3:-1] == ["", "targets (1 missed):"]
    name = re.match(r"(?:met|MISSED) +(.+?)  ", lines[-1]).group(1)  # type: ignore[union-attr]
    assert name == "per invoice, periods and proration"
    assert "the hand-written rater (goal: at most 1.5×)" in lines[-1]
