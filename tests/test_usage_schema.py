"""schemas/usage.schema.json documents the envelope; the engine's checks are the authority.

On this set of documents the two agree: the schema accepts exactly what the engine prices.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

import engine
from engine.core.resources import schema
from engine.pricing.documents import parse_json

VALID = [
    {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "trial"},
    {"account": "1", "period": "9000-12", "edition": "trial"},
    {"account": 5, "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": [1, 2]}},
    {
        "account": "x",
        "period": "2026-12",
        "edition": "flagship",
        "usage": {"dau": 0, "groups": 0},
        "addons": {"message_retention_days": 90},
    },
    {"account": "x", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1}, "addons": {"unlimited_avchatroom": True}},
    {
        "account": "x",
        "period": "2026-11",
        "edition": "pro",
        "usage": {"dau": 1, "groups": 1},
        "addons": {"audio_video_call": {"activated_on": "2026-11-01"}},
    },
    {"account": "x", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1}, "addons": {"group_join_limit": False}},
]

INVALID = [
    {"period": "2026-11", "edition": "pro"},
    {"account": "1", "period": "2026-13", "edition": "pro"},
    {"account": "1", "period": "2026-1", "edition": "pro"},
    {"account": "1", "period": "0000-01", "edition": "trial"},
    {"account": "1", "period": "9001-01", "edition": "trial"},
    {"account": "1", "period": "2026-11", "edition": "pro", "extra": True},
    {"account": True, "period": "2026-11", "edition": "trial"},
    {"account": " padded", "period": "2026-11", "edition": "trial"},
    {"account": "two\nlines", "period": "2026-11", "edition": "trial"},
    {"account": "trailing newline\n", "period": "2026-11", "edition": "trial"},
    {"account": "tab\there", "period": "2026-11", "edition": "trial"},
    {"account": "1", "period": "2026-11", "edition": 3},
    {"account": "1", "period": "2026-11", "edition": "trial", "usage": {"dau": "many"}},
    {"account": "1", "period": "2026-11", "edition": "trial", "usage": {"dau": []}},
    {"account": "1", "period": "2026-11", "edition": "trial", "usage": {"dau": [True]}},
    {
        "account": "1",
        "period": "2026-11",
        "edition": "pro",
        "usage": {"dau": 1, "groups": 1},
        "addons": {"audio_video_call": {"activated_on": "x", "more": 1}},
    },
    {"account": "1", "period": "2026-11", "edition": "trial", "usage": [1]},
    [],
]


def _schema_accepts(document: Any) -> bool:
    return jsonschema.Draft7Validator(schema("usage")).is_valid(json.loads(json.dumps(document, default=str)))


def _engine_accepts(document: Any) -> bool:
    try:
        engine.quote(engine.load_catalog() if isinstance(document, dict) and "tariff" in document else _im(), document)
    except engine.UsageError:
        return False
    return True


def _im() -> engine.Tariff:
    return engine.load_catalog().tariffs["tencent-im"]


@pytest.mark.parametrize("document", VALID, ids=lambda d: json.dumps(d)[:60])
def test_schema_and_engine_accept(document):
    assert _schema_accepts(document) and _engine_accepts(document)


@pytest.mark.parametrize("document", INVALID, ids=lambda d: json.dumps(d)[:60])
def test_schema_and_engine_refuse(document):
    assert not _schema_accepts(document)
    assert not _engine_accepts(document)


def test_json_numbers_are_read_as_exact_decimals():
    assert parse_json('{"x": 0.1, "y": 3}') == {"x": Decimal("0.1"), "y": 3}
    with pytest.raises(engine.UsageError):
        parse_json('{"x": NaN}')
