"""Bill-run input whatever its bytes, and outputs whatever they are.

Every record is invoiced or rejected, each line on its own: a poisonous record (an exponent
beyond any number, a lone surrogate, a key given twice, a quote left open, a cell over the csv
module's limit, bytes that are not UTF-8) is that line's reject. The format is told from the
content and said; outputs that are not regular files are written through, never replaced.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARIFF = ROOT / "tariffs" / "tencent-im"
# The worked example on pro: plan 449.99 + 3 DAU blocks 1349.97 + groups 0.00 + 90-day retention 179.99 = 1979.95.
GOOD = '{"tariff": "tencent-im", "account": "%s", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}, "addons": {"message_retention_days": 90}}'
GOOD_TOTAL = "1979.95"
CSV_HEADER = "tariff,account,period,edition,usage.dau,usage.groups,addons.message_retention_days\n"
GOOD_ROW = "tencent-im,%s,2026-11,pro,32000,1,90\n"


def bill_run(tmp_path: Path, source: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[dict], list[dict]]:
    out, rejects = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl"
    command = [sys.executable, "-m", "engine", "bill-run", str(source), "--tariff", str(TARIFF), "--out", str(out), "--rejects", str(rejects)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*command, *extra], capture_output=True, text=True, env=environment, timeout=120, check=False)
    return done, _lines(out), _lines(rejects)


def _lines(path: Path) -> list[dict]:
    """The JSON lines of a regular output file (a FIFO is read by its own test)."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.is_file() else []


def test_poisonous_json_lines_are_each_rejected_and_the_rest_invoiced(tmp_path: Path) -> None:
    lines = [
        GOOD % "a1",
        GOOD.replace('"dau": 32000', '"dau": 1e9999999999999999999') % "a2",
        GOOD % "a3\\ud800",
        GOOD.replace('"edition": "pro"', '"edition": "trial", "edition": "pro"') % "a4",
        GOOD % "a5",
    ]
    source = tmp_path / "usage.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    done, invoices, rejects = bill_run(tmp_path, source, "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert [(invoice["account"], invoice["total"]) for invoice in invoices] == [("a1", GOOD_TOTAL), ("a5", GOOD_TOTAL)]
    assert [(reject["line"], [e["rule"] for e in reject["errors"]]) for reject in rejects] == [
        (2, ["usage-number"]),
        (3, ["encoding"]),
        (4, ["duplicate-key"]),
    ]
    assert rejects[1]["errors"][0]["message"] == "the text at account holds \\ud800, half of a surrogate pair and not a character"


