"""`tariff bump DIR --effective DATE`: start a new version as a copy of the latest."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_directory_arguments, tariff_directory
from engine.commands.exits import EXIT_OK
from engine.commands.versions import iso_date


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "bump",
        help="start a new tariff version as a copy of the latest",
        description="Copy the latest version of a tariff directory to DIR/<DATE>.yaml, comments and layout kept,\n"
        "with effective_from set to DATE and the version label's last number increased ('1' -> '2').\n"
        "No other file is touched; a published version is never edited.",
        epilog="Examples:\n  tariff bump tariffs/tencent-im --effective 2027-01-01\n"
        "  tariff bump tariffs/tencent-im --effective 2028-01-01 --version 2028.1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_directory_arguments(parser)
    parser.add_argument("--effective", metavar="YYYY-MM-DD", type=iso_date, required=True, help="first day the new version is in force")
    parser.add_argument("--version", metavar="LABEL", help="the new version label (default: the latest's, last number plus one)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.review.versions import bump

    directory = tariff_directory(args)
    done = bump(directory, args.effective, args.version)
    sys.stdout.write(f"wrote {done.path} (version {done.version}, effective {args.effective}), a copy of {done.copied_from}\n")
    if done.reformatted:
        sys.stderr.write(f"note: {done.reformatted} other line(s) came out reformatted; compare the two files before committing\n")
    sys.stdout.write(
        f"next: edit the prices, then review with: tariff diff {directory / Path(done.copied_from).name} {done.path}\n"
    )
    return EXIT_OK
