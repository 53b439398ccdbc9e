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
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.core.money import DEFAULT_QUANTITY_SCALE, text
from engine.language import model as m
from engine.language.billing import CHANGE_WORDS
from engine.language.charges import Charge
from engine.language.charges.base import FactKind, FactRole, FactValue
from engine.language.expressions import Expression
from engine.language.source import PathItem, Source

Value = FactValue
Kind = FactKind
Role = FactRole
_SECTIONS = {"tariff": 0, "edition": 1, "meter": 2, "option": 3, "charge": 4, "allowance": 5, "adjustment": 6, "book": 7}


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
    implied: bool = False  # the rule a file that does not write it has: compared by the diff, left out of the render

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
    found += _terms_facts(version, doc)
    return tuple(sorted(found, key=lambda fact: sort_key(fact.key)))


def _terms_facts(version: m.TariffVersion, doc: Mapping[str, Any]) -> list[Fact]:
    """Shared allowances, adjustments (with their place in the order) and price books."""
    found: list[Fact] = []
    for pool in version.allowances:
        found += pool.facts(_TermFacts(version, ("allowance", pool.id), f"allowance {pool.id}", ("allowances", pool.id)))
    for index, adjustment in enumerate(version.adjustments):
        out = _TermFacts(version, ("adjustment", adjustment.id), adjustment.label, ("adjustments", adjustment.id))
        found += [*adjustment.facts(out), out.fact("order", Decimal(index + 1), "number")]
    for currency, book in version.books.items():
        entries = ((doc.get("price_books") or {}).get(currency) or {}).get("charges") or {}
        for edition, plan in book.plans.items():
            for charge in plan.charges:
                found += _BookChargeFacts(book, doc["charges"][charge.id], edition, charge, entries.get(charge.id) or {}).model_facts()
        for adjustment in book.adjustments:
            if adjustment.money_keys:
                where = ("price_books", currency, "adjustments", adjustment.id)
                out = _TermFacts(book, ("book", currency, "adjustment", adjustment.id), f"{currency} / {adjustment.label}", where)
                found += list(adjustment.facts(out))
    return found


class _TermFacts:
    """The facts of one adjustment or allowance (`engine.language.adjustments.base.FactWriter`)."""

    def __init__(self, version: m.TariffVersion, base: tuple[str, ...], label: str, path: tuple[PathItem, ...]) -> None:
        self.version, self.base, self.label, self.where = version, base, label, path

    @property
    def currency(self) -> str:
        return self.version.currency

    def main(self, value: Value, kind: Kind, unit: str = "", key: str = "") -> Fact:
        return Fact(self.base, self.label, value, kind, unit, (*self.where, key) if key else self.where)

    def fact(self, name: str, value: Value, kind: Kind, unit: str = "", key: str = "") -> Fact:
        return Fact((*self.base, name), f"{self.label} / {name}", value, kind, unit, (*self.where, key) if key else self.where)


def render_canonical(version: m.TariffVersion, source: Source) -> str:
    """One line per price point, sorted and stable; invoice wording left out."""
    return "".join(fact.line + "\n" for fact in facts(version, source) if fact.role != "wording" and not fact.implied)


def _tariff_facts(version: m.TariffVersion) -> Iterator[Fact]:
    yield Fact(("tariff", "id"), "tariff / id", version.id, "text", path=("id",), role="meta")
    yield Fact(("tariff", "version"), "tariff / version", version.version, "text", path=("version",), role="meta")
    effective = version.effective_from.isoformat()
    yield Fact(("tariff", "effective from"), "tariff / effective from", effective, "text", path=("effective_from",), role="meta")
    yield Fact(("tariff", "currency"), "tariff / currency", version.currency, "text", path=("currency",))
    default = version.billing.default
    cycle = "calendar_month" if default.written == "calendar_month" and default.time_zone == "UTC" else default.words()
    yield Fact(("tariff", "billing cycle"), "tariff / billing cycle", cycle, "text", path=("billing_cycle", "period"))
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
    if rounding.quantity_scale != DEFAULT_QUANTITY_SCALE:  # a fact only when declared otherwise: renders of older files stay as they were
        where = ("rounding", "quantity_scale")
        scale = Decimal(rounding.quantity_scale)
        yield Fact(("tariff", "rounding", "quantity scale"), "tariff / rounding / quantity scale", scale, "number", "decimals", where)


def _edition_facts(version: m.TariffVersion) -> Iterator[Fact]:
    for name, plan in version.plans.items():
        yield Fact(("edition", name), f"edition {name}", "offered", "text", path=("editions", name))
        if name in version.billing.cycles:  # an edition's own billing cycle; the others have the tariff's
            words = version.billing.cycle(name).words()
            yield Fact(("edition", name, "billing period"), f"edition {name} / billing period", words, "text", path=("editions", name))
        for attribute, value in plan.edition.attributes.items():
            path = ("editions", name, "attributes", attribute)
            yield Fact(("edition", name, attribute), f"edition {name} / {attribute}", value, "number", path=path)


