"""The engine on Spark: bill runs and usage aggregation, priced by the same code on the executors.

Needs `pip install '.[spark]'` (pyspark, pyarrow, pandas); imported only when Spark is asked for.
What goes to the executors is the tariffs' version files (`ShippedTariffs`, in the closure of the
function each task runs, a few kilobytes) and the engine's own code; each executor process
compiles the tariffs once. Records travel as Arrow batches (`mapInArrow`, and a cogroup's
`applyInArrow` for aggregation by account).

- `run_on_spark` is `tariff bill-run --engine spark`: the run's batches priced by `price_batch`
  on the executors, handed back in input order, so the output is the local run's, byte for byte.
- `price_records` prices a DataFrame of usage records into DataFrames of invoices, invoice lines
  and rejects, money as decimal(38, 9), every row with its record's ordinal.
- `aggregate_events` turns DataFrames of events and subscriptions into usage records.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.periods import Period
from engine.pricing.invoice import Invoice
from engine.runs.billrun import InvoiceWriter, Priced, Tariffs, Totals, price_batch
from engine.runs.columns import (
    RECORD,
    SCALE,
    fit_diagnostic,
    float_columns,
    float_diagnostic,
    invoice_columns,
    invoice_schema,
    json_lines,
)
from engine.runs.records import Batch, shown
from engine.runs.shipped import ShippedTariffs

BATCHES_PER_PARTITION = 8  # batches of a bill run per Spark partition (at least one partition per core)
BATCHES_PER_FETCH = 64  # batches of priced output the driver brings back at a time (about 80,000 invoices)
_PRICED = "index long, task int, pid long, invoices binary, rejects binary, lines array<long>, totals string"


def session(master: str | None = None) -> Any:
    """The active Spark session, or a new one (on `master`, or as spark-submit configured it, or local[*])."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this interpreter, with this engine
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError([_needs_spark()]) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("tariff-engine").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    elif "spark.master" not in _submitted():
        builder = builder.master("local[*]")
    made = builder.getOrCreate()
    made.sparkContext.setLogLevel("ERROR")  # a failed job is reported as a diagnostic, not as JVM logs
    return made


def _submitted() -> str:
    return os.environ.get("PYSPARK_SUBMIT_ARGS", "") + os.environ.get("SPARK_CONF", "")


def _needs_spark() -> Diagnostic:
    return Diagnostic(message="the Spark engine needs pyspark", rule="spark", hint="pip install 'tariff-engine[spark]' (Java 17 or later)")


# -- bill runs ----------------------------------------------------------------------------------------


