"""`tariff bill-run` and `engine.quote_many`: every record priced or rejected, in input order."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

import engine
from benchmarks import generate
from engine.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fastpath"


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    return path


def expected(target: engine.Tariff | engine.Catalog, records: list[Any]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Invoice lines and (line number, messages) of rejects, worked out one record at a time."""
    invoices, rejects = [], []
    for number, record in enumerate(records, start=1):
        try:
            invoices.append(engine.quote(target, json.loads(json.dumps(record), parse_float=Decimal)).to_json())
        except engine.UsageError as error:
            rejects.append((number, [d.message for d in error.diagnostics]))
    return invoices, rejects


def run(*args: str) -> int:
    return main(["bill-run", *args])


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    records = list(generate.records(3000, bad_rate=0.02))
    return write_jsonl(tmp_path_factory.mktemp("run") / "usage.jsonl", records), records


def test_quote_many_prices_lazily_and_rejects_what_it_cannot_price(im):
    good = {"account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
    endless = itertools.chain([good, {**good, "edition": "gold"}], itertools.repeat(good))
    first, second, third = itertools.islice(engine.quote_many(im, endless), 3)
    assert isinstance(first, engine.Invoice) and first.total == Decimal("1799.96")
    assert isinstance(second, engine.Rejection) and second.record["edition"] == "gold"
    assert [d.rule for d in second.diagnostics] == ["edition"]
    assert third == first


def test_a_month_of_records_each_priced_or_rejected_in_order(im, month, tmp_path, capsys):
    source, records = month
    out, rejects, summary = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl", tmp_path / "summary.csv"
    assert run(str(source), "--out", str(out), "--rejects", str(rejects), "--summary", str(summary), "--workers", "1") == 0
    invoices, refused = expected(im, records)
    assert out.read_text("utf-8").splitlines() == invoices
    written = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert [(entry["line"], [e["message"] for e in entry["errors"]]) for entry in written] == refused
    assert len(invoices) + len(written) == len(records) and written
    assert all(entry["record"] == records[entry["line"] - 1] for entry in written)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["invoices.jsonl", "rejects.jsonl", "summary.csv"]
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in invoices:
        invoice = json.loads(line)
        totals[("USD", invoice["edition"])] += Decimal(invoice["total"])
    rows = list(csv.DictReader(io.StringIO(summary.read_text("utf-8"))))
    assert [(row["item"], row["count"]) for row in rows[:3]] == [
        ("records", "3000"),
        ("invoices", str(len(invoices))),
        ("rejects", str(len(written))),
    ]
    assert {(row["currency"], row["edition"]): Decimal(row["amount"]) for row in rows[4:]} == totals
    assert Decimal(rows[3]["amount"]) == sum(totals.values())
    report = capsys.readouterr().err
    assert f"3000 records read, {len(invoices)} invoices written, {len(written)} rejected" in report
    assert f"total USD {sum(totals.values())} over {len(invoices)} invoices" in report


def test_workers_change_nothing_in_the_outputs(month, tmp_path):
    source, _ = month
    outputs = []
    for workers in ("1", "2"):
        out, rejects = tmp_path / f"invoices-{workers}.jsonl", tmp_path / f"rejects-{workers}.jsonl"
        command = [
            sys.executable,
            "-m",
            "engine",
            "bill-run",
            str(source),
            "--out",
            str(out),
            "--rejects",
            str(rejects),
            "--workers",
            workers,
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append((out.read_bytes(), rejects.read_bytes(), done.stderr.replace(str(rejects), "REJECTS")))
    assert outputs[0] == outputs[1]


def test_rejects_without_a_file_are_shown_first_on_stderr(month, tmp_path, capsys):
    source, records = month
    assert run(str(source), "--out", str(tmp_path / "invoices.jsonl"), "--workers", "1") == 0
    shown, catalog = [], engine.load_catalog()
    for number, record in enumerate(records, start=1):
        try:
            engine.quote(catalog, json.loads(json.dumps(record), parse_float=Decimal))
        except engine.UsageError as error:
            shown.append(f"{source}:{number}: {error.diagnostics[0]}\n")
    more = f"... and {len(shown) - 20} more; --rejects FILE writes them all\n"
    assert capsys.readouterr().err.endswith("".join(shown[:20]) + more)


def test_strict_exits_1_when_a_record_was_rejected(tmp_path):
    good = {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1}}
    assert run(str(write_jsonl(tmp_path / "good.jsonl", [good])), "--out", str(tmp_path / "a.jsonl"), "--strict") == 0
    bad = write_jsonl(tmp_path / "bad.jsonl", [good, {**good, "period": "2026-13"}])
    assert run(str(bad), "--out", str(tmp_path / "b.jsonl"), "--strict") == 1
    assert run(str(bad), "--out", str(tmp_path / "c.jsonl")) == 0


def test_lines_that_are_not_json_are_rejected_with_their_line(tmp_path, capsys):
    source = tmp_path / "usage.jsonl"
    good = json.dumps({"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "trial"})
    source.write_bytes(f"{good}\n\n{{not json\n[1, 2]\nNaN\n".encode() + b'{"account": "\xff"}\n' + f"{good}\n".encode())
    rejects = tmp_path / "rejects.jsonl"
    assert run(str(source), "--out", str(tmp_path / "invoices.jsonl"), "--rejects", str(rejects)) == 0
    entries = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert [(entry["line"], entry["record"], entry["errors"][0]["rule"]) for entry in entries] == [
        (3, "{not json", "usage-syntax"),
        (4, [1, 2], "usage-type"),
        (5, "NaN", "usage-number"),
        (6, '{"account": "\ufffd"}', "encoding"),
    ]
    assert entries[0]["errors"][0] == {
        "severity": "error",
        "rule": "usage-syntax",
        "message": "not valid JSON: Expecting property name enclosed in double quotes",
        "file": str(source),
        "line": 3,
        "column": 2,
        "path": None,
        "hint": None,
    }
    assert len((tmp_path / "invoices.jsonl").read_text("utf-8").splitlines()) == 2
    assert "6 records read, 2 invoices written, 4 rejected" in capsys.readouterr().err


CSV_HEADER = "account,period,edition,usage.dau,usage.groups,addons.message_retention_days,addons.audio_video_call.activated_on,tariff\n"


def test_csv_columns_are_dotted_paths_and_empty_cells_are_absent(im, tmp_path):
    rows = [
        '007,2026-11,pro,32000,"[120000, 98000]",90,2026-10-15,tencent-im',
        "1400000002,2026-11,trial,,,,,",
        "1400000003,2026-11,pro,1.5,1,,,",
        "1400000004,2026-11,pro,10,2,45,,",
        "1400000005,2026-11,pro,10,2",
    ]
    source = tmp_path / "usage.csv"
    source.write_text(CSV_HEADER + "\n".join(rows) + "\n", "utf-8")
    out, rejects = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl"
    assert run(str(source), "--tariff", str(ROOT / "tariffs" / "tencent-im"), "--out", str(out), "--rejects", str(rejects)) == 0
    retention = {"message_retention_days": 90, "audio_video_call": {"activated_on": "2026-10-15"}}
    documents = [
        {
            "tariff": "tencent-im",
            "account": "007",
            "period": "2026-11",
            "edition": "pro",
            "usage": {"dau": 32000, "groups": [120000, 98000]},
            "addons": retention,
        },
        {"account": "1400000002", "period": "2026-11", "edition": "trial"},
    ]
    assert out.read_text("utf-8").splitlines() == [engine.quote(im, document).to_json() for document in documents]
    entries = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert [(entry["line"], [e["message"] for e in entry["errors"]]) for entry in entries] == [
        (4, ["expected a whole number from 0 to 1000000000000, got 1.5"]),
        (5, ["45 is not offered on pro (offered: 30, 90, 180, 360)"]),
        (6, ["the row has 5 cells and the header 8"]),
    ]
    assert entries[0]["record"]["usage.dau"] == "1.5" and entries[2]["record"] == ["1400000005", "2026-11", "pro", "10", "2"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("acount,period,edition\n", "column 'acount' is not a usage field"),
        ("account,period,edition,usage\n", "column 'usage': write usage as usage.NAME, e.g. usage.dau"),
        ("account,period,edition,usage.dau,usage.dau\n", "column 'usage.dau' overlaps column 'usage.dau'"),
        ("", "the CSV file is empty: it needs a header row"),
    ],
)
def test_a_csv_header_that_is_wrong_stops_the_run_before_any_output(tmp_path, capsys, header, message):
    source = tmp_path / "usage.csv"
    source.write_text(header and header + "1,2026-11,pro\n", "utf-8")
    assert run(str(source), "--out", str(tmp_path / "invoices.jsonl")) == 2
    assert message in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["usage.csv"]


def test_input_that_cannot_be_read_exits_2_and_leaves_no_output(tmp_path, capsys):
    assert run(str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "invoices.jsonl")) == 2
    assert "missing.jsonl: error: cannot read input: No such file or directory [io]" in capsys.readouterr().err
    source = tmp_path / "usage.csv"
    source.write_bytes(b"acc\xffount," + CSV_HEADER.encode() + b"1,2026-11,trial,,,,,\n")  # a header not UTF-8: no column is known
    assert run(str(source), "--out", str(tmp_path / "invoices.jsonl"), "--summary", str(tmp_path / "s.csv")) == 2
    assert "usage.csv:1: error: the header is not valid UTF-8 (byte 0xff) [encoding]" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["usage.csv"]


def test_a_tariff_root_prices_records_of_its_tariffs(tmp_path):
    record = {
        "tariff": "mixed",
        "account": "a",
        "period": "2024-03",
        "edition": "basic",
        "usage": {"storage_gb": 1, "calls": 1, "users": 1},
    }
    source = write_jsonl(tmp_path / "usage.jsonl", [record, {**record, "tariff": "tencent-im"}])
    out, rejects = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl"
    assert run(str(source), "--tariff", str(FIXTURES), "--out", str(out), "--rejects", str(rejects)) == 0
    assert out.read_text("utf-8").splitlines() == [engine.quote(engine.load_catalog(FIXTURES), record).to_json()]
    assert json.loads(rejects.read_text("utf-8"))["errors"][0]["message"] == "unknown tariff 'tencent-im' (tariffs: mixed)"


def test_standard_input_and_output(im):
    record = {"account": "1", "period": "2026-11", "edition": "flagship", "usage": {"dau": 1, "groups": 1}}
    command = [sys.executable, "-m", "engine", "bill-run", "-", "--tariff", "tariffs/tencent-im", "--workers", "1"]
    done = subprocess.run(command, cwd=ROOT, input=json.dumps(record) + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == engine.quote(im, record).to_json() + "\n"
    assert done.stderr.startswith("<stdin>: JSON Lines (from its content): 1 record read, 1 invoice written, 0 rejected\n")


def test_the_invoice_writer_writes_what_to_json_writes(im):
    from engine.runs.billrun import InvoiceWriter

    mixed = engine.load_tariff(FIXTURES / "mixed")
    usage = {"storage_gb": [Decimal("500.5"), 700], "calls": [10, 5000], "users": 150, "minutes": Decimal("95.5")}
    odd = {
        "account": 'a "quoted"\\ \u00e9 \u2028 account',
        "period": "2024-03",
        "edition": "plus",
        "usage": usage,
        "addons": {"region": "us"},
    }
    invoices = [engine.quote(im, record) for record in generate.records(2000)] + [engine.quote(mixed, odd)] * 2
    writer = InvoiceWriter()
    assert [writer.json(invoice) for invoice in invoices] == [invoice.to_json() for invoice in invoices]


def test_progress_shows_records_rate_and_time_left(tmp_path, capsys):
    from engine.commands.bill_run import _Progress

    source = tmp_path / "usage.jsonl"
    source.write_bytes(b"x" * 1000)
    with source.open("rb") as stream:
        stream.read(250)
        progress = _Progress(stream, shown=True)
        progress.start -= 10_000  # long enough ago that the moments this test takes do not show
        progress.last -= 1
        progress.show(5_000_000)
        progress.done()
    assert capsys.readouterr().err == "\r5,000,000 records  500/s  25%  500:00 left \r\x1b[K"


def test_a_line_over_the_size_limit_is_rejected_without_holding_it(tmp_path):
    good = json.dumps({"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "trial"})
    huge = json.dumps({"tariff": "tencent-im", "account": "2", "period": "2026-11", "edition": "trial", "pad": "x" * 1_500_000})
    source = tmp_path / "usage.jsonl"
    source.write_text(f"{good}\r\n{huge}\n{good}", "utf-8")  # a CRLF line, and a last line with no newline
    out, rejects = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl"
    assert run(str(source), "--out", str(out), "--rejects", str(rejects)) == 0
    assert len(out.read_text("utf-8").splitlines()) == 2
    (entry,) = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert (entry["line"], entry["errors"][0]["rule"], entry["errors"][0]["message"]) == (
        2,
        "usage-size",
        "the record is over the limit of 1000000 bytes",
    )
    assert entry["record"].startswith('{"tariff": "tencent-im", "account": "2"') and len(entry["record"]) == 1001
