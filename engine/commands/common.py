"""Arguments and loading shared by the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.language.model import Catalog, Tariff

if TYPE_CHECKING:
    from engine.language.roots import Root

TARIFF_HELP = (
    "a tariff root, a tariff directory or a version file (default: [tool.tariff] in the nearest pyproject.toml "
    "or the nearest tariffs/ folder, from here upward; else the shipped tariffs)"
)


def add_tariff_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tariff", metavar="PATH", help=TARIFF_HELP)


def found_root(args: argparse.Namespace) -> Root:
    """The tariffs this command uses: --tariff, or found (then said on stderr: the user did not name them)."""
    from engine.language.roots import find_root

    root = find_root(getattr(args, "tariff", None))
    if root.found_by != "--tariff":
        sys.stderr.write(root.describe() + "\n")
    return root


def add_directory_arguments(parser: argparse.ArgumentParser) -> None:
    """DIR and --tariff, for the commands working on one tariff directory."""
    parser.add_argument("directory", metavar="DIR", nargs="?", help="a tariff directory (tariffs/<id>/); default: --tariff, or found")
    add_tariff_argument(parser)


def tariff_directory(args: argparse.Namespace) -> Path:
    """DIR as given, else the one tariff directory of --tariff or of the tariffs found."""
    if args.directory:
        return Path(args.directory)
    return found_root(args).tariff_directory()


def version_files_of(args: argparse.Namespace) -> list[Path]:
    """The version files of the one tariff of --tariff or of the tariffs found, oldest first."""
    from engine.language.catalog import is_version_file

    root = found_root(args)
    if root.kind == "file":
        return [root.path]
    return sorted(p for p in root.tariff_directory().iterdir() if p.is_file() and is_version_file(p))


def add_usage_arguments(parser: argparse.ArgumentParser) -> None:
    """USAGE, --tariff and --format, as `quote` and `explain` take them."""
    parser.add_argument("usage", metavar="USAGE", help="usage document: a .yaml or .json file, or - for stdin")
    add_tariff_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def usage_and_target(args: argparse.Namespace) -> tuple[Mapping[str, Any], Tariff | Catalog]:
    """The usage document named by USAGE, and the tariffs to price it with."""
    from engine.pricing.documents import read_usage

    usage = read_usage(args.usage)
    return usage, found_root(args).load()
