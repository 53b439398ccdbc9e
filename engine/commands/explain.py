"""`tariff explain USAGE`: the invoice with the formula, values and steps behind every amount."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_usage_arguments, usage_and_target
from engine.commands.exits import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "explain",
        help="price one usage document and show why each amount is what it is",
        description=(
            "Price one usage document (YAML or JSON, '-' for stdin) as 'tariff quote' does, and show for each\n"
            "invoice line the charge, the tariff file:line that defines it, its formula, the formula with the\n"
            "values put in and the steps to the amount; the charges that came to nothing and why; how each\n"
            "meter was aggregated; and the edition checks the usage passed."
        ),
        epilog=(
            "Examples:\n"
            "  tariff explain examples/pro-usage.yaml\n"
            "  tariff explain examples/pro-usage.yaml --tariff tariffs/tencent-im --format json\n\n"
            "The amounts are the invoice's own, from the same pricing as 'tariff quote'. See docs/explain.md."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_usage_arguments(parser)
    parser.set_defaults(run=run, one_document=True)  # short: no garbage collection (engine.cli.main)


def run(args: argparse.Namespace) -> int:
    from engine.authoring.explanation import explain, render_text

    usage, target = usage_and_target(args)
    explanation = explain(target, usage)
    if args.format == "json":
        sys.stdout.write(explanation.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_text(explanation))
    return EXIT_OK
