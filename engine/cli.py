"""The `tariff` command. The only module that prints diagnostics or exits.

Exit codes: 0 done; 1 done and found something; 2 could not do what was asked.
Subcommands live in `engine.commands`, one module each.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from engine.commands import COMMANDS
from engine.commands.exits import EXIT_FAILED, EXIT_OK, print_diagnostics, write_error
from engine.core.errors import Error


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_FAILED)


class _Version(argparse.Action):
    """`tariff --version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None) -> None:
        sys.stdout.write(f"tariff {package_version()}\n")
        raise SystemExit(EXIT_OK)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tariff-engine")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the command line, only the named command is registered (a faster start)."""
    parser = _Parser(
        prog="tariff",
        description="Price usage with versioned YAML tariffs: every price, quota and rule is data.",
        epilog="Exit codes: 0 done, 1 done and found something (errors, failures, changes), 2 could not do what was asked.\n"
        "Run 'tariff COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the version of tariff-engine and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    named = [word for word in (argv or ())[:1] if word in COMMANDS]
    for name in named or COMMANDS:
        importlib.import_module(f"engine.commands.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, exit_at_once: bool = False) -> int:
    """Run one command. The cyclic garbage collector is off while the command starts (its imports and, for a
    command pricing one document, the whole run): those objects live until the process ends, and collecting
    them again and again is a large part of a short command's time. It is back on for the commands that run long.

    With `exit_at_once` (the `tariff` process itself, never a caller in the same process), a command pricing one
    document ends the process as soon as its output is flushed: tearing down the interpreter's modules
    and objects would take longer than the work."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, collecting, exit_at_once)
    finally:
        if collecting:
            gc.enable()


def _main(argv: Sequence[str] | None, collecting: bool, exit_at_once: bool) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_FAILED
    one_document = bool(getattr(args, "one_document", False))
    if collecting and not one_document:
        gc.enable()
    code = _run(run, args)
    if exit_at_once and one_document:
        _exit(code)
    return code


def _exit(code: int) -> None:
    """End the process now with `code`, once stdout and stderr are flushed (if they cannot be, the usual exit reports it).
    Not under a profiler or a coverage tracer: they write their results as the interpreter exits."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    import os

    os._exit(code)


def _run(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from engine.language.roots import other_engine_note

    note = other_engine_note()
    if note:
        sys.stderr.write(note + "\n")
    try:
        code = run(args)
        sys.stdout.flush()  # here, not at exit: a full disk or a closed pipe is reported like any error
        return code
    except Error as error:
        print_diagnostics(error.diagnostics)
        _flush_or_drop()
        return EXIT_FAILED
    except BrokenPipeError:  # the reader is gone (`| head`): nothing to tell it
        _drop_stdout()
        return EXIT_FAILED
    except OSError as error:
        if error.filename is None:  # a write to stdout (a command reports the files it names itself)
            _drop_stdout()
            error = OSError(error.errno, error.strerror, "<stdout>")
        print_diagnostics([write_error(error)])
        return EXIT_FAILED
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def _flush_or_drop() -> None:
    """Flush what a failed command wrote; a stdout that cannot take it is dropped (its error was reported)."""
    try:
        sys.stdout.flush()
    except OSError:
        _drop_stdout()


def _drop_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's own flush at exit cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (captured): nothing to flush at exit
        pass


def entry() -> None:
    raise SystemExit(main(exit_at_once=True))


if __name__ == "__main__":
    entry()
