"""The review diff: every kind of change, with its wording and the line of NEW it sits on."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, TARIFFS
from tariff_text import diff_files, edited, line_of, lines, write_version

IM = TARIFFS / "tencent-im" / "2022-01-01.yaml"
IM_TEXT = IM.read_text(encoding="utf-8")
STORAGE = FIXTURES / "diff" / "storage-base.yaml"
STORAGE_TEXT = STORAGE.read_text(encoding="utf-8")


def im_changes(tmp_path: Path, *edits: tuple[str, str]) -> tuple[list[tuple[str, str]], str]:
    """The IM tariff against a copy with `edits`: (file:line, text) per change, and NEW's text."""
    text = edited(IM_TEXT, *edits)
    new = write_version(tmp_path / "tencent-im", "2022-01-01.yaml", text)
    return lines(diff_files(IM, new)), text


def storage_changes(tmp_path: Path, *edits: tuple[str, str]) -> tuple[list[tuple[str, str]], str]:
    text = edited(STORAGE_TEXT, *edits)
    new = write_version(tmp_path / "diff", "storage-new.yaml", text)
    return lines(diff_files(STORAGE, new)), text


def at(text: str, snippet: str, file: str = "tencent-im/2022-01-01.yaml") -> str:
    return f"{file}:{line_of(text, snippet)}"


def test_an_edition_fee_raised(tmp_path):
    found, new = im_changes(tmp_path, ("pro: {price: 449.99}", "pro: {price: 499.99}"))
    assert found == [(at(new, "pro: {price: 499.99}"), "pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)")]


def test_an_edition_fee_cut(tmp_path):
    found, new = im_changes(tmp_path, ("flagship: {price: 899.99}", "flagship: {price: 799.99}"))
    assert found == [(at(new, "flagship: {price: 799.99}"), "flagship / plan / price: 899.99 → 799.99 USD per month (-11.1 %)")]


def test_a_fee_from_zero_has_no_percentage(tmp_path):
    found, new = im_changes(tmp_path, ("trial: {price: 0.00}", "trial: {price: 9.99}"))
    assert found == [(at(new, "trial: {price: 9.99}"), "trial / plan / price: 0.00 → 9.99 USD per month")]


def test_a_block_size_shared_by_two_editions_is_one_line(tmp_path):
    found, new = im_changes(tmp_path, ("    block_size: 10000\n", "    block_size: 5000\n"))
    assert found == [(at(new, "block_size: 5000"), "flagship, pro / dau_overage / block size: 10000 → 5000 users")]


def test_an_included_quantity(tmp_path):
    found, new = im_changes(tmp_path, ("    included: 10000\n", "    included: 20000\n"))
    assert found == [(at(new, "included: 20000"), "flagship, pro / dau_overage / included: 10000 → 20000 users")]


def test_a_block_price(tmp_path):
    found, new = im_changes(
        tmp_path, ("block_size: 100000\n    round: up\n    price: 449.99", "block_size: 100000\n    round: up\n    price: 399.99")
    )
    where = f"tencent-im/2022-01-01.yaml:{line_of(new, '    price: 399.99')}"
    assert found == [(where, "flagship, pro / group_overage / price: 449.99 → 399.99 USD per block (-11.1 %)")]


def test_how_a_part_block_counts(tmp_path):
    found, new = im_changes(tmp_path, ("block_size: 100000\n    round: up", "block_size: 100000\n    round: down"))
    assert found == [(at(new, "round: down"), "flagship, pro / group_overage / part block: billed as a whole block → not billed")]


def test_an_option_value_added(tmp_path):
    found, new = im_changes(
        tmp_path,
        ("          - {value: 360, price: 399.99}\n", "          - {value: 360, price: 399.99}\n          - {value: 720, price: 499.99}\n"),
    )
    assert found == [(at(new, "{value: 720"), "pro / message_retention / 720 days: now offered at 499.99 USD per month")]


def test_an_option_value_removed_is_placed_at_its_table(tmp_path):
    found, new = im_changes(tmp_path, ("          - {value: 30, price: 99.99}\n", ""))
    table = line_of(new, "          - {value: 90, price: 179.99}") - 1
    assert found == [
        (f"tencent-im/2022-01-01.yaml:{table}", "pro / message_retention / 30 days: no longer offered (was 99.99 USD per month)")
    ]
    assert new.splitlines()[table - 1] == "        table:"


def test_an_option_price(tmp_path):
    found, new = im_changes(tmp_path, ("{value: 90, price: 179.99}", "{value: 90, price: 189.99}"))
    assert found == [(at(new, "{value: 90, price: 189.99}"), "pro / message_retention / 90 days: 179.99 → 189.99 USD per month (+5.6 %)")]


def test_a_switch_now_available_on_an_edition(tmp_path):
    avchatroom = "    option: unlimited_avchatroom\n    editions:\n      pro:\n        table:\n          - {value: true, price: 449.99}\n"
    added = avchatroom + "      flagship:\n        table:\n          - {value: true, price: 349.99}\n"
    found, new = im_changes(tmp_path, (avchatroom, added))
    line = line_of(new, avchatroom) + len(avchatroom.splitlines())
    assert found == [
        (
            f"tencent-im/2022-01-01.yaml:{line}",
            "flagship / unlimited_avchatroom: now available on flagship: option table of unlimited_avchatroom (true: 349.99 USD per month)",
        )
    ]


