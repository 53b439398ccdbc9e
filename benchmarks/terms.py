"""The benchmark of commercial terms: a tariff with a coupon, a minimum, a tax and credits,
priced by the engine and by a hand-written rater of the same tariff.

`benchmarks/tariffs/saas-terms/2026-01-01.yaml` has two charges and four adjustments (a coupon
for three months from its redemption, a minimum commitment, sales tax by region with its own
rounding, prepaid credits). `rate` below is what a careful developer would write by hand for
it: the same checks of the document (raising `engine.UsageError` on the first problem), the
same arithmetic in the engine's pinned Decimal context, the same `engine.Invoice` objects; the
benchmark compares both JSON renderings on every document before timing anything.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import hashlib
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import PRICING_CONTEXT, text
from engine.pricing.invoice import Invoice, InvoiceLine, Payment, Settlement, TariffRef

TARIFF = Path(__file__).resolve().parent / "tariffs" / "saas-terms"
FILE = "saas-terms/2026-01-01.yaml"
REF = TariffRef("saas-terms", "1", FILE, hashlib.sha256((TARIFF / "2026-01-01.yaml").read_bytes()).hexdigest())
KEYS = frozenset(("tariff", "account", "period", "edition", "usage", "addons", "coupons", "tax_region", "credits"))
SEAT_PRICE = {"team": Decimal("10.00"), "business": Decimal("25.00")}
CALL_PRICE = Decimal("0.15")
INCLUDED_CALLS = 100_000
MINIMUM = Decimal("100.00")
RATES = {"NY-NYC": Decimal("8.875"), "CA-SF": Decimal("8.625"), "TX-AUS": Decimal("8.25"), "WA-SEA": Decimal("10.25")}
DEFAULT_RATE = Decimal(0)
COUPON_PERIODS = 3
CENT = Decimal("0.01")
ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
HALF_UP = decimal.ROUND_HALF_UP
CONTEXT = PRICING_CONTEXT
SEED = 20261128


def _src(line: int) -> str:
    return f"{FILE}:{line}"


def _refuse(path: str, message: str) -> UsageError:
    return UsageError([Diagnostic(message=message, rule="usage", path=path)])


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, HALF_UP)


def _day(value: Any, path: str) -> dt.date:
    if type(value) is not str or len(value) != 10:
        raise _refuse(path, "expected a date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _refuse(path, "expected a date") from None


def _count(value: Any, path: str, top: int, days: int, series: bool) -> int:
    if type(value) is int and 0 <= value <= top:
        return value
    if series and type(value) is list and len(value) == days and all(type(v) is int and 0 <= v <= top for v in value):  # a sum: every day
        return sum(value)
    raise _refuse(path, "not a valid count")


def rate(document: Any) -> Invoice:
    """The invoice of one usage document of saas-terms, or `UsageError` on its first problem."""
    if type(document) is not dict or not document.keys() <= KEYS or document.get("tariff", "saas-terms") != "saas-terms":
        raise _refuse("(document)", "not a saas-terms usage document")
    account = document.get("account")
    if type(account) is not str or not 0 < len(account) <= 128 or account.strip() != account:
        raise _refuse("account", "expected an account")
    label = document.get("period")
    if type(label) is not str or len(label) != 7 or label[4] != "-" or not (label[:4] + label[5:]).isdigit():
        raise _refuse("period", "expected YYYY-MM")
    year, month = int(label[:4]), int(label[5:])
    if not 1 <= month <= 12 or not 2026 <= year <= 9000:
        raise _refuse("period", "expected a month from 2026-01 to 9000-12")
    days = calendar.monthrange(year, month)[1]
    edition = document.get("edition")
    if edition not in SEAT_PRICE:
        raise _refuse("edition", "unknown edition")
    usage = document.get("usage") or {}
    if type(usage) is not dict or not usage.keys() <= {"seats", "api_calls"} or document.get("addons"):
        raise _refuse("usage", "unknown meter or add-on")
    if "seats" not in usage or "api_calls" not in usage:
        raise _refuse("usage", "missing meter")
    seats = _count(usage["seats"], "usage.seats", 100_000, days, False)
    calls = _count(usage["api_calls"], "usage.api_calls", 1_000_000_000, days, True)
    # the charges
    seat_price = SEAT_PRICE[edition]
    quantity = Decimal(seats)
    lines = [InvoiceLine("seats", "Seats", quantity, "seats", seat_price, _cents(CONTEXT.multiply(quantity, seat_price)), _src(40))]
    blocks = Decimal(-(-max(0, calls - INCLUDED_CALLS) // 1000))  # started blocks of 1,000 above the included calls
    words = "API calls above 100,000, per started 1,000"
    lines.append(InvoiceLine("api_calls", words, blocks, "thousand calls", CALL_PRICE, _cents(blocks * CALL_PRICE), _src(49)))
    subtotal = lines[0].amount + lines[1].amount
    # the coupon, for three months from its redemption
    coupons = document.get("coupons")
    if coupons is not None:
        if type(coupons) is not list or len(coupons) != 1 or type(coupons[0]) is not dict or coupons[0].keys() != {"code", "redeemed_on"}:
            raise _refuse("coupons", "expected one coupon")
        if coupons[0]["code"] != "WELCOME20":
            raise _refuse("coupons[0].code", "unknown coupon code")
        redeemed = _day(coupons[0]["redeemed_on"], "coupons[0].redeemed_on")
        index = (year - redeemed.year) * 12 + month - redeemed.month
        if 0 <= index < COUPON_PERIODS and subtotal > ZERO:
            off = min(_cents(CONTEXT.divide(subtotal * 20, HUNDRED)), subtotal)
            words = f"Coupon WELCOME20 (20 % off, period {index + 1} of {COUPON_PERIODS})"
            lines.append(InvoiceLine("welcome20", words, ONE, "", None, -off, _src(61)))
            subtotal -= off
    # the minimum commitment
    if subtotal < MINIMUM:
        true_up = _cents(MINIMUM - subtotal)
        lines.append(InvoiceLine("minimum", "Minimum commitment true-up", ONE, "", None, true_up, _src(67)))
        subtotal += true_up
    # sales tax by region, rounded on its own
    region = document.get("tax_region")
    if region is not None and (type(region) is not str or not 0 < len(region) <= 100):
        raise _refuse("tax_region", "expected a region name")
    tax_rate = RATES.get(region, DEFAULT_RATE) if region is not None else DEFAULT_RATE
    where = region if region in RATES else f"{region or 'no region'}, the default rate"
    tax = _cents(CONTEXT.divide(CONTEXT.multiply(subtotal, tax_rate), HUNDRED))
    lines.append(InvoiceLine("sales_tax", f"Sales tax ({text(tax_rate)} %, {where})", ONE, "", None, tax, _src(71)))
    total = subtotal + tax
    # prepaid credits pay after tax
    credits = document.get("credits")
    if credits is None:
        paid = Payment((), total, None)
    else:
        if type(credits) is not dict or not credits.keys() <= {"balance", "expires_on"} or "balance" not in credits:
            raise _refuse("credits", "expected {balance, expires_on}")
        balance = credits["balance"]
        if type(balance) not in (int, Decimal) or balance < 0:
            raise _refuse("credits.balance", "expected an amount")
        balance = Decimal(balance)
        expires = credits.get("expires_on")
        if expires is not None and _day(expires, "credits.expires_on") < dt.date(year, month, 1):
            words = f"Prepaid credit: the balance of {text(balance)} expired on {expires}"
            paid = Payment((InvoiceLine("prepaid", words, ONE, "", None, NO_CREDIT, _src(81)),), total - NO_CREDIT, NO_CREDIT)
        else:
            used = min(balance, max(total, ZERO))
            paid = Payment((InvoiceLine("prepaid", "Prepaid credit", ONE, "", None, -used, _src(81)),), total - used, balance - used)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    window = Settlement("postpaid", following.isoformat(), (following + dt.timedelta(days=2)).isoformat())
    return Invoice(account, label, edition, "USD", REF, tuple(lines), total, window, payment=paid)


NO_CREDIT = Decimal("0.00")
REGIONS = ("NY-NYC", "CA-SF", "TX-AUS", "WA-SEA", "OR-PDX", None)


def documents(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """`count` usage documents for saas-terms; the same arguments always give the same documents."""
    rng = random.Random(seed)
    for index in range(count):
        month = rng.randint(1, 12)
        period = f"2026-{month:02d}"
        calls: Any = rng.choice((0, 50_000, rng.randint(0, 3_000_000)))
        if rng.random() < 0.25:  # a daily series of a sum meter has every day of the month
            calls = [rng.randint(0, 100_000) for _ in range(calendar.monthrange(2026, month)[1])]
        document: dict[str, Any] = {
            "tariff": "saas-terms",
            "account": f"acct-{index}",
            "period": period,
            "edition": rng.choice(("team", "team", "business")),
            "usage": {"seats": rng.randint(0, 40), "api_calls": calls},
        }
        region = rng.choice(REGIONS)
        if region is not None:
            document["tax_region"] = region
        if rng.random() < 0.5:
            document["coupons"] = [{"code": "WELCOME20", "redeemed_on": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}]
        if rng.random() < 0.3:
            credits: dict[str, Any] = {"balance": Decimal(rng.randint(0, 50_000)) / 100}
            if rng.random() < 0.5:
                credits["expires_on"] = f"2026-{rng.randint(1, 12):02d}-28"
            document["credits"] = credits
        yield document
