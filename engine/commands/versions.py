"""`tariff versions DIR`: a tariff's versions and the days each is in force."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from engine.commands.common import add_directory_arguments, tariff_directory
from engine.commands.exits import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "versions",
        help="list a tariff's versions and when each is in force",
        description="List the versions of a tariff directory, each from its effective_from to the day before the next one's.\n"
        "Every version is validated first, with the rules between them (file named by its date, no two on one date).",
        epilog="Examples:\n  tariff versions tariffs/tencent-im\n  tariff versions tariffs/tencent-im --on 2026-11-01 --format json\n"
        "  tariff versions          # the one tariff of the tariffs found from here (stderr says which)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_directory_arguments(parser)
    parser.add_argument("--on", metavar="YYYY-MM-DD", type=iso_date, help="mark the version in force on this day")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def run(args: argparse.Namespace) -> int:
    from engine.language.catalog import load_tariff
    from engine.review.versions import ranges

    tariff = load_tariff(tariff_directory(args))
    found = ranges(tariff)
    if args.format == "json":
        rows = [{**r.to_dict(), "in_force_on_day": r.covers(args.on)} if args.on else r.to_dict() for r in found]
        sys.stdout.write(json.dumps({"id": tariff.id, "versions": rows}, indent=2) + "\n")
        return EXIT_OK
    table = [("file", "version", "in force")]
    for r in found:
        until = f"{r.effective_from} to {r.until}" if r.until else f"from {r.effective_from} on"
        mark = f"  <- in force on {args.on}" if args.on and r.covers(args.on) else ""
        table.append((r.file, r.version, until + mark))
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    lines = [f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2]}" for row in table]
    if args.on and not any(r.covers(args.on) for r in found):
        lines.append(f"no version is in force on {args.on} (the first takes effect on {found[0].effective_from})")
    sys.stdout.write(f"{tariff.id}: {len(found)} version{'s' if len(found) != 1 else ''}\n" + "\n".join(lines) + "\n")
    return EXIT_OK
