"""Billing periods, subscription timelines and proration: the worked examples, by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, TARIFFS, price

import engine
from engine.core.periods import Cycle, add_months

PERIODS = FIXTURES / "periods"


def refusal(tariff: engine.Tariff, document: dict[str, Any]) -> list[str]:
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(tariff, document)
    return [str(d) for d in caught.value.diagnostics]


def amounts(invoice: engine.Invoice) -> dict[str, Decimal]:
    return {line.id: line.amount for line in invoice.lines}


@pytest.fixture(scope="module")
def prorated() -> engine.Tariff:
    return engine.load_tariff(PERIODS / "prorated-plan")


# -- the calendar ------------------------------------------------------------------------------


def test_an_anchor_on_the_31st_falls_on_the_last_day_of_shorter_months_and_comes_back():
    anchor = dt.date(2026, 1, 31)
    assert [add_months(anchor, n, 31) for n in range(4)] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    assert add_months(dt.date(2028, 1, 31), 1, 31) == dt.date(2028, 2, 29)  # a leap year


def test_anniversary_months_from_the_31st():
    monthly = Cycle(1, "anniversary")
    anchor = dt.date(2026, 1, 31)
    february = monthly.period_containing(dt.date(2026, 3, 15), anchor)
    # 2026-02-28 (the 31st falls on the last day of February) to 2026-03-30 (the day before 2026-03-31)
    assert (february.first, february.last, february.days) == (dt.date(2026, 2, 28), dt.date(2026, 3, 30), 31)


def test_calendar_quarters_and_years():
    quarter = Cycle(3, "calendar").period_containing(dt.date(2026, 11, 5), None)
    assert (quarter.first, quarter.last, quarter.days) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), 92)  # 31 + 30 + 31
    year = Cycle(12, "anniversary").period_containing(dt.date(2026, 12, 1), dt.date(2026, 3, 10))
    assert (year.first, year.last) == (dt.date(2026, 3, 10), dt.date(2027, 3, 9))
    two = Cycle(2, "calendar").period_containing(dt.date(2026, 4, 30), None)
    assert (two.first, two.last, two.days) == (dt.date(2026, 3, 1), dt.date(2026, 4, 30), 61)  # 31 + 30
    quarter_from_31st = Cycle(3, "anniversary").period_containing(dt.date(2026, 6, 1), dt.date(2025, 8, 31))
    # 2025-08-31, 2025-11-30, 2026-02-28, 2026-05-31 (the 31st again), 2026-08-31
    assert (quarter_from_31st.first, quarter_from_31st.last) == (dt.date(2026, 5, 31), dt.date(2026, 8, 30))


# -- the worked examples -----------------------------------------------------------------------


def test_example_1_mean_seats():
    tariff = engine.load_tariff(PERIODS / "mean-seats")
    seats = [4] * 10 + [10] * 20
    invoice = price(tariff, {"account": "t", "period": "2026-11", "edition": "team", "usage": {"seats": seats}})
    # mean (4 × 10 + 10 × 20) / 30 = 240 / 30 = 8 seats; 8 × 12.00 = 96.00
    assert [(line.id, line.quantity, line.amount) for line in invoice.lines] == [("seats", Decimal(8), Decimal("96.00"))]
    assert invoice.total == Decimal("96.00")


def test_a_mean_that_does_not_terminate_is_priced_to_the_cent():
    tariff = engine.load_tariff(PERIODS / "mean-seats")
    seats = [7] * 10 + [8] * 20
    invoice = price(tariff, {"account": "t", "period": "2026-11", "edition": "team", "usage": {"seats": seats}})
    # mean (7 × 10 + 8 × 20) / 30 = 230 / 30 = 7.666…; × 12.00 = 92.00 exactly (7 2/3 × 12 = 92)
    assert invoice.total == Decimal("92.00")


def test_example_2_upgrade_prorated_by_day(prorated):
    document = {
        "account": "1400000001",
        "period": "2026-12",
        "edition": "pro",
        "timeline": {"changes": [{"on": "2026-12-21", "edition": "flagship"}]},
    }
    invoice = price(prorated, document)
    # pro 20 of 31 days: 449.99 × 20 / 31 = 290.3161… → 290.32; flagship 11 of 31 days: 899.99 × 11 / 31 = 319.3512… → 319.35
    assert amounts(invoice) == {"plan@2026-12-01": Decimal("290.32"), "plan@2026-12-21": Decimal("319.35")}
    assert invoice.total == Decimal("609.67")  # 290.32 + 319.35
    first, second = invoice.to_dict()["lines"]
    assert (first["fraction"], first["quantity"], first["service_period"]) == (
        "20 of 31 days",
        "0.6452",  # 20 / 31 = 0.64516… at 4 decimals
        {"first": "2026-12-01", "last": "2026-12-20"},
    )
    assert (second["fraction"], second["service_period"]) == ("11 of 31 days", {"first": "2026-12-21", "last": "2026-12-31"})
    assert first["description"] == "IM plan fee (pro), 20 of 31 days"
    assert (invoice.to_dict()["first_day"], invoice.to_dict()["last_day"]) == ("2026-12-01", "2026-12-31")


def test_example_3_annual_seats_in_advance_and_monthly_calls_in_arrears():
    tariff = engine.load_tariff(PERIODS / "annual-seats")
    base = {"account": "acme", "edition": "team", "timeline": {"start": "2026-03-10"}}
    first = price(tariff, {**base, "period": {"from": "2026-03-10", "to": "2026-04-09"}, "usage": {"seats": 5, "api_calls": 0}})
    # 5 seats × 96.00 = 480.00 for the year 2026-03-10 to 2027-03-09; no call above 10,000: 0.00
    assert amounts(first) == {"seats": Decimal("480.00"), "api_calls": Decimal("0.00")}
    assert first.total == Decimal("480.00")
    assert first.to_dict()["lines"][0]["service_period"] == {"first": "2026-03-10", "last": "2027-03-09"}
    later = price(tariff, {**base, "period": {"from": "2026-04-10", "to": "2026-05-09"}, "usage": {"api_calls": 25500}})
    # (25,500 − 10,000) / 1,000 = 15.5 × 0.50 = 7.75; the seats' year does not start on 2026-04-10
    assert amounts(later) == {"api_calls": Decimal("7.75")}
    assert later.total == Decimal("7.75")


def test_example_4_cancellation_credit():
    tariff = engine.load_tariff(PERIODS / "cancellation-credit")
    document = {
        "account": "acme",
        "period": "2026-11",
        "edition": "basic",
        "timeline": {"start": "2026-01-01", "cancelled_on": "2026-11-10"},
    }
    invoice = price(tariff, document)
    # service ends at the end of 2026-11-10: 2026-11-11 to 2026-11-30 unused, 20 of 30 days;
    # credit −30.00 × 20 / 30 = −20.00; the fee billed in advance 30.00; total 10.00
    assert amounts(invoice) == {"fee": Decimal("30.00"), "fee.credit": Decimal("-20.00")}
    assert invoice.total == Decimal("10.00")
    credit = invoice.to_dict()["lines"][1]
    assert (credit["fraction"], credit["service_period"]) == ("20 of 30 days", {"first": "2026-11-11", "last": "2026-11-30"})


def test_example_5_no_rule_declared_on_tencent_im(im):
    document = {
        "account": "1400000001",
        "period": "2026-12",
        "edition": "pro",
        "usage": {"dau": 0, "groups": 0},
        "timeline": {"changes": [{"on": "2026-12-21", "edition": "flagship"}]},
    }
    assert refusal(im, document) == [
        "timeline.changes[0].edition: error: tencent-im version 1 declares no rule for edition changes within a period "
        "(an upgrade from pro to flagship on 2026-12-21; charges without one: plan, dau_overage, group_overage, "
        "group_member_limit, group_join_limit, message_retention, audio_video_call, unlimited_avchatroom) [edition-change]\n"
        "hint: make the change on the first day of a period, or declare proration upgrade/downgrade rules in a new version of the tariff"
    ]


def test_tencent_im_stays_whole_month_for_a_late_start(im):
    document = {"account": "1", "period": "2026-12", "edition": "pro", "usage": {"dau": 0, "groups": 0}}
    plain = price(im, document)
    late = price(im, {**document, "timeline": {"start": "2026-12-20"}})
    # no proration on tencent-im: the whole month, 449.99 + 0.00 + 0.00
    assert amounts(late) == amounts(plain) == {"plan": Decimal("449.99"), "dau_overage": Decimal("0.00"), "group_overage": Decimal("0.00")}


# -- refusals ----------------------------------------------------------------------------------


def test_a_quarter_is_not_a_period_of_a_monthly_tariff(im):
    document = {"account": "1", "period": "2026-Q4", "edition": "pro", "usage": {"dau": 0, "groups": 0}}
    assert refusal(im, document) == [
        "period: error: 2026-Q4 (2026-10-01 to 2026-12-31) is not a billing period of tencent-im version 1 (month, calendar-aligned) "
        "[period]\nhint: write the period as YYYY-MM"
    ]


def test_a_change_outside_the_period_and_an_unknown_edition_are_refused(prorated):
    document = {
        "account": "a",
        "period": "2026-12",
        "edition": "pro",
        "timeline": {"changes": [{"on": "2027-01-02", "edition": "flagship"}]},
    }
    assert refusal(prorated, document) == [
        "timeline.changes[0].on: error: 2027-01-02 is outside 2026-12 (2026-12-01 to 2026-12-31) [timeline]"
    ]
    document["timeline"] = {"changes": [{"on": "2026-12-02", "edition": "flagshp"}]}
    assert refusal(prorated, document) == [
        "timeline.changes[0].edition: error: 'flagshp' is not an edition of prorated-plan (editions: pro, flagship) [edition]\n"
        "hint: did you mean 'flagship'?"
    ]


def test_anniversary_periods_need_the_start():
    tariff = engine.load_tariff(PERIODS / "annual-seats")
    document = {"account": "a", "period": "2026-04", "edition": "team", "usage": {"api_calls": 1}}
    assert refusal(tariff, document) == [
        "timeline.start: error: missing: annual-seats bills from the subscription's anniversary; give timeline.start [usage-missing]"
    ]


def test_one_monthly_value_across_a_change_is_ambiguous(tmp_path: Path):
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "2026-01-01.yaml").write_text(SPLIT_TARIFF)
    tariff = engine.load_tariff(tmp_path / "split")
    document = {
        "account": "a",
        "period": "2026-11",
        "edition": "small",
        "usage": {"calls": 3000},
        "timeline": {"changes": [{"on": "2026-11-11", "edition": "large"}]},
    }
    assert refusal(tariff, document) == [
        "usage.calls: error: one value for the period, and calls is priced on small for part of it: which part of calls belongs "
        "to which edition is ambiguous [meter]\nhint: give calls as a daily series of 30 values"
    ]
    # a daily series splits at the change: 10 days × 100 calls on small at 0.01 = 10.00; 20 days × 100 on large at 0.005 = 10.00
    invoice = price(tariff, {**document, "usage": {"calls": [100] * 30}})
    assert amounts(invoice) == {"calls@2026-11-01": Decimal("10.00"), "calls@2026-11-11": Decimal("10.00")}


SPLIT_TARIFF = """\
id: split
version: "1"
effective_from: 2026-01-01
currency: EUR
description: usage split at an edition change
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
rounding: {scale: 2, mode: half_up, apply: per_line}
editions: {small: {}, large: {}}
meters:
  calls: {type: integer, aggregation: sum, series: daily, maximum: 1000000000}
