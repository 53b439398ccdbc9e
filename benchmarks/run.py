"""The benchmark suite: the engine against a hand-written rater, loading, cold start, bill runs.

    python -m benchmarks            # everything, with the full 1,000,000-record bill run (about 80 s here)
    python -m benchmarks --quick    # the same table in about 20 s (20,000 records, fewer rounds)
    python -m benchmarks --only page   # one section: invoice, periods, terms, load, large, cli, billrun, http, page or spark
    python -m benchmarks --only spark  # bill runs on Spark local[2] against the local run (benchmarks/spark.py)

Run it from the repository root (or with the engine installed). It prints one table; each
figure says how it was measured. Timings are medians; the engine and the hand-written rater
run interleaved in the same rounds, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import generate, handwritten, periods
from benchmarks.loading import load_rows
from benchmarks.page_load import page_load
from benchmarks.targets import Target, lines, ratio_at_least, ratio_at_most

ROOT = Path(__file__).resolve().parent.parent
IM = ROOT / "tariffs" / "tencent-im"
EXAMPLE = ROOT / "examples" / "pro-usage.yaml"
JSON_EXAMPLE = ROOT / "examples" / "pro-usage.json"  # the same document
Row = tuple[str, str, str]
Rows = list[Row | Target]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run: 20,000 records, fewer rounds")
    parser.add_argument("--records", type=int, help="records in the bill run (default: 1,000,000; 20,000 with --quick)")
    parser.add_argument(
        "--only",
        default="invoice,periods,load,large,cli,billrun,http,page",
        help="sections, comma-separated: invoice, periods, terms, load, large, cli, billrun, http, page, spark (default: all but spark)",
    )
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the engine pricing invoices")
    args = parser.parse_args(argv)
    records = args.records or (20_000 if args.quick else 1_000_000)
    rounds, runs = (7, 7) if args.quick else (21, 21)
    sections = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="tariff-bench-") as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")  # a cache of the benchmark's own
        os.environ.pop("TARIFF_ENGINE_CACHE", None)
        rows: Rows = [("command", " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])]), "")]
        rows += [("machine", f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}", f"load average {_load()}")]
        if "invoice" in sections:
            rows += per_invoice(rounds, args.profile)
        if "periods" in sections:
            rows += per_timeline_invoice(rounds)
        if "invoice" in sections or "terms" in sections:  # `invoice` runs both; `terms` the tariff with terms alone
            rows += per_invoice_with_terms(rounds)
        if "load" in sections:
            rows += load_and_compile(runs)
            rows += load_rows(max(5, runs // 3))  # benchmarks/loading.py: per KB, several sizes
        if "large" in sections:  # benchmarks/large.py: 10 to 1,000 charges on 1 to 50 editions
            from benchmarks.large import large_rows

            rows += large_rows(Path(scratch), rounds, fresh=not args.quick)
        if "cli" in sections:
            rows += cold_cli(runs)
        if "billrun" in sections:
            rows += bill_run(records, Path(scratch))
        if "http" in sections:  # single documents beside back-to-back batches (benchmarks/http_load.py)
            from benchmarks.http_load import stall_rows

            rows += stall_rows(2 if args.quick else 8)
        if "page" in sections:
            rows += page_load(3 if args.quick else 11)
        if "spark" in sections:  # not in the default: needs '.[spark]' and Java (python -m benchmarks --only spark)
            from benchmarks.spark import spark_rows

            rows += spark_rows(records, Path(scratch))
    _print(rows)
    return 0


# -- per invoice --------------------------------------------------------------------------------


def per_invoice(rounds: int, profile: bool) -> Rows:
    """engine.quote on a loaded tariff against the hand-written rater, on the same documents."""
    import engine

    tariff = engine.load_tariff(IM)
    documents = [json.loads(json.dumps(record), parse_float=Decimal) for record in generate.records(4000)]
    timed = _interleaved(tariff, documents, handwritten.rate, rounds)
    if profile:
        _profile(lambda: [engine.quote(tariff, d) for d in documents * 5])
    how = f"{len(documents)} generated documents (IM tariff, all editions, 25% daily series), median of {rounds} interleaved rounds"
    rater = ("hand-written rater", "benchmarks/handwritten.py: same checks, same Invoice objects")
    return _compared("per invoice", timed, how, rater, "ratio engine / rater", ("per invoice, IM tariff", 1.2))


def per_timeline_invoice(rounds: int) -> Rows:
    """engine.quote of documents with timelines (starts, cancellations, edition changes) against a hand-written rater."""
    import engine

    tariff = engine.load_tariff(periods.TARIFF)
    documents = periods.documents(4000)
    timed = _interleaved(tariff, documents, periods.rate, rounds)
    how = f"{len(documents)} documents of prorated-plan, 2/3 with a timeline, median of {rounds} interleaved rounds"
    rater = ("hand-written rater", "benchmarks/periods.py: same checks, same Invoice objects")
    return _compared("per timeline invoice", timed, how, rater, "ratio", ("per invoice, periods and proration", 1.5))


def per_invoice_with_terms(rounds: int) -> Rows:
    """A tariff with a coupon, a minimum, a tax and credits: engine.quote against its hand-written rater."""
    import engine
    from benchmarks import terms

    tariff = engine.load_tariff(terms.TARIFF)
    documents = list(terms.documents(4000))
    timed = _interleaved(tariff, documents, terms.rate, rounds)
    how = f"{len(documents)} generated documents (saas-terms: coupon, minimum, tax, credits), median of {rounds} interleaved rounds"
    rater = ("hand-written", "benchmarks/terms.py, same Invoice objects")
    return _compared("per invoice with terms", timed, how, rater, "ratio", ("per invoice, commercial terms", 1.5))


def _compared(
    prefix: str, timed: tuple[list[float], ...], how: str, rater: tuple[str, str], ratio: str, target: tuple[str, float]
) -> Rows:
    """The rows of one engine-against-rater comparison: both medians, the median ratio, and its target."""
    engine_times, rater_times, ratios = timed
    median_ratio = statistics.median(ratios)
    figure = f"{_us(statistics.median(engine_times))} per invoice"
    return [
        (f"{prefix}: engine.quote", _us(statistics.median(engine_times)), how),
        (f"{prefix}: {rater[0]}", _us(statistics.median(rater_times)), rater[1]),
        (f"{prefix}: {ratio}", f"{median_ratio:.2f}×", "median of the per-round ratios"),
        ratio_at_most(target[0], figure, median_ratio, target[1], "the hand-written rater"),
    ]


def _interleaved(tariff: Any, documents: list[Any], rate: Callable[[Any], Any], rounds: int) -> tuple[list[float], ...]:
    """Seconds per invoice of engine.quote and of `rate`, in turns, and their per-round ratios; the two agree first."""
    import engine

    for document in documents:  # the two agree on every document before anything is timed
        assert engine.quote(tariff, document).to_json() == rate(document).to_json()
    engine_times, rater_times, ratios = [], [], []
    for index in range(rounds):
        pair = [lambda: [engine.quote(tariff, d) for d in documents], lambda: [rate(d) for d in documents]]
        order = pair if index % 2 == 0 else pair[::-1]
        timed = [_seconds(run) / len(documents) for run in order]
        engine_time, rater_time = timed if index % 2 == 0 else timed[::-1]
        engine_times.append(engine_time)
        rater_times.append(rater_time)
        ratios.append(engine_time / rater_time)
    return engine_times, rater_times, ratios


def _seconds(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _profile(run: Callable[[], object]) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run)
    print("cProfile of engine.quote over the documents, by own time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)


# -- loading ------------------------------------------------------------------------------------


def load_and_compile(runs: int) -> Rows:
    """The IM tariff loaded in a warm process: read, validate, compile (and the fast path built)."""
    import engine
    from engine.language import cache

    probe = "import time, engine; t = time.perf_counter(); engine.load_tariff({!r}); print(time.perf_counter() - t)"
    env = {**os.environ, "TARIFF_ENGINE_CACHE": "off"}
    fresh = [float(_python(["-c", probe.format(str(IM))], env).stdout) for _ in range(max(3, runs // 3))]
    os.environ["TARIFF_ENGINE_CACHE"] = "off"
    uncached = [_seconds(lambda: engine.load_tariff(IM)) for _ in range(runs)]
    del os.environ["TARIFF_ENGINE_CACHE"]
    engine.load_tariff(IM)  # stores the entry
    assert cache.directory() is not None and any(cache.directory().glob("*.json"))  # type: ignore[union-attr]
    cached = [_seconds(lambda: engine.load_tariff(IM)) for _ in range(runs)]
    return [
        (
            "load: first in a new process",
            _ms(statistics.median(fresh)),
            "no cache; includes importing PyYAML and jsonschema_rs and building the schema check",
        ),
        ("load: again, no cache", _ms(statistics.median(uncached)), f"YAML (libyaml events) + JSON Schema + compile, median of {runs}"),
        ("load: again, from the cache", _ms(statistics.median(cached)), f"cached document + compile, median of {runs}"),
    ]


# -- the command line, cold -----------------------------------------------------------------------


def cold_cli(runs: int) -> Rows:
    """`tariff quote` of the YAML and of the JSON example as a new process each time (bytecode compiled,
    as installed), interleaved with `python -c pass` so that a busy machine slows all alike."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    script = shutil.which("tariff", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "engine"]
    quotes = {form: [*command, "quote", str(example)] for form, example in (("YAML", EXAMPLE), ("JSON", JSON_EXAMPLE))}
    for quote in quotes.values():
        for _ in range(2):  # bytecode and the tariff cache written
            subprocess.run(quote, env=env, capture_output=True, check=True, cwd=ROOT)
    bare: list[float] = []
    warm: dict[str, list[float]] = {form: [] for form in quotes}
    for _ in range(runs):
        bare.append(_wall([sys.executable, "-c", "pass"], env))
        for form, quote in quotes.items():
            warm[form].append(_wall(quote, env))
    nocache = [_wall(quotes["YAML"], {**env, "TARIFF_ENGINE_CACHE": "off"}) for _ in range(max(3, runs // 3))]
    name = "tariff" if script else "python -m engine"
    rows: Rows = [("cold CLI: python -c pass", _ms(statistics.median(bare)), f"median of {runs} runs")]
    for form, example in (("YAML", EXAMPLE), ("JSON", JSON_EXAMPLE)):
        rows.append(
            (f"cold CLI: {name} quote {example.name}", _ms(statistics.median(warm[form])), f"median of {runs} runs, tariff cache filled")
        )
    rows.append(("cold CLI: the YAML, cache off", _ms(statistics.median(nocache)), f"median of {len(nocache)} runs"))
    for form in quotes:
        ratios = [quote / pass_ for quote, pass_ in zip(warm[form], bare, strict=True)]
        rows.append(
            ratio_at_most(
                f"cold `{name} quote` of {form} usage, cache filled",
                _ms(statistics.median(warm[form])),
                statistics.median(ratios),
                4,
                f"`python -c pass` ({_ms(statistics.median(bare))}; median of the per-round ratios)",
            )
        )
    return rows


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - start


def _python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=True, cwd=ROOT)


# -- bill runs ---------------------------------------------------------------------------------------


def bill_run(records: int, scratch: Path) -> Rows:
    """`tariff bill-run` on generated JSON Lines against a loop of json.loads → rater → json.dumps."""
    source = scratch / "usage.jsonl"
    with source.open("w", encoding="utf-8") as out:
        generate.write(out, records, bad_rate=0.001)
    rows = [("bill run: input", f"{records:,} records", f"{source.stat().st_size / 1e6:.0f} MB of JSON Lines, 0.1% broken on purpose")]
    cpu = time.process_time()
    seconds = _seconds(lambda: _baseline(source, scratch / "baseline.jsonl"))
    baseline, cpu = records / seconds, time.process_time() - cpu
    rows.append(
        (
            "bill run: baseline loop",
            f"{records / seconds:,.0f} records/s",
            f"one process: json.loads → hand-written rater → json.dumps, to a file; {_cpu(cpu, records, seconds)}",
        )
    )
    outputs = []
    for workers in (1, 2):
        cpu = _children_cpu()
        seconds, peak = _bill_run(source, scratch, workers)
        rate, cpu = records / seconds, _children_cpu() - cpu
        outputs.append(_digest(scratch / f"invoices-{workers}.jsonl"))
        rows.append(
            (
                f"bill run: tariff bill-run --workers {workers}",
                f"{records / seconds:,.0f} records/s",
                f"peak memory {peak / 1e6:.0f} MB; all processes: {_cpu(cpu, records, seconds)}",
            )
        )
    assert outputs[0] == outputs[1] == _digest(scratch / "baseline.jsonl"), "the invoices differ"
    loop = "the single-process hand-written loop"
    rows.append(ratio_at_least("bill run --workers 2", f"{rate:,.0f} records/s", rate / baseline, 1.5, loop))
    tenth = scratch / "tenth.jsonl"
    with source.open("rb") as lines:
        tenth.write_bytes(b"".join(itertools.islice(lines, max(1, records // 10))))
    _, peak = _bill_run(tenth, scratch, 2)
    rows.append(
        ("bill run: a tenth of the input, --workers 2", f"peak {peak / 1e6:.0f} MB", "memory flat in the input size: about the same peak")
    )
    return rows


def _cpu(cpu: float, records: int, seconds: float) -> str:
    """CPU time per record, and how many CPUs the run kept busy on average (a shared machine may give it less than asked)."""
    return f"{cpu / records * 1e6:.1f} µs CPU per record, {cpu / seconds:.2f} CPUs busy"


def _children_cpu() -> float:
    """CPU seconds of the child processes waited for so far, and of the children they waited for (bill-run workers)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _digest(path: Path) -> str:
    """The SHA-256 of an output, which is then removed (a million invoices is about a gigabyte)."""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            digest.update(block)
    path.unlink()
    return digest.hexdigest()


def _baseline(source: Path, target: Path) -> None:
    with source.open("rb") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            try:
                out.write(handwritten.rate(json.loads(line, parse_float=Decimal)).to_json() + "\n")
            except Exception:
                continue


def _bill_run(source: Path, scratch: Path, workers: int) -> tuple[float, int]:
    out, rejects = scratch / f"invoices-{workers}.jsonl", scratch / f"rejects-{workers}.jsonl"
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
        str(workers),
    ]
    with (scratch / "stderr.txt").open("w+b") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        peak = _peak_memory(process)
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(errors.read().decode())
    return seconds, peak.result


class _Peak:
    result = 0


def _peak_memory(process: subprocess.Popen[bytes]) -> _Peak:
    """The largest resident memory of the process and its children together, sampled every 20 ms."""
    peak = _Peak()

    def sample() -> None:
        while process.poll() is None:
            peak.result = max(peak.result, sum(_rss(pid) for pid in _tree(process.pid)))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    process.wait()
    thread.join()
    return peak


def _tree(pid: int) -> Iterator[int]:
    yield pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return
    for child in children:
        yield from _tree(int(child))


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# -- the table ---------------------------------------------------------------------------------------


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _print(rows: Rows) -> None:
    figures = [row for row in rows if not isinstance(row, Target)]
    width = [max(len(row[i]) for row in figures) for i in range(3)]
    for what, figure, how in figures:
        print(f"{what.ljust(width[0])}  {figure.rjust(width[1])}  {how}")
    targets = [row for row in rows if isinstance(row, Target)]
    if targets:
        print(f"\ntargets ({sum(not target.met for target in targets)} missed):")
        print("\n".join(lines(targets)))


if __name__ == "__main__":
    raise SystemExit(main())
