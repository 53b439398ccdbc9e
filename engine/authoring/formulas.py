"""Each charge model's formula, the same with values put in, and the steps to its amount.

One function per model (as `evaluate` has one per model): given the explanation's
context, the compiled charge and its invoice line, it returns the formula written with
the charge's parameter names, the steps, and why the amount is zero when it is. The
last step is always followed by the line's own amount (`explain.Context.finish`).
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.core.money import ZERO, text
from engine.language import model as m
from engine.language.expressions import FUNCTIONS
from engine.pricing.invoice import InvoiceLine

if TYPE_CHECKING:
    from engine.authoring.explanation import Context

Explainer = Callable[["Context", Any, InvoiceLine], tuple[str, list[str], str]]


def _flat(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    return "price", [text(charge.price)], f"the {context.checked.edition} edition's price is {text(charge.price)}"


def _per_unit(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    quantity = context.value(charge.quantity)
    formula = f"{context.formula_of(charge.quantity, 'quantity')} × unit_price"
    steps = [f"{context.substitute(charge.quantity)} × {text(charge.unit_price)}"]
    if steps[0] != f"{text(quantity)} × {text(charge.unit_price)}":
        steps.append(f"{text(quantity)} × {text(charge.unit_price)}")
    steps.append(context.figure(quantity * charge.unit_price))
    reason = f"{context.label(charge.quantity)} is 0" if quantity == ZERO else "unit_price is 0"
    return formula, steps, reason


def _blocks(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
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


def _tiered(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
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


def _option(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    chosen = show(context.values.get(charge.option.name))
    return f"table[{charge.option.name}]", [f"table[{chosen}]", text(line.unit_price or ZERO)], f"the table prices {chosen} at 0"


def _trial(context: Context, charge: Any, line: InvoiceLine) -> tuple[str, list[str], str]:
    activated = context.checked.activations[charge.option.name]
    last = activated + dt.timedelta(days=charge.free_days - 1)
    period = context.envelope.period
    free = f"free trial from {activated} to {last} ({charge.free_days} days)"
    if last >= period.first:
        return "free for free_days from activated_on", [f"{free}, overlapping {period.label}"], free
    return "price_after once the trial is over", [f"{free}, over before {period.label}: {text(line.unit_price or ZERO)}"], free


EXPLAINERS: dict[type, Explainer] = {
    m.FlatCharge: _flat,
    m.PerUnitCharge: _per_unit,
    m.BlocksCharge: _blocks,
    m.TieredCharge: _tiered,
    m.OptionCharge: _option,
    m.TrialCharge: _trial,
}


# -- text helpers ------------------------------------------------------------------------------


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def is_number(words: str) -> bool:
    try:
        Decimal(words)
    except decimal.InvalidOperation:
        return False
    return True


def atomic(expression: str) -> bool:
    """A name, a number or a call: needs no brackets inside a larger formula."""
    try:
        body = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(body, ast.Name | ast.Constant | ast.Call)


def put_values(expression: str, values: Mapping[str, str]) -> str:
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