charges:
  calls:
    model: per_unit
    quantity: calls
    proration: {by: none, upgrade: split, downgrade: split}
    editions:
      small: {unit_price: 0.01}
      large: {unit_price: 0.005}
"""


# -- the format grows without breaking ----------------------------------------------------------


def test_validate_reports_billing_problems_at_their_line(tmp_path: Path):
    text = SPLIT_TARIFF.replace("rounding: {scale: 2, mode: half_up, apply: per_line}", "rounding: {scale: 2, mode: half_up, apply: total}")
    text = text.replace("proration: {by: none, upgrade: split, downgrade: split}", "proration: by_day\n    timing: in_arrears")
    text = text.replace("billing_cycle: {period: calendar_month}", "billing_cycle: {period: month, every: 5}")
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "2026-01-01.yaml").write_text(text)
    with pytest.raises(engine.TariffError) as caught:
        engine.load_tariff(tmp_path / "split")
    assert [str(d).split(": ", 1)[1] for d in caught.value.diagnostics] == [
        "error: billing_cycle.every: periods of 5 months do not divide the calendar year [billing-cycle]\n"
        "hint: use 1, 2, 3, 4, 6 or 12 months (or a whole number of years) for calendar-aligned periods, or align them to the anniversary",
        "error: charges.calls.proration: a prorated amount is rounded on its own line, and this tariff rounds only the total "
        "[proration-rounding]\nhint: write rounding.apply: per_line, or proration: none",
    ]


def test_every_shipped_and_fixture_tariff_still_prices_whole_months_on_the_fast_path(im):
    from engine.pricing.proration import needs_timeline
    from engine.pricing.usage import read_envelope

    document = {"account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
    version = im.in_force(dt.date(2026, 11, 1))
    assert version is not None and not version.billing.declared
    assert not needs_timeline(version, read_envelope(document))
    assert TARIFFS.is_dir()


# -- review: the diff and the canonical render --------------------------------------------------


def test_diff_says_proration_changes_in_words(tmp_path: Path):
    from tariff_text import diff_files, edited, line_of, lines, write_version

    old = TARIFFS / "tencent-im" / "2022-01-01.yaml"
    text = edited(old.read_text(encoding="utf-8"), ("      pro: {price: 449.99}\n", "      pro: {price: 449.99, proration: by_day}\n"))
    new = write_version(tmp_path / "tencent-im", "2022-01-01.yaml", text)
    where = f"tencent-im/2022-01-01.yaml:{line_of(text, 'proration: by_day')}"
    assert lines(diff_files(old, new)) == [
        (where, "pro / plan / proration: none → by day"),
        (where, "pro / plan / proration of a first partial period: whole period → prorated"),
        (where, "pro / plan / proration on downgrade: no rule → prorate both editions by day"),
        (where, "pro / plan / proration on upgrade: no rule → prorate both editions by day"),
    ]


def test_diff_says_billing_cycle_changes(tmp_path: Path):
    from tariff_text import diff_files, edited, lines, write_version

    old = PERIODS / "annual-seats" / "2026-01-01.yaml"
    text = edited(old.read_text(encoding="utf-8"), ("    cadence: year\n", "    cadence: quarter\n"))
    text = edited(text, ("billing_cycle: {period: month, alignment: anniversary}", "billing_cycle: {period: month}"))
    new = write_version(tmp_path / "annual-seats", "2026-01-01.yaml", text)
    assert [change for _, change in lines(diff_files(old, new))] == [
        "tariff / billing cycle: month, anniversary-aligned → month, calendar-aligned",
        "team / seats / cadence: every year → every quarter",
    ]


def test_canonical_render_shows_declared_rules_only():
    from engine.language.source import load_source
    from engine.review.canonical import render_canonical

    tariff = engine.load_tariff(PERIODS / "cancellation-credit")
    version = tariff.versions[0]
    source, _ = load_source(PERIODS / "cancellation-credit" / "2026-01-01.yaml")
    assert source is not None
    rendered = render_canonical(version, source)
    assert "basic / fee / timing: in advance\n" in rendered
    assert "basic / fee / proration: by day\n" in rendered
    assert "basic / fee / proration credit for unused days: yes\n" in rendered
    assert "cadence" not in rendered  # not written: implied, compared by the diff only


# -- explain ------------------------------------------------------------------------------------


def test_explain_shows_each_segment_and_its_fraction(prorated):
    document = {"account": "1", "period": "2026-12", "edition": "pro", "timeline": {"changes": [{"on": "2026-12-21", "edition": "flagship"}]}}
    explanation = engine.explain(prorated, document)
    assert [line.text for line in explanation.lines] == [
        "[pro, 2026-12-01 to 2026-12-20] price × days / period days = 449.99 = 449.99 × 20 / 31 = 290.3161290322… "
        "→ 290.32 (rounded half_up to 2 decimals)",
        "[flagship, 2026-12-21 to 2026-12-31] price × days / period days = 899.99 = 899.99 × 11 / 31 = 319.3512903225… "
        "→ 319.35 (rounded half_up to 2 decimals)",
    ]
    assert explanation.checks[-3:] == (
        "priced on pro from 2026-12-01 to 2026-12-20; flagship from 2026-12-21 to 2026-12-31",
        "plan@2026-12-01 bills 20 of 31 days of 2026-12",
        "plan@2026-12-21 bills 11 of 31 days of 2026-12",
    )
    assert explanation.total == "290.32 + 319.35 = 609.67 USD (each line rounded half_up to 2 decimals)"
    assert explanation.invoice.to_json() == engine.quote(prorated, document).to_json()


def test_explain_shows_the_credit_of_unused_days():
    tariff = engine.load_tariff(PERIODS / "cancellation-credit")
    document = {"account": "a", "period": "2026-11", "edition": "basic", "timeline": {"start": "2026-01-01", "cancelled_on": "2026-11-10"}}
    explanation = engine.explain(tariff, document)
    assert [line.text for line in explanation.lines] == [
        "price = 30.00",
        "[basic, 2026-11-11 to 2026-11-30] price × −days / period days = 30.00 = 30.00 × −20 / 30 = -20.00",
    ]


DAYS_TARIFF = """\
id: seat-days
version: "1"
effective_from: 2026-01-01
currency: EUR
description: seats billed for the days they are active, by formula
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
rounding: {scale: 2, mode: half_up, apply: per_line}
editions: {team: {}}
meters:
  seats: {type: integer, aggregation: max, maximum: 1000}
