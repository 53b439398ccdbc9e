"""Synthetic Tencent IM usage records, JSON Lines, from a fixed seed.

The same seed and count always give the same bytes. The mix follows what a month of
real accounts looks like: mostly pro, some trial and flagship; most accounts under the
included 10,000 DAU, a long tail far above; the peak sent as one number or as a daily
series; a few add-ons; now and then an audio/video trial. With `bad_rate`, that share
of records is broken on purpose (an unknown edition, a negative count, an add-on not
offered) so the bill run's reject path is exercised too.

    python -m benchmarks.generate --records 1000000 --out usage.jsonl
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

SEED = 20261126
PERIODS = tuple(f"{year}-{month:02d}" for year in (2025, 2026) for month in range(1, 13))
EDITIONS = ("trial", "pro", "pro", "pro", "flagship")
OFFERS = {
    "pro": {
        "unlimited_avchatroom": (True,),
        "group_member_limit": (2000,),
        "group_join_limit": (1000,),
        "message_retention_days": (30, 90, 180, 360),
    },
    "flagship": {"group_member_limit": (6000,), "group_join_limit": (3000,), "message_retention_days": (90, 180, 360)},
}
BROKEN = (
    ("edition", "gold"),
    ("usage", {"dau": -5, "groups": 1}),
    ("addons", {"message_retention_days": 45}),
    ("period", "2026-13"),
    ("usage", {"dau": 1000, "grups": 3}),
)


def records(count: int, seed: int = SEED, bad_rate: float = 0.0) -> Iterator[dict[str, Any]]:
    """`count` usage documents; the same arguments always give the same documents."""
    rng = random.Random(seed)
    for index in range(count):
        record = _record(rng, index)
        if bad_rate and rng.random() < bad_rate:
            key, value = rng.choice(BROKEN)
            record[key] = value
        yield record


def _record(rng: random.Random, index: int) -> dict[str, Any]:
    period = rng.choice(PERIODS)
    edition = rng.choice(EDITIONS)
    record: dict[str, Any] = {"tariff": "tencent-im", "account": str(1_400_000_000 + index), "period": period, "edition": edition}
    days = calendar.monthrange(int(period[:4]), int(period[5:]))[1]
    dau, groups = _peak(rng, 10_000), _peak(rng, 100_000)
    if rng.random() < 0.25:
        record["usage"] = {"dau": _series(rng, dau, days), "groups": groups}
    else:
        record["usage"] = {"dau": dau, "groups": groups}
    addons = _addons(rng, edition, period)
    if addons:
        record["addons"] = addons
    return record


def _peak(rng: random.Random, quota: int) -> int:
    """Most accounts stay under the quota; about one in four goes over, some far over."""
    if rng.random() < 0.75:
        return rng.randrange(0, quota + 1)
    return int(quota * rng.lognormvariate(0.7, 0.9))


def _series(rng: random.Random, peak: int, days: int) -> list[int]:
    values = [rng.randrange(0, peak + 1) for _ in range(days - 1)]
    values.insert(rng.randrange(days), peak)
    return values


def _addons(rng: random.Random, edition: str, period: str) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name, values in OFFERS.get(edition, {}).items():
        if rng.random() < 0.2:
            chosen[name] = rng.choice(values)
    if edition != "trial" and rng.random() < 0.05:
        first = dt.date(int(period[:4]), int(period[5:]), 1)
        chosen["audio_video_call"] = {"activated_on": (first - dt.timedelta(days=rng.randrange(0, 50))).isoformat()}
    return chosen


def write(out: TextIO, count: int, seed: int = SEED, bad_rate: float = 0.0) -> None:
    for record in records(count, seed, bad_rate):
        out.write(json.dumps(record, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="how many records (default: 10000)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    parser.add_argument("--bad-rate", type=float, default=0.0, help="share of deliberately broken records (default: 0)")
    parser.add_argument("--out", type=Path, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    if args.out is None:
        write(sys.stdout, args.records, args.seed, args.bad_rate)
    else:
        with args.out.open("w", encoding="utf-8") as out:
            write(out, args.records, args.seed, args.bad_rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
