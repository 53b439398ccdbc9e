"""Exact or refused: division, negative quantities, the total's scale, usage precision.

Every expected figure is worked out by hand in the comment beside it; each case is priced by
both the fast and the general path (`pricing_cases.both`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing_cases import amounts, both, document, tariff

import engine

PER_SEAT = """\
  seats:
    model: per_unit
    quantity: {quantity}
    unit_price: {price}
    editions: [pro]
"""


def per_unit(tmp_path: Path, quantity: str, price: str = "1.00", **kwargs: str) -> engine.Tariff:
    return tariff(tmp_path, PER_SEAT.format(quantity=quantity, price=price), **kwargs)


# -- item 3: division is exact -------------------------------------------------------------------


def test_a_third_times_three_is_one_whole_seat(tmp_path: Path) -> None:
    # users / 3 * 3 with users = 1 is exactly 1; 1 × 1.00 = 1.00 (rounding down changes nothing).
    target = per_unit(tmp_path, "users / 3 * 3", rounding="{scale: 2, mode: down, apply: per_line}")
    assert amounts(both(target, document({"users": 1}))) == ([("seats", "1", "1.00")], "1.00")


def test_a_condition_with_a_division_is_exact(tmp_path: Path) -> None:
    charges = "  check:\n    model: flat\n    price: 5.00\n    when: users / 3 * 3 == users\n    editions: [pro]\n"
    target = tariff(tmp_path, charges)
    # 1 / 3 * 3 == 1 is true: the line is there.
    assert amounts(both(target, document({"users": 1}))) == ([("check", "1", "5.00")], "5.00")


def test_a_non_terminating_quantity_is_written_at_the_declared_scale_and_priced_exactly(tmp_path: Path) -> None:
    # quantity 1/3, written to 4 decimals half-even: 0.3333; the amount is 1/3 × 3.00 = 1 exactly → 1.00
    # (0.3333 × 3.00 would be 0.9999 → 1.00 half-up too, so the price 3.03 tells them apart:
    # 1/3 × 3.03 = 1.01 exactly, while 0.3333 × 3.03 = 1.009899 → 1.01 half-up... use round down:
    # exact 1.01 → 1.01; from the written quantity 1.009899 → 1.00).
    target = per_unit(tmp_path, "users / 3", "3.03", rounding="{scale: 2, mode: down, apply: per_line, quantity_scale: 4}")
    assert amounts(both(target, document({"users": 1}))) == ([("seats", "0.3333", "1.01")], "1.01")


def test_the_default_quantity_scale_is_six(tmp_path: Path) -> None:
    # 2/3 = 0.666666… written half-even to 6 decimals: 0.666667; amount 2/3 × 1.00 → 0.67 half-up.
    target = per_unit(tmp_path, "users / 3")
    assert amounts(both(target, document({"users": 2}))) == ([("seats", "0.666667", "0.67")], "0.67")


def test_a_terminating_quantity_is_written_exactly(tmp_path: Path) -> None:
    # 1 / 8 = 0.125 terminates: written in full although the quantity scale is 2; 0.125 × 1.00 = 0.125 → 0.13 half-up.
    target = per_unit(tmp_path, "users / 8", rounding="{scale: 2, mode: half_up, apply: per_line, quantity_scale: 2}")
    assert amounts(both(target, document({"users": 1}))) == ([("seats", "0.125", "0.13")], "0.13")


def test_a_non_terminating_amount_with_rounding_on_the_total_is_rounded_on_its_line(tmp_path: Path) -> None:
    # 1/3 × 1.00 does not terminate: its line is rounded half-up to 0.33; the line of 1 user × 2.005 stays
    # exact; total 0.33 + 2.005 = 2.335 → 2.34 half-up, so a rounding line of +0.005.
    base = "  base:\n    model: per_unit\n    quantity: users\n    unit_price: 2.005\n    editions: [pro]\n"
    charges = PER_SEAT.format(quantity="users / 3", price="1.00") + base
    target = tariff(tmp_path, charges, rounding="{scale: 2, mode: half_up, apply: total}")
    lines, total = amounts(both(target, document({"users": 1})))
    assert lines == [("seats", "0.333333", "0.33"), ("base", "1", "2.005"), ("rounding", "1", "0.005")]
    assert total == "2.34"


def test_division_inside_ceil_min_and_powers_is_exact(tmp_path: Path) -> None:
    # users = 10: ceil(10 / 3) = 4; min(10 / 4, 3) = 2.5; (10 / 3) ** 2 * 9 = 100; 10 // 3 = 3; 10 % (10 / 3) = 0
    # 4 + 2.5 + 100 + 3 + 0 = 109.5 → × 1.00 = 109.50.
    quantity = "ceil(users / 3) + min(users / 4, 3) + (users / 3) ** 2 * 9 + users // 3 + users % (users / 3)"
    target = per_unit(tmp_path, quantity)
    assert amounts(both(target, document({"users": 10}))) == ([("seats", "109.5", "109.50")], "109.50")


def test_floor_division_and_remainder_of_a_fraction(tmp_path: Path) -> None:
    # users = 7: (7 / 3) // (1 / 3) = 7 (exactly: 7/3 ÷ 1/3 = 7); (7 / 3) % 1 = 1/3 → × 3 = 1; floor(7 / 3) = 2.
    # 7 + 1 + 2 = 10 → 10.00.
    target = per_unit(tmp_path, "(users / 3) // (1 / 3) + (users / 3) % 1 * 3 + floor(users / 3)")
    assert amounts(both(target, document({"users": 7}))) == ([("seats", "10", "10.00")], "10.00")


def test_division_by_zero_is_still_refused(tmp_path: Path) -> None:
    target = per_unit(tmp_path, "10 / users")
    refused = both(target, document({"users": 0}))
    assert isinstance(refused, list) and "division by zero" in refused[0]


# -- item 4: a negative quantity is refused, in every model ---------------------------------------


def test_a_negative_per_unit_quantity_is_refused_with_its_formula_and_values(tmp_path: Path) -> None:
    target = per_unit(tmp_path, "users - seats", "10.00")
    refused = both(target, document({"users": 2}))
    assert refused == [
        "charges.seats: error: charge seats: its quantity users - seats is -3 (users = 2, seats = 5); "
        "a quantity cannot be negative [negative-quantity]\n"
        "hint: write max(0, users - seats) to bill nothing below 0"
    ]


@pytest.mark.parametrize("mode", ["volume", "graduated"])
def test_a_negative_tiered_quantity_is_refused(tmp_path: Path, mode: str) -> None:
    charges = f"""\
  usage:
    model: tiered
    quantity: users - seats
    mode: {mode}
    tiers:
      - {{up_to: 10, unit_price: 2.00}}
      - {{up_to: null, unit_price: 1.00}}
    editions: [pro]
