"""Pricing: a compiled version and checked usage → invoice. Pure functions only.

Each charge model has one function computing (quantity, unit price, amount) or None
for no line. Everything runs inside the pinned Decimal context of `money`.

`engine.pricing.fastpath` prices the common case with the same results and comes here whenever it
cannot: this module is the reference, and the one that says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, Rounding, describe_signal
from engine.language import model as m
from engine.language.expressions import EvaluationError
from engine.pricing.invoice import Invoice, InvoiceLine, Settlement, TariffRef
from engine.pricing.usage import Envelope, Period, PricingInput

LineFigures = tuple[Decimal, Decimal | None, Decimal, str]  # quantity, unit price, amount, description


class _Refusal(Exception):
    """A usage that this version cannot price; becomes a `UsageError` diagnostic."""

    def __init__(self, path: str, message: str, rule: str) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(message=message, rule=rule, path=path)


def price(version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> Invoice:
    """The invoice of one account for one period."""
    try:
        return _price(version, envelope, checked)
    except decimal.DecimalException as error:
        # Rounding a line or adding up the total can need more digits than exist: refuse, never round.
        message = f"the invoice cannot be computed exactly: {describe_signal(error)}"
        raise UsageError([Diagnostic(message=message, rule="evaluation", path="(document)")]) from None


def _price(version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> Invoice:
    plan = version.plans[checked.edition]
    rounding = version.rounding
    per_line = rounding.apply == "per_line"
    lines: list[InvoiceLine] = []
    problems: list[Diagnostic] = []
    with decimal.localcontext(PRICING_CONTEXT):
        for charge in plan.charges:
            try:
                figures = _line(charge, checked, envelope.period)
            except _Refusal as refusal:
                problems.append(refusal.diagnostic)
                continue
            except (EvaluationError, decimal.DecimalException) as error:
                why = describe_signal(error) if isinstance(error, decimal.DecimalException) else error
                problems.append(
                    Diagnostic(message=f"charge {charge.id} ({charge.source}): {why}", rule="evaluation", path=f"charges.{charge.id}")
                )
                continue
            if figures is None:
                continue
            quantity, unit_price, amount, description = figures
            lines.append(
                InvoiceLine(
                    id=charge.id,
                    description=description,
                    quantity=quantity,
                    unit=charge.unit,
                    unit_price=unit_price,
                    amount=rounding.round(amount) if per_line else amount,
                    source=charge.source,
                )
            )
        if problems:
            raise UsageError(problems)
        total = sum((line.amount for line in lines), ZERO)
        if not per_line and rounding.round(total) != total:
            lines.append(_rounding_line(rounding, rounding.round(total) - total))
            total = rounding.round(total)
    return Invoice(
        account=envelope.account,
        period=envelope.period.label,
        edition=checked.edition,
        currency=version.currency,
        tariff=TariffRef(version.id, version.version, version.file, version.sha256),
        lines=tuple(lines),
        total=total,
        settlement=_settlement(version.settlement, envelope.period),
    )


def _rounding_line(rounding: Rounding, adjustment: Decimal) -> InvoiceLine:
    """With rounding on the total, the difference is a line of its own: the total stays the sum of the lines."""
    return InvoiceLine(
        id="rounding",
        description=f"Rounding of the total ({rounding.mode} to {rounding.scale} decimals)",
        quantity=ONE,
        unit="",
        unit_price=None,
        amount=adjustment,
        source=rounding.source,
    )


def _settlement(settlement: m.Settlement, period: Period) -> Settlement:
    if settlement.from_day is None or settlement.until_day is None:
        return Settlement(settlement.mode, None, None)
    start = period.next_first
    return Settlement(
        settlement.mode,
        (start + dt.timedelta(days=settlement.from_day - 1)).isoformat(),
        (start + dt.timedelta(days=settlement.until_day - 1)).isoformat(),
    )


def _line(charge: m.Charge, checked: PricingInput, period: Period) -> LineFigures | None:
    if charge.when is not None:
        condition = charge.when.evaluate(checked.values)
        if not isinstance(condition, bool):
            raise EvaluationError(f"condition {charge.when.text!r} gave {condition}, not true or false")
        if not condition:
            return None
    return _MODELS[type(charge)](charge, checked, period)


def _number(charge: m.Charge, value: Any, what: str) -> Decimal:
    if type(value) is not Decimal:
        raise EvaluationError(f"{what} of charge {charge.id} is {value!r}, not a number")
    return value


def _flat(charge: Any, checked: PricingInput, period: Period) -> LineFigures:
    return ONE, charge.price, charge.price, charge.description


def _per_unit(charge: Any, checked: PricingInput, period: Period) -> LineFigures:
    quantity = _number(charge, charge.quantity.evaluate(checked.values), "quantity")
    return quantity, charge.unit_price, quantity * charge.unit_price, charge.description


def blocks_over(quantity: Decimal, included: Decimal, size: Decimal, round_up: bool) -> Decimal:
    """Blocks of `size` in the part of `quantity` above `included` (0 when none)."""
    excess = quantity - included
    if excess <= ZERO:
        return ZERO
    whole, rest = divmod(excess, size)  # exact, unlike excess / size (Inexact is trapped)
    return whole + ONE if rest and round_up else whole


def _blocks(charge: Any, checked: PricingInput, period: Period) -> LineFigures:
    quantity = _number(charge, charge.quantity.evaluate(checked.values), "quantity")
    included = _number(charge, charge.included.evaluate(checked.values), "included quantity")
    count = blocks_over(quantity, included, charge.block_size, charge.round_up)
    return count, charge.price, count * charge.price, charge.description


def _tiered(charge: Any, checked: PricingInput, period: Period) -> LineFigures:
    quantity = _number(charge, charge.quantity.evaluate(checked.values), "quantity")
    tiers: tuple[m.Tier, ...] = charge.tiers
    last = tiers[-1]
    if last.up_to is not None and quantity > last.up_to:
        raise _Refusal(
            f"charges.{charge.id}",
            f"{quantity} is above the last tier of {charge.id} (up to {last.up_to}); no price is published for it",
            "no-price",
        )
    amount = ZERO
    for tier in tiers:
        if charge.graduated:
            if quantity <= tier.lower and tier is not tiers[0]:
                break
            top = quantity if tier.up_to is None else min(quantity, tier.up_to)
            units = max(ZERO, top - tier.lower)
            amount += tier.flat_fee + units * tier.unit_price + _extra(tier, units)
        elif tier.up_to is None or quantity <= tier.up_to:
            units = max(ZERO, quantity - tier.lower)
            amount = tier.flat_fee + quantity * tier.unit_price + _extra(tier, units)
            break
    return quantity, None, amount, charge.description


def _extra(tier: m.Tier, units: Decimal) -> Decimal:
    if tier.extra_block_size is None:
        return ZERO
    return blocks_over(units, ZERO, tier.extra_block_size, True) * tier.extra_block_price


def _option(charge: Any, checked: PricingInput, period: Period) -> LineFigures | None:
    chosen = checked.values.get(charge.option.name)
    if chosen is None or chosen is False:
        return None
    return option_figures(charge, int(chosen) if isinstance(chosen, Decimal) else chosen)


def option_figures(charge: m.OptionCharge, key: m.ChoiceValue) -> LineFigures:
    unit_price = charge.prices[key]
    description = charge.description
    if charge.option.type == "choice":
        description += f": {key}" + (f" {charge.option.unit}" if charge.option.unit else "")
    return ONE, unit_price, unit_price, description


def _trial(charge: Any, checked: PricingInput, period: Period) -> LineFigures | None:
    name = charge.option.name
    activated = checked.activations.get(name)
    if activated is None:
        return None
    path = f"addons.{name}.activated_on"
    if activated > period.last:
        raise _Refusal(
            path, f"{name} activated on {activated}, after the billed period {period.label} ({period.first} to {period.last})", "trial"
        )
    trial_last = activated + dt.timedelta(days=charge.free_days - 1)
    if trial_last >= period.first:
        return ONE, ZERO, ZERO, f"{charge.description}: free {activated} to {trial_last}"
    if charge.price_after is None:
        raise _Refusal(
            path,
            f"the {charge.free_days}-day free trial of {name} ended on {trial_last}, before {period.label}; "
            "this tariff version publishes no price after the trial",
            "no-price",
        )
    return ONE, charge.price_after, charge.price_after, charge.description


_MODELS: dict[type, Callable[[Any, PricingInput, Period], LineFigures | None]] = {
    m.FlatCharge: _flat,
    m.PerUnitCharge: _per_unit,
    m.BlocksCharge: _blocks,
    m.TieredCharge: _tiered,
    m.OptionCharge: _option,
    m.TrialCharge: _trial,
}
