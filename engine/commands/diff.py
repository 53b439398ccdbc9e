"""`tariff diff OLD NEW`: what a price change changes, in pricing terms, and what it does to invoices."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_tariff_argument, version_files_of
from engine.commands.exits import EXIT_FOUND, EXIT_OK
from engine.core.errors import Diagnostic, UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "diff",
        help="compare two tariff versions in pricing terms, with the impact on invoices",
        description=(
            "Compare two versions of a tariff: one line per pricing change (a fee, a block size, a tier, an option\n"
            "added or removed, availability, a trial, rounding, billing cycle, settlement), each with the line of\n"
            "NEW it sits on. Reordering, comments, quoting and whitespace are not changes."
        ),
        epilog=(
            "Examples:\n"
            "  tariff diff tariffs/tencent-im/2022-01-01.yaml examples/price-change/tencent-im/2027-01-01.yaml\n"
            "  tariff diff HEAD:tariffs/tencent-im/2022-01-01.yaml tariffs/tencent-im/2022-01-01.yaml --format markdown\n"
            "  tariff diff tariffs/tencent-im/2022-01-01.yaml examples/price-change/tencent-im/2027-01-01.yaml \\\n"
            "      --scenarios examples/price-change/scenarios --scenarios tariffs/tencent-im/scenarios.yaml\n"
            "  tariff bump tariffs/tencent-im --effective 2027-01-01 && tariff diff   # the new version against the one before\n\n"
            "OLD and NEW are files, or REV:path (the path from the repository's top) read with 'git show'.\n"
            "Without them, the last two versions of --tariff or of the tariffs found are compared.\n"
            "--scenarios prices every usage document under both versions, whatever their dates.\n"
            "Exit codes with --exit-code: 0 pricing unchanged, 1 changed, 2 error (without it: 0 done, 2 error)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", nargs="?", help="the version before: a file, or REV:path")
    parser.add_argument("new", metavar="NEW", nargs="?", help="the version after: a file, or REV:path")
    add_tariff_argument(parser)
    parser.add_argument(
        "--scenarios",
        metavar="FILE_OR_DIR",
        action="append",
        help="usage documents, a directory of them, or a golden scenarios file; may be repeated",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when pricing changed, 0 when not (as git diff --exit-code)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.review import report as review
    from engine.review.diff import diff
    from engine.review.impact import impact, load_scenarios
    from engine.review.revisions import read_document

    old_spec, new_spec = _compared(args)
    old, new = read_document(old_spec), read_document(new_spec)
    scenarios = [s for spec in args.scenarios or () for s in load_scenarios(spec)]
    found = diff(old, new)
    effect = impact(old.version, new.version, scenarios) if args.scenarios else None
    render = {"text": review.render_text, "markdown": review.render_markdown, "json": review.render_json}[args.format]
    sys.stdout.write(render(found, effect))
    return EXIT_FOUND if args.exit_code and found.changed else EXIT_OK


def _compared(args: argparse.Namespace) -> tuple[str, str]:
    """OLD and NEW as given, or the last two versions of the tariff found."""
    if args.old is not None and args.new is not None:
        return args.old, args.new
    if args.old is not None:
        message = "give both OLD and NEW, or neither (the last two versions)"
        raise UsageError([Diagnostic(message=message, rule="usage", file="tariff diff")])
    files = version_files_of(args)
    if len(files) < 2:
        from engine.language.roots import shown_path

        shown = shown_path(files[0].parent) if files else "the tariff"
        message = f"{shown} has {len(files)} version; nothing to compare"
        hint = "start a new version with: tariff bump DIR --effective YYYY-MM-DD, or give OLD and NEW"
        raise UsageError([Diagnostic(message=message, rule="usage", file="tariff diff", hint=hint)])
    return str(files[-2]), str(files[-1])