charges:
  seats:
    model: per_unit
    quantity: seats * active_days / period_days
    unit_price: 9.00
    editions: [team]
"""


def test_formulas_use_the_period_length_and_the_active_days(tmp_path: Path):
    (tmp_path / "seat-days").mkdir()
    (tmp_path / "seat-days" / "2026-01-01.yaml").write_text(DAYS_TARIFF)
    tariff = engine.load_tariff(tmp_path / "seat-days")
    document = {"account": "a", "period": "2026-11", "edition": "team", "usage": {"seats": 3}}
    # a whole month: 3 × 30 / 30 = 3 seats × 9.00 = 27.00
    assert price(tariff, document).total == Decimal("27.00")
    # from 2026-11-21: 3 × 10 / 30 = 1 seat × 9.00 = 9.00
    late = price(tariff, {**document, "timeline": {"start": "2026-11-21"}})
    assert [(line.quantity, line.amount) for line in late.lines] == [(Decimal(1), Decimal("9.00"))]
    assert engine.explain(tariff, {**document, "timeline": {"start": "2026-11-21"}}).lines[0].text == (
        "(seats * active_days / period_days) × unit_price = (3 * 10 / 30) × 9.00 = 1 × 9.00 = 9.00"
    )


RULES_TARIFF = """\
id: rules
version: "1"
effective_from: 2026-01-01
currency: EUR
description: the other edition-change rules, and an add-on bought within the month
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
rounding: {scale: 2, mode: half_up, apply: per_line}
editions: {basic: {}, plus: {}}
options:
  backup: {type: switch}
