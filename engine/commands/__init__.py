"""Subcommands of `tariff`: one module each, with `register(subparsers)`.

A command's `run(args) -> int` returns the exit code; it may raise `engine.Error`,
which `engine.cli` prints as diagnostics with exit code 2. Only `engine.cli` exits.
"""

# Order here is the order in `tariff --help`.
COMMANDS = ("quote", "explain", "bill-run", "aggregate", "validate", "test", "schema", "diff", "versions", "bump", "render", "serve")
