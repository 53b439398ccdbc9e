"""`model: flat`: one price for the period."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import ONE, text
from engine.core.periods import Period
from engine.core.records import dataclass
from engine.language.charges.base import (
    Charge,
    Common,
    ExplainContext,
    Explained,
    FactWriter,
    FastWriter,
    PricedLine,
    PricingInput,
    Spec,
    money_value,
)


@dataclass(frozen=True, slots=True)
class FlatCharge(Charge):
    price: Decimal

    model: ClassVar[str] = "flat"
    required: ClassVar[tuple[str, ...]] = ("price",)

    @classmethod
    def build(cls, spec: Spec, common: Common) -> FlatCharge:
        return cls(**common, price=money_value(spec.params["price"]))

    def figures(self, checked: PricingInput, period: Period) -> tuple[Decimal, Decimal, Decimal, str]:
        return ONE, self.price, self.price, self.description

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        return "price", [text(self.price)], f"the {context.checked.edition} edition's price is {text(self.price)}"

    def fast_code(self, writer: FastWriter) -> list[str]:
        return [f"lines.append({writer.bind(writer.line(self, (ONE, self.price, self.price, self.description)))})"]

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.fact("price", self.price, "money", out.per_period)

    def words(self) -> str:
        return "flat fee"
