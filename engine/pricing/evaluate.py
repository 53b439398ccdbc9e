"""Pricing: a compiled version and checked usage → invoice. Pure functions only.

Each charge model computes its own figures (`Charge.figures`, in `engine.language.charges`);
this module applies conditions and rounding and puts the invoice together. Everything runs
inside the pinned Decimal context of `money`.

`engine.pricing.fastpath` prices the common case with the same results and comes here whenever it
cannot: this module is the reference, and the one that says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from engine.core.errors import Diagnostic, UsageError
from engine.core.exact import Number, round_to, written
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, Rounding, describe_signal
from engine.core.periods import Period
from engine.language import model as m
from engine.language.charges import Charge, LineFigures, PricingInput, Refusal
from engine.language.expressions import EvaluationError
from engine.pricing import adjust
from engine.pricing.invoice import Invoice, InvoiceLine, Payment, Settlement, TariffRef
from engine.pricing.usage import Envelope


def price(version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> Invoice:
    """The invoice of one account for one period."""
    try:
        return _price(version, envelope, checked)
    except decimal.DecimalException as error:
        # Rounding a line or adding up the total can need more digits than exist: refuse, never round.
        message = f"the invoice cannot be computed exactly: {describe_signal(error)}"
        raise UsageError([Diagnostic(message=message, rule="evaluation", path="(document)")]) from None


def _price(version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> Invoice:
    version = adjust.in_currency(version, envelope)
    terms = adjust.read_terms(version, envelope, checked.edition)
    plan = version.plans[checked.edition]
    rounding = version.rounding
    lines: list[InvoiceLine] = []
    problems: list[Diagnostic] = []
    with decimal.localcontext(PRICING_CONTEXT):
        checked, lines = adjust.draw_allowances(version, checked)
        for charge in plan.charges:
            try:
                figures = charge_figures(charge, checked, envelope.period)
            except Refusal as refusal:
                problems.append(Diagnostic(message=refusal.message, rule=refusal.rule, path=refusal.path, hint=refusal.hint))
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
                    quantity=written(quantity, rounding.quantity_scale),
                    unit=charge.unit,
                    unit_price=unit_price,
                    amount=line_amount(rounding, amount),
                    source=charge.source,
                )
            )
        if problems:
            raise UsageError(problems)
        adjusted = None if terms is None else adjust.apply_adjustments(version, lines, terms)
        lines = lines if adjusted is None else adjusted.lines
        total = sum((line.amount for line in lines), ZERO)
        rounded = rounding.round(total)  # per line, the sum of rounded lines: the same number, written at the scale
        if rounded != total:  # only with rounding on the total
            lines.append(rounding_line(rounding, rounded - total))
        total = rounded
    return Invoice(
        account=envelope.account,
        period=envelope.period.label,
        edition=checked.edition,
        currency=version.currency,
        tariff=TariffRef(version.id, version.version, version.file, version.sha256),
        lines=tuple(lines),
        total=total,
        settlement=settlement_window(version.settlement, envelope.period),
        payment=None if adjusted is None else payment(adjusted, total),
    )


def payment(adjusted: adjust.Adjusted, total: Decimal) -> Payment:
    """What the prepaid balance paid of `total`, and what is left to pay."""
    credit = adjusted.credit
    if credit is None:
        return Payment((), total, None)
    step = credit.step
    line = InvoiceLine(step.id, step.description, ONE, "", None, step.amount, step.source)
    return Payment((line,), PRICING_CONTEXT.subtract(total, credit.used), credit.remaining)


def line_amount(rounding: Rounding, amount: Number) -> Decimal:
    """A line's amount as the invoice writes it: rounded as declared per line; with rounding on the
    total, exact when it terminates, else rounded on its line (a fraction cannot be written)."""
    if type(amount) is Decimal:
        return rounding.round(amount) if rounding.apply == "per_line" else amount
    return round_to(amount, rounding.scale, rounding.mode)


def rounding_line(rounding: Rounding, adjustment: Decimal) -> InvoiceLine:
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


def settlement_window(settlement: m.Settlement, period: Period) -> Settlement:
    if settlement.from_day is None or settlement.until_day is None:
        return Settlement(settlement.mode, None, None)
    start = period.next_first
    return Settlement(
        settlement.mode,
        (start + dt.timedelta(days=settlement.from_day - 1)).isoformat(),
        (start + dt.timedelta(days=settlement.until_day - 1)).isoformat(),
    )


def charge_figures(charge: Charge, checked: PricingInput, period: Period) -> LineFigures | None:
    """The figures of one charge's line, or None when its condition is false or it gives no line."""
    if charge.when is not None:
        condition = charge.when.evaluate(checked.values)
        if not isinstance(condition, bool):
            raise EvaluationError(f"condition {charge.when.text!r} gave {condition}, not true or false")
        if not condition:
            return None
    return charge.figures(checked, period)
