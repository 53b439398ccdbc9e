"""Reading usage documents (JSON or YAML) from files, text or stdin.

JSON numbers with a fraction become Decimal, NaN/Infinity are refused, and huge
integers are refused with a message instead of Python's digit-limit ValueError.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import Diagnostic, UsageError
from .source import MAX_DOCUMENT_BYTES, parse_yaml


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a usage document may hold")


def parse_usage(raw: bytes, name: str) -> Any:
    """One usage document from bytes; JSON when it looks like JSON, else YAML."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise UsageError(
            [
                Diagnostic(
                    message=f"{name}: document is {len(raw)} bytes, over the limit of {MAX_DOCUMENT_BYTES}",
                    rule="usage-size",
                    path="(document)",
                )
            ]
        )
    if raw.lstrip()[:1] in (b"{", b"["):
        return parse_json(raw.decode("utf-8", errors="replace"), name)
    data, problems = parse_yaml(raw, name)
    if problems:
        raise UsageError(problems)
    return data


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)  # made once: bill runs parse millions


def parse_json(text: str, name: str = "(input)") -> Any:
    try:
        if text.startswith("\ufeff"):  # what json.loads says, before its decoder runs
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            [Diagnostic(message=f"not valid JSON: {error.msg}", rule="usage-syntax", file=name, line=error.lineno, column=error.colno)]
        ) from None
    except (ValueError, RecursionError) as error:
        raise UsageError([Diagnostic(message=f"not a usable JSON document: {error}", rule="usage-syntax", file=name)]) from None


def read_usage(path: str) -> Any:
    import sys

    if path == "-":
        return parse_usage(sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1), "<stdin>")
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot read usage file: {error.strerror or error}", rule="io", file=path)]) from None
    return parse_usage(raw, path)