charges:
  plan:
    model: flat
    proration: {by: day, upgrade: higher_edition, downgrade: next_period}
    editions: {basic: {price: 10.00}, plus: {price: 31.00}}
  backup:
    model: option
    option: backup
    proration: by_day
    editions:
      basic: {table: [{value: true, price: 3.10}]}
      plus: {table: [{value: true, price: 3.10}]}
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> engine.Tariff:
    folder = tmp_path_factory.mktemp("rules") / "rules"
    folder.mkdir()
    (folder / "2026-01-01.yaml").write_text(RULES_TARIFF)
    return engine.load_tariff(folder)


def december(edition: str, *changes: dict[str, Any], addons: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"account": "a", "period": "2026-12", "edition": edition, "addons": addons or {}, "timeline": {"changes": list(changes)}}


def test_an_upgrade_bills_the_higher_edition_and_a_downgrade_takes_effect_next_period(rules):
    # upgrade on 2026-12-11, higher_edition: plus for the whole month = 31.00
    assert amounts(price(rules, december("basic", {"on": "2026-12-11", "edition": "plus"}))) == {"plan": Decimal("31.00")}
    # downgrade on 2026-12-11, next_period: plus (in force on 2026-12-01) for the whole month = 31.00
    assert amounts(price(rules, december("plus", {"on": "2026-12-11", "edition": "basic"}))) == {"plan": Decimal("31.00")}


