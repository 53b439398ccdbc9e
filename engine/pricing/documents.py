"""Reading usage documents (JSON or YAML) from files, text or stdin.

Usage documents are untrusted (docs/security.md). JSON numbers with a fraction become
Decimal; NaN and Infinity are refused; every number is at most MAX_NUMBER_LENGTH
characters (so Python's 4,300-digit limit on int() is never reached); text must be
valid UTF-8; no more than MAX_DOCUMENT_BYTES is ever read. YAML goes through the
strict reader of `source` (no aliases, tags or ambiguous numbers, bounded size) and is
held to MAX_YAML_USAGE_BYTES: the round-trip reader costs about 1.5 s and 100 MB per
megabyte of comments, JSON about 1/100 of that.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.language.source import MAX_DOCUMENT_BYTES, MAX_NUMBER_LENGTH, parse_yaml

# JSON strings and numbers, to find where an over-long number is (the decoder's hooks get no position).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|NaN|-?Infinity')


MAX_YAML_USAGE_BYTES = 100_000


class _Refused(ValueError):
    """Raised by the decoder hooks with the token; located afterwards by `_token_at`."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token


def _refuse_constant(name: str) -> Any:
    raise _Refused(name, f"{name} is not a number: a usage document holds finite numbers only")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(text, f"number of {len(text)} characters is too long (at most {MAX_NUMBER_LENGTH})")
    return int(text)


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(text, f"number of {len(text)} characters is too long (at most {MAX_NUMBER_LENGTH})")
    return Decimal(text)


def parse_usage(raw: bytes, name: str) -> Any:
    """One usage document from bytes; JSON when it looks like JSON, else YAML."""
    is_json = raw.lstrip()[:1] in (b"{", b"[")
    limit = MAX_DOCUMENT_BYTES if is_json else MAX_YAML_USAGE_BYTES
    if len(raw) > limit:
        kind = "a JSON" if is_json else "a YAML"
        message = f"document is over the limit of {limit} bytes for {kind} usage document"
        raise UsageError([Diagnostic(message=message, rule="usage-size", file=name)])
    if is_json:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            message = f"not valid UTF-8 (byte 0x{raw[error.start]:02x})"
            raise UsageError([Diagnostic(message=message, rule="encoding", file=name, line=line)]) from None
        return parse_json(text, name)
    data, problems = parse_yaml(raw, name)
    if problems:
        raise UsageError(problems)
    return data


# Made once: a bill run parses millions of documents, and json.loads would build a decoder per call.
_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_refuse_constant)


def parse_json(text: str, name: str = "(input)") -> Any:
    try:
        if text.startswith("\ufeff"):  # what json.loads says, before its decoder runs
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        document = _DECODER.decode(text)
        if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(document):
            raise ValueError("text with a lone surrogate (\\ud800 to \\udfff), which is not a character")
        return document
    except json.JSONDecodeError as error:
        raise UsageError(
            [Diagnostic(message=f"not valid JSON: {error.msg}", rule="usage-syntax", file=name, line=error.lineno, column=error.colno)]
        ) from None
    except _Refused as error:
        line, column = _token_at(text, error.token)
        raise UsageError([Diagnostic(message=str(error), rule="usage-number", file=name, line=line, column=column)]) from None
    except RecursionError:
        raise UsageError([Diagnostic(message="document is nested too deeply", rule="usage-syntax", file=name)]) from None
    except ValueError as error:
        raise UsageError([Diagnostic(message=f"not a usable JSON document: {error}", rule="usage-syntax", file=name)]) from None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a JSON text holds a surrogate


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any text in a document holds a surrogate that no pair made a character (it has no UTF-8)."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _token_at(text: str, token: str) -> tuple[int | None, int | None]:
    for match in _JSON_TOKEN.finditer(text):
        if match.group() == token:
            start = match.start()
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return None, None


def read_usage(path: str) -> Any:
    import sys

    if path == "-":
        return parse_usage(sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1), "<stdin>")
    try:
        with Path(path).open("rb") as stream:  # never more than the limit in memory, whatever the file is
            raw = stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot read usage file: {error.strerror or error}", rule="io", file=path)]) from None
    return parse_usage(raw, path)
