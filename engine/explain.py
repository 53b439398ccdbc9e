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

import ast
import datetime as dt
import decimal
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import model as m
from .expressions import FUNCTIONS, Expression
from .invoice import Invoice, InvoiceLine
from .money import PRICING_CONTEXT, ZERO, decimals_of, text
from .pricing import quote, select_version
from .usage import Envelope, PricingInput, check_usage, read_envelope

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
    """Price `usage` as `quote` does and explain every amount; raises `UsageError` as `quote` does."""
    invoice = quote(tariff_or_catalog, usage)
    envelope = read_envelope(usage)
    version = select_version(tariff_or_catalog, envelope)
    checked = check_usage(envelope, version)
    context = _Context(version, envelope, checked)
    by_id = {line.id: line for line in invoice.lines}
    with decimal.localcontext(PRICING_CONTEXT):
        lines = tuple(context.line(charge, by_id[charge.id]) for charge in context.plan.charges if charge.id in by_id)
        no_lines = tuple(context.no_line(charge) for charge in _all_charges(version) if charge.id not in by_id)
    return Explanation(
        invoice=invoice,
        version=f"{version.file} (version {version.version}), in force on {envelope.period.first}",
        checks=tuple(context.checks()),
        meters=tuple(context.meter(meter) for meter in version.meters.values()),
        lines=lines,
        no_lines=no_lines,
        total=_total_text(invoice, version),
    )


def _all_charges(version: m.TariffVersion) -> list[m.Charge]:
    """Every charge of the version once (the first edition's compiled form), in tariff order."""
    found: dict[str, m.Charge] = {}
    for plan in version.plans.values():
        for charge in plan.charges:
            found.setdefault(charge.id, charge)
    return sorted(found.values(), key=lambda charge: _line_number(charge.source))


def _line_number(source: str) -> int:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _total_text(invoice: Invoice, version: m.TariffVersion) -> str:
    rounding = version.rounding
    added = " + ".join(text(line.amount) for line in invoice.lines) or "no lines"
    where = "each line" if rounding.apply == "per_line" else "the total"
    return f"{added} = {text(invoice.total)} {invoice.currency} ({where} rounded {rounding.mode} to {rounding.scale} decimals)"


class _Context:
    """The version, the checked usage and the helpers that turn charges into text."""

    def __init__(self, version: m.TariffVersion, envelope: Envelope, checked: PricingInput) -> None:
        self.version = version
        self.envelope = envelope
        self.checked = checked
        self.plan = version.plans[checked.edition]
        self.values = checked.values

    # -- invoice lines -------------------------------------------------------------
    def line(self, charge: m.Charge, line: InvoiceLine) -> LineExplanation:
        formula, steps, reason = _EXPLAINERS[type(charge)](self, charge, line)
        steps, rounded = self.finish(steps, line)
        zero = reason if line.amount == ZERO else None
        return LineExplanation(charge.id, charge.source, formula, tuple(steps), line.amount, self.condition(charge), zero, rounded)

    def finish(self, steps: list[str], line: InvoiceLine) -> tuple[list[str], bool]:
        """End on the line's amount as priced, and whether rounding changed the exact figure."""
        exact, amount = (steps[-1] if steps else ""), text(line.amount)
        if not _is_number(exact):
            return [*steps, amount], False
        if Decimal(exact) == line.amount:
            return [*steps[:-1], amount], False
        rounding = self.version.rounding
        return [*steps, f"{amount} (rounded {rounding.mode} to {rounding.scale} decimals)"], True

    def figure(self, value: Decimal) -> str:
        """A computed figure without trailing zeros beyond the rounding scale (13.5000 → 13.50)."""
        scale = self.version.rounding.scale
        if decimals_of(value) <= scale:
            return text(value)
        shorter = value.normalize()
        return text(shorter if decimals_of(shorter) >= scale else shorter.quantize(Decimal(1).scaleb(-scale)))

    def condition(self, charge: m.Charge) -> str | None:
        if charge.when is None:
            return None
        result = charge.when.evaluate(self.values)
        return f"when {charge.when.text}: {self.substitute(charge.when, bracket=False)} is {_show(result)}"

    # -- expressions -----------------------------------------------------------------
    def formula_of(self, expression: Expression, name: str) -> str:
        """The expression's text for the formula; a plain number stands as the parameter's name."""
        if not expression.names:
            return name
        return expression.text if _atomic(expression.text) else f"({expression.text})"

    def substitute(self, expression: Expression, *, bracket: bool = True) -> str:
        """The expression with the values of its names put in: `max(0, 32000 - 5)`."""
        if not expression.names:
            return _show(expression.evaluate(self.values))
        shown = _substitute(expression.text, {name: _show(self.values.get(name)) for name in expression.names})
        return shown if _atomic(shown) or not bracket else f"({shown})"

    def value(self, expression: Expression) -> Any:
        return expression.evaluate(self.values)

    def label(self, expression: Expression) -> str:
        """How a quantity reads in a reason: `peak dau`, or the expression."""
        if len(expression.names) == 1 and expression.text in self.version.meters:
            meter = self.version.meters[expression.text]
            return f"{_PEAK_WORDS.get(meter.aggregation, meter.aggregation)} {meter.name}"
        return expression.text

    # -- charges without a line, meters, checks -------------------------------------
    def no_line(self, charge: m.Charge) -> NoLine:
        return NoLine(charge.id, charge.source, self.no_line_reason(charge))

    def no_line_reason(self, charge: m.Charge) -> str:
        edition = self.checked.edition
        if all(c.id != charge.id for c in self.plan.charges):
            on = [name for name, plan in self.version.plans.items() if any(c.id == charge.id for c in plan.charges)]
            return f"not on the {edition} edition (on: {', '.join(on)})"
        if charge.when is not None and self.value(charge.when) is False:
            return f"condition {charge.when.text} is false: {self.substitute(charge.when, bracket=False)}"
        if isinstance(charge, m.OptionCharge | m.TrialCharge):
            return self.not_bought(charge.option.name)
        return "no line"

    def not_bought(self, option: str) -> str:
        addons = self.envelope.document.get("addons") or {}
        if option not in addons or addons[option] is None:
            return f"not bought (addons.{option} not given)"
        return f"not bought (addons.{option} is {_show(addons[option])})"

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

    def offer_check(self, name: str, offer: m.OptionCharge | m.TrialCharge) -> str:
        edition = self.checked.edition
        if isinstance(offer, m.TrialCharge):
            activated = self.checked.activations[name]
            return f"addons.{name}: available on {edition}, activated {activated}, not after {self.envelope.period.label}"
        offered = ", ".join(_show(value) for value in offer.prices)
        return f"addons.{name}: {_show(self.values[name])} is offered on {edition} (offered: {offered})"