def run_on_spark(tariffs: Tariffs, batches: Iterable[Batch], name: str, master: str | None = None) -> Iterator[Priced]:
    """Each batch priced on Spark, handed back in input order, as `run_batches` does here.

    The batches go to the JVM as Arrow, `BATCHES_PER_PARTITION` to a partition; all partitions are
    priced at once (kept by Spark, spilled to disk when memory is short), then brought back as Arrow,
    `BATCHES_PER_FETCH` at a time, so the driver never holds more than that of the output.
    """
    spark = session(master)
    shipped = ShippedTariffs.of(tariffs)
    work = [pickle.dumps(batch) for batch in batches]
    if not work:
        return
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import functions as f

    parts = max(spark.sparkContext.defaultParallelism, -(-len(work) // BATCHES_PER_PARTITION))
    size = -(-len(work) // parts)
    chunks = [
        pa.record_batch(
            {
                "index": pa.array(range(start, min(start + size, len(work))), pa.int64()),
                "batch": pa.array(work[start : start + size], pa.binary()),
            }
        )
        for start in range(0, len(work), size)
    ]
    frame = spark.createDataFrame(pa.Table.from_batches(chunks))  # one Arrow batch, one partition
    del work, chunks
    priced = frame.mapInArrow(_batch_pricer(shipped, name), _PRICED).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        total = priced.count()  # every partition priced at once
        for start in range(0, total, BATCHES_PER_FETCH):
            fetched = priced.where(f.col("index").between(start, start + BATCHES_PER_FETCH - 1)).toArrow().sort_by("index")
            columns = [fetched.column(key).to_pylist() for key in ("invoices", "rejects", "totals", "lines")]
            for invoices, rejects, totals, lines in zip(*columns, strict=True):
                yield Priced(invoices, rejects, totals_of(totals), lines)
    except Exception as error:
        raise _job_failed(error) from None
    finally:
        priced.unpersist()


def _batch_pricer(shipped: ShippedTariffs, name: str) -> Any:
    def price(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        target, writer = shipped.load(), InvoiceWriter()
        context = TaskContext.get()
        task = context.partitionId() if context else -1
        for arrow in batches:
            rows = []
            for index, data in zip(arrow.column("index").to_pylist(), arrow.column("batch").to_pylist(), strict=True):
                done = price_batch(target, pickle.loads(data), name, writer)  # noqa: S301 - batches this run made
                rows.append((index, done))
            yield pa.RecordBatch.from_pydict(
                {
                    "index": [index for index, _ in rows],
                    "task": [task] * len(rows),
                    "pid": [os.getpid()] * len(rows),
                    "invoices": [done.invoices for _, done in rows],
                    "rejects": [done.rejects for _, done in rows],
                    "lines": [done.lines for _, done in rows],
                    "totals": [totals_text(done.totals) for _, done in rows],
                },
                schema=pa.schema(
                    [
                        ("index", pa.int64()),
                        ("task", pa.int32()),
                        ("pid", pa.int64()),
                        ("invoices", pa.binary()),
                        ("rejects", pa.binary()),
                        ("lines", pa.list_(pa.int64())),
                        ("totals", pa.string()),
                    ]
                ),
            )

    return price


def totals_text(totals: Totals) -> str:
    """`Totals` as JSON, amounts as exact text."""
    by_edition = [[currency, edition, count, str(total)] for (currency, edition), (count, total) in totals.by_edition.items()]
    return json.dumps(
        {
            "records": totals.records,
            "invoices": totals.invoices,
            "rejects": totals.rejects,
            "by_edition": by_edition,
            "samples": totals.samples,
        }
    )


def totals_of(text: str) -> Totals:
    data = json.loads(text)
    by_edition = {(currency, edition): [count, Decimal(total)] for currency, edition, count, total in data["by_edition"]}
    return Totals(data["records"], data["invoices"], data["rejects"], by_edition, data["samples"])


def _job_failed(error: Exception) -> UsageError:
    """A Spark job that failed, as one diagnostic: its first line of cause, not a JVM stack trace."""
    text = str(error).strip()
    first = next((line for line in text.splitlines() if "Error" in line or "Exception" in line), text.splitlines()[0] if text else "")
    return UsageError([Diagnostic(message=f"the Spark job failed: {first[:2000]}", rule="spark")])


# -- pricing a DataFrame --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricedFrames:
    """What `price_records` returns: DataFrames sharing one pricing (`priced`; cache it to price once)."""

    priced: Any
    invoices: Any  # ordinal, the invoice's fields, total decimal, lines array<struct>, task, pid
    lines: Any  # ordinal, account, line (from 1), id, description, quantity, unit, unit_price, amount, source
    rejects: Any  # ordinal, record (as written, JSON), errors (JSON), task, pid


def price_records(records: Any, tariff: str | None = None, scale: int = SCALE, name: str = "records") -> PricedFrames:
    """Price a DataFrame of usage records: a `record` column of JSON text (or the usage-document columns),
    and an `ordinal` column (else one is made, in the DataFrame's order)."""
    from pyspark.sql import functions as f

    tariffs = Tariffs(tariff)
    tariffs.load()  # an invalid tariff stops here, before any job, with its diagnostics
    floats = float_columns([(field.name, field.dataType.typeName()) for field in records.schema.fields])
    if floats:
        raise UsageError([float_diagnostic(floats, name)])
    if "ordinal" not in records.columns:
        records = records.withColumn("ordinal", f.monotonically_increasing_id())
    priced = records.mapInArrow(_record_pricer(ShippedTariffs.of(tariffs), name, scale), _spark_schema(scale))
    invoices = priced.where("kind = 'invoice'").drop("kind", "record", "errors")
    lines = invoices.select("ordinal", "account", f.posexplode("lines").alias("line", "item")).select(
        "ordinal", "account", (f.col("line") + 1).alias("line"), "item.*"
    )
    rejects = priced.where("kind = 'reject'").select("ordinal", "record", "errors", "task", "pid")
    return PricedFrames(priced, invoices, lines, rejects)


def _spark_schema(scale: int) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_arrow_schema(scale))


def _arrow_schema(scale: int) -> Any:
    import pyarrow as pa

    fields = [pa.field("ordinal", pa.int64()), *list(invoice_schema(scale))[1:]]
    fields += [
        pa.field(n, t)
        for n, t in (("kind", pa.string()), ("record", pa.string()), ("errors", pa.string()), ("task", pa.int32()), ("pid", pa.int64()))
    ]
    return pa.schema(fields)


def _record_pricer(shipped: ShippedTariffs, name: str, scale: int) -> Any:
    def price(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        from engine.runs.columns import record_text
        from engine.runs.parquet import RowBatch

        target, writer, schema = shipped.load(), InvoiceWriter(), _arrow_schema(scale)
        context = TaskContext.get()
        task, pid = (context.partitionId() if context else -1), os.getpid()
        for arrow in batches:
            ordinals = arrow.column("ordinal").to_pylist()
            rows = arrow.drop_columns(["ordinal"]).to_pylist()
            texts = tuple((ordinal, record_text(row)) for ordinal, row in zip(ordinals, rows, strict=True))
            kept: list[Invoice] = []
            done = price_batch(target, RowBatch(texts=texts), name, writer, kept)
            out = _rows(done, kept, dict(texts), scale)
            yield pa.RecordBatch.from_pylist([{**row, "task": task, "pid": pid} for row in out], schema=schema)

    return price


def _rows(done: Priced, invoices: list[Invoice], texts: dict[int, bytes], scale: int) -> list[dict[str, Any]]:
    """The rows of a priced batch, in input order: an invoice that does not fit the columns is a reject."""
    rows: list[dict[str, Any]] = []
    for invoice, ordinal in zip(invoices, done.lines, strict=True):
        row, why = invoice_columns(invoice, scale)
        if row is None:
            errors = json.dumps([fit_diagnostic(why or "").to_dict()], ensure_ascii=False)
            rows.append({"ordinal": ordinal, "kind": "reject", "record": shown(texts[ordinal], None), "errors": errors})
        else:
            rows.append({"ordinal": ordinal, "kind": "invoice", **row})
    for text in json_lines(done.rejects):
        reject = json.loads(text, parse_float=Decimal, parse_int=str)
        ordinal = int(reject["line"])
        rows.append(
            {
                "ordinal": ordinal,
                "kind": "reject",
                "record": shown(texts[ordinal], None),
                "errors": json.dumps(reject["errors"], ensure_ascii=False),
            }
        )
    return sorted(rows, key=lambda row: int(row["ordinal"]))


# -- aggregating events -----------------------------------------------------------------------------


def aggregate_events(events: Any, subscriptions: Any, period: str, tariff: str | None = None) -> tuple[Any, Any]:
    """Usage records (account, record: the usage document's JSON) and rejected events (event: JSON, errors: JSON),
    by the aggregations the tariff declares, one account at a time."""
    from engine.runs.aggregate import period_of

    tariffs = Tariffs(tariff)
    tariffs.load()
    floats = float_columns([(field.name, field.dataType.typeName()) for field in events.schema.fields])
    if floats:
        raise UsageError([float_diagnostic(floats, "events")])
    days = period_of(period)
    grouped = events.groupBy("account").cogroup(subscriptions.groupBy("account"))
    out = grouped.applyInArrow(
        _account_aggregator(ShippedTariffs.of(tariffs), days), "kind string, account string, text string, errors string, task int"
    )
    usage = out.where("kind = 'usage'").select("account", f_col("text", RECORD))
    rejects = out.where("kind = 'reject'").select("account", f_col("text", "event"), "errors")
    return usage, rejects


def f_col(name: str, alias: str) -> Any:
    from pyspark.sql import functions as f

    return f.col(name).alias(alias)


def _account_aggregator(shipped: ShippedTariffs, period: Period) -> Any:
    def aggregate(events: Any, subscriptions: Any) -> Any:
        import pyarrow as pa
        from pyspark import TaskContext

        from engine.runs.aggregate import EventReject, account_usage, read_event, subscription_of
        from engine.runs.columns import record_text

        target = shipped.load()
        context = TaskContext.get()
        task = context.partitionId() if context else -1
        read = [read_event(row) for row in events.to_pylist()]
        rejects = [event for event in read if isinstance(event, EventReject)]
        found = [subscription_of(row) for row in subscriptions.to_pylist()]
        document, rejected = account_usage(target, period, found, [event for event in read if not isinstance(event, EventReject)])
        account = found[0].account if found else str(events.column("account")[0].as_py())
        rows = [] if document is None else [{"kind": "usage", "account": account, "text": record_text(document).decode(), "errors": None}]
        for reject in rejects + rejected:
            event = record_text({key: value for key, value in reject.row.items() if value is not None}).decode()
            errors = json.dumps([d.to_dict() for d in reject.diagnostics], ensure_ascii=False)
            rows.append({"kind": "reject", "account": account, "text": event, "errors": errors})
        schema = pa.schema(
            [("kind", pa.string()), ("account", pa.string()), ("text", pa.string()), ("errors", pa.string()), ("task", pa.int32())]
        )
        return pa.Table.from_pylist([{**row, "task": task} for row in rows], schema=schema)

    return aggregate
