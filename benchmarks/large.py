"""Large tariffs: load time, compile time per edition and pricing time per invoice line as a tariff grows.

`tariff_text(charges, editions)` writes a tariff of `charges` charges on `editions` editions,
every charge priced on every edition, each charge with a meter of its own (a price list of
SKUs sold in several plans): per-unit prices, blocks, four graduated tiers shared by all the
editions, and flat fees billed when their meter is above 0, in turn. The same arguments always give the same bytes.

    python -m benchmarks --only large
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.targets import Target, ratio_at_most, value_at_most

SIZES = ((10, 1), (10, 10), (100, 10), (100, 50), (1000, 10), (1000, 50))
LARGEST = SIZES[-1]
MODELS = ("per_unit", "blocks", "tiered", "flat")
Rows = list[tuple[str, str, str] | Target]


def tariff_text(charges: int, editions: int) -> str:
    """The tariff's YAML: one meter per charge, every charge on every edition."""
    names = ", ".join(f"e{index}" for index in range(editions))
    lines = [
        "id: large",
        'version: "1"',
        "effective_from: 2026-01-01",
        "currency: EUR",
        f"description: {charges} charges on {editions} editions",
        "billing_cycle: {period: calendar_month}",
        "settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 5}}",
        "rounding: {scale: 2, mode: half_up, apply: per_line}",
        "editions:",
        *(f"  e{index}: {{}}" for index in range(editions)),
        "meters:",
        *(f"  m{index}: {{type: integer, aggregation: max, minimum: 0, maximum: 1000000000}}" for index in range(charges)),
        "charges:",
    ]
    for index in range(charges):
        lines += _charge(index, names)
    return "\n".join(lines) + "\n"


def _charge(index: int, editions: str) -> list[str]:
    model = MODELS[index % len(MODELS)]
    head = [f"  c{index}:", f"    model: {model}", f"    editions: [{editions}]"]
    cents = 1 + index % 97
    if model == "per_unit":
        return [*head, f"    quantity: m{index}", f"    unit_price: 0.{cents:02d}"]
    if model == "blocks":
        return [*head, f"    quantity: m{index}", "    included: 1000", "    block_size: 100", f"    price: {cents}.50"]
    if model == "tiered":
        tiers = [f"      - {{up_to: {bound}, unit_price: 0.{cents:02d}}}" for bound in (100, 1000, 10000)]
        return [*head, f"    quantity: m{index}", "    mode: graduated", "    tiers:", *tiers, "      - {up_to: null, unit_price: 0.001}"]
    return [*head, f"    when: m{index} > 0", f"    price: {cents}.99"]


def usage(charges: int, editions: int, count: int, seed: int = 15) -> list[dict[str, Any]]:
    """`count` documents, each with every meter of the tariff (one invoice line per charge)."""
    rng = random.Random(seed)
    return [
        {
            "account": str(index),
            "period": "2026-03",
            "edition": f"e{rng.randrange(editions)}",
            "usage": {f"m{meter}": rng.randrange(0, 20000) for meter in range(charges)},
        }
        for index in range(count)
    ]


# -- the section -------------------------------------------------------------------------------------------


def large_rows(scratch: Path, runs: int) -> Rows:
    """Each size loaded (no cache) and priced; the targets compare the largest with the smallest."""
    import os

    os.environ["TARIFF_ENGINE_CACHE"] = "off"
    try:
        measured = {size: _measure(scratch, *size, runs) for size in SIZES}
    finally:
        del os.environ["TARIFF_ENGINE_CACHE"]
    rows: Rows = []
    for (charges, editions), figures in measured.items():
        rows.append(
            (
                f"large: {charges} charges × {editions} editions",
                f"{figures['load']:.3f} s",
                f"load (median of {figures['runs']}), peak {figures['peak'] / 1e6:.0f} MB traced; "
                f"compile {figures['compile'] * 1e3:.2f} ms per edition, {figures['per_charge'] * 1e6:.1f} µs per charge and edition; "
                f"{figures['per_line'] * 1e6:.2f} µs per invoice line",
            )
        )
    rows += _targets(measured)
    return rows


def _targets(measured: dict[tuple[int, int], dict[str, float]]) -> list[Target]:
    from engine.language.catalog import MAX_LOAD_SECONDS

    small, large = measured[SIZES[0]], measured[LARGEST]
    charges, editions = LARGEST
    return [
        value_at_most(f"{charges:,} charges × {editions} editions loads", large["load"], "s", MAX_LOAD_SECONDS, "to load, no cache"),
        ratio_at_most(
            "compile per edition linear",
            f"{large['per_charge'] * 1e6:.1f} µs per charge and edition at {charges:,} × {editions}",
            large["per_charge"] / small["per_charge"],
            1.5,
            f"{small['per_charge'] * 1e6:.1f} µs at {SIZES[0][0]} × {SIZES[0][1]}",
        ),
        ratio_at_most(
            "pricing per line flat",
            f"{large['per_line'] * 1e6:.2f} µs per line at {charges:,} × {editions}",
            large["per_line"] / small["per_line"],
            1.5,
            f"{small['per_line'] * 1e6:.2f} µs at {SIZES[0][0]} × {SIZES[0][1]}",
        ),
    ]


def _measure(scratch: Path, charges: int, editions: int, runs: int) -> dict[str, float]:
    import engine
    from engine.language import compiler, source

    directory = scratch / f"large-{charges}-{editions}" / "large"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "2026-01-01.yaml"
    raw = tariff_text(charges, editions).encode()
    path.write_bytes(raw)
    rounds = max(1, runs if charges * editions <= 1000 else runs // 4)
    loads = [_seconds(lambda: engine.load_tariff(path)) for _ in range(rounds)]
    tracemalloc.start()
    tariff = engine.load_tariff(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    data, problems = source.parse_yaml(raw, path.name)
    assert not problems, problems
    document = source.Source(name=path.name, raw=raw, data=data)
    compiles = [_seconds(lambda: compiler.compile_version(document)) for _ in range(rounds)]
    compile_time = statistics.median(compiles)
    documents = usage(charges, editions, max(20, 2000 // charges))
    lines = sum(len(engine.quote(tariff, d).lines) for d in documents)  # each edition's rater written, and the lines counted
    assert lines == charges * len(documents)
    pricing = [_seconds(lambda: [engine.quote(tariff, d) for d in documents]) for _ in range(max(3, runs))]
    return {
        "runs": rounds,
        "load": statistics.median(loads),
        "peak": peak,
        "compile": compile_time / editions,
        "per_charge": compile_time / (editions * charges),
        "per_line": statistics.median(pricing) / lines,
    }


def _seconds(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def sizes() -> Iterator[tuple[int, int]]:
    yield from SIZES
