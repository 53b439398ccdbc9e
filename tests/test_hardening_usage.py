"""Untrusted usage documents: any shape, any size, any type. Each gives a `UsageError` naming
the path (or file:line:col for a document that does not parse), exit 2 from the CLI, never a
traceback, and never more than a bounded amount of work."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ENGINE_PATH

import engine
from engine.language.source import MAX_DOCUMENT_BYTES
from engine.pricing.documents import MAX_YAML_USAGE_BYTES, parse_usage

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RANGE = "a whole number from 0 to 1000000000000"
MONTH_HINT = "hint: write the month as YYYY-MM, e.g. 2026-11, from 0001-01 to 9000-12"


def pro(**usage: Any) -> dict[str, Any]:
    return {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1, **usage}}


def refusal(tariff: engine.Tariff, document: Any) -> list[str]:
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(tariff, document)
    return [str(d) for d in caught.value.diagnostics]


CASES: list[tuple[str, Any, list[str]]] = [
    ("true as a count", pro(dau=True), [f"usage.dau: error: expected {RANGE}, got a boolean true [meter-type]"]),
    ("false in a series", pro(groups=[1, False]), [f"usage.groups[1]: error: expected {RANGE}, got a boolean false [meter-type]"]),
    (
        "a fraction as a count",
        pro(dau=Decimal("1.0")),
        [f"usage.dau: error: expected {RANGE}, got 1.0 [meter-type]\nhint: dau counts whole users"],
    ),
    (
        "a binary float",
        pro(dau=1.5),
        [
            f"usage.dau: error: expected {RANGE}, got the binary float 1.5 [meter-type]\n"
            "hint: dau counts whole users: pass a whole number (an int)"
        ],
    ),
    ("text as a count", pro(dau="32000"), [f"usage.dau: error: expected {RANGE}, got text '32000' [meter-type]"]),
    ("null in a series", pro(dau=[None]), [f"usage.dau[0]: error: expected {RANGE}, got null [meter-type]"]),
    ("a mapping as a count", pro(dau={"peak": 1}), [f"usage.dau: error: expected {RANGE}, got a mapping [meter-type]"]),
    (
        "above the bound",
        pro(dau=10**12 + 1),
        ["usage.dau: error: 1000000000001 is out of range: dau takes a whole number from 0 to 1000000000000 [meter-range]"],
    ),
    (
        "negative",
        pro(groups=-1),
        ["usage.groups: error: -1 is out of range: groups takes a whole number from 0 to 1000000000000 [meter-range]"],
    ),
    (
        "thousands of digits",
        pro(dau=10**5000),
        [f"usage.dau: error: (a number of about 5000 digits) is out of range: dau takes {RANGE} [meter-range]"],
    ),
    ("NaN", pro(dau=Decimal("NaN")), [f"usage.dau: error: expected {RANGE}, got NaN [meter-type]"]),
    ("signalling NaN", pro(dau=Decimal("sNaN")), [f"usage.dau: error: expected {RANGE}, got sNaN [meter-type]"]),
    ("-Infinity", pro(dau=Decimal("-Infinity")), [f"usage.dau: error: expected {RANGE}, got -Infinity [meter-type]"]),
    ("an empty series", pro(dau=[]), ["usage.dau: error: a daily series of 0 values; 2026-11 has 30 days (give 1 to 30) [meter]"]),
    (
        "an enormous series",
        pro(dau=[1] * 1_000_000),
        ["usage.dau: error: a daily series of 1000000 values; 2026-11 has 30 days (give 1 to 30) [meter]"],
    ),
    (
        "deeply nested garbage",
        pro(dau=[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]),
        [f"usage.dau[0]: error: expected {RANGE}, got a list [meter-type]"],
    ),
    (
        "an unknown meter",
        pro(daus=5),
        ["usage.daus: error: unknown meter 'daus' (meters: dau, groups) [meter]\nhint: did you mean 'dau'?"],
    ),
    (
        "a missing meter",
        {"account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 1}},
        ["usage.groups: error: missing: the pro edition prices groups [meter]\nhint: give the period's value or a daily series"],
    ),
    (
        "missing keys",
        {},
        [
            "account: error: missing: the account billed (text or a whole number) [usage-missing]",
            "period: error: missing: the calendar month billed (YYYY-MM) [usage-missing]",
            "edition: error: missing: the edition (plan) of the account [usage-missing]",
        ],
    ),
    (
        "an unknown envelope key",
        {**pro(), "colour": "blue"},
        ["colour: error: unknown key 'colour' (allowed: tariff, account, period, edition, usage, addons, timeline, currency, coupons, tax_region, credits) [usage-key]"],
    ),
    (
        "a key that is not text",
        {**pro(), ("a", "b"): 1},
        ["('a', 'b'): error: unknown key '('a', 'b')' (allowed: tariff, account, period, edition, usage, addons, timeline, currency, coupons, tax_region, credits) [usage-key]"],
    ),
    ("not a mapping", [pro()], ["(document): error: a usage document must be a mapping, got a list [usage-type]"]),
    (
        "a period with a newline",
        {**pro(), "period": "2026-11\n"},
        ["period: error: '2026-11\\n' is not a calendar month [period]\n" + MONTH_HINT],
    ),
    (
        "a period in other digits",
        {**pro(), "period": "٢٠٢٦-١١"},
        ["period: error: '٢٠٢٦-١١' is not a calendar month [period]\n" + MONTH_HINT],
    ),
    (
        "the last representable month",
        {**pro(), "period": "9999-12"},
        ["period: error: '9999-12' is not a calendar month [period]\n" + MONTH_HINT],
    ),
    (
        "a date and time as an activation day",
        {**pro(), "addons": {"audio_video_call": {"activated_on": dt.datetime(2026, 11, 2, 10, 0)}}},
        ["addons.audio_video_call.activated_on: error: expected a date YYYY-MM-DD, got  [option]"],
    ),
    (
        "true for a choice",
        {**pro(), "addons": {"message_retention_days": True}},
        ["addons.message_retention_days: error: true is not a value of message_retention_days: choose one of the offered values [option]"],
    ),
]


@pytest.mark.parametrize(("document", "expected"), [(d, e) for _, d, e in CASES], ids=[name for name, _, _ in CASES])
def test_each_hostile_document_is_refused_with_its_path(im: engine.Tariff, document: Any, expected: list[str]) -> None:
    assert refusal(im, document) == expected


def test_megabyte_strings_are_never_echoed(im: engine.Tariff) -> None:
    huge = "x" * 1_000_000
    document = {huge: 1, "account": huge, "period": huge, "edition": huge, "tariff": huge}
    messages = refusal(im, document)
    assert messages == [
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: error: unknown key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' "
        "(allowed: tariff, account, period, edition, usage, addons, timeline, currency, coupons, tax_region, credits) [usage-key]",
        "tariff: error: expected a tariff id as text, got text 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' [usage-type]",
        "account: error: expected one line of text of 1 to 128 characters without surrounding spaces or control characters, "
        "or a whole number ≥ 0, got text [usage-type]",
        "period: error: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a calendar month [period]\n"
        "hint: write the month as YYYY-MM, e.g. 2026-11, from 0001-01 to 9000-12",
        "edition: error: expected an edition name, got text 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' [usage-type]",
    ]


def test_a_flood_of_unknown_keys_is_counted_not_listed(im: engine.Tariff) -> None:
    document = pro(**{f"m{i}": 1 for i in range(100_000)})
    messages = refusal(im, document)
    assert len(messages) == 21
    assert messages[19] == "usage.m19: error: unknown meter 'm19' (meters: dau, groups) [meter]"
    assert messages[20] == "usage: error: and 99980 more unknown meters, not listed [meter]"


# -- documents as bytes: JSON and YAML ------------------------------------------------------

RAW: list[tuple[str, bytes, str, list[str]]] = [
    (
        "NaN",
        b'{"usage": {"dau": NaN}}',
        "u.json",
        ["u.json:1:19: error: NaN is not a number: a usage document holds finite numbers only [usage-number]"],
    ),
    (
        "Infinity",
        b'{"usage":\n {"dau": -Infinity}}',
        "u.json",
        ["u.json:2:10: error: -Infinity is not a number: a usage document holds finite numbers only [usage-number]"],
    ),
    (
        "a 5000-digit integer",
        b'{"account": "1", "dau": ' + b"9" * 5000 + b"}",
        "u.json",
        ["u.json:1:25: error: number of 5000 characters is too long (at most 100) [usage-number]"],
    ),
    (
        "a 5000-digit fraction",
        b'{"dau": 0.' + b"1" * 5000 + b"}",
        "u.json",
        ["u.json:1:9: error: number of 5002 characters is too long (at most 100) [usage-number]"],
    ),
    ("a JSON nesting bomb", b"[" * 200_000 + b"]" * 200_000, "u.json", ["u.json: error: document is nested too deeply [usage-syntax]"]),
    (
        "invalid JSON",
        b'{"a": 1,}',
        "u.json",
        ["u.json:1:9: error: not valid JSON: Expecting property name enclosed in double quotes [usage-syntax]"],
    ),
    ("not UTF-8 JSON", b'{"account": "\xff"}', "u.json", ["u.json:1: error: not valid UTF-8 (byte 0xff) [encoding]"]),
    (
        "a megabyte JSON string",
        b'{"account": "' + b"x" * MAX_DOCUMENT_BYTES + b'"}',
        "u.json",
        [f"u.json: error: document is over the limit of {MAX_DOCUMENT_BYTES} bytes for a JSON usage document [usage-size]"],
    ),
    (
        "a YAML document over its bound",
        b"# " + b"c" * MAX_YAML_USAGE_BYTES + b"\naccount: a\n",
        "u.yaml",
        [f"u.yaml: error: document is over the limit of {MAX_YAML_USAGE_BYTES} bytes for a YAML usage document [usage-size]"],
    ),
    (
        "a YAML alias bomb",
        (FIXTURES / "hostile" / "billion-laughs.yaml").read_bytes(),
        "u.yaml",
        ["u.yaml:3:7: error: YAML anchors and aliases (&name, *name) are not allowed: write the value out [yaml-syntax]"],
    ),
    (
        "a YAML nesting bomb",
        b"a: " + b"[" * 50_000,
        "u.yaml",
        ["u.yaml:1:35: error: document is nested deeper than 32 levels [yaml-syntax]"],
    ),
    (
        "a YAML 1.1 octal",
        b"usage:\n  dau: 0o17\n",
        "u.yaml",
        [
            "u.yaml:2:8: error: 0o17 is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently "
            "(write digits with an optional sign and decimal point; quote it if it is a name) [number]"
        ],
    ),
    ("a YAML .nan", b"usage:\n  dau: .nan\n", "u.yaml", ["u.yaml:2:8: error: .nan is not a finite number [number]"]),
    (
        "a YAML python tag",
        b"usage: !!python/object/apply:os.system ['true']\n",
        "u.yaml",
        ["u.yaml:1:8: error: YAML tag !!python/object/apply:os.system is not allowed: write a plain value [yaml-syntax]"],
    ),
    ("a YAML duplicate key", b"account: a\naccount: b\n", "u.yaml", ['u.yaml:2:1: error: found duplicate key "account" [duplicate-key]']),
]


@pytest.mark.parametrize(("raw", "name", "expected"), [(r, n, e) for _, r, n, e in RAW], ids=[label for label, _, _, _ in RAW])
def test_each_hostile_document_is_refused_at_its_location(raw: bytes, name: str, expected: list[str]) -> None:
    with pytest.raises(engine.UsageError) as caught:
        parse_usage(raw, name)
    assert [str(d) for d in caught.value.diagnostics] == expected


def test_yaml_1_1_booleans_are_text_in_usage(im: engine.Tariff) -> None:
    document = parse_usage(
        b"account: a\nperiod: 2026-11\nedition: pro\nusage: {dau: 1, groups: 1}\naddons: {unlimited_avchatroom: yes}\n", "u.yaml"
    )
    assert refusal(im, document) == [
        "addons.unlimited_avchatroom: error: unlimited_avchatroom is a switch: true buys it, false or absence does not; got 'yes' [option]"
    ]


# -- exact money whatever the Decimal context of the caller ---------------------------------


def test_the_callers_decimal_context_changes_nothing() -> None:
    tariff = engine.load_tariff(FIXTURES / "hardening-mix")
    usage = {
        "account": "a",
        "period": "2024-03",
        "edition": "basic",
        "usage": {
            "calls": [1001, 1002],
            "storage_gb": [Decimal("123.456789")],
            "transfer_gb": [Decimal("1.23456"), Decimal("9.87654")],
            "seats": 4,
        },
    }
    expected = engine.quote(tariff, usage).to_json()
    results: list[str] = []

    def hostile_thread() -> None:
        decimal.setcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[]))
        results.append(engine.quote(tariff, usage).to_json())

    thread = threading.Thread(target=hostile_thread)
    thread.start()
    thread.join()
    assert results == [expected]
    # 9.99 + 1003 × 0.0004 + 24 × 0.023 + (1 + 11.1111 × 0.09) + 12.34 = 25.283199; with the caller's
    # 3 digits the daily transfer would have summed to 11.1
    assert json.loads(expected)["total"] == "25.28"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name / "2024-01-01.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, "utf-8")
    return path


BIG = """id: big
version: "1"
effective_from: 2024-01-01
currency: EUR
description: Amounts too large for 60 digits.
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
rounding: {scale: 2, mode: half_up, apply: per_line}
editions: {only: {}}
meters:
  units: {type: integer, aggregation: last, maximum: 100000000000000000000000000000000000000000000000000}