def _meter_facts(version: m.TariffVersion) -> Iterator[Fact]:
    for name, meter in version.meters.items():
        how = f"{meter.type}, {meter.aggregation} of a daily series" if meter.daily else f"{meter.type}, one value per period"
        yield Fact(("meter", name), f"meter {name}", how, "text", path=("meters", name))
        for bound, value in (("minimum", meter.minimum), ("maximum", meter.maximum)):
            yield Fact(("meter", name, bound), f"meter {name} / {bound}", value, "number", meter.unit, ("meters", name, bound))
        if meter.type == "decimal" and meter.decimals != m.DEFAULT_METER_DECIMALS:  # as the quantity scale: only when declared otherwise
            where = ("meters", name, "decimals")
            yield Fact(("meter", name, "precision"), f"meter {name} / precision", Decimal(meter.decimals), "number", "decimals", where)


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


class _ChargeFacts:
    """The facts of one charge on one edition, each with the path it is written at."""

    def __init__(self, version: m.TariffVersion, spec: Mapping[str, Any], edition: str, charge: Charge) -> None:
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
        billing = self.version.billing
        cadence = billing.of(self.edition, self.charge.id).cadence or billing.cycle(self.edition).cycle
        return f"{self.currency} per {cadence.words()}"

    def path(self, key: str) -> tuple[PathItem, ...]:
        """Where `key` is set for this edition: its override, else the charge's own, else the charge."""
        if key in self.overrides:
            return (*self.where, key)
        return ("charges", self.charge.id, key) if key in self.spec else ("charges", self.charge.id)

    def fact(self, name: str, value: Value, kind: Kind, unit: str = "", key: str = "", role: Role = "price") -> Fact:
        return Fact((*self.base, name), f"{self.label} / {name}", value, kind, unit, self.path(key or name), role)

    def all(self) -> list[Fact]:
        charge = self.charge
        found = [Fact(self.base, self.label, charge.words(), "text", path=self.where)]
        if charge.when is not None:
            value, kind = expression_value(charge.when)
            found.append(self.fact("condition", value, kind, key="when"))
        found.append(self.fact("description", charge.description, "text", role="wording"))
        if charge.unit:
            found.append(self.fact("unit", charge.unit, "text", role="wording"))
        return found + list(self.model_facts()) + list(self.billing_facts())

    def billing_facts(self) -> Iterator[Fact]:
        """Cadence, timing and proration; implied (compared, not rendered) where the file does not write them."""
        billing = self.version.billing.of(self.edition, self.charge.id)
        cadence = "every billing period" if billing.cadence is None else f"every {billing.cadence.words()}"
        proration = billing.proration
        said = billing.declared
        for name, value, key in (
            ("cadence", cadence, "cadence"),
            ("timing", billing.timing.replace("_", " "), "timing"),
            ("proration", proration.words(), "proration"),
            ("proration on upgrade", CHANGE_WORDS.get(proration.upgrade or "", "no rule"), "proration"),
            ("proration on downgrade", CHANGE_WORDS.get(proration.downgrade or "", "no rule"), "proration"),
            ("proration of a first partial period", "prorated" if proration.first_period == "prorate" else "whole period", "proration"),
            ("proration credit for unused days", "yes" if proration.credit_unused else "no", "proration"),
        ):
            yield replace(self.fact(name, value, "text", key=key), implied=key not in said)

    def model_facts(self) -> Iterator[Fact]:
        yield from self.charge.facts(self)

    def quantity_unit(self) -> str:
        quantity = getattr(self.charge, "quantity", None)
        meter = self.version.meters.get(quantity.text) if isinstance(quantity, Expression) else None
        return meter.unit if meter is not None and meter.unit else "unit"

    def expression(self, name: str, expression: Expression, unit: str = "") -> Fact:
        value, kind = expression_value(expression)
        return self.fact(name, value, kind, unit if kind == "number" else "")

    # -- what a charge model's `facts` asks (`engine.language.charges.base.FactWriter`) ----------
    def written_at(self, key: str) -> tuple[PathItem, ...]:
        return self.path(key)

    def written(self, key: str) -> Any:
        """A parameter as the file writes it for this edition: its override, else the charge's own."""
        return self.overrides.get(key) if key in self.overrides else self.spec.get(key)

    def part(
        self, part: str, name: str | None, value: Value, kind: Kind, unit: str, path: tuple[PathItem, ...], *, label: str = ""
    ) -> Fact:
        """A fact of one part of the charge (a tier, a table row), or of one parameter of that part."""
        key, label = (*self.base, part), f"{self.label} / {label or part}"
        if name is not None:
            key, label = (*key, name), f"{label} / {name}"
        return Fact(key, label, value, kind, unit, path)


class _BookChargeFacts(_ChargeFacts):
    """A charge's prices in a price book's currency: `EUR / pro / plan / price`, placed in the book."""

    def __init__(self, book: m.TariffVersion, spec: Mapping[str, Any], edition: str, charge: Charge, entry: Mapping[str, Any]) -> None:
        super().__init__(book, spec, edition, charge)
        self.entry = entry
        self.base = ("book", book.currency, edition, charge.id)
        self.label = f"{book.currency} / {edition} / {charge.id}"

    def path(self, key: str) -> tuple[PathItem, ...]:
        where: tuple[PathItem, ...] = ("price_books", self.version.currency, "charges", self.charge.id)
        if key in ((self.entry.get("editions") or {}).get(self.edition) or {}):
            return (*where, "editions", self.edition, key)
        return (*where, key) if key in self.entry else where
