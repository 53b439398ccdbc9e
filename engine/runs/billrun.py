"""Bill runs: many usage records priced in one pass, in input order, in flat memory.

`quote_many(target, records)` is the Python API: for each record, lazily, an `Invoice` or a
`Rejection`. `run_batches` is what `tariff bill-run` runs: batches of records (`records`)
go to worker processes, a bounded number in flight so that memory does not grow with the
input; each comes back as invoice and reject lines ready to write, with its totals, and
batches are handed back in input order whatever the number of workers.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import PRICING_CONTEXT, text
from engine.language import model as m
from engine.pricing.invoice import Invoice, InvoiceLine
from engine.pricing.quote import quote
from engine.runs.records import Batch, read_record, shown

Target = m.Tariff | m.Catalog
IN_FLIGHT = 4  # batches per worker sent and not yet written
SAMPLES = 20  # rejects a run keeps to show when they are not written to a file


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
        days = "" if invoice.days is None else f'"first_day":"{invoice.days[0].isoformat()}","last_day":"{invoice.days[1].isoformat()}",'
        return (
            f'{{"account":{_text(invoice.account)},"period":{_text(invoice.period)},{days}"edition":{_text(invoice.edition)},'
            f'"currency":{_text(invoice.currency)},"tariff":{self._part(ref, _tariff)},'
            f'"lines":[{",".join([self._part(line, _line) for line in lines])}],"total":{_text(text(invoice.total))},'
            f'"settlement":{self._part(settlement, _settlement)}{_payment(invoice)}}}'
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


def _payment(invoice: Invoice) -> str:
    """With adjustments: the credits, the amount due and the balance left, as `Invoice.to_json` writes them."""
    if invoice.payment is None:
        return ""
    return "," + _dumps(invoice.payment.to_dict())[1:-1]


def _tariff(ref: Any) -> str:
    return _dumps({"id": ref.id, "version": ref.version, "file": ref.file, "sha256": ref.sha256})


def _line(line: InvoiceLine) -> str:
    """`InvoiceLine.to_dict()` as JSON, written directly for a line over the whole period (most lines)."""
    if line.service is not None or line.fraction is not None:
        return _dumps(line.to_dict())
    price = "null" if line.unit_price is None else f'"{text(line.unit_price)}"'
    return (
        f'{{"id":{_text(line.id)},"description":{_text(line.description)},"quantity":"{text(line.quantity)}",'
        f'"unit":{_text(line.unit)},"unit_price":{price},"amount":"{text(line.amount)}","source":{_text(line.source)}}}'
    )


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
    lines: list[int] = field(default_factory=list)  # where each invoice's record starts, in order


def price_batch(target: Target, batch: Batch, name: str, writer: InvoiceWriter | None = None, kept: list[Invoice] | None = None) -> Priced:
    """Every record of the batch invoiced or rejected, whatever its bytes: nothing a record holds
    is done outside the record's own `try`, its encoding included. With `kept`, each invoice is
    also appended there (for callers that make columns of them)."""
    writer = writer or InvoiceWriter()
    invoices: list[bytes] = []
    rejects: list[bytes] = []
    invoiced: list[int] = []
    totals = Totals()
    by_edition = totals.by_edition
    for line, raw in batch.records():
        try:
            invoice = quote(target, read_record(raw, batch.paths, name, line))
            written = writer.json(invoice).encode()
        except UsageError as error:
            problems = error.diagnostics
        except Exception as error:  # an engine fault on one record must not lose the others
            message = f"the engine failed on this record: {type(error).__name__}: {str(error)[:200]}"
            problems = (Diagnostic(message=message, rule="internal"),)
        else:
            invoices.append(written)
            invoiced.append(line)
            if kept is not None:
                kept.append(invoice)
            key = (invoice.currency, invoice.edition)
            found = by_edition.get(key) or by_edition.setdefault(key, [0, Decimal(0)])
            found[0] += 1
            found[1] = PRICING_CONTEXT.add(found[1], invoice.total)
            continue
        rejects.append(_reject_line(line, raw, batch.paths, problems))
        if len(totals.samples) < SAMPLES:
            first = problems[0]
            totals.samples.append(str(first) if first.file is not None else f"{name}:{line}: {first}")
    totals.invoices, totals.rejects = len(invoices), len(rejects)
    totals.records = totals.invoices + totals.rejects
    return Priced(_joined(invoices), _joined(rejects), totals, invoiced)


def _joined(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _reject_line(line: int, raw: bytes, paths: Any, problems: Sequence[Diagnostic]) -> bytes:
    """One line of the rejects file; in ASCII when its text cannot be UTF-8 (a lone surrogate in a message)."""
    try:
        record = shown(raw, paths)
    except Exception:  # never lose a reject for the way its record is shown
        record = json.dumps(raw[:1000].decode("utf-8", errors="replace"))
    errors = [problem.to_dict() for problem in problems]
    try:
        return f'{{"line":{line},"record":{record},"errors":{json.dumps(errors, ensure_ascii=False)}}}'.encode()
    except UnicodeEncodeError:
        ascii_record = record.encode("utf-8", "backslashreplace").decode()
        return f'{{"line":{line},"record":{ascii_record},"errors":{json.dumps(errors)}}}'.encode()


# -- running batches, here or in worker processes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tariffs:
    """Where the tariffs come from, so each worker process loads them (from the cache) itself."""

    tariff: str | None  # a version file, a tariff directory or a tariff root; None: the shipped tariffs

    def load(self) -> Target:
        from engine.language.catalog import is_version_file, load_catalog, load_tariff

        if self.tariff is None:
            return load_catalog()
        path = Path(self.tariff)
        if path.is_dir() and not any(is_version_file(p) for p in path.iterdir()):
            return load_catalog(path)  # a tariff root: records name their tariff
        return load_tariff(path)


_WORKER: dict[str, Any] = {}


def _start_worker(tariffs: Tariffs, name: str) -> None:
    _end_with_the_run()
    _WORKER.update(target=tariffs.load(), name=name, writer=InvoiceWriter())


def _end_with_the_run() -> None:
    """End this worker as soon as the run that started it is gone.

    A worker waiting for a batch sees the pipe close when the run dies, but a run killed (SIGKILL)
    while the pool shuts down can die holding the lock the workers take to read that pipe: they
    would wait for it for ever. A thread waits on the run's sentinel (a pipe end that closes when
    the run's process ends, for every start method) and ends the worker then.
    """
    import multiprocessing
    import threading

    run = multiprocessing.parent_process()
    if run is not None:
        threading.Thread(target=_exit_after, args=(run,), name="end-with-the-run", daemon=True).start()


def _exit_after(run: Any) -> None:
    run.join()
    os._exit(1)


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
    yield from _in_processes(tariffs, chain(head, work), name, workers)


def _in_processes(tariffs: Tariffs, work: Iterator[Batch], name: str, workers: int) -> Iterator[Priced]:
    """Batch i priced by worker i mod `workers`, so each worker's results come back in input order
    and the run reads them in turn; `IN_FLIGHT` batches per worker at most are sent and not yet read."""
    team = _Team(tariffs, name, workers)
    finished = False
    try:
        pending: deque[int] = deque()  # the worker of each batch in flight, in input order
        for index, batch in enumerate(work):
            if len(pending) >= workers * IN_FLIGHT:
                yield team.result(pending.popleft())
            team.send(index % workers, batch)
            pending.append(index % workers)
        while pending:
            yield team.result(pending.popleft())
        finished = True
    finally:
        team.stop(finished)


@dataclass(frozen=True, slots=True)
class _Failed:
    """What a worker sends back for a batch it could not price (an engine fault outside any record)."""

    message: str


class _Team:
    """Worker processes, each with a pipe for its batches and one for its results.

    A thread sends the batches (a send waits while its worker is busy), so that the run is always
    free to read results: a worker never waits with a result while the run waits to send it work.
    `multiprocessing.Pool` does the same with one queue for all workers, but its worker handler
    wakes each time a result is readable and spends about as much of the run's CPU time as the
    reading and writing of the results themselves.
    """

    def __init__(self, tariffs: Tariffs, name: str, workers: int) -> None:
        import multiprocessing
        import queue
        import threading

        self.batches: list[Any] = []
        self.results: list[Any] = []
        self.processes: list[Any] = []
        for _ in range(workers):
            batches_out, batches_in = multiprocessing.Pipe(duplex=False)
            results_out, results_in = multiprocessing.Pipe(duplex=False)
            process = multiprocessing.Process(target=_work, args=(tariffs, name, batches_out, results_in), daemon=True)
            process.start()
            batches_out.close()  # the worker's ends: only the worker holds them, so its exit is seen
            results_in.close()
            self.batches.append(batches_in)
            self.results.append(results_out)
            self.processes.append(process)
        self.outbox: queue.SimpleQueue[tuple[int, Batch] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send_all, name="bill-run batches", daemon=True)
        self.sender.start()

    def send(self, worker: int, batch: Batch) -> None:
        self.outbox.put((worker, batch))

    def _send_all(self) -> None:
        """Each batch to its worker, then None to every worker (the end); stops when a worker is gone."""
        worker = 0
        try:
            while (item := self.outbox.get()) is not None:
                worker, batch = item
                self.batches[worker].send(batch)
            for worker in range(len(self.batches)):
                self.batches[worker].send(None)
        except Exception:  # a worker gone (a broken pipe), or a batch not sent: never leave the run waiting for it
            self.processes[worker].terminate()  # the run finds out when it reads that worker's result

    def result(self, worker: int) -> Priced:
        try:
            done = self.results[worker].recv()
        except (EOFError, OSError):
            process = self.processes[worker]
            process.join(timeout=5)  # its pipe closes as it dies, a moment before its exit status is there
            code = process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise UsageError([Diagnostic(message=f"a worker process ended before its batch was priced ({how})", rule="internal")]) from None
        if isinstance(done, _Failed):
            raise UsageError([Diagnostic(message=f"the engine failed on a batch: {done.message}", rule="internal")])
        priced: Priced = done
        return priced

    def stop(self, finished: bool) -> None:
        """The workers told to end when every result is read; else (the run stops early) ended now."""
        self.outbox.put(None)
        if finished:
            self.sender.join()
            for process in self.processes:
                process.join()
        for process in self.processes:
            if process.exitcode is None:
                process.terminate()
            process.join()
        self.sender.join(timeout=5)  # it stops at its next send to a worker that is gone
        for connection in (*self.batches, *self.results):
            connection.close()


def _work(tariffs: Tariffs, name: str, batches: Any, results: Any) -> None:
    """A worker process: prices each batch it is sent, in turn, until it is sent None or the run is gone."""
    _start_worker(tariffs, name)
    while True:
        try:
            batch = batches.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        try:
            done: Priced | _Failed = _price_in_worker(batch)
        except Exception as error:  # reported by the run, with the batch's place in it
            done = _Failed(f"{type(error).__name__}: {str(error)[:200]}")
        results.send(done)
