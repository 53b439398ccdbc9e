"""Impact on invoices: scenarios priced under both versions, figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, TARIFFS

import engine
from engine.review.impact import Outcome, ScenarioImpact, impact, load_scenarios, price_under
from engine.review.revisions import read_document

OLD = read_document(str(TARIFFS / "tencent-im" / "2022-01-01.yaml")).version
# The proposed change of the walk-through: pro plan 449.99 → 499.99; DAU blocks of 5,000
# at 224.99 (were 10,000 at 449.99) on pro and flagship; pro no longer offers 30 days.
NEW = read_document(str(ROOT / "examples" / "price-change" / "tencent-im" / "2027-01-01.yaml")).version
SCENARIOS = ROOT / "examples" / "price-change" / "scenarios"


def test_each_scenario_under_both_versions_largest_movers_first():
    found = impact(OLD, NEW, load_scenarios(str(SCENARIOS)))
    assert [(s.name, s.old.total, s.new.total, s.delta, s.relative) for s in found.scenarios] == [
        # 2022: 449.99 + 99.99; proposed: 30 days is no longer offered on pro
        ("pro-30-day-retention.yaml", Decimal("549.98"), None, None, None),
        # excess DAU 85,000, groups 150,000, 360 days. 2022: 899.99 + 9 × 449.99 + 2 × 449.99 + 319.99
        # = 6169.87; proposed: 899.99 + 17 × 224.99 (3824.83) + 899.98 + 319.99 = 5944.79; −225.08 / 6169.87 = −3.6 %
        ("flagship-large.yaml", Decimal("6169.87"), Decimal("5944.79"), Decimal("-225.08"), Decimal("-3.6")),
        # excess DAU 22,000, 90 days. 2022: 449.99 + 3 × 449.99 + 179.99 = 1979.95;
        # proposed: 499.99 + 5 × 224.99 + 179.99 = 1804.93; −175.02 / 1979.95 = −8.8 %
        ("pro-worked-example.yaml", Decimal("1979.95"), Decimal("1804.93"), Decimal("-175.02"), Decimal("-8.8")),
        # the plan fee only: +50.00 / 449.99 = +11.1 %
        ("pro-quiet-month.yaml", Decimal("449.99"), Decimal("499.99"), Decimal("50.00"), Decimal("11.1")),
        # excess DAU 28,000. 2022: 449.99 + 3 × 449.99 = 1799.96; proposed: 499.99 + 6 × 224.99 = 1849.93
        ("pro-38k-dau.yaml", Decimal("1799.96"), Decimal("1849.93"), Decimal("49.97"), Decimal("2.8")),
        ("trial.yaml", Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), None),
    ]
    # Sum over the five both versions price: 10399.77 → 10099.64, −300.13, −2.9 %.
    assert (found.old_sum, found.new_sum, found.delta, found.relative) == (
        Decimal("10399.77"),
        Decimal("10099.64"),
        Decimal("-300.13"),
        Decimal("-2.9"),
    )


def test_a_refused_scenario_says_why():
    found = impact(OLD, NEW, load_scenarios(str(SCENARIOS / "pro-30-day-retention.yaml")))
    (only,) = found.scenarios
    assert only.status == "refused by new"
    assert only.new == Outcome(None, "addons.message_retention_days: 30 is not offered on pro (offered: 90, 180, 360)")
    assert (found.old_sum, found.new_sum, len(found.priced)) == (Decimal(0), Decimal(0), 0)


def test_golden_scenarios_files_give_each_item_s_usage(tmp_path: Path):
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: pro at quota\n"
        "    usage: {tariff: tencent-im, account: a1, period: 2026-11, edition: pro, usage: {dau: 10000, groups: 100000}}\n"
        "    expect: {total: '449.99'}\n"
        "  - description: flagship with 180 days\n"
        "    usage: {account: a2, period: 2026-11, edition: flagship, usage: {dau: 1, groups: 1},\n"
        "            addons: {message_retention_days: 180}}\n"
        "    expect: {total: '1079.98'}\n"
        "  - name: retention on trial\n"
        "    usage: {account: a3, period: 2026-11, edition: trial, addons: {message_retention_days: 90}}\n"
        "    expect: {refusal: 'not available on trial'}\n"
    )
    found = impact(OLD, NEW, load_scenarios(str(path)))
    assert [(s.name, s.status, s.old.total, s.new.total) for s in found.scenarios] == [
        ("pro at quota", "priced", Decimal("449.99"), Decimal("499.99")),
        ("flagship with 180 days", "priced", Decimal("1079.98"), Decimal("1079.98")),  # 899.99 + 179.99, unchanged
        ("retention on trial", "refused by both", None, None),
    ]


def test_a_directory_skips_version_files_and_reads_wrapped_scenarios(tmp_path: Path):
    (tmp_path / "2022-01-01.yaml").write_text((TARIFFS / "tencent-im" / "2022-01-01.yaml").read_text())
    (tmp_path / "one.json").write_text(
        '{"name": "json pro", "usage": {"account": "x", "period": "2026-11", "edition": "pro", "usage": {"dau": 0}}}'
    )
    assert [(s.name, s.usage["edition"]) for s in load_scenarios(str(tmp_path))] == [("json pro", "pro")]


def test_no_scenarios_is_an_error(tmp_path: Path):
    with pytest.raises(engine.UsageError) as raised:
        load_scenarios(str(tmp_path))
    assert [d.message for d in raised.value.diagnostics] == [f"{tmp_path}: no usage documents or scenarios found"]


def test_a_usage_for_another_tariff_is_refused_not_priced():
    usage = {"tariff": "tencent-sms", "account": "a", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1}}
    assert price_under(OLD, usage) == Outcome(None, "tariff: the usage is for tariff 'tencent-sms', not 'tencent-im'")


def test_a_scenario_priced_regardless_of_the_versions_dates():
    # Period 2026-11 is before NEW takes effect (2027-01-01): the review still prices it under NEW.
    usage = {"account": "a", "period": "2026-11", "edition": "pro", "usage": {"dau": 0, "groups": 0}}
    assert price_under(NEW, usage) == Outcome(Decimal("499.99"))


def test_status_words():
    priced, refused = Outcome(Decimal(1)), Outcome(None, "no")
    assert [ScenarioImpact("s", a, b).status for a, b in ((priced, priced), (refused, priced), (priced, refused), (refused, refused))] == [
        "priced",
        "refused by old",
        "refused by new",
        "refused by both",
    ]


def test_a_golden_scenarios_file_is_read_with_its_defaults():
    # Each scenario's usage is laid over the file's `defaults:` (tariff, account, period), as
    # `tariff test` reads it; the old version must then give every total worked out by hand in the file.
    from ruamel.yaml import YAML

    golden = TARIFFS / "tencent-im" / "scenarios.yaml"
    written = YAML(typ="safe").load(golden.read_text("utf-8"))
    by_hand = {s["name"]: s["expect"].get("total") for s in written["scenarios"]}
    found = impact(OLD, OLD, load_scenarios(str(golden)))
    assert len(found.scenarios) == len(by_hand) == 39  # 38 month scenarios and the refused mid-month upgrade
    assert {s.name: None if s.old.total is None else str(s.old.total) for s in found.scenarios} == by_hand
    refused = [s.name for s in found.scenarios if s.status == "refused by both"]
    assert refused == sorted(name for name, total in by_hand.items() if total is None)
    assert all("account: missing" not in (s.old.refusal or "") for s in found.scenarios)
