"""Bill runs under hostile conditions: killed at any moment, fed bad records of every kind.

A run killed with SIGKILL leaves no file under a final name that is not the complete output,
and no worker process behind it; every record read is invoiced or rejected, in input order.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ENGINE_PATH, ROOT
from hypothesis import given
from hypothesis import strategies as st

import engine
from benchmarks import generate
from engine.runs.billrun import Tariffs, Totals, run_batches
from engine.runs.records import csv_batches, csv_header, json_batches

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc (Linux)")

OUTPUTS = ("invoices.jsonl", "rejects.jsonl", "summary.csv")
GARBAGE = (
    b"{not json",
    b"",
    b"[1, 2]",
    b'"a string"',
    b"   \t",
    b'{"tariff": "tencent-im", "account": "\xff", "period": "2026-11", "edition": "pro"}',
    b'{"tariff": "nope", "account": "1", "period": "2026-11", "edition": "pro"}',
    b'{"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": NaN, "groups": 1}}',
    b'{"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": true, "groups": 1}}',
    b"[" * 5000,
    b"\r",
)


def hostile_month(count: int) -> bytes:
    """`count` generated records (3% broken on purpose), each 97th preceded by a line of garbage."""
    lines = []
    for index, record in enumerate(generate.records(count, bad_rate=0.03)):
        if index % 97 == 0:
            lines.append(GARBAGE[index // 97 % len(GARBAGE)])
        lines.append(json.dumps(record, separators=(",", ":")).encode())
    return b"\n".join(lines) + b"\n"


@pytest.fixture(scope="module")
def usage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "usage.jsonl"
    path.write_bytes(hostile_month(20_000))
    return path


def bill_run(usage: Path, where: Path, workers: int) -> subprocess.Popen[bytes]:
    """`tariff bill-run` in a session of its own (its process group is its pid), writing into `where`."""
    where.mkdir(exist_ok=True)
    outputs = ["--out", str(where / OUTPUTS[0]), "--rejects", str(where / OUTPUTS[1]), "--summary", str(where / OUTPUTS[2])]
    command = [sys.executable, "-m", "engine", "bill-run", str(usage), *outputs, "--workers", str(workers)]
    env = {**os.environ, **ENGINE_PATH}
    with (where.parent / f"{where.name}.stderr").open("wb") as stderr:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )


def living(group: int) -> list[int]:
    """Processes of a process group that are alive (a zombie is dead: only its exit status is left)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # it ended while we looked
            continue
        state, _, pgid = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgid) == group and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    """Until `condition` holds or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.002)


@dataclass(frozen=True)
class Full:
    """The outputs of a run that was not killed, and how long it took."""

    outputs: dict[str, bytes]
    seconds: float


@pytest.fixture(scope="module")
def full(usage: Path, tmp_path_factory: pytest.TempPathFactory) -> Full:
    where = tmp_path_factory.mktemp("full") / "out"
    start = time.monotonic()
    process = bill_run(usage, where, workers=2)
    assert process.wait(timeout=120) == 0, (where.parent / "out.stderr").read_text()
    seconds = time.monotonic() - start
    assert sorted(path.name for path in where.iterdir()) == sorted(OUTPUTS)
    return Full({name: (where / name).read_bytes() for name in OUTPUTS}, seconds)


def test_a_full_run_invoices_or_rejects_every_record_in_order(usage, full):
    lines = usage.read_bytes().split(b"\n")[:-1]
    records = [number for number, line in enumerate(lines, start=1) if line.strip()]  # blank lines are not records
    invoices = [json.loads(line) for line in full.outputs["invoices.jsonl"].splitlines()]
    rejected = [json.loads(line)["line"] for line in full.outputs["rejects.jsonl"].splitlines()]
    blank = sum(not GARBAGE[index % len(GARBAGE)].strip() for index in range(len(range(0, 20_000, 97))))
    assert len(lines) - len(records) == blank == 56  # of the 207 lines of garbage
    assert len(records) == len(invoices) + len(rejected)
    assert rejected == sorted(rejected) and set(rejected) <= set(records)
    assert {number for number in records if lines[number - 1] in GARBAGE} <= set(rejected)
    invoiced = [number for number in records if number not in set(rejected)]
    assert [invoice["account"] for invoice in invoices] == [json.loads(lines[number - 1])["account"] for number in invoiced]
    summary = full.outputs["summary.csv"].decode().splitlines()
    assert summary[1:4] == [f"records,,,{len(records)},", f"invoices,,,{len(invoices)},", f"rejects,,,{len(rejected)},"]


# -- killed at any moment --------------------------------------------------------------------------------------

_DRAW = random.Random(6)  # fixed: CI kills at the same moments (as shares of the full run) every time
KILLS = [
    (1, "start-up", _DRAW.uniform(0.05, 0.3)),  # a share of the full run's time: loading tariffs, opening outputs
    (2, "start-up", 0.0),  # as soon as the first worker process exists
    *[(workers, "any time", _DRAW.uniform(0.1, 1.0)) for workers in (1, 2)],  # a share of the full run's time
    *[(workers, "mid-run", _DRAW.uniform(0.3, 0.9)) for workers in (1, 2)],  # a share of the invoices written
    *[(workers, "near the end", 1.0) for workers in (1, 2)],  # every invoice written: finishing, or just finished
]


def moment(kind: str, share: float, process: subprocess.Popen[bytes], where: Path, full: Full) -> Callable[[], bool]:
    """When to kill: a share of the full run's time, the first worker, or a share of the invoices written."""
    if kind == "start-up" and share == 0.0:
        return lambda: len(living(process.pid)) > 1
    if kind in ("start-up", "any time"):
        at = time.monotonic() + share * full.seconds
        return lambda: time.monotonic() >= at
    partial, size = where / f"{OUTPUTS[0]}.partial-{process.pid}", len(full.outputs[OUTPUTS[0]])
    return lambda: partial.exists() and partial.stat().st_size >= share * size


