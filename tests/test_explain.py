"""`engine.explain` / `tariff explain`: formulas, values and steps that end in the invoice's own amounts."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.cli import main
from engine.core.money import text

WORKED_EXAMPLE = {
    "account": "1400000001",
    "period": "2026-11",
    "edition": "pro",
    "usage": {"dau": [32000] + [9000] * 29, "groups": 1},
    "addons": {"message_retention_days": 90},
}


@pytest.fixture(scope="module")
def demo() -> engine.Tariff:
    return engine.load_tariff(FIXTURES / "demo")


def demo_usage(**changes: object) -> dict[str, object]:
    usage: dict[str, object] = {
        "account": "acme",
        "period": "2024-05",
        "edition": "pro",
        "usage": {"seats": [3, 12, 8], "messages": [4000, 8000], "storage_gb": Decimal("3.5")},
        "addons": {"support": 10, "sandbox": {"activated_on": "2024-04-20"}},
    }
    usage.update(changes)
    return usage


def lines_of(explanation: engine.Explanation) -> dict[str, str]:
    return {line.id: line.text for line in explanation.lines}


def test_the_worked_example_line_by_line(im):
    explanation = engine.explain(im, WORKED_EXAMPLE)
    assert lines_of(explanation) == {
        "plan": "price = 449.99",
        "dau_overage": "ceil(max(0, dau − included) / block_size) × price = ceil(max(0, 32000 − 10000) / 10000) × 449.99 "
        "= ceil(22000 / 10000) × 449.99 = 3 × 449.99 = 1349.97",
        "group_overage": "ceil(max(0, groups − included) / block_size) × price = ceil(max(0, 1 − 100000) / 100000) × 449.99 "
        "= ceil(0 / 100000) × 449.99 = 0 × 449.99 = 0.00",
        "message_retention": "table[message_retention_days] = table[90] = 179.99",
    }
    assert [line.source for line in explanation.lines] == [f"tencent-im/2022-01-01.yaml:{n}" for n in (88, 103, 115, 164)]
    assert explanation.total == "449.99 + 1349.97 + 0.00 + 179.99 = 1979.95 USD (each line rounded half_up to 2 decimals)"


def test_what_came_to_nothing_and_why(im):
    explanation = engine.explain(im, WORKED_EXAMPLE)
    assert [(row[0], row[2]) for row in explanation.came_to_nothing] == [
        ("group_overage", "peak groups 1 ≤ included 100000"),
        ("unlimited_avchatroom", "not bought (addons.unlimited_avchatroom not given)"),
        ("group_member_limit", "not bought (addons.group_member_limit not given)"),
        ("group_join_limit", "not bought (addons.group_join_limit not given)"),
        ("audio_video_call", "not bought (addons.audio_video_call not given)"),
    ]


def test_meters_and_the_checks_that_passed(im):
    explanation = engine.explain(im, WORKED_EXAMPLE)
    assert [meter.text for meter in explanation.meters] == [
        "dau: max of 30 daily values = 32000",
        "groups: one value for the period = 1",
    ]
    assert explanation.checks == (
        "tencent-im/2022-01-01.yaml is the version of tencent-im in force on 2026-11-01",
        "edition pro exists in tencent-im (editions: trial, pro, flagship)",
        "the pro edition prices dau, groups: all given",
        "usage.dau: 30 daily values (2026-11 has 30 days), each a whole number from 0 to 1000000000000",
        "usage.groups: 1 is a whole number from 0 to 1000000000000",
        "addons.message_retention_days: 90 is offered on pro (offered: 30, 90, 180, 360)",
    )


def test_trial_edition_shows_the_charges_it_does_not_have(im):
    explanation = engine.explain(im, {"account": "1", "period": "2026-11", "edition": "trial"})
    assert lines_of(explanation) == {"plan": "price = 0.00"}
    assert explanation.came_to_nothing[:2] == (
        ("plan", "tencent-im/2022-01-01.yaml:88", "the trial edition's price is 0.00"),
        ("dau_overage", "tencent-im/2022-01-01.yaml:103", "not on the trial edition (on: pro, flagship)"),
    )
    assert [meter.text for meter in explanation.meters] == [
        "dau: not given (not needed on trial)",
        "groups: not given (not needed on trial)",
    ]


def test_every_charge_model(demo):
    explanation = engine.explain(demo, demo_usage())
    assert lines_of(explanation) == {
        "plan": "price = 49.50",
        "seats": "ceil(max(0, seats − included_seats) / block_size) × price = ceil(max(0, 12 − 5) / 5) × 20.00 "
        "= ceil(7 / 5) × 20.00 = 2 × 20.00 = 40.00",
        "messages": "messages in (0, 1000] × 0 + messages in (1000, 10000] × 0.0015 + messages above 10000 × 0.001 "
        "= 1000 × 0 + 9000 × 0.0015 + 2000 × 0.001 = 0 + 13.50 + 2.00 = 15.50",
        "storage": "(storage_gb - 1) × unit_price = (3.5 - 1) × 0.125 = 2.5 × 0.125 = 0.3125 → 0.31 (rounded half_up to 2 decimals)",
        "support": "table[support] = table[10] = 100.00",
        "sandbox": "free for free_days from activated_on = free trial from 2024-04-20 to 2024-05-03 (14 days), overlapping 2024-05 = 0.00",
    }
    assert [line.condition for line in explanation.lines if line.condition] == ["when storage_gb > 1: 3.5 > 1 is true"]
    assert [meter.text for meter in explanation.meters] == [
        "seats: max of 3 daily values = 12",
        "messages: sum of 2 daily values = 12000",
        "storage_gb: one value for the period = 3.5",
    ]
    # 49.50 + 40.00 + 15.50 + 0.31 + 100.00 + 0.00, by hand
    assert explanation.invoice.total == Decimal("205.31")


def test_a_trial_that_is_over_is_priced_after(demo):
    explanation = engine.explain(demo, demo_usage(period="2024-06"))
    assert lines_of(explanation)["sandbox"] == (
        "price_after once the trial is over = free trial from 2024-04-20 to 2024-05-03 (14 days), over before 2024-06: 15.00 = 15.00"
    )


def test_a_false_condition_and_an_edition_without_the_charge(demo):
    usage = demo_usage(edition="basic", usage={"messages": 10, "storage_gb": Decimal("0.5")}, addons={})
    explanation = engine.explain(demo, usage)
    assert lines_of(explanation) == {
        "plan": "price = 10.00",
        "messages": "messages in (0, 1000] × 0 + messages in (1000, 10000] × 0.0015 + messages above 10000 × 0.001 = 10 × 0 = 0.00",
    }
    assert {row[0]: row[2] for row in explanation.came_to_nothing} == {
        "seats": "not on the basic edition (on: pro)",
        "messages": "the tiers price total messages 10 at 0",
        "storage": "condition storage_gb > 1 is false: 0.5 > 1",
        "support": "not on the basic edition (on: pro)",
        "sandbox": "not on the basic edition (on: pro)",
    }


def test_volume_tiers_with_a_flat_fee_and_extra_blocks(tmp_path):
    text_ = (FIXTURES / "demo" / "2024-01-01.yaml").read_text()
    text_ = text_.replace("mode: graduated", "mode: volume").replace(
        "{above: 10000, up_to: null, unit_price: 0.001}",
        "{above: 10000, up_to: null, unit_price: 0.001, flat_fee: 5.00, extra_block: {size: 1000, price: 0.50}}",
    )
    (tmp_path / "2024-01-01.yaml").write_text(text_)
    explanation = engine.explain(engine.load_tariff(tmp_path / "2024-01-01.yaml"), demo_usage())
    # volume: all 12000 at 0.001 = 12.00, + 5.00 flat, + ceil((12000 − 10000) / 1000) = 2 × 0.50 = 1.00 → 18.00
    assert lines_of(explanation)["messages"] == (
        "messages × the price of the tier it falls in: (0, 1000] 0, (1000, 10000] 0.0015, "
        "above 10000 (0.001 + 5.00 + 0.50 per started 1000) = 12000 × 0.001 + 5.00 + 2 × 0.50 = 18.00"
    )
    assert explanation.invoice.lines[2].amount == Decimal("18.00")


def test_rounding_of_the_total_only(tmp_path, demo):
    text_ = (FIXTURES / "demo" / "2024-01-01.yaml").read_text().replace("apply: per_line", "apply: total")
    (tmp_path / "2024-01-01.yaml").write_text(text_)
    explanation = engine.explain(engine.load_tariff(tmp_path / "2024-01-01.yaml"), demo_usage())
    assert lines_of(explanation)["storage"] == "(storage_gb - 1) × unit_price = (3.5 - 1) × 0.125 = 2.5 × 0.125 = 0.3125"
    # 49.50 + 40.00 + 15.5000 + 0.3125 + 100.00 + 0 = 205.3125 → 205.31
    assert explanation.total == (
        "49.50 + 40.00 + 15.5000 + 0.3125 + 100.00 + 0 = 205.3125, rounded half_up to 2 decimals = 205.31 EUR (rounding line -0.0025)"
    )


counts = st.integers(min_value=0, max_value=10**12)


@given(
    edition=st.sampled_from(["pro", "flagship"]),
    dau=st.one_of(counts, st.lists(counts, min_size=1, max_size=30)),
    groups=counts,
    retention=st.sampled_from([None, 90, 180, 360]),
)
def test_the_amounts_are_the_invoice_amounts(im, edition, dau, groups, retention):
    usage = {"account": "1", "period": "2026-11", "edition": edition, "usage": {"dau": dau, "groups": groups}}
    if retention:
        usage["addons"] = {"message_retention_days": retention}
    explanation = engine.explain(im, usage)
    assert explanation.invoice == engine.quote(im, usage)
    for line, invoice_line in zip(explanation.lines, explanation.invoice.lines, strict=True):
        assert (line.id, line.source, line.amount) == (invoice_line.id, invoice_line.source, invoice_line.amount)
        assert line.steps[-1] == text(invoice_line.amount)
        if line.id.endswith("_overage"):
            assert line.steps[-2] == f"{invoice_line.quantity} × 449.99"


@pytest.fixture(scope="module")
def demo_volume(tmp_path_factory: pytest.TempPathFactory) -> engine.Tariff:
    path = tmp_path_factory.mktemp("volume") / "2024-01-01.yaml"
    path.write_text((FIXTURES / "demo" / "2024-01-01.yaml").read_text().replace("mode: graduated", "mode: volume"))
    return engine.load_tariff(path)


@given(
    messages=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=31),
    storage=st.decimals(min_value=0, max_value=1000, places=3),
    graduated=st.booleans(),
)
def test_the_steps_of_tiers_and_unit_prices_reach_the_priced_amount(demo, demo_volume, messages, storage, graduated):
    usage = demo_usage(usage={"seats": 1, "messages": messages, "storage_gb": storage})
    explanation = engine.explain(demo if graduated else demo_volume, usage)
    for line in explanation.lines:
        exact = Decimal(line.steps[-2]) if line.rounded else line.amount
        assert exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") == line.amount
        assert line.steps[-1].split(" (rounded")[0] == text(line.amount)
        if line.id == "messages" and graduated and len(line.steps) > 2:
            parts = line.steps[-3] if line.rounded else line.steps[-2]
            assert sum(Decimal(part) for part in parts.split(" + ")) == exact


def test_json_carries_the_explanation_and_the_invoice(im):
    explanation = engine.explain(im, WORKED_EXAMPLE)
    document = json.loads(explanation.to_json())
    assert document["invoice"] == json.loads(engine.quote(im, WORKED_EXAMPLE).to_json())
    assert document["lines"][1] == {
        "id": "dau_overage",
        "source": "tencent-im/2022-01-01.yaml:103",
        "formula": "ceil(max(0, dau − included) / block_size) × price",
        "steps": ["ceil(max(0, 32000 − 10000) / 10000) × 449.99", "ceil(22000 / 10000) × 449.99", "3 × 449.99", "1349.97"],
        "amount": "1349.97",
        "condition": None,
        "reason": None,
        "rounded": False,
    }
    assert document["no_lines"][0] == {
        "id": "unlimited_avchatroom",
        "source": "tencent-im/2022-01-01.yaml:129",
        "reason": "not bought (addons.unlimited_avchatroom not given)",
    }
    assert document["meters"][0] == {
        "name": "dau",
        "aggregation": "max",
        "values": 30,
        "value": "32000",
        "text": "dau: max of 30 daily values = 32000",
    }


def test_tariff_explain_prints_every_part(capsys):
    assert main(["explain", str(ROOT / "examples" / "pro-usage.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Explanation for account 1400000001  period 2026-11  edition pro\n"
        "tariff tencent-im: tencent-im/2022-01-01.yaml (version 1), in force on 2026-11-01\n\nchecks passed\n"
    )
    assert "\nmeters\n  dau: one value for the period = 32000\n  groups: max of 2 daily values = 120000\n" in out
    assert (
        "  dau_overage         tencent-im/2022-01-01.yaml:103  ceil(max(0, dau − included) / block_size) × price = "
        "ceil(max(0, 32000 − 10000) / 10000) × 449.99 = ceil(22000 / 10000) × 449.99 = 3 × 449.99 = 1349.97\n"
    ) in out
    assert "\ncame to nothing\n  unlimited_avchatroom  tencent-im/2022-01-01.yaml:129  not bought" in out
    assert out.endswith("\ntotal\n  449.99 + 1349.97 + 449.99 + 239.99 + 179.99 = 2669.93 USD (each line rounded half_up to 2 decimals)\n")


def test_tariff_explain_json_and_a_refusal(tmp_path: Path, capsys):
    assert main(["explain", str(ROOT / "examples" / "pro-usage.yaml"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["invoice"]["total"] == "2669.93"
    usage = tmp_path / "usage.yaml"
    usage.write_text("account: '1'\nperiod: '2026-11'\nedition: pro\nusage: {dau: 0, groups: 0}\naddons: {message_retention_days: 45}\n")
    assert main(["explain", str(usage), "--tariff", str(ROOT / "tariffs" / "tencent-im")]) == 2
    assert capsys.readouterr() == (
        "",
        "addons.message_retention_days: error: 45 is not offered on pro (offered: 30, 90, 180, 360) [option]\n",
    )


def test_the_example_in_the_docs_is_the_real_output(capsys):
    assert main(["explain", str(ROOT / "examples" / "pro-usage.yaml")]) == 0
    [documented] = re.findall(r"```text\n(.*?)```", (ROOT / "docs" / "explain.md").read_text(), re.DOTALL)
    assert documented == capsys.readouterr().out


def test_every_explanation_is_valid_under_its_published_schema(im):
    from referencing import Registry, Resource

    from engine.core.resources import schema

    registry = Registry().with_resources([(schema(n)["$id"], Resource.from_contents(schema(n))) for n in ("invoice", "explanation")])
    validator = jsonschema.Draft7Validator(schema("explanation"), registry=registry)
    documents = [
        {"account": "1", "period": "2026-11", "edition": "trial"},
        {
            "account": "1",
            "period": "2026-11",
            "edition": "pro",
            "usage": {"dau": [1, 32000], "groups": 1},
            "addons": {"message_retention_days": 90, "audio_video_call": {"activated_on": "2026-11-02"}},
        },
    ]
    for document in documents:
        assert list(validator.iter_errors(json.loads(engine.explain(im, document).to_json()))) == []
    broken = json.loads(engine.explain(im, documents[1]).to_json())
    broken["invoice"]["total"] = 1979.95
    assert [error.message for error in validator.iter_errors(broken)] == ["1979.95 is not of type 'string'"]
