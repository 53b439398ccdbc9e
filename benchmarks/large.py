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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.targets import Target, ratio_at_most, value_at_most

SIZES = tuple((charges, editions) for charges in (10, 100, 1000) for editions in (1, 10, 50))
LARGEST = SIZES[-1]
OWN_SIZES = ((20, 1), (1000, 50))  # 20 charges on each edition: the same invoices, from a tariff 50 times larger
MODELS = ("per_unit", "blocks", "tiered", "flat")
Rows = list[tuple[str, str, str] | Target]


def tariff_text(charges: int, editions: int, own: bool = False) -> str:
    """The tariff's YAML: one meter per charge, every charge on every edition (with `own`, charge i on edition
    i mod `editions` alone: each edition prices its own share of the charges)."""
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
        lines += _charge(index, f"e{index % editions}" if own else names)
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


def usage(charges: int, editions: int, count: int, seed: int = 15, own: bool = False) -> list[dict[str, Any]]:
    """`count` documents, each with every meter its edition prices, above 0 (one invoice line per charge there)."""
    rng = random.Random(seed)
    documents = []
    for index in range(count):
        edition = rng.randrange(editions)
        meters = range(edition, charges, editions) if own else range(charges)
        values = {f"m{meter}": rng.randrange(1, 20000) for meter in meters}
        documents.append({"account": str(index), "period": "2026-03", "edition": f"e{edition}", "usage": values})
    return documents


# -- the section -------------------------------------------------------------------------------------------


def large_rows(scratch: Path, rounds: int, fresh: bool = True) -> Rows:
    """Each size loaded (no cache) and compiled; invoices of every size priced in turns; with `fresh`, the largest
    also loaded in a new process (its peak memory)."""
    import os

    os.environ["TARIFF_ENGINE_CACHE"] = "off"
    try:
        files = {size: _write(scratch, *size) for size in SIZES}
        measured = {size: _load_and_compile(files[size], *size, rounds) for size in SIZES}
        base = _parse_and_compile_seconds(_write(scratch, 1, 1), rounds)[1]  # what every version costs, whatever its charges
        owned = {(charges, editions, True): _own_tariff(scratch, charges, editions) for charges, editions in OWN_SIZES}
    finally:
        del os.environ["TARIFF_ENGINE_CACHE"]
    per_line = _per_line({**{(*size, False): figures["tariff"] for size, figures in measured.items()}, **owned}, rounds)
    seconds, peak = _fresh_load(files[LARGEST]) if fresh else (None, 0)
    rows: Rows = []
    for (charges, editions), figures in measured.items():
        pairs = charges * editions
        figures["per_pair"] = (figures["compile"] - base) / max(1, pairs - 1)
        figures["per_line"] = per_line[charges, editions, False]
        rows.append(
            (
                f"large: {charges:,} charges × {editions} editions",
                f"{figures['load']:.3f} s",
                f"load, no cache (YAML {figures['parse']:.3f} s); compile {figures['compile'] * 1e3 / editions:.2f} ms per edition, "
                f"{figures['per_pair'] * 1e6:.1f} µs per charge and edition beyond a version's own "
                f"{base * 1e3:.1f} ms; {figures['per_line'] * 1e6:.2f} µs per invoice line",
            )
        )
    if seconds is not None:
        rows.append(
            (
                f"large: {LARGEST[0]:,} × {LARGEST[1]} in a new process",
                f"{seconds:.2f} s",
                f"import and load, no cache; peak RSS {peak / 1e6:.0f} MB",
            )
        )
    for charges, editions in OWN_SIZES:
        what = f"{charges // editions} charges on each of {editions} edition{'s' if editions > 1 else ''}"
        rows.append((f"large: {charges:,} charges, {what}", f"{per_line[charges, editions, True] * 1e6:.2f} µs", "per invoice line"))
    small, large = (per_line[charges, editions, True] for charges, editions in OWN_SIZES)
    own_target = ratio_at_most(
        f"pricing per line flat, {OWN_SIZES[1][0] // OWN_SIZES[1][1]} charges per edition",
        f"{large * 1e6:.2f} µs per line at {OWN_SIZES[1][0]:,} charges on {OWN_SIZES[1][1]} editions",
        large / small,
        1.5,
        f"{small * 1e6:.2f} µs at {OWN_SIZES[0][0]} on 1",
    )
    return [*rows, *_targets(measured, seconds), own_target]


def _own_tariff(scratch: Path, charges: int, editions: int) -> Any:
    import engine

    directory = scratch / f"own-{charges}-{editions}" / "large"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "2026-01-01.yaml").write_text(tariff_text(charges, editions, own=True), "utf-8")
    return engine.load_tariff(directory)