charges:
  units:
    model: per_unit
    quantity: units
    unit_price: 1.000000000000000000001
    editions: [only]
  fee:
    model: flat
    editions: {only: {price: %s}}
"""


def test_an_amount_beyond_60_digits_is_refused_never_rounded(tmp_path: Path) -> None:
    tariff = engine.load_tariff(_write(tmp_path, "big", BIG % "1"))
    usage = {"account": "a", "period": "2024-01", "edition": "only", "usage": {"units": 10**50 - 1}}
    assert refusal(tariff, usage) == [
        "charges.units: error: charge units (big/2024-01-01.yaml:13): the exact result needs more than 60 significant digits; "
        "it is refused rather than rounded [evaluation]"
    ]
    small = engine.quote(tariff, {**usage, "usage": {"units": 10**6}})
    assert small.total == Decimal("1000001.00")  # 10^6 × 1.000000000000000000001 = 1000000.000000000000001 → 1000000.00, + 1


def test_a_total_beyond_60_digits_is_refused_never_rounded(tmp_path: Path) -> None:
    # rounding on the total: the lines stay exact, 10^40 + 0.5 and 999999999.000000000000999999999,
    # and their sum would need 62 digits
    text = (BIG % ("1" + "0" * 40 + ".5")).replace("apply: per_line", "apply: total")
    tariff = engine.load_tariff(_write(tmp_path, "big", text))
    usage = {"account": "a", "period": "2024-01", "edition": "only", "usage": {"units": 10**9 - 1}}
    assert refusal(tariff, usage) == [
        "(document): error: the invoice cannot be computed exactly: the exact result needs more than 60 significant digits; "
        "it is refused rather than rounded [evaluation]"
    ]


# -- the command line: exit 2, a diagnostic, no traceback ------------------------------------


def run_cli(tmp_path: Path, name: str, raw: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / name).write_bytes(raw)
    command = [sys.executable, "-m", "engine", "quote", name, "--tariff", str(ROOT / "tariffs" / "tencent-im")]
    environment = {**os.environ, **ENGINE_PATH}
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=60, check=False)


@pytest.mark.parametrize(
    ("name", "raw", "stderr"),
    [
        (
            "nan.json",
            b'{"usage": {"dau": NaN}}',
            "nan.json:1:19: error: NaN is not a number: a usage document holds finite numbers only [usage-number]\n",
        ),
        (
            "huge.json",
            b'{"dau": ' + b"1" * 5000 + b"}",
            "huge.json:1:9: error: number of 5000 characters is too long (at most 100) [usage-number]\n",
        ),
        ("deep.json", b"[" * 200_000, "deep.json: error: document is nested too deeply [usage-syntax]\n"),
        (
            "bomb.yaml",
            (FIXTURES / "hostile" / "billion-laughs.yaml").read_bytes(),
            "bomb.yaml:3:7: error: YAML anchors and aliases (&name, *name) are not allowed: write the value out [yaml-syntax]\n",
        ),
        (
            "true.json",
            b'{"account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": true, "groups": 1}}',
            f"usage.dau: error: expected {RANGE}, got a boolean true [meter-type]\n",
        ),
        ("binary.yaml", bytes(range(256)), "binary.yaml:2: error: file is not valid UTF-8 (byte 0x80) [encoding]\n"),
    ],
)
def test_the_cli_refuses_hostile_usage_with_exit_2_and_no_traceback(tmp_path: Path, name: str, raw: bytes, stderr: str) -> None:
    done = run_cli(tmp_path, name, raw)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", stderr)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_usage_file_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "engine", "quote", "/dev/zero", "--tariff", str(ROOT / "tariffs" / "tencent-im")]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **ENGINE_PATH}, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        f"/dev/zero: error: document is over the limit of {MAX_YAML_USAGE_BYTES} bytes for a YAML usage document [usage-size]\n",
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_tariff_file_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    (tmp_path / "u.json").write_text(json.dumps(pro()), "utf-8")
    command = [sys.executable, "-m", "engine", "quote", "u.json", "--tariff", "/dev/zero"]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **ENGINE_PATH}, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (2, f"/dev/zero: error: file is over the limit of {MAX_DOCUMENT_BYTES} bytes [size]\n")


def test_every_charge_model_prices_exactly_under_the_trapping_context() -> None:
    """The fixture's worked example, by hand: each line exact, the total rounded once (half even)."""
    tariff = engine.load_tariff(FIXTURES / "hardening-mix")
    usage = {
        "account": "a",
        "period": "2024-03",
        "edition": "plus",
        "usage": {
            "calls": [3000, 4000],
            "storage_gb": [Decimal("150.5"), Decimal("2000.25")],
            "transfer_gb": [5, Decimal("7.5")],
            "seats": 11,
        },
        "addons": {"support": "gold", "priority": True, "analytics": {"activated_on": "2024-01-10"}},
    }
    invoice = engine.quote(tariff, usage)
    assert [(line.id, str(line.quantity), str(line.amount)) for line in invoice.lines] == [
        ("base", "1", "29.5"),
        ("calls", "2000", "0.8000"),  # 7000 calls - 5000 included, × 0.0004
        ("storage", "2001", "208.721"),  # ceil(2000.25): 900 × 0.023 + 1001 × 0.021 + ceil(1001 / 3) = 334 blocks × 0.5
        ("transfer", "12.5", "2.125"),  # volume tier 2: 1 + 12.5 × 0.09
        ("seat_packs", "2", "24.68"),  # 11 - 3 = 8 seats, 2 packs of 7 × 12.34
        ("weekly_reports", "4", "0.4"),  # ceil(11 / 3) × 0.1
        ("support", "1", "49"),
        ("priority", "1", "19"),
        ("analytics", "1", "15"),  # trial 2024-01-10 to 2024-02-08, then 15 a month
        ("rounding", "1", "0.0040"),  # the lines add up to 349.226; the total is rounded once
    ]
    assert invoice.total == Decimal("349.23")  # 349.226 rounded half even