def test_an_add_on_bought_within_the_month_is_prorated_by_day(rules):
    invoice = price(rules, december("basic", {"on": "2026-12-22", "addons": {"backup": True}}))
    # plan basic for the whole month 10.00 (the add-on changes nothing of it); backup 3.10 × 10 / 31 = 1.00
    assert amounts(invoice) == {"plan": Decimal("10.00"), "backup": Decimal("1.00")}
    assert invoice.to_dict()["lines"][1]["service_period"] == {"first": "2026-12-22", "last": "2026-12-31"}


def test_an_add_on_across_an_upgrade_is_prorated_on_each_edition(rules):
    invoice = price(rules, december("basic", {"on": "2026-12-11", "edition": "plus"}, addons={"backup": True}))
    # plan: plus for the month 31.00; backup 3.10 × 10 / 31 = 1.00 on basic, 3.10 × 21 / 31 = 2.10 on plus
    assert amounts(invoice) == {"plan": Decimal("31.00"), "backup@2026-12-01": Decimal("1.00"), "backup@2026-12-11": Decimal("2.10")}
    assert invoice.total == Decimal("34.10")


def test_validate_says_what_to_write_for_anniversary_calendar_months(tmp_path: Path):
    text = RULES_TARIFF.replace("billing_cycle: {period: calendar_month}", "billing_cycle: {period: calendar_month, alignment: anniversary}")
    text = text.replace("    proration: by_day\n", "    proration: {by: day, credit_unused: true}\n")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "2026-01-01.yaml").write_text(text)
    with pytest.raises(engine.TariffError) as caught:
        engine.load_tariff(tmp_path / "rules")
    assert [str(d).split(": ", 1)[1] for d in caught.value.diagnostics] == [
        "error: billing_cycle.alignment: a calendar_month is aligned to the calendar [billing-cycle]\n"
        "hint: write period: month with alignment: anniversary for periods from the subscription's start day",
        "error: charges.backup.proration.credit_unused: only a fee billed in advance has unused days to credit [proration]\n"
        "hint: write timing: in_advance on the charge, or take credit_unused off",
    ]


