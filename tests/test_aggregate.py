"""Events → usage records by each meter's declared aggregation (engine.runs.aggregate, `tariff aggregate`)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

import engine
from engine.cli import main
from engine.runs.aggregate import AGGREGATIONS, aggregate, period_of

MIX = engine.load_tariff(FIXTURES / "hardening-mix")
FEBRUARY = period_of("2024-02")  # 29 days


def event(n: str, meter: str, day: str, value: Any, account: str = "A", **more: Any) -> dict[str, Any]:
    return {"id": n, "account": account, "meter": meter, "day": day, "value": value, **more}


def test_every_aggregation_a_tariff_can_declare_has_its_entry() -> None:
    from engine.core.resources import schema

    declared = schema("tariff")["properties"]["meters"]["additionalProperties"]["properties"]["aggregation"]["enum"]
    assert set(AGGREGATIONS) >= set(declared)


def test_a_month_of_events_by_hand() -> None:
    rows = [
        event("c1", "calls", "2024-02-03", 10),
        event("c2", "calls", "2024-02-03", 15),
        event("c3", "calls", "2024-02-10", 7),
        event("s1", "storage_gb", "2024-02-05", Decimal("1.5")),
        event("s2", "storage_gb", "2024-02-05", Decimal("4.25")),
        event("s3", "storage_gb", "2024-02-06", Decimal("2")),
        event("t1", "transfer_gb", "2024-02-29", Decimal("0.125")),
        event("t2", "transfer_gb", "2024-02-29", Decimal("0.375")),
        event("p1", "seats", "2024-02-01", 4, time="2024-02-01T09:00:00+00:00"),
        event("p2", "seats", "2024-02-01", 9, time="2024-02-01T08:00:00+00:00"),  # earlier the same day
        event("p3", "seats", "2024-02-15", 6),
    ]
    [record], rejects = aggregate(MIX, FEBRUARY, [{"account": "A", "edition": "basic"}], rows)
    assert rejects == []
    usage = record["usage"]
    # calls (sum): day 3: 10 + 15 = 25; day 10: 7; days without events count 0. The month: 32.
    assert usage["calls"] == [0, 0, 25, 0, 0, 0, 0, 0, 0, 7] + [0] * 19
    # storage_gb (max): day 5 the higher of 1.5 and 4.25; day 6: 2; other days the minimum, 0. Peak 4.25.
    assert usage["storage_gb"] == [0, 0, 0, 0, Decimal("4.25"), Decimal("2")] + [0] * 23
    # transfer_gb (sum): day 29: 0.125 + 0.375 = 0.500.
    assert usage["transfer_gb"] == [0] * 28 + [Decimal("0.500")]
    # seats (last, one value for the month): the last reading, 6 on the 15th (on the 1st, 4 came after 9).
    assert usage["seats"] == 6
    invoice = engine.quote(MIX, record)
    assert invoice.account == "A"


def test_last_carries_a_value_over_days_without_events() -> None:
    from engine.language import model as m
    from engine.runs.aggregate import Event, meter_usage

    meter = m.Meter("seats", "integer", "last", True, Decimal(0), Decimal(100))
    period = period_of("2024-02")
    import datetime as dt

    events = [Event("a", "A", "seats", dt.date(2024, 2, 3), None, 4, {}), Event("b", "A", "seats", dt.date(2024, 2, 5), None, 2, {})]
    # days 1-2: no reading yet, the minimum 0; day 3: 4; day 4 keeps 4; day 5 on: 2.
    assert meter_usage(meter, events, period) == [0, 0, 4, 4] + [2] * 25


def test_events_that_cannot_count_are_rejected_with_the_reason() -> None:
    rows = [
        event("a", "calls", "2024-02-01", 1),
        event("a", "calls", "2024-02-01", 2),  # the same id, another value
        event("b", "fax", "2024-02-01", 1),
        event("c", "calls", "2024-02-01", 1, account="nobody"),
        event("d", "calls", "2024-02-01", "many"),
        event("e", "calls", "Feb 1", 1),
        event("f", "calls", "2024-03-01", 1),  # March: another period's, left out
    ]
    records, rejects = aggregate(MIX, FEBRUARY, [{"account": "A", "edition": "basic"}], rows)
    assert records[0]["usage"]["calls"] == [0] * 29
    assert sorted((reject.row["id"], reject.diagnostics[0].rule, reject.diagnostics[0].message) for reject in rejects) == [
        ("a", "event-id", "event 'a' comes 2 times with different contents"),
        ("a", "event-id", "event 'a' comes 2 times with different contents"),
        ("b", "event-meter", "unknown meter 'fax' (meters of hardening-mix: calls, storage_gb, transfer_gb, seats)"),
        ("c", "event-account", "no subscription for this account"),
        ("d", "event", "value 'many' is not a number (integers and decimals only, never binary floats)"),
        ("e", "event", "day 'Feb 1' is not a date (YYYY-MM-DD)"),
    ]


def test_tariff_aggregate_writes_records_and_rejects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [event("1", "dau", "2026-11-02", 12000), event("2", "dau", "2026-11-05", 25000), event("3", "sms", "2026-11-05", 1)]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (tmp_path / "subscriptions.jsonl").write_text(json.dumps({"account": "A", "edition": "pro"}) + "\n")
    code = main(["aggregate", str(tmp_path / "events.jsonl"), "--subscriptions", str(tmp_path / "subscriptions.jsonl"),
                 "--period", "2026-11", "--out", str(tmp_path / "usage.jsonl"), "--rejects", str(tmp_path / "rejects.jsonl"), "--strict"])  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err == f"{tmp_path / 'events.jsonl'}: 1 usage records for 2026-11, 1 events rejected\n"
    [record] = [json.loads(line) for line in (tmp_path / "usage.jsonl").read_text().splitlines()]
    assert record["usage"] == {"dau": [0, 12000, 0, 0, 25000] + [0] * 25, "groups": [0] * 30}
    [reject] = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert reject["event"]["meter"] == "sms" and reject["errors"][0]["rule"] == "event-meter"


def test_a_bad_period_is_an_error_before_anything_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["aggregate", str(tmp_path / "none.jsonl"), "--subscriptions", "x", "--period", "2026-13", "--out", str(tmp_path / "u.jsonl")]
    )
    assert code == 2
    assert "period" in capsys.readouterr().err


def test_parquet_without_pyarrow_is_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    program = "import sys; sys.modules['pyarrow'] = None; from engine.cli import main; raise SystemExit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", program, "bill-run", str(tmp_path / "usage.parquet"), "--tariff", "tariffs"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert (
        done.stderr
        == f"{tmp_path / 'usage.parquet'}: error: reading and writing Parquet needs pyarrow [parquet]\nhint: pip install 'tariff-engine[spark]' (or pyarrow alone)\n"
    )


def test_docs_spark_tells_how_each_aggregation_counts_a_day_without_events() -> None:
    from conftest import ROOT

    table = {line.split("|")[1].strip(): line for line in (ROOT / "docs" / "spark.md").read_text().splitlines() if line.startswith("| `")}
    for name, rule in AGGREGATIONS.items():
        assert f"| {rule.gap_rule} |" in table[f"`{name}`"], name


def test_a_mean_meter_counts_what_is_held_each_day_and_weighs_each_day_alike() -> None:
    import datetime as dt

    from conftest import ROOT

    from engine.core.periods import Period
    from engine.runs.aggregate import Event, meter_usage

    def _event(event_id: str, meter: str, day: dt.date, value: int) -> Event:
        return Event(event_id, "acct", meter, day, None, value, {})

    # November 2026 has 30 days: 4 seats from day 1, 10 seats from day 11 (the worked example of the
    # periods: (4 × 10 + 10 × 20) / 30 = 8 seats). Days without events hold what was held before.
    meter = engine.load_tariff(ROOT / "tests" / "fixtures" / "periods" / "mean-seats").versions[0].meters["seats"]
    events = [_event("a", "seats", dt.date(2026, 11, 1), 4), _event("b", "seats", dt.date(2026, 11, 11), 10)]
    found = meter_usage(meter, events, Period("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert found == ([4] * 10 + [10] * 20 if meter.daily else Decimal(8))