# -- daily series on a meter that adds up its days ------------------------------------------------

PARTIAL_DEMO = (FIXTURES / "demo" / "2024-01-01.yaml").read_text("utf-8")


def demo_without_partial_series(tmp_path: Path) -> engine.Tariff:
    """The demo tariff with its `messages` meter (aggregation: sum) left at the default: whole series only."""
    assert PARTIAL_DEMO.count("series: daily, partial_series: true,") == 1
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "2024-01-01.yaml").write_text(PARTIAL_DEMO.replace("partial_series: true, ", ""), "utf-8")
    return engine.load_tariff(tmp_path / "demo")


def demo_usage(messages: Any) -> dict[str, Any]:
    return {"account": "a", "period": "2024-05", "edition": "basic", "usage": {"messages": messages, "storage_gb": 1}}


def test_a_short_series_on_a_sum_meter_is_refused_by_default(tmp_path: Path) -> None:
    tariff = demo_without_partial_series(tmp_path)
    assert refusal(tariff, demo_usage([100, 200, 300])) == [
        "usage.messages: error: a daily series of 3 values; 2024-05 has 31 days, and messages adds up its days: "
        "a missing day would be billed as nothing [meter-series]\n"
        "hint: give all 31 daily values, or the period's total as one value"
    ]


def test_a_whole_series_or_one_total_on_a_sum_meter_is_priced(tmp_path: Path) -> None:
    tariff = demo_without_partial_series(tmp_path)
    every_day = engine.quote(tariff, demo_usage([10] * 31))
    total = engine.quote(tariff, demo_usage(310))
    # 31 days × 10 messages = 310 messages, the same as the month's total given as one value
    assert every_day.to_json() == total.to_json()
    assert next(line.quantity for line in every_day.lines if line.id == "messages") == Decimal(310)


def test_a_meter_may_declare_that_a_partial_series_is_allowed() -> None:
    tariff = engine.load_tariff(FIXTURES / "demo")  # messages: partial_series: true
    short = engine.quote(tariff, demo_usage([100, 200, 300]))
    # 100 + 200 + 300 = 600 messages: the days not given had none
    assert next(line.quantity for line in short.lines if line.id == "messages") == Decimal(600)


def test_a_float_on_a_decimal_meter_keeps_the_decimal_hint() -> None:
    tariff = engine.load_tariff(FIXTURES / "demo")  # storage_gb is a decimal meter
    assert refusal(tariff, demo_usage(1) | {"usage": {"messages": 1, "storage_gb": 1.5}}) == [
        "usage.storage_gb: error: expected a number from 0 to 100000, got the binary float 1.5 [meter-type]\n"
        "hint: binary floats are inexact; pass decimal.Decimal (or a JSON/YAML number, which the engine reads exactly)"
    ]
