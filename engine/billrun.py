"""Bill runs: many usage records priced in one pass, in input order, in flat memory.

`quote_many(target, records)` is the Python API: for each record, lazily, an `Invoice` or a
`Rejection`. `bill_run(...)` is what `tariff bill-run` runs: records read from JSON Lines or
CSV are sent in batches to worker processes (a bounded number of batches in flight, so
memory does not grow with the input), each batch comes back as invoice and reject lines
ready to write, and batches are written in input order whatever the number of workers.

CSV records: one column per field, named by its dotted path in the usage document
(`account`, `period`, `edition`, `tariff`, `usage.dau`, `addons.message_retention_days`,
`addons.audio_video_call.activated_on`). An empty cell is an absent field. The envelope
fields are text as written (`account` 007 stays "007"); under `usage` and `addons` a cell
is read as a whole number (`32000`), an exact decimal (`0.5`, `1e3`), `true` or `false`, a
JSON list or mapping (`[120000, 98000]`, for a daily series), or else as text.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

from . import model as m
from .documents import parse_json
from .errors import Diagnostic, UsageError
from .invoice import Invoice
from .money import PRICING_CONTEXT, text
from .pricing import quote
from .source import MAX_DOCUMENT_BYTES
from .usage import ENVELOPE_KEYS

Target = m.Tariff | m.Catalog
CHUNK = 1 << 18  # bytes of JSON Lines per batch sent to a worker (about 1,300 records)
CSV_ROWS = 1000  # CSV rows per batch
IN_FLIGHT = 4  # batches per worker sent and not yet written
SAMPLES = 20  # rejects a run keeps to show when they are not written to a file
_TEXT_FIELDS = frozenset(("tariff", "account", "period", "edition"))
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that could not be priced, with every problem found."""

    record: Any
    diagnostics: tuple[Diagnostic, ...]


def quote_many(tariff_or_catalog: Target, records: Iterable[Any]) -> Iterator[Invoice | Rejection]:
    """An invoice or a rejection for each record, in order, one at a time."""
    for record in records:
        try:
            yield quote(tariff_or_catalog, record)
        except UsageError as error:
            yield Rejection(record, error.diagnostics)


# -- reading records --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """Records as read: whole JSON lines from line `first` on, or CSV rows with the header's paths."""

    first: int = 1
    data: bytes = b""
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line where the row starts, cells)
    paths: tuple[tuple[str, ...], ...] | None = None

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


def csv_header(stream: io.TextIOBase, name: str) -> tuple[Any, tuple[tuple[str, ...], ...]]:
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
    if (top in _TEXT_FIELDS) != (len(path) == 1) or any(not part for part in path):
        return f"column {column!r}: write {top} as {top}" + ("" if top in _TEXT_FIELDS else f".NAME, e.g. {top}.dau")
    for other in before:
        if path[: len(other)] == other or other[: len(path)] == path:
            return f"column {column!r} overlaps column {'.'.join(other)!r}"
    return None


