"""`tariff quote USAGE`: price one usage document."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_usage_arguments, usage_and_target
from engine.commands.exits import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "quote",
        help="price one usage document",
        description="Price one usage document (YAML or JSON, '-' for stdin) and print the invoice.",
        epilog=(
            "Examples:\n"
            "  tariff quote examples/pro-usage.yaml\n"
            "  tariff quote examples/pro-usage.yaml --tariff tariffs/tencent-im --format json\n\n"
            "Without --tariff the tariffs are found from the current directory upward (a [tool.tariff] root in\n"
            "pyproject.toml, or a tariffs/ folder), else the shipped ones are used; stderr says which. The usage's\n"
            "'tariff:' id picks the tariff, and the version in force on the period's first day prices it."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_usage_arguments(parser)
    parser.set_defaults(run=run, one_document=True)  # short: no garbage collection (engine.cli.main)


def run(args: argparse.Namespace) -> int:
    from engine.pricing import quote as pricing
    from engine.pricing.invoice import render_text

    usage, target = usage_and_target(args)
    invoice = pricing.quote(target, usage)
    if args.format == "json":
        sys.stdout.write(invoice.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_text(invoice))
    return EXIT_OK
