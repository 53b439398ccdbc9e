"""Tariff problems: every one reported, each at its file:line:col, with what would be right."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TARIFFS

import engine

IM_TEXT = (TARIFFS / "tencent-im" / "2022-01-01.yaml").read_text("utf-8")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # `broken` names the file from here, and diagnostics name it as given


def broken(tmp_path: Path, *replacements: tuple[str, str]) -> tuple[Path, str]:
    text = IM_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    directory = tmp_path / "tencent-im"
    directory.mkdir(exist_ok=True)
    path = directory / "2022-01-01.yaml"
    path.write_text(text, "utf-8")
    return path.relative_to(tmp_path), text


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


def messages(path: Path) -> list[str]:
    with pytest.raises(engine.TariffError) as caught:
        engine.load_tariff(path)
    return [str(d) for d in caught.value.diagnostics]


def test_yaml_449_99_is_exactly_the_decimal(im):
    plan = im.versions[0].plans["pro"].charges[0]
    assert plan.price == Decimal("449.99") and type(plan.price) is Decimal
    assert im.versions[0].plans["flagship"].offers["message_retention_days"].prices == {
        90: Decimal("99.99"),
        180: Decimal("179.99"),
        360: Decimal("319.99"),
    }


def test_schema_errors_each_at_their_line_and_column(tmp_path):
    path, text = broken(
        tmp_path,
        ("currency: USD", "currency: usd"),
        ("      trial: {price: 0.00}", "      trial: {price: 0.00, pricee: 1}"),
        ("    model: blocks", "    model: blockz"),
        ("  scale: 2\n", ""),
    )
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'currency: usd')}:11: error: currency: 'usd' does not have the expected form [schema]\n"
        "hint: ISO 4217 code of every price in this file",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'mode: half_up')}:3: error: rounding: missing required key 'scale' [schema]\n"
        "hint: Decimals kept (2 = cents)",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'pricee')}:28: error: charges.plan.editions.trial.pricee: "
        "unknown key 'pricee' (allowed: cadence, price, proration, timing) [schema]\nhint: did you mean 'price'?",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'model: blockz')}:12: error: charges.dau_overage.model: "
        "'blockz' is not one of: flat, per_unit, blocks, tiered, option, trial [schema]\nhint: did you mean 'blocks'?",
    ]


def test_semantic_errors_each_at_their_line_and_column(tmp_path):
    path, text = broken(
        tmp_path,
        ("    quantity: groups", "    quantity: max(0, group) + 1"),
        ("    editions: [pro, flagship]\n\n  # Same", "    editions: [pro, flagshp]\n\n  # Same"),
        ("    option: group_join_limit", "    option: group_joins"),
    )
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, '  group_join_limit:')}:3: warning: options.group_join_limit: option 'group_join_limit' "
        "is declared but no charge prices it [unused-option]\nhint: price it with an 'option' or 'trial' charge, or remove it",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'flagshp')}:21: error: charges.dau_overage: edition 'flagshp' does not exist "
        "(editions: trial, pro, flagship) [unknown-edition]\nhint: did you mean 'flagship'?",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'max(0, group)')}:22: error: charges.group_overage.quantity: unknown name 'group' "
        "(known names: audio_video_call, dau, group_join_limit, group_member_limit, groups, message_retention_days, "
        "unlimited_avchatroom) [unknown-name]\nhint: did you mean 'groups'?",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'option: group_joins')}:13: error: charges.group_join_limit.option: "
        "option 'group_joins' is not declared (options: unlimited_avchatroom, group_member_limit, group_join_limit, "
        "message_retention_days, audio_video_call) [unknown-option]\nhint: did you mean 'group_join_limit'?",
    ]


def test_expression_syntax_error_points_at_the_fault(tmp_path):
    path, text = broken(tmp_path, ("    quantity: dau", '    quantity: "ceil(dau / 2"'))
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'ceil(dau / 2')}:20: error: charges.dau_overage.quantity: "
        "'ceil(dau / 2' does not parse: '(' was never closed [expression-syntax]\n"
        "hint: an expression is one formula, such as ceil(max(0, dau - 10000) / 10000); check its brackets and operators"
    ]


def test_forbidden_expression_is_refused_at_load(tmp_path):
    path, text = broken(tmp_path, ("    quantity: dau", "    quantity: dau.__class__"))
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'dau.__class__')}:15: error: charges.dau_overage.quantity: "
        "attribute access is not allowed in a tariff expression [expression-forbidden]\n"
        "hint: expressions may use + - * / // % **, comparisons, and/or/not, 'x if c else y', declared names and min, max, ceil, floor"
    ]


def test_duplicate_keys_and_syntax_errors(tmp_path):
    path, text = broken(tmp_path, ("currency: USD", "currency: USD\ncurrency: EUR"))
    assert messages(path) == [
        f'tencent-im/2022-01-01.yaml:{line_of(text, "currency: EUR")}:1: error: found duplicate key "currency" [duplicate-key]'
    ]
    path, text = broken(tmp_path, ("  scale: 2", "  scale: [2"))
    opened, stopped = line_of(text, "scale: [2"), line_of(text, "mode: half_up")
    assert messages(path)[0] == (  # named where the '[' opens, not where the parser gives up
        f"tencent-im/2022-01-01.yaml:{opened}:10: error: the list opened with '[' on line {opened} is never closed: a ']' is missing, "
        f"or a ',' between two of its items (reading stops at line {stopped}, column 7) [yaml-syntax]\nhint: a list on one line is [a, b, c]"
    )


def test_option_table_duplicates_and_tiers_out_of_order(tmp_path):
    path, text = broken(
        tmp_path,
        ("          - {value: 90, price: 179.99}", "          - {value: 30, price: 179.99}"),
    )
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, '{value: 30, price: 179.99}')}:21: error: "
        "charges.message_retention.editions.pro.table[1].value: 30 is offered twice "
        "(first at charges.message_retention.editions.pro.table[0]) [option-table]\nhint: offer each value once, with one price"
    ]


def test_version_file_named_by_another_date(tmp_path):
    path, text = broken(tmp_path, ("effective_from: 2022-01-01", "effective_from: 2022-02-01"))
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'effective_from:')}:17: error: file 2022-01-01.yaml holds effective_from "
        "2022-02-01; a version file is named by its date [version-name]\nhint: rename the file to 2022-02-01.yaml, or correct effective_from"
    ]


def test_not_a_calendar_date(tmp_path):
    path, text = broken(tmp_path, ("effective_from: 2022-01-01", "effective_from: 2022-02-30"))
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'effective_from:')}:17: error: '2022-02-30' is not a calendar date [date]\n"
        "hint: write the date as YYYY-MM-DD"
    ]


def test_warnings_do_not_stop_loading(tmp_path):
    path, text = broken(tmp_path, ("options:\n", "options:\n  legacy: {type: switch}\n"))
    tariff = engine.load_tariff(path)
    assert [str(w) for w in tariff.versions[0].warnings] == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'legacy:')}:3: warning: options.legacy: option 'legacy' is declared "
        "but no charge prices it [unused-option]\n"
        "hint: price it with an 'option' or 'trial' charge, or remove it"
    ]


def test_a_flat_price_finer_than_the_rounding_is_an_error(tmp_path):
    # A typo'd 449.999 would be billed as 450.00: it stops loading, it is not a warning
    path, text = broken(tmp_path, ("      pro: {price: 449.99}", "      pro: {price: 449.999}"))
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, '449.999')}:20: error: charges.plan.editions.pro.price: "
        "449.999 has 3 decimals, more than the rounding scale of 2 [money-scale]\n"
        "hint: this price is billed as it is and rounded to 2 decimals; write it as the price list does"
    ]


def test_schema_and_semantic_problems_in_one_run(tmp_path):
    # A schema error inside one charge does not hide the other checks: one run shows all three.
    path, text = broken(
        tmp_path,
        ("      pro: {price: 449.99}", "      pro: {price: 449.999}"),
        ("    quantity: dau\n", "    quantity: dua\n"),
        ("    block_size: 10000\n", "    block_size: -10000\n"),
    )
    assert messages(path) == [
        f"tencent-im/2022-01-01.yaml:{line_of(text, '449.999')}:20: error: charges.plan.editions.pro.price: "
        "449.999 has 3 decimals, more than the rounding scale of 2 [money-scale]\n"
        "hint: this price is billed as it is and rounded to 2 decimals; write it as the price list does",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'quantity: dua')}:15: error: charges.dau_overage.quantity: unknown name 'dua' "
        "(known names: audio_video_call, dau, group_join_limit, group_member_limit, groups, message_retention_days, "
        "unlimited_avchatroom) [unknown-name]\nhint: did you mean 'dau'?",
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'block_size: -10000')}:17: error: charges.dau_overage.block_size: "
        "-10000 is not greater than 0 [schema]\nhint: Units in one billed block",
    ]


def test_a_charge_of_the_wrong_shape_does_not_stop_the_checks_of_the_others(tmp_path):
    path, text = broken(
        tmp_path,
        ("  plan:\n    description: IM plan fee\n", "  plan: 5\n  old_plan:\n    description: IM plan fee\n"),
        ("    option: group_join_limit", "    option: group_joins"),
    )
    found = messages(path)
    assert found[0] == (
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'plan: 5')}:9: error: charges.plan: expected a mapping, got number 5 [schema]\n"
        "hint: One charge: a mapping with its model, the editions it is available on, and the parameters of its model"
    )
    assert found[1].startswith(
        f"tencent-im/2022-01-01.yaml:{line_of(text, 'option: group_joins')}:13: error: charges.group_join_limit.option: "
        "option 'group_joins' is not declared"
    )
    assert len(found) == 2  # no "unused" warnings while a charge cannot be read


def test_a_broken_structure_stops_at_the_schema(tmp_path):
    # With rounding itself broken, nothing more can be told reliably: only the schema speaks.
    path, _ = broken(tmp_path, ("  scale: 2\n", ""), ("    quantity: dau\n", "    quantity: dua\n"))
    assert [m.split(": error: ")[1].split(" [")[0] for m in messages(path)] == ["rounding: missing required key 'scale'"]
