"""`model: tiered`: graduated tiers (each tier prices its own part) or volume tiers (one tier prices all)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.exact import Number, add, multiply, subtract
from engine.core.money import ZERO, text
from engine.core.periods import Period
from engine.core.records import dataclass
from engine.language.charges.base import (
    Charge,
    Common,
    ExplainContext,
    Explained,
    FactWriter,
    LineFigures,
    PricedLine,
    PricingInput,
    Refusal,
    Spec,
    blocks_over,
    money_value,
    quantity_of,
    steps,
)
from engine.language.expressions import Expression
from engine.language.source import PathItem, json_path


@dataclass(frozen=True, slots=True)
class Tier:
    lower: Decimal
    up_to: Decimal | None
    flat_fee: Decimal
    unit_price: Decimal
    extra_block_size: Decimal | None
    extra_block_price: Decimal

    def extra_blocks_price(self, units: Number) -> Decimal:
        """The price of the started extra blocks in `units`."""
        if self.extra_block_size is None:
            return ZERO
        return blocks_over(units, ZERO, self.extra_block_size, True) * self.extra_block_price

    def range_words(self, inside: str = "") -> str:
        return f"above {text(self.lower)}" if self.up_to is None else f"{inside}({text(self.lower)}, {text(self.up_to)}]"

    def price_words(self) -> str:
        """The tier's price as a formula: unit price, plus its flat fee and extra blocks when it has them."""
        words = text(self.unit_price)
        if self.flat_fee:
            words += f" + {text(self.flat_fee)}"
        if self.extra_block_size is not None:
            words += f" + {text(self.extra_block_price)} per started {text(self.extra_block_size)}"
        return words if words == text(self.unit_price) else f"({words})"

    def part(self, priced: Number, extra_units: Number) -> tuple[str, Number]:
        """(the arithmetic, the amount) of this tier pricing `priced` units."""
        words = f"{text(priced)} × {text(self.unit_price)}"
        amount = multiply(priced, self.unit_price)
        if self.flat_fee:
            words += f" + {text(self.flat_fee)}"
            amount = add(amount, self.flat_fee)
        if self.extra_block_size is not None and extra_units > ZERO:
            blocks = blocks_over(extra_units, ZERO, self.extra_block_size, True)
            words += f" + {text(blocks)} × {text(self.extra_block_price)}"
            amount = add(amount, blocks * self.extra_block_price)
        return words, amount


@dataclass(frozen=True, slots=True)
class TieredCharge(Charge):
    quantity: Expression
    graduated: bool
    tiers: tuple[Tier, ...]

    model: ClassVar[str] = "tiered"
    required: ClassVar[tuple[str, ...]] = ("quantity", "mode", "tiers")
    values_per_edition: ClassVar[bool] = False  # the tiers are read once for all editions, and the rater runs `figures`

    @classmethod
    def build(cls, spec: Spec, common: Common) -> TieredCharge | None:
        quantity = spec.expression("quantity")
        tiers = spec.once(("tiers",), lambda: _tiers(spec, spec.params["tiers"], spec.path("tiers")))
        if quantity is None or tiers is None:
            return None
        return cls(**common, quantity=quantity, graduated=spec.params["mode"] == "graduated", tiers=tiers)

    def figures(self, checked: PricingInput, period: Period) -> LineFigures:
        quantity = quantity_of(self, self.quantity, checked)
        last = self.tiers[-1]
        if last.up_to is not None and quantity > last.up_to:
            raise Refusal(
                f"charges.{self.id}",
                f"{text(quantity)} is above the last tier of {self.id} (up to {last.up_to}); no price is published for it",
                "no-price",
            )
        amount: Number = ZERO
        for tier in self.tiers:
            if self.graduated:
                if quantity <= tier.lower and tier is not self.tiers[0]:
                    break
                top = quantity if tier.up_to is None else min(quantity, tier.up_to)
                units = max(ZERO, subtract(top, tier.lower))
                amount = add(amount, add(add(tier.flat_fee, multiply(units, tier.unit_price)), tier.extra_blocks_price(units)))
            elif tier.up_to is None or quantity <= tier.up_to:
                units = max(ZERO, subtract(quantity, tier.lower))
                amount = add(add(tier.flat_fee, multiply(quantity, tier.unit_price)), tier.extra_blocks_price(units))
                break
        return quantity, None, amount, self.description

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        quantity = context.value(self.quantity)
        quantity_f = context.formula_of(self.quantity, "quantity")
        if self.graduated:
            formula = " + ".join(f"{quantity_f} {tier.range_words('in ')} × {tier.price_words()}" for tier in self.tiers)
        else:
            prices = ", ".join(f"{tier.range_words()} {tier.price_words()}" for tier in self.tiers)
            formula = f"{quantity_f} × the price of the tier it falls in: {prices}"
        parts = self.parts(quantity)
        steps = [" + ".join(words for words, _ in parts)]
        if len(parts) > 1:
            steps.append(" + ".join(context.figure(amount) for _, amount in parts))
        total: Number = ZERO
        for _, amount in parts:
            total = add(total, amount)
        steps.append(context.figure(total))
        return formula, steps, f"the tiers price {context.label(self.quantity)} {text(quantity)} at 0"

    def parts(self, quantity: Number) -> list[tuple[str, Number]]:
        """Each tier that prices part of `quantity`: (its arithmetic, its amount), as `figures` walks them."""
        if not self.graduated:
            tier = next(t for t in self.tiers if t.up_to is None or quantity <= t.up_to)
            return [tier.part(quantity, max(ZERO, subtract(quantity, tier.lower)))]
        parts = []
        for tier in self.tiers:
            if quantity <= tier.lower and tier is not self.tiers[0]:
                break
            top = quantity if tier.up_to is None else min(quantity, tier.up_to)
            units = max(ZERO, subtract(top, tier.lower))
            parts.append(tier.part(units, units))
        return parts

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.expression("quantity", self.quantity)
        unit = out.quantity_unit()
        for index, tier in enumerate(self.tiers):
            name, path = f"tier {index + 1}", (*out.written_at("tiers"), index)
            lower = text(tier.lower)
            bounds = f"above {lower} {unit}" if tier.up_to is None else f"{lower} to {text(tier.up_to)} {unit}"
            yield out.part(name, None, bounds, "text", "", path)
            yield out.part(name, "flat fee", tier.flat_fee, "money", out.currency, (*path, "flat_fee"))
            yield out.part(name, "unit price", tier.unit_price, "money", f"{out.currency} per {unit}", (*path, "unit_price"))
            if tier.extra_block_size is not None:
                where = (*path, "extra_block")
                yield out.part(name, "extra block size", tier.extra_block_size, "number", unit, (*where, "size"))
                yield out.part(name, "extra block price", tier.extra_block_price, "money", f"{out.currency} per block", (*where, "price"))

    def words(self) -> str:
        return "graduated tiers" if self.graduated else "volume tiers"

    def edges(self, meter: str, low: Decimal, high: Decimal, most: int) -> Iterator[Decimal]:
        if self.quantity.text.strip() != meter:
            return
        for tier in self.tiers:
            yield tier.lower
            if tier.up_to is not None:
                yield tier.up_to
            if tier.extra_block_size:
                yield from steps(tier.lower, tier.extra_block_size, low, high, most)


