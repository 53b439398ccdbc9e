"""Properties of proration by day (hypothesis, bounded by the `ci` profile)."""

from __future__ import annotations

import calendar
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from conftest import FIXTURES, price
from hypothesis import given
from hypothesis import strategies as st

import engine

PRORATED = engine.load_tariff(FIXTURES / "periods" / "prorated-plan")
EDITIONS = ("pro", "flagship")
months = st.tuples(st.integers(2026, 2099), st.integers(1, 12))

SAME_FEE = """\
id: same-fee
version: "1"
effective_from: 2000-01-01
currency: EUR
description: two editions at one fee, prorated by day
billing_cycle: {{period: calendar_month}}
settlement: {{mode: postpaid, deduction_window: {{from_day: 1, until_day: 3}}}}
rounding: {{scale: 2, mode: {mode}, apply: per_line}}
editions: {{low: {{}}, high: {{}}}}
charges:
  plan:
    model: flat
    price: {price}
    proration: by_day
    editions: [low, high]
"""


@given(months, st.sampled_from(EDITIONS), st.sampled_from(EDITIONS))
def test_a_change_on_the_first_day_is_a_whole_period_of_the_new_edition(month, before, after):
    label = f"{month[0]:04d}-{month[1]:02d}"
    base = {"account": "a", "period": label}
    changed = price(PRORATED, {**base, "edition": before, "timeline": {"changes": [{"on": f"{label}-01", "edition": after}]}})
    whole = price(PRORATED, {**base, "edition": after})
    assert [(line.id, line.quantity, line.amount) for line in changed.lines] == [
        (line.id, line.quantity, line.amount) for line in whole.lines
    ]
    assert changed.total == whole.total


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    st.sampled_from(["half_up", "half_even", "up", "down"]),
    months,
    st.lists(st.integers(2, 28), min_size=1, max_size=5, unique=True),
)
def test_prorated_parts_add_up_to_the_whole_fee_within_one_unit_per_line(fee, mode, month, days):
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root) / "same-fee"
        folder.mkdir()
        (folder / "2000-01-01.yaml").write_text(SAME_FEE.format(price=fee, mode=mode))
        tariff = engine.load_tariff(folder)
    year, number = month
    changes = [
        {"on": dt.date(year, number, day).isoformat(), "edition": ("high", "low")[index % 2]} for index, day in enumerate(sorted(days))
    ]
    invoice = price(tariff, {"account": "a", "period": f"{year:04d}-{number:02d}", "edition": "low", "timeline": {"changes": changes}})
    assert len(invoice.lines) == len(changes) + 1
    # each line is fee × its days / the month's days, rounded once: at most one cent from exact, so
    # the sum is at most one cent per line from the whole fee
    assert abs(invoice.total - fee) <= Decimal("0.01") * len(invoice.lines)
    assert sum(int(line.fraction.split(" of ")[0]) for line in invoice.lines if line.fraction) == calendar.monthrange(year, number)[1]


DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)
ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12), DAYS)
CHANGES = st.lists(
    st.one_of(
        st.fixed_dictionaries({"on": DAYS, "edition": st.sampled_from(["pro", "flagship", "gold"])}),
        st.fixed_dictionaries({"on": DAYS, "addons": st.dictionaries(st.text(max_size=5), ANYTHING, max_size=2)}),
        st.dictionaries(st.sampled_from(["on", "edition", "addons", "when"]), ANYTHING, max_size=3),
        ANYTHING,
    ),
    max_size=4,
)
TIMELINES = st.one_of(
    ANYTHING,
    st.fixed_dictionaries({}, optional={"start": st.one_of(DAYS, ANYTHING), "changes": st.one_of(CHANGES, ANYTHING), "cancelled_on": DAYS}),
)
PERIODS = st.one_of(
    st.sampled_from(["2026-12", "2026-Q4", "2026", "0001-01", "9000-12"]),
    st.fixed_dictionaries({"from": DAYS, "to": DAYS}),
    ANYTHING,
)
TARIFFS = [PRORATED, engine.load_tariff(FIXTURES / "periods" / "annual-seats"), engine.load_tariff(FIXTURES.parent.parent / "tariffs" / "tencent-im")]


@given(st.sampled_from(TARIFFS), PERIODS, st.sampled_from(["pro", "team", "flagship"]), TIMELINES)
def test_any_timeline_gives_an_invoice_or_a_usage_error(tariff, period, edition, timeline):
    document = {"account": "a", "period": period, "edition": edition, "usage": {name: 1 for name in tariff.versions[-1].meters}}
    document["timeline"] = timeline
    try:
        invoice = price(tariff, document)
    except engine.UsageError as error:
        assert error.diagnostics
        return
    assert invoice.to_json() == price(tariff, document).to_json()