"""
    refused = both(tariff(tmp_path, charges), document({"users": 3}))
    assert isinstance(refused, list) and len(refused) == 1
    assert "charge usage: its quantity users - seats is -2 (users = 3, seats = 5)" in refused[0]


BLOCKS = """\
  extra:
    model: blocks
    quantity: {quantity}
    included: 10
    block_size: 5
    price: 1.00
    editions: [pro]
"""


def test_a_negative_blocks_quantity_is_refused(tmp_path: Path) -> None:
    target = tariff(tmp_path, BLOCKS.format(quantity="users - 20"))
    refused = both(target, document({"users": 3}))
    assert isinstance(refused, list) and "its quantity users - 20 is -17 (users = 3)" in refused[0]


def test_a_negative_meter_read_directly_by_blocks_is_refused(tmp_path: Path) -> None:
    meters = "users: {type: integer, aggregation: max, minimum: -100, maximum: 100}"
    target = tariff(tmp_path, BLOCKS.format(quantity="users"), meters=meters)
    refused = both(target, document({"users": -1}))
    assert isinstance(refused, list) and "its quantity users is -1 (users = -1)" in refused[0]


def test_usage_below_the_included_quantity_is_zero_blocks(tmp_path: Path) -> None:
    # 3 users, 10 included: 0 blocks × 1.00 = 0.00; that is the model, not a negative quantity.
    target = tariff(tmp_path, BLOCKS.format(quantity="users"))
    assert amounts(both(target, document({"users": 3}))) == ([("extra", "0", "0.00")], "0.00")


def test_max_zero_bills_nothing_below_zero(tmp_path: Path) -> None:
    target = per_unit(tmp_path, "max(0, users - seats)", "10.00")
    assert amounts(both(target, document({"users": 2}))) == ([("seats", "0", "0.00")], "0.00")


def test_minus_zero_never_appears(tmp_path: Path) -> None:
    # users * -1 + gb * 0 with users = 0, gb = -0.001 is -0 + -0.000 = -0.000 in Decimal arithmetic, and
    # -0.000 × 1.00 = -0.00000: written 0.000 and 0.00 rounded per line, 0.00000 kept exact for the total.
    for apply, amount in (("per_line", "0.00"), ("total", "0.00000")):
        rounding = f"{{scale: 2, mode: half_up, apply: {apply}}}"
        target = per_unit(tmp_path, "users * -1 + gb * 0", meters=GB, rounding=rounding)
        usage = {"users": 0, "gb": Decimal("-0.001")}
        invoice = both(target, document(usage))
        assert '"-0' not in engine.quote(target, document(usage)).to_json()
        assert amounts(invoice) == ([("seats", "0.000", amount)], "0.00")


GB = "users: {type: integer, aggregation: max, minimum: 0, maximum: 10}\n  gb: {type: decimal, aggregation: max, minimum: -1, maximum: 10}"


# -- item 5: with rounding on the total, the total is at the declared scale -----------------------


@pytest.mark.parametrize(("price", "written"), [("100.0000", "100.00"), ("300", "300.00"), ("0.5", "0.50")])
def test_the_total_is_written_at_the_declared_scale(tmp_path: Path, price: str, written: str) -> None:
    # one flat line, already a whole number of cents: no rounding line, and the total at 2 decimals.
    charges = f"  base:\n    model: flat\n    price: {price}\n    editions: [pro]\n"
    target = tariff(tmp_path, charges, rounding="{scale: 2, mode: half_up, apply: total}")
    lines, total = amounts(both(target, document()))
    assert lines == [("base", "1", price)]
    assert total == written


def test_an_invoice_without_lines_totals_zero_at_the_declared_scale(tmp_path: Path) -> None:
    charges = "  base:\n    model: flat\n    price: 1.00\n    when: users > 5\n    editions: [pro]\n"
    for apply in ("per_line", "total"):
        target = tariff(tmp_path, charges, rounding=f"{{scale: 3, mode: half_up, apply: {apply}}}")
        assert amounts(both(target, document({"users": 1}))) == ([], "0.000")


# -- item 10: usage numbers are bounded in significant digits and exponent -----------------------

STORAGE = """\
  storage:
    model: per_unit
    quantity: gb
    unit_price: 1.00
    editions: [pro]
