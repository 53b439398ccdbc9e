"""Timeline documents through the bill run (JSON Lines and CSV) and the HTTP API: the same shape, the same invoices."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from http_server import Server

import engine
from engine.cli import main

PERIODS = FIXTURES / "periods"
UPGRADE = {
    "tariff": "prorated-plan",
    "account": "1400000001",
    "period": "2026-12",
    "edition": "pro",
    "timeline": {"changes": [{"on": "2026-12-21", "edition": "flagship"}]},
}
OUTSIDE = {**UPGRADE, "account": "late", "timeline": {"changes": [{"on": "2027-01-02", "edition": "flagship"}]}}


def test_a_bill_run_prices_timelines_as_quote_does(tmp_path: Path):
    source = tmp_path / "usage.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in (UPGRADE, OUTSIDE)), "utf-8")
    out, rejects = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl"
    assert main(["bill-run", str(source), "--tariff", str(PERIODS), "--out", str(out), "--rejects", str(rejects)]) == 0
    catalog = engine.load_catalog(PERIODS)
    assert out.read_text("utf-8").splitlines() == [engine.quote(catalog, UPGRADE).to_json()]
    assert json.loads(out.read_text("utf-8"))["total"] == "609.67"  # 290.32 + 319.35
    rejected = json.loads(rejects.read_text("utf-8"))
    assert (rejected["line"], rejected["errors"][0]["message"]) == (2, "2027-01-02 is outside 2026-12 (2026-12-01 to 2026-12-31)")


def test_a_csv_record_carries_the_timeline_as_a_json_cell(tmp_path: Path):
    header = "tariff,account,period,edition,usage.seats,usage.api_calls,timeline\n"
    rows = [
        'annual-seats,acme,"{""from"": ""2026-03-10"", ""to"": ""2026-04-09""}",team,5,9000,"{""start"": ""2026-03-10""}"',
        'annual-seats,acme,2026-04,team,,25500,"{""start"": ""2026-03-10""}"',
    ]
    source = tmp_path / "usage.csv"
    source.write_text(header + "\n".join(rows) + "\n", "utf-8")
    out = tmp_path / "invoices.jsonl"
    assert main(["bill-run", str(source), "--tariff", str(PERIODS), "--out", str(out), "--strict"]) == 0
    invoices = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    # 5 seats × 96.00 = 480.00 for the year, 9,000 calls: 0.00; then (25,500 − 10,000) / 1,000 = 15.5 × 0.50 = 7.75
    assert [(invoice["period"], invoice["first_day"], invoice["total"]) for invoice in invoices] == [
        ("2026-03-10/2026-04-09", "2026-03-10", "480.00"),
        ("2026-04", "2026-04-10", "7.75"),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
    base = tmp_path_factory.mktemp("served")
    shutil.copytree(PERIODS, base / "periods")
    running = Server(base / "periods", base / "server.log").start()
    yield running
    running.stop()


def test_the_http_api_takes_the_same_timeline(server: Any):
    reply = server.post("/v1/quote", UPGRADE)
    assert reply.status == 200
    invoice = reply.json()
    assert [(line["id"], line["amount"], line["fraction"]) for line in invoice["lines"]] == [
        ("plan@2026-12-01", "290.32", "20 of 31 days"),  # 449.99 × 20 / 31 = 290.3161…
        ("plan@2026-12-21", "319.35", "11 of 31 days"),  # 899.99 × 11 / 31 = 319.3512…
    ]
    assert Decimal(invoice["total"]) == Decimal("609.67")
    refused = server.post("/v1/quote", OUTSIDE)
    assert refused.status == 422
    assert refused.json()["errors"][0]["path"] == "timeline.changes[0].on"