def test_a_charge_no_longer_available_on_an_edition(tmp_path):
    dau = "    price: 449.99\n    editions: [pro, flagship]\n\n  # Same reading"
    found, new = im_changes(tmp_path, (dau, dau.replace("[pro, flagship]", "[pro]")))
    assert found == [
        (
            at(new, "    editions: [pro]\n\n  # Same reading"),
            "flagship / dau_overage: no longer available on flagship (was blocks (block size: 10000 users; included: 10000 users; "
            "part block: billed as a whole block; price: 449.99 USD per block; quantity: dau))",
        )
    ]


def test_a_trial_length(tmp_path):
    found, new = im_changes(tmp_path, ("free_days: 60", "free_days: 90"))
    assert found == [(at(new, "free_days: 90"), "flagship, pro / audio_video_call / free days: 60 → 90 days")]


def test_a_price_after_the_trial(tmp_path):
    found, new = im_changes(tmp_path, ("    free_days: 60\n", "    free_days: 60\n    price_after: 49.99\n"))
    assert found == [
        (at(new, "price_after: 49.99"), "flagship, pro / audio_video_call / price after trial: none published → 49.99 USD per month")
    ]


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        ("  mode: half_up\n", "  mode: half_even\n", "tariff / rounding / mode: half_up → half_even"),
        ("  scale: 2\n", "  scale: 3\n", "tariff / rounding / scale: 2 → 3 decimals"),
        ("  apply: per_line\n", "  apply: total\n", "tariff / rounding / applied: per_line → total"),
        (
            "{from_day: 1, until_day: 3}",
            "{from_day: 1, until_day: 5}",
            "tariff / settlement window: days 1 to 3 of the next period → days 1 to 5 of the next period",
        ),
        ("currency: USD", "currency: EUR", "tariff / currency: USD → EUR"),
    ],
)
def test_rounding_settlement_and_currency(tmp_path, old, new, text):
    found, written = im_changes(tmp_path, (old, new))
    assert found == [(at(written, new.strip()), text)]


def test_a_meter_bound(tmp_path):
    dau = "    minimum: 0\n    maximum: 1000000000000\n  groups:"
    found, new = im_changes(tmp_path, (dau, dau.replace("1000000000000", "1000000000")))
    assert found == [(at(new, "maximum: 1000000000\n  groups:"), "meter dau / maximum: 1000000000000 → 1000000000 users")]


def test_a_meter_and_an_option_declared(tmp_path):
    found, new = im_changes(
        tmp_path,
        ("meters:\n", "meters:\n  messages: {type: integer, aggregation: sum, maximum: 1000, unit: messages}\n"),
        ("options:\n", "options:\n  translation: {type: switch}\n"),
    )
    assert found == [
        (at(new, "  messages:"), "meter messages: added: integer, one value per period (maximum: 1000 messages; minimum: 0 messages)"),
        (at(new, "  translation:"), "option translation: added: switch"),
    ]


def test_an_edition_added_is_one_line_with_its_prices(tmp_path):
    found, new = im_changes(
        tmp_path,
        ("editions:\n  trial:\n", "editions:\n  enterprise: {}\n  trial:\n"),
        ("      flagship: {price: 899.99}\n", "      flagship: {price: 899.99}\n      enterprise: {price: 1999.99}\n"),
    )
    assert found == [(at(new, "  enterprise: {}"), "edition enterprise: new edition (plan: flat fee; plan / price: 1999.99 USD per month)")]


def test_an_edition_removed_is_one_line(tmp_path):
    found, new = im_changes(
        tmp_path,
        ("  trial:\n    description: Trial edition, free and permanent\n", ""),
        ("      trial: {price: 0.00}\n", ""),
    )
    assert found == [(at(new, "editions:\n  pro:"), "edition trial: edition removed")]


def test_wording_is_a_note_not_a_pricing_change(tmp_path):
    text = edited(IM_TEXT, ("description: IM plan fee", "description: Monthly IM plan"))
    found = diff_files(IM, write_version(tmp_path / "tencent-im", "2022-01-01.yaml", text))
    assert (found.changed, found.changes) == (False, ())
    assert [(c.where, c.text) for c in found.notes] == [
        (at(text, "description: Monthly IM plan"), "flagship, pro, trial / plan / description: IM plan fee → Monthly IM plan")
    ]


# -- the storage fixture: tiers, per-unit prices, conditions, attributes, overrides ----------------


def test_a_tier_bound_moves_the_next_tier_too(tmp_path):
    found, new = storage_changes(tmp_path, ("{up_to: 1000, unit_price: 0.08}", "{up_to: 2000, unit_price: 0.08}"))
    assert found == [
        (at(new, "{up_to: 2000", "diff/storage-new.yaml"), "basic / storage / tier 2: 100 to 1000 GB → 100 to 2000 GB"),
        (at(new, "{up_to: null", "diff/storage-new.yaml"), "basic / storage / tier 3: above 1000 GB → above 2000 GB"),
    ]


