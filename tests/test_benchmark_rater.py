"""The benchmark's hand-written rater stays fair: it prices and refuses what the engine does."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import engine
from benchmarks import generate, handwritten

ODD = {
    "period": ["9001-01", "9000-12", "２０２６-11", "2021-12", "2026-13", 202611],
    "edition": ["e" * 101, "gold", None],
    "tariff": ["t" * 101, "other", 5, None],
    "account": [" a", "", "a" * 129, 2**201, -1, True, 7, "a\x07b", "a\u2028b"],
    "usage": [
        {"dau": 1.5, "groups": 1},
        {"dau": [1] * 32, "groups": 1},
        {"dau": [True], "groups": 1},
        {"dau": Decimal(5), "groups": 1},
        {"dau": None},
        {"dau": 1, "groups": None},
        [],
    ],
    "addons": [
        {"message_retention_days": Decimal("90.0")},
        {"unlimited_avchatroom": 1},
        {"group_member_limit": None},
        {"audio_video_call": {"activated_on": "2026-02-30"}},
    ],
}


def outcome(rate, *args):
    try:
        return rate(*args).to_json()
    except engine.UsageError:
        return None


def test_the_rater_and_the_engine_agree_on_every_document(im):
    chance = random.Random(20261126)
    documents = [json.loads(json.dumps(record), parse_float=Decimal) for record in generate.records(3000, bad_rate=0.2)]
    for document in documents[:1500]:
        key = chance.choice(sorted(ODD))
        document[key] = chance.choice(ODD[key])
    outcomes = [(outcome(engine.quote, im, document), outcome(handwritten.rate, document)) for document in documents]
    assert all(mine == theirs for mine, theirs in outcomes)
    assert 0 < sum(mine is None for mine, _ in outcomes) < len(outcomes)
