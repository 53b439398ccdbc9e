"""Exact numbers: a Decimal while the value terminates, a Fraction only when it does not.

Pricing stays in Decimal (fast, and what invoices are written in). A quotient that does not
terminate in base ten (15/31 of a month, a third of a seat) becomes a `fractions.Fraction`
instead of being rounded, and stays one through the arithmetic that follows, until the
rounding the tariff declares (`round_to`). Any result that terminates again
(`seats / 3 * 3`) is a Decimal again (`exact`), so the common case never pays for fractions.

These functions take and return `Number`s; Decimal operations run in the pinned
`PRICING_CONTEXT`, so a result beyond its precision is refused, never rounded. A fraction is
bounded the same way: numerator and denominator of at most `MAX_FRACTION_DIGITS` digits, and
a Decimal becomes a fraction only while its exponent is within that many digits; beyond, the
result is refused (`FractionTooLong`), so no expression can grow a number without bound.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

from engine.core.money import MAX_FRACTION_DIGITS, PRICING_CONTEXT, ROUNDING_CONTEXT, ROUNDING_MODES, FractionTooLong

Number = Decimal | Fraction
_MAX_BITS = int(MAX_FRACTION_DIGITS * 3.33) + 1  # 10**digits < 2**bits

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
    if isinstance(value, Decimal):
        return value
    if value.denominator.bit_length() > _MAX_BITS or value.numerator.bit_length() > _MAX_BITS:
        raise FractionTooLong([FractionTooLong])
    if not terminates(value):
        return value
    return PRICING_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def fraction(value: Number) -> Fraction:
    if isinstance(value, Fraction):
        return value
    exponent = value.as_tuple().exponent
    if type(exponent) is int and abs(exponent) > MAX_FRACTION_DIGITS:
        raise FractionTooLong([FractionTooLong])  # 1E-999999 would be a fraction of a million digits
    return Fraction(value)


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


def floor_divide(dividend: Number, divisor: Number) -> Number:
    """`a // b` as Decimal does it: the quotient truncated toward zero."""
    if type(dividend) is Decimal and type(divisor) is Decimal:
        return PRICING_CONTEXT.divide_int(dividend, divisor)
    if not divisor:
        raise decimal.DivisionByZero([decimal.DivisionByZero])
    return Decimal(math.trunc(fraction(dividend) / fraction(divisor)))


def remainder(dividend: Number, divisor: Number) -> Number:
    """`a % b` as Decimal does it: `a - b * (a // b)`, with the sign of `a`."""
    if type(dividend) is Decimal and type(divisor) is Decimal:
        return PRICING_CONTEXT.remainder(dividend, divisor)
    quotient = floor_divide(dividend, divisor)
    return subtract(dividend, multiply(divisor, quotient))


def power(base: Number, exponent: Number) -> Number:
    """`a ** n` for the whole-number literal exponents an expression admits (0 to 8)."""
    if type(base) is Decimal and type(exponent) is Decimal:
        return PRICING_CONTEXT.power(base, exponent)
    return exact(fraction(base) ** int(exponent))


def ceil(value: Number) -> Decimal:
    if type(value) is Decimal:
        return value.to_integral_value(rounding=decimal.ROUND_CEILING)
    return Decimal(math.ceil(value))


def floor(value: Number) -> Decimal:
    if type(value) is Decimal:
        return value.to_integral_value(rounding=decimal.ROUND_FLOOR)
    return Decimal(math.floor(value))


def number(value: object) -> Number:
    """`value` itself when it is a Decimal or a Fraction; a TypeError for anything else (text, true/false, none)."""
    if type(value) is Decimal or type(value) is Fraction:
        return value
    raise TypeError(f"not a number: {type(value).__name__}")


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
