"""Which version the playground shows by default, and the month it prices it in (engine.server.forms)."""

from __future__ import annotations

import datetime as dt

import pytest
from playground_root import two_versions

import engine
from engine.server.forms import default_period, form, pick_version


@pytest.fixture(scope="module")
def tariff(tmp_path_factory):
    root = two_versions(tmp_path_factory.mktemp("forms"))
    mid_month = root / "tencent-im" / "2027-01-01.yaml"
    mid_month.rename(mid_month.with_name("2027-01-15.yaml"))
    text = mid_month.with_name("2027-01-15.yaml")
    text.write_text(text.read_text().replace("effective_from: 2027-01-01", "effective_from: 2027-01-15"))
    return engine.load_tariff(root / "tencent-im")


@pytest.mark.parametrize(
    ("today", "version", "period"),
    [
        ("2026-11-15", "1", "2026-11"),
        # version 2 is in force today, but January is priced by version 1 (in force on the 1st): February
        ("2027-01-20", "2", "2027-02"),
        ("2027-02-01", "2", "2027-02"),
        ("2021-06-01", "1", "2022-01"),  # before the first version: the first one, in its first month
    ],
)
def test_the_default_version_and_period(tariff, today, version, period):
    day = dt.date.fromisoformat(today)
    picked = pick_version(tariff, None, day)
    assert (picked.version, default_period(tariff, picked, day)) == (version, period)


def test_a_version_starting_mid_month_is_shown_in_its_first_whole_month(tariff):
    day = dt.date(2026, 11, 15)
    assert default_period(tariff, pick_version(tariff, "2", day), day) == "2027-02"


def test_before_the_first_version_none_is_in_force_today(tariff):
    assert form(tariff, tariff.versions[0], dt.date(2021, 6, 1))["in_force_today"] is None
