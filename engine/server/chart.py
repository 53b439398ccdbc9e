"""Price against one meter: quotes at sample points, for the playground's chart.

The points are a regular grid over the range plus every breakpoint the edition's charges
put on that meter (each block edge and tier edge, and its neighbours), so a step in the
price is sampled on both sides, never smoothed over. Every y is an exact decimal string
from `quote`; only the browser turns them into pixels.
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import text
from engine.language import model as m
from engine.language.charges import Charge
from engine.pricing import quote as pricing
from engine.pricing.usage import read_envelope
from engine.server.problems import Problem, from_diagnostics, from_usage_error

GRID = 60
SAMPLING_CONTEXT = decimal.Context(prec=28, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
MAX_BREAKPOINTS = 240
FINEST = Decimal("0.000001")


def series(target: m.Tariff | m.Catalog, request: Any) -> dict[str, Any]:
    """`{"usage", "meter", "from", "to", "line"}` → the points, or a `Problem` raised."""
    document, meter_id, line = _request(request)
    try:
        version = pricing.select_version(target, read_envelope(document))
    except UsageError as error:
        raise from_usage_error(error, by_catalog=isinstance(target, m.Catalog)) from None
    meter = version.meters.get(meter_id)
    if meter is None:
        raise _bad("meter", f"unknown meter '{meter_id}' (meters: {', '.join(version.meters)})")
    low, high = _bound(request, "from", meter), _bound(request, "to", meter)
    if low >= high:
        raise _bad("to", f"the range is empty: 'to' ({text(high)}) must be above 'from' ({text(low)})")
    plan = version.plans.get(str(document.get("edition")))
    if plan is not None and line != "total" and line not in {c.id for c in plan.charges}:
        raise _bad("line", f"'{line}' is not a line of {plan.edition.name} (lines: {', '.join(c.id for c in plan.charges)})")
    edges = breakpoints(plan.charges if plan else (), meter, low, high)
    points = [_point(target, document, meter, x, line) for x in sample_points(meter, low, high, edges)]
    return {"meter": meter.name, "unit": meter.unit, "line": line, "currency": version.currency, "breakpoints": edges, "points": points}


def _request(request: Any) -> tuple[Mapping[str, Any], str, str]:
    if not isinstance(request, Mapping):
        raise _bad("(request)", 'a chart request is {"usage": {...}, "meter": ID, "from": N, "to": N, "line": "total" or a line id}')
    unknown = [str(k) for k in request if k not in ("usage", "meter", "from", "to", "line")]
    if unknown:
        raise _bad(unknown[0], f"unknown key '{unknown[0]}' (allowed: usage, meter, from, to, line)")
    document, meter, line = request.get("usage"), request.get("meter"), request.get("line", "total")
    if not isinstance(document, Mapping):
        raise _bad("usage", "missing: the usage document to vary")
    if not isinstance(document.get("usage", {}), Mapping):
        raise _bad("usage.usage", "the meters are an object: {meter: value, ...}")
    if not isinstance(meter, str):
        raise _bad("meter", "missing: the id of the meter to vary")
    if not isinstance(line, str):
        raise _bad("line", "'line' is 'total' or the id of an invoice line")
    return document, meter, line


def _bound(request: Mapping[str, Any], key: str, meter: m.Meter) -> Decimal:
    raw = request.get(key)
    try:
        value = Decimal(str(raw)) if isinstance(raw, int | str | Decimal) and not isinstance(raw, bool) else None
    except decimal.InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _bad(key, f"'{key}' must be a number from {text(meter.minimum)} to {text(meter.maximum)}")
    if not meter.minimum <= value <= meter.maximum:
        raise _bad(key, f"{text(value)} is outside {meter.name}'s bounds {text(meter.minimum)} to {text(meter.maximum)}")
    if meter.type == "integer" and value != value.to_integral_value():
        raise _bad(key, f"{text(value)} is not a whole number ({meter.name} counts {meter.unit or 'units'})")
    return value


def _bad(path: str, message: str) -> Problem:
    return from_diagnostics(422, [Diagnostic(message=message, rule="chart", path=path)])


def breakpoints(charges: tuple[Charge, ...], meter: m.Meter, low: Decimal, high: Decimal) -> list[str]:
    """The edges inside [low, high] where a charge on `meter` alone can step: block and tier edges."""
    found: set[Decimal] = set()
    for charge in charges:
        found.update(e for e in _edges(charge, meter.name, low, high) if low <= e <= high)
    ordered = sorted(found)
    if len(ordered) > MAX_BREAKPOINTS:  # too fine to see anyway: keep an even selection
        stride = len(ordered) / MAX_BREAKPOINTS
        ordered = [ordered[int(i * stride)] for i in range(MAX_BREAKPOINTS)]
    return [text(e) for e in ordered]


def _edges(charge: Charge, meter: str, low: Decimal, high: Decimal) -> Iterator[Decimal]:
    if charge.when is not None:
        yield from _thresholds(charge.when.text, meter)
    yield from charge.edges(meter, low, high, MAX_BREAKPOINTS)


def _thresholds(condition: str, meter: str) -> Iterator[Decimal]:
    """The numbers a `when` condition compares the meter with (`sms < 1000` → 1000)."""
    for node in ast.walk(ast.parse(condition, mode="eval")):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Name) and side.id == meter for side in sides):
                for side in sides:
                    number = isinstance(side, ast.Constant) and type(side.value) in (int, float)  # float-ok: a literal, read as Decimal
                    if number:
                        found = _number(ast.get_source_segment(condition, side) or "")
                        if found is not None:
                            yield found


def _number(expression: str) -> Decimal | None:
    try:
        return Decimal(expression.strip())
    except decimal.InvalidOperation:
        return None


def sample_points(meter: m.Meter, low: Decimal, high: Decimal, edges: list[str]) -> list[Decimal]:
    """The grid, each edge and its neighbours on both sides (one unit for counts).

    These are only where to sample (a grid step may be inexact); every price is exact.
    """
    with decimal.localcontext(SAMPLING_CONTEXT):
        step = (high - low) / GRID
        points = {low, high} | {_short(low + step * i) for i in range(1, GRID)}
        nudge = Decimal(1) if meter.type == "integer" else max(_short((high - low) / 100000), FINEST)
        for edge in map(Decimal, edges):
            points |= {edge - nudge, edge, edge + nudge}
        if meter.type == "integer":
            points = {p.to_integral_value(decimal.ROUND_FLOOR) for p in points}
    return sorted(p for p in points if low <= p <= high)


def _short(value: Decimal) -> Decimal:
    """A sample position to six decimals, trailing zeros dropped (a grid point needs no more)."""
    shown = f"{value.quantize(FINEST, rounding=decimal.ROUND_HALF_EVEN):f}"
    return Decimal(shown.rstrip("0").rstrip(".") if "." in shown else shown)


def _point(target: m.Tariff | m.Catalog, document: Mapping[str, Any], meter: m.Meter, x: Decimal, line: str) -> dict[str, str | None]:
    value: int | Decimal = int(x) if meter.type == "integer" else x  # as a JSON body would bring it
    varied = {**document, "usage": {**(document.get("usage") or {}), meter.name: value}}
    try:
        invoice = pricing.quote(target, varied)
    except UsageError as error:
        raise from_usage_error(error, by_catalog=isinstance(target, m.Catalog)) from None
    if line == "total":
        return {"x": text(x), "y": text(invoice.total)}
    amounts = {item.id: item.amount for item in invoice.lines}
    return {"x": text(x), "y": text(amounts[line]) if line in amounts else None}
