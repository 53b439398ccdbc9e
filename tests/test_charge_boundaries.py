"""Every charge model at every boundary, and every rounding mode at ties, worked out by hand.

Each case is priced by both the fast and the general path (`pricing_cases.both`), and each
expected figure is computed in the comment beside it, never by the engine.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from pricing_cases import amounts, both, document, fast_only, hand_round, tariff

import engine
from engine.core.exact import round_to
from engine.core.money import Rounding

# Tier 1 (0, 10]: flat 5.00 + 1.00 a unit; tier 2 (10, 20]: flat 2.00 + 0.50 a unit;
# tier 3 (20, 30], written with both `above` and `up_to`: 0.25 a unit. Closed at 30.
TIERS = """\
  usage:
    model: tiered
    quantity: users
    mode: {mode}
    tiers:
      - {{up_to: 10, flat_fee: 5.00, unit_price: 1.00}}
      - {{up_to: 20, flat_fee: 2.00, unit_price: 0.50}}
      - {{above: 20, up_to: 30, unit_price: 0.25}}
    editions: [pro]
"""


def priced(tmp_path: Path, charges: str, quantity: int | Decimal, **kwargs: str) -> tuple[str, str]:
    """(the line's quantity, its amount) of the one line."""
    lines, total = amounts(both(tariff(tmp_path, charges, **kwargs), document({"users": quantity})))
    assert len(lines) == 1 and lines[0][2] == total
    return lines[0][1], lines[0][2]


@pytest.mark.parametrize(
    ("users", "amount"),
    [
        (0, "5.00"),  # the first tier's flat fee is charged at quantity 0: 5.00 + 0 × 1.00
        (1, "6.00"),  # 5.00 + 1 × 1.00
        (10, "15.00"),  # 5.00 + 10 × 1.00; 10 is inside tier 1 (up to and including), tier 2 is not entered
        (11, "17.50"),  # 15.00 + tier 2: 2.00 + 1 × 0.50
        (20, "22.00"),  # 15.00 + 2.00 + 10 × 0.50
        (21, "22.25"),  # 22.00 + tier 3: 1 × 0.25
        (30, "24.50"),  # 22.00 + 10 × 0.25; 30 is the last tier's closed end
    ],
)
def test_graduated_tiers_at_every_edge(tmp_path: Path, users: int, amount: str) -> None:
    assert priced(tmp_path, TIERS.format(mode="graduated"), users) == (str(users), amount)


@pytest.mark.parametrize(
    ("users", "amount"),
    [
        (0, "5.00"),  # tier 1: 5.00 + 0 × 1.00
        (10, "15.00"),  # tier 1: 5.00 + 10 × 1.00
        (11, "7.50"),  # tier 2: 2.00 + 11 × 0.50
        (20, "12.00"),  # tier 2: 2.00 + 20 × 0.50
        (21, "5.25"),  # tier 3: 21 × 0.25
        (30, "7.50"),  # tier 3: 30 × 0.25
    ],
)
def test_volume_tiers_at_every_edge(tmp_path: Path, users: int, amount: str) -> None:
    assert priced(tmp_path, TIERS.format(mode="volume"), users) == (str(users), amount)


@pytest.mark.parametrize("mode", ["graduated", "volume"])
def test_a_quantity_above_a_closed_last_tier_is_refused(tmp_path: Path, mode: str) -> None:
    refused = both(tariff(tmp_path, TIERS.format(mode=mode)), document({"users": 31}))
    assert refused == ["charges.usage: error: 31 is above the last tier of usage (up to 30); no price is published for it [no-price]"]


def test_a_fractional_quantity_just_above_a_tier_edge(tmp_path: Path) -> None:
    # users / 2 with users = 21 is 10.5: graduated 5.00 + 10 × 1.00 + 2.00 + 0.5 × 0.50 = 17.25
    charges = TIERS.format(mode="graduated").replace("quantity: users", "quantity: users / 2")
    assert priced(tmp_path, charges, 21) == ("10.5", "17.25")


def test_a_non_terminating_quantity_in_graduated_tiers(tmp_path: Path) -> None:
    # users / 3 with users = 32 is 32/3 = 10 2/3: 5.00 + 10 × 1.00 + 2.00 + 2/3 × 0.50 = 17 + 1/3 → 17.33 half-up;
    # the quantity written to 6 decimals half-even: 10.666667.
    charges = TIERS.format(mode="graduated").replace("quantity: users", "quantity: users / 3")
    assert priced(tmp_path, charges, 32) == ("10.666667", "17.33")


EXTRA = """\
  usage:
    model: tiered
    quantity: users
    mode: {mode}
    tiers:
      - {{up_to: 10, unit_price: 0}}
      - {{up_to: null, flat_fee: 3.00, extra_block: {{size: 5, price: 1.00}}}}
    editions: [pro]
"""


@pytest.mark.parametrize("mode", ["graduated", "volume"])
@pytest.mark.parametrize(
    ("users", "amount"),
    [
        (10, "0.00"),  # inside tier 1, priced at 0
        (11, "4.00"),  # tier 2: 3.00 + 1 started block of 5 over 10 (1 unit) × 1.00
        (15, "4.00"),  # 5 units over 10: exactly 1 block
        (16, "5.00"),  # 6 units over 10: 2 started blocks
    ],
)
def test_extra_blocks_of_an_open_top_tier(tmp_path: Path, mode: str, users: int, amount: str) -> None:
    assert priced(tmp_path, EXTRA.format(mode=mode), users) == (str(users), amount)


def test_equal_tier_bounds_are_refused_by_validate(tmp_path: Path) -> None:
    charges = TIERS.format(mode="graduated").replace("{up_to: 20, flat_fee", "{up_to: 10, flat_fee")
    with pytest.raises(engine.TariffError) as caught:
        tariff(tmp_path, charges)
    # the second tier ends where the first does; the third's `above: 20` then leaves a gap from 10 to 20
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert [d.rule for d in errors] == ["tier-order", "tier-gap"]
    assert errors[0].message == (
        "charges.usage.tiers[1].up_to: 10 is not above the previous tier's up_to (10); tiers must be in ascending order"
    )


BLOCKS = """\
  extra:
    model: blocks
    quantity: users
    included: 10
    block_size: 5
    round: {round}
    price: 1.10
    editions: [pro]
"""


@pytest.mark.parametrize(
    ("rounding", "users", "blocks", "amount"),
    [
        ("up", 0, "0", "0.00"),  # nothing above the 10 included
        ("up", 10, "0", "0.00"),  # exactly the included quantity
        ("up", 11, "1", "1.10"),  # 1 over: a started block, 1 × 1.10
        ("up", 15, "1", "1.10"),  # 5 over: exactly 1 block
        ("up", 16, "2", "2.20"),  # 6 over: 2 started blocks, 2 × 1.10
        ("down", 14, "0", "0.00"),  # 4 over: no whole block
        ("down", 15, "1", "1.10"),  # 5 over: 1 whole block
        ("down", 19, "1", "1.10"),  # 9 over: still 1 whole block
        ("down", 20, "2", "2.20"),  # 10 over: 2 whole blocks
    ],
)
def test_blocks_at_every_edge(tmp_path: Path, rounding: str, users: int, blocks: str, amount: str) -> None:
    assert priced(tmp_path, BLOCKS.format(round=rounding), users) == (blocks, amount)


def test_blocks_of_a_non_terminating_quantity(tmp_path: Path) -> None:
    # users / 3 with users = 46 is 15 1/3: 5 1/3 over the 10 included, 2 started blocks of 5 → 2 × 1.10 = 2.20
    charges = BLOCKS.format(round="up").replace("quantity: users", "quantity: users / 3")
    assert priced(tmp_path, charges, 46) == ("2", "2.20")


def test_per_unit_and_flat(tmp_path: Path) -> None:
    charges = "  seats:\n    model: per_unit\n    quantity: users\n    unit_price: 0.35\n    editions: [pro]\n"
    assert priced(tmp_path, charges, 7) == ("7", "2.45")  # 7 × 0.35
    assert priced(tmp_path, charges, 0) == ("0", "0.00")  # 0 × 0.35
    flat = "  base:\n    model: flat\n    price: 449.99\n    editions: [pro]\n"
    assert priced(tmp_path, flat, 0) == ("1", "449.99")  # 1 × 449.99, whatever the usage


# -- every rounding mode at ties, on positive and negative amounts --------------------------------

TIES = [
    # value, half_up, half_even, up, down (scale 2); worked by hand
    ("0.125", "0.13", "0.12", "0.13", "0.12"),  # a tie below an even digit
    ("0.135", "0.14", "0.14", "0.14", "0.13"),  # a tie below an odd digit
    ("0.121", "0.12", "0.12", "0.13", "0.12"),  # under the tie: only `up` goes up
    ("0.129", "0.13", "0.13", "0.13", "0.12"),  # over the tie: only `down` stays
    ("0.120", "0.12", "0.12", "0.12", "0.12"),  # nothing to round
    ("0.035", "0.04", "0.04", "0.04", "0.03"),  # a tie below an odd digit (3)
    ("0.045", "0.05", "0.04", "0.05", "0.04"),  # a tie below an even digit (4)
]
MODES = ("half_up", "half_even", "up", "down")


@pytest.mark.parametrize(("value", *MODES), TIES)
@pytest.mark.parametrize("sign", ["", "-"])
def test_each_mode_at_ties_on_positive_and_negative_amounts(
    sign: str, value: str, half_up: str, half_even: str, up: str, down: str
) -> None:
    # Rounding is symmetric about zero: `up` is away from zero, `down` toward it, ties by magnitude.
    for mode, expected in zip(MODES, (half_up, half_even, up, down), strict=True):
        amount, wanted = Decimal(sign + value), Decimal(sign + expected)
        assert Rounding(2, mode, "per_line").round(amount) == wanted, (mode, amount)
        assert round_to(amount, 2, mode) == wanted
        assert round_to(Fraction(amount), 2, mode) == wanted
        assert hand_round(amount, 2, mode) == wanted  # the tests' own rounding agrees with the hand-worked table


@pytest.mark.parametrize(("value", *MODES), TIES)
def test_each_mode_at_ties_on_an_invoice_line(tmp_path: Path, value: str, half_up: str, half_even: str, up: str, down: str) -> None:
    charges = "  storage:\n    model: per_unit\n    quantity: gb\n    unit_price: 1.00\n    editions: [pro]\n"
    meters = "gb: {type: decimal, aggregation: max, minimum: 0, maximum: 10}"
    for mode, expected in zip(MODES, (half_up, half_even, up, down), strict=True):
        target = tariff(tmp_path, charges, meters=meters, rounding=f"{{scale: 2, mode: {mode}, apply: per_line}}")
        lines, total = amounts(both(target, document({"gb": Decimal(value)})))
        assert lines == [("storage", value, expected)] and total == expected, mode  # value × 1.00


@pytest.mark.parametrize(
    ("mode", "price", "adjustment", "total"),
    [
        ("half_up", "1.005", "0.005", "1.01"),  # a tie, rounded away from zero: +0.005
        ("half_even", "1.005", "-0.005", "1.00"),  # a tie, to the even cent: -0.005 (a negative rounding line)
        ("half_even", "1.015", "0.005", "1.02"),
        ("up", "1.001", "0.009", "1.01"),
        ("down", "1.009", "-0.009", "1.00"),  # down removes the 0.009: a negative line
    ],
)
def test_each_mode_on_the_total_adds_a_rounding_line(tmp_path: Path, mode: str, price: str, adjustment: str, total: str) -> None:
    # A unit price may have more decimals than the money (a flat price may not): 1 user × the price.
    charges = f"  base:\n    model: per_unit\n    quantity: users\n    unit_price: {price}\n    editions: [pro]\n"
    target = tariff(tmp_path, charges, rounding=f"{{scale: 2, mode: {mode}, apply: total}}")
    assert amounts(both(target, document({"users": 1}))) == ([("base", "1", price), ("rounding", "1", adjustment)], total)


# -- found by the mutation run (docs/security.md, "Mutation testing") ------------------------------


def test_every_refused_charge_is_reported_not_only_the_first(tmp_path: Path) -> None:
    charges = TIERS.format(mode="graduated") + TIERS.format(mode="volume").replace("  usage:", "  usage_too:")
    refused = both(tariff(tmp_path, charges), document({"users": 31}))
    assert refused == [
        "charges.usage: error: 31 is above the last tier of usage (up to 30); no price is published for it [no-price]",
        "charges.usage_too: error: 31 is above the last tier of usage_too (up to 30); no price is published for it [no-price]",
    ]


def test_the_rounding_line_in_full(tmp_path: Path) -> None:
    charges = "  base:\n    model: per_unit\n    quantity: users\n    unit_price: 1.005\n    editions: [pro]\n"
    target = tariff(tmp_path, charges, rounding="{scale: 2, mode: half_up, apply: total}")
    invoice = both(target, document({"users": 1}))
    assert isinstance(invoice, dict)
    assert invoice["lines"][1] == {
        "id": "rounding",
        "description": "Rounding of the total (half_up to 2 decimals)",
        "quantity": "1",
        "unit": "",
        "unit_price": None,
        "amount": "0.005",  # 1.005 → 1.01 half-up
        "source": "t/2024-01-01.yaml:8",
    }


def test_blocks_round_down_a_non_terminating_quantity(tmp_path: Path) -> None:
    # users / 3 with users = 46 is 15 1/3: 5 1/3 over the 10 included is 1 whole block of 5 → 1 × 1.10
    charges = BLOCKS.format(round="down").replace("quantity: users", "quantity: users / 3")
    assert priced(tmp_path, charges, 46) == ("1", "1.10")


def test_blocks_with_an_included_quantity_from_the_edition(tmp_path: Path) -> None:
    # included: seats (5 on pro); 12 users are 7 over: 2 started blocks of 5 → 2 × 1.10 = 2.20
    charges = BLOCKS.format(round="up").replace("included: 10", "included: seats")
    assert priced(tmp_path, charges, 12) == ("2", "2.20")


def test_a_condition_that_is_not_true_or_false_is_refused(tmp_path: Path) -> None:
    charges = "  base:\n    model: flat\n    price: 1.00\n    when: users + 1\n    editions: [pro]\n"
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert refused == [
        "charges.base: error: charge base (t/2024-01-01.yaml:15): condition 'users + 1' gave 2, not true or false [evaluation]"
    ]


def test_a_quantity_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    charges = "  seats:\n    model: per_unit\n    quantity: users if users > 1 else users > 0\n    unit_price: 1.00\n    editions: [pro]\n"
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert refused == [
        "charges.seats: error: charge seats (t/2024-01-01.yaml:15): quantity of charge seats is True, not a number [evaluation]"
    ]


def test_a_negative_quantity_of_constants_and_of_a_fraction(tmp_path: Path) -> None:
    charges = "  seats:\n    model: per_unit\n    quantity: 0 - 1\n    unit_price: 1.00\n    editions: [pro]\n"
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert isinstance(refused, list) and refused[0].startswith(
        "charges.seats: error: charge seats: its quantity 0 - 1 is -1; a quantity cannot be negative [negative-quantity]"
    )
    # users / 3 - 1 with users = 1 is -2/3, shown as the exact fraction
    charges = charges.replace("0 - 1", "users / 3 - 1")
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert isinstance(refused, list) and "its quantity users / 3 - 1 is -2/3 (users = 1)" in refused[0]


def test_a_number_out_of_range_is_refused_in_words(tmp_path: Path) -> None:
    # (10^40)^(8^4) = 10^163840; one more power of 8 is 10^1310720, beyond the exponent limit of 999,999
    quantity = "(((((users * 1e40) ** 8) ** 8) ** 8) ** 8) ** 8"
    charges = f"  seats:\n    model: per_unit\n    quantity: {quantity}\n    unit_price: 1.00\n    editions: [pro]\n"
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert refused == [
        f"charges.seats: error: charge seats (t/2024-01-01.yaml:15): {quantity!r} cannot be computed: a number is out of range [evaluation]"
    ]


def test_rounding_a_fraction_or_a_decimal_inside_the_pricing_context() -> None:
    # the rounding context is explicit: the pricing context around it (Inexact trapped) changes nothing
    import decimal

    from engine.core.money import PRICING_CONTEXT

    with decimal.localcontext(PRICING_CONTEXT):
        assert round_to(Decimal("0.125"), 2, "half_up") == Decimal("0.13")
        assert round_to(Fraction(1, 3), 2, "up") == Decimal("0.34")
        assert str(round_to(Fraction(-1, 3), 4, "down")) == "-0.3333"


def test_a_charge_after_one_whose_condition_is_false_is_still_priced(tmp_path: Path) -> None:
    charges = "  big:\n    model: flat\n    price: 9.00\n    when: users > 100\n    editions: [pro]\n"
    charges += "  base:\n    model: flat\n    price: 1.00\n    editions: [pro]\n"
    assert amounts(both(tariff(tmp_path, charges), document({"users": 1}))) == ([("base", "1", "1.00")], "1.00")


@pytest.mark.parametrize(
    ("quantity", "users", "expected"),
    [
        ("ceil(users / 4)", 10, "3"),  # 2.5 up to 3 (not 2, the even neighbour)
        ("floor(users / 4)", 14, "3"),  # 3.5 down to 3 (not 4)
        ("floor(users * 0.25)", 14, "3"),  # the same without a division: 3.5 down to 3
        ("ceil(users * 0.25)", 10, "3"),  # 2.5 up to 3
    ],
)
def test_ceil_and_floor_never_round_to_even(tmp_path: Path, quantity: str, users: int, expected: str) -> None:
    charges = f"  seats:\n    model: per_unit\n    quantity: {quantity}\n    unit_price: 1.00\n    editions: [pro]\n"
    assert priced(tmp_path, charges, users) == (expected, f"{expected}.00")


def test_an_included_quantity_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    charges = BLOCKS.format(round="up").replace("included: 10", "included: users if users > 1 else users > 0")
    refused = both(tariff(tmp_path, charges), document({"users": 1}))
    assert refused == [
        "charges.extra: error: charge extra (t/2024-01-01.yaml:15): included quantity of charge extra is True, not a number [evaluation]"
    ]


def test_the_explanation_of_a_part_block_in_a_tier(tmp_path: Path) -> None:
    from engine.authoring.explanation import explain

    # 16 users, graduated: tier 1 prices 10 × 0; tier 2 prices 6 × 0 + 3.00 + 2 started blocks of 5 × 1.00 = 5.00
    target = tariff(tmp_path, EXTRA.format(mode="graduated"))
    line = explain(target, document({"users": 16})).lines[0]
    assert line.steps == ("10 × 0 + 6 × 0 + 3.00 + 2 × 1.00", "0 + 5.00", "5.00")


@pytest.mark.parametrize(
    ("meter", "value", "blocks"),
    [
        ("integer", 16, "2"),  # 6 over the 10 included: 2 started blocks of 5 (whole-number arithmetic)
        ("integer", 9, "0"),  # under the quota
        ("decimal", Decimal("15.5"), "2"),  # 5.5 over: 2 started blocks (Decimal arithmetic)
        ("decimal", Decimal("15"), "1"),  # 5 over: exactly 1 block
        ("decimal", Decimal("3"), "0"),  # under the quota
    ],
)
def test_the_fast_path_itself_prices_blocks_of_a_meter(tmp_path: Path, meter: str, value: int | Decimal, blocks: str) -> None:
    # the fast path must take these documents (not hand them to the general path) and give the hand-worked count × 1.10
    meters = f"users: {{type: {meter}, aggregation: max, minimum: 0, maximum: 1000}}"
    target = tariff(tmp_path, BLOCKS.format(round="up"), meters=meters)
    invoice = fast_only(target, document({"users": value}))
    assert invoice is not None
    amount = format(Decimal(blocks) * Decimal("1.10"), "f")
    assert [(line.id, str(line.quantity), str(line.amount)) for line in invoice.lines] == [("extra", blocks, amount)]
