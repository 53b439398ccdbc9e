"""Bill runs and `tariff aggregate` reading and writing Parquet (pyarrow), money as exact decimals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES

from benchmarks import generate
from engine.cli import main

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install '.[spark]'); CI runs these tests")
pq = pytest.importorskip("pyarrow.parquet")

PRO = {"tariff": "tencent-im", "account": "1400000001", "period": "2026-11", "edition": "pro"}
MIX = FIXTURES / "hardening-mix"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_parquet_record_column_gives_the_invoices_of_the_same_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = [json.dumps(record) for record in generate.records(300, bad_rate=0.05)]
    (tmp_path / "usage.jsonl").write_text("".join(f"{text}\n" for text in texts))
    pq.write_table(pa.table({"record": texts}), tmp_path / "usage.parquet")
    from_json = run(capsys, "bill-run", str(tmp_path / "usage.jsonl"), "--rejects", str(tmp_path / "a.jsonl"), "--workers", "1")
    from_parquet = run(capsys, "bill-run", str(tmp_path / "usage.parquet"), "--rejects", str(tmp_path / "b.jsonl"), "--workers", "2")
    assert from_parquet[1] == from_json[1]  # invoices, byte for byte; a row number is the line number here
    assert (tmp_path / "b.jsonl").read_bytes() == (tmp_path / "a.jsonl").read_bytes()


def test_usage_document_columns_are_read_as_the_document_they_stand_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = pa.table(
        {
            "tariff": ["tencent-im", "tencent-im"],
            "account": ["1400000001", "1400000002"],
            "period": ["2026-11", "2026-11"],
            "edition": ["pro", "trial"],
            "usage": [{"dau": 32000, "groups": [120000, 98000]}, {"dau": None, "groups": None}],
            "addons.message_retention_days": [90, None],
        }
    )
    pq.write_table(table, tmp_path / "usage.parquet")
    code, _out, err = run(capsys, "bill-run", str(tmp_path / "usage.parquet"), "--out", str(tmp_path / "invoices.parquet"))
    assert code == 0, err
    invoices = pq.read_table(tmp_path / "invoices.parquet")
    assert invoices.schema.field("total").type == pa.decimal128(38, 9)
    # pro: plan 449.99 + 3 DAU blocks 1,349.97 + 1 group block 449.99 + retention 179.99 = 2,429.94; trial: 0.00
    assert invoices.column("total").to_pylist() == [Decimal("2429.94"), Decimal("0")]
    assert invoices.column("line").to_pylist() == [1, 2]
    assert [line["id"] for line in invoices.column("lines").to_pylist()[0]] == ["plan", "dau_overage", "group_overage", "message_retention"]


def test_a_float_column_is_refused_as_a_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pq.write_table(pa.table({**{key: [value] for key, value in PRO.items()}, "usage.dau": [32000.0]}), tmp_path / "usage.parquet")
    code, _out, err = run(capsys, "bill-run", str(tmp_path / "usage.parquet"), "--tariff", "tariffs")  # a given root is not announced
    assert code == 2
    assert err == (
        f"{tmp_path / 'usage.parquet'}: error: column usage.dau holds binary floats, which are inexact [usage-type]\n"
        "hint: store counts as integers and amounts as decimals (a JSON text column `record` works too)\n"
    )


def test_parquet_rejects_keep_the_row_number_the_record_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = [json.dumps({**PRO, "usage": {"dau": 1, "groups": 1}}), json.dumps({**PRO, "edition": "gold"}), "oops\u2028not json"]
    pq.write_table(pa.table({"record": texts}), tmp_path / "usage.parquet")
    code, _out, err = run(capsys, "bill-run", str(tmp_path / "usage.parquet"), "--rejects", str(tmp_path / "rejects.parquet"))
    assert code == 0, err
    rejects = pq.read_table(tmp_path / "rejects.parquet").to_pylist()
    assert [(row["line"], json.loads(row["record"])) for row in rejects] == [(2, {**PRO, "edition": "gold"}), (3, "oops\u2028not json")]
    assert [json.loads(row["errors"])[0]["rule"] for row in rejects] == ["edition", "usage-syntax"]


def test_tariff_aggregate_writes_parquet_records_a_bill_run_prices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = pa.table(
        {
            "id": ["e1", "e2", "e3", "e3", "e4"],
            "account": ["1400000001"] * 5,
            "meter": ["dau", "dau", "groups", "groups", "dau"],
            "day": ["2026-11-02", "2026-11-05", "2026-11-30", "2026-11-30", "2026-11-05"],
            "value": [12000, 25000, 150000, 150000, 31000],
        }
    )
    pq.write_table(events, tmp_path / "events.parquet")
    pq.write_table(pa.table({"account": ["1400000001"], "edition": ["pro"]}), tmp_path / "subscriptions.parquet")
    code, out, err = run(capsys, "aggregate", str(tmp_path / "events.parquet"), "--subscriptions", str(tmp_path / "subscriptions.parquet"),
                         "--period", "2026-11", "--out", str(tmp_path / "usage.parquet"))  # fmt: skip
    assert code == 0, err
    [record] = json.loads(json.dumps(pq.read_table(tmp_path / "usage.parquet").column("record").to_pylist()))
    # dau (max, daily): day 2 12,000; day 5 the peak of 25,000 and 31,000; every other day 0.
    assert json.loads(record)["usage"]["dau"] == [0, 12000, 0, 0, 31000] + [0] * 25
    code, out, err = run(capsys, "bill-run", str(tmp_path / "usage.parquet"))
    # plan 449.99; DAU 31,000 - 10,000 = 21,000 → 3 blocks × 449.99 = 1,349.97; groups 150,000 - 100,000 → 1 block 449.99
    assert json.loads(out)["total"] == "2249.95"  # 449.99 + 1,349.97 + 449.99


def test_tariff_aggregate_reads_parquet_events_as_it_reads_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import ROOT

    for name in ("events", "subscriptions"):
        rows = [json.loads(line) for line in (ROOT / "examples" / "spark" / f"{name}.jsonl").read_text().splitlines()]
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        if name == "subscriptions":
            rows = [{**row, "addons": json.dumps(row.get("addons") or {})} for row in rows]
        keys = list(dict.fromkeys(key for row in rows for key in row))  # every column, not only the first row's
        pq.write_table(pa.table({key: [row.get(key) for row in rows] for key in keys}), tmp_path / f"{name}.parquet")
    monkeypatch.chdir(tmp_path)
    common = ["aggregate", "--period", "2026-11", "--tariff", str(ROOT / "tariffs")]
    assert main([*common, "events.jsonl", "--subscriptions", "subscriptions.jsonl", "--out", "usage.jsonl"]) == 0
    assert main([*common, "events.parquet", "--subscriptions", "subscriptions.parquet", "--out", "usage.parquet"]) == 0
    capsys.readouterr()
    from_json = (tmp_path / "usage.jsonl").read_text().splitlines()
    assert pq.read_table(tmp_path / "usage.parquet").column("record").to_pylist() == from_json
    assert len(from_json) == 2
