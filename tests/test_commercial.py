"""Commercial terms: the six worked examples, priced by the engine and checked against the hand arithmetic."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, price

import engine
from engine.cli import main

COMMERCIAL = FIXTURES / "commercial"


def tariff(name: str) -> engine.Tariff:
    return engine.load_tariff(COMMERCIAL / name)


def amounts(invoice: engine.Invoice) -> list[tuple[str, str]]:
    return [(line.id, str(line.amount)) for line in invoice.lines]


def seats(period: str, **terms: Any) -> dict[str, Any]:
    return {"account": "acme", "period": period, "edition": "team", "usage": {"seats": 7}, "tax_region": "NY-NYC", **terms}


WELCOME = [{"code": "WELCOME20", "redeemed_on": "2026-09-01"}]


# -- 1. coupon and tax --------------------------------------------------------------------------


def test_coupon_then_tax_in_the_coupons_first_month():
    invoice = price(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME))
    # 7 × 10.00 = 70.00; 20 % of 70.00 = 14.00; (70.00 - 14.00) × 8.875 % = 56.00 × 0.08875 = 4.97 exactly
    assert amounts(invoice) == [("seats", "70.00"), ("welcome20", "-14.00"), ("sales_tax", "4.97")]
    assert invoice.total == Decimal("60.97")  # 70.00 - 14.00 + 4.97
    assert invoice.lines[1].description == "Coupon WELCOME20 (20 % off, period 1 of 3)"
    assert invoice.lines[1].source == "coupon-tax/2026-01-01.yaml:42"
    assert invoice.lines[2].description == "Sales tax (8.875 %, NY-NYC)"


@pytest.mark.parametrize(("period", "total"), [("2026-10", "60.97"), ("2026-11", "60.97"), ("2026-12", "76.21"), ("2026-08", "76.21")])
def test_the_coupon_runs_three_periods_from_its_redemption(period, total):
    # in the coupon's periods: 60.97 as above; outside them: 70.00 + 70.00 × 0.08875 = 6.2125 → 6.21, 76.21
    invoice = price(tariff("coupon-tax"), seats(period, coupons=WELCOME))
    assert invoice.total == Decimal(total)


def test_once_the_coupon_has_ended_only_the_tax_is_added():
    invoice = price(tariff("coupon-tax"), seats("2026-12", coupons=WELCOME))
    assert amounts(invoice) == [("seats", "70.00"), ("sales_tax", "6.21")]  # 70.00 × 0.08875 = 6.2125 → 6.21 half up


def test_the_invoice_says_what_is_due_without_credits():
    invoice = price(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME))
    assert invoice.to_dict()["amount_due"] == "60.97"
    assert invoice.to_dict()["credit_balance_remaining"] is None
    assert invoice.to_dict()["credits"] == []


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (
            {"coupons": [{"code": "WELCOME30", "redeemed_on": "2026-09-01"}]},
            "coupons[0].code: unknown coupon code 'WELCOME30' (codes: WELCOME20)",
        ),
        (
            {"coupons": [{"code": "WELCOME20", "redeemed_on": "2026-9-1"}]},
            "coupons[0].redeemed_on: expected a date YYYY-MM-DD, got '2026-9-1'",
        ),
        ({"credits": {"balance": "50"}}, "credits.balance: expected an amount ≥ 0, got '50'"),
        (
            {"credits": {"balance": 10**40}},
            "credits.balance: 10000000000000000000… (41 digits) is too large: a balance has at most 30 digits before the point",
        ),
        (
            {"coupons": [{"code": ["x"], "redeemed_on": "2026-09-01"}]},
            "coupons[0].code: expected a coupon code as text of up to 100 characters, got a list",
        ),
        ({"coupons": "WELCOME20"}, "coupons: expected a list of up to 20 {code, redeemed_on}, got text"),
        ({"tax_region": "x" * 101}, "tax_region: expected a region name of 1 to 100 characters, got text"),
        ({"currency": "EUR"}, "currency: 'EUR' is not a currency of coupon-tax/2026-01-01.yaml (currencies: USD)"),
    ],
)
def test_terms_the_tariff_cannot_take_are_refused_saying_why(terms, message):
    with pytest.raises(engine.UsageError) as refused:
        engine.quote(tariff("coupon-tax"), seats("2026-09", **terms))
    assert [f"{d.where}: {d.message}" for d in refused.value.diagnostics] == [message]


def copy_of_coupon_tax(tmp_path: Path, *edits: tuple[str, str]) -> engine.Tariff:
    text = (COMMERCIAL / "coupon-tax" / "2026-01-01.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    directory = tmp_path / "coupon-tax"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(text, encoding="utf-8")
    with contextlib.chdir(tmp_path):  # given as `coupon-tax`, its diagnostics name coupon-tax/2026-01-01.yaml
        return engine.load_tariff("coupon-tax")


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("CA-SF", "tax_region: unknown tax region 'CA-SF' for tax sales_tax (regions: NY-NYC, NY-ALB)"),
        (None, "tax_region: missing: the tax region, which tax sales_tax needs (regions: NY-NYC, NY-ALB)"),
    ],
)
def test_without_a_default_rate_a_region_outside_the_table_is_refused(tmp_path, region, message):
    strict = copy_of_coupon_tax(tmp_path, ("    default_rate: 0\n", ""))
    with pytest.raises(engine.UsageError) as refused:
        engine.quote(strict, seats("2026-09", tax_region=region))
    assert [f"{d.where}: {d.message}" for d in refused.value.diagnostics] == [message]


def test_a_region_outside_the_table_pays_the_default_rate():
    invoice = price(tariff("coupon-tax"), seats("2026-09", tax_region="CA-SF"))
    assert amounts(invoice) == [("seats", "70.00"), ("sales_tax", "0.00")]  # 70.00 × 0 %
    assert invoice.lines[1].description == "Sales tax (0 %, CA-SF, the default rate)"


def test_a_coupon_past_its_redemption_date_or_on_another_edition_is_refused(tmp_path):
    version = copy_of_coupon_tax(
        tmp_path,
        ("    periods: 3\n", "    periods: 3\n    redeemable_until: 2026-08-31\n    editions: [team]\n"),
        ("  team: {}\n", "  team: {}\n  solo: {}\n"),
        ("    editions: [team]\n\n# Applied", "    editions: [team, solo]\n\n# Applied"),
    )
    with pytest.raises(engine.UsageError) as late:
        engine.quote(version, seats("2026-09", coupons=WELCOME))
    assert [d.message for d in late.value.diagnostics] == [
        "coupon WELCOME20 expired: it could be redeemed until 2026-08-31, not on 2026-09-01"
    ]
    with pytest.raises(engine.UsageError) as elsewhere:
        engine.quote(version, {**seats("2026-09"), "edition": "solo", "coupons": [{"code": "WELCOME20", "redeemed_on": "2026-08-01"}]})
    assert [d.message for d in elsewhere.value.diagnostics] == ["coupon WELCOME20 does not apply to the solo edition (editions: team)"]


# -- 2. minimum commitment ----------------------------------------------------------------------


def test_a_minimum_commitment_trues_up_usage_below_it():
    invoice = price(tariff("minimum-commitment"), {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"requests": 6240}})
    # 6,240 × 0.01 = 62.40; 100.00 - 62.40 = 37.60
    assert amounts(invoice) == [("requests", "62.40"), ("minimum", "37.60")]
    assert invoice.total == Decimal("100.00")


def test_a_minimum_commitment_leaves_usage_above_it_alone():
    invoice = price(
        tariff("minimum-commitment"), {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"requests": 13000}}
    )
    assert amounts(invoice) == [("requests", "130.00")]  # 13,000 × 0.01
    assert invoice.total == Decimal("130.00")


# -- 3. cap -------------------------------------------------------------------------------------


def test_a_cap_takes_off_what_the_usage_charges_exceed():
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"compute_hours": 4123, "transfer_gb": 2000}}
    invoice = price(tariff("usage-cap"), usage)
    # usage 4,123 × 0.10 + 2,000 × 0.10 = 412.30 + 200.00 = 612.30; cap 500.00 - 612.30 = -112.30; the platform fee is not capped
    assert amounts(invoice) == [("platform", "50.00"), ("compute", "412.30"), ("transfer", "200.00"), ("maximum", "-112.30")]
    assert invoice.total == Decimal("550.00")


# -- 4. shared allowance ------------------------------------------------------------------------


def test_a_shared_pool_is_drawn_in_order_and_the_lines_say_how_much():
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"audio_minutes": 6000, "hd_minutes": 7500}}
    invoice = price(tariff("shared-allowance"), usage)
    # pool 10,000: audio 6,000 (all of it), HD 4,000 of 7,500; HD billed 3,500 / 1,000 × 3.99 = 13.965 → 13.97
    assert [(line.id, str(line.quantity), str(line.amount)) for line in invoice.lines] == [
        ("free_minutes_audio_minutes", "6000", "0.00"),
        ("free_minutes_hd_minutes", "4000", "0.00"),
        ("audio", "0", "0.00"),
        ("hd_video", "3.5", "13.97"),
    ]
    assert invoice.lines[1].description == "Free minutes: 4000 of 7500 hd_minutes free"
    assert invoice.total == Decimal("13.97")


# -- 5. prepaid credits -------------------------------------------------------------------------


def test_a_prepaid_balance_pays_after_tax_and_the_total_stays():
    invoice = price(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME, credits={"balance": Decimal("50.00")}))
    assert invoice.total == Decimal("60.97")  # what was charged, as in example 1
    found = invoice.to_dict()
    assert [(c["id"], c["amount"]) for c in found["credits"]] == [("prepaid", "-50.00")]  # min(50.00, 60.97)
    assert found["amount_due"] == "10.97"  # 60.97 - 50.00
    assert found["credit_balance_remaining"] == "0.00"  # 50.00 - 50.00


def test_a_balance_larger_than_the_invoice_keeps_the_rest():
    invoice = price(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME, credits={"balance": Decimal("100.00")}))
    found = invoice.to_dict()
    assert (found["credits"][0]["amount"], found["amount_due"], found["credit_balance_remaining"]) == ("-60.97", "0.00", "39.03")


def test_an_expired_balance_pays_nothing():
    terms = {"coupons": WELCOME, "credits": {"balance": Decimal("50.00"), "expires_on": "2026-08-31"}}
    found = price(tariff("coupon-tax"), seats("2026-09", **terms)).to_dict()
    assert (found["credits"][0]["amount"], found["amount_due"], found["credit_balance_remaining"]) == ("0.00", "60.97", "0.00")
    assert found["credits"][0]["description"] == "Prepaid credit: the balance of 50.00 expired on 2026-08-31"


# -- 6. price book ------------------------------------------------------------------------------


def test_the_usage_picks_the_currency_of_a_price_book():
    invoice = price(tariff("price-book"), {"account": "a", "period": "2026-03", "edition": "pro", "currency": "EUR"})
    assert (amounts(invoice), invoice.total, invoice.currency) == ([("plan", "419.00")], Decimal("419.00"), "EUR")
    usd = price(tariff("price-book"), {"account": "a", "period": "2026-03", "edition": "pro"})
    assert (usd.total, usd.currency) == (Decimal("449.99"), "USD")


def test_validate_names_the_charge_without_a_price_in_a_declared_currency(capsys, monkeypatch):
    monkeypatch.chdir(COMMERCIAL)  # a file is named as it is given
    assert main(["validate", "broken/price-book-missing.yaml"]) == 1
    assert capsys.readouterr().out == (
        "broken/price-book-missing.yaml:34:3: error: price_books.EUR: charge 'support' has no EUR price (price) [price-book-missing]\n"
        "hint: set it under price_books.EUR.charges.support\n"
        "checked 1 file: 1 error, 0 warnings\n"
    )


def test_validate_warns_about_tax_before_a_discount(capsys, monkeypatch):
    monkeypatch.chdir(COMMERCIAL)  # a file is named as it is given
    assert main(["validate", "broken/adjustment-order.yaml"]) == 0
    assert capsys.readouterr().out == (
        "broken/adjustment-order.yaml:39:3: warning: adjustments.sales_tax: the tax comes before coupon 'welcome20': "
        "the tax is computed before it changes the lines [adjustment-order]\n"
        "hint: the usual order is discounts and coupons, then minimums and caps, then taxes, then credits\n"
        "checked 1 file: 0 errors, 1 warning\n"
    )


# -- the golden scenarios -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["coupon-tax", "minimum-commitment", "usage-cap", "shared-allowance", "price-book"])
def test_the_golden_scenarios_pass(name, capsys):
    assert main(["test", str(COMMERCIAL / name)]) == 0
    assert "0 failed" in capsys.readouterr().out


def test_tariffs_without_terms_print_no_payment_fields(im):
    found = price(im, {"account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 100, "groups": 1}}).to_dict()
    assert not {"credits", "amount_due", "credit_balance_remaining"} & found.keys()


# -- bill runs ----------------------------------------------------------------------------------


def test_a_bill_run_totals_each_currency_of_a_price_book_apart(tmp_path, capsys):
    records = tmp_path / "usage.jsonl"
    lines = [
        '{"tariff": "price-book", "account": "a1", "period": "2026-03", "edition": "pro"}',
        '{"tariff": "price-book", "account": "a2", "period": "2026-03", "edition": "pro", "currency": "EUR"}',
        '{"tariff": "price-book", "account": "a3", "period": "2026-04", "edition": "pro", "currency": "EUR"}',
        '{"tariff": "price-book", "account": "a4", "period": "2026-04", "edition": "pro", "currency": "GBP"}',
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, rejects, summary = tmp_path / "invoices.jsonl", tmp_path / "rejects.jsonl", tmp_path / "summary.csv"
    code = main(
        [
            "bill-run",
            str(records),
            "--tariff",
            str(COMMERCIAL / "price-book"),
            "--out",
            str(out),
            "--rejects",
            str(rejects),
            "--summary",
            str(summary),
            "--workers",
            "1",
        ]
    )
    assert code == 0
    invoices = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(i["account"], i["currency"], i["total"]) for i in invoices] == [
        ("a1", "USD", "449.99"),
        ("a2", "EUR", "419.00"),
        ("a3", "EUR", "419.00"),
    ]
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 1  # GBP: no price book
    assert summary.read_text(encoding="utf-8").splitlines()[3:] == [
        "rejects,,,1,",
        "total,EUR,,2,838.00",  # 2 × 419.00
        "total,EUR,pro,2,838.00",
        "total,USD,,1,449.99",
        "total,USD,pro,1,449.99",
    ]


def test_a_bill_run_writes_what_a_balance_paid_as_quote_does(tmp_path):
    records = tmp_path / "usage.jsonl"
    document = {**seats("2026-09", coupons=WELCOME), "tariff": "coupon-tax", "credits": {"balance": "REPLACE"}}
    records.write_text(json.dumps(document).replace('"REPLACE"', "50.00") + "\n", encoding="utf-8")
    out = tmp_path / "invoices.jsonl"
    assert main(["bill-run", str(records), "--tariff", str(COMMERCIAL / "coupon-tax"), "--out", str(out), "--workers", "1"]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert (written["total"], written["amount_due"], written["credit_balance_remaining"]) == ("60.97", "10.97", "0.00")


# -- validate, explain, diff --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (
            [("  welcome20:\n    kind: coupon\n", "  welcome20:\n    kind: coupon\n    applies_to: {charges: [seat]}\n")],
            "coupon-tax/2026-01-01.yaml:44:28: error: adjustments.welcome20.applies_to: charge 'seat' does not exist (charges: seats) [unknown-charge]\nhint: did you mean 'seats'?",
        ),
        (
            [("  welcome20:\n    kind: coupon\n", "  welcome20:\n    kind: coupon\n    applies_to: {tags: [usage]}\n")],
            "coupon-tax/2026-01-01.yaml:44:25: error: adjustments.welcome20.applies_to: tag 'usage' is not declared (tags: none) [unknown-tag]",
        ),
        (
            [("    periods: 3\n", "    periods: 3\n    editions: [teams]\n")],
            "coupon-tax/2026-01-01.yaml:48:16: error: adjustments.welcome20.editions: edition 'teams' does not exist (editions: team) [unknown-edition]\nhint: did you mean 'team'?",
        ),
        (
            [("  welcome20:\n", "  seats:\n")],
            "coupon-tax/2026-01-01.yaml:42:3: error: adjustments.seats: 'seats' is also a charge; their invoice lines could not be told apart [name-clash]",
        ),
        (
            [("    percent: 20\n", "    percent: 20\n    amount: 5.00\n")],
            "coupon-tax/2026-01-01.yaml:42:3: error: adjustments.welcome20: write either 'percent' or 'amount', not both [adjustment-value]",
        ),
    ],
)
def test_validate_reports_broken_terms_at_their_place(tmp_path, edits, message):
    with pytest.raises(engine.TariffError) as broken:
        copy_of_coupon_tax(tmp_path, *edits)
    assert [str(d) for d in broken.value.diagnostics] == [message]


def test_explain_shows_the_arithmetic_of_each_adjustment():
    explanation = engine.explain(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME))
    assert [(line.id, line.text) for line in explanation.lines] == [
        ("seats", "seats × unit_price = 7 × 10.00 = 70.00"),
        ("welcome20", "-(subtotal × 20 %) = -(70.00 × 20 %) = -14.00"),
        ("sales_tax", "subtotal × 8.875 % (NY-NYC), rounded half_up to 2 decimals = 56.00 × 8.875 % = 4.97000 → 4.97"),
    ]


def test_explain_shows_what_each_meter_drew_from_a_pool():
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"audio_minutes": 6000, "hd_minutes": 7500}}
    explanation = engine.explain(tariff("shared-allowance"), usage)
    assert [(line.id, line.text) for line in explanation.lines] == [
        ("audio", "(audio_minutes / 1000) × unit_price = (0 / 1000) × 0.99 = 0 × 0.99 = 0.00"),  # the pool took all 6,000
        (
            "hd_video",
            "(hd_minutes / 1000) × unit_price = (3500 / 1000) × 3.99 = 3.5 × 3.99 = 13.965 → 13.97 (rounded half_up to 2 decimals)",
        ),  # 7,500 - 4,000
        ("free_minutes_audio_minutes", "min(audio_minutes, what is left of free_minutes) = 6000"),
        ("free_minutes_hd_minutes", "min(hd_minutes, what is left of free_minutes) = 4000"),
    ]


def test_the_diff_words_coupon_and_minimum_changes(capsys):
    assert main(["diff", str(COMMERCIAL / "coupon-tax" / "2026-01-01.yaml"), str(COMMERCIAL / "coupon-tax" / "2027-01-01.yaml")]) == 0
    assert "coupon-tax/2027-01-01.yaml:45: coupon WELCOME20: 20 % → 25 %\n" in capsys.readouterr().out
    minimum = COMMERCIAL / "minimum-commitment"
    assert main(["diff", str(minimum / "2026-01-01.yaml"), str(minimum / "2027-01-01.yaml")]) == 0
    assert "minimum-commitment/2027-01-01.yaml:43: minimum: 100.00 → 120.00 USD (+20.0 %)\n" in capsys.readouterr().out


def test_the_diff_reports_a_price_change_per_currency(tmp_path, capsys):
    old = COMMERCIAL / "price-book" / "2026-01-01.yaml"
    new = tmp_path / "price-book" / "2026-01-01.yaml"
    new.parent.mkdir()
    new.write_text(old.read_text(encoding="utf-8").replace("plan: {price: 419.00}", "plan: {price: 429.00}"), encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "price-book/2026-01-01.yaml:34: EUR / pro / plan / price: 419.00 → 429.00 EUR per month (+2.4 %)",  # 10 / 419 = 2.39 %
        "1 pricing change",
    ]


# -- the other constructs -----------------------------------------------------------------------

INTRO = (
    "  welcome20:\n",
    "  intro:\n    kind: discount\n    description: Introductory price\n    percent: 50\n    first_periods: 2\n  welcome20:\n",
)


@pytest.mark.parametrize(("period", "amounts_due"), [("2026-07", ["-35.00"]), ("2026-08", ["-35.00"]), ("2026-09", [])])
def test_an_intro_discount_runs_the_first_periods_from_the_subscriptions_start(tmp_path, period, amounts_due):
    version = copy_of_coupon_tax(tmp_path, INTRO)
    invoice = price(version, seats(period, tax_region="CA-SF", timeline={"start": "2026-07-20"}))
    # 7 × 10.00 = 70.00; 50 % off in 2026-07 and 2026-08 (the start's month is the first): -35.00
    assert [line.amount for line in invoice.lines if line.id == "intro"] == [Decimal(a) for a in amounts_due]


def test_an_intro_discount_needs_the_subscriptions_start(tmp_path):
    version = copy_of_coupon_tax(tmp_path, INTRO)
    with pytest.raises(engine.UsageError) as refused:
        engine.quote(version, seats("2026-07"))
    assert [f"{d.where}: {d.message}" for d in refused.value.diagnostics] == [
        "timeline.start: missing: timeline.start, from which discount intro counts its periods"
    ]


def test_a_discount_between_two_dates(tmp_path):
    window = (
        "  welcome20:\n",
        "  summer:\n    kind: discount\n    amount: 5.00\n    from: 2026-06-01\n    until: 2026-08-31\n  welcome20:\n",
    )
    version = copy_of_coupon_tax(tmp_path, window)
    assert [line.amount for line in price(version, seats("2026-08")).lines if line.id == "summer"] == [Decimal("-5.00")]
    assert [line.id for line in price(version, seats("2026-09")).lines] == ["seats", "sales_tax"]


def test_an_amount_off_never_takes_more_than_there_is(tmp_path):
    version = copy_of_coupon_tax(tmp_path, ("    percent: 20\n", "    amount: 100.00\n"))
    invoice = price(version, seats("2026-09", coupons=WELCOME))
    # min(100.00, 70.00) = 70.00 off; tax on 0.00 is 0.00
    assert amounts(invoice) == [("seats", "70.00"), ("welcome20", "-70.00"), ("sales_tax", "0.00")]


def test_coupons_that_do_not_stack_are_refused_together(tmp_path):
    second = ("  sales_tax:\n", "  spring10:\n    kind: coupon\n    code: SPRING10\n    percent: 10\n    stacks: true\n  sales_tax:\n")
    version = copy_of_coupon_tax(tmp_path, second)
    both = [*WELCOME, {"code": "SPRING10", "redeemed_on": "2026-09-02"}]
    with pytest.raises(engine.UsageError) as refused:
        engine.quote(version, seats("2026-09", coupons=both))
    assert [f"{d.where}: {d.message}" for d in refused.value.diagnostics] == [
        "coupons[0].code: coupon WELCOME20 does not stack with other coupons (SPRING10)"
    ]
    alone = price(version, seats("2026-09", coupons=[both[1]]))
    assert amounts(alone)[:2] == [("seats", "70.00"), ("spring10", "-7.00")]  # 10 % of 70.00


def test_an_included_tax_is_shown_and_not_added(tmp_path):
    version = copy_of_coupon_tax(tmp_path, ("    default_rate: 0\n", "    default_rate: 0\n    included: true\n"))
    invoice = price(version, seats("2026-12"))
    # 70.00 includes 70.00 × 8.875 / 108.875 = 5.7060...: 5.71 half up; the line adds nothing
    assert amounts(invoice) == [("seats", "70.00"), ("sales_tax", "0.00")]
    assert invoice.lines[1].description == "Sales tax: 5.71 included (8.875 %, NY-NYC)"
    assert invoice.total == Decimal("70.00")


def test_a_price_book_sets_the_amounts_of_adjustments_too(tmp_path):
    text = (COMMERCIAL / "minimum-commitment" / "2026-01-01.yaml").read_text(encoding="utf-8")
    book = "\nprice_books:\n  EUR:\n    charges:\n      requests: {unit_price: 0.009}\n    adjustments:\n      minimum: {amount: 90.00}\n"
    directory = tmp_path / "minimum-commitment"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(text + book, encoding="utf-8")
    version = engine.load_tariff(directory)
    invoice = price(version, {"account": "a", "period": "2026-03", "edition": "standard", "currency": "EUR", "usage": {"requests": 6240}})
    # 6,240 × 0.009 = 56.16 EUR; minimum 90.00 EUR: true-up 33.84
    assert (amounts(invoice), invoice.currency, invoice.total) == ([("requests", "56.16"), ("minimum", "33.84")], "EUR", Decimal("90.00"))
    (directory / "2026-01-01.yaml").write_text(
        text + book.replace("    adjustments:\n      minimum: {amount: 90.00}\n", ""), encoding="utf-8"
    )
    with pytest.raises(engine.TariffError) as broken:
        engine.load_tariff(directory)
    assert [d.message for d in broken.value.diagnostics] == ["price_books.EUR: adjustment 'minimum' has no EUR amount"]


# -- prices from edition attributes -------------------------------------------------------------

SEAT_PRICE_FROM = (
    ("  team: {}\n", "  team:\n    attributes: {seat_price: 10.00}\n  business:\n    attributes: {seat_price: 25.00}\n"),
    ("    unit_price: 10.00\n    editions: [team]\n", "    unit_price_from: seat_price\n    editions: [team, business]\n"),
)


def test_a_unit_price_may_name_an_edition_attribute(tmp_path):
    version = copy_of_coupon_tax(tmp_path, *SEAT_PRICE_FROM)
    team = price(version, seats("2026-12", tax_region="CA-SF"))
    business = price(version, {**seats("2026-12", tax_region="CA-SF"), "edition": "business"})
    assert [(line.unit_price, line.amount) for line in team.lines[:1]] == [(Decimal("10.00"), Decimal("70.00"))]  # 7 × 10.00
    assert [(line.unit_price, line.amount) for line in business.lines[:1]] == [(Decimal("25.00"), Decimal("175.00"))]  # 7 × 25.00


def test_a_price_naming_no_attribute_is_refused_at_its_place(tmp_path):
    edits = (
        SEAT_PRICE_FROM[0],
        ("    unit_price: 10.00\n    editions: [team]\n", "    unit_price_from: seat_prize\n    editions: [team]\n"),
    )
    with pytest.raises(engine.TariffError) as broken:
        copy_of_coupon_tax(tmp_path, *edits)
    assert [str(d) for d in broken.value.diagnostics] == [
        "coupon-tax/2026-01-01.yaml:40:22: error: charges.seats.unit_price_from: 'seat_prize' is not an attribute of this edition "
        "(edition team) [unknown-name]"
    ]


def test_with_the_total_rounded_a_balance_pays_the_rounded_total(tmp_path):
    version = copy_of_coupon_tax(
        tmp_path, ("  apply: per_line\n", "  apply: total\n"), ("    unit_price: 10.00\n", "    unit_price: 10.005\n")
    )
    invoice = price(version, seats("2026-09", coupons=WELCOME, credits={"balance": Decimal("100.00")}))
    # 7 × 10.005 = 70.035; -20 % = -14.007; tax (70.035 - 14.007) × 8.875 % = 56.028 × 0.08875 = 4.972485 → 4.97 (its own rounding)
    # lines 70.035 - 14.007 + 4.97 = 60.998 → 61.00 (rounding line +0.002); the balance pays 61.00 of 100.00
    assert amounts(invoice) == [("seats", "70.035"), ("welcome20", "-14.007"), ("sales_tax", "4.97"), ("rounding", "0.002")]
    found = invoice.to_dict()
    assert (found["total"], found["credits"][0]["amount"], found["amount_due"], found["credit_balance_remaining"]) == (
        "61.00",
        "-61.00",
        "0.00",
        "39.00",
    )


def test_explanations_with_terms_are_valid_under_their_published_schema():
    import jsonschema
    from referencing import Registry, Resource

    from engine.core.resources import schema

    registry = Registry().with_resources([(schema(n)["$id"], Resource.from_contents(schema(n))) for n in ("invoice", "explanation")])
    validator = jsonschema.Draft7Validator(schema("explanation"), registry=registry)
    explanation = engine.explain(tariff("coupon-tax"), seats("2026-09", coupons=WELCOME, credits={"balance": Decimal("50.00")}))
    validator.validate(json.loads(explanation.to_json()))
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"audio_minutes": 6000, "hd_minutes": 7500}}
    validator.validate(json.loads(engine.explain(tariff("shared-allowance"), usage).to_json()))


def test_a_coupon_applies_to_the_parts_of_a_charge_priced_from_a_timeline():
    # The coupon's scope names the charge `seats`; with a timeline the seats line is priced by the
    # timeline path (whole month: no proration declared) and the coupon still applies to it:
    # 7 × 10.00 = 70.00; 20 % off = −14.00; tax 56.00 × 8.875 % = 4.97; total 60.97.
    document = seats("2026-09", coupons=WELCOME, timeline={"start": "2026-01-01"})
    invoice = engine.quote(tariff("coupon-tax"), document)
    assert [(line.id, line.amount) for line in invoice.lines] == [
        ("seats", Decimal("70.00")),
        ("welcome20", Decimal("-14.00")),
        ("sales_tax", Decimal("4.97")),
    ]
    assert invoice.total == Decimal("60.97")


def test_a_timeline_on_a_tariff_with_shared_allowances_is_refused_not_priced_without_them():
    usage = {"account": "a", "period": "2026-03", "edition": "standard", "usage": {"audio_minutes": 6000, "hd_minutes": 7500}}
    with pytest.raises(engine.UsageError) as refused:
        engine.quote(tariff("shared-allowance"), {**usage, "timeline": {"start": "2026-01-01"}})
    assert [f"{d.where}: {d.message}" for d in refused.value.diagnostics] == [
        "timeline: shared-allowance version 1 shares allowances between meters, which a timeline cannot split yet"
    ]
