"""`tariff quote USAGE`: price one usage document."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..cli import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "quote",
        help="price one usage document",
        description="Price one usage document (YAML or JSON, '-' for stdin) and print the invoice.",
        epilog=(
            "Examples:\n"
            "  tariff quote examples/pro-usage.yaml\n"
            "  tariff quote usage.json --tariff tariffs/tencent-im --format json\n\n"
            "Without --tariff the usage's 'tariff:' id is looked up in the shipped tariffs and the\n"
            "version in force on the period's first day prices it."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("usage", metavar="USAGE", help="usage document: a .yaml or .json file, or - for stdin")
    parser.add_argument(
        "--tariff",
        metavar="FILE_OR_DIR",
        help="a tariff version file or a tariff directory (default: the shipped tariff named by the usage's 'tariff')",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import catalog, pricing
    from ..documents import read_usage
    from ..invoice import render_text

    usage = read_usage(args.usage)
    target = catalog.load_tariff(args.tariff) if args.tariff else catalog.load_catalog()
    invoice = pricing.quote(target, usage)
    if args.format == "json":
        sys.stdout.write(invoice.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_text(invoice))
    return EXIT_OK
