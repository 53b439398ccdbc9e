"""Usage records as a bill run reads them: whole lines in blocks, each line one record.

A record is one line of input, JSON Lines or CSV alike, so that no byte of one record can
swallow or stop the others: a stray quote, a cell over the size limit, bytes that are not
UTF-8 are that line's reject, and the next line is the next record.

CSV records: one column per field, named by its dotted path in the usage document
(`account`, `period`, `edition`, `tariff`, `usage.dau`, `addons.message_retention_days`,
`addons.audio_video_call.activated_on`). An empty cell is an absent field. The envelope
fields are text as written (`account` 007 stays "007"); under `usage` and `addons` a cell
is read as a whole number (`32000`), an exact decimal (`0.5`, `1e3`), `true` or `false`, a
JSON list or mapping (`[120000, 98000]`, for a daily series), or else as text. A `timeline`
column holds the whole timeline as one JSON mapping (`{"start": "2026-03-10"}`), and a
`period` cell that starts with `{` is an explicit period (`{"from": "2026-03-10", "to": "2026-04-09"}`). A quoted
cell cannot run over a line break (no usage field holds one).

The format is told from the content (`detected_format`) unless the caller names it.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from engine.core.errors import Diagnostic, UsageError, did_you_mean
from engine.core.records import replace
from engine.language.source import MAX_DOCUMENT_BYTES
from engine.pricing.documents import parse_json
from engine.pricing.usage import ENVELOPE_KEYS

CHUNK = 1 << 18  # bytes of input per batch sent to a worker (about 1,300 JSON records)
_TEXT_FIELDS = frozenset(("tariff", "account", "period", "edition"))
_JSON_FIELDS = frozenset(("timeline",))  # one column, a JSON cell
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
Paths = tuple[tuple[str, ...], ...]
_WHITE_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips: a line of nothing else is blank
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")  # a column that could be a meter's or an add-on's name
_BOM = b"\xef\xbb\xbf"
FORMATS = {"jsonl": "JSON Lines", "csv": "CSV"}


def detected_format(head: bytes, name: str) -> tuple[str, str]:
    """(format, how it was told) from the first bytes of the input: a JSON line starts with `{`
    (or `[`), a CSV header with a column name. Only input that is all blank goes by its name."""
    start = head.removeprefix(_BOM).lstrip()
    if start:
        return ("jsonl" if start[:1] in (b"{", b"[") else "csv"), "from its content"
    return ("csv" if name.lower().endswith(".csv") else "jsonl"), "from its name"


@dataclass(frozen=True, slots=True)
class Batch:
    """Whole lines of input from line `first` on; CSV rows carry the header's paths."""

    first: int = 1
    data: bytes = b""
    paths: Paths | None = None

    def records(self) -> Iterator[tuple[int, bytes]]:
        """(line number, line) of each record: the lines that are not blank."""
        for offset, raw in enumerate(self.data.split(b"\n")):
            if raw.strip() and (self.paths is None or not _blank_row(raw)):
                yield self.first + offset, raw


def _blank_row(raw: bytes) -> bool:
    """A CSV row whose cells are all empty or ASCII white space (`,,,`)."""
    if raw.translate(None, b", \t\r\x0b\x0c"):
        if b'"' not in raw:
            return False
        try:
            return not any(cell.strip(_WHITE_SPACE) for cell in csv_cells(raw.decode("utf-8")))
        except (UnicodeDecodeError, csv.Error):
            return False
    return True


def json_batches(stream: BinaryIO, size: int = CHUNK, *, first: int = 1, paths: Paths | None = None) -> Iterator[Batch]:
    """Whole lines in blocks of about `size` bytes; a line over the size limit is cut to it (and refused)."""
    number, pending = first, b""
    while block := stream.read(size):
        data = pending + block
        end = data.rfind(b"\n") + 1
        if end == 0 and len(data) > MAX_DOCUMENT_BYTES:
            yield Batch(number, data[: MAX_DOCUMENT_BYTES + 1], paths)
            pending, number = _skip_line(stream), number + 1
            continue
        if end:
            yield Batch(number, data[:end], paths)
            number += data.count(b"\n", 0, end)
        pending = data[end:]
    if pending:
        yield Batch(number, pending, paths)


def csv_batches(stream: BinaryIO, paths: Paths, size: int = CHUNK) -> Iterator[Batch]:
    """The rows after the header, in blocks as `json_batches` reads lines."""
    return json_batches(stream, size, first=2, paths=paths)


def _skip_line(stream: BinaryIO) -> bytes:
    """Read past the end of an over-long line, a block at a time; what follows it."""
    while block := stream.read(CHUNK):
        end = block.find(b"\n")
        if end >= 0:
            return block[end + 1 :]
    return b""