def test_a_tier_price(tmp_path):
    found, new = storage_changes(tmp_path, ("{up_to: 1000, unit_price: 0.08}", "{up_to: 1000, unit_price: 0.09}"))
    assert found == [
        (at(new, "{up_to: 1000", "diff/storage-new.yaml"), "basic / storage / tier 2 / unit price: 0.08 → 0.09 EUR per GB (+12.5 %)")
    ]


def test_a_tier_added_at_the_top(tmp_path):
    top = "      - {up_to: null, unit_price: 0.05, extra_block: {size: 1000, price: 1.00}}\n"
    found, new = storage_changes(tmp_path, (top, "      - {up_to: 10000, unit_price: 0.05}\n      - {up_to: null, unit_price: 0.04}\n"))
    file = "diff/storage-new.yaml"
    assert found == [
        (at(new, "{up_to: 10000", file), "basic / storage / tier 3: above 1000 GB → 1000 to 10000 GB"),
        (at(new, "{up_to: 10000", file), "basic / storage / tier 3 / extra block price: removed (was 1.00 EUR per block)"),
        (at(new, "{up_to: 10000", file), "basic / storage / tier 3 / extra block size: removed (was 1000 GB)"),
        (at(new, "{up_to: null", file), "basic / storage / tier 4: added: above 10000 GB (flat fee: 0 EUR; unit price: 0.04 EUR per GB)"),
    ]


def test_an_expression_compares_by_meaning_not_spacing(tmp_path):
    found, _ = storage_changes(
        tmp_path, ("quantity: requests / 1000", "quantity: requests/1000"), ("when: requests > 10000", "when: (requests>10000)")
    )
    assert found == []


def test_a_quantity_and_a_condition(tmp_path):
    found, new = storage_changes(
        tmp_path, ("quantity: requests / 1000", "quantity: requests / 100"), ("when: requests > 10000", "when: requests > 20000")
    )
    file = "diff/storage-new.yaml"
    assert found == [
        (at(new, "quantity: requests / 100", file), "basic, business / requests / quantity: requests / 1000 → requests / 100"),
        (at(new, "when: requests > 20000", file), "basic, business / requests / condition: requests > 10000 → requests > 20000"),
    ]


def test_an_edition_attribute(tmp_path):
    found, new = storage_changes(tmp_path, ("free_gb: 100", "free_gb: 200"))
    assert found == [(at(new, "free_gb: 200", "diff/storage-new.yaml"), "edition business / free_gb: 100 → 200")]


def test_a_per_edition_override(tmp_path):
    found, new = storage_changes(tmp_path, ("business: {price: 50.00}", "business: {price: 55.00}"))
    assert found == [
        (at(new, "business: {price: 55.00}", "diff/storage-new.yaml"), "business / base / price: 50.00 → 55.00 EUR per month (+10.0 %)")
    ]


def test_a_named_option_value_and_a_switch_price(tmp_path):
    found, new = storage_changes(
        tmp_path,
        ("          - {value: us, price: 2.50}\n", "          - {value: us, price: 2.50}\n          - {value: asia, price: 4.50}\n"),
        ("- {value: true, price: 3.00}", "- {value: true, price: 3.50}"),
    )
    file = "diff/storage-new.yaml"
    assert found == [
        (at(new, "{value: true", file), "basic, business / backup / true: 3.00 → 3.50 EUR per month (+16.7 %)"),
        (at(new, "{value: asia, price: 4.50}", file), "basic / region / asia: now offered at 4.50 EUR per month"),
    ]


def test_a_trial_price_after(tmp_path):
    found, new = storage_changes(tmp_path, ("price_after: 9.99", "price_after: 12.99"))
    assert found == [
        (
            at(new, "price_after: 12.99", "diff/storage-new.yaml"),
            "business / support / price after trial: 9.99 → 12.99 EUR per month (+30.0 %)",
        )
    ]


def test_a_charge_model(tmp_path):
    per_unit = "    model: per_unit\n    quantity: requests / 1000\n    unit_price: 0.004\n"
    found, new = storage_changes(tmp_path, (per_unit, "    model: blocks\n    quantity: requests\n    block_size: 1000\n    price: 4.00\n"))
    file = "diff/storage-new.yaml"
    assert found == [
        (at(new, "  requests:\n    description", file), "basic, business / requests / included: added: 0 requests"),
        (at(new, "  requests:\n    description", file), "basic, business / requests / part block: added: billed as a whole block"),
        (at(new, "  requests:\n    description", file), "basic, business / requests / unit price: removed (was 0.004 EUR per unit)"),
        (at(new, "model: blocks", file), "basic, business / requests: per unit → blocks"),
        (at(new, "quantity: requests\n", file), "basic, business / requests / quantity: requests / 1000 → requests"),
        (at(new, "block_size: 1000\n", file), "basic, business / requests / block size: added: 1000 requests"),
        (at(new, "    price: 4.00", file), "basic, business / requests / price: added: 4.00 EUR per block"),
    ]
