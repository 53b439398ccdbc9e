"""The fast path of a timeline: calendar months with starts, cancellations and edition changes.

`engine.pricing.proration` is the reference; this module prices the common timeline documents
with the editions' generated raters (`engine.pricing.fastpath`) and the same proration, and
returns None for anything else, which the reference then prices (and words, when it refuses).
It takes: a calendar month written YYYY-MM on a tariff billed by calendar month; a timeline
of plain text dates whose changes are edition changes within the month, in order; usage that
needs no cutting (none at all when the edition changes within the month); charges that are
prorated by day or priced per part, on their own cadence and without a credit.
Tests compare it with the reference on generated documents (tests/test_fasttimeline.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from engine.core import exact
from engine.core.money import PRICING_CONTEXT
from engine.core.periods import Period
from engine.language import model as m
from engine.language.billing import ChargeBilling
from engine.pricing.evaluate import settlement_window
from engine.pricing.fastpath import fast_plan
from engine.pricing.invoice import Invoice, InvoiceLine, Settlement, TariffRef
from engine.pricing.usage import Envelope

_TIMELINE_KEYS = frozenset(("start", "changes", "cancelled_on"))
_CHANGE_KEYS = frozenset(("on", "edition"))
_PRORATED_MODELS = frozenset(("flat", "per_unit", "blocks", "option"))  # a line's amount is its quantity × unit price
Part = tuple[dt.date, dt.date, str]


def fast_timeline(version: m.TariffVersion, envelope: Envelope) -> Invoice | None:
    """The invoice of a plain timeline document, or None: then `proration.price_timeline` prices it."""
    document, period = envelope.document, envelope.period
    label = period.label
    if not version.billing.monthly_whole_periods or len(label) != 7 or label[5] == "Q" or type(document) is not dict:
        return None
    if version.adjustments or version.allowances:
        return None  # commercial terms run on the general path's timeline lines
    edition = document.get("edition")
    if type(edition) is not str or edition not in version.plans:
        return None
    parts = _parts(document.get("timeline"), period, edition, version.plans)
    if parts is None:
        return None
    usage, addons = document.get("usage") or {}, document.get("addons") or {}
    if type(usage) is not dict or type(addons) is not dict or (len(parts) > 1 and usage):
        return None
    if any(type(raw) is list and len(raw) == period.days for raw in usage.values()) and parts[0][:2] != (period.first, period.last):
        return None  # a series the reference would cut to the subscribed days
    rated = []
    for _, _, name in parts:
        if _uses_active_days(version.plans[name]) and len(parts) + (parts[0][:2] != (period.first, period.last)) > 1:
            return None  # the rater counts the whole month's days
        plan = fast_plan(version, version.plans[name])
        if plan is None:
            return None
        try:
            lines = plan.rate(usage, addons, period)
        except Exception:  # whatever it is, the reference meets it again and reports it
            return None
        if lines is None:
            return None
        rated.append({line.id: line for line in lines})
    found = _lines(version, period, parts, rated, document["timeline"])
    if found is None:
        return None
    total = Decimal(0)
    for line in found:
        total = PRICING_CONTEXT.add(total, line.amount)
    if version.rounding.apply != "per_line" and version.rounding.round(total) != total:
        return None
    tariff = TariffRef(version.id, version.version, version.file, version.sha256)
    window = _WINDOWS.get((version.settlement, period.last)) or _window(version, period)
    return Invoice(envelope.account, label, edition, version.currency, tariff, tuple(found), total, window, (period.first, period.last))


_WINDOWS: dict[tuple[m.Settlement, dt.date], Settlement] = {}
_KEPT = 4096  # entries a cache keeps before starting over


def _window(version: m.TariffVersion, period: Period) -> Settlement:
    if len(_WINDOWS) >= _KEPT:
        _WINDOWS.clear()
    found = _WINDOWS[(version.settlement, period.last)] = settlement_window(version.settlement, period)
    return found


def _day(raw: Any) -> dt.date | None:
    if type(raw) is not str or len(raw) != 10:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _parts(timeline: Any, period: Period, edition: str, plans: Mapping[str, Any]) -> list[Part] | None:
    """The subscribed days of the month cut at each edition change, or None for anything but the plainest timeline."""
    if type(timeline) is not dict or not timeline.keys() <= _TIMELINE_KEYS:
        return None
    first, last = period.first, period.last
    start, end = timeline.get("start"), timeline.get("cancelled_on")
    if start is not None:
        start = _day(start)
        if start is None or start > last:
            return None
        first = max(first, start)
    if end is not None:
        end = _day(end)
        if end is None or end < period.first or end < first:
            return None
        last = min(last, end)
    parts: list[Part] = []
    current_first, current, previous = first, edition, period.first
    changes = timeline.get("changes") or []
    if type(changes) is not list:
        return None
    for change in changes:
        if type(change) is not dict or change.keys() != _CHANGE_KEYS or change["edition"] not in plans:
            return None
        day = _day(change["on"])
        if day is None or day < previous or day > period.last:
            return None
        previous = day
        if day > last:
            break
        if day <= current_first:
            current = change["edition"]
            continue
        if change["edition"] == current:
            return None  # the reference merges such parts; rare enough to leave to it
        parts.append((current_first, day - dt.timedelta(days=1), current))
        current_first, current = day, change["edition"]
    parts.append((current_first, last, current))
    return parts


def _lines(
    version: m.TariffVersion, period: Period, parts: list[Part], rated: list[dict[str, InvoiceLine]], timeline: Any
) -> list[InvoiceLine] | None:
    billing, ranks = version.billing, list(version.plans)
    charges = {part[2]: _charges(version.plans[part[2]]) for part in parts}
    order: dict[str, int] = {}
    for found_charges in charges.values():
        for charge_id, (line_number, _) in found_charges.items():
            order.setdefault(charge_id, line_number)
    rules: dict[str, str] = {}
    for before, after in itertools.pairwise(parts):
        upgrade = ranks.index(after[2]) > ranks.index(before[2])
        for charge_id in order:
            owner = after[2] if charge_id in charges[after[2]] else before[2]
            rule = billing.of(owner, charge_id).change_rule(upgrade)
            if rule not in ("prorate", "split") or rules.setdefault(charge_id, rule) != rule:
                return None
    found: list[InvoiceLine] = []
    cancelled = _day(timeline.get("cancelled_on")) if timeline.get("cancelled_on") is not None else None
    for charge_id in sorted(order, key=order.__getitem__) if len(order) > 1 else order:
        runs = [(index, part) for index, part in enumerate(parts) if charge_id in charges[part[2]]]
        several = len(runs) > 1
        for position, (index, part) in enumerate(runs):
            line = rated[index].get(charge_id)
            charge_billing = billing.of(part[2], charge_id)
            if line is None:
                if several:
                    return None
                continue
            if charge_billing.cadence is not None:
                return None
            last = position == len(runs) - 1
            credit = cancelled if last and charge_billing.proration.credit_unused and charge_billing.timing == "in_advance" else None
            made = _line(version, period, line, charge_billing, rules.get(charge_id), several, part, position == 0, credit)
            if made is None:
                return None
            found += made
    return found


def _line(
    version: m.TariffVersion,
    period: Period,
    line: InvoiceLine,
    billing: ChargeBilling,
    rule: str | None,
    several: bool,
    part: Part,
    first_run: bool,
    credit: dt.date | None,
) -> list[InvoiceLine] | None:
    """The line of `part` as the reference writes it (`proration._Pricer.run_lines`), and its credit."""
    first, last, name = part
    proration = billing.proration
    line_id = f"{line.id}@{first}" if several else line.id
    description = f"{line.description} ({name})" if several else line.description
    if rule == "split" or proration.by != "day":
        own = (first, last) if several else None
        return [InvoiceLine(line_id, description, line.quantity, line.unit, line.unit_price, line.amount, line.source, own)]
    bill_first = period.first if first_run and proration.first_period == "whole" else first
    bill_last = period.last if credit is not None else last
    days = (bill_last - bill_first).days + 1
    service = None if (bill_first, bill_last) == (period.first, period.last) else (bill_first, bill_last)
    found = []
    if days == period.days:
        found.append(InvoiceLine(line_id, description, line.quantity, line.unit, line.unit_price, line.amount, line.source, service))
    else:
        made = _prorated(version, line, line_id, description, (days, period.days), service, proration.quantity_scale, name)
        if made is None:
            return None
        found.append(made)
    if credit is not None and credit < period.last:
        unused_first = credit + dt.timedelta(days=1)
        unused = (period.last - unused_first).days + 1
        words = f"Credit for unused days: {description}"
        where = (unused_first, period.last)
        made = _prorated(version, line, f"{line.id}.credit", words, (-unused, period.days), where, proration.quantity_scale, name)
        if made is None:
            return None
        found.append(made)
    return found


def _prorated(
    version: m.TariffVersion,
    line: InvoiceLine,
    line_id: str,
    description: str,
    share_of: tuple[int, int],
    service: tuple[dt.date, dt.date] | None,
    scale: int,
    edition: str,
) -> InvoiceLine | None:
    """`line` for `days` of the period (negative: a credit), as `proration._Pricer.prorated` writes it."""
    if line.unit_price is None or _charges(version.plans[edition])[line.id][1] not in _PRORATED_MODELS:
        return None
    days, period_days = share_of
    words = f"{abs(days)} of {period_days} days"
    rounding = version.rounding
    amount = _share(PRICING_CONTEXT.multiply(line.quantity, line.unit_price), days, period_days, rounding.scale, rounding.mode)
    quantity = _share(line.quantity, days, period_days, scale, None)
    return InvoiceLine(line_id, f"{description}, {words}", quantity, line.unit, line.unit_price, amount, line.source, service, words)


def _charges(plan: m.EditionPlan) -> dict[str, tuple[int, str]]:
    """The edition's charges: {id: (line number in the tariff file, model)}, kept with the plan."""
    found: dict[str, tuple[int, str]] | None = plan.derived.get("timeline charges")
    if found is None:
        found = plan.derived["timeline charges"] = {
            c.id: (int(c.source.rsplit(":", 1)[-1]) if c.source[-1:].isdigit() else 0, c.model) for c in plan.charges
        }
    return found


_SHARES: dict[tuple[Decimal, int, int, int, str | None], Decimal] = {}


def _share(value: Decimal, days: int, period_days: int, scale: int, mode: str | None) -> Decimal:
    """`value × days / period days`: rounded by `mode` (an amount), or written at `scale` (a quantity, `mode` None).

    The same figures recur on every invoice (a fee, a month's length): each is computed once, exactly.
    """
    key = (value, days, period_days, scale, mode)
    found = _SHARES.get(key)
    if found is None:
        product = exact.multiply(value, Fraction(days, period_days))
        found = exact.written(product, scale) if mode is None else exact.round_to(product, scale, mode)
        if len(_SHARES) >= _KEPT:
            _SHARES.clear()
        _SHARES[key] = found
    return found


def _uses_active_days(plan: m.EditionPlan) -> bool:
    """Whether an expression of the edition names `active_days` (kept with the plan: it never changes)."""
    found = plan.derived.get("uses active_days")
    if found is None:
        found = plan.derived["uses active_days"] = any("active_days" in e.names for c in plan.charges for e in c.expressions())
    return bool(found)
