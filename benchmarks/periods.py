"""Timelines priced: the engine against a hand-written rater of a tariff that prorates by day.

The tariff is tests/fixtures/periods/prorated-plan (pro 449.99, flagship 899.99 a calendar
month, prorated by day on a start within the month, a cancellation and each edition change).
`rate` is what a developer would write by hand for it: the same checks of the envelope and
the timeline (refusing on the first problem), the same segments, the fee times days / days
of the month computed exactly with `fractions.Fraction` and rounded half-up once (each figure
once, then kept), and the same `engine.Invoice` objects. `documents` draws the usage documents both price.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.pricing.invoice import Invoice, InvoiceLine, Settlement, TariffRef

TARIFF = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "periods" / "prorated-plan"
FILE = "prorated-plan/2026-01-01.yaml"
REF = TariffRef("prorated-plan", "1", FILE, hashlib.sha256((TARIFF / "2026-01-01.yaml").read_bytes()).hexdigest())
SOURCE = f"{FILE}:21"
PRICES = {"pro": Decimal("449.99"), "flagship": Decimal("899.99")}
KEYS = frozenset(("tariff", "account", "period", "edition", "usage", "addons", "timeline"))
TIMELINE_KEYS = frozenset(("start", "changes", "cancelled_on"))
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
CENT = Decimal("0.01")
QUANTUM = Decimal("0.0001")  # the quantity scale the tariff declares (the default, 4)
ONE = Decimal(1)


def refuse(path: str, message: str) -> UsageError:
    return UsageError([Diagnostic(message=message, rule="usage", path=path)])


def rate(document: Any) -> Invoice:
    """The invoice of one usage document, or `UsageError`."""
    if type(document) is not dict or not document.keys() <= KEYS:
        raise refuse("(document)", "a usage document must be a mapping of the envelope keys")
    if document.get("tariff") not in (None, "prorated-plan"):
        raise refuse("tariff", "not the prorated-plan tariff")
    account = _account(document.get("account"))
    first, last = _month(document.get("period"))
    edition = document.get("edition")
    if edition not in PRICES:
        raise refuse("edition", "not an edition")
    if document.get("usage") or document.get("addons"):
        raise refuse("usage", "this tariff has no meters and no add-ons")
    timeline = document.get("timeline")
    parts = _segments(timeline, first, last, edition) if timeline is not None else [(first, last, edition)]
    days = (last - first).days + 1
    lines = _lines(parts, first, last, days, timeline)
    total = sum((line.amount for line in lines), Decimal(0))
    window = Settlement("postpaid", *(str(last + dt.timedelta(days=n)) for n in (1, 3)))
    stamp = (first, last) if timeline is not None else None
    return Invoice(account, document["period"], edition, "USD", REF, tuple(lines), total, window, stamp)


def _account(account: Any) -> str:
    if type(account) is str and 0 < len(account) <= 128 and account.strip() == account and account.isprintable():
        return account
    if type(account) is int and account >= 0:
        return str(account)
    raise refuse("account", "expected an account")


def _month(label: Any) -> tuple[dt.date, dt.date]:
    match = MONTH.fullmatch(label) if type(label) is str else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2026 <= int(match.group(1)) <= 9000:
        raise refuse("period", "not a calendar month of the tariff")
    year, month = int(match.group(1)), int(match.group(2))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(raw: Any, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if type(raw) is str and len(raw) == 10 else _refused(path)
    except ValueError:
        return _refused(path)


def _refused(path: str) -> dt.date:
    raise refuse(path, "expected a date YYYY-MM-DD")


def _segments(timeline: Any, first: dt.date, last: dt.date, edition: str) -> list[tuple[dt.date, dt.date, str]]:
    if type(timeline) is not dict or not timeline.keys() <= TIMELINE_KEYS:
        raise refuse("timeline", "expected start, changes and cancelled_on")
    start = _day(timeline["start"], "timeline.start") if timeline.get("start") is not None else None
    end = _day(timeline["cancelled_on"], "timeline.cancelled_on") if timeline.get("cancelled_on") is not None else None
    if (start is not None and start > last) or (end is not None and end < first) or (start and end and end < start):
        raise refuse("timeline", "no day of the period is subscribed")
    begin, finish = max(first, start or first), min(last, end or last)
    parts: list[tuple[dt.date, dt.date, str]] = []
    current_first, current = begin, edition
    previous = None
    for change in timeline.get("changes") or ():
        if type(change) is not dict or change.keys() != {"on", "edition"} or change["edition"] not in PRICES:
            raise refuse("timeline.changes", "expected {on, edition}")
        day = _day(change["on"], "timeline.changes.on")
        if not first <= day <= last or (previous is not None and day < previous):
            raise refuse("timeline.changes", "a change outside the period or out of order")
        previous = day
        if day > finish:
            break
        if day <= current_first:
            current = change["edition"]
            continue
        parts.append((current_first, day - dt.timedelta(days=1), current))
        current_first, current = day, change["edition"]
    parts.append((current_first, finish, current))
    merged: list[tuple[dt.date, dt.date, str]] = []
    for part in parts:  # a change to the edition in force changes nothing
        if merged and merged[-1][2] == part[2]:
            merged[-1] = (merged[-1][0], part[1], part[2])
        else:
            merged.append(part)
    return merged


def _lines(parts: list[tuple[dt.date, dt.date, str]], first: dt.date, last: dt.date, days: int, timeline: Any) -> list[InvoiceLine]:
    several = len(parts) > 1
    lines = []
    for begin, end, edition in parts:
        price = PRICES[edition]
        line_id = f"plan@{begin}" if several else "plan"
        description = f"IM plan fee ({edition})" if several else "IM plan fee"
        count = (end - begin).days + 1
        service = None if (begin, end) == (first, last) else (begin, end)
        if count == days:
            lines.append(InvoiceLine(line_id, description, ONE, "", price, price, SOURCE, service))
            continue
        quantity, amount = _prorated(price, count, days)
        words = f"{count} of {days} days"
        lines.append(InvoiceLine(line_id, f"{description}, {words}", quantity, "", price, amount, SOURCE, service, words))
    return lines


@functools.lru_cache(maxsize=4096)
def _prorated(price: Decimal, count: int, days: int) -> tuple[Decimal, Decimal]:
    """(quantity, amount) of `count` of `days` days: the fraction written at 4 decimals, the fee half-up to cents from the exact value.

    A month has 28 to 31 days and the fees are few: each figure is computed once, as a rater that cares about speed would.
    """
    share = Fraction(count, days)
    quantity = (Decimal(count) / Decimal(days)).quantize(QUANTUM) if (share * 10000).denominator != 1 else Decimal(count) / Decimal(days)
    exact = Fraction(price) * share
    cents, rest = divmod(exact.numerator * 100, exact.denominator)
    if 2 * rest >= exact.denominator:
        cents += 1
    return quantity, (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def documents(count: int, seed: int = 20261213) -> list[dict[str, Any]]:
    """Usage documents of the tariff: a third whole months, the rest with a start, a cancellation or edition changes."""
    chance = random.Random(seed)
    found = []
    for index in range(count):
        year, month = chance.randint(2026, 2030), chance.randint(1, 12)
        days = calendar.monthrange(year, month)[1]
        document: dict[str, Any] = {"tariff": "prorated-plan", "account": f"acct-{index}", "period": f"{year:04d}-{month:02d}"}
        document["edition"] = chance.choice(("pro", "flagship"))
        kind = index % 6
        on = [dt.date(year, month, day).isoformat() for day in sorted(chance.sample(range(2, days + 1), 2))]
        if kind == 1:
            document["timeline"] = {"start": on[0]}
        elif kind == 2:
            document["timeline"] = {"start": "2025-06-01", "cancelled_on": on[0]}
        elif kind in (3, 4):
            other = "flagship" if document["edition"] == "pro" else "pro"
            document["timeline"] = {"changes": [{"on": on[0], "edition": other}]}
        elif kind == 5:
            other = "flagship" if document["edition"] == "pro" else "pro"
            changes = [{"on": on[0], "edition": other}, {"on": on[1], "edition": document["edition"]}]
            document["timeline"] = {"changes": changes}
        found.append(document)
    return found