def killed(process: subprocess.Popen[bytes], when: Callable[[], bool]) -> list[int]:
    """SIGKILL the run (not its workers) at `when`; the processes of its group still alive a while after."""
    try:
        wait_for(lambda: when() or process.poll() is not None, 60)
        process.kill()
        process.wait()
        wait_for(lambda: not living(process.pid), 10)
        return living(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left, so that nothing outlives the test
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@needs_proc
@pytest.mark.parametrize(("workers", "kind", "share"), KILLS, ids=[f"{w} workers, {kind} ({share:.2f})" for w, kind, share in KILLS])
def test_a_killed_run_leaves_only_complete_outputs_and_no_workers(usage, full, tmp_path, workers, kind, share):
    where = tmp_path / "out"
    process = bill_run(usage, where, workers)
    orphans = killed(process, moment(kind, share, process, where, full))
    assert orphans == [], f"worker processes outlived the killed run: {orphans}"
    if kind in ("start-up", "mid-run"):
        assert process.returncode == -signal.SIGKILL  # killed before it could finish
    for path in where.iterdir():
        if path.name in OUTPUTS:  # under its final name: the whole output of a run
            assert path.read_bytes() == full.outputs[path.name], path.name
            continue
        final, _, pid = path.name.rpartition(".partial-")
        assert final in OUTPUTS and pid == str(process.pid), path.name
        assert full.outputs[final].startswith(path.read_bytes()), f"{path.name} is not the start of {final}"


# A run that dies while holding the lock under which its workers read work (as `Pool.terminate()` holds it
# while it drains the queue, the moment the kills above found): the pool takes that lock before any worker starts.
HELD_POOL = """
import multiprocessing.pool, os, signal, sys, time
from engine.runs.billrun import Tariffs, _start_worker

class HeldPool(multiprocessing.pool.Pool):
    def _setup_queues(self):
        super()._setup_queues()
        self._inqueue._rlock.acquire()

pool = HeldPool(2, initializer=_start_worker, initargs=(Tariffs(sys.argv[1]), "usage"))
time.sleep(0.2)
os.kill(os.getpid(), signal.SIGKILL)
"""


@needs_proc
def test_workers_end_when_their_run_dies_holding_the_lock_they_wait_for():
    command = [sys.executable, "-c", HELD_POOL, str(ROOT / "tariffs" / "tencent-im")]
    env = {**os.environ, **ENGINE_PATH}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=60)
        wait_for(lambda: not living(process.pid), 10)
        left = living(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert left == [], f"worker processes outlived their run: {left}"


def test_a_run_removes_the_temporaries_that_killed_runs_left(tmp_path):
    import fcntl

    from engine.cli import main

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its process number belongs to no one now
    source = tmp_path / "usage.jsonl"
    source.write_bytes(hostile_month(50))
    planted = {
        f"invoices.jsonl.partial-{dead.pid}": False,  # a killed run's: removed
        f"rejects.jsonl.partial-{dead.pid}": True,  # locked: a worker of the killed run still holds it
        f"invoices.jsonl.partial-{os.getppid()}": True,  # a run that is still running
        "invoices.jsonl.partial-copy": True,  # not a run's: left alone
        f"other.jsonl.partial-{dead.pid}": True,  # another output's
    }
    for name in planted:
        (tmp_path / name).write_bytes(b"{")
    with (tmp_path / f"rejects.jsonl.partial-{dead.pid}").open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert main(["bill-run", str(source), "--out", str(tmp_path / "invoices.jsonl"), "--rejects", str(tmp_path / "rejects.jsonl")]) == 0
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(["usage.jsonl", "invoices.jsonl", "rejects.jsonl", *(name for name, kept in planted.items() if kept)])


def test_an_output_that_cannot_be_written_stops_the_run_with_a_diagnostic_and_leaves_nothing(usage, tmp_path):
    import resource

    def small_files() -> None:  # a full disk, as far as this run can tell: writing past 1 MB fails with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    where = tmp_path / "out"
    where.mkdir()
    command = [sys.executable, "-m", "engine", "bill-run", str(usage), "--out", str(where / "invoices.jsonl"), "--workers", "2"]
    env = {**os.environ, **ENGINE_PATH, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, preexec_fn=small_files)
    found = "tariffs: tariffs (the nearest tariffs/ folder)\n"
    assert (done.returncode, done.stderr) == (2, f"{found}{where / 'invoices.jsonl'}: error: cannot write: File too large [io]\n")
    assert list(where.iterdir()) == []


# -- records in = invoices + rejects, whatever the records ----------------------------------------------------

IM_RECORDS = list(generate.records(200))
ACCOUNTS = st.text(alphabet="0123456789abc", min_size=1, max_size=6)
DECIMALS = st.sampled_from((Decimal(0), Decimal("0.5"), Decimal("12.25"), Decimal(700)))
OTHER_RECORDS = st.one_of(
    st.fixed_dictionaries(
        {
            "tariff": st.just("im-history"),
            "account": ACCOUNTS,
            "period": st.sampled_from(("2023-12", "2024-06", "2025-08", "2026-03")),  # 2023-12: no version in force
            "edition": st.sampled_from(("trial", "pro")),
            "usage": st.fixed_dictionaries({"dau": st.integers(0, 10**6)}),
        }
    ),
    st.fixed_dictionaries(
        {
            "tariff": st.just("mixed"),
            "account": ACCOUNTS,
            "period": st.sampled_from(("2024-03", "2025-12")),
            "edition": st.sampled_from(("basic", "plus")),
            "usage": st.fixed_dictionaries(
                {
                    "storage_gb": st.lists(DECIMALS, min_size=1, max_size=3),
                    "calls": st.lists(st.integers(0, 5000), min_size=1, max_size=3),
                    "users": st.integers(0, 200),
                },
                optional={"minutes": st.sampled_from((Decimal("95.5"), Decimal(3)))},
            ),
        },
        optional={"addons": st.fixed_dictionaries({}, optional={"region": st.sampled_from(("us", "eu")), "support": st.just(True)})},
    ),
)
RECORDS = st.one_of(st.sampled_from(IM_RECORDS), OTHER_RECORDS)  # three tariffs, two currencies, several versions
# (path, value): each makes any of these records refused, whatever its tariff
BROKEN_JSON = (
    (("tariff",), "nope"),
    (("tariff",), 5),
    (("account",), None),
    (("account",), ""),
    (("account",), True),
    (("period",), "2026-13"),
    (("period",), 202611),
    (("edition",), "gold"),
    (("edition",), []),
    (("usage",), []),
    (("usage", "dau"), -1),
    (("usage", "dau"), 10**12 + 1),
    (("usage", "dau"), True),
    (("usage", "dau"), "12"),
    (("usage", "dau"), Decimal("1.5")),
    (("usage", "dau"), 10**200),
    (("usage", "dau"), {"a": 1}),
    (("usage", "groups"), []),
    (("addons",), "x"),
    (("extra",), 1),
    (("usage", "dau"), None),  # null is refused wherever a value belongs (`usage: null` is none, as the schema says)
    (("tariff",), None),
)
BROKEN_CSV = (  # values that a CSV cell gives back as they are
    (("tariff",), "nope"),
    (("account",), " padded "),
    (("period",), "2026-13"),
    (("edition",), "gold"),
    (("usage", "dau"), -1),
    (("usage", "dau"), 10**12 + 1),
    (("usage", "dau"), True),
    (("usage", "dau"), "lots"),
    (("usage", "dau"), Decimal("1.5")),
    (("usage", "dau"), []),
    (("addons", "message_retention_days"), 45),
)
ANY_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")
GARBAGE_JSON = (  # (the rule that refuses it, a line that is no usage document)
    ("usage-syntax", st.text(ANY_TEXT, max_size=20).map(lambda text: f"{{x{text}".encode())),
    ("usage-syntax", st.sampled_from((b"[" * 100_000, b"\xc2\xa0"))),  # a nesting bomb; a no-break space is not blank
    (
        "usage-type",
        st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=10), st.lists(st.integers(), max_size=3)).map(
            lambda value: json.dumps(value).encode()
        ),
    ),
    ("encoding", st.sampled_from((b'{"account": "\xff"}', b"\xc3\x28", b"\xed\xa0\x80"))),
    ("usage-number", st.sampled_from((b'{"usage": {"dau": NaN}}', b"Infinity", b"1" * 101))),
    ("usage-number", st.sampled_from((b'{"usage": {"dau": 1e9999999999999999999}}', b"-2.5E-99999999999999999999"))),
    ("encoding", st.sampled_from((b'{"account": "\\ud800"}', b'{"usage": {"\\udfff": 1}}', b'["x\\uDBFF"]'))),  # lone surrogates
    ("duplicate-key", st.sampled_from((b'{"edition": "trial", "edition": "pro"}', b'{"usage": {"dau": 1, "dau": 2}}'))),
)
GARBAGE_CSV = (
    ("csv-row", st.sampled_from(("x", "a,b", "," * 40 + "x", "\u00a0"))),  # a no-break space is not blank
    ("csv-row", st.sampled_from(('"a quote left open,x', "x," + "9" * 140_000))),  # a stray quote; a cell over the csv limit
)
BLANK_JSON = (b"", b" ", b"\t \r", b"\x0c", b"\r")  # blank lines: only spaces, tabs, CR, VT, FF
BLANK_CSV = ("", " ", ",,,", " , \t,", "\x0c,\x0b")  # blank rows: every cell empty or white space
OVER_LONG = b'{"pad": "' + b"x" * 1_000_001 + b'"}'


