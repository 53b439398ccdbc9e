"""The engine on a real local Spark (local[2]): the same invoices as a local bill run, byte for byte."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import generate
from engine.cli import main

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]'); CI runs these tests")

# Records a bill run must judge the same wherever it runs: broken on purpose, one way each.
HOSTILE = [
    b'{"tariff":"tencent-im","account":"1","account":"2","period":"2026-01","edition":"pro","usage":{"dau":1,"groups":1}}',
    b"\xff\xfe not UTF-8",
    b'{"tariff":"tencent-im","account":"\\ud800","period":"2026-01","edition":"pro","usage":{"dau":1,"groups":1}}',
    b'{"tariff":"tencent-im","account":"x","period":"2026-01","edition":"pro","usage":{"dau":1e999999999,"groups":1}}',
    b'{"tariff":"tencent-im","account":"y","period":"2026-01","edition":"pro","usage":{"dau":' + b"9" * 120 + b',"groups":1}}',
    b"   \t",
    b"",
    b"[1, 2, 3]",
    b"not json at all",
    b'{"tariff":"tencent-im","account":"\\ud83d\\ude00","period":"2026-02","edition":"flagship","usage":{"dau":0,"groups":0}}',
]

PRO = {"tariff": "tencent-im", "account": "1400000001", "period": "2026-11", "edition": "pro"}
PRO_USAGE = {**PRO, "usage": {"dau": 32000, "groups": [120000, 98000]}, "addons": {"message_retention_days": 90}}


def usage_file(path: Path, count: int) -> Path:
    """`count` generated records (some broken on purpose) with the hostile ones spread among them."""
    lines = [json.dumps(record).encode() for record in generate.records(count, bad_rate=0.02)]
    for index, line in enumerate(HOSTILE):
        lines.insert(index * (len(lines) // len(HOSTILE)), line)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def bill_run(capsys: pytest.CaptureFixture[str], source: Path, out: Path, *options: str) -> tuple[int, str]:
    code = main(["bill-run", str(source), "--out", str(out / "invoices.jsonl"), "--rejects", str(out / "rejects.jsonl"),
                 "--summary", str(out / "summary.csv"), *options])  # fmt: skip
    return code, capsys.readouterr().err.replace(str(out), "OUT")


def test_a_spark_run_writes_the_local_runs_bytes(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = usage_file(tmp_path / "usage.jsonl", 3000)
    (tmp_path / "local").mkdir()
    (tmp_path / "spark").mkdir()
    local = bill_run(capsys, source, tmp_path / "local", "--workers", "2")
    on_spark = bill_run(capsys, source, tmp_path / "spark", "--engine", "spark", "--master", "local[2]")
    assert on_spark == local
    for name in ("invoices.jsonl", "rejects.jsonl", "summary.csv"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    rejects = [json.loads(line) for line in (tmp_path / "local" / "rejects.jsonl").read_text("utf-8").splitlines()]
    invoices = (tmp_path / "local" / "invoices.jsonl").read_text("utf-8").count("\n")
    # Every record is an invoice or a reject: 3000 generated + 10 hostile lines, of which 2 are blank.
    assert invoices + len(rejects) == 3008
    assert {"usage-syntax", "encoding", "usage-number"} <= {error["rule"] for reject in rejects for error in reject["errors"]}


def test_a_spark_run_reads_and_writes_parquet_as_the_local_run_does(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [json.dumps(record) for record in generate.records(500, bad_rate=0.05)]
    pq.write_table(pa.table({"record": texts}), tmp_path / "usage.parquet")
    outputs = {}
    for engine_name in ("local", "spark"):
        out = tmp_path / engine_name
        out.mkdir()
        code = main(["bill-run", str(tmp_path / "usage.parquet"), "--out", str(out / "invoices.parquet"),
                     "--rejects", str(out / "rejects.jsonl"), "--engine", engine_name])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        outputs[engine_name] = (pq.read_table(out / "invoices.parquet"), (out / "rejects.jsonl").read_bytes())
    assert outputs["spark"][0].equals(outputs["local"][0])
    assert outputs["spark"][1] == outputs["local"][1]
    assert outputs["local"][0].num_rows + outputs["local"][1].count(b"\n") == 500


def test_an_invalid_tariff_stops_a_spark_run_before_any_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = FIXTURES / "broken" / "unknown-name.yaml"
    source = usage_file(tmp_path / "usage.jsonl", 10)
    code = main(["bill-run", str(source), "--tariff", str(broken), "--engine", "spark", "--out", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "[" in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_priced_frames_hold_exact_money_and_each_records_ordinal(spark: Any) -> None:
    from pyspark.sql.types import DecimalType

    from engine.runs.spark import price_records

    records = spark.createDataFrame([(7, json.dumps(PRO_USAGE)), (8, "{not json")], "ordinal long, record string")
    frames = price_records(records)
    invoice = frames.invoices.collect()
    assert [row["ordinal"] for row in invoice] == [7]
    # plan 449.99; DAU peak 32,000 - 10,000 included = 22,000 → 3 blocks of 10,000 × 449.99 = 1,349.97;
    # groups peak 120,000 - 100,000 = 20,000 → 1 block × 449.99; retention 90 days 179.99.
    # 449.99 + 1,349.97 + 449.99 + 179.99 = 2,429.94
    assert invoice[0]["total"] == Decimal("2429.940000000")
    assert frames.invoices.schema["total"].dataType == DecimalType(38, 9)
    lines = frames.lines.orderBy("line").collect()
    assert [(row["line"], row["id"], row["amount"]) for row in lines] == [
        (1, "plan", Decimal("449.99")),
        (2, "dau_overage", Decimal("1349.97")),
        (3, "group_overage", Decimal("449.99")),
        (4, "message_retention", Decimal("179.99")),
    ]
    rejects = frames.rejects.collect()
    assert [(row["ordinal"], json.loads(row["errors"])[0]["rule"]) for row in rejects] == [(8, "usage-syntax")]
    assert rejects[0]["record"] == '"{not json"'


def test_an_amount_that_does_not_fit_the_scale_is_a_reject(spark: Any) -> None:
    from engine.runs.spark import price_records

    records = spark.createDataFrame([(1, json.dumps(PRO_USAGE))], "ordinal long, record string")
    frames = price_records(records, scale=1)  # 449.99 needs 2 decimal places
    assert frames.invoices.count() == 0
    [reject] = frames.rejects.collect()
    [error] = json.loads(reject["errors"])
    assert error["rule"] == "money-scale"
    assert error["message"] == "the invoice does not fit the money columns: line plan: unit_price 449.99 does not fit decimal(38, 1)"


def test_the_work_runs_in_several_spark_tasks_not_on_the_driver(spark: Any) -> None:
    from engine.runs.spark import price_records

    texts = [json.dumps(record) for record in generate.records(400)]
    records = spark.createDataFrame(list(enumerate(texts, start=1)), "ordinal long, record string").repartition(4, "ordinal")
    tasks = price_records(records).priced.select("task", "pid").distinct().collect()
    assert len({row["task"] for row in tasks}) == 4
    assert os.getpid() not in {row["pid"] for row in tasks}


documents = st.one_of(
    st.builds(lambda record: json.dumps(record), st.sampled_from(list(generate.records(50, bad_rate=0.2)))),
    st.text(max_size=40),
    st.builds(lambda dau: json.dumps({**PRO, "usage": {"dau": dau, "groups": 1}}), st.integers(-5, 10**13)),
)


@settings(max_examples=5, deadline=None, derandomize=True)
@given(st.lists(documents, min_size=1, max_size=40))
def test_every_record_is_an_invoice_or_a_reject_on_spark(spark: Any, texts: list[str]) -> None:
    from engine.runs.spark import price_records

    records = spark.createDataFrame(list(enumerate(texts)), "ordinal long, record string").repartition(2)
    outcomes = price_records(records).priced.select("ordinal", "kind").collect()
    assert sorted(row["ordinal"] for row in outcomes) == list(range(len(texts)))
    assert {row["kind"] for row in outcomes} <= {"invoice", "reject"}


# -- aggregation ------------------------------------------------------------------------------------

MIX = FIXTURES / "hardening-mix"


def test_events_aggregate_on_spark_by_the_tariffs_rules(spark: Any) -> None:
    from engine.runs.spark import aggregate_events

    events = spark.createDataFrame(
        [
            ("e1", "A", "calls", "2024-02-01", 5),
            ("e2", "A", "calls", "2024-02-01", 7),
            ("e2", "A", "calls", "2024-02-01", 7),  # the same event twice: counted once
            ("e3", "A", "calls", "2024-02-29", 1),
            ("e4", "A", "seats", "2024-02-10", 3),
            ("e5", "A", "seats", "2024-02-20", 2),
            ("e6", "A", "fax", "2024-02-03", 1),  # not a meter of the tariff
            ("e7", "Q", "calls", "2024-02-03", 1),  # no subscription
            ("e8", "A", "calls", "2024-03-01", 100),  # the next period's
        ],
        "id string, account string, meter string, day string, value long",
    )
    subscriptions = spark.createDataFrame(
        [("A", "basic", None), ("B", "plus", '{"priority": true}')], "account string, edition string, addons string"
    )
    usage, rejects = aggregate_events(events, subscriptions, "2024-02", str(MIX))
    records = {row["account"]: json.loads(row["record"], parse_float=Decimal) for row in usage.collect()}
    # February 2024 has 29 days. calls (sum): day 1: 5 + 7 = 12, day 29: 1, every other day 0.
    assert records["A"]["usage"]["calls"] == [12] + [0] * 27 + [1]
    # seats (last, one value): the last reading, 2 (on the 20th).
    assert records["A"]["usage"]["seats"] == 2
    # storage_gb (max) had no events: each day counts the meter's minimum, 0.
    assert records["A"]["usage"]["storage_gb"] == [0] * 29
    assert records["B"] == {
        "tariff": "hardening-mix", "account": "B", "period": "2024-02", "edition": "plus",
        "usage": {"calls": [0] * 29, "storage_gb": [0] * 29, "transfer_gb": [0] * 29, "seats": 0},
        "addons": {"priority": True},
    }  # fmt: skip
    found = sorted((json.loads(row["event"])["id"], json.loads(row["errors"])[0]["rule"]) for row in rejects.collect())
    assert found == [("e6", "event-meter"), ("e7", "event-account")]


def test_spark_aggregation_and_tariff_aggregate_make_the_same_records(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.runs.spark import aggregate_events

    rows = [
        {"id": f"e{n}", "account": f"A{n % 7}", "meter": ("calls", "storage_gb", "transfer_gb", "seats")[n % 4],
         "time": f"2024-02-{1 + n % 29:02d}T{n % 24:02d}:00:00+00:00", "value": n % 13}
        for n in range(300)
    ]  # fmt: skip
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    subscriptions = [{"account": f"A{n}", "edition": ("basic", "plus")[n % 2]} for n in range(7)]
    (tmp_path / "subscriptions.jsonl").write_text("".join(json.dumps(row) + "\n" for row in subscriptions))
    code = main(["aggregate", str(tmp_path / "events.jsonl"), "--subscriptions", str(tmp_path / "subscriptions.jsonl"),
                 "--period", "2024-02", "--tariff", str(MIX), "--out", str(tmp_path / "usage.jsonl")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    events = spark.createDataFrame(rows, "id string, account string, meter string, time string, value long")
    usage, rejects = aggregate_events(events, spark.createDataFrame(subscriptions), "2024-02", str(MIX))
    on_spark = sorted(row["record"] for row in usage.collect())
    assert on_spark == sorted((tmp_path / "usage.jsonl").read_text().splitlines())
    assert rejects.count() == 0


def test_a_spark_run_of_csv_writes_the_local_runs_bytes(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["account,period,edition,usage.dau,usage.groups,addons.message_retention_days,tariff"]
    rows += [
        f'14000{n:05d},2026-11,{("pro", "trial", "gold")[n % 3]},{n * 997},"[{n}, 7]",{(30, 90, 45)[n % 3]},tencent-im' for n in range(200)
    ]
    (tmp_path / "usage.csv").write_text("\n".join(rows) + "\n,,,\n")
    (tmp_path / "local").mkdir()
    (tmp_path / "spark").mkdir()
    local = bill_run(capsys, tmp_path / "usage.csv", tmp_path / "local", "--workers", "1")
    on_spark = bill_run(capsys, tmp_path / "usage.csv", tmp_path / "spark", "--engine", "spark")
    assert on_spark == local
    for name in ("invoices.jsonl", "rejects.jsonl", "summary.csv"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert "records,,,200,\n" in (tmp_path / "local" / "summary.csv").read_text()