"""


def storage(tmp_path: Path, declared: str = "") -> engine.Tariff:
    meters = f"gb: {{type: decimal, aggregation: max, minimum: 0, maximum: 1000000{declared}}}"
    return tariff(tmp_path, STORAGE, meters=meters)


@pytest.mark.parametrize("value", ["1E-999999", "1E-13", "0.0000000000001", "0E-999999"])
def test_a_tiny_usage_number_is_refused_at_the_default_precision(tmp_path: Path, value: str) -> None:
    refused = both(storage(tmp_path), document({"gb": Decimal(value)}))
    assert isinstance(refused, list) and len(refused) == 1
    assert refused[0].startswith("usage.gb: error: ")
    assert "gb takes at most 12 decimals [meter-precision]" in refused[0]
    assert len(refused[0]) < 300  # the value is never written out in full


def test_the_default_precision_is_twelve_decimals(tmp_path: Path) -> None:
    # 0.000000000001 × 1.00 = 0.000000000001 → 0.00 half-up; decimals count as written (the invoice writes them all).
    target = storage(tmp_path)
    assert amounts(both(target, document({"gb": Decimal("0.000000000001")}))) == ([("storage", "0.000000000001", "0.00")], "0.00")
    refused = both(target, document({"gb": Decimal("2.5000000000000")}))
    assert refused == ["usage.gb: error: 2.5000000000000 has 13 decimals; gb takes at most 12 decimals [meter-precision]"]


def test_a_meter_declares_its_precision(tmp_path: Path) -> None:
    target = storage(tmp_path, ", decimals: 3")
    # 1.234 × 1.00 = 1.234 → 1.23 half-up
    assert amounts(both(target, document({"gb": Decimal("1.234")}))) == ([("storage", "1.234", "1.23")], "1.23")
    refused = both(target, document({"gb": Decimal("1.2345")}))
    assert refused == ["usage.gb: error: 1.2345 has 4 decimals; gb takes at most 3 decimals [meter-precision]"]


def test_a_usage_number_has_at_most_30_significant_digits(tmp_path: Path) -> None:
    target = storage(tmp_path)
    assert amounts(both(target, document({"gb": Decimal("123456.789012345678")})))[1] == "123456.79"
    refused = both(target, document({"gb": Decimal("1234.56789012345678901234567890123")}))
    assert isinstance(refused, list) and "has 33 significant digits; a usage number has at most 30 [meter-precision]" in refused[0]


@given(
    digits=st.integers(min_value=0, max_value=10**40),
    exponent=st.integers(min_value=-999_999, max_value=999_999),
    negative=st.booleans(),
)
def test_any_usage_number_is_priced_small_or_refused_in_words(
    tmp_path_factory: pytest.TempPathFactory, digits: int, exponent: int, negative: bool
) -> None:
    target = _STORAGE.get("tariff") or _STORAGE.setdefault("tariff", storage(tmp_path_factory.mktemp("storage")))
    value = Decimal((int(negative), tuple(int(d) for d in str(digits)), exponent))
    try:
        invoice = engine.quote(target, document({"gb": value}))
    except engine.UsageError as error:
        assert [d.rule for d in error.diagnostics] in (["meter-precision"], ["meter-range"])
        assert all(len(str(d)) < 400 for d in error.diagnostics)
    else:
        assert len(invoice.to_json()) < 1000


_STORAGE: dict[str, engine.Tariff] = {}


def test_validate_warns_of_a_precision_on_an_integer_meter(tmp_path: Path) -> None:
    meters = "users: {type: integer, aggregation: max, minimum: 0, maximum: 10, decimals: 2}"
    target = tariff(tmp_path, STORAGE.replace("gb", "users"), meters=meters)
    assert [str(w) for w in target.versions[0].warnings] == [
        "t/2024-01-01.yaml:13:79: warning: meters.users: decimals has no effect on an integer meter (its values are whole numbers) [meter-precision]\n"
        "hint: remove decimals, or make the meter type: decimal"
    ]
