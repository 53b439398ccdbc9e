"""Bill runs on Spark (local[2]) against the local bill run with 2 workers, and the Arrow round trip.

    python -m benchmarks --only spark                   # 1,000,000 records
    python -m benchmarks --only spark --records 20000   # a short run

Needs `pip install '.[spark]'` and Java 17. The local run and the Spark run price the same
generated file (benchmarks.generate) and must write the same bytes; the Spark figure is the run
on a session already started (its start is its own row), twice: the first run starts the Python
workers (imports, tariffs compiled, the fast path written), the second finds them warm. The Arrow rows price nothing: a
DataFrame of `record` text goes through `mapInArrow` and back, first untouched, then converted to
Python rows and back (what `price_records` does around the engine), so the difference is the
conversion, and what is left of a priced record's time is the engine.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import generate

Row = tuple[str, str, str]
ROOT = Path(__file__).resolve().parent.parent


def spark_rows(records: int, scratch: Path) -> list[Row]:
    source = scratch / "usage.jsonl"
    with source.open("w") as out:
        generate.write(out, records)
    local_seconds, local_digest = _local_run(source, scratch)
    rows: list[Row] = [
        ("bill run, local, 2 workers", f"{records / local_seconds:,.0f} records/s", f"{records:,} records, {local_seconds:.1f} s wall")
    ]
    spark, started = _session()
    rows.append(("Spark local[2] session start", f"{started:.1f} s", "JVM and Python workers, before any run"))
    for when in ("first run: Python workers start", "second run: workers warm"):
        seconds, digest = _spark_run(spark, source, scratch)
        same = "same bytes as the local run" if digest == local_digest else "DIFFERENT BYTES from the local run"
        rows.append(
            (f"bill run, Spark local[2], {when}", f"{records / seconds:,.0f} records/s", f"{records:,} records, {seconds:.1f} s; {same}")
        )
    rows += _arrow_round_trip(spark, source, min(records, 200_000))
    spark.stop()
    return rows


def _local_run(source: Path, scratch: Path) -> tuple[float, str]:
    out = scratch / "local.jsonl"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "engine", "bill-run", str(source), "--out", str(out), "--workers", "2"],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start, _digest(out)


def _session() -> tuple[Any, float]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    start = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(2).count()
    return spark, time.perf_counter() - start


def _spark_run(spark: Any, source: Path, scratch: Path) -> tuple[float, str]:
    from engine.cli import main

    out = scratch / "spark.jsonl"
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        saved, sys.stderr = sys.stderr, quiet
        try:
            code = main(["bill-run", str(source), "--out", str(out), "--engine", "spark"])
        finally:
            sys.stderr = saved
    assert code == 0
    return time.perf_counter() - start, _digest(out)


def _arrow_round_trip(spark: Any, source: Path, records: int) -> list[Row]:
    """Per record: Arrow to Python and back untouched; with the rows converted; and priced (price_records)."""
    from engine.runs.spark import price_records

    texts = source.read_text().splitlines()[:records]
    frame = spark.createDataFrame(list(enumerate(texts)), "ordinal long, record string").repartition(2, "ordinal").cache()
    frame.count()
    _timed(frame.mapInArrow(_untouched, frame.schema), "record")  # Python workers started and warm
    untouched = _timed(frame.mapInArrow(_untouched, frame.schema), "record")
    converted = _timed(frame.mapInArrow(_converted, frame.schema), "record")
    priced = _timed(price_records(frame).priced, "kind")
    per = lambda seconds: f"{seconds / records * 1e6:,.1f} µs/record"  # noqa: E731
    note = f"{records:,} records in 2 partitions; a count of a column's lengths forces every row through"
    return [
        ("Arrow round trip, untouched", per(untouched), note),
        ("Arrow round trip, rows to Python and back", per(converted), "to_pylist and from_pylist of each batch"),
        ("price_records (Arrow, engine, money columns)", per(priced), f"{records / priced:,.0f} records/s"),
    ]


def _untouched(batches: Iterator[Any]) -> Iterator[Any]:
    yield from batches


def _converted(batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        yield pa.RecordBatch.from_pylist(batch.to_pylist(), schema=batch.schema)


def _timed(frame: Any, column: str) -> float:
    from pyspark.sql import functions as f

    start = time.perf_counter()
    frame.agg(f.sum(f.length(column))).collect()
    return time.perf_counter() - start


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        for row in spark_rows(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, Path(scratch)):
            print(" | ".join(row))