def csv_header(stream: BinaryIO, name: str) -> Paths:
    """Read the header line (a byte-order mark allowed); each column's path. `UsageError` when it is wrong."""
    raw = stream.readline(MAX_DOCUMENT_BYTES + 1).removeprefix(_BOM).rstrip(b"\r\n")
    if not raw.strip():
        raise UsageError([Diagnostic(message="the CSV file is empty: it needs a header row", rule="csv-header", file=name, line=1)])
    try:
        header = csv_cells(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        message = f"the header is not valid UTF-8 (byte 0x{raw[error.start]:02x})"
        raise UsageError([Diagnostic(message=message, rule="encoding", file=name, line=1)]) from None
    except csv.Error as error:
        raise UsageError([Diagnostic(message=f"the header is not a CSV row: {error}", rule="csv-header", file=name, line=1)]) from None
    paths = tuple(tuple(column.strip().split(".")) for column in header)
    problems = [problem for index, path in enumerate(paths) if (problem := _header_problem(path, paths[:index], header[index]))]
    if problems:
        raise UsageError([Diagnostic(message=message, rule="csv-header", file=name, line=1, hint=hint) for message, hint in problems])
    return paths


def _header_problem(path: tuple[str, ...], before: Sequence[tuple[str, ...]], column: str) -> tuple[str, str | None] | None:
    top = path[0]
    if top not in ENVELOPE_KEYS:
        message = f"column {_short(column)} is not a usage field (fields: {', '.join(ENVELOPE_KEYS)}; under usage and addons, dotted paths)"
        named = ".".join(path)
        suggested = f"a meter is written usage.{named}, an add-on addons.{named}" if _NAME.fullmatch(named) else None
        return message, did_you_mean(top, ENVELOPE_KEYS) or suggested
    if (top in _TEXT_FIELDS or top in _JSON_FIELDS) != (len(path) == 1) or any(not part for part in path):
        return f"column {_short(column)}: write {top} as {top}" + ("" if top in _TEXT_FIELDS else f".NAME, e.g. {top}.dau"), None
    for other in before:
        if path[: len(other)] == other or other[: len(path)] == path:
            return f"column {_short(column)} overlaps column {_short('.'.join(other))}", None
    return None


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def csv_cells(text: str) -> list[str]:
    """The cells of one CSV line; `csv.Error` for a quote left open or a cell over the csv module's limit."""
    return next(csv.reader((text.removesuffix("\r"),), strict=True), [])


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
        try:
            return Decimal(cell)
        except InvalidOperation:  # an exponent beyond Decimal's range: left as text, refused as such
            return cell
    if cell in ("true", "false"):
        return cell == "true"
    if cell[:1] in ("[", "{"):
        try:
            return parse_json(cell)
        except UsageError:
            return cell
    return cell


def read_record(raw: bytes, paths: Paths | None, name: str, line: int) -> Any:
    """The usage document of a JSON line or a CSV row; `UsageError` citing the input line when unreadable."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        message = f"the record is over the limit of {MAX_DOCUMENT_BYTES} bytes"
        raise UsageError([Diagnostic(message=message, rule="usage-size", file=name, line=line)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"the line is not valid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
        raise UsageError([Diagnostic(message=message, rule="encoding", file=name, line=line)]) from None
    if paths is not None:
        try:
            cells = csv_cells(text)
        except csv.Error as error:
            message = f"the row is not CSV: {_csv_problem(error)}"
            raise UsageError([Diagnostic(message=message, rule="csv-row", file=name, line=line)]) from None
        return csv_record(paths, cells)
    try:
        return parse_json(text, name)
    except UsageError as error:
        raise UsageError([replace(d, file=name, line=line) for d in error.diagnostics]) from None


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "end of data" in text:
        return "a quoted cell is not closed on its line"
    if "field limit" in text:
        return f"a cell is over the limit of {csv.field_size_limit()} characters"
    return text


def shown(raw: bytes, paths: Paths | None) -> str:
    """The record as JSON for the rejects file: the JSON line itself, the CSV row by column, or as text."""
    text: str = raw[:MAX_DOCUMENT_BYTES].decode("utf-8", errors="replace").strip()
    try:
        raw.decode("utf-8")
        if paths is not None:
            cells = csv_cells(text)
            row = dict(zip((".".join(path) for path in paths), cells, strict=False)) if len(cells) == len(paths) else cells
            return json.dumps(row, ensure_ascii=False)
        parse_json(text)
    except (UnicodeDecodeError, UsageError, csv.Error):  # shown as text: it is not a JSON document or a CSV row
        return json.dumps(text if len(text) <= 1000 else text[:1000] + "…", ensure_ascii=False)
    return text
