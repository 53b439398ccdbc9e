"""Parquet in and out of a bill run, with pyarrow (imported only when Parquet is asked for).

In: a Parquet file, or a directory of them read in name order; each row is a usage record
(`columns`: a `record` JSON text column or the usage-document columns). A record's `line`, in
rejects, is its row number, from 1, across the files. Rows go to the pricing in batches, as JSON
lines do, so a Parquet run is priced, checked and summed like any other.

Out: invoices (`columns.invoice_schema`, money as decimals) and rejects (`columns.reject_schema`),
written by row group as the run goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from engine.core.errors import Diagnostic, UsageError
from engine.runs.columns import (
    SCALE,
    float_columns,
    float_diagnostic,
    invoice_row,
    invoice_schema,
    json_lines,
    record_text,
    reject_schema,
    require_pyarrow,
)
from engine.runs.records import Batch

_TOKENS = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)  # only to find where a value ends
ROWS = 1000  # rows per batch sent to a worker


@dataclass(frozen=True, slots=True)
class RowBatch(Batch):
    """Records that are rows: (row number, JSON text) of each."""

    texts: tuple[tuple[int, bytes], ...] = ()

    def records(self) -> Iterator[tuple[int, Any]]:
        yield from self.texts


def is_parquet(path: str) -> bool:
    """A .parquet file, or a directory (tables are directories of Parquet files)."""
    return path.lower().endswith(".parquet") or (path != "-" and Path(path).is_dir())


def parquet_files(path: str) -> list[Path]:
    """The Parquet files of a file or directory path, in name order; `UsageError` when there are none."""
    base = Path(path)
    files = sorted(p for p in base.rglob("*.parquet") if p.is_file()) if base.is_dir() else [base]
    if not base.exists():
        raise UsageError([Diagnostic(message="cannot read input: No such file or directory", rule="io", file=path)])
    if not files:
        raise UsageError([Diagnostic(message="no .parquet files in this directory", rule="io", file=path)])
    return files


def parquet_batches(path: str, size: int = ROWS) -> Iterator[RowBatch]:
    """The records of a Parquet file or directory, `size` rows at a time, numbered from 1."""
    require_pyarrow(path)
    import pyarrow.parquet as pq

    number = 1
    for file in parquet_files(path):
        try:
            reader = pq.ParquetFile(file)
        except (OSError, ValueError) as error:
            raise UsageError([Diagnostic(message=f"not a readable Parquet file: {error}", rule="io", file=str(file))]) from None
        floats = float_columns([(field.name, str(field.type)) for field in reader.schema_arrow])
        if floats:
            raise UsageError([float_diagnostic(floats, str(file))])
        for table in reader.iter_batches(batch_size=size):
            rows = table.to_pylist()
            yield RowBatch(texts=tuple((number + index, record_text(row)) for index, row in enumerate(rows)))
            number += len(rows)


class ParquetOut:
    """Invoice or reject lines (JSON Lines, as a run makes them) written as Parquet rows to `handle`."""

    def __init__(self, handle: IO[bytes], kind: str, name: str, scale: int = SCALE) -> None:
        require_pyarrow(name)
        import pyarrow.parquet as pq

        self.kind, self.name, self.scale = kind, name, scale
        self.schema = invoice_schema(scale) if kind == "out" else reject_schema()
        self.writer = pq.ParquetWriter(handle, self.schema)

    def write(self, data: bytes, lines: list[int]) -> None:
        import pyarrow as pa

        texts = json_lines(data)
        if not texts:
            return
        rows = [self._invoice(text, line) for text, line in zip(texts, lines, strict=True)] if self.kind == "out" else self._rejects(texts)
        self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))

    def _invoice(self, text: str, line: int) -> dict[str, Any]:
        row, why = invoice_row(json.loads(text, parse_float=Decimal), self.scale)
        if row is None:
            message = f"the invoice of the record on line {line} does not fit the Parquet money columns: {why}"
            raise UsageError(
                [Diagnostic(message=message, rule="money-scale", file=self.name, hint="write JSON Lines, which hold any amount")]
            )
        return {"line": line, **row}

    @staticmethod
    def _rejects(texts: list[str]) -> list[dict[str, Any]]:
        """Each reject line `{"line":N,"record":R,"errors":E}` cut into its parts, R and E as written."""
        rows = []
        for text in texts:
            line = int(text[len('{"line":') : text.index(",")])
            start = text.index(',"record":') + len(',"record":')
            end = _TOKENS.raw_decode(text, start)[1]
            rows.append({"line": line, "record": text[start:end], "errors": text[end + len(',"errors":') : -1]})
        return rows

    def close(self) -> None:
        self.writer.close()
