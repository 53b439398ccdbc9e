"""The steps a timeline adds to an explanation: which days a line covers and what part of the period it bills.

`engine.authoring.explanation` explains each line by its charge's own formula on the usage
of the days the line covers (`engine.pricing.proration.LineTrace`); this module writes the
rest: the segment, the fraction `days / period days` applied to the exact amount, and the
rounding of the result as the tariff declares it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from engine.core import exact
from engine.core.money import Rounding, text
from engine.core.periods import Period
from engine.language import model as m
from engine.language.charges import Charge
from engine.pricing.invoice import Invoice, InvoiceLine
from engine.pricing.proration import LineTrace

SHOWN_DECIMALS = 10  # of a fraction that does not terminate, in a step (the amount is computed from the exact value)


def exact_text(value: exact.Number) -> str:
    """A figure as a step shows it: exactly, or to SHOWN_DECIMALS decimals followed by `…`."""
    if isinstance(value, Decimal):
        return text(value)
    return text(exact.round_to(value, SHOWN_DECIMALS, "down")) + "…"


def prorated(
    formula: str, steps: list[str], trace: LineTrace, line: InvoiceLine, rounding: Rounding, figure: Callable[[Decimal], str]
) -> tuple[str, list[str], bool]:
    """(formula, steps, rounded) of a line billing `trace.share` of its charge's amount."""
    share = trace.share
    assert share is not None and line.fraction is not None
    whole = trace.figures[2]
    days, period_days = line.fraction.removesuffix(" days").split(" of ")  # "20 of 31 days"
    sign = "−" if share < 0 else ""
    value = exact.multiply(whole, share)
    shown = figure(whole) if isinstance(whole, Decimal) else exact_text(whole)
    found = [*steps[:-1], shown, f"{shown} × {sign}{days} / {period_days}", exact_text(value)]
    formula = f"{formula} × {sign}days / period days" if " " not in formula else f"({formula}) × {sign}days / period days"
    if isinstance(value, Decimal) and value == line.amount:
        return formula, [*found[:-1], text(line.amount)], False
    return formula, [*found, f"{text(line.amount)} (rounded {rounding.mode} to {rounding.scale} decimals)"], True


def segment_words(trace: LineTrace, line: InvoiceLine) -> str:
    """`pro, 2026-12-01 to 2026-12-20`: the edition and days a line covers, when not the whole period."""
    if line.service is None:
        return ""
    first, last = line.service
    return f"{trace.segment.edition}, {first} to {last}"


def timeline_checks(invoice: Invoice, traces: Mapping[str, LineTrace], period: Period) -> list[str]:
    """The periods and segments the invoice was priced on, in words."""
    found = [f"the billing period {period.label} runs from {period.first} to {period.last} ({period.days} days)"]
    seen: list[tuple[str, str]] = []
    for trace in traces.values():
        segment = trace.segment
        words = (f"{segment.first} to {segment.last}", segment.edition)
        if words not in seen:
            seen.append(words)
    if len(seen) > 1 or (seen and seen[0][0] != f"{period.first} to {period.last}"):
        found.append("priced on " + "; ".join(f"{edition} from {days}" for days, edition in seen))
    for line in invoice.lines:
        if line.fraction is not None:
            found.append(f"{line.id} bills {line.fraction} of {period.label}")
        elif line.service is not None:
            found.append(f"{line.id} covers {line.service[0]} to {line.service[1]}")
    return found


def absent_reason(version: m.TariffVersion, plan: m.EditionPlan, charge: Charge, otherwise: Callable[[Charge], str]) -> str:
    """Why a charge has no line on a timeline's invoice: its cadence, or what the whole-period explanation says."""
    billing = version.billing.of(plan.edition.name, charge.id)
    if billing.cadence is None or all(c.id != charge.id for c in plan.charges):
        return otherwise(charge)
    when = "starts" if billing.timing == "in_advance" else "ends"
    every = billing.cadence.words()
    return f"billed every {every}, {billing.timing.replace('_', ' ')}: no {every} of it {when} with this period"