def csv_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells) of each row that is not empty."""
    start = reader.line_num + 1
    for row in reader:
        if any(cell != "" for cell in row):
            yield start, row
        start = reader.line_num + 1


def csv_batches(rows: Iterable[tuple[int, list[str]]], paths: tuple[tuple[str, ...], ...], size: int = CSV_ROWS) -> Iterator[Batch]:
    batch: list[tuple[int, list[str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield Batch(rows=batch, paths=paths)
            batch = []
    if batch:
        yield Batch(rows=batch, paths=paths)


def csv_record(paths: tuple[tuple[str, ...], ...], cells: list[str]) -> dict[str, Any]:
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
        node[path[-1]] = cell if path[0] in _TEXT_FIELDS else cell_value(cell)
    return record


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


# -- pricing a batch ------------------------------------------------------------------------------

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_text = json.encoder.encode_basestring
_KEPT = 4096


class InvoiceWriter:
    """`Invoice.to_json()`, byte for byte, writing once the JSON of the parts invoices share.

    Invoices of a bill run share most of their parts: the tariff reference of a version, the
    settlement of a month, and (from the fast path) the very same line objects for a flat
    fee, an add-on, an overage with no block. Each shared object's JSON is kept, by identity
    and for at most `_KEPT` objects at a time.
    """

    def __init__(self) -> None:
        self.known: dict[int, tuple[object, str]] = {}

    def json(self, invoice: Invoice) -> str:
        ref, settlement, lines = invoice.tariff, invoice.settlement, invoice.lines
        return (
            f'{{"account":{_text(invoice.account)},"period":{_text(invoice.period)},"edition":{_text(invoice.edition)},'
            f'"currency":{_text(invoice.currency)},"tariff":{self._part(ref, _tariff)},'
            f'"lines":[{",".join([self._part(line, _line) for line in lines])}],"total":{_text(text(invoice.total))},'
            f'"settlement":{self._part(settlement, _settlement)}}}'
        )

    def _part(self, part: Any, write: Any) -> str:
        found = self.known.get(id(part))
        if found is not None and found[0] is part:
            return found[1]
        if len(self.known) >= _KEPT:
            self.known.clear()
        written: str = write(part)
        self.known[id(part)] = (part, written)
        return written


def _tariff(ref: Any) -> str:
    return _dumps({"id": ref.id, "version": ref.version, "file": ref.file, "sha256": ref.sha256})


def _line(line: Any) -> str:
    return _dumps(line.to_dict())


def _settlement(settlement: Any) -> str:
    return _dumps({"mode": settlement.mode, "deduct_from": settlement.deduct_from, "deduct_until": settlement.deduct_until})


@dataclass(slots=True)
class Totals:
    """What a run has done so far; batches add theirs up in input order."""

    records: int = 0
    invoices: int = 0
    rejects: int = 0
    by_edition: dict[tuple[str, str], list[Any]] = field(default_factory=dict)  # (currency, edition) → [invoices, total]
    samples: list[str] = field(default_factory=list)  # the first rejects, as text

    def add(self, other: Totals) -> None:
        self.records += other.records
        self.invoices += other.invoices
        self.rejects += other.rejects
        for key, (count, total) in other.by_edition.items():
            mine = self.by_edition.setdefault(key, [0, Decimal(0)])
            mine[0] += count
            mine[1] = PRICING_CONTEXT.add(mine[1], total)
        self.samples += other.samples[: max(0, SAMPLES - len(self.samples))]

    def by_currency(self) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for (currency, _), (count, total) in sorted(self.by_edition.items()):
            mine = found.setdefault(currency, [0, Decimal(0)])
            mine[0] += count
            mine[1] = PRICING_CONTEXT.add(mine[1], total)
        return found


@dataclass(slots=True)
class Priced:
    """A batch priced: its invoice lines and reject lines, ready to write, and its totals."""

    invoices: bytes
    rejects: bytes
    totals: Totals


def price_batch(target: Target, batch: Batch, name: str, writer: InvoiceWriter | None = None) -> Priced:
    writer = writer or InvoiceWriter()
    invoices: list[str] = []
    rejects: list[str] = []
    totals = Totals()
    by_edition = totals.by_edition
    for line, raw in batch.records():
        try:
            invoice = quote(target, read_record(raw, batch.paths, name, line))
        except UsageError as error:
            problems = error.diagnostics
        except Exception as error:  # an engine fault on one record must not lose the others
            problems = (Diagnostic(message=f"the engine failed on this record: {type(error).__name__}: {error}", rule="internal"),)
        else:
            invoices.append(writer.json(invoice))
            key = (invoice.currency, invoice.edition)
            found = by_edition.get(key) or by_edition.setdefault(key, [0, Decimal(0)])
            found[0] += 1
            found[1] = PRICING_CONTEXT.add(found[1], invoice.total)
            continue
        rejects.append(_reject_line(line, _shown(raw, batch.paths), problems))
        if len(totals.samples) < SAMPLES:
            totals.samples.append(f"{name}:{line}: {problems[0]}")
    totals.invoices, totals.rejects = len(invoices), len(rejects)
    totals.records = totals.invoices + totals.rejects
    return Priced(_joined(invoices), _joined(rejects), totals)


def _joined(lines: list[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def read_record(raw: Any, paths: tuple[tuple[str, ...], ...] | None, name: str, line: int) -> Any:
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


def _shown(raw: Any, paths: tuple[tuple[str, ...], ...] | None) -> str:
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


def _reject_line(line: int, shown: str, problems: Sequence[Diagnostic]) -> str:
    errors = json.dumps([problem.to_dict() for problem in problems], ensure_ascii=False)
    return f'{{"line":{line},"record":{shown},"errors":{errors}}}'


# -- running batches, here or in worker processes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tariffs:
    """Where the tariffs come from, so each worker process loads them (from the cache) itself."""

    tariff: str | None  # a version file, a tariff directory or a tariff root; None: the shipped tariffs

    def load(self) -> Target:
        from .catalog import is_version_file, load_catalog, load_tariff

        if self.tariff is None:
            return load_catalog()
        path = Path(self.tariff)
        if path.is_dir() and not any(is_version_file(p) for p in path.iterdir()):
            return load_catalog(path)  # a tariff root: records name their tariff
        return load_tariff(path)


_WORKER: dict[str, Any] = {}


def _start_worker(tariffs: Tariffs, name: str) -> None:
    _WORKER.update(target=tariffs.load(), name=name, writer=InvoiceWriter())


def _price_in_worker(batch: Batch) -> Priced:
    return price_batch(_WORKER["target"], batch, _WORKER["name"], _WORKER["writer"])


def run_batches(target: Target, tariffs: Tariffs, work: Iterable[Batch], name: str, workers: int) -> Iterator[Priced]:
    """Each batch priced, in input order; with `workers` > 1 (and work for more than one batch), in processes."""
    work = iter(work)
    head = list(islice(work, 2))
    if workers <= 1 or len(head) < 2:
        writer = InvoiceWriter()
        for batch in chain(head, work):
            yield price_batch(target, batch, name, writer)
        return
    yield from _in_pool(tariffs, chain(head, work), name, workers)


def _in_pool(tariffs: Tariffs, work: Iterator[Batch], name: str, workers: int) -> Iterator[Priced]:
    import multiprocessing

    pending: deque[Any] = deque()
    with multiprocessing.Pool(workers, initializer=_start_worker, initargs=(tariffs, name)) as pool:
        for batch in work:
            pending.append(pool.apply_async(_price_in_worker, (batch,)))
            if len(pending) >= workers * IN_FLIGHT:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
