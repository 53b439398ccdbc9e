"""Properties of the commercial terms, under hypothesis (bounded by the profile in conftest.py).

- a discount never makes the net amount of what it applies to negative, and never raises it;
- a cap never raises the total, a minimum never lowers it;
- with a zero balance, credits change nothing;
- the fast path gives the general path's invoice for documents with terms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from conftest import FIXTURES, price
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.core.money import Rounding
from engine.core.periods import Period
from engine.language.adjustments import DiscountAdjustment, Ledger, MaximumAdjustment, MinimumAdjustment, Terms
from engine.pricing.evaluate import price as general_price
from engine.pricing.fastpath import fast_plan, quick_envelope
from engine.pricing.quote import select_version
from engine.pricing.usage import check_usage, read_envelope

COMMERCIAL = FIXTURES / "commercial"
COUPON_TAX = engine.load_tariff(COMMERCIAL / "coupon-tax")
CAP = engine.load_tariff(COMMERCIAL / "usage-cap")
MINIMUM = engine.load_tariff(COMMERCIAL / "minimum-commitment")
TERMS = Terms(
    period=Period("2026-09", dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
    edition="e",
    coupons={},
    tax_region=None,
    balance=None,
    balance_expires=None,
    subscription_start=None,
)
CHARGES = ("a", "b", "c")
cents = st.integers(min_value=-50_000, max_value=500_000).map(lambda n: Decimal(n).scaleb(-2))
lines = st.lists(st.tuples(st.sampled_from(CHARGES), cents), max_size=6)
scopes = st.one_of(st.none(), st.frozensets(st.sampled_from(CHARGES), min_size=1))
roundings = st.sampled_from([Rounding(2, "half_up", "per_line"), Rounding(2, "half_even", "total"), Rounding(0, "up", "per_line")])


def discount(scope: frozenset[str] | None, percent: Decimal | None, amount: Decimal | None) -> DiscountAdjustment:
    return DiscountAdjustment("off", "Discount", "x.yaml:1", scope, "scope", percent, amount, None, None, None)


@given(
    lines,
    scopes,
    roundings,
    st.one_of(
        st.tuples(st.integers(1, 10_000).map(lambda n: Decimal(n).scaleb(-2)), st.none()),
        st.tuples(st.none(), st.integers(1, 10**7).map(lambda n: Decimal(n).scaleb(-2))),
    ),
)
def test_a_discount_never_makes_what_it_applies_to_negative(charges, scope, rounding, value):
    ledger = Ledger(list(charges), TERMS, rounding)
    before = ledger.base(scope)
    discount(scope, *value).apply(ledger)
    after = ledger.base(scope)
    assert after <= before
    assert after >= min(before, Decimal(0))  # never below zero when it started at or above zero


@given(lines, scopes, roundings, st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-2)))
def test_a_cap_never_raises_and_a_minimum_never_lowers_the_total(charges, scope, rounding, amount):
    capped = Ledger(list(charges), TERMS, rounding)
    before = capped.total
    MaximumAdjustment("cap", "Cap", "x.yaml:1", scope, "scope", amount).apply(capped)
    assert capped.total <= before
    floored = Ledger(list(charges), TERMS, rounding)
    MinimumAdjustment("minimum", "Minimum", "x.yaml:1", scope, "scope", amount).apply(floored)
    assert floored.total >= before


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_through_the_engine_a_cap_never_raises_the_total(hours, gigabytes):
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"compute_hours": hours, "transfer_gb": gigabytes}}
    invoice = price(CAP, usage)
    uncapped = sum((line.amount for line in invoice.lines if line.id != "maximum"), Decimal(0))
    assert invoice.total <= uncapped
    assert sum((line.amount for line in invoice.lines if line.id in ("compute", "transfer", "maximum")), Decimal(0)) <= Decimal("500.00")


@given(st.integers(0, 10**6))
def test_through_the_engine_a_minimum_never_lowers_the_total(requests):
    invoice = price(MINIMUM, {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"requests": requests}})
    assert invoice.total >= invoice.lines[0].amount
    assert invoice.total >= Decimal("100.00")


def seats_document(seats: int, month: int, coupon_month: int | None, region: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"account": "a", "period": f"2026-{month:02d}", "edition": "team", "usage": {"seats": seats}}
    if coupon_month is not None:
        document["coupons"] = [{"code": "WELCOME20", "redeemed_on": f"2026-{coupon_month:02d}-15"}]
    if region is not None:
        document["tax_region"] = region
    return document


documents = st.builds(
    seats_document,
    st.integers(0, 100_000),
    st.integers(1, 12),
    st.one_of(st.none(), st.integers(1, 12)),
    st.sampled_from([None, "NY-NYC", "NY-ALB", "CA-SF"]),
)


@given(documents)
def test_with_a_zero_balance_credits_change_nothing(document):
    without = price(COUPON_TAX, document)
    with_zero = price(COUPON_TAX, {**document, "credits": {"balance": 0}})
    assert (with_zero.lines, with_zero.total) == (without.lines, without.total)
    found = with_zero.to_dict()
    assert (found["amount_due"], found["credit_balance_remaining"]) == (str(without.total), "0")
    assert [credit["amount"] for credit in found["credits"]] == ["0"]


@given(documents)
def test_through_the_engine_a_coupon_never_makes_the_seats_negative(document):
    invoice = price(COUPON_TAX, document)
    assert sum((line.amount for line in invoice.lines if line.id in ("seats", "welcome20")), Decimal(0)) >= 0


@given(documents, st.one_of(st.none(), st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-2))))
def test_the_fast_path_gives_the_general_paths_invoice_with_terms(document, balance):
    if balance is not None:
        document = {**document, "credits": {"balance": balance}}
    envelope = read_envelope(document)
    version = select_version(COUPON_TAX, envelope)
    general = general_price(version, envelope, check_usage(envelope, version)).to_json()
    rater = fast_plan(version, version.plans["team"])
    quick = quick_envelope(document)
    assert rater is not None and quick is not None
    fast = rater.invoice(quick)
    assert fast is not None  # the fast path took it, adjustments and all
    assert fast.to_json() == general == engine.quote(COUPON_TAX, document).to_json()
