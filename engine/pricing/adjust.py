"""Commercial terms: the usage's currency, coupons, tax region, credits and the subscription's start (`timeline.start`),
checked against a version; then the stages around the charges.

- `in_currency`: the version priced in the currency the usage picks (a price book);
- `read_terms`: the commercial keys of a usage document, checked, every problem with its JSON path;
- `draw_allowances`: the shared pools, drawn from the meter values before the charges price;
- `apply_adjustments`: the tariff's adjustments in their declared order, after the charges.

The general path (`evaluate`) and the fast path (`fastpath`) both call these, so both give the
same invoice. A version without adjustments, and a document without these keys, skip them all.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.core.errors import Diagnostic, UsageError, did_you_mean
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, text
from engine.core.values import a_kind, shown
from engine.language import model as m
from engine.language.adjustments import CreditUse, Ledger, Step, Terms
from engine.language.adjustments.base import Working
from engine.language.charges import PricingInput
from engine.pricing.invoice import InvoiceLine
from engine.pricing.usage import COMMERCIAL_KEYS as COMMERCIAL_KEYS
from engine.pricing.usage import Envelope

if TYPE_CHECKING:
    from engine.language.adjustments import CouponAdjustment, TaxAdjustment

MAX_COUPONS = 20
MAX_BALANCE_DIGITS = 30
_TERMS = tuple(key for key in COMMERCIAL_KEYS if key != "currency")  # the currency is picked with the version


class Adjusted(NamedTuple):
    """The lines after the adjustments, and what a prepaid balance paid."""

    lines: list[InvoiceLine]
    credit: CreditUse | None
    steps: list[Step]


def in_currency(version: m.TariffVersion, envelope: Envelope) -> m.TariffVersion:
    """The version in the usage's `currency` (its own when none is given); refuses a currency it has no prices in."""
    wanted = envelope.document.get("currency")
    if wanted is None or wanted == version.currency:
        return version
    found = version.books.get(wanted) if isinstance(wanted, str) else None
    if found is None:
        message = f"{shown(wanted) or a_kind(wanted)} is not a currency of {version.file} (currencies: {', '.join(version.currencies)})"
        hint = did_you_mean(wanted, version.currencies) if isinstance(wanted, str) else None
        raise UsageError([Diagnostic(message=message, rule="currency", path="currency", hint=hint)])
    return found


class TermsReader:
    """What a version takes of a document's commercial keys, worked out once (the fast path keeps one)."""

    def __init__(self, version: m.TariffVersion) -> None:
        adjustments = version.adjustments
        self.file = version.file
        self.active = bool(adjustments)
        self.coupons: dict[str, CouponAdjustment] = {}
        self.taxes: tuple[TaxAdjustment, ...] = ()
        self.credits = False
        self.needs_start: tuple[str, ...] = ()
        if adjustments:  # the kinds' modules are loaded only for a tariff that has adjustments
            from engine.language.adjustments import CouponAdjustment, CreditAdjustment, DiscountAdjustment, TaxAdjustment

            self.coupons = {a.code: a for a in adjustments if isinstance(a, CouponAdjustment)}
            self.taxes = tuple(a for a in adjustments if isinstance(a, TaxAdjustment))
            self.credits = any(isinstance(a, CreditAdjustment) for a in adjustments)
            self.needs_start = tuple(a.id for a in adjustments if isinstance(a, DiscountAdjustment) and a.first_periods is not None)

    def read(self, envelope: Envelope, edition: str) -> Terms | None:
        """The document's commercial terms, or None when neither it nor the version has any; raises `UsageError`."""
        document = envelope.document
        if not self.active and not any(key in document for key in _TERMS):
            return None
        problems: list[Diagnostic] = []
        coupons = _coupons(self.coupons, document.get("coupons"), edition, problems)
        region = _region(self.taxes, self.file, document, problems)
        balance, expires = _credits(document.get("credits"), self.credits, problems)
        start = _start(self.needs_start, document.get("timeline"), problems)
        if problems:
            raise UsageError(problems)
        return Terms(envelope.period, edition, coupons, region, balance, expires, start)