@dataclass(frozen=True)
class Line:
    """A line of input: a usage document (maybe broken on purpose), or raw text (refused by `rule`, or blank)."""

    record: dict[str, Any] | None = None
    broken: bool = False
    raw: bytes = b""
    rule: str | None = None


ODD = ((("account",), 'comma, "quote"'), (("account",), 7))  # taken by the engine; in CSV, a quoted cell with a quote


def _changed(record: dict[str, Any], change: tuple[tuple[str, ...], Any]) -> dict[str, Any]:
    path, value = change
    record = copy.deepcopy(record)
    node = record
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return record


def lines(broken: tuple[tuple[tuple[str, ...], Any], ...], garbage: Any, blank: tuple[Any, ...]) -> Any:
    return st.one_of(
        RECORDS.map(lambda record: Line(record)),
        st.tuples(RECORDS, st.sampled_from(broken)).map(lambda drawn: Line(_changed(*drawn), broken=True)),
        st.tuples(RECORDS, st.sampled_from(ODD)).map(lambda drawn: Line(_changed(*drawn))),
        st.sampled_from(blank).map(lambda raw: Line(raw=raw if isinstance(raw, bytes) else raw.encode())),
        *[
            strategy.map(lambda raw, rule=rule: Line(raw=raw if isinstance(raw, bytes) else raw.encode(), rule=rule))
            for rule, strategy in garbage
        ],
    )


