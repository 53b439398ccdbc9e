"""How a value a person wrote is named and echoed in a message: short, exact, bounded.

Shared by the tariff schema's messages and the usage checks, so both say "got text '12'" the
same way, and neither ever echoes a megabyte string or a number of thousands of digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_ARTICLE = ("boolean", "number", "mapping", "list", "binary")


def kind(value: Any) -> str:
    """The kind of a value as a noun: 'number', 'text', 'mapping'…"""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, float):  # float-ok: named in a refusal, never computed with
        return "binary floating-point number (pass a Decimal or an int)"
    if isinstance(value, int | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "null" if value is None else type(value).__name__


def a_kind(value: Any) -> str:
    """The kind with the article English wants: 'a number', but 'text'."""
    noun = kind(value)
    return f"a {noun}" if noun.startswith(_ARTICLE) else noun


def shortened(text: str, limit: int = 40) -> str:
    """Text a person sent, cut to `limit` characters with '...' when longer: what a message may echo of it."""
    return text if len(text) <= limit else text[: max(limit - 3, 1)] + "..."


def shown(value: Any) -> str:
    """The value as written in YAML/JSON, cut to a readable length; '' for containers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(shortened(value))
    if isinstance(value, int) and value.bit_length() > 3000:
        return f"(a number of about {int(value.bit_length() * 0.30103)} digits)"
    if isinstance(value, int | Decimal):
        text = str(value)
        return text if len(text) <= 40 else text[:20] + "…" + f" ({len(text)} digits)"
    return ""