def read_terms(version: m.TariffVersion, envelope: Envelope, edition: str) -> Terms | None:
    """The document's commercial terms for `version`, or None when neither has any; raises `UsageError`."""
    return TermsReader(version).read(envelope, edition)


def draw_allowances(version: m.TariffVersion, checked: PricingInput) -> tuple[PricingInput, list[InvoiceLine]]:
    """The meter values after the shared pools, and one line per meter saying what it drew."""
    if not version.allowances:
        return checked, []
    values = checked.values
    lines = []
    zero = version.rounding.round(ZERO)
    for pool in version.allowances:
        values, drawn = pool.draw(values)
        for meter, before, take in drawn:
            unit = pool.unit or version.meters[meter].unit
            lines.append(InvoiceLine(f"{pool.id}_{meter}", pool.wording(meter, before, take), take, unit, None, zero, pool.source))
    return checked._replace(values=values), lines


def charge_of(line_id: str) -> str:
    """The charge a line bills: `plan` for `plan`, the part `plan@2026-12-21` and the credit `plan.credit`."""
    return line_id.split("@", 1)[0].removesuffix(".credit")


def apply_adjustments(version: m.TariffVersion, lines: list[InvoiceLine], terms: Terms) -> Adjusted:
    """The adjustments in the declared order over `lines`; each adds at most one line."""
    saved = decimal.getcontext()
    decimal.setcontext(PRICING_CONTEXT)  # exact, or refused: never rounded by accident (the pinned context itself, not a copy)
    try:
        ledger = Ledger([(charge_of(line.id), line.amount) for line in lines], terms, version.rounding)
        for adjustment in version.adjustments:
            adjustment.apply(ledger)
    finally:
        decimal.setcontext(saved)
    added = [InvoiceLine(s.id, s.description, ONE, "", None, s.amount, s.source) for s in ledger.added]
    return Adjusted([*lines, *added], ledger.credit, ledger.added)


# -- reading the document ---------------------------------------------------------------------