@pytest.fixture(scope="module")
def tariffs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tariffs, engine.Catalog]:
    """A tariff root of three tariffs: the shipped IM tariff, one of three versions, one in EUR."""
    root = tmp_path_factory.mktemp("tariffs")
    for directory in (
        ROOT / "tariffs" / "tencent-im",
        ROOT / "tests" / "fixtures" / "im-history",
        ROOT / "tests" / "fixtures" / "fastpath" / "mixed",
    ):
        shutil.copytree(directory, root / directory.name)
    return Tariffs(str(root)), engine.load_catalog(root)


def outcome(catalog: engine.Catalog, document: Any) -> str | list[str]:
    """What `tariff quote` makes of one document alone: its invoice, or the messages of its errors."""
    try:
        return engine.quote(catalog, document).to_json()
    except engine.UsageError as error:
        return [diagnostic.message for diagnostic in error.diagnostics]


def bill(tariffs: tuple[Tariffs, engine.Catalog], batches: Any, workers: int) -> tuple[list[bytes], list[Any], Totals]:
    invoices: list[bytes] = []
    rejects: list[Any] = []
    totals = Totals()
    for priced in run_batches(tariffs[1], tariffs[0], batches, "usage", workers):
        invoices += priced.invoices.split(b"\n")[:-1]
        rejects += [json.loads(line) for line in priced.rejects.split(b"\n")[:-1]]
        totals.add(priced.totals)
    return invoices, rejects, totals


