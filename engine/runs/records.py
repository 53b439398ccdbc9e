"""Usage records as a bill run reads them: JSON Lines in blocks, CSV rows by dotted header.

CSV records: one column per field, named by its dotted path in the usage document
(`account`, `period`, `edition`, `tariff`, `usage.dau`, `addons.message_retention_days`,
`addons.audio_video_call.activated_on`). An empty cell is an absent field. The envelope
fields are text as written (`account` 007 stays "007"); under `usage` and `addons` a cell
is read as a whole number (`32000`), an exact decimal (`0.5`, `1e3`), `true` or `false`, a
JSON list or mapping (`[120000, 98000]`, for a daily series), or else as text. A `timeline`
column holds the whole timeline as one JSON mapping (`{"start": "2026-03-10"}`), and a
`period` cell that starts with `{` is an explicit period (`{"from": "2026-03-10", "to": "2026-04-09"}`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, BinaryIO

from engine.core.errors import Diagnostic, UsageError
from engine.language.source import MAX_DOCUMENT_BYTES
from engine.pricing.documents import parse_json
from engine.pricing.usage import ENVELOPE_KEYS

CHUNK = 1 << 18  # bytes of JSON Lines per batch sent to a worker (about 1,300 records)
CSV_ROWS = 1000  # CSV rows per batch
_TEXT_FIELDS = frozenset(("tariff", "account", "period", "edition"))
_JSON_FIELDS = frozenset(("timeline",))  # one column, a JSON cell
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
Paths = tuple[tuple[str, ...], ...]
_WHITE_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips: a line of nothing else is blank


@dataclass(frozen=True, slots=True)
class Batch:
    """Records as read: whole JSON lines from line `first` on, or CSV rows with the header's paths."""

    first: int = 1
    data: bytes = b""
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line where the row starts, cells)
    paths: Paths | None = None

    def records(self) -> Iterator[tuple[int, Any]]:
        """(line number, JSON line or CSV cells) of each record: lines that are not blank."""
        if self.paths is not None:
            yield from self.rows
            return
        for offset, raw in enumerate(self.data.split(b"\n")):
            if raw.strip():
                yield self.first + offset, raw


def json_batches(stream: BinaryIO, size: int = CHUNK) -> Iterator[Batch]:
    """Whole lines in blocks of about `size` bytes; a line over the size limit is cut to it (and refused)."""
    number, pending = 1, b""
    while block := stream.read(size):
        data = pending + block
        end = data.rfind(b"\n") + 1
        if end == 0 and len(data) > MAX_DOCUMENT_BYTES:
            yield Batch(number, data[: MAX_DOCUMENT_BYTES + 1])
            pending, number = _skip_line(stream), number + 1
            continue
        if end:
            yield Batch(number, data[:end])
            number += data.count(b"\n", 0, end)
        pending = data[end:]
    if pending:
        yield Batch(number, pending)


def _skip_line(stream: BinaryIO) -> bytes:
    """Read past the end of an over-long line, a block at a time; what follows it."""
    while block := stream.read(CHUNK):
        end = block.find(b"\n")
        if end >= 0:
            return block[end + 1 :]
    return b""


def csv_header(stream: io.TextIOBase, name: str) -> tuple[Any, Paths]:
    """A CSV reader past its header, and each column's path; `UsageError` for a header that is wrong."""
    import csv

    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise UsageError([Diagnostic(message="the CSV file is empty: it needs a header row", rule="csv-header", file=name, line=1)])
    paths = tuple(tuple(column.strip().split(".")) for column in header)
    problems = [problem for index, path in enumerate(paths) if (problem := _header_problem(path, paths[:index], header[index]))]
    if problems:
        raise UsageError([Diagnostic(message=problem, rule="csv-header", file=name, line=1) for problem in problems])
    return reader, paths