# -- compiling the tiers ---------------------------------------------------------------------------


def _tiers(spec: Spec, specs: list[Mapping[str, Any]], path: list[PathItem]) -> tuple[Tier, ...] | None:
    built: list[Tier] = []
    lower = Decimal(0)
    ok = True
    for index, tier in enumerate(specs):
        up_to = tier["up_to"]
        ok = _tier_bounds(spec, specs, index, lower, [*path, index]) and ok
        _check_tier_money(spec, tier, [*path, index])
        extra = tier.get("extra_block") or {}
        built.append(
            Tier(
                lower=lower,
                up_to=None if up_to is None else Decimal(up_to),
                flat_fee=money_value(tier.get("flat_fee", Decimal(0))),
                unit_price=money_value(tier.get("unit_price", Decimal(0))),
                extra_block_size=Decimal(extra["size"]) if extra else None,
                extra_block_price=money_value(extra.get("price", Decimal(0))),
            )
        )
        lower = Decimal(up_to) if up_to is not None else lower
    if specs and specs[-1]["up_to"] is not None:
        spec.warning(
            [*path, len(specs) - 1, "up_to"],
            f"{json_path(path)}: the last tier ends at {specs[-1]['up_to']}; larger quantities will be refused",
            "tier-open",
            "end with an open tier (up_to: null) unless quantities above are impossible",
        )
    return tuple(built) if ok else None


def _tier_bounds(spec: Spec, specs: list[Mapping[str, Any]], index: int, lower: Decimal, where: list[PathItem]) -> bool:
    """Tiers follow each other: in ascending order, no overlap, no gap, open only at the end."""
    tier, up_to = specs[index], specs[index]["up_to"]
    ok = True
    if "above" in tier and tier["above"] != lower:
        _tier_start_error(spec, tier["above"], lower, index, [*where, "above"])
        ok = False
    if up_to is None and index != len(specs) - 1:
        spec.error(
            [*where, "up_to"],
            f"{json_path([*where, 'up_to'])}: only the last tier may be open-ended (up_to: null)",
            "tier-order",
            "give this tier an up_to, or move it to the end of the list",
        )
        ok = False
    if up_to is not None and index > 0 and up_to <= lower:
        spec.error(
            [*where, "up_to"],
            f"{json_path([*where, 'up_to'])}: {up_to} is not above the previous tier's up_to ({lower}); tiers must be in ascending order",
            "tier-order",
            "list tiers in ascending order of up_to; each covers the quantities above the previous tier's up_to up to its own",
        )
        ok = False
    return ok


def _tier_start_error(spec: Spec, above: Decimal, lower: Decimal, index: int, where: list[PathItem]) -> None:
    previous = f"the previous tier ends at {lower}" if index else "tiers start at 0"
    hint = f"write above: {lower}" + (" (the previous tier's up_to)" if index else "")
    if above > lower:
        message = f"{json_path(where)}: {above} leaves a gap: {previous}, so quantities above {lower} up to {above} have no price"
        spec.error(where, message, "tier-gap", hint)
    else:
        message = f"{json_path(where)}: {above} overlaps the previous tier, which covers quantities up to {lower}"
        spec.error(where, message, "tier-overlap", hint)


def _check_tier_money(spec: Spec, tier: Mapping[str, Any], where: list[PathItem]) -> None:
    extra = tier.get("extra_block") or {}
    spec.money_scale(tier.get("flat_fee"), [*where, "flat_fee"])
    spec.money_scale(extra.get("price"), [*where, "extra_block", "price"])