# -- one explainer per charge model: (formula, steps, why a zero amount is zero) -----------------


def _flat(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    return "price", [text(charge.price)], f"the {context.checked.edition} edition's price is {text(charge.price)}"


def _per_unit(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    quantity = context.value(charge.quantity)
    formula = f"{context.formula_of(charge.quantity, 'quantity')} × unit_price"
    steps = [f"{context.substitute(charge.quantity)} × {text(charge.unit_price)}"]
    if steps[0] != f"{text(quantity)} × {text(charge.unit_price)}":
        steps.append(f"{text(quantity)} × {text(charge.unit_price)}")
    steps.append(context.figure(quantity * charge.unit_price))
    reason = f"{context.label(charge.quantity)} is 0" if quantity == ZERO else "unit_price is 0"
    return formula, steps, reason


def _blocks(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    rounding = "ceil" if charge.round_up else "floor"
    quantity, included = context.value(charge.quantity), context.value(charge.included)
    quantity_f, included_f = context.formula_of(charge.quantity, "quantity"), context.formula_of(charge.included, "included")
    size, price = text(charge.block_size), text(charge.price)
    steps = [f"{rounding}(max(0, {context.substitute(charge.quantity)} − {context.substitute(charge.included)}) / {size}) × {price}"]
    plain = f"{rounding}(max(0, {text(quantity)} − {text(included)}) / {size}) × {price}"
    if steps[0] != plain:
        steps.append(plain)
    steps.append(f"{rounding}({text(max(ZERO, quantity - included))} / {size}) × {price}")
    steps += [f"{text(line.quantity)} × {price}", context.figure(line.quantity * charge.price)]
    if quantity <= included:
        reason = f"{context.label(charge.quantity)} {text(quantity)} ≤ included {text(included)}"
    elif line.quantity == ZERO:
        reason = f"the excess {text(quantity - included)} is less than one block of {size} (part blocks are dropped)"
    else:
        reason = "the price per block is 0"
    return f"{rounding}(max(0, {quantity_f} − {included_f}) / block_size) × price", steps, reason


def _tiered(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    quantity = context.value(charge.quantity)
    quantity_f = context.formula_of(charge.quantity, "quantity")
    tiers: tuple[m.Tier, ...] = charge.tiers
    if charge.graduated:
        formula = " + ".join(f"{quantity_f} {_tier_range(tier, 'in ')} × {_tier_price(tier)}" for tier in tiers)
    else:
        formula = f"{quantity_f} × the price of the tier it falls in: " + ", ".join(f"{_tier_range(t)} {_tier_price(t)}" for t in tiers)
    parts = _tier_parts(charge, quantity)
    steps = [" + ".join(words for words, _ in parts)]
    if len(parts) > 1:
        steps.append(" + ".join(context.figure(amount) for _, amount in parts))
    steps.append(context.figure(sum((amount for _, amount in parts), ZERO)))
    return formula, steps, f"the tiers price {context.label(charge.quantity)} {text(quantity)} at 0"


def _tier_range(tier: m.Tier, inside: str = "") -> str:
    return f"above {text(tier.lower)}" if tier.up_to is None else f"{inside}({text(tier.lower)}, {text(tier.up_to)}]"


def _tier_price(tier: m.Tier) -> str:
    """A tier's price as a formula: unit price, plus its flat fee and extra blocks when it has them."""
    words = text(tier.unit_price)
    if tier.flat_fee:
        words += f" + {text(tier.flat_fee)}"
    if tier.extra_block_size is not None:
        words += f" + {text(tier.extra_block_price)} per started {text(tier.extra_block_size)}"
    return words if words == text(tier.unit_price) else f"({words})"


def _tier_parts(charge: Any, quantity: Decimal) -> list[tuple[str, Decimal]]:
    """Each tier that prices part of `quantity`: (its arithmetic, its amount), as the pricing walks them."""
    tiers: tuple[m.Tier, ...] = charge.tiers
    if not charge.graduated:
        tier = next(t for t in tiers if t.up_to is None or quantity <= t.up_to)
        return [_tier_part(tier, quantity, max(ZERO, quantity - tier.lower))]
    parts = []
    for tier in tiers:
        if quantity <= tier.lower and tier is not tiers[0]:
            break
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        units = max(ZERO, top - tier.lower)
        parts.append(_tier_part(tier, units, units))
    return parts


def _tier_part(tier: m.Tier, priced: Decimal, extra_units: Decimal) -> tuple[str, Decimal]:
    words = f"{text(priced)} × {text(tier.unit_price)}"
    amount = priced * tier.unit_price
    if tier.flat_fee:
        words += f" + {text(tier.flat_fee)}"
        amount += tier.flat_fee
    if tier.extra_block_size is not None and extra_units > ZERO:
        blocks = (extra_units / tier.extra_block_size).to_integral_value(rounding=decimal.ROUND_CEILING)
        words += f" + {text(blocks)} × {text(tier.extra_block_price)}"
        amount += blocks * tier.extra_block_price
    return words, amount


def _option(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    chosen = _show(context.values.get(charge.option.name))
    return f"table[{charge.option.name}]", [f"table[{chosen}]", text(line.unit_price or ZERO)], f"the table prices {chosen} at 0"


def _trial(context: _Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    activated = context.checked.activations[charge.option.name]
    last = activated + dt.timedelta(days=charge.free_days - 1)
    period = context.envelope.period
    free = f"free trial from {activated} to {last} ({charge.free_days} days)"
    if last >= period.first:
        return "free for free_days from activated_on", [f"{free}, overlapping {period.label}"], free
    return "price_after once the trial is over", [f"{free}, over before {period.label}: {text(line.unit_price or ZERO)}"], free


_EXPLAINERS = {
    m.FlatCharge: _flat,
    m.PerUnitCharge: _per_unit,
    m.BlocksCharge: _blocks,
    m.TieredCharge: _tiered,
    m.OptionCharge: _option,
    m.TrialCharge: _trial,
}


# -- text helpers ------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _is_number(words: str) -> bool:
    try:
        Decimal(words)
    except decimal.InvalidOperation:
        return False
    return True


def _atomic(expression: str) -> bool:
    """A name, a number or a call: needs no brackets inside a larger formula."""
    try:
        body = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(body, ast.Name | ast.Constant | ast.Call)


def _substitute(expression: str, values: Mapping[str, str]) -> str:
    """Replace each declared name (not a function name) by its value, using the parser's positions."""
    flat = " ".join(expression.split())
    names = [
        node
        for node in ast.walk(ast.parse(flat, mode="eval"))
        if isinstance(node, ast.Name) and node.id in values and node.id not in FUNCTIONS
    ]
    for node in sorted(names, key=lambda n: n.col_offset, reverse=True):
        flat = flat[: node.col_offset] + values[node.id] + flat[node.end_col_offset or node.col_offset :]
    return flat


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
