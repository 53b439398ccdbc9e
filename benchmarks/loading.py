"""Loading tariffs of several sizes, per KB: the YAML read, the load without the cache, the cache read.

    python -m benchmarks --only load

Each tariff is generated (benchmarks/sizes.py) and written as `generated/2026-01-01.yaml` in a
scratch directory. In each round every measurement runs once, in turn, so a busy machine slows
them alike; a figure is the median of the rounds, divided by the file's size. The reference is
ruamel's round-trip reader, the one the engine used for every document before libyaml's C
parser, and still uses for a document the fast reader gives up on (`source.read_roundtrip`);
it runs interleaved with the fast reader on the tariffs of up to 50 KB.

- read: the bytes to data with positions (`source.parse_yaml`);
- load, no cache: `engine.load_tariff` with `TARIFF_ENGINE_CACHE=off`: read, schema check, compile;
- cache read: `cache.lookup`, the entry decoded and its positions checked against the document;
- load from the cache: `engine.load_tariff` with the entry in place: the cache read, then compile.
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.sizes import charges_for, tariff_text
from benchmarks.targets import Target, ratio_at_most, value_at_most

Row = tuple[str, str, str]
SIZES = ((5, 3), (50, 3), (150, 3), (500, 3), (50, 30))  # (KB, editions); 500 KB is over today's 20,000-value limit
BASE, MANY_EDITIONS = (50, 3), (50, 30)  # linear: the ms/KB of the largest size, and of many editions, against BASE's
REFERENCE_UP_TO_KB = 50  # ruamel's reader takes seconds per run above this


def load_rows(rounds: int) -> list[Row | Target]:
    """A row per tariff size and measurement, then the targets: the worst figure of each kind."""
    from engine.core.errors import TariffError

    rows: list[Row | Target] = []
    worst: dict[str, float] = {}
    per_kb: dict[tuple[int, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tariff-sizes-") as scratch:
        for kilobytes, editions in SIZES:
            charges = charges_for(kilobytes, editions)
            directory = Path(scratch) / f"{kilobytes}kb-{editions}" / "generated"
            directory.mkdir(parents=True)
            (directory / "2026-01-01.yaml").write_text(tariff_text(charges, editions), "utf-8")
            size = (directory / "2026-01-01.yaml").stat().st_size / 1024
            label = f"{size:.0f} KB, {charges} charges × {editions} editions"
            try:
                figures = _measure(directory, rounds, reference=kilobytes <= REFERENCE_UP_TO_KB)
            except TariffError as refused:
                rows.append((f"load per KB: {label}", "refused", f"over a limit of the engine: {str(refused).splitlines()[0]}"))
                continue
            per_kb[kilobytes, editions] = {name: seconds * 1e3 / size for name, seconds in figures.items()}
            rows += _rows(label, per_kb[kilobytes, editions])
            for name, value in per_kb[kilobytes, editions].items():
                worst[name] = max(worst.get(name, 0.0), value)
    how = f"worst of the sizes above, medians of {rounds} rounds"
    rows.append(value_at_most("load without the cache", worst["load, no cache"], "ms/KB", 2, how))
    rows.append(value_at_most("read from the cache", worst["cache read"], "ms/KB", 0.3, f"{how} (the entry decoded, not compiled)"))
    rows += _linearity(per_kb)
    return rows


def _measure(directory: Path, rounds: int, *, reference: bool) -> dict[str, float]:
    """Seconds of each measurement on one tariff: medians of `rounds` interleaved rounds."""
    import engine
    from engine.core.errors import TariffError
    from engine.language import cache, source

    raw = (directory / "2026-01-01.yaml").read_bytes()
    text = raw.decode("utf-8")
    name = "generated/2026-01-01.yaml"
    data, problems = source.parse_yaml(raw, name)
    if problems:
        raise TariffError(problems)
    assert source.locate(data, ["charges"]) != (1, 1)

    def uncached() -> None:
        os.environ["TARIFF_ENGINE_CACHE"] = "off"
        try:
            engine.load_tariff(directory)
        finally:
            del os.environ["TARIFF_ENGINE_CACHE"]

    engine.load_tariff(directory)  # refused here when over a limit; else the entry is stored
    assert cache.lookup(raw, name) is not None, "the benchmark needs the cache on"
    runs: dict[str, Callable[[], object]] = {
        "read": lambda: source.parse_yaml(raw, name),
        "load, no cache": uncached,
        "cache read": lambda: cache.lookup(raw, name),
        "load from the cache": lambda: engine.load_tariff(directory),
    }
    if reference:
        runs["read, ruamel (reference)"] = lambda: source.read_roundtrip(text, name)
    times: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(rounds):
        for key, run in runs.items():
            times[key].append(_seconds(run))
    return {key: statistics.median(values) for key, values in times.items()}


def _rows(label: str, figures: dict[str, float]) -> list[Row | Target]:
    rows: list[Row | Target] = []
    for name, value in figures.items():
        if name == "read, ruamel (reference)":
            continue
        how = label
        if name == "read" and "read, ruamel (reference)" in figures:
            reference = figures["read, ruamel (reference)"]
            how += f"; ruamel's round-trip reader {reference:.2f} ms/KB, {reference / value:.0f}× slower"
        rows.append((f"load per KB: {name}", f"{value:.3f} ms/KB", how))
    return rows


def _linearity(per_kb: dict[tuple[int, int], dict[str, float]]) -> list[Target]:
    """The ms/KB of the load without the cache at the largest size loaded, and at many editions, against BASE."""
    targets = []
    base = per_kb.get(BASE)
    largest = max((key for key in per_kb if key[1] == BASE[1]), default=BASE)
    if base and largest != BASE:
        ratio = per_kb[largest]["load, no cache"] / base["load, no cache"]
        figure = f"{per_kb[largest]['load, no cache']:.2f} ms/KB at {largest[0]} KB"
        targets.append(ratio_at_most("load without the cache, linear in size", figure, ratio, 1.5, f"the ms/KB at {BASE[0]} KB"))
    if base and MANY_EDITIONS in per_kb:
        ratio = per_kb[MANY_EDITIONS]["load, no cache"] / base["load, no cache"]
        figure = f"{per_kb[MANY_EDITIONS]['load, no cache']:.2f} ms/KB at {MANY_EDITIONS[1]} editions"
        reference = f"the ms/KB at {BASE[1]} editions"
        targets.append(ratio_at_most("load without the cache, linear in editions", figure, ratio, 1.5, reference))
    return targets


def _seconds(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start