def test_timeline_explanations_are_valid_under_the_published_schema():
    import json

    import jsonschema
    from referencing import Registry, Resource

    from engine.core.resources import schema

    registry = Registry().with_resources([(schema(n)["$id"], Resource.from_contents(schema(n))) for n in ("invoice", "explanation")])
    validator = jsonschema.Draft7Validator(schema("explanation"), registry=registry)
    tariff = engine.load_tariff(PERIODS / "annual-seats")
    document = {
        "account": "a",
        "period": {"from": "2026-03-10", "to": "2026-04-09"},
        "edition": "team",
        "usage": {"seats": 5, "api_calls": [0] * 30 + [12000]},  # api_calls adds up its days: all 31 are given
        "timeline": {"start": "2026-03-10"},
    }
    explanation = engine.explain(tariff, document)
    assert list(validator.iter_errors(json.loads(explanation.to_json()))) == []
    # 5 × 96.00 = 480.00 for the year; (12,000 − 10,000) / 1,000 = 2 × 0.50 = 1.00
    assert [line.amount for line in explanation.lines] == [Decimal("480.00"), Decimal("1.00")]
    assert "seats covers 2026-03-10 to 2027-03-09" in explanation.checks


YEARLY_EDITION = """\
id: yearly
version: "1"
effective_from: 2026-01-01
currency: EUR
description: a monthly edition and a yearly one
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
rounding: {scale: 2, mode: half_up, apply: per_line}
editions:
  monthly: {}
  yearly:
    billing_cycle: {period: year}
charges:
  plan:
    model: flat
    editions: {monthly: {price: 10.00}, yearly: {price: 100.00}}
"""


def test_an_edition_with_its_own_billing_cycle(tmp_path: Path):
    (tmp_path / "yearly").mkdir()
    (tmp_path / "yearly" / "2026-01-01.yaml").write_text(YEARLY_EDITION)
    tariff = engine.load_tariff(tmp_path / "yearly")
    year = price(tariff, {"account": "a", "period": "2026", "edition": "yearly"})
    # one year of the yearly edition: 100.00, for 2026-01-01 to 2026-12-31
    assert (amounts(year), year.to_dict()["first_day"], year.to_dict()["last_day"]) == ({"plan": Decimal("100.00")}, "2026-01-01", "2026-12-31")
    assert amounts(price(tariff, {"account": "a", "period": "2026-03", "edition": "monthly"})) == {"plan": Decimal("10.00")}
    assert refusal(tariff, {"account": "a", "period": "2026-03", "edition": "yearly"}) == [
        "period: error: 2026-03 (2026-03-01 to 2026-03-31) is not a billing period of yearly version 1 (year, calendar-aligned) [period]\n"
        "hint: write YYYY-MM, YYYY-Qn, YYYY, or {from: DATE, to: DATE} with a period's first and last day"
    ]
    change = {"account": "a", "period": "2026-03", "edition": "monthly", "timeline": {"changes": [{"on": "2026-03-10", "edition": "yearly"}]}}
    assert refusal(tariff, change) == [
        "timeline.changes[0].edition: error: monthly and yearly have different billing periods; "
        "a change between them takes effect next period [edition-change]"
    ]


def test_explain_says_why_a_yearly_fee_has_no_line_this_month():
    tariff = engine.load_tariff(PERIODS / "annual-seats")
    document = {"account": "a", "period": "2026-04", "edition": "team", "usage": {"api_calls": 25500}, "timeline": {"start": "2026-03-10"}}
    explanation = engine.explain(tariff, document)
    assert explanation.came_to_nothing == (
        ("seats", "annual-seats/2026-01-01.yaml:22", "billed every year, in advance: no year of it starts with this period"),
    )
