"""A tariff version as price points: one fact per price, quantity or rule, in its own words.

Both the review diff and `tariff render --canonical` read a version through these facts,
built from the compiled model (so `449.99` and `449.990`, key order, quoting and comments
make no difference) with the document path each fact is written at (so a change can name
its line). A fact's `key` is its address; facts whose key extends another's belong to it
(a price belongs to its charge on an edition, an option value to its table).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from engine.core.money import text
from engine.language import model as m
from engine.language.expressions import Expression
from engine.language.source import PathItem, Source

Value = Decimal | str
Kind = Literal["money", "number", "text"]
Role = Literal["price", "meta", "wording"]
_SECTIONS = {"tariff": 0, "edition": 1, "meter": 2, "option": 3, "charge": 4}
_PERIOD_WORDS = {"calendar_month": "month"}


@dataclass(frozen=True, slots=True)
class Fact:
    """One price point or rule. `role`: what it prices, version metadata, or invoice wording."""

    key: tuple[str, ...]
    label: str
    value: Value
    kind: Kind
    unit: str = ""
    path: tuple[PathItem, ...] = ()
    role: Role = "price"

    @property
    def value_text(self) -> str:
        return text(self.value) if isinstance(self.value, Decimal) else self.value

    @property
    def shown(self) -> str:
        return f"{self.value_text} {self.unit}" if self.unit else self.value_text

    @property
    def line(self) -> str:
        """The canonical line: `pro / plan / price: 449.99 USD per month`."""
        return f"{self.label}: {self.shown}"


def sort_key(key: tuple[str, ...]) -> tuple[Any, ...]:
    """Section order, then names with numbers compared as numbers (`30 days` before `180 days`)."""
    return (_SECTIONS.get(key[0], 9), *(_natural(part) for part in key[1:]))


def _natural(part: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in re.split(r"(\d+)", part) if chunk)


def facts(version: m.TariffVersion, source: Source) -> tuple[Fact, ...]:
    """Every fact of a version, sorted by key."""
    doc: Mapping[str, Any] = source.data
    found = [*_tariff_facts(version), *_edition_facts(version), *_meter_facts(version), *_option_facts(version)]
    for edition, plan in version.plans.items():
        for charge in plan.charges:
            found += _ChargeFacts(version, doc["charges"][charge.id], edition, charge).all()
    return tuple(sorted(found, key=lambda fact: sort_key(fact.key)))


def render_canonical(version: m.TariffVersion, source: Source) -> str:
    """One line per price point, sorted and stable; invoice wording left out."""
    return "".join(fact.line + "\n" for fact in facts(version, source) if fact.role != "wording")


def _tariff_facts(version: m.TariffVersion) -> Iterator[Fact]:
    yield Fact(("tariff", "id"), "tariff / id", version.id, "text", path=("id",), role="meta")
    yield Fact(("tariff", "version"), "tariff / version", version.version, "text", path=("version",), role="meta")
    effective = version.effective_from.isoformat()
    yield Fact(("tariff", "effective from"), "tariff / effective from", effective, "text", path=("effective_from",), role="meta")
    yield Fact(("tariff", "currency"), "tariff / currency", version.currency, "text", path=("currency",))
    yield Fact(("tariff", "billing cycle"), "tariff / billing cycle", version.billing_period, "text", path=("billing_cycle", "period"))
    settlement = version.settlement
    yield Fact(("tariff", "settlement"), "tariff / settlement", settlement.mode, "text", path=("settlement", "mode"))
    window = "none" if settlement.from_day is None else f"days {settlement.from_day} to {settlement.until_day} of the next period"
    yield Fact(("tariff", "settlement window"), "tariff / settlement window", window, "text", path=("settlement", "deduction_window"))
    rounding = version.rounding
    yield Fact(
        ("tariff", "rounding", "scale"), "tariff / rounding / scale", Decimal(rounding.scale), "number", "decimals", ("rounding", "scale")
    )
    yield Fact(("tariff", "rounding", "mode"), "tariff / rounding / mode", rounding.mode, "text", path=("rounding", "mode"))
    yield Fact(("tariff", "rounding", "applied"), "tariff / rounding / applied", rounding.apply, "text", path=("rounding", "apply"))


def _edition_facts(version: m.TariffVersion) -> Iterator[Fact]:
    for name, plan in version.plans.items():
        yield Fact(("edition", name), f"edition {name}", "offered", "text", path=("editions", name))
        for attribute, value in plan.edition.attributes.items():
            path = ("editions", name, "attributes", attribute)
            yield Fact(("edition", name, attribute), f"edition {name} / {attribute}", value, "number", path=path)


def _meter_facts(version: m.TariffVersion) -> Iterator[Fact]:
    for name, meter in version.meters.items():
        how = f"{meter.type}, {meter.aggregation} of a daily series" if meter.daily else f"{meter.type}, one value per period"
        yield Fact(("meter", name), f"meter {name}", how, "text", path=("meters", name))
        for bound, value in (("minimum", meter.minimum), ("maximum", meter.maximum)):
            yield Fact(("meter", name, bound), f"meter {name} / {bound}", value, "number", meter.unit, ("meters", name, bound))


def _option_facts(version: m.TariffVersion) -> Iterator[Fact]:
    for name, option in version.options.items():
        yield Fact(("option", name), f"option {name}", option.type, "text", path=("options", name))
        if option.unit:
            yield Fact(
                ("option", name, "unit"), f"option {name} / unit", option.unit, "text", path=("options", name, "unit"), role="wording"
            )


def expression_value(expression: Expression) -> tuple[Value, Kind]:
    """A number stays a number; other expressions compare by their parsed form (spacing ignored)."""
    try:
        return Decimal(expression.text), "number"
    except InvalidOperation:
        return ast.unparse(ast.parse(expression.text, mode="eval")), "text"


def value_label(value: m.ChoiceValue, unit: str) -> str:
    """An option value as a reader names it: `90 days`, `true`, `gold`."""
    shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"{shown} {unit}" if unit and not isinstance(value, bool) else shown


class _ChargeFacts:
    """The facts of one charge on one edition, each with the path it is written at."""

    def __init__(self, version: m.TariffVersion, spec: Mapping[str, Any], edition: str, charge: m.Charge) -> None:
        self.version = version
        self.spec = spec
        self.edition = edition
        self.charge = charge
        self.base: tuple[str, ...] = ("charge", edition, charge.id)
        self.label = f"{edition} / {charge.id}"
        editions = spec["editions"]
        self.overrides: Mapping[str, Any] = (editions.get(edition) or {}) if isinstance(editions, Mapping) else {}
        where: PathItem = edition if isinstance(editions, Mapping) else list(editions).index(edition)
        self.where: tuple[PathItem, ...] = ("charges", charge.id, "editions", where)

    @property
    def currency(self) -> str:
        return self.version.currency

    @property
    def per_period(self) -> str:
        period = _PERIOD_WORDS.get(self.version.billing_period, self.version.billing_period)
        return f"{self.currency} per {period}"

    def path(self, key: str) -> tuple[PathItem, ...]:
        """Where `key` is set for this edition: its override, else the charge's own, else the charge."""
        if key in self.overrides:
            return (*self.where, key)
        return ("charges", self.charge.id, key) if key in self.spec else ("charges", self.charge.id)

    def fact(self, name: str, value: Value, kind: Kind, unit: str = "", key: str = "", role: Role = "price") -> Fact:
        return Fact((*self.base, name), f"{self.label} / {name}", value, kind, unit, self.path(key or name), role)

    def all(self) -> list[Fact]:
        charge = self.charge
        found = [Fact(self.base, self.label, _model_words(charge), "text", path=self.where)]
        if charge.when is not None:
            value, kind = expression_value(charge.when)
            found.append(self.fact("condition", value, kind, key="when"))
        found.append(self.fact("description", charge.description, "text", role="wording"))
        if charge.unit:
            found.append(self.fact("unit", charge.unit, "text", role="wording"))
        return found + list(self.model_facts())

    def model_facts(self) -> Iterator[Fact]:
        charge = self.charge
        if isinstance(charge, m.FlatCharge):
            yield self.fact("price", charge.price, "money", self.per_period)
        elif isinstance(charge, m.PerUnitCharge):
            yield self.expression("quantity", charge.quantity)
            per_unit = f"{self.currency} per {self.quantity_unit()}"
            yield self.fact("unit price", charge.unit_price, "money", per_unit, "unit_price")
        elif isinstance(charge, m.BlocksCharge):
            yield from self.blocks(charge)
        elif isinstance(charge, m.TieredCharge):
            yield self.expression("quantity", charge.quantity)
            yield from self.tiers(charge)
        elif isinstance(charge, m.OptionCharge):
            yield from self.table(charge)
        elif isinstance(charge, m.TrialCharge):
            yield self.fact("free days", Decimal(charge.free_days), "number", "days", "free_days")
            if charge.price_after is None:
                yield self.fact("price after trial", "none published", "text", key="price_after")
            else:
                yield self.fact("price after trial", charge.price_after, "money", self.per_period, "price_after")

    def quantity_unit(self) -> str:
        quantity = getattr(self.charge, "quantity", None)
        meter = self.version.meters.get(quantity.text) if isinstance(quantity, Expression) else None
        return meter.unit if meter is not None and meter.unit else "unit"

    def expression(self, name: str, expression: Expression, unit: str = "") -> Fact:
        value, kind = expression_value(expression)
        return self.fact(name, value, kind, unit if kind == "number" else "")

    def blocks(self, charge: m.BlocksCharge) -> Iterator[Fact]:
        unit = self.quantity_unit()
        yield self.expression("quantity", charge.quantity)
        yield self.expression("included", charge.included, unit)
        yield self.fact("block size", charge.block_size, "number", unit, "block_size")
        yield self.fact("part block", "billed as a whole block" if charge.round_up else "not billed", "text", key="round")
        yield self.fact("price", charge.price, "money", f"{self.currency} per block")

    def tiers(self, charge: m.TieredCharge) -> Iterator[Fact]:
        unit = self.quantity_unit()
        for index, tier in enumerate(charge.tiers):
            base, label, path = (*self.base, f"tier {index + 1}"), f"{self.label} / tier {index + 1}", (*self.path("tiers"), index)
            lower = text(tier.lower)
            bounds = f"above {lower} {unit}" if tier.up_to is None else f"{lower} to {text(tier.up_to)} {unit}"
            yield Fact(base, label, bounds, "text", path=path)
            yield Fact((*base, "flat fee"), f"{label} / flat fee", tier.flat_fee, "money", self.currency, (*path, "flat_fee"))
            per_unit = f"{self.currency} per {unit}"
            yield Fact((*base, "unit price"), f"{label} / unit price", tier.unit_price, "money", per_unit, (*path, "unit_price"))
            if tier.extra_block_size is not None:
                where = (*path, "extra_block")
                size, price = tier.extra_block_size, tier.extra_block_price
                yield Fact((*base, "extra block size"), f"{label} / extra block size", size, "number", unit, (*where, "size"))
                per_block = f"{self.currency} per block"
                yield Fact((*base, "extra block price"), f"{label} / extra block price", price, "money", per_block, (*where, "price"))

    def table(self, charge: m.OptionCharge) -> Iterator[Fact]:
        path = self.path("table")
        rows = self.overrides.get("table") if "table" in self.overrides else self.spec.get("table")
        written = [value_label(row.get("value"), charge.option.unit) for row in rows or ()]
        for value, price in charge.prices.items():
            name = value_label(value, charge.option.unit)
            where = (*path, written.index(name)) if name in written else path
            # `=` keeps a value's key apart from the charge's own facts (a choice named "condition").
            yield Fact((*self.base, f"={name}"), f"{self.label} / {name}", price, "money", self.per_period, where)


def _model_words(charge: m.Charge) -> str:
    if isinstance(charge, m.TieredCharge):
        return "graduated tiers" if charge.graduated else "volume tiers"
    if isinstance(charge, m.OptionCharge):
        return f"option table of {charge.option.name}"
    if isinstance(charge, m.TrialCharge):
        return f"free trial of {charge.option.name}"
    return {m.FlatCharge: "flat fee", m.PerUnitCharge: "per unit", m.BlocksCharge: "blocks"}[type(charge)]
