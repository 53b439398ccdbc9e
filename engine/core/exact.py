"""Exact numbers: a Decimal while the value terminates, a Fraction only when it does not.

Pricing stays in Decimal (fast, and what invoices are written in). A quotient that does not
terminate in base ten (15/31 of a month, a third of a seat) becomes a `fractions.Fraction`
instead of being rounded, and stays one through the arithmetic that follows, until the
rounding the tariff declares (`round_to`). Any result that terminates again
(`seats / 3 * 3`) is a Decimal again (`exact`), so the common case never pays for fractions.

These functions take and return `Number`s; Decimal operations run in the pinned
`PRICING_CONTEXT`, so a result beyond its precision is refused, never rounded.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from engine.core.money import PRICING_CONTEXT, ROUNDING_CONTEXT, ROUNDING_MODES

Number = Decimal | Fraction

_FRACTION_ROUNDING = {  # the declared modes, on a fraction's magnitude
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
}


def terminates(value: Fraction) -> bool:
    """Whether `value` has a finite decimal expansion (its denominator has no factor but 2 and 5)."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1


def exact(value: Number) -> Number:
    """`value` as a Decimal when it terminates (written exactly), else the Fraction."""
    if isinstance(value, Decimal) or not terminates(value):
        return value
    return PRICING_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def fraction(value: Number) -> Fraction:
    return value if type(value) is Fraction else Fraction(value)


def divide(dividend: Number, divisor: Number) -> Number:
    """`a / b`, exactly: a Decimal when the quotient terminates, else a Fraction."""
    if type(dividend) is Decimal and type(divisor) is Decimal:
        try:
            return PRICING_CONTEXT.divide(dividend, divisor)
        except decimal.Inexact:
            pass
    if not divisor:
        raise decimal.DivisionByZero([decimal.DivisionByZero])
    return exact(fraction(dividend) / fraction(divisor))


def multiply(left: Number, right: Number) -> Number:
    if type(left) is Decimal and type(right) is Decimal:
        return PRICING_CONTEXT.multiply(left, right)
    return exact(fraction(left) * fraction(right))


def add(left: Number, right: Number) -> Number:
    if type(left) is Decimal and type(right) is Decimal:
        return PRICING_CONTEXT.add(left, right)
    return exact(fraction(left) + fraction(right))


def subtract(left: Number, right: Number) -> Number:
    if type(left) is Decimal and type(right) is Decimal:
        return PRICING_CONTEXT.subtract(left, right)
    return exact(fraction(left) - fraction(right))


def round_to(value: Number, scale: int, mode: str) -> Decimal:
    """`value` rounded to `scale` decimals by a declared mode (`half_up`, `half_even`, `up`, `down`).

    The one place a Fraction becomes a Decimal by rounding; a Decimal rounds as `Rounding.round` does.
    """
    quantum = Decimal(1).scaleb(-scale)
    if type(value) is Decimal:
        return value.quantize(quantum, rounding=ROUNDING_MODES[mode], context=ROUNDING_CONTEXT)
    scaled = fraction(value) * 10**scale
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)  # |scaled| = whole + rest / denominator
    twice = 2 * rest
    denominator = scaled.denominator
    rule = _FRACTION_ROUNDING[mode]
    if rest == 0 or rule == decimal.ROUND_DOWN:
        bump = False
    elif rule == decimal.ROUND_UP:
        bump = True
    elif rule == decimal.ROUND_HALF_UP:
        bump = twice >= denominator
    else:  # half_even
        bump = twice > denominator or (twice == denominator and whole % 2 == 1)
    magnitude = whole + (1 if bump else 0)
    signed = -magnitude if scaled < 0 else magnitude
    return Decimal(signed).scaleb(-scale, context=ROUNDING_CONTEXT)


def written(value: Number, scale: int) -> Decimal:
    """How a computed figure (a quantity) is written: exactly when it terminates, else to `scale` decimals, half-even."""
    return value if type(value) is Decimal else round_to(value, scale, "half_even")
