"""Hostile or mistaken tariff files: YAML bombs and traps, sizes, money that is not money.

Each case edits the shipped IM tariff in one place and asserts every diagnostic exactly:
the file, line and column, the message and the rule.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from engine import TariffError, load_tariff
from engine.language.catalog import check_path
from engine.language.source import MAX_DOCUMENT_BYTES, MAX_NODES, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
IM_TEXT = (ROOT / "tariffs" / "tencent-im" / "2022-01-01.yaml").read_text("utf-8")
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
FILE = "tencent-im/2022-01-01.yaml"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # `write_im` names the file from here, and diagnostics name it as given: FILE


def write_im(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "tencent-im" / "2022-01-01.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path.relative_to(tmp_path)


def diagnostics_of(tmp_path: Path, old: str, new: str) -> list[str]:
    assert IM_TEXT.count(old) == 1, old
    tariff, found = check_path(write_im(tmp_path, IM_TEXT.replace(old, new)))
    return [str(d) for d in found if d.severity == "error"] if tariff is None else []


# -- YAML: bombs, aliases, tags, directives, nesting, size ----------------------------------


def test_billion_laughs_is_refused_at_its_first_anchor_in_small_memory() -> None:
    tracemalloc.start()
    try:
        tariff, found = check_path(HOSTILE / "billion-laughs.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tariff is None
    assert [str(d) for d in found] == [
        f"{HOSTILE / 'billion-laughs.yaml'}:3:7: error: YAML anchors and aliases (&name, *name) are not allowed: write the value out [yaml-syntax]"
    ]
    assert peak < 2_000_000  # bytes: the ten levels of nine are never expanded


def test_an_alias_cycle_is_refused(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, "billing_cycle:\n  period: calendar_month", "billing_cycle: &loop\n  period: [*loop]") == [
        f"{FILE}:19:16: error: YAML anchors and aliases (&name, *name) are not allowed: write the value out [yaml-syntax]"
    ]


def test_a_merge_key_is_refused_like_any_alias(tmp_path: Path) -> None:
    old = "  pro:\n    description: Pro edition, billed monthly"
    assert diagnostics_of(tmp_path, old, "  pro: &pro\n    description: Pro edition, billed monthly") == [
        f"{FILE}:38:8: error: YAML anchors and aliases (&name, *name) are not allowed: write the value out [yaml-syntax]"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!python/object/apply:os.system [true]", "YAML tag !!python/object/apply:os.system is not allowed: write a plain value"),
        ("!!float 449.99", "YAML tag !!float is not allowed: write a plain value"),
        ("!price 449.99", "YAML tag !price is not allowed: write a plain value"),
    ],
)
def test_explicit_tags_are_refused(tmp_path: Path, value: str, message: str) -> None:
    assert diagnostics_of(tmp_path, "pro: {price: 449.99}", f"pro: {{price: {value}}}") == [f"{FILE}:93:20: error: {message} [yaml-syntax]"]


def test_a_yaml_1_1_directive_is_refused(tmp_path: Path) -> None:
    tariff, found = check_path(write_im(tmp_path, "%YAML 1.1\n---\n" + IM_TEXT))
    assert tariff is None
    assert [str(d) for d in found] == [
        f"{FILE}:8:1: error: %YAML 1.1 directive: only YAML 1.2 is read (remove the directive) [yaml-syntax]"
    ]


def test_a_yaml_1_2_directive_is_accepted(tmp_path: Path) -> None:
    assert load_tariff(write_im(tmp_path, "%YAML 1.2\n---\n" + IM_TEXT)).id == "tencent-im"


def test_deep_nesting_is_refused_before_python_recursion(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, 'version: "1"', "version: " + "[" * 5000 + "]" * 5000) == [
        f"{FILE}:7:41: error: document is nested deeper than 32 levels [yaml-syntax]"
    ]


def test_a_document_over_the_node_bound_is_refused() -> None:
    # the root mapping and its key are the first two values, so the list's 19,998th item is one too many
    data, found = parse_yaml(("x: [" + "0, " * MAX_NODES + "0]\n").encode(), "many.yaml")
    assert data is None
    assert [str(d) for d in found] == [
        f"many.yaml:1:{5 + 3 * (MAX_NODES - 3)}: error: document has more than {MAX_NODES} values [yaml-syntax]"
    ]


def test_a_file_over_the_size_bound_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = write_im(tmp_path, IM_TEXT + "#" * (MAX_DOCUMENT_BYTES + 10))
    with pytest.raises(TariffError) as caught:
        load_tariff(path)
    assert [str(d) for d in caught.value.diagnostics] == [f"{FILE}: error: file is over the limit of {MAX_DOCUMENT_BYTES} bytes [size]"]


def test_a_mapping_key_that_is_not_text_is_refused(tmp_path: Path) -> None:
    old = "  trial:\n    description: Trial edition, free and permanent"
    assert diagnostics_of(tmp_path, old, "  1:\n    description: Trial edition, free and permanent") == [
        f"{FILE}:36:3: error: a key must be text, got 1: write names as text [yaml-syntax]"
    ]


# -- YAML: duplicate keys, tabs, encodings ---------------------------------------------------


def test_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, "currency: USD\n", "currency: USD\ncurrency: EUR\n") == [
        f'{FILE}:13:1: error: found duplicate key "currency" [duplicate-key]'
    ]


def test_a_tab_in_indentation_is_refused_with_a_hint(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, "  scale: 2", "\tscale: 2") == [
        f"{FILE}:30:1: error: found character '\\t' that cannot start any token (YAML indentation must use spaces, not tabs) [yaml-syntax]"
    ]


def test_bytes_that_are_not_utf8_are_refused_with_the_line(tmp_path: Path) -> None:
    raw = IM_TEXT.replace("currency: USD", "currency: US\xff").encode("latin-1")
    tariff, found = check_path(write_im(tmp_path, raw))
    assert tariff is None
    assert [str(d) for d in found] == [f"{FILE}:12: error: file is not valid UTF-8 (byte 0xff) [encoding]"]


def test_a_utf16_file_is_refused(tmp_path: Path) -> None:
    tariff, found = check_path(write_im(tmp_path, IM_TEXT.encode("utf-16")))
    assert tariff is None
    assert [str(d) for d in found] == [f"{FILE}:1: error: file is not valid UTF-8 (byte 0xff) [encoding]"]


# -- YAML 1.1 traps: read as YAML 1.2, then as the schema says --------------------------------

PLAIN = "(write digits with an optional sign and decimal point; quote it if it is a name)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # numbers two YAML versions read differently are refused where they are written
        (
            "block_size: 10000\n    round: up\n    price: 449.99\n    editions: [pro, flagship]\n\n  # Same",
            "block_size: 0o17\n    round: up\n    price: 449.99\n    editions: [pro, flagship]\n\n  # Same",
            f"{FILE}:109:17: error: 0o17 is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently {PLAIN} [number]",
        ),
        (
            "    maximum: 1000000000000\n\n",
            "    maximum: 1_000_000\n\n",
            f"{FILE}:61:14: error: 1_000_000 is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently {PLAIN} [number]",
        ),
        (
            "{value: 2000, price: 239.99}",
            "{value: 03720, price: 239.99}",
            f"{FILE}:145:21: error: 03720 is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently {PLAIN} [number]",
        ),
        (
            "pro: {price: 449.99}",
            "pro: {price: 4.4999e2}",
            f"{FILE}:93:20: error: 4.4999e2 is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently {PLAIN} [number]",
        ),
        ("pro: {price: 449.99}", "pro: {price: .inf}", f"{FILE}:93:20: error: .inf is not a finite number [number]"),
        ("pro: {price: 449.99}", "pro: {price: .NaN}", f"{FILE}:93:20: error: .NaN is not a finite number [number]"),
        # YAML 1.1 booleans are text in YAML 1.2: the schema or the compiler says what was expected
        (
            "pro: {price: 449.99}",
            "pro: {price: no}",
            f"{FILE}:93:20: error: charges.plan.editions.pro.price: expected a number, got text 'no' [schema]\n"
            "hint: Fixed price for the whole billing period",
        ),
        (
            "{value: true, price: 449.99}",
            "{value: on, price: 449.99}",
            f"{FILE}:136:21: error: charges.unlimited_avchatroom.editions.pro.table[0].value: "
            "'on' cannot be chosen: 'unlimited_avchatroom' is a switch, bought with true [option-table]\nhint: write value: true",
        ),
        (
            "currency: USD",
            "currency: NO",
            f"{FILE}:12:11: error: currency: 'NO' does not have the expected form [schema]\n"
            "hint: ISO 4217 code of every price in this file",
        ),
        (
            'version: "1"',
            "version: 1.10",
            f"{FILE}:7:10: error: version: expected text, got number 1.10 [schema]\n"
            "hint: Version label shown on every invoice priced by this file",
        ),
    ],
    ids=["octal", "underscores", "leading-zero", "exponent", "inf", "nan", "no-as-number", "on-as-true", "NO-currency", "version-1.10"],
)
def test_yaml_1_1_traps(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert diagnostics_of(tmp_path, old, new) == [expected]


def test_yes_as_a_choice_value_is_the_text_yes(tmp_path: Path) -> None:
    """A YAML 1.1 reader would see true; here it is a name, and a choice may be named."""
    text = IM_TEXT.replace("{value: 2000, price: 239.99}", "{value: yes, price: 239.99}")
    version = load_tariff(write_im(tmp_path, text)).versions[0]
    offer = version.plans["pro"].offers["group_member_limit"]
    assert dict(offer.prices) == {"yes": __import__("decimal").Decimal("239.99")}


def test_a_number_over_the_length_bound_is_refused(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, "pro: {price: 449.99}", "pro: {price: 4" + "9" * 100 + "}") == [
        f"{FILE}:93:20: error: number of 101 characters is too long (at most 100) [number]"
    ]


# -- money ------------------------------------------------------------------------------------


def test_a_negative_price_is_refused_with_its_location(tmp_path: Path) -> None:
    assert diagnostics_of(tmp_path, "pro: {price: 449.99}", "pro: {price: -449.99}") == [
        f"{FILE}:93:20: error: charges.plan.editions.pro.price: -449.99 is less than the minimum of 0 [schema]\n"
        "hint: Fixed price for the whole billing period"
    ]


def test_more_decimals_than_the_rounding_scale_is_a_located_error(tmp_path: Path) -> None:
    tariff, found = check_path(write_im(tmp_path, IM_TEXT.replace("pro: {price: 449.99}", "pro: {price: 449.995}")))
    assert tariff is None
    assert [str(d) for d in found] == [
        f"{FILE}:93:20: error: charges.plan.editions.pro.price: 449.995 has 3 decimals, more than the rounding scale of 2 [money-scale]\n"
        "hint: this price is billed as it is and rounded to 2 decimals; write it as the price list does"
    ]


def test_a_whole_number_price_is_money_not_an_int(tmp_path: Path) -> None:
    import decimal

    version = load_tariff(write_im(tmp_path, IM_TEXT.replace("pro: {price: 449.99}", "pro: {price: 449}"))).versions[0]
    plan = version.plans["pro"].charges[0]
    assert type(plan.price) is decimal.Decimal and str(plan.price) == "449"
