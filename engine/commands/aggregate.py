"""`tariff aggregate EVENTS --subscriptions S --period P`: raw usage events into usage records."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engine.commands.exits import EXIT_FOUND, EXIT_OK
from engine.core.errors import Diagnostic, UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "aggregate",
        help="turn raw usage events into usage records, by each meter's declared aggregation",
        description=(
            "Read usage events (id, account, meter, time or day, value) and subscriptions (account, edition,\n"
            "and optionally tariff and addons), and write one usage record per subscribed account for PERIOD:\n"
            "each meter of the tariff version in force, as a daily series or one value, aggregated as the tariff\n"
            "declares (max, sum, last). Events for unknown accounts or meters are rejected, never dropped; an\n"
            "event id counts once."
        ),
        epilog=(
            "Examples:\n"
            "  tariff aggregate examples/spark/events.jsonl --subscriptions examples/spark/subscriptions.jsonl --period 2026-11 \\\n"
            "      --out usage.jsonl\n"
            "  tariff aggregate examples/spark/events.jsonl --subscriptions examples/spark/subscriptions.jsonl --period 2026-11 \\\n"
            "      --out usage.parquet --rejects event-rejects.jsonl\n\n"
            "Inputs and outputs are JSON Lines, or Parquet for a .parquet file or a directory; see docs/spark.md.\n"
            "Exit codes: 0 done; 1 with --strict, when an event was rejected; 2 when an input could not be read."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("events", metavar="EVENTS", help="usage events: a .jsonl file, or Parquet (a .parquet file or a directory)")
    parser.add_argument("--subscriptions", metavar="FILE", required=True, help="which edition each account is on (.jsonl or Parquet)")
    parser.add_argument("--period", metavar="PERIOD", required=True, help="the billing period, e.g. 2026-11")
    parser.add_argument("--tariff", metavar="PATH", help="a tariff version file, directory or root (default: the shipped tariffs)")
    parser.add_argument("--out", metavar="FILE", required=True, help="usage records: .jsonl, or .parquet (one `record` JSON column)")
    parser.add_argument("--rejects", metavar="FILE", help="rejected events as JSON Lines (default: a count on stderr)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any event was rejected")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.runs.aggregate import aggregate, period_of
    from engine.runs.billrun import Tariffs

    target = Tariffs(args.tariff).load()
    period = period_of(args.period)
    records, rejects = aggregate(target, period, _rows(args.subscriptions), _rows(args.events))
    _write_records(records, args.out)
    if args.rejects:
        lines = [json.dumps({"event": _shown(r.row), "errors": [d.to_dict() for d in r.diagnostics]}, ensure_ascii=False) for r in rejects]
        _write(args.rejects, "".join(f"{line}\n" for line in lines).encode())
    import sys

    sys.stderr.write(f"{args.events}: {len(records)} usage records for {period.label}, {len(rejects)} events rejected\n")
    for reject in rejects[: 0 if args.rejects else 5]:
        sys.stderr.write(f"  {json.dumps(_shown(reject.row), ensure_ascii=False)}: {reject.diagnostics[0].message}\n")
    return EXIT_FOUND if args.strict and rejects else EXIT_OK


def _shown(row: Any) -> Any:
    return json.loads(_text(row))


def _text(row: Any) -> str:
    from engine.runs.columns import record_text

    return record_text({key: value for key, value in row.items() if value is not None}).decode()


def _rows(path: str) -> list[dict[str, Any]]:
    """The rows of a JSON Lines or Parquet input, numbers as exact decimals."""
    from engine.runs.parquet import is_parquet, parquet_files

    if is_parquet(path):
        from engine.runs.columns import require_pyarrow

        require_pyarrow(path)
        import pyarrow.parquet as pq

        from engine.runs.columns import float_columns, float_diagnostic

        rows: list[dict[str, Any]] = []
        for file in parquet_files(path):
            table = pq.read_table(file)
            floats = float_columns([(field.name, str(field.type)) for field in table.schema])
            if floats:
                raise UsageError([float_diagnostic(floats, str(file))])
            rows += table.to_pylist()
        return rows
    from engine.pricing.documents import parse_json

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError([Diagnostic(message=f"cannot read: {error}", rule="io", file=path)]) from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                row = parse_json(line, path)
            except UsageError as error:
                raise UsageError([Diagnostic(message=d.message, rule=d.rule, file=path, line=number) for d in error.diagnostics]) from None
            if not isinstance(row, dict):
                raise UsageError([Diagnostic(message="each line is a JSON object", rule="usage-syntax", file=path, line=number)])
            rows.append(row)
    return rows


def _write_records(records: list[dict[str, Any]], out: str) -> None:
    from engine.runs.columns import RECORD, record_text

    texts = [record_text(record).decode() for record in records]
    if out.lower().endswith(".parquet"):
        from engine.runs.columns import require_pyarrow

        require_pyarrow(out)
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {"account": [r["account"] for r in records], RECORD: texts}, schema=pa.schema([("account", pa.string()), (RECORD, pa.string())])
        )
        try:
            pq.write_table(table, out)
        except OSError as error:
            raise UsageError([Diagnostic(message=f"cannot write: {error}", rule="io", file=out)]) from None
        return
    _write(out, "".join(f"{text}\n" for text in texts).encode())


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot write: {error.strerror or error}", rule="io", file=path)]) from None
