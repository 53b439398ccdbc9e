"""`tariff schema`: print a JSON Schema the engine ships (the tariff schema by default)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.exits import EXIT_OK

NAMES = ("tariff", "usage", "invoice", "explanation", "scenarios")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "schema",
        help="print the tariff JSON Schema (or the usage, invoice, explanation or scenarios schema)",
        description="Print a JSON Schema shipped with the engine, for editors and tools that want it as a file.",
        epilog=(
            "Examples:\n"
            "  tariff schema > tariff.schema.json\n"
            "  tariff schema --name scenarios\n"
            "  tariff schema --path                          # where the installed file is\n\n"
            "Editor set-up: docs/editing-tariffs.md."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--name", choices=NAMES, default="tariff", help="which schema (default: tariff)")
    parser.add_argument("--path", action="store_true", help="print the schema file's path instead of its content")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.core.resources import schemas_dir

    path = schemas_dir() / f"{args.name}.schema.json"
    if args.path:
        sys.stdout.write(f"{path.resolve()}\n")
    else:
        sys.stdout.write(path.read_text("utf-8"))
    return EXIT_OK
