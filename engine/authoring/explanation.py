"""Why each amount is what it is: `engine.explain(tariff_or_catalog, usage)`.

Every amount comes from the real pricing (`pricing.quote`, the same call as `tariff
quote`); this module reads the compiled charges and the checked usage only to write,
for each invoice line, its formula, the formula with the values put in and the steps
down to the amount; why the other charges came to nothing; how each meter was
aggregated; and which edition checks the usage passed. Intermediate figures shown in
the steps (an excess, a tier's units) are for reading: the last step is the line's
amount as priced.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.authoring import segments
from engine.authoring.formulas import atomic, is_number, put_values
from engine.core.exact import Number
from engine.core.money import PRICING_CONTEXT, ZERO, decimals_of, text
from engine.core.periods import Period
from engine.language import model as m
from engine.language.charges import Charge, OptionCharge, PricingInput, TrialCharge
from engine.language.charges.base import show
from engine.language.expressions import Expression
from engine.pricing import adjust
from engine.pricing.evaluate import price
from engine.pricing.invoice import Invoice, InvoiceLine
from engine.pricing.proration import needs_timeline, price_timeline_traced
from engine.pricing.quote import select_version
from engine.pricing.usage import Envelope, check_usage, read_envelope

_PEAK_WORDS = {"max": "peak", "sum": "total", "last": "last"}


@dataclass(frozen=True, slots=True)
class LineExplanation:
    """One invoice line: its formula, the same with values put in, the steps, the amount."""

    id: str
    source: str
    formula: str
    steps: tuple[str, ...]
    amount: Decimal
    condition: str | None = None
    reason: str | None = None  # why the amount is zero, when it is
    rounded: bool = False  # the last step rounds the one before it

    @property
    def text(self) -> str:
        if not self.rounded:
            return " = ".join((self.formula, *self.steps))
        return " = ".join((self.formula, *self.steps[:-1])) + " → " + self.steps[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "formula": self.formula,
            "steps": list(self.steps),
            "amount": text(self.amount),
            "condition": self.condition,
            "reason": self.reason,
            "rounded": self.rounded,
        }


@dataclass(frozen=True, slots=True)
class NoLine:
    """A charge of the tariff that put no line on this invoice, and why."""

    id: str
    source: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class MeterExplanation:
    name: str
    aggregation: str
    values: int  # how many values the usage gave (0: not given)
    value: Decimal | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is None else text(self.value)
        return {"name": self.name, "aggregation": self.aggregation, "values": self.values, "value": value, "text": self.text}


@dataclass(frozen=True, slots=True)
class Explanation:
    """The invoice, and everything needed to answer "why is this line this amount?"."""

    invoice: Invoice
    version: str  # "tencent-im/2022-01-01.yaml (version 1), in force on 2026-11-01"
    checks: tuple[str, ...]
    meters: tuple[MeterExplanation, ...]
    lines: tuple[LineExplanation, ...]
    no_lines: tuple[NoLine, ...]
    total: str  # "449.99 + 1349.97 + 0.00 + 179.99 = 1979.95 USD (...)"

    @property
    def came_to_nothing(self) -> tuple[tuple[str, str, str], ...]:
        """(id, source, why) of the zero lines and of the charges with no line, in tariff order."""
        zero = [(line.id, line.source, line.reason or "0") for line in self.lines if line.amount == ZERO]
        absent = [(item.id, item.source, item.reason) for item in self.no_lines]
        return tuple(sorted(zero + absent, key=lambda row: _line_number(row[1])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "checks": list(self.checks),
            "meters": [meter.to_dict() for meter in self.meters],
            "lines": [line.to_dict() for line in self.lines],
            "no_lines": [item.to_dict() for item in self.no_lines],
            "total": self.total,
            "invoice": self.invoice.to_dict(),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))


def explain(tariff_or_catalog: m.Tariff | m.Catalog, usage: Mapping[str, Any]) -> Explanation:
    """Price `usage` as `quote` does and explain every amount; raises `UsageError` as `quote` does.

    The invoice comes from the general pricing path (`evaluate.price`), checked once; the fast
    path gives the same invoice (tests/test_fastpath.py) but keeps no values to explain.
    """
    envelope = read_envelope(usage)
    version = adjust.in_currency(select_version(tariff_or_catalog, envelope), envelope)
    if needs_timeline(version, envelope):
        return _timeline_explanation(version, envelope)
    checked = check_usage(envelope, version)
    invoice = price(version, envelope, checked)
    context = Context(version, envelope, adjust.draw_allowances(version, checked)[0])
    by_id = {line.id: line for line in invoice.lines}
    with decimal.localcontext(PRICING_CONTEXT):
        lines = tuple(context.line(charge, by_id[charge.id]) for charge in context.plan.charges if charge.id in by_id)
        steps = adjust.explained(version, envelope, checked, invoice.lines)  # the pools' and the adjustments' lines
        lines += tuple(LineExplanation(s.id, s.source, s.formula, s.steps, s.amount, rounded=s.rounded) for s in steps)
        no_lines = tuple(context.no_line(charge) for charge in _all_charges(version, context.plan) if charge.id not in by_id)
    return Explanation(
        invoice=invoice,
        version=f"{version.file} (version {version.version}), in force on {envelope.period.first}",
        checks=tuple(context.checks()),
        meters=tuple(context.meter(meter) for meter in version.meters.values()),
        lines=lines,
        no_lines=no_lines,
        total=_total_text(invoice, version),
    )


def _timeline_explanation(version: m.TariffVersion, envelope: Envelope) -> Explanation:
    """A period with a timeline: each line explained on the days it covers, then the part of the period it bills."""
    invoice, traces = price_timeline_traced(version, envelope)
    period = Period(envelope.period.label, *(invoice.days or (envelope.period.first, envelope.period.last)))
    whole = Context(version, envelope._replace(period=period), check_usage(envelope._replace(period=period), version, frozenset()))
    lines = []
    with decimal.localcontext(PRICING_CONTEXT):
        for line in invoice.lines:
            trace = traces.get(line.id)
            if trace is None:
                continue  # the rounding line
            context = Context(version, envelope._replace(period=period), trace.checked)
            formula, steps, reason = trace.charge.explain(context, line)
            if trace.share is None:
                steps, rounded = context.finish(steps, line)
            else:
                formula, steps, rounded = segments.prorated(formula, steps, trace, line, version.rounding, context.figure)
            where = segments.segment_words(trace, line)
            formula = f"[{where}] {formula}" if where else formula
            zero = reason if line.amount == ZERO else None
            lines.append(
                LineExplanation(line.id, line.source, formula, tuple(steps), line.amount, context.condition(trace.charge), zero, rounded)
            )
    priced = {trace.charge.id for trace in traces.values()}
    absent = [c for c in _all_charges(version, whole.plan) if c.id not in priced]
    no_lines = tuple(NoLine(c.id, c.source, segments.absent_reason(version, whole.plan, c, whole.no_line_reason)) for c in absent)
    return Explanation(
        invoice=invoice,
        version=f"{version.file} (version {version.version}), in force on {envelope.period.first}",
        checks=(*whole.checks(), *segments.timeline_checks(invoice, traces, period)),
        meters=tuple(whole.meter(meter) for meter in version.meters.values()),
        lines=tuple(lines),
        no_lines=no_lines,
        total=_total_text(invoice, version),
    )


def _all_charges(version: m.TariffVersion, plan_first: m.EditionPlan) -> list[Charge]:
    """Every charge of the version once, in tariff order; as compiled for `plan_first`'s edition when it has it."""
    found: dict[str, Charge] = {}
    for plan in (plan_first, *version.plans.values()):
        for charge in plan.charges:
            found.setdefault(charge.id, charge)
    return sorted(found.values(), key=lambda charge: _line_number(charge.source))


