"""Exact money: one pinned Decimal context and the declared rounding modes.

Pricing runs inside `PRICING_CONTEXT`: 60 significant digits (a count of 10^12 times
a price with 30 digits still computes exactly), and `FloatOperation` trapped so a
binary float that slips into the arithmetic fails loudly instead of rounding silently.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

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
    ],
)

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
}

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Rounding:
    """Declared rounding: `scale` decimals, `mode`, applied per line or on the total."""

    scale: int
    mode: str
    apply: str  # "per_line" | "total"
    source: str = ""  # where the tariff declares it, for the adjustment line

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.scale)

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=ROUNDING_MODES[self.mode], context=PRICING_CONTEXT)


def decimals_of(value: Decimal) -> int:
    """How many digits a written number has after the point (`449.990` → 3)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=decimal.ROUND_CEILING)


def floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=decimal.ROUND_FLOOR)


def text(value: Decimal) -> str:
    """Plain notation for JSON and tables: never `1E+3`."""
    return format(value, "f")
