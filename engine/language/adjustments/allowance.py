"""A shared allowance: a pool of free units drawn from several meters in a declared order.

Pools are drawn before the charges price: each meter's value is what is left after the pool
(`draw`), so every charge prices only the units the pool did not cover, and the invoice
shows, per meter, how much of the pool it used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from engine.core.money import ZERO, text
from engine.core.records import dataclass
from engine.language.adjustments.base import FactWriter


@dataclass(frozen=True, slots=True)
class AllowancePool:
    id: str
    description: str
    source: str
    units: Decimal
    meters: tuple[str, ...]  # in the order the pool is drawn
    unit: str

    def draw(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Decimal, Decimal]]]:
        """The meter values after the pool, and (meter, value before, units drawn) per meter in order."""
        left = self.units
        after = dict(values)
        drawn: list[tuple[str, Decimal, Decimal]] = []
        for meter in self.meters:
            used = values.get(meter)
            if not isinstance(used, Decimal):
                continue
            take = min(left, used) if used > ZERO else ZERO
            after[meter] = used - take
            left -= take
            drawn.append((meter, used, take))
        return after, drawn

    def wording(self, meter: str, before: Decimal, take: Decimal) -> str:
        return f"{self.description}: {text(take)} of {text(before)} {meter} free"

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main(self.units, "number", self.unit, key="units")
        yield out.fact("drawn from", ", then ".join(self.meters), "text", key="meters")
