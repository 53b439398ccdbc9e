"""Exact money: one pinned Decimal context and the declared rounding modes.

Pricing runs inside `PRICING_CONTEXT`: 60 significant digits (a count of 10^12 times
a price with 30 digits still computes exactly), and `FloatOperation` trapped so a
binary floating-point number that slips into the arithmetic fails loudly instead of rounding silently.
`Inexact` is trapped too: an amount that would need more than 60 digits is refused,
never silently rounded. Only two operations round, each on purpose: the declared
money rounding (`Rounding.round`, and `exact.round_to` for a fraction) and `ceil`/`floor`.
Division inside a tariff expression is exact (`engine.core.exact`); `divide` here is for
the percentages a review shows people.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from engine.core.records import dataclass

PRICING_CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.FloatOperation,
        decimal.Inexact,
    ],
)
# Deliberate rounding: the declared money rounding and expression division may
# discard digits; every other trap of the pricing context stays.
ROUNDING_CONTEXT = PRICING_CONTEXT.copy()
ROUNDING_CONTEXT.traps[decimal.Inexact] = False
ROUNDING_CONTEXT.traps[decimal.Rounded] = False

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
}

MAX_FRACTION_DIGITS = 400  # digits of a fraction's numerator and denominator (`engine.core.exact`)


class FractionTooLong(decimal.Inexact):
    """An exact fraction that would need more than `MAX_FRACTION_DIGITS` digits: refused, never rounded."""


ZERO = Decimal(0)
ONE = Decimal(1)
DEFAULT_QUANTITY_SCALE = 6  # `rounding.quantity_scale` when the tariff does not declare it


@dataclass(frozen=True, slots=True)
class Rounding:
    """Declared rounding: `scale` decimals, `mode`, applied per line or on the total."""

    scale: int
    mode: str
    apply: str  # "per_line" | "total"
    source: str = ""  # where the tariff declares it, for the adjustment line
    quantity_scale: int = DEFAULT_QUANTITY_SCALE  # decimals of a quantity that does not terminate (1/3)

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.scale)

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=ROUNDING_MODES[self.mode], context=ROUNDING_CONTEXT)


def decimals_of(value: Decimal) -> int:
    """How many digits a written number has after the point (`449.990` → 3)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=decimal.ROUND_CEILING)


def floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=decimal.ROUND_FLOOR)


def text(value: Decimal | Fraction) -> str:
    """Plain notation for JSON and tables: never `1E+3`, never `-0.00`; a fraction as `1/3`."""
    if type(value) is not Decimal:
        return str(value)
    return format(value if value else value.copy_abs(), "f")


def divide(dividend: Decimal, divisor: Decimal) -> Decimal:
    """`a / b` for people (a change in percent): exact when it can be, else 60 significant digits."""
    return ROUNDING_CONTEXT.divide(dividend, divisor)


def describe_signal(error: ArithmeticError) -> str:
    """A trapped Decimal signal in words, for a diagnostic."""
    conditions = error.args[0] if error.args and isinstance(error.args[0], list) else [type(error)]
    if isinstance(error, FractionTooLong):
        return f"the exact result is a fraction of more than {MAX_FRACTION_DIGITS} digits; it is refused rather than rounded"
    if isinstance(error, ZeroDivisionError) or decimal.DivisionUndefined in conditions:
        return "division by zero"
    if isinstance(error, decimal.Overflow):
        return "a number is out of range"
    if isinstance(error, decimal.Inexact):
        return f"the exact result needs more than {PRICING_CONTEXT.prec} significant digits; it is refused rather than rounded"
    if decimal.DivisionImpossible in conditions:
        return f"the whole-number quotient needs more than {PRICING_CONTEXT.prec} digits"
    return f"the result is undefined (such as 0 ** 0 or x % 0) or needs more than {PRICING_CONTEXT.prec} digits"
