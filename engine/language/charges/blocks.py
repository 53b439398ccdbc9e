"""`model: blocks`: started (or whole) blocks of usage above an included quantity, each at a price."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.exact import subtract
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, text
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
    Meter,
    PricedLine,
    PricingInput,
    Spec,
    blocks_over,
    money_value,
    number,
    quantity_of,
    steps,
)
from engine.language.expressions import Expression, constant, folded


@dataclass(frozen=True, slots=True)
class BlocksCharge(Charge):
    quantity: Expression
    included: Expression
    block_size: Decimal
    round_up: bool
    price: Decimal

    model: ClassVar[str] = "blocks"
    required: ClassVar[tuple[str, ...]] = ("quantity", "block_size", "price")

    @classmethod
    def build(cls, spec: Spec, common: Common) -> BlocksCharge | None:
        quantity = spec.expression("quantity")
        included = spec.expression("included") or _nothing_included()
        if quantity is None:
            return None
        params = spec.params
        return cls(
            **common,
            quantity=quantity,
            included=included,
            block_size=Decimal(params["block_size"]),
            round_up=params.get("round", "up") == "up",
            price=money_value(params["price"]),
        )

    def figures(self, checked: PricingInput, period: Period) -> LineFigures:
        quantity = quantity_of(self, self.quantity, checked)
        included = number(self, self.included.evaluate(checked.values), "included quantity")
        count = blocks_over(quantity, included, self.block_size, self.round_up)
        return count, self.price, count * self.price, self.description

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        rounding = "ceil" if self.round_up else "floor"
        quantity, included = context.value(self.quantity), context.value(self.included)
        quantity_f, included_f = context.formula_of(self.quantity, "quantity"), context.formula_of(self.included, "included")
        size, price = text(self.block_size), text(self.price)
        steps = [f"{rounding}(max(0, {context.substitute(self.quantity)} − {context.substitute(self.included)}) / {size}) × {price}"]
        plain = f"{rounding}(max(0, {text(quantity)} − {text(included)}) / {size}) × {price}"
        if steps[0] != plain:
            steps.append(plain)
        steps.append(f"{rounding}({text(max(ZERO, subtract(quantity, included)))} / {size}) × {price}")
        steps += [f"{text(line.quantity)} × {price}", context.figure(line.quantity * self.price)]
        if quantity <= included:
            reason = f"{context.label(self.quantity)} {text(quantity)} ≤ included {text(included)}"
        elif line.quantity == ZERO:
            reason = f"the excess {text(subtract(quantity, included))} is less than one block of {size} (part blocks are dropped)"
        else:
            reason = "the price per block is 0"
        return f"{rounding}(max(0, {quantity_f} − {included_f}) / block_size) × price", steps, reason

    def fast_code(self, writer: FastWriter) -> list[str] | None:
        """A meter's value against a constant quota: whole-number arithmetic when it gives the same digits."""
        included = folded(self.included)
        found = writer.meter_variable(self.quantity.text) if self.quantity.text in self.quantity.names else None
        if found is None or included is None or found[0].minimum < ZERO:
            return None  # a meter that may be negative: `figures` refuses a negative quantity
        meter, variable = found
        none = self.line_of(writer, ZERO)  # at or under the quota: `blocks_over` gives 0, always this line
        if _whole_blocks(meter, included, self.block_size):
            size, price = writer.bind(int(self.block_size)), writer.bind(self.price)
            count = f"-(-e // {size})" if self.round_up else f"e // {size}"
            line = writer.line_code(self, "q", self.price, f"CONTEXT.multiply(q, {price})")
            return [
                f"e = {variable} - {writer.bind(int(included))}",
                "if e <= 0:",
                f"    lines.append({writer.bind(none)})",
                "else:",
                f"    q = Decimal({count})",
                f"    lines.append({line})",
            ]
        return [f"lines.append({writer.bind(self.decimal_blocks(writer, included, none))}({variable}))"]

    def line_of(self, writer: FastWriter, count: Decimal) -> Any:
        return writer.line(self, (count, self.price, PRICING_CONTEXT.multiply(count, self.price), self.description))

    def decimal_blocks(self, writer: FastWriter, included: Decimal, none: Any) -> Callable[[Any], Any]:
        """`figures` and `blocks_over`, with the pinned context passed to each operation."""

        def line(value: Any) -> Any:
            excess = PRICING_CONTEXT.subtract(Decimal(value), included)
            if excess <= ZERO:
                return none
            whole, rest = PRICING_CONTEXT.divmod(excess, self.block_size)
            return self.line_of(writer, PRICING_CONTEXT.add(whole, ONE) if rest and self.round_up else whole)

        return line

    def facts(self, out: FactWriter) -> Iterator[Any]:
        unit = out.quantity_unit()
        yield out.expression("quantity", self.quantity)
        yield out.expression("included", self.included, unit)
        yield out.fact("block size", self.block_size, "number", unit, "block_size")
        yield out.fact("part block", "billed as a whole block" if self.round_up else "not billed", "text", key="round")
        yield out.fact("price", self.price, "money", f"{out.currency} per block")

    def words(self) -> str:
        return "blocks"

    def edges(self, meter: str, low: Decimal, high: Decimal, most: int) -> Iterator[Decimal]:
        start = folded(self.included)
        if self.quantity.text.strip() == meter and start is not None and self.block_size > 0:
            yield from steps(start, self.block_size, low, high, most)


def _whole_blocks(meter: Meter, included: Decimal, size: Decimal) -> bool:
    """Whether whole-number arithmetic gives `blocks_over`'s count, digit for digit.

    It does when the meter's values, the quota and the block size are whole numbers: the
    count is then a quotient of `divmod`, a whole number with exponent 0, as `Decimal(count)` is.
    """
    whole = included == included.to_integral_value() and size == size.to_integral_value()
    return meter.type == "integer" and meter.aggregation != "sum" and whole


_NOTHING_INCLUDED: list[Expression] = []  # `included: 0`, compiled once: most blocks charges include nothing


def _nothing_included() -> Expression:
    if not _NOTHING_INCLUDED:
        _NOTHING_INCLUDED.append(constant(Decimal(0)))
    return _NOTHING_INCLUDED[0]
