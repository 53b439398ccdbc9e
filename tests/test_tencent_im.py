"""Every rule of the Tencent IM price list, with totals worked out by hand.

Prices from the source page: plans trial 0, pro 449.99, flagship 899.99 USD/month;
DAU above 10,000 and groups above 100,000 at 449.99 per started block of 10,000 DAU /
100,000 groups; add-ons as listed per edition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import price, refused

import engine


def usage(edition: str = "pro", period: str = "2026-11", **parts: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"tariff": "tencent-im", "account": "1400000001", "period": period, "edition": edition}
    document.update(parts)
    return document


def lines(invoice: engine.Invoice) -> dict[str, tuple[str, str]]:
    """line id → (quantity, amount) as exact strings."""
    return {line.id: (str(line.quantity), str(line.amount)) for line in invoice.lines}


def refusal(tariff: engine.Tariff, document: dict[str, Any]) -> list[str]:
    return refused(tariff, document)


# -- editions and the plan fee -------------------------------------------------------


def test_trial_is_free_and_has_no_overage_lines(im):
    invoice = price(im, usage("trial"))
    assert lines(invoice) == {"plan": ("1", "0.00")}
    assert invoice.total == Decimal("0.00")


def test_trial_ignores_no_usage_it_is_given(im):
    # Usage on trial is accepted (it is reported) but nothing on trial prices it.
    invoice = price(im, usage("trial", usage={"dau": 500000, "groups": 900000}))
    assert lines(invoice) == {"plan": ("1", "0.00")}


def test_pro_within_quota(im):
    invoice = price(im, usage("pro", usage={"dau": 10000, "groups": 100000}))
    assert lines(invoice) == {"plan": ("1", "449.99"), "dau_overage": ("0", "0.00"), "group_overage": ("0", "0.00")}
    assert invoice.total == Decimal("449.99")


def test_flagship_within_quota(im):
    invoice = price(im, usage("flagship", usage={"dau": 0, "groups": 0}))
    assert lines(invoice) == {"plan": ("1", "899.99"), "dau_overage": ("0", "0.00"), "group_overage": ("0", "0.00")}
    assert invoice.total == Decimal("899.99")


# -- overage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dau", "blocks"),
    [(0, 0), (9999, 0), (10000, 0), (10001, 1), (20000, 1), (20001, 2), (32000, 3), (1000000000000, 99999999)],
)
def test_dau_overage_blocks(im, dau, blocks):
    invoice = price(im, usage("pro", usage={"dau": dau, "groups": 1}))
    amount = Decimal(blocks) * Decimal("449.99")
    assert lines(invoice)["dau_overage"] == (str(blocks), str(amount.quantize(Decimal("0.01"))))
    assert invoice.total == Decimal("449.99") + amount


@pytest.mark.parametrize(("groups", "blocks"), [(100000, 0), (100001, 1), (200000, 1), (200001, 2), (1000000, 9)])
def test_group_overage_blocks_on_flagship(im, groups, blocks):
    invoice = price(im, usage("flagship", usage={"dau": 1, "groups": groups}))
    assert lines(invoice)["group_overage"] == (str(blocks), str(Decimal(blocks) * Decimal("449.99")))


def test_daily_series_is_billed_on_its_peak(im):
    # peak DAU 32,000 → 3 blocks = 1349.97; peak groups 120,000 → 1 block = 449.99
    daily_dau = [5000] * 29 + [32000]
    invoice = price(im, usage("pro", usage={"dau": daily_dau, "groups": [120000, 98000]}))
    assert lines(invoice)["dau_overage"] == ("3", "1349.97")
    assert lines(invoice)["group_overage"] == ("1", "449.99")
    assert invoice.total == Decimal("2249.95")  # 449.99 + 1349.97 + 449.99


def test_worked_example_of_the_rules(im):
    invoice = price(im, usage("pro", usage={"dau": 32000, "groups": 1}, addons={"message_retention_days": 90}))
    assert [(line.id, line.amount) for line in invoice.lines] == [
        ("plan", Decimal("449.99")),
        ("dau_overage", Decimal("1349.97")),
        ("group_overage", Decimal("0.00")),
        ("message_retention", Decimal("179.99")),
    ]
    assert invoice.total == Decimal("1979.95")


def test_every_add_on_at_once_exact_over_many_lines(im):
    # 449.99 + 3×449.99 + 1×449.99 + 449.99 + 239.99 + 449.99 + 399.99 + 0.00
    # = 449.99 × 7 + 239.99 + 399.99 = 3149.93 + 639.98 = 3789.91
    invoice = price(
        im,
        usage(
            "pro",
            usage={"dau": 32000, "groups": [120000, 98000]},
            addons={
                "unlimited_avchatroom": True,
                "group_member_limit": 2000,
                "group_join_limit": 1000,
                "message_retention_days": 360,
                "audio_video_call": {"activated_on": "2026-10-20"},
            },
        ),
    )
    assert [line.id for line in invoice.lines] == [
        "plan",
        "dau_overage",
        "group_overage",
        "unlimited_avchatroom",
        "group_member_limit",
        "group_join_limit",
        "message_retention",
        "audio_video_call",
    ]
    assert invoice.total == Decimal("3789.91")


# -- add-ons -------------------------------------------------------------------------------

ADD_ON_PRICES = [
    ("pro", "unlimited_avchatroom", True, "unlimited_avchatroom", "449.99"),
    ("pro", "group_member_limit", 2000, "group_member_limit", "239.99"),
    ("flagship", "group_member_limit", 6000, "group_member_limit", "239.99"),
    ("pro", "group_join_limit", 1000, "group_join_limit", "449.99"),
    ("flagship", "group_join_limit", 3000, "group_join_limit", "449.99"),
    ("pro", "message_retention_days", 30, "message_retention", "99.99"),
    ("pro", "message_retention_days", 90, "message_retention", "179.99"),
    ("pro", "message_retention_days", 180, "message_retention", "269.99"),
    ("pro", "message_retention_days", 360, "message_retention", "399.99"),
    ("flagship", "message_retention_days", 90, "message_retention", "99.99"),
    ("flagship", "message_retention_days", 180, "message_retention", "179.99"),
    ("flagship", "message_retention_days", 360, "message_retention", "319.99"),
]


@pytest.mark.parametrize(("edition", "addon", "value", "line_id", "amount"), ADD_ON_PRICES)
def test_each_add_on_option_on_each_edition(im, edition, addon, value, line_id, amount):
    invoice = price(im, usage(edition, usage={"dau": 1, "groups": 1}, addons={addon: value}))
    plan = {"pro": Decimal("449.99"), "flagship": Decimal("899.99")}[edition]
    assert lines(invoice)[line_id] == ("1", amount)
    assert invoice.total == plan + Decimal(amount)


def test_false_or_absent_add_ons_are_not_bought_on_any_edition(im):
    addons = {"unlimited_avchatroom": False, "group_member_limit": False}  # message_retention_days absent
    for edition in ("trial", "pro", "flagship"):
        invoice = price(im, usage(edition, usage={"dau": 1, "groups": 1}, addons=addons))
        assert [line.id for line in invoice.lines if line.id not in ("plan", "dau_overage", "group_overage")] == []
    # null is not "not bought": a value of the wrong type is refused (schemas/usage.schema.json allows none there)
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(im, usage("pro", usage={"dau": 1, "groups": 1}, addons={"message_retention_days": None}))
    assert [d.path for d in caught.value.diagnostics] == ["addons.message_retention_days"]


def test_choice_description_names_the_option_chosen(im):
    invoice = price(im, usage("pro", usage={"dau": 1, "groups": 1}, addons={"message_retention_days": 180}))
    assert invoice.lines[-1].description == "Extended message history retention: 180 days"


# -- edition restrictions ---------------------------------------------------------------------

RESTRICTIONS = [
    (
        "trial",
        {"message_retention_days": 90},
        "addons.message_retention_days: error: message_retention_days is not available on trial (available on: pro, flagship) [option]",
    ),
    (
        "trial",
        {"unlimited_avchatroom": True},
        "addons.unlimited_avchatroom: error: unlimited_avchatroom is not available on trial (available on: pro) [option]",
    ),
    (
        "trial",
        {"audio_video_call": {"activated_on": "2026-11-01"}},
        "addons.audio_video_call: error: audio_video_call is not available on trial (available on: pro, flagship) [option]",
    ),
    (
        "pro",
        {"message_retention_days": 45},
        "addons.message_retention_days: error: 45 is not offered on pro (offered: 30, 90, 180, 360) [option]",
    ),
    (
        "pro",
        {"group_member_limit": 6000},
        "addons.group_member_limit: error: 6000 is not offered on pro (offered: 2000) [option]",
    ),
    (
        "flagship",
        {"message_retention_days": 30},
        "addons.message_retention_days: error: 30 is not offered on flagship (offered: 90, 180, 360) [option]",
    ),
    (
        "flagship",
        {"group_join_limit": 1000},
        "addons.group_join_limit: error: 1000 is not offered on flagship (offered: 3000) [option]",
    ),
    (
        "flagship",
        {"unlimited_avchatroom": True},
        "addons.unlimited_avchatroom: error: unlimited_avchatroom is not available on flagship (available on: pro) [option]",
    ),
    (
        "pro",
        {"group_join_limit": True},
        "addons.group_join_limit: error: true is not a value of group_join_limit: choose one of the offered values [option]",
    ),
    (
        "pro",
        {"unlimited_avchatroom": 1},
        "addons.unlimited_avchatroom: error: unlimited_avchatroom is a switch: true buys it, false or absence does not; got 1 [option]",
    ),
]


@pytest.mark.parametrize(("edition", "addons", "message"), RESTRICTIONS)
def test_each_edition_restriction_is_refused_with_its_message(im, edition, addons, message):
    assert refusal(im, usage(edition, usage={"dau": 1, "groups": 1}, addons=addons)) == [message]


def test_every_problem_of_a_document_is_reported_together(im):
    document = usage("flagship", usage={"dau": 1}, addons={"unlimited_avchatroom": True, "message_retention_days": 30})
    assert refusal(im, document) == [
        "usage.groups: error: missing: the flagship edition prices groups [meter]\nhint: give the period's value or a daily series",
        "addons.unlimited_avchatroom: error: unlimited_avchatroom is not available on flagship (available on: pro) [option]",
        "addons.message_retention_days: error: 30 is not offered on flagship (offered: 90, 180, 360) [option]",
    ]


# -- audio/video call trial ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activated", "period"),
    [
        ("2026-11-01", "2026-11"),  # activation month
        ("2026-10-20", "2026-11"),  # Oct 20 + 59 days = Dec 18: November is inside
        ("2026-10-20", "2026-12"),  # last free day Dec 18 falls in December
        ("2026-11-02", "2026-12"),  # last free day Dec 31, the period's last day
    ],
)
def test_audio_video_call_is_free_in_every_month_the_trial_overlaps(im, activated, period):
    invoice = price(im, usage("pro", period, usage={"dau": 1, "groups": 1}, addons={"audio_video_call": {"activated_on": activated}}))
    assert lines(invoice)["audio_video_call"] == ("1", "0.00")


def test_trial_first_and_last_free_day(im):
    # Activated 2026-10-03: free Oct 3 ... Dec 1 (the 60th day). December still overlaps by one day.
    invoice = price(im, usage("pro", "2026-12", usage={"dau": 1, "groups": 1}, addons={"audio_video_call": {"activated_on": "2026-10-03"}}))
    assert invoice.lines[-1].description == "Audio/video call (free trial): free 2026-10-03 to 2026-12-01"


def test_month_after_the_trial_is_refused_because_no_price_is_published(im):
    # Activated 2026-10-02: the 60th free day is 2026-11-30; December starts after the trial.
    document = usage("pro", "2026-12", usage={"dau": 1, "groups": 1}, addons={"audio_video_call": {"activated_on": "2026-10-02"}})
    assert refusal(im, document) == [
        "addons.audio_video_call.activated_on: error: the 60-day free trial of audio_video_call ended on 2026-11-30, "
        "before 2026-12; this tariff version publishes no price after the trial [no-price]"
    ]


def test_activation_after_the_billed_month_is_inconsistent(im):
    document = usage("flagship", "2026-11", usage={"dau": 1, "groups": 1}, addons={"audio_video_call": {"activated_on": "2026-12-01"}})
    assert refusal(im, document) == [
        "addons.audio_video_call.activated_on: error: audio_video_call activated on 2026-12-01, "
        "after the billed period 2026-11 (2026-11-01 to 2026-11-30) [trial]"
    ]


def test_activation_needs_a_date(im):
    assert refusal(im, usage("pro", usage={"dau": 1, "groups": 1}, addons={"audio_video_call": {"activated_on": "soon"}})) == [
        "addons.audio_video_call.activated_on: error: expected a date YYYY-MM-DD, got 'soon' [option]"
    ]
    assert refusal(im, usage("pro", usage={"dau": 1, "groups": 1}, addons={"audio_video_call": True})) == [
        "addons.audio_video_call: error: audio_video_call takes {activated_on: DATE} (or false when not bought), got a boolean [option]"
    ]


# -- settlement ------------------------------------------------------------------------------------


def test_december_is_settled_in_the_first_three_days_of_next_year(im):
    settlement = price(im, usage("pro", "2026-12", usage={"dau": 1, "groups": 1})).to_dict()["settlement"]
    assert settlement == {"mode": "postpaid", "deduct_from": "2027-01-01", "deduct_until": "2027-01-03"}


def test_february_of_a_leap_year(im):
    settlement = price(im, usage("pro", "2028-02", usage={"dau": [1] * 29, "groups": 1})).to_dict()["settlement"]
    assert settlement == {"mode": "postpaid", "deduct_from": "2028-03-01", "deduct_until": "2028-03-03"}


# -- bounds on counts and series -----------------------------------------------------------------------

BOUNDS = [
    ({"dau": -1, "groups": 1}, "usage.dau: error: -1 is out of range: dau takes a whole number from 0 to 1000000000000 [meter-range]"),
    (
        {"dau": 1000000000001, "groups": 1},
        "usage.dau: error: 1000000000001 is out of range: dau takes a whole number from 0 to 1000000000000 [meter-range]",
    ),
    (
        {"dau": Decimal("1.5"), "groups": 1},
        "usage.dau: error: expected a whole number from 0 to 1000000000000, got 1.5 [meter-type]\nhint: dau counts whole users",
    ),
    ({"dau": True, "groups": 1}, "usage.dau: error: expected a whole number from 0 to 1000000000000, got a boolean true [meter-type]"),
    ({"dau": "32000", "groups": 1}, "usage.dau: error: expected a whole number from 0 to 1000000000000, got text '32000' [meter-type]"),
    ({"dau": [], "groups": 1}, "usage.dau: error: a daily series of 0 values; 2026-11 has 30 days (give 1 to 30) [meter]"),
    ({"dau": [1] * 31, "groups": 1}, "usage.dau: error: a daily series of 31 values; 2026-11 has 30 days (give 1 to 30) [meter]"),
    (
        {"dau": [1, -5, 3], "groups": 1},
        "usage.dau[1]: error: -5 is out of range: dau takes a whole number from 0 to 1000000000000 [meter-range]",
    ),
    (
        {"dau": 1, "groups": 1, "dua": 3},
        "usage.dua: error: unknown meter 'dua' (meters: dau, groups) [meter]\nhint: did you mean 'dau'?",
    ),
]


@pytest.mark.parametrize(("values", "message"), BOUNDS)
def test_bounds_on_counts_and_series(im, values, message):
    assert refusal(im, usage("pro", usage=values)) == [message]


def test_upper_bound_and_full_month_series_are_accepted(im):
    invoice = price(im, usage("pro", "2026-12", usage={"dau": [1000000000000] * 31, "groups": 1}))
    # (10^12 − 10^4) / 10^4 = 99,999,999 blocks exactly → 99999999 × 449.99
    assert lines(invoice)["dau_overage"] == ("99999999", str(Decimal(99999999) * Decimal("449.99")))


def test_a_missing_meter_is_never_taken_as_zero(im):
    assert refusal(im, usage("pro", usage={"dau": 1})) == [
        "usage.groups: error: missing: the pro edition prices groups [meter]\nhint: give the period's value or a daily series"
    ]


def test_binary_floats_are_refused_with_a_hint(im):
    assert refusal(im, usage("pro", usage={"dau": 1, "groups": 2.0})) == [
        "usage.groups: error: expected a whole number from 0 to 1000000000000, got the binary float 2.0 [meter-type]\n"
        "hint: groups counts whole groups: pass a whole number (an int)"
    ]


# -- the envelope ---------------------------------------------------------------------------------------


def test_account_may_be_a_whole_number_and_is_written_as_text(im):
    document = usage("pro", usage={"dau": 1, "groups": 1})
    document["account"] = 1400000001
    assert price(im, document).to_dict()["account"] == "1400000001"


def test_envelope_problems_are_reported_together(im):
    document = {"tariff": "tencent-im", "period": "2026-13", "edition": "pro", "extra": 1}
    assert refusal(im, document) == [
        "extra: error: unknown key 'extra' (allowed: tariff, account, period, edition, usage, addons, timeline, currency, coupons, tax_region, credits) [usage-key]",
        "account: error: missing: the account billed (text or a whole number) [usage-missing]",
        "period: error: '2026-13' is not a calendar month [period]\nhint: write the month as YYYY-MM, e.g. 2026-11, from 0001-01 to 9000-12",
    ]


def test_unknown_edition(im):
    assert refusal(im, usage("premium", usage={"dau": 1})) == [
        "edition: error: 'premium' is not an edition of tencent-im (editions: trial, pro, flagship) [edition]"
    ]


def test_no_version_in_force_before_the_first(im):
    assert refusal(im, usage("pro", "2021-12", usage={"dau": 1, "groups": 1})) == [
        "period: error: no version of tencent-im is in force on 2021-12-01 "
        "(versions: tencent-im/2022-01-01.yaml from 2022-01-01 on) [version]"
    ]


def test_a_tariff_id_that_differs_from_the_given_tariff(im):
    document = usage("pro", usage={"dau": 1, "groups": 1})
    document["tariff"] = "other"
    assert refusal(im, document) == [
        "tariff: error: the usage is for tariff 'other', but the tariff given is 'tencent-im' "
        "(versions: tencent-im/2022-01-01.yaml from 2022-01-01 on) [tariff]"
    ]


def test_catalog_looks_up_the_usage_tariff_id():
    catalog = engine.load_catalog()
    assert price(catalog, usage("pro", usage={"dau": 1, "groups": 1})).total == Decimal("449.99")
    document = usage("pro", usage={"dau": 1, "groups": 1})
    document["tariff"] = "tencent-imm"
    assert refusal(catalog, document) == [
        "tariff: error: unknown tariff 'tencent-imm' (tariffs: tencent-im) [tariff]\nhint: did you mean 'tencent-im'?"
    ]


# -- the invoice ------------------------------------------------------------------------------------------


def test_invoice_json_names_the_tariff_and_is_byte_identical(im):
    import hashlib

    document = usage("pro", usage={"dau": 32000, "groups": [120000, 98000]}, addons={"message_retention_days": 90})
    first = engine.quote(im, document).to_json()
    assert first == engine.quote(im, document).to_json()
    invoice = price(im, document).to_dict()
    digest = hashlib.sha256((__import__("conftest").TARIFFS / "tencent-im" / "2022-01-01.yaml").read_bytes()).hexdigest()
    assert invoice["tariff"] == {"id": "tencent-im", "version": "1", "file": "tencent-im/2022-01-01.yaml", "sha256": digest}
    assert invoice["total"] == "2429.94"  # 449.99 + 1349.97 + 449.99 + 179.99
    assert invoice["lines"][1] == {
        "id": "dau_overage",
        "description": "DAU above the plan quota, per 10,000 (peak of the month)",
        "quantity": "3",
        "unit": "block of 10,000 DAU",
        "unit_price": "449.99",
        "amount": "1349.97",
        "source": invoice["lines"][1]["source"],
    }
    assert invoice["lines"][1]["source"].startswith("tencent-im/2022-01-01.yaml:")


def test_invoice_line_source_points_at_the_charge(im):
    invoice = price(im, usage("pro", usage={"dau": 1, "groups": 1}))
    text = (__import__("conftest").TARIFFS / "tencent-im" / "2022-01-01.yaml").read_text().splitlines()
    for line in invoice.lines:
        number = int(line.source.rsplit(":", 1)[1])
        assert text[number - 1].strip() == f"{line.id}:"