def check(catalog: engine.Catalog, found: tuple[list[bytes], list[Any], Totals], expected: list[tuple[int, Line, Any]]) -> None:
    """Each record (not each blank line) invoiced or rejected, in input order; rejects with their line; totals agree.

    `expected`: (line number, line, document) of each record, in input order.
    """
    invoices, rejects, totals = found
    results = [
        (number, line, None if line.record is None or line.broken else outcome(catalog, document)) for number, line, document in expected
    ]
    assert [invoice.decode() for invoice in invoices] == [result for _, _, result in results if isinstance(result, str)]
    refused = [(number, line, result) for number, line, result in results if not isinstance(result, str)]
    assert [entry["line"] for entry in rejects] == [number for number, _, _ in refused]
    for entry, (_, line, messages) in zip(rejects, refused, strict=True):
        assert entry["errors"], entry
        if line.rule is not None:
            assert entry["errors"][0]["rule"] == line.rule, entry
        if messages is not None:  # a record that `tariff quote` refuses alone: the same messages
            assert [error["message"] for error in entry["errors"]] == messages
    assert totals.records == len(expected) == totals.invoices + totals.rejects == len(invoices) + len(rejects)
    sums: dict[tuple[str, str], list[Any]] = {}
    for invoice in map(json.loads, invoices):
        found_sum = sums.setdefault((invoice["currency"], invoice["edition"]), [0, Decimal(0)])
        found_sum[0] += 1
        found_sum[1] += Decimal(invoice["total"])
    assert totals.by_edition == sums


@pytest.mark.parametrize("workers", [1, 2])
@given(drawn=st.lists(lines(BROKEN_JSON, GARBAGE_JSON, BLANK_JSON), max_size=25), size=st.sampled_from((64, 1000, 1 << 16)), data=st.data())
def test_every_json_line_is_invoiced_or_rejected_in_order(tariffs, workers, drawn, size, data):
    if size == 1 << 16 and data.draw(st.booleans(), label="an over-long line"):  # small blocks would read it slowly
        drawn.insert(data.draw(st.integers(0, len(drawn))), Line(raw=OVER_LONG, rule="usage-size"))
    crlf = data.draw(st.booleans(), label="CRLF")
    raw = [json.dumps(line.record, default=float).encode() + b"\r" * crlf if line.record is not None else line.raw for line in drawn]
    expected = [
        (number, line, json.loads(text, parse_float=Decimal) if line.record is not None else None)
        for number, (line, text) in enumerate(zip(drawn, raw, strict=True), start=1)
        if line.record is not None or line.raw.strip()
    ]
    batches = json_batches(io.BytesIO(b"\n".join(raw) + b"\n" * data.draw(st.booleans(), label="last newline")), size)
    check(tariffs[1], bill(tariffs, batches, workers), expected)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _columns(record: dict[str, Any]) -> dict[str, str]:
    cells = {}
    for key, value in record.items():
        if key in ("usage", "addons"):
            for name, inner in value.items():
                for path, leaf in inner.items() if isinstance(inner, dict) else [(None, inner)]:
                    cells[".".join(filter(None, (key, name, path)))] = _cell(leaf)
        else:
            cells[key] = _cell(value)
    return cells


@pytest.mark.parametrize("workers", [1, 2])
@given(drawn=st.lists(lines(BROKEN_CSV, GARBAGE_CSV, BLANK_CSV), max_size=25), size=st.sampled_from((16, 256, 1 << 16)))
def test_every_csv_row_is_invoiced_or_rejected_in_order(tariffs, workers, drawn, size):
    rows = [_columns(line.record) if line.record is not None else None for line in drawn]
    header = sorted({"tariff", "account", "period", "edition"}.union(*(row for row in rows if row)))
    text = io.StringIO()
    text.write(",".join(header) + "\n")
    writer = csv.writer(text, lineterminator="\n")
    expected = []
    for line, row in zip(drawn, rows, strict=True):
        number = text.getvalue().count("\n") + 1
        if row is None:
            text.write(line.raw.decode() + "\n")
        else:
            writer.writerow([row.get(column, "") for column in header])
        if row is not None or any(cell.strip(" \t\n\r\x0b\x0c") for cell in line.raw.decode().split(",")):
            expected.append((number, line, line.record))
    stream = io.BytesIO(text.getvalue().encode())
    paths = csv_header(stream, "usage.csv")
    check(tariffs[1], bill(tariffs, csv_batches(stream, paths, size), workers), expected)
