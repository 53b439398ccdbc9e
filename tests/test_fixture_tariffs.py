"""Tariffs of other shapes, priced with no code written for them (totals by hand)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import FIXTURES, price

import engine


@pytest.fixture(scope="module")
def chat() -> engine.Tariff:
    return engine.load_tariff(FIXTURES / "chat-platform")


@pytest.fixture(scope="module")
def sms() -> engine.Tariff:
    return engine.load_tariff(FIXTURES / "sms-gateway")


def chat_usage(edition: str, dau: Any, storage: Any = "0") -> dict[str, Any]:
    return {"account": "acme", "period": "2026-02", "edition": edition, "usage": {"dau": dau, "storage_gb": Decimal(storage)}}


# DAU-range fee table: ≤1,000: 0; ≤10,000: 99; ≤50,000: 349; above: 349 + 60 per started 10,000 over 50,000.
@pytest.mark.parametrize(
    ("dau", "fee"),
    [
        (0, "0"),
        (1000, "0"),
        (1001, "99.00"),
        (10000, "99.00"),
        (32000, "349.00"),
        (50000, "349.00"),
        (50001, "409.00"),  # 349 + 1 × 60
        (60000, "409.00"),
        (120000, "769.00"),  # 349 + ceil(70,000 / 10,000) = 7 × 60 = 420
    ],
)
def test_dau_range_table_with_open_top_range(chat, dau, fee):
    invoice = price(chat, chat_usage("standard", dau))
    assert invoice.lines[0].amount == Decimal(fee)
    assert invoice.total == Decimal(fee).quantize(Decimal("0.01"))


def test_total_rounding_half_even_and_edition_attribute_in_expression(chat):
    # storage: last of the series = 60.02 GB; standard includes 50 → 10.02 × 0.25 = 2.505
    # total 349.00 + 2.505 = 351.505 → half-even to cents → 351.50 (half-up would give 351.51)
    invoice = price(chat, {**chat_usage("standard", 32000), "usage": {"dau": 32000, "storage_gb": [Decimal("10.5"), Decimal("60.02")]}})
    assert [(line.id, line.quantity, line.amount) for line in invoice.lines] == [
        ("platform_fee", Decimal(32000), Decimal("349.00")),
        ("storage", Decimal("10.02"), Decimal("2.5050")),
        ("rounding", Decimal(1), Decimal("-0.0050")),
    ]
    assert invoice.lines[-1].description == "Rounding of the total (half_even to 2 decimals)"
    assert invoice.lines[-1].source == "chat-platform/2024-01-01.yaml:14"
    assert invoice.total == Decimal("351.50")


def test_enterprise_includes_more_storage_and_support(chat):
    # 600 GB − 500 included = 100 × 0.25 = 25.00; fee 99.00 (DAU 5,000); support 500.00 → 624.00
    invoice = price(chat, chat_usage("enterprise", 5000, "600"))
    assert invoice.total == Decimal("624.00")
    assert invoice.to_dict()["settlement"] == {"mode": "postpaid", "deduct_from": "2026-03-05", "deduct_until": "2026-03-10"}


def sms_usage(edition: str, sms: Any, **addons: Any) -> dict[str, Any]:
    return {"account": 42, "period": "2026-03", "edition": edition, "usage": {"sms": sms}, "addons": addons}


# Graduated: first 10,000 at 0.0075, next 90,000 at 0.0060, the rest at 0.0045.
@pytest.mark.parametrize(
    ("sms_count", "amount"),
    [
        (1, "0.01"),  # 0.0075 → 0.01 half-up
        (10000, "75.00"),
        (12345, "89.07"),  # 75.00 + 2,345 × 0.006 = 75.00 + 14.07
        (100000, "615.00"),  # 75 + 540
        (250000, "1290.00"),  # 75 + 540 + 150,000 × 0.0045 = 675
    ],
)
def test_graduated_per_unit_list(sms, sms_count, amount):
    invoice = price(sms, sms_usage("business", sms_count))
    assert invoice.lines[1].id == "messages"
    assert invoice.lines[1].amount == Decimal(amount)
    assert invoice.total == Decimal("25.00") + Decimal(amount)


def test_when_condition_adds_the_low_volume_fee_only_below_1000(sms):
    # 500 × 0.0075 = 3.75, plus the 5.00 low-volume fee
    assert price(sms, sms_usage("payg", 500)).total == Decimal("8.75")
    # daily series summed: 600 + 400 = 1,000 → not below 1,000 → 7.50 only
    invoice = price(sms, sms_usage("payg", [600, 400]))
    assert [line.id for line in invoice.lines] == ["messages"]
    assert invoice.total == Decimal("7.50")


def test_named_choice_and_trial_with_a_published_price_after(sms):
    # 25.00 + 1,290.00 + dedicated sender 1,000.00 + priority routing after its
    # 30-day trial (Jan 15 + 29 days = Feb 13, before March) 49.00 = 2,364.00
    invoice = price(sms, sms_usage("business", [100000, 150000], sender="dedicated", priority_routing={"activated_on": "2026-01-15"}))
    assert invoice.total == Decimal("2364.00")
    assert invoice.lines[2].description == "Sender type: dedicated"
    # still inside the trial in February → 0.00
    february = price(sms, {**sms_usage("business", 1, priority_routing={"activated_on": "2026-01-15"}), "period": "2026-02"})
    assert february.lines[-1].amount == Decimal("0.00")


def test_named_choice_not_offered(sms):
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(sms, sms_usage("business", 1, sender="vanity"))
    assert str(caught.value) == "addons.sender: error: 'vanity' is not offered on business (offered: 'shared', 'dedicated') [option]"
