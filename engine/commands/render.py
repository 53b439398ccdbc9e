"""`tariff render --canonical FILE`: one sorted line per price point, for reading and for git diff."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_tariff_argument, version_files_of
from engine.commands.exits import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "render",
        help="print a tariff version as one sorted line per price point",
        description="Print a tariff version as one line per price point ('pro / plan / price: 449.99 USD per month'),\n"
        "sorted and stable: key order, comments, quoting and layout make no difference.",
        epilog="Examples:\n  tariff render --canonical tariffs/tencent-im/2022-01-01.yaml\n"
        "  tariff render --canonical      # the latest version of the tariff found from here (stderr says which)\n\n"
        "As a git diff driver (docs/reviewing-price-changes.md):\n"
        "  echo 'tariffs/**/*.yaml diff=tariff' >> .gitattributes\n"
        "  git config diff.tariff.textconv 'tariff render --canonical --lenient'\n"
        "--lenient prints a file that is not a valid tariff version as it is (exit 0), as git needs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", metavar="FILE", nargs="?", help="a tariff version file, or REV:path read with git show (default: the latest version found)"
    )
    add_tariff_argument(parser)
    parser.add_argument("--canonical", action="store_true", required=True, help="one sorted line per price point (the only form so far)")
    parser.add_argument("--lenient", action="store_true", help="print a file that is not a valid tariff version unchanged, exit 0")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.errors import Error
    from engine.review.canonical import render_canonical
    from engine.review.revisions import read_document

    if args.file is None:
        args.file = str(version_files_of(args)[-1])
    try:
        document = read_document(args.file)
    except Error as error:
        if not args.lenient:
            raise
        return _as_is(args.file, error)
    sys.stdout.write(render_canonical(document.version, document.source))
    return EXIT_OK


def _as_is(path: str, error: Any) -> int:
    """For git's textconv: a file that is not a tariff (a scenarios file, a broken commit) diffs as text."""
    from pathlib import Path

    from engine.language.source import read_bounded

    try:
        raw = read_bounded(Path(path))
    except OSError:
        raise error from None
    first = error.diagnostics[0] if error.diagnostics else None
    reason = f" ({first.where}: {first.message})" if first else ""
    sys.stdout.write(f"# not a valid tariff version{reason}; shown as written\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(raw)
    return EXIT_OK
