"""Diagnostics and the error types every public entry point raises.

A diagnostic is data first (for services and JSON output) and renders to the one
text format shared by every command::

    file:line:col: error|warning: message [rule-id]
    hint: ...

For usage documents the JSON path stands where file:line:col would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from engine.core.records import dataclass

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem, with where it is, what is wrong and (maybe) how to mend it."""

    message: str
    rule: str
    severity: Severity = "error"
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        """The last line of defence against echoing a client's megabyte: every text of a diagnostic is
        bounded, whatever a message built from input put in it (values are shortened where they are named)."""
        for name, limit in _LIMITS:
            text = getattr(self, name)
            if text is not None and len(text) > limit:
                object.__setattr__(self, name, _cut(text, limit))

    @property
    def where(self) -> str:
        if self.file is not None:
            parts = [self.file]
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
            return ":".join(parts)
        return self.path or "(document)"

    def __str__(self) -> str:
        text = f"{self.where}: {self.severity}: {self.message} [{self.rule}]"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "hint": self.hint,
        }


_LIMITS = (("message", 2000), ("hint", 1000), ("path", 300), ("file", 1000))


def _cut(text: str, limit: int) -> str:
    """The start and the end of an over-long text, with how much was left out."""
    keep = (limit - 40) // 2
    return f"{text[:keep]}… ({len(text) - 2 * keep} characters left out) …{text[-keep:]}"


class Error(Exception):
    """Base of every error the engine raises on purpose; carries `.diagnostics`."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


class TariffError(Error):
    """The tariff is wrong: it cannot be loaded, validated or compiled."""


class UsageError(Error):
    """The usage cannot be priced: invalid, unknown tariff, no version in force, no price."""


def usage_error(path: str, message: str, rule: str, hint: str | None = None) -> UsageError:
    """Shorthand for the common case of a single usage problem."""
    return UsageError([Diagnostic(message=message, rule=rule, path=path or "(document)", hint=hint)])


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """'did you mean ...?' for a misspelt name, or None when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
