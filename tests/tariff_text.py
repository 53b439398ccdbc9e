"""Helpers for the review tests: edit a tariff's text, find lines, write one out reordered."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.review.diff import TariffDiff, diff
from engine.review.revisions import read_document

# Lists whose order means nothing: which editions a charge is on, the rows of an option table.
UNORDERED_LISTS = ("editions", "table")


def edited(text: str, *edits: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced; each `old` must occur exactly once."""
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def line_of(text: str, snippet: str) -> int:
    """1-based line where the unique `snippet` starts."""
    assert text.count(snippet) == 1, f"{snippet!r} occurs {text.count(snippet)} times"
    return text[: text.index(snippet)].count("\n") + 1


def write_version(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def diff_files(old: Path, new: Path) -> TariffDiff:
    return diff(read_document(str(old)), read_document(str(new)))


def lines(found: TariffDiff) -> list[tuple[str, str]]:
    """Each pricing change as (file:line, text)."""
    return [(change.where, change.text) for change in found.changes]


def emit(data: Any, rng: random.Random | None = None) -> str:
    """A YAML document: top-level keys in block style, values in flow style (JSON-like).

    With `rng`, mapping keys and unordered lists come out shuffled, keys are quoted or not
    at random, and comment lines are scattered between the top-level keys.
    """
    out = []
    for key, value in _items(data, rng):
        if rng is not None and rng.random() < 0.5:
            out.append(f"# a comment before {key}, {rng.random()}")
        out.append(f"{_key(key, rng)}: {_flow(value, rng, key)}")
    return "\n".join(out) + "\n"


def _items(data: Mapping[str, Any], rng: random.Random | None) -> list[tuple[str, Any]]:
    items = list(data.items())
    if rng is not None:
        rng.shuffle(items)
    return items


def _key(key: str, rng: random.Random | None) -> str:
    return json.dumps(key) if rng is not None and rng.random() < 0.5 else key


def _flow(value: Any, rng: random.Random | None, key: str = "") -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k, rng)}: {_flow(v, rng, k)}" for k, v in _items(value, rng)) + "}"
    if isinstance(value, list):
        values = list(value)
        if rng is not None and key in UNORDERED_LISTS:
            rng.shuffle(values)
        return "[" + ", ".join(_flow(v, rng) for v in values) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)