def _header_problem(path: tuple[str, ...], before: Sequence[tuple[str, ...]], column: str) -> str | None:
    top = path[0]
    if top not in ENVELOPE_KEYS:
        return f"column {column!r} is not a usage field (fields: {', '.join(ENVELOPE_KEYS)}; under usage and addons, dotted paths)"
    if (top in _TEXT_FIELDS or top in _JSON_FIELDS) != (len(path) == 1) or any(not part for part in path):
        return f"column {column!r}: write {top} as {top}" + ("" if top in _TEXT_FIELDS else f".NAME, e.g. {top}.dau")
    for other in before:
        if path[: len(other)] == other or other[: len(path)] == path:
            return f"column {column!r} overlaps column {'.'.join(other)!r}"
    return None


def csv_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells) of each row that is not blank: a row of cells that are all
    empty or ASCII white space is skipped, as a JSON line of nothing but ASCII white space is."""
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip(_WHITE_SPACE) for cell in row):
            yield start, row
        start = reader.line_num + 1


def csv_batches(rows: Iterable[tuple[int, list[str]]], paths: Paths, size: int = CSV_ROWS) -> Iterator[Batch]:
    batch: list[tuple[int, list[str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield Batch(rows=batch, paths=paths)
            batch = []
    if batch:
        yield Batch(rows=batch, paths=paths)


def csv_record(paths: Paths, cells: list[str]) -> dict[str, Any]:
    """The usage document of one CSV row (see the module docstring)."""
    if len(cells) != len(paths):
        raise UsageError([Diagnostic(message=f"the row has {len(cells)} cells and the header {len(paths)}", rule="csv-row")])
    record: dict[str, Any] = {}
    for path, cell in zip(paths, cells, strict=True):
        if cell == "":
            continue
        node = record
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = _json_cell(cell) if _json_field(path[0], cell) else cell if path[0] in _TEXT_FIELDS else cell_value(cell)
    return record


def _json_field(top: str, cell: str) -> bool:
    return top in _JSON_FIELDS or (top == "period" and cell[:1] == "{")


def _json_cell(cell: str) -> Any:
    """A JSON cell, or the text as written when it is not JSON (refused as such by the usage checks)."""
    try:
        return parse_json(cell)
    except UsageError:
        return cell


def cell_value(cell: str) -> Any:
    if _WHOLE.fullmatch(cell):
        try:
            return int(cell)
        except ValueError:  # more digits than Python reads: left as text, refused as such
            return cell
    if _DECIMAL.fullmatch(cell):
        return Decimal(cell)
    if cell in ("true", "false"):
        return cell == "true"
    if cell[:1] in ("[", "{"):
        try:
            return parse_json(cell)
        except UsageError:
            return cell
    return cell


def read_record(raw: Any, paths: Paths | None, name: str, line: int) -> Any:
    """The usage document of a JSON line or a CSV row; `UsageError` citing the input line when unreadable."""
    if paths is not None:
        return csv_record(paths, raw)
    if len(raw) > MAX_DOCUMENT_BYTES:
        message = f"the record is over the limit of {MAX_DOCUMENT_BYTES} bytes"
        raise UsageError([Diagnostic(message=message, rule="usage-size", file=name, line=line)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"the line is not valid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
        raise UsageError([Diagnostic(message=message, rule="encoding", file=name, line=line)]) from None
    try:
        return parse_json(text, name)
    except UsageError as error:
        raise UsageError([replace(d, file=name, line=line) for d in error.diagnostics]) from None


def shown(raw: Any, paths: Paths | None) -> str:
    """The record as JSON for the rejects file: the JSON line itself, the CSV row by column, or as text."""
    if paths is not None:
        row = dict(zip((".".join(path) for path in paths), raw, strict=False)) if len(raw) == len(paths) else raw
        return json.dumps(row, ensure_ascii=False)
    text: str = raw[:MAX_DOCUMENT_BYTES].decode("utf-8", errors="replace").strip()
    try:
        raw.decode("utf-8")
        parse_json(text)
    except (UnicodeDecodeError, UsageError):  # shown as text: it is not a JSON document
        return json.dumps(text if len(text) <= 1000 else text[:1000] + "…", ensure_ascii=False)
    return text
