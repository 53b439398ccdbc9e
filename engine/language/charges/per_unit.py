"""`model: per_unit`: a quantity times a unit price."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.exact import multiply
from engine.core.money import ZERO, text
from engine.core.periods import Period
from engine.core.records import dataclass
from engine.language.charges.base import (
    Charge,
    Common,
    ExplainContext,
    Explained,
    FactWriter,
    FastWriter,
    LineFigures,
    PricedLine,
    PricingInput,
    Spec,
    money_value,
    quantity_of,
)
from engine.language.expressions import Expression


@dataclass(frozen=True, slots=True)
class PerUnitCharge(Charge):
    quantity: Expression
    unit_price: Decimal

    model: ClassVar[str] = "per_unit"
    required: ClassVar[tuple[str, ...]] = ("quantity", "unit_price")

    @classmethod
    def build(cls, spec: Spec, common: Common) -> PerUnitCharge | None:
        quantity = spec.expression("quantity")
        return None if quantity is None else cls(**common, quantity=quantity, unit_price=money_value(spec.params["unit_price"]))

    def figures(self, checked: PricingInput, period: Period) -> LineFigures:
        quantity = quantity_of(self, self.quantity, checked)
        return quantity, self.unit_price, multiply(quantity, self.unit_price), self.description

    def fast_code(self, writer: FastWriter) -> list[str] | None:
        """A meter's value times the unit price, when the quantity is the meter itself."""
        found = writer.meter_variable(self.quantity.text) if self.quantity.text in self.quantity.names else None
        if found is None:
            return None
        line = writer.line_code(self, "q", self.unit_price, f"CONTEXT.multiply(q, {writer.bind(self.unit_price)})")
        return [f"q = Decimal({found[1]})", f"lines.append({line})"]

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        quantity = context.value(self.quantity)
        formula = f"{context.formula_of(self.quantity, 'quantity')} × unit_price"
        steps = [f"{context.substitute(self.quantity)} × {text(self.unit_price)}"]
        if steps[0] != f"{text(quantity)} × {text(self.unit_price)}":
            steps.append(f"{text(quantity)} × {text(self.unit_price)}")
        steps.append(context.figure(multiply(quantity, self.unit_price)))
        reason = f"{context.label(self.quantity)} is 0" if quantity == ZERO else "unit_price is 0"
        return formula, steps, reason

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.expression("quantity", self.quantity)
        yield out.fact("unit price", self.unit_price, "money", f"{out.currency} per {out.quantity_unit()}", "unit_price")

    def words(self) -> str:
        return "per unit"