def test_poisonous_csv_rows_are_each_rejected_and_the_rest_invoiced(tmp_path: Path) -> None:
    rows = [
        GOOD_ROW % "c1",
        'tencent-im,"c2,2026-11,pro,32000,1,90\n',  # a quote left open: it would swallow the rows below
        GOOD_ROW % "c3",
        "tencent-im,c4,2026-11,pro,1e9999999999999999999,1,90\n",
        "tencent-im,c5,2026-11,pro,32000,1," + "9" * 200_000 + "\n",  # a cell over the csv module's 131072 characters
        GOOD_ROW % "c6",
    ]
    source = tmp_path / "usage.csv"
    source.write_bytes((CSV_HEADER + "".join(rows)).encode() + b"tencent-im,c\xff7,2026-11,pro,32000,1,90\n" + (GOOD_ROW % "c8").encode())
    done, invoices, rejects = bill_run(tmp_path, source, "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert [(invoice["account"], invoice["total"]) for invoice in invoices] == [("c1", GOOD_TOTAL), ("c3", GOOD_TOTAL), ("c6", GOOD_TOTAL), ("c8", GOOD_TOTAL)]
    assert [(reject["line"], reject["errors"][0]["message"]) for reject in rejects] == [
        (3, "the row is not CSV: a quoted cell is not closed on its line"),
        (5, "expected a whole number from 0 to 1000000000000, got text '1e9999999999999999999'"),
        (6, "the row is not CSV: a cell is over the limit of 131072 characters"),
        (8, "the line is not valid UTF-8 (byte 0xff at column 13)")  # tencent-im,c is 12 bytes,
    ]
    assert "8 records read, 4 invoices written, 4 rejected" in done.stderr


def test_a_csv_file_named_txt_is_read_as_csv_and_the_report_says_so(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text(CSV_HEADER + GOOD_ROW % "t1", "utf-8")
    done, invoices, rejects = bill_run(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert ([invoice["total"] for invoice in invoices], rejects) == ([GOOD_TOTAL], [])
    assert done.stderr.splitlines()[:3] == [
        f"{source}: CSV (from its content): 1 record read, 1 invoice written, 0 rejected",
        f"total USD {GOOD_TOTAL} over 1 invoice",
        f"  pro: USD {GOOD_TOTAL} over 1 invoice",
    ]


def test_json_lines_in_a_file_named_csv_are_read_as_json_lines(tmp_path: Path) -> None:
    source = tmp_path / "usage.csv"
    source.write_text("\n" + GOOD % "j1" + "\n", "utf-8")
    done, invoices, _ = bill_run(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert [invoice["account"] for invoice in invoices] == ["j1"]
    assert done.stderr.startswith(f"{source}: JSON Lines (from its content): 1 record read,")


def test_a_format_that_is_asked_for_is_used_and_when_nothing_prices_the_run_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text(CSV_HEADER + GOOD_ROW % "t1" + GOOD_ROW % "t2", "utf-8")
    done, invoices, rejects = bill_run(tmp_path, source, "--input-format", "jsonl")
    assert (done.returncode, invoices) == (1, [])
    assert [reject["line"] for reject in rejects] == [1, 2, 3]
    assert done.stderr.splitlines() == [
        f"{source}: JSON Lines (as asked): 3 records read, 0 invoices written, 3 rejected ({tmp_path / 'rejects.jsonl'})",
        f"no record could be priced: is {source} JSON Lines? --input-format names the format",
    ]


def test_a_reject_shown_on_stderr_carries_its_place_once(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes((GOOD % "x1").encode() + b"\n{\xff}\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "engine", "bill-run", str(source), "--tariff", str(TARIFF), "--out", str(tmp_path / "o.jsonl")]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, check=False)
    assert f"{source}:2: error: the line is not valid UTF-8 (byte 0xff at column 2) [encoding]" in done.stderr.splitlines()


def test_a_csv_column_named_like_a_meter_suggests_its_dotted_path(tmp_path: Path) -> None:
    source = tmp_path / "usage.csv"
    source.write_text("account,period,edition,dau\n1,2026-11,pro,5\n", "utf-8")
    done, _, _ = bill_run(tmp_path, source)
    assert (done.returncode, done.stderr) == (
        2,
        f"{source}:1: error: column 'dau' is not a usage field (fields: tariff, account, period, edition, usage, addons, timeline, currency, coupons, tax_region, credits; "
        "under usage and addons, dotted paths) [csv-header]\nhint: a meter is written usage.dau, an add-on addons.dau\n",
    )


def test_a_jsonl_file_whose_first_line_is_not_json_says_how_to_read_it_as_json_lines(tmp_path: Path) -> None:
    source = tmp_path / "usage.jsonl"
    source.write_text("garbage line\n" + GOOD % "g1" + "\n", "utf-8")
    done, _, _ = bill_run(tmp_path, source)
    assert done.returncode == 2
    assert done.stderr.endswith(
        "hint: the input was read as CSV, as its first line does not start with '{'; --input-format jsonl reads it as JSON Lines\n"
    )


# -- outputs that are not regular files ------------------------------------------------------------


def test_a_symlinked_output_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    source = tmp_path / "usage.jsonl"
    source.write_text(GOOD % "s1" + "\n", "utf-8")
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "invoices.jsonl"
    real.write_text("old\n", "utf-8")
    link = tmp_path / "invoices.jsonl"
    link.symlink_to(real)
    done, _, _ = bill_run(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [json.loads(line)["total"] for line in real.read_text("utf-8").splitlines()] == [GOOD_TOTAL]
    assert sorted(path.name for path in real.parent.iterdir()) == ["invoices.jsonl"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_output_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    source = tmp_path / "usage.jsonl"
    source.write_text(GOOD % "f1" + "\n" + GOOD % "f2" + "\n", "utf-8")
    fifo = tmp_path / "invoices.jsonl"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done, _, _ = bill_run(tmp_path, source)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [json.loads(line)["account"] for line in received[0].splitlines()] == ["f1", "f2"]
    assert not list(tmp_path.glob("*.partial-*"))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node takes root")
def test_a_device_as_output_stays_the_device(tmp_path: Path) -> None:
    # A null device of the test's own (major 1, minor 3, as /dev/null on Linux): the system's is never put at risk.
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    source = tmp_path / "usage.jsonl"
    source.write_text(GOOD % "n1" + "\n", "utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "engine", "bill-run", str(source), "--tariff", str(TARIFF), "--out", str(device), "--summary", str(device)]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["null", "usage.jsonl"]


def test_a_run_that_stops_after_writing_invoices_to_stdout_says_they_are_not_all(tmp_path: Path) -> None:
    import resource
    import signal

    def small_files() -> None:  # the rejects file cannot grow past 64 KB: writing more fails with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, 1 << 16))

    # 3,000 records, every third one refused (edition gold): the rejects outgrow 64 KB after invoices have gone out.
    lines = [GOOD.replace('"pro"', '"gold"') % f"r{i}" if i % 3 == 0 else GOOD % f"r{i}" for i in range(3000)]
    source = tmp_path / "usage.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    rejects = tmp_path / "rejects.jsonl"
    command = [sys.executable, "-m", "engine", "bill-run", str(source), "--tariff", str(TARIFF), "--rejects", str(rejects), "--workers", "1"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, preexec_fn=small_files, check=False)
    written = len(done.stdout.splitlines())
    assert done.returncode == 2 and 0 < written < 2000
    assert done.stderr.splitlines()[-1] == (
        f"<stdout>: error: the run stopped: the {written} invoices on standard output are not all of them [run-unfinished]"
    )
    assert not rejects.exists()