def _line_number(source: str) -> int:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _total_text(invoice: Invoice, version: m.TariffVersion) -> str:
    rounding = version.rounding
    charged = [line for line in invoice.lines if line.id != "rounding"]
    added = " + ".join(text(line.amount) for line in charged) or "no lines"
    if rounding.apply == "per_line":
        return f"{added} = {text(invoice.total)} {invoice.currency} (each line rounded {rounding.mode} to {rounding.scale} decimals)"
    exact = sum((line.amount for line in charged), Decimal(0))
    adjustment = invoice.total - exact
    rounded = f"rounded {rounding.mode} to {rounding.scale} decimals"
    if not adjustment:
        return f"{added} = {text(invoice.total)} {invoice.currency} (the total, {rounded})"
    return f"{added} = {text(exact)}, {rounded} = {text(invoice.total)} {invoice.currency} (rounding line {text(adjustment)})"


class Context:
    """The version, the checked usage and the helpers that turn charges into text."""

    def __init__(self, version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> None:
        self.version = version
        self.envelope = envelope
        self.checked = checked
        self.plan = version.plans[checked.edition]
        self.values = checked.values

    @property
    def period(self) -> Period:
        return self.envelope.period

    # -- invoice lines -------------------------------------------------------------
    def line(self, charge: Charge, line: InvoiceLine) -> LineExplanation:
        formula, steps, reason = charge.explain(self, line)
        steps, rounded = self.finish(steps, line)
        zero = reason if line.amount == ZERO else None
        return LineExplanation(charge.id, charge.source, formula, tuple(steps), line.amount, self.condition(charge), zero, rounded)

    def finish(self, steps: list[str], line: InvoiceLine) -> tuple[list[str], bool]:
        """End on the line's amount as priced, and whether rounding changed the exact figure."""
        exact, amount = (steps[-1] if steps else ""), text(line.amount)
        if not is_number(exact):
            return [*steps, amount], False
        if Decimal(exact) == line.amount:
            return [*steps[:-1], amount], False
        rounding = self.version.rounding
        return [*steps, f"{amount} (rounded {rounding.mode} to {rounding.scale} decimals)"], True

    def figure(self, value: Number) -> str:
        """A computed figure without trailing zeros beyond the rounding scale (13.5000 → 13.50); a fraction as 1/3."""
        if type(value) is not Decimal:
            return text(value)
        scale = self.version.rounding.scale
        if decimals_of(value) <= scale:
            return text(value)
        shorter = value.normalize()
        return text(shorter if decimals_of(shorter) >= scale else shorter.quantize(Decimal(1).scaleb(-scale)))

    def condition(self, charge: Charge) -> str | None:
        if charge.when is None:
            return None
        result = charge.when.evaluate(self.values)
        return f"when {charge.when.text}: {self.substitute(charge.when, bracket=False)} is {show(result)}"

    # -- expressions -----------------------------------------------------------------
    def formula_of(self, expression: Expression, name: str) -> str:
        """The expression's text for the formula; a plain number stands as the parameter's name."""
        if not expression.names:
            return name
        return expression.text if atomic(expression.text) else f"({expression.text})"

    def substitute(self, expression: Expression, *, bracket: bool = True) -> str:
        """The expression with the values of its names put in: `max(0, 32000 - 5)`."""
        if not expression.names:
            return show(expression.evaluate(self.values))
        shown = put_values(expression.text, {name: show(self.values.get(name)) for name in expression.names})
        return shown if atomic(shown) or not bracket else f"({shown})"

    def value(self, expression: Expression) -> Any:
        return expression.evaluate(self.values)

    def label(self, expression: Expression) -> str:
        """How a quantity reads in a reason: `peak dau`, or the expression."""
        if len(expression.names) == 1 and expression.text in self.version.meters:
            meter = self.version.meters[expression.text]
            return f"{_PEAK_WORDS.get(meter.aggregation, meter.aggregation)} {meter.name}"
        return expression.text

    # -- charges without a line, meters, checks -------------------------------------
    def no_line(self, charge: Charge) -> NoLine:
        return NoLine(charge.id, charge.source, self.no_line_reason(charge))

    def no_line_reason(self, charge: Charge) -> str:
        edition = self.checked.edition
        if all(c.id != charge.id for c in self.plan.charges):
            on = [name for name, plan in self.version.plans.items() if any(c.id == charge.id for c in plan.charges)]
            return f"not on the {edition} edition (on: {', '.join(on)})"
        if charge.when is not None and self.value(charge.when) is False:
            return f"condition {charge.when.text} is false: {self.substitute(charge.when, bracket=False)}"
        if charge.option_name is not None:
            return self.not_bought(charge.option_name)
        return "no line"

    def not_bought(self, option: str) -> str:
        addons = self.envelope.document.get("addons") or {}
        if option not in addons or addons[option] is None:
            return f"not bought (addons.{option} not given)"
        return f"not bought (addons.{option} is {show(addons[option])})"

    def meter(self, meter: m.Meter) -> MeterExplanation:
        raw = (self.envelope.document.get("usage") or {}).get(meter.name)
        if meter.name not in self.checked.meter_details:
            why = f"not needed on {self.checked.edition}" if meter.name not in self.plan.required_meters else "missing"
            return MeterExplanation(meter.name, meter.aggregation, 0, None, f"{meter.name}: not given ({why})")
        value = self.values[meter.name]
        if isinstance(raw, list):
            plural = "value" if len(raw) == 1 else "values"
            words = f"{meter.name}: {meter.aggregation} of {len(raw)} daily {plural} = {text(value)}"
            return MeterExplanation(meter.name, meter.aggregation, len(raw), value, words)
        return MeterExplanation(meter.name, meter.aggregation, 1, value, f"{meter.name}: one value for the period = {text(value)}")

    def checks(self) -> list[str]:
        version, edition = self.version, self.checked.edition
        found = [
            f"{version.file} is the version of {version.id} in force on {self.envelope.period.first}",
            f"edition {edition} exists in {version.id} (editions: {', '.join(version.plans)})",
        ]
        if self.plan.required_meters:
            found.append(f"the {edition} edition prices {', '.join(sorted(self.plan.required_meters))}: all given")
        found += [self.meter_check(version.meters[name]) for name in self.checked.meter_details]
        found += [self.offer_check(name, offer) for name, offer in self.plan.offers.items() if self.bought(name)]
        return found

    def meter_check(self, meter: m.Meter) -> str:
        kind = "a whole number" if meter.type == "integer" else "a number"
        bounds = f"{kind} from {text(meter.minimum)} to {text(meter.maximum)}"
        raw = (self.envelope.document.get("usage") or {})[meter.name]
        if isinstance(raw, list):
            period = self.envelope.period
            return f"usage.{meter.name}: {len(raw)} daily values ({period.label} has {period.days} days), each {bounds}"
        return f"usage.{meter.name}: {text(self.values[meter.name])} is {bounds}"

    def bought(self, option: str) -> bool:
        chosen = self.values.get(option)
        return chosen is not None and chosen is not False

    def offer_check(self, name: str, offer: Charge) -> str:
        edition = self.checked.edition
        if isinstance(offer, TrialCharge):
            activated = self.checked.activations[name]
            return f"addons.{name}: available on {edition}, activated {activated}, not after {self.envelope.period.label}"
        if isinstance(offer, OptionCharge):
            offered = ", ".join(show(value) for value in offer.prices)
            return f"addons.{name}: {show(self.values[name])} is offered on {edition} (offered: {offered})"
        return f"addons.{name}: {show(self.values[name])} is offered on {edition}"


def render_text(explanation: Explanation) -> str:
    """The explanation for a terminal: checks, meters, lines with their arithmetic, what came to nothing, total."""
    invoice = explanation.invoice
    out = [
        f"Explanation for account {invoice.account}  period {invoice.period}  edition {invoice.edition}",
        f"tariff {invoice.tariff.id}: {explanation.version}",
        "",
        "checks passed",
        *(f"  {check}" for check in explanation.checks),
        "",
        "meters",
        *(f"  {meter.text}" for meter in explanation.meters),
        "",
        "lines",
        *_table([(line.id, line.source, line.text + (f"   [{line.condition}]" if line.condition else "")) for line in explanation.lines]),
    ]
    if explanation.came_to_nothing:
        out += ["", "came to nothing", *_table(list(explanation.came_to_nothing))]
    out += ["", "total", f"  {explanation.total}"]
    return "\n".join(out) + "\n"


def _table(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    first = max(len(row[0]) for row in rows)
    second = max(len(row[1]) for row in rows)
    return [f"  {a.ljust(first)}  {b.ljust(second)}  {c}" for a, b, c in rows]
