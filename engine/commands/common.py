"""Arguments and loading shared by the commands that price one usage document."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from engine.language.model import Catalog, Tariff


def add_usage_arguments(parser: argparse.ArgumentParser) -> None:
    """USAGE, --tariff and --format, as `quote` and `explain` take them."""
    parser.add_argument("usage", metavar="USAGE", help="usage document: a .yaml or .json file, or - for stdin")
    parser.add_argument(
        "--tariff",
        metavar="FILE_OR_DIR",
        help="a tariff version file or a tariff directory (default: the shipped tariff named by the usage's 'tariff')",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def usage_and_target(args: argparse.Namespace) -> tuple[Mapping[str, Any], Tariff | Catalog]:
    """The usage document named by USAGE, and the tariff (--tariff) or the shipped catalog."""
    from engine.language import catalog
    from engine.pricing.documents import read_usage

    usage = read_usage(args.usage)
    target = catalog.load_tariff(args.tariff) if args.tariff else catalog.load_catalog()
    return usage, target
