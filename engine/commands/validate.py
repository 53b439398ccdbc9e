"""`tariff validate PATH...`: report every problem of every tariff and scenario file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.common import add_tariff_argument, found_root
from engine.commands.exits import EXIT_FAILED, EXIT_FOUND, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "validate",
        help="check tariff files: schema and semantic rules, every problem in one run",
        description=(
            "Check tariff version files, tariff directories and scenario files: the schema, then the rules a schema\n"
            "cannot state (names, expressions, tiers, option tables, versions). Every problem of every file is\n"
            "reported, each as file:line:col: error|warning: message [rule-id]. Warnings do not fail the run\n"
            "unless --strict is given."
        ),
        epilog=(
            "Examples:\n"
            "  tariff validate                               # the tariffs found from here (stderr says which)\n"
            "  tariff validate tariffs --strict              # warnings fail too: for CI and pre-commit\n"
            "  tariff validate tariffs/tencent-im/2022-01-01.yaml --format json\n"
            "  tariff validate tariffs --format github      # annotations in a GitHub Actions log\n\n"
            "Exit codes: 0 no errors (warnings allowed), 1 errors found (or warnings, with --strict),\n"
            "2 a path could not be checked.\n"
            "The rule ids are listed in docs/validating.md."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        metavar="PATH",
        nargs="*",
        help="a tariff file, a tariff directory, a tariff root or a scenario file (default: --tariff, or the tariffs found)",
    )
    add_tariff_argument(parser)
    parser.add_argument("--strict", action="store_true", help="warnings fail the run too (exit 1)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json for tools, github for GitHub Actions annotations",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.authoring.validate import github_annotation, validate
    from engine.commands.exits import print_diagnostics

    paths = list(args.paths)
    if args.tariff or not paths:
        paths.append(str(found_root(args).path))
    report = validate(paths)
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    elif args.format == "github":
        for finding in report.findings:
            sys.stdout.write(github_annotation(finding.diagnostic, finding.filename) + "\n")
        sys.stdout.write(report.summary() + "\n")
    else:
        for diagnostic in report.diagnostics:
            sys.stdout.write(f"{diagnostic}\n")
        sys.stdout.write(report.summary() + "\n")
    print_diagnostics(report.unusable)
    if report.unusable:
        return EXIT_FAILED
    failed = report.errors or (args.strict and report.warnings)
    return EXIT_FOUND if failed else EXIT_OK
