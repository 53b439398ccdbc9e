"""Pricing on the event loop without stalling it: one document inline, a batch in slices.

A single document prices in about 100 µs, so it is priced inline. A batch of up to
`max_batch` documents would hold the loop for the whole batch (a batch of 100 takes several
milliseconds, of 1,000 tens of them), and every other request on the worker would wait behind
it. `priced_batch` prices a batch in slices of about `SLICE_NS` of work and lets the loop run
between slices, so single requests are answered while a batch is being priced.

Each result is written to JSON as it is priced, and the response body is those texts joined:
the same bytes as `json.dumps({"results": [...]})` of the whole list, without one long step at
the end.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine.core.errors import UsageError
from engine.core.money import text
from engine.language import model as m
from engine.pricing import quote as pricing
from engine.pricing.invoice import Invoice
from engine.server.logs import PricedBy
from engine.server.problems import Problem, from_usage_error

SLICE_NS = 1_000_000  # pricing time between two turns of the event loop (1 ms)


def price_one(target: m.Tariff | m.Catalog, document: Any) -> Invoice | Problem:
    """The invoice for one document, or the `Problem` that stops it (never raises)."""
    try:
        return pricing.quote(target, document)
    except UsageError as error:
        return from_usage_error(error, by_catalog=isinstance(target, m.Catalog))


def ref_of(invoice: Invoice) -> PricedBy:
    return PricedBy(invoice.tariff.id, invoice.tariff.version, invoice.tariff.file, invoice.tariff.sha256)


def dumps(body: Any) -> str:
    """The service's JSON: compact, UTF-8 as is, Decimals as their exact text."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_exact)


def _exact(value: Any) -> str:
    if isinstance(value, Decimal):
        return text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def result_json(result: Invoice | Problem) -> str:
    """One entry of a batch's `results`, as `dumps` writes it inside the whole response."""
    if isinstance(result, Problem):
        return dumps({"status": result.status, "problem": result.to_dict()})
    return '{"status":200,"invoice":' + result.to_json() + "}"


async def priced_batch(target: m.Tariff | m.Catalog, documents: Sequence[Any]) -> tuple[str, list[PricedBy]]:
    """The response body of a batch and the versions that priced it, the loop let run every `SLICE_NS`."""
    results: list[str] = []
    refs: list[PricedBy] = []
    turn_at = time.perf_counter_ns() + SLICE_NS
    for document in documents:
        result = price_one(target, document)
        results.append(result_json(result))
        if not isinstance(result, Problem):
            refs.append(ref_of(result))
        if time.perf_counter_ns() >= turn_at:
            await asyncio.sleep(0)
            turn_at = time.perf_counter_ns() + SLICE_NS
    return '{"results":[' + ",".join(results) + "]}", refs
