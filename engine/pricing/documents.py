"""Reading usage documents (JSON or YAML) from files, text or stdin.

Usage documents are untrusted (docs/security.md). JSON numbers with a fraction become
Decimal; NaN, Infinity and exponents beyond Decimal's range are refused; every number is
at most MAX_NUMBER_LENGTH characters (so Python's 4,300-digit limit on int() is never
reached); text must be valid UTF-8 and hold no lone surrogate (`"\\ud800"`), which no
file, log or reply could carry; a key may appear once per object (as in YAML); no more
than MAX_DOCUMENT_BYTES is ever read. YAML goes through the
strict reader of `source` (no aliases, tags or ambiguous numbers, bounded size) and is
held to MAX_YAML_USAGE_BYTES: the round-trip reader costs about 1.5 s and 100 MB per
megabyte of comments, JSON about 1/100 of that.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.language.source import MAX_DOCUMENT_BYTES, MAX_NUMBER_LENGTH, PathItem, json_path, parse_yaml

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
    try:
        return Decimal(text)
    except decimal.InvalidOperation:  # an exponent beyond what Decimal can hold: not an error of ours to raise
        raise _Refused(text, f"{text} is beyond the numbers the engine reads") from None


class _Duplicate(ValueError):
    """A key given twice in one JSON object; where it is, is found by `_duplicate_path`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        raise _Duplicate(next(key for key, _ in pairs if key in seen or seen.add(key)))  # type: ignore[func-returns-value]
    return found


class _Twice:
    """Stands, in a second decoding, for the object that holds a key twice, so its path can be found."""

    def __init__(self, key: str) -> None:
        self.key = key


def _mark_twice(pairs: list[tuple[str, Any]]) -> Any:
    try:
        return _unique_keys(pairs)
    except _Duplicate as error:
        return _Twice(error.key)


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
_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
_LOCATOR = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_refuse_constant, object_pairs_hook=_mark_twice)
# A `\\uD800`-`\\uDFFF` escape: only then can a decoded document hold a surrogate, so only then is it searched.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def parse_json(text: str, name: str = "(input)") -> Any:
    try:
        if text.startswith("\ufeff"):  # what json.loads says, before its decoder runs
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        document = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            [Diagnostic(message=f"not valid JSON: {error.msg}", rule="usage-syntax", file=name, line=error.lineno, column=error.colno)]
        ) from None
    except _Refused as error:
        line, column = _token_at(text, error.token)
        raise UsageError([Diagnostic(message=str(error), rule="usage-number", file=name, line=line, column=column)]) from None
    except RecursionError:
        raise UsageError([Diagnostic(message="document is nested too deeply", rule="usage-syntax", file=name)]) from None
    except _Duplicate as error:
        raise UsageError([_duplicate(text, error.key, name)]) from None
    except ValueError as error:
        raise UsageError([Diagnostic(message=f"not a usable JSON document: {error}", rule="usage-syntax", file=name)]) from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_surrogates(document, text, name)
    return document


def _duplicate(text: str, key: str, name: str) -> Diagnostic:
    """The key given twice, with the path of the object holding it (found by decoding once more)."""
    path = next(_paths_to(_LOCATOR.decode(text), lambda node: isinstance(node, _Twice)), None)
    holder = json_path(path) if path else ""
    where = holder or "the document"
    return Diagnostic(
        message=f"key {_shown_key(key)} is given twice in {where}", rule="duplicate-key", file=name, path=json_path([*(path or []), key])
    )


def _shown_key(key: str) -> str:
    text = key if len(key) <= 40 else key[:37] + "..."
    return repr(text)


def _refuse_surrogates(document: Any, text: str, name: str) -> None:
    """A lone surrogate in any key or text: it is half of a UTF-16 pair, and no UTF-8 output can hold it."""
    found = next(_texts_with_surrogates(document, []), None)
    if found is None:
        return
    path, value, what = found
    bad = next(c for c in value if "\ud800" <= c <= "\udfff")
    match = _LONE_SURROGATE.search(text)
    line, column = _line_and_column(text, match.start()) if match else (None, None)
    message = f"the {what} at {json_path(path) or 'the document'} holds \\u{ord(bad):04x}, half of a surrogate pair and not a character"
    raise UsageError([Diagnostic(message=message, rule="encoding", file=name, line=line, column=column, path=json_path(path))])


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _texts_with_surrogates(node: Any, path: list[PathItem]) -> Iterator[tuple[list[PathItem], str, str]]:
    """(path, text, 'key' or 'text') of each key or text holding a surrogate; a key's path is its mapping's."""
    if _has_surrogate(node):
        yield path, node, "text"
    elif isinstance(node, dict):
        for key, item in node.items():
            if _has_surrogate(key):
                yield path, key, "key"
            yield from _texts_with_surrogates(item, [*path, key])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _texts_with_surrogates(item, [*path, index])


def _has_surrogate(node: Any) -> bool:
    return isinstance(node, str) and not node.isascii() and any("\ud800" <= c <= "\udfff" for c in node)


def _paths_to(node: Any, wanted: Callable[[Any], bool]) -> Iterator[list[PathItem]]:
    """The path of each node that `wanted` picks, depth first."""
    if wanted(node):
        yield []
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from ([key, *path] for path in _paths_to(item, wanted))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from ([index, *path] for path in _paths_to(item, wanted))


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
