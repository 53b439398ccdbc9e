"""Exit codes and diagnostics on stderr, shared by `engine.cli` and every command.

0 done; 1 done and found something (errors, failures, changes); 2 could not do what was asked.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from engine.core.errors import Diagnostic

EXIT_OK, EXIT_FOUND, EXIT_FAILED = 0, 1, 2


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        sys.stderr.write(f"{diagnostic}\n")


def write_error(error: OSError) -> Diagnostic:
    """An output that could not be written, in the diagnostic format."""
    reason = error.strerror or str(error)
    return Diagnostic(message=f"cannot write the output: {reason}", rule="io", file=str(error.filename or "<stdout>"))
