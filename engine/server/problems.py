"""Errors as RFC 9457 problem details (`application/problem+json`).

`detail` is the text `tariff quote` prints on stderr for the same document, and
`errors` carries the same diagnostics as data (`Diagnostic.to_dict()`: message,
rule, JSON path, hint), so a caller sees exactly what a CLI user sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from engine.core.errors import Diagnostic, UsageError

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://tariff-engine.invalid/problems/"

TITLES = {
    400: ("malformed-request", "Malformed request"),
    404: ("unknown-tariff", "Unknown tariff"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-usage", "Invalid usage"),
}


UNREADABLE = frozenset(("usage-syntax", "duplicate-key", "encoding"))  # rules of a body that is not a readable document


class Problem(Exception):
    """An HTTP error with the diagnostics that explain it."""

    def __init__(self, status: int, detail: str, errors: Sequence[Diagnostic] = (), *, generic: bool = False) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = tuple(errors)
        self.generic = generic  # about:blank: the status code says it all (404 of an unknown route, 405, 500)

    def to_dict(self) -> dict[str, Any]:
        slug, title = TITLES.get(self.status, ("", ""))
        if self.generic or not slug:
            slug, title = "", HTTPStatus(self.status).phrase
        return {
            "type": TYPE_BASE + slug if slug else "about:blank",
            "title": title,
            "status": self.status,
            "detail": self.detail,
            "errors": [d.to_dict() for d in self.errors],
        }


def from_diagnostics(status: int, diagnostics: Sequence[Diagnostic]) -> Problem:
    return Problem(status=status, detail="\n".join(str(d) for d in diagnostics), errors=tuple(diagnostics))


def from_usage_error(error: UsageError, *, by_catalog: bool) -> Problem:
    """422 for a usage the engine refuses; 400 for a body that cannot be read (not JSON, a key
    given twice, a lone surrogate); 404 when the
    only problem is a tariff the catalog does not hold (`by_catalog`: priced against the
    whole catalog, where a `tariff` diagnostic can only mean an unknown id)."""
    if by_catalog and error.diagnostics and all(d.rule == "tariff" for d in error.diagnostics):
        return from_diagnostics(404, error.diagnostics)
    if any(d.rule in UNREADABLE for d in error.diagnostics):
        return from_diagnostics(400, error.diagnostics)
    return from_diagnostics(422, error.diagnostics)


def request_problem(status: int, message: str, rule: str, path: str = "(request)", hint: str | None = None) -> Problem:
    """A problem with the request itself (size, media type, shape), as one diagnostic."""
    return from_diagnostics(status, [Diagnostic(message=message, rule=rule, path=path, hint=hint)])
