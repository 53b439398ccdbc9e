"""The benchmark's baseline: a hand-written Decimal rater of the Tencent IM tariff (2022-01-01).

This is what a careful developer would write by hand for this one price list, so that
"rules as data" is measured against real code, not against a straw man:

- It checks what the engine checks for this tariff: a mapping with only the envelope keys;
  no null anywhere a value belongs (a null `usage` or `addons` means none); the tariff id
  (when given); the account (one line of text of 1 to 128 characters without surrounding
  spaces or control characters, or a whole number ≥ 0); the period (YYYY-MM in ASCII digits, a real month from the
  version's 2022-01-01 to 9000-12); the edition; meters (whole numbers from 0 to 10^12, one value or a
  daily series of 1 to as many values as the month has days, required on pro and flagship,
  unknown meters refused); add-ons (unknown names, switches, offered values per edition,
  availability per edition, the audio/video activation date and its 60-day free trial).
- It raises `engine.UsageError` on the first problem found (the engine collects every
  problem of a document and words each one; the baseline does not pay for that).
- It returns the same `engine.Invoice` objects as the engine (the benchmark compares both
  JSON renderings byte for byte on every document before timing anything).
- Money is `Decimal` with the engine's pinned context passed explicitly; counts of blocks are
  computed in integers. Lines that never change (the plan fee of each edition, each add-on's
  line per offered value, an overage line with no block) and the settlement window of each
  month are built once and reused, as a hand-written rater that cares about speed would do.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import hashlib
import re
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import PRICING_CONTEXT
from engine.core.resources import tariffs_dir
from engine.pricing.invoice import Invoice, InvoiceLine, Settlement, TariffRef

FILE = "tencent-im/2022-01-01.yaml"
REF = TariffRef("tencent-im", "1", FILE, hashlib.sha256((tariffs_dir() / FILE).read_bytes()).hexdigest())
EFFECTIVE_FROM = dt.date(2022, 1, 1)
ENVELOPE_KEYS = frozenset(("tariff", "account", "period", "edition", "usage", "addons"))
CENT = Decimal("0.01")
NO_CHARGE = Decimal("0.00")
ZERO, ONE = Decimal(0), Decimal(1)
BLOCK_PRICE = Decimal("449.99")
MAX_COUNT = 10**12
CONTROL = re.compile("[\x00-\x1f\x7f]")


def _src(line: int) -> str:
    return f"{FILE}:{line}"


def _fixed(charge: str, description: str, price: str, line: int) -> InvoiceLine:
    amount = Decimal(price)
    return InvoiceLine(charge, description, ONE, "", amount, amount, _src(line))


PLAN_LINES = {
    "trial": _fixed("plan", "IM plan fee", "0.00", 88),
    "pro": _fixed("plan", "IM plan fee", "449.99", 88),
    "flagship": _fixed("plan", "IM plan fee", "899.99", 88),
}
# add-on name → edition → offered value → its line, in invoice order.
ADDONS: dict[str, dict[str, dict[Any, InvoiceLine]]] = {
    "unlimited_avchatroom": {
        "pro": {True: _fixed("unlimited_avchatroom", "Unlimited live-broadcast groups (AVChatRoom)", "449.99", 129)},
    },
    "group_member_limit": {
        "pro": {2000: _fixed("group_member_limit", "Extended member limit per group: 2000 members per group", "239.99", 138)},
        "flagship": {6000: _fixed("group_member_limit", "Extended member limit per group: 6000 members per group", "239.99", 138)},
    },
    "group_join_limit": {
        "pro": {1000: _fixed("group_join_limit", "Extended groups per user: 1000 groups per user", "449.99", 150)},
        "flagship": {3000: _fixed("group_join_limit", "Extended groups per user: 3000 groups per user", "449.99", 150)},
    },
    "message_retention_days": {
        "pro": {
            days: _fixed("message_retention", f"Extended message history retention: {days} days", price, 164)
            for days, price in ((30, "99.99"), (90, "179.99"), (180, "269.99"), (360, "399.99"))
        },
        "flagship": {
            days: _fixed("message_retention", f"Extended message history retention: {days} days", price, 164)
            for days, price in ((90, "99.99"), (180, "179.99"), (360, "319.99"))
        },
    },
}
OPTION_NAMES = frozenset((*ADDONS, "audio_video_call"))
_MONTHS: dict[str, tuple[dt.date, dt.date, Settlement]] = {}


def refuse(path: str, message: str) -> UsageError:
    return UsageError([Diagnostic(message=message, rule="usage", path=path)])


def rate(document: Any) -> Invoice:
    """The invoice of one usage document, or `UsageError`."""
    if not isinstance(document, dict):
        raise refuse("(document)", "a usage document must be a mapping")
    if not document.keys() <= ENVELOPE_KEYS:
        raise refuse("(document)", "unknown key")
    tariff = document.get("tariff", "tencent-im")
    if tariff != "tencent-im":  # null included
        raise refuse("tariff", "not the tencent-im tariff")
    account = _account(document.get("account"))
    label = document.get("period")
    first, last, settlement = _MONTHS.get(label) or _month(label)
    edition = document.get("edition")
    if edition not in PLAN_LINES:
        raise refuse("edition", "not an edition")
    usage, addons = document.get("usage"), document.get("addons")
    if not (usage is None or isinstance(usage, dict)) or not (addons is None or isinstance(addons, dict)):
        raise refuse("usage", "expected a mapping")
    usage, addons = usage or {}, addons or {}
    lines = [PLAN_LINES[edition]]
    if edition == "trial":
        _meters(usage, last.day, required=False)
    else:
        dau, groups = _meters(usage, last.day, required=True)
        lines.append(DAU.line(dau))
        lines.append(GROUPS.line(groups))
    _addons(addons, edition, first, last, lines)
    total = ZERO
    for line in lines:
        total = PRICING_CONTEXT.add(total, line.amount)
    return Invoice(account, label, edition, "USD", REF, tuple(lines), total, settlement)


def _account(account: Any) -> str:
    if type(account) is str and 0 < len(account) <= 128 and account.strip() == account and not CONTROL.search(account):
        return account
    if type(account) is int and account >= 0 and account.bit_length() <= 200:
        return str(account)
    raise refuse("account", "expected an account")


def _month(label: Any) -> tuple[dt.date, dt.date, Settlement]:
    digits = type(label) is str and label.isascii() and len(label) == 7 and label[4] == "-"
    if not (digits and label[:4].isdigit() and label[5:].isdigit()):
        raise refuse("period", "not a calendar month")
    year, month = int(label[:4]), int(label[5:])
    if not (1 <= month <= 12 and 1 <= year <= 9000):  # the engine's last year (later trials would overflow dates)
        raise refuse("period", "not a calendar month")
    first = dt.date(year, month, 1)
    if first < EFFECTIVE_FROM:
        raise refuse("period", "no version in force")
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    after = last + dt.timedelta(days=1)
    window = Settlement("postpaid", after.isoformat(), (after + dt.timedelta(days=2)).isoformat())
    _MONTHS[label] = (first, last, window)
    return first, last, window


def _meters(usage: dict[str, Any], days: int, required: bool) -> tuple[int, int]:
    if not usage.keys() <= {"dau", "groups"}:
        raise refuse("usage", "unknown meter")
    if None in usage.values():
        raise refuse("usage", "null")
    return _count(usage.get("dau"), days, required, "usage.dau"), _count(usage.get("groups"), days, required, "usage.groups")


def _count(raw: Any, days: int, required: bool, path: str) -> int:
    if type(raw) is int:
        if 0 <= raw <= MAX_COUNT:
            return raw
        raise refuse(path, "out of range")
    if type(raw) is list:
        if not 1 <= len(raw) <= days:
            raise refuse(path, "wrong number of days")
        for value in raw:
            if type(value) is not int or not 0 <= value <= MAX_COUNT:
                raise refuse(path, "expected a whole number from 0 to 10^12")
        return max(raw)
    if raw is None and not required:
        return 0  # (a null meter is refused by `_meters`)
    raise refuse(path, "expected a whole number from 0 to 10^12")


class Overage:
    """An overage charge: blocks of `size` above a quota of one block, at `BLOCK_PRICE` each."""

    def __init__(self, charge: str, description: str, unit: str, size: int, line: int) -> None:
        self.charge, self.description, self.unit, self.size, self.source = charge, description, unit, size, _src(line)
        self.none = InvoiceLine(charge, description, ZERO, unit, BLOCK_PRICE, NO_CHARGE, self.source)

    def line(self, peak: int) -> InvoiceLine:
        excess = peak - self.size
        if excess <= 0:
            return self.none
        count = Decimal(-(-excess // self.size))
        amount = PRICING_CONTEXT.multiply(count, BLOCK_PRICE).quantize(CENT, decimal.ROUND_HALF_UP, PRICING_CONTEXT)
        return InvoiceLine(self.charge, self.description, count, self.unit, BLOCK_PRICE, amount, self.source)


DAU = Overage("dau_overage", "DAU above the plan quota, per 10,000 (peak of the month)", "block of 10,000 DAU", 10_000, 103)
GROUPS = Overage("group_overage", "Peak group count above the plan quota, per 100,000", "block of 100,000 groups", 100_000, 115)
TRIAL_SOURCE = _src(185)


def _addons(addons: dict[str, Any], edition: str, first: dt.date, last: dt.date, lines: list[InvoiceLine]) -> None:
    if not addons.keys() <= OPTION_NAMES:
        raise refuse("addons", "unknown add-on")
    if None in addons.values():
        raise refuse("addons", "null")
    for name, offers in ADDONS.items():
        chosen = addons.get(name)
        if chosen is None or chosen is False:
            continue
        if (chosen is True) is not (name == "unlimited_avchatroom"):
            raise refuse(f"addons.{name}", "a switch takes true, a choice one offered value")
        if isinstance(chosen, Decimal) and chosen.is_finite() and chosen == chosen.to_integral_value():
            chosen = int(chosen)
        line = offers.get(edition, {}).get(chosen) if type(chosen) in (int, bool, str) else None
        if line is None:
            raise refuse(f"addons.{name}", "not offered on this edition")
        lines.append(line)
    trial = addons.get("audio_video_call")
    if trial is not None and trial is not False:
        lines.append(_trial(trial, edition, first, last))


def _trial(raw: Any, edition: str, first: dt.date, last: dt.date) -> InvoiceLine:
    if edition == "trial":
        raise refuse("addons.audio_video_call", "not available on trial")
    if not (isinstance(raw, dict) and raw.keys() == {"activated_on"} and type(raw["activated_on"]) is str):
        raise refuse("addons.audio_video_call", "expected {activated_on: DATE}")
    try:
        activated = dt.date.fromisoformat(raw["activated_on"])
    except ValueError:
        raise refuse("addons.audio_video_call.activated_on", "expected a date") from None
    trial_last = activated + dt.timedelta(days=59)
    if activated > last or trial_last < first:
        raise refuse("addons.audio_video_call.activated_on", "outside the free trial")
    description = f"Audio/video call (free trial): free {activated} to {trial_last}"
    return InvoiceLine("audio_video_call", description, ONE, "", ZERO, NO_CHARGE, TRIAL_SOURCE)
