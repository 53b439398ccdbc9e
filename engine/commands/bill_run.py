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
from engine.core.records import replace


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
            "  tariff bill-run examples/usage.jsonl --out invoices.jsonl --rejects rejects.jsonl --summary summary.csv\n"
            "  tariff bill-run examples/usage.csv --tariff tariffs/tencent-im --workers 2 --strict\n\n"
            "CSV columns are named by their dotted path in a usage document: account, period, edition, tariff,\n"
            "usage.dau, addons.message_retention_days, addons.audio_video_call.activated_on. An empty cell is\n"
            "an absent field; see docs/bill-runs.md.\n\n"
            "Exit codes: 0 done; 1 when no record could be priced, or with --strict when a record was rejected;\n"
            "2 when the tariffs or the input could not be read, or an output could not be written. Outputs are\n"
            "written under a temporary name (FILE.partial-PID) and renamed when the run is done; the next run\n"
            "removes those a killed run left. A device or a FIFO is written through; a symbolic link is followed."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="usage records: a .jsonl or .csv file, or - for stdin")
    parser.add_argument(
        "--tariff",
        metavar="PATH",
        help="a tariff version file, a tariff directory or a directory of tariffs (default: the tariffs found from here)",
    )
    parser.add_argument(
        "--input-format",
        choices=("jsonl", "csv", "parquet"),
        help="format of INPUT (default: parquet for a .parquet file or a directory; else told from its content: "
        "a line starting with { is JSON Lines, else a CSV header)",
    )
    parser.add_argument("--format", choices=("jsonl", "csv", "parquet"), dest="input_format", help=argparse.SUPPRESS)  # the earlier name
    parser.add_argument(
        "--output-format",
        choices=("jsonl", "parquet"),
        help="format of the invoices and rejects (default: parquet for a FILE ending in .parquet, else jsonl)",
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
    from engine.commands.common import found_root
    from engine.runs.billrun import Tariffs, Totals, run_batches

    tariffs = Tariffs(str(found_root(args).path))
    target = tariffs.load()
    totals = Totals()
    outputs = _Outputs(args.out, args.rejects, args.summary, args.output_format)
    try:
        with _input(args.input, args.input_format) as (name, read_as, batches, progress), outputs:
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
    except (UsageError, OSError) as error:
        raise _unfinished(error, outputs.on_stdout) from None
    _report(totals, name, read_as, args.rejects)
    nothing_priced = totals.records > 0 and totals.invoices == 0
    return EXIT_FOUND if nothing_priced or (args.strict and totals.rejects) else EXIT_OK


def _unfinished(error: UsageError | OSError, on_stdout: int) -> Exception:
    """The error that stops a run; when invoices already went to standard output, a line saying they are not all."""
    if not on_stdout:
        return error
    from engine.commands.exits import write_error

    problems = list(error.diagnostics) if isinstance(error, UsageError) else [write_error(error)]
    message = f"the run stopped: the {on_stdout} invoices on standard output are not all of them"
    return UsageError([*problems, Diagnostic(message=message, rule="run-unfinished", file="<stdout>")])


@contextlib.contextmanager
def _input(path: str, fmt: str | None) -> Iterator[tuple[str, str, Iterator[Any], _Progress]]:
    """(name, 'CSV (from its content)', batches, progress) of the input."""
    from engine.runs.parquet import is_parquet, parquet_batches  # pyarrow itself only when Parquet is read
    from engine.runs.records import FORMATS, csv_batches, csv_header, detected_format, json_batches

    name = "<stdin>" if path == "-" else path
    if fmt == "parquet" or (fmt is None and is_parquet(path)):
        yield name, f"Parquet ({'as asked' if fmt else 'from its name'})", parquet_batches(path), _Progress(None, False)
        return
    try:
        stream: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed below
        how = "as asked"
        if fmt is None:
            fmt, how = detected_format(_head(stream), name)
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot read input: {error.strerror or error}", rule="io", file=name)]) from None
    try:
        progress = _Progress(stream, sys.stderr.isatty())
        read_as = f"{FORMATS[fmt]} ({how})"
        if fmt == "csv":
            try:
                paths = csv_header(stream, name)
            except UsageError as error:
                raise _with_format_hint(error, how) from None
            yield name, read_as, csv_batches(stream, paths), progress
        else:
            yield name, read_as, json_batches(stream), progress
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _head(stream: BinaryIO) -> bytes:
    """The first bytes of the input, left to be read again (a buffered reader's peek)."""
    peek = getattr(stream, "peek", None)
    return bytes(peek(4096)[:4096]) if peek is not None else b""


def _with_format_hint(error: UsageError, how: str) -> UsageError:
    """A header refused in a file whose format was guessed: say how to read it as JSON Lines."""
    if how == "as asked":
        return error
    hint = "the input was read as CSV, as its first line does not start with '{'; --input-format jsonl reads it as JSON Lines"
    return UsageError([d if d.hint else replace(d, hint=hint) for d in error.diagnostics])


class _Outputs:
    """Invoices, rejects and summary, written under temporary names and renamed at the end.

    A temporary output is named `FINAL.partial-PID` and locked while its run writes it; one that
    a killed run left behind is removed by the next run writing FINAL (see `_remove_abandoned`).
    The summary is renamed last, and an older summary is removed before anything is renamed: a
    summary marks a finished set of outputs. Only a regular file (or a name not yet taken) is
    written that way: a symbolic link is followed to the file it names, and a device or a FIFO
    (`/dev/null`, a pipe to another program) is written through, never replaced.
    """

    def __init__(self, out: str, rejects: str | None, summary: str | None, output_format: str | None = None) -> None:
        self.paths = {key: path for key, path in (("out", out), ("rejects", rejects), ("summary", summary)) if path and path != "-"}
        self.files: dict[str, IO[bytes]] = {}
        self.tables: dict[str, Any] = {}  # the outputs written as Parquet: engine.runs.parquet.ParquetOut
        self.output_format = output_format
        self.finals: dict[str, Path] = {}
        self.through: set[str] = set()  # outputs that are not regular files: written in place
        self.out = out
        self.on_stdout = 0  # invoices written to standard output

    def __enter__(self) -> _Outputs:
        for key, path in self.paths.items():
            with _writing(path, self._discard):
                final, regular = _destination(path)
                self.finals[key] = final
                if not regular:
                    self.through.add(key)
                    self.files[key] = open(final, "wb")  # closed by finish or _discard
                    continue
                _remove_abandoned(final)
                self.files[key] = open(self._temporary(final), "wb")  # closed by finish or _discard
                _lock(self.files[key])
                if key != "summary" and self._parquet(path):
                    from engine.runs.parquet import ParquetOut

                    self.tables[key] = ParquetOut(self.files[key], key, path)
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._discard()

    @staticmethod
    def _temporary(final: Path) -> Path:
        return final.with_name(f"{final.name}{_PARTIAL}{os.getpid()}")

    def _parquet(self, path: str) -> bool:
        return self.output_format == "parquet" or (self.output_format is None and path.lower().endswith(".parquet"))

    def write(self, invoices: bytes, rejects: bytes, lines: list[int]) -> None:
        if "out" not in self.files:  # standard output: a closed pipe is the CLI's to report
            sys.stdout.buffer.write(invoices)
            self.on_stdout += invoices.count(b"\n")
        for key, data in (("out", invoices), ("rejects", rejects)):
            if key in self.tables:
                with _writing(self.paths[key]):
                    self.tables[key].write(data, lines)
            elif key in self.files:
                with _writing(self.paths[key]):
                    self.files[key].write(data)

    def finish(self, totals: Any) -> None:
        """Write the summary, then give every output its own name, the summary last."""
        for key, table in self.tables.items():
            with _writing(self.paths[key]):
                table.close()
        if "summary" in self.files:
            with _writing(self.paths["summary"]):
                self.files["summary"].write(_summary_csv(totals).encode())
        for key, handle in self.files.items():
            with _writing(self.paths[key]):
                handle.close()
        renamed = [key for key in self.files if key not in self.through]
        if "summary" in renamed:
            with _writing(self.paths["summary"]), contextlib.suppress(FileNotFoundError):
                os.unlink(self.finals["summary"])
        for key in renamed:
            with _writing(self.paths[key]):
                os.replace(self._temporary(self.finals[key]), self.finals[key])
        self.files, self.tables = {}, {}

    def _discard(self) -> None:
        for key, handle in self.files.items():
            with contextlib.suppress(OSError):
                handle.close()
            if key not in self.through:
                with contextlib.suppress(OSError):
                    self._temporary(self.finals[key]).unlink()
        self.files, self.tables = {}, {}


def _destination(path: str) -> tuple[Path, bool]:
    """Where an output goes (symbolic links followed), and whether it is written under a temporary
    name and renamed: yes for a regular file or a new name, no for a device, a FIFO or a socket."""
    import stat

    final = Path(os.path.realpath(path))
    try:
        mode = os.stat(final).st_mode
    except FileNotFoundError:
        return final, True
    return final, stat.S_ISREG(mode)


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


def _report(totals: Any, name: str, read_as: str, rejects: str | None) -> None:
    out = sys.stderr
    where = f" ({rejects})" if rejects and totals.rejects else ""
    out.write(
        f"{name}: {read_as}: {_count_of(totals.records, 'record')} read, {_count_of(totals.invoices, 'invoice')} written, "
        f"{totals.rejects} rejected{where}\n"
    )
    for currency, (count, total) in totals.by_currency().items():
        out.write(f"total {currency} {total:f} over {_count_of(count, 'invoice')}\n")
        for (money, edition), (part, amount) in sorted(totals.by_edition.items()):
            if money == currency:
                out.write(f"  {edition}: {currency} {amount:f} over {_count_of(part, 'invoice')}\n")
    if totals.rejects and not rejects:
        out.write("".join(f"{sample}\n" for sample in totals.samples))
        if totals.rejects > len(totals.samples):
            out.write(f"... and {totals.rejects - len(totals.samples)} more; --rejects FILE writes them all\n")
    if totals.records and not totals.invoices:
        out.write(f"no record could be priced: is {name} {read_as.split(' (')[0]}? --input-format names the format\n")


def _count_of(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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