def _targets(measured: dict[tuple[int, int], dict[str, Any]], fresh: float | None) -> list[Target]:
    from engine.language.catalog import MAX_LOAD_SECONDS

    charges, editions = LARGEST
    large = measured[LARGEST]
    small_size = next((size for size in SIZES if size[0] * size[1] >= 100), LARGEST)  # the version's own cost is not all
    small, smallest = measured[small_size], measured[SIZES[0]]
    return [
        value_at_most(
            f"{charges:,} charges × {editions} editions loads",
            large["load"],
            "s",
            MAX_LOAD_SECONDS,
            "to load, no cache" + ("" if fresh is None else f" (in a new process {fresh:.2f} s)"),
        ),
        ratio_at_most(
            "compile per edition linear",
            f"{large['per_pair'] * 1e6:.1f} µs per charge and edition at {charges:,} × {editions}",
            large["per_pair"] / small["per_pair"],
            1.5,
            f"{small['per_pair'] * 1e6:.1f} µs at {small_size[0]} × {small_size[1]}",
        ),
        ratio_at_most(
            "pricing per line flat",
            f"{large['per_line'] * 1e6:.2f} µs per line at {charges:,} × {editions}",
            large["per_line"] / smallest["per_line"],
            1.5,
            f"{smallest['per_line'] * 1e6:.2f} µs at {SIZES[0][0]} × {SIZES[0][1]}",
        ),
    ]


def _write(scratch: Path, charges: int, editions: int) -> Path:
    directory = scratch / f"large-{charges}-{editions}" / "large"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "2026-01-01.yaml"
    path.write_text(tariff_text(charges, editions), "utf-8")
    return path


def _load_and_compile(path: Path, charges: int, editions: int, rounds: int) -> dict[str, Any]:
    import engine

    many = charges * editions > 10_000  # a few seconds each: loaded once
    loads = [_seconds(lambda: engine.load_tariff(path)) for _ in range(1 if many else rounds)]
    parse, compile_time = _parse_and_compile_seconds(path, 3 if many else rounds)
    return {"tariff": engine.load_tariff(path), "load": statistics.median(loads), "parse": parse, "compile": compile_time}


def _parse_and_compile_seconds(path: Path, rounds: int) -> tuple[float, float]:
    """The time of reading the YAML once, and the median time of `compile_version` alone on the document read."""
    from engine.language import compiler, source

    raw = path.read_bytes()
    start = time.perf_counter()
    data, problems = source.parse_yaml(raw, path.name)
    parse = time.perf_counter() - start
    assert not problems, problems
    document = source.Source(name=path.name, raw=raw, data=data)
    return parse, statistics.median(_seconds(lambda: compiler.compile_version(document)) for _ in range(rounds))


def _per_line(tariffs: dict[tuple[int, int, bool], Any], rounds: int) -> dict[tuple[int, int, bool], float]:
    """Seconds per invoice line of each size, the sizes priced in turns in each round (a busy machine slows all alike)."""
    import engine

    documents, lines = {}, {}
    for (charges, editions, own), tariff in tariffs.items():
        lines_each = charges // editions if own else charges
        batch = documents[charges, editions, own] = usage(charges, editions, max(10, 4000 // lines_each), own=own)
        lines[charges, editions, own] = sum(len(engine.quote(tariff, d).lines) for d in batch)  # raters written
        assert lines[charges, editions, own] == lines_each * len(batch)
    times: dict[tuple[int, int, bool], list[float]] = {size: [] for size in tariffs}
    order = list(tariffs)
    for index in range(rounds):
        for size in order[index % len(order) :] + order[: index % len(order)]:
            times[size].append(_seconds(partial(_price_all, engine.quote, tariffs[size], documents[size])) / lines[size])
    return {size: statistics.median(found) for size, found in times.items()}


def _price_all(quote: Callable[[Any, Any], Any], tariff: Any, documents: list[dict[str, Any]]) -> None:
    for document in documents:
        quote(tariff, document)


def _fresh_load(path: Path) -> tuple[float, int]:
    """Seconds to import the engine and load `path` in a new process, and that process's peak RSS."""
    import os
    import subprocess
    import sys

    probe = (
        "import resource, time; t = time.perf_counter(); import engine; engine.load_tariff({!r}); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    env = {**os.environ, "TARIFF_ENGINE_CACHE": "off"}
    done = subprocess.run([sys.executable, "-c", probe.format(str(path))], env=env, capture_output=True, text=True, check=True)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak) * 1024


def _seconds(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start