def _problem(path: str, message: str, rule: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(message=message, rule=rule, path=path, hint=hint)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            return None
    return None


def _coupons(offered: Mapping[str, CouponAdjustment], raw: Any, edition: str, problems: list[Diagnostic]) -> dict[str, dt.date]:
    if raw is None:
        return {}
    if not isinstance(raw, list) or len(raw) > MAX_COUPONS:
        problems.append(_problem("coupons", f"expected a list of up to {MAX_COUPONS} {{code, redeemed_on}}, got {a_kind(raw)}", "coupon"))
        return {}
    found: dict[str, dt.date] = {}
    for index, item in enumerate(raw):
        path = f"coupons[{index}]"
        if not isinstance(item, Mapping) or set(item) != {"code", "redeemed_on"}:
            problems.append(_problem(path, "expected {code: CODE, redeemed_on: YYYY-MM-DD}", "coupon"))
            continue
        code, day = item["code"], _date(item["redeemed_on"])
        if not isinstance(code, str) or len(code) > 100:
            problems.append(
                _problem(f"{path}.code", f"expected a coupon code as text of up to 100 characters, got {a_kind(code)}", "coupon")
            )
            continue
        coupon = offered.get(code)
        if coupon is None:
            codes = ", ".join(offered) or "none"
            problems.append(
                _problem(f"{path}.code", f"unknown coupon code {shown(code)} (codes: {codes})", "coupon", did_you_mean(code, offered))
            )
            continue
        if day is None:
            problems.append(_problem(f"{path}.redeemed_on", f"expected a date YYYY-MM-DD, got {shown(item['redeemed_on'])}", "coupon"))
            continue
        why = coupon.refuses(edition, day)
        if why is None and code in found:
            why = f"coupon {code} is redeemed twice"
        if why is not None:
            problems.append(_problem(f"{path}.code", why, "coupon"))
            continue
        found[code] = day
    if len(found) > 1:
        for index, code in enumerate(found):
            if not offered[code].stacks:
                others = ", ".join(c for c in found if c != code)
                problems.append(_problem(f"coupons[{index}].code", f"coupon {code} does not stack with other coupons ({others})", "coupon"))
    return found


def _region(taxes: tuple[TaxAdjustment, ...], file: str, document: Mapping[str, Any], problems: list[Diagnostic]) -> str | None:
    region = document.get("tax_region")
    if region is not None and not (isinstance(region, str) and 0 < len(region) <= 100):
        problems.append(_problem("tax_region", f"expected a region name of 1 to 100 characters, got {a_kind(region)}", "tax"))
        return None
    if not taxes:
        if region is not None:
            problems.append(_problem("tax_region", f"{file} charges no tax: leave tax_region out", "tax"))
        return None
    for tax in taxes:
        why = tax.refuses(region)
        if why is not None:
            problems.append(_problem("tax_region", why, "tax"))
            break
    return region


def _credits(raw: Any, taken: bool, problems: list[Diagnostic]) -> tuple[Decimal | None, dt.date | None]:
    if raw is None:
        return None, None
    if not taken:
        problems.append(_problem("credits", "this tariff takes no prepaid credits: leave credits out", "credit"))
        return None, None
    if not isinstance(raw, Mapping) or not set(raw) <= {"balance", "expires_on"} or "balance" not in raw:
        problems.append(_problem("credits", "expected {balance: AMOUNT, expires_on: YYYY-MM-DD}", "credit"))
        return None, None
    balance = raw["balance"]
    if isinstance(balance, bool) or not isinstance(balance, int | Decimal) or not Decimal(balance).is_finite() or balance < 0:
        problems.append(_problem("credits.balance", f"expected an amount ≥ 0, got {shown(balance) or a_kind(balance)}", "credit"))
        return None, None
    if Decimal(balance).adjusted() >= MAX_BALANCE_DIGITS:
        problems.append(
            _problem(
                "credits.balance",
                f"{shown(balance)} is too large: a balance has at most {MAX_BALANCE_DIGITS} digits before the point",
                "credit",
            )
        )
        return None, None
    expires = None
    if raw.get("expires_on") is not None:
        expires = _date(raw["expires_on"])
        if expires is None:
            problems.append(_problem("credits.expires_on", f"expected a date YYYY-MM-DD, got {shown(raw['expires_on'])}", "credit"))
    return Decimal(balance), expires


def _start(needs: tuple[str, ...], timeline: Any, problems: list[Diagnostic]) -> dt.date | None:
    """The subscription's start (`timeline.start`, read and checked with the timeline), when a discount counts from it."""
    raw = timeline.get("start") if isinstance(timeline, Mapping) else None
    if raw is None:
        if needs:
            message = f"missing: timeline.start, from which discount {needs[0]} counts its periods"
            problems.append(_problem("timeline.start", message, "usage-missing", "give timeline: {start: YYYY-MM-DD}"))
        return None
    start = _date(raw)
    if start is None:
        problems.append(_problem("timeline.start", f"expected a date YYYY-MM-DD, got {shown(raw)}", "usage-type"))
    return start


def explained(version: m.TariffVersion, envelope: Envelope, checked: PricingInput, lines: tuple[InvoiceLine, ...]) -> list[Step]:
    """How each line the pools and the adjustments added was worked out, for `explain` (the same arithmetic again)."""
    found = []
    for pool in version.allowances:
        for meter in pool.meters:
            line = next((line for line in lines if line.id == f"{pool.id}_{meter}"), None)
            if line is not None:
                found.append(
                    Step(line.id, line.description, line.amount, line.source, _worded(meter, pool.id, line), quantity=line.quantity)
                )
    terms = read_terms(version, envelope, checked.edition)
    if terms is None:
        return found
    added = {adjustment.id for adjustment in version.adjustments}
    charged = [line for line in lines if line.id not in added and line.id != "rounding"]
    return found + apply_adjustments(version, charged, terms).steps


def _worded(meter: str, pool: str, line: InvoiceLine) -> Callable[[], Working]:
    return lambda: (f"min({meter}, what is left of {pool})", (text(line.quantity),))
