"""`tariff test [PATH]`: price the golden scenarios and compare with what they expect."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.commands.common import add_tariff_argument, found_root
from engine.commands.exits import EXIT_FOUND, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "test",
        help="run the golden scenarios: expected invoices and refusals worked out by hand",
        description=(
            "Price every golden scenario (scenarios.yaml or scenarios/*.yaml beside a tariff's versions) with the\n"
            "tariff of its directory and compare with the invoice lines, total or refusal it expects. Prints a\n"
            "PASS/FAIL line each, the expected and actual values under each failure, and a summary."
        ),
        epilog=(
            "Examples:\n"
            "  tariff test                                   # the tariffs found from here (stderr says which)\n"
            "  tariff test tariffs/tencent-im\n"
            "  tariff test tariffs/tencent-im/scenarios.yaml\n\n"
            "Exit codes: 0 all passed, 1 a scenario failed, 2 a scenario file or tariff could not be read.\n"
            "The scenario format is in docs/scenarios.md and schemas/scenarios.schema.json."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        help="a tariff root, a tariff directory, a scenarios/ directory or a scenario file (default: --tariff, or the tariffs found)",
    )
    add_tariff_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.authoring.scenarios import collect, render, run

    cases = collect(Path(args.path) if args.path else _scenarios_home(found_root(args).path))
    outcomes = [run(tariff, scenario) for tariff, scenario in cases]
    sys.stdout.write(render(outcomes))
    return EXIT_OK if all(outcome.passed for outcome in outcomes) else EXIT_FOUND


def _scenarios_home(path: Path) -> Path:
    """Where the scenarios of --tariff are: a version file's are beside it."""
    return path if path.is_dir() else path.parent
