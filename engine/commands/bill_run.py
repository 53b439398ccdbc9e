"""`tariff bill-run INPUT`: price a file of usage records into invoices, in input order."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from engine.commands.exits import EXIT_FOUND, EXIT_OK
from engine.core.errors import Diagnostic, UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "bill-run",
        help="price many usage records (JSON Lines or CSV) into invoices",
        description=(
            "Price every usage record of INPUT (JSON Lines or CSV, '-' for stdin) with the tariff version in force\n"
            "for its own period, and write one invoice per line, in input order. A record that cannot be priced\n"
            "never stops the run: it goes to the rejects with its line number and every error found."
        ),
        epilog=(
            "Examples:\n"
            "  tariff bill-run usage.jsonl --out invoices.jsonl --rejects rejects.jsonl --summary summary.csv\n"
            "  tariff bill-run usage.csv --tariff tariffs/tencent-im --workers 2 --strict\n\n"
            "CSV columns are named by their dotted path in a usage document: account, period, edition, tariff,\n"
            "usage.dau, addons.message_retention_days, addons.audio_video_call.activated_on. An empty cell is\n"
            "an absent field; see docs/bill-runs.md.\n\n"
            "Exit codes: 0 done; 1 with --strict, when a record was rejected; 2 when the tariffs or the input\n"
            "could not be read, or an output could not be written. Outputs are written under a temporary name\n"
            "(FILE.partial-PID) and renamed when the run is done; the next run removes those a killed run left."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="usage records: a .jsonl or .csv file, or - for stdin")
    parser.add_argument(
        "--tariff",
        metavar="PATH",
        help="a tariff version file, a tariff directory or a directory of tariffs (default: the shipped tariffs)",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv", "parquet"),
        help="input format (default: csv for a .csv file, parquet for a .parquet file or a directory, else jsonl)",
    )
    parser.add_argument("--out", metavar="FILE", default="-", help="invoices, one JSON document per line (default: stdout)")
    parser.add_argument("--rejects", metavar="FILE", help="rejected records as JSON Lines (default: the first ones on stderr)")
    parser.add_argument("--summary", metavar="FILE", help="counts and totals by currency and edition, as CSV")
    parser.add_argument(
        "--workers", type=_count, metavar="N", default=os.cpu_count() or 1, help="processes pricing records (default: one per CPU)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any record was rejected")
    parser.add_argument(
        "--engine", choices=("local", "spark"), default="local", help="price here (default) or on Spark (pip install '.[spark]')"
    )
    parser.add_argument("--master", metavar="URL", help="with --engine spark: the Spark master, e.g. local[2] or spark://host:7077")
    parser.set_defaults(run=run)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, at least 1; got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from engine.runs.billrun import Tariffs, Totals, run_batches

    tariffs = Tariffs(args.tariff)
    target = tariffs.load()
    totals = Totals()
    with _input(args.input, args.format) as (name, batches, progress), _Outputs(args.out, args.rejects, args.summary) as outputs:
        if args.engine == "spark":
            from engine.runs.spark import run_on_spark

            results = run_on_spark(tariffs, batches, name, args.master)
        else:
            results = run_batches(target, tariffs, batches, name, args.workers)
        for priced in results:
            outputs.write(priced.invoices, priced.rejects, priced.lines)
            totals.add(priced.totals)
            progress.show(totals.records)
        outputs.finish(totals)
        progress.done()
    _report(totals, name, args.rejects)
    return EXIT_FOUND if args.strict and totals.rejects else EXIT_OK


@contextlib.contextmanager
def _input(path: str, fmt: str | None) -> Iterator[tuple[str, Iterator[Any], _Progress]]:
    from engine.runs.parquet import is_parquet, parquet_batches  # pyarrow itself only when Parquet is read
    from engine.runs.records import csv_batches, csv_header, csv_rows, json_batches

    name = "<stdin>" if path == "-" else path
    if fmt == "parquet" or (fmt is None and is_parquet(path)):
        yield name, parquet_batches(path), _Progress(None, False)
        return
    try:
        stream: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot read input: {error.strerror or error}", rule="io", file=name)]) from None
    try:
        progress = _Progress(stream, sys.stderr.isatty())
        if (fmt or ("csv" if path.lower().endswith(".csv") else "jsonl")) == "csv":
            import io

            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            try:
                reader, paths = csv_header(text, name)
            except UnicodeDecodeError as error:
                raise _not_utf8(error, name) from None
            yield name, csv_batches(_decoded(csv_rows(reader), name), paths), progress
        else:
            yield name, json_batches(stream), progress
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _decoded(rows: Iterator[Any], name: str) -> Iterator[Any]:
    """CSV rows; input that is not UTF-8 stops the run (a record's text would be wrong, not refusable)."""
    try:
        yield from rows
    except UnicodeDecodeError as error:
        raise _not_utf8(error, name) from None


def _not_utf8(error: UnicodeDecodeError, name: str) -> UsageError:
    message = f"the input is not valid UTF-8 (byte 0x{error.object[error.start]:02x})"
    return UsageError([Diagnostic(message=message, rule="encoding", file=name)])


class _Outputs:
    """Invoices, rejects and summary, written under temporary names and renamed at the end.

    A temporary output is named `FINAL.partial-PID` and locked while its run writes it; one that
    a killed run left behind is removed by the next run writing FINAL (see `_remove_abandoned`).
    The summary is renamed last, and an older summary is removed before anything is renamed: a
    summary marks a finished set of outputs.
    """

    def __init__(self, out: str, rejects: str | None, summary: str | None) -> None:
        self.paths = {key: path for key, path in (("out", out), ("rejects", rejects), ("summary", summary)) if path and path != "-"}
        self.files: dict[str, IO[bytes]] = {}
        self.tables: dict[str, Any] = {}  # the outputs written as Parquet: engine.runs.parquet.ParquetOut
        self.out = out

    def __enter__(self) -> _Outputs:
        for key, path in self.paths.items():
            with _writing(path, self._discard):
                _remove_abandoned(Path(path))
                self.files[key] = open(self._temporary(path), "wb")  # closed by finish or _discard
                _lock(self.files[key])
                if key != "summary" and path.lower().endswith(".parquet"):
                    from engine.runs.parquet import ParquetOut

                    self.tables[key] = ParquetOut(self.files[key], key, path)
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._discard()

    @staticmethod
    def _temporary(path: str) -> Path:
        final = Path(path)
        return final.with_name(f"{final.name}{_PARTIAL}{os.getpid()}")

    def write(self, invoices: bytes, rejects: bytes, lines: list[int]) -> None:
        if "out" not in self.files:  # standard output: a closed pipe is the CLI's to report
            sys.stdout.buffer.write(invoices)
        for key, data in (("out", invoices), ("rejects", rejects)):
            if key in self.tables:
                with _writing(self.paths[key]):
                    self.tables[key].write(data, lines)
            elif key in self.files:
                with _writing(self.paths[key]):
                    self.files[key].write(data)

    def finish(self, totals: Any) -> None:
        """Write the summary, then give every output its own name, the summary last."""
        if "summary" in self.files:
            with _writing(self.paths["summary"]):
                self.files["summary"].write(_summary_csv(totals).encode())
        for key, table in self.tables.items():
            with _writing(self.paths[key]):
                table.close()
        for key, handle in self.files.items():
            with _writing(self.paths[key]):
                handle.close()
        if "summary" in self.paths:
            with _writing(self.paths["summary"]), contextlib.suppress(FileNotFoundError):
                os.unlink(self.paths["summary"])
        for key in self.files:
            with _writing(self.paths[key]):
                os.replace(self._temporary(self.paths[key]), self.paths[key])
        self.files, self.tables = {}, {}

    def _discard(self) -> None:
        for key, handle in self.files.items():
            with contextlib.suppress(OSError):
                handle.close()
            with contextlib.suppress(OSError):
                self._temporary(self.paths[key]).unlink()
        self.files, self.tables = {}, {}


_PARTIAL = ".partial-"


@contextlib.contextmanager
def _writing(path: str, cleanup: Any = None) -> Iterator[None]:
    """An output that cannot be written (a full disk, a missing directory) stops the run with a diagnostic."""
    try:
        yield
    except OSError as error:
        if cleanup is not None:
            cleanup()
        raise UsageError([Diagnostic(message=f"cannot write: {error.strerror or error}", rule="io", file=path)]) from None


def _lock(handle: IO[bytes]) -> None:
    """Hold an advisory lock on a temporary output while the run lives (the system drops it when the run dies)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system, where `_gone` never tells a run is gone
        return
    with contextlib.suppress(OSError):
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _remove_abandoned(final: Path) -> None:
    """Remove the `FINAL.partial-PID` files of runs that are gone: no process PID, no lock held on the file."""
    import glob
    import stat

    for path in final.parent.glob(glob.escape(final.name) + _PARTIAL + "*"):
        pid = path.name[len(final.name) + len(_PARTIAL) :]
        with contextlib.suppress(OSError):
            if pid.isascii() and pid.isdigit() and stat.S_ISREG(path.lstat().st_mode) and _gone(pid) and not _locked(path):
                path.unlink()


def _gone(pid: str) -> bool:
    """Whether no process has this number (False when that cannot be told)."""
    if os.name != "posix":  # on Windows, os.kill(pid, 0) would end the process
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # someone else's process, or not a process number at all
        return False
    return False


def _locked(path: Path) -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # and with it the lock, if it was taken
    return False


def _summary_csv(totals: Any) -> str:
    rows = [["item", "currency", "edition", "count", "amount"]]
    rows += [["records", "", "", str(totals.records), ""], ["invoices", "", "", str(totals.invoices), ""]]
    rows += [["rejects", "", "", str(totals.rejects), ""]]
    for currency, (count, total) in totals.by_currency().items():
        rows.append(["total", currency, "", str(count), f"{total:f}"])
        for (money, edition), (part, amount) in sorted(totals.by_edition.items()):
            if money == currency:
                rows.append(["total", currency, edition, str(part), f"{amount:f}"])
    return "".join(",".join(_cell(cell) for cell in row) + "\n" for row in rows)


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _report(totals: Any, name: str, rejects: str | None) -> None:
    out = sys.stderr
    where = f" ({rejects})" if rejects and totals.rejects else ""
    out.write(f"{name}: {totals.records} records read, {totals.invoices} invoices written, {totals.rejects} rejected{where}\n")
    for currency, (count, total) in totals.by_currency().items():
        out.write(f"total {currency} {total:f} over {count} invoices\n")
        for (money, edition), (part, amount) in sorted(totals.by_edition.items()):
            if money == currency:
                out.write(f"  {edition}: {currency} {amount:f} over {part} invoices\n")
    if totals.rejects and not rejects:
        out.write("".join(f"{sample}\n" for sample in totals.samples))
        if totals.rejects > len(totals.samples):
            out.write(f"... and {totals.rejects - len(totals.samples)} more; --rejects FILE writes them all\n")


class _Progress:
    """Records priced, rate and (for a file) time left, on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, stream: BinaryIO | None, shown: bool) -> None:
        self.stream, self.shown = stream, shown and stream is not None
        self.size = _file_size(stream) if shown and stream is not None else 0
        self.start = self.last = time.monotonic()

    def show(self, records: int) -> None:
        now = time.monotonic()
        if not self.shown or now - self.last < 0.2:
            return
        self.last = now
        line = f"\r{records:,} records  {records / max(now - self.start, 1e-9):,.0f}/s"
        done = self.stream.tell() / self.size if self.size and self.stream else 0
        if done:
            left = int((now - self.start) * (1 - done) / done)
            line += f"  {done:.0%}  {left // 60}:{left % 60:02d} left"
        sys.stderr.write(line + " ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")


def _file_size(stream: BinaryIO) -> int:
    """The size of a regular file (0 for a pipe or a terminal: no time left can be told)."""
    import stat

    status = os.fstat(stream.fileno())
    return status.st_size if stat.S_ISREG(status.st_mode) else 0
