"""Exact numbers (engine/core/exact.py): Decimal while terminating, Fraction otherwise, one declared rounding."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.exact import divide, exact, multiply, round_to, terminates, written


def test_a_third_stays_a_fraction_and_three_thirds_are_one():
    third = divide(Decimal(1), Decimal(3))
    assert third == Fraction(1, 3)
    whole = multiply(third, Decimal(3))
    assert type(whole) is Decimal and whole == 1


def test_terminating_quotients_stay_decimal():
    assert divide(Decimal(15), Decimal(30)) == Decimal("0.5")
    assert type(divide(Decimal(15), Decimal(30))) is Decimal
    assert exact(Fraction(3, 8)) == Decimal("0.375")


def test_proration_by_day_rounds_once():
    # 449.99 × 20/31 = 8999.8/31 = 290.3161...; 899.99 × 11/31 = 9899.89/31 = 319.3512...
    assert round_to(multiply(Decimal("449.99"), divide(Decimal(20), Decimal(31))), 2, "half_up") == Decimal("290.32")
    assert round_to(multiply(Decimal("899.99"), divide(Decimal(11), Decimal(31))), 2, "half_up") == Decimal("319.35")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # -2.5, -1.5, -0.5, 0.5, 1.5, 2.5 rounded to whole numbers
        ("half_up", ["-3", "-2", "-1", "1", "2", "3"]),
        ("half_even", ["-2", "-2", "0", "0", "2", "2"]),
        ("up", ["-3", "-2", "-1", "1", "2", "3"]),
        ("down", ["-2", "-1", "0", "0", "1", "2"]),
    ],
)
def test_each_mode_at_ties_on_both_signs(mode, expected):
    ties = [Fraction(n, 2) for n in (-5, -3, -1, 1, 3, 5)]
    assert [str(round_to(tie, 0, mode)) for tie in ties] == expected


def test_a_non_terminating_figure_is_written_at_the_given_scale():
    assert written(Fraction(2, 3), 4) == Decimal("0.6667")
    assert written(Decimal("0.5"), 4) == Decimal("0.5")
    assert not terminates(Fraction(1, 3)) and terminates(Fraction(1, 40))


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["half_up", "half_even", "up", "down"]),
)
def test_rounding_a_fraction_agrees_with_decimal_quantize(units, exponent, scale, mode):
    value = Decimal(units).scaleb(-exponent)
    assert round_to(Fraction(value), scale, mode) == round_to(value, scale, mode)
