"""The compiler's hook for commercial terms: adjustments, shared allowances and price books.

Called once by `engine.language.compiler` after the charges are built. A price book is
compiled by merging the book's prices into each charge's parameters (`books.merged`) and
building the charges again through the compiler, so the charge models read prices as they
always do; each book becomes the same `TariffVersion` in its currency (`with_books`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from engine.core.records import replace
from engine.language import books as b
from engine.language import model as m
from engine.language.adjustments import KINDS, Adjustment, AllowancePool, section
from engine.language.charges import Charge
from engine.language.source import PathItem

Book = tuple[dict[str, m.EditionPlan], tuple[Adjustment, ...]]


class Compiler(Protocol):
    """What this hook uses of the compiler (`engine.language.compiler`)."""

    doc: Mapping[str, Any]
    used_names: set[str]

    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def source_ref(self, path: list[PathItem]) -> str: ...
    def date(self, path: list[PathItem], text: str) -> dt.date | None: ...
    def charge(
        self,
        charge_id: str,
        spec: Mapping[str, Any],
        editions: Mapping[str, m.Edition],
        meters: Mapping[str, m.Meter],
        options: Mapping[str, m.Option],
    ) -> Iterable[tuple[str, Charge]]: ...
    def plan(self, edition: m.Edition, charges: list[Charge], meters: Mapping[str, m.Meter]) -> m.EditionPlan: ...


def compile_terms(
    compiler: Compiler, editions: Mapping[str, m.Edition], meters: Mapping[str, m.Meter], options: Mapping[str, m.Option]
) -> tuple[tuple[Adjustment, ...], tuple[AllowancePool, ...], dict[str, Book]]:
    """The adjustments, the shared allowances and each price book's plans and adjustments."""
    doc = compiler.doc
    section.check_sections(compiler, doc, list(doc["charges"]))
    adjustments = section.compile_adjustments(compiler, doc, doc.get("adjustments") or {})
    allowances = section.compile_allowances(compiler, doc, meters)
    for pool in allowances:
        compiler.used_names |= set(pool.meters)
    books = {
        currency: price_book(compiler, currency, book, editions, meters, options)
        for currency, book in (doc.get("price_books") or {}).items()
    }
    return adjustments, allowances, books


def price_book(
    compiler: Compiler,
    currency: str,
    book: Mapping[str, Any],
    editions: Mapping[str, m.Edition],
    meters: Mapping[str, m.Meter],
    options: Mapping[str, m.Option],
) -> Book:
    """One price book: the tariff's charges and adjustments with the book's prices merged in before they build."""
    doc = compiler.doc
    where: list[PathItem] = ["price_books", currency]
    if currency == doc["currency"]:
        compiler.error(where, f"price_books.{currency}: {currency} is the tariff's own currency", "price-book", key=True)
    entries: Mapping[str, Any] = book.get("charges") or {}
    for charge_id in entries:
        if charge_id not in doc["charges"]:
            compiler.error(
                [*where, "charges", charge_id], f"price_books.{currency}.charges: no charge '{charge_id}'", "price-book", key=True
            )
    charges: dict[str, list[Charge]] = {edition: [] for edition in editions}
    for charge_id, spec in doc["charges"].items():
        entry = entries.get(charge_id)
        lacking, extra = b.missing(spec, entry, b.CHARGE_PRICES), b.unknown(spec, entry, b.CHARGE_PRICES)
        if lacking:
            message = f"price_books.{currency}: charge '{charge_id}' has no {currency} price ({'; '.join(lacking)})"
            compiler.error(where, message, "price-book-missing", f"set it under price_books.{currency}.charges.{charge_id}", key=True)
        if extra:
            message = f"price_books.{currency}.charges.{charge_id}: {', '.join(extra)} is no price of charge '{charge_id}'"
            compiler.error(
                [*where, "charges", charge_id], message, "price-book", "a price book sets again the prices a charge writes", key=True
            )
        if lacking or extra:
            continue
        for edition, charge in compiler.charge(charge_id, b.merged(spec, entry), editions, meters, options):
            charges[edition].append(charge)
    plans = {name: compiler.plan(editions[name], charges[name], meters) for name in editions}
    return plans, _book_adjustments(compiler, currency, book)


def _book_adjustments(compiler: Compiler, currency: str, book: Mapping[str, Any]) -> tuple[Adjustment, ...]:
    where: list[PathItem] = ["price_books", currency]
    sections = dict(compiler.doc.get("adjustments") or {})
    amounts: Mapping[str, Any] = book.get("adjustments") or {}
    for adjustment_id in amounts:
        if adjustment_id not in sections:
            compiler.error(
                [*where, "adjustments", adjustment_id],
                f"price_books.{currency}.adjustments: no adjustment '{adjustment_id}'",
                "price-book",
                key=True,
            )
    for adjustment_id, params in sections.items():
        entry = amounts.get(adjustment_id) or {}
        needed = [key for key in KINDS[params["kind"]].money_keys if key in params and key not in entry]
        if needed:
            compiler.error(
                where,
                f"price_books.{currency}: adjustment '{adjustment_id}' has no {currency} {', '.join(needed)}",
                "price-book-missing",
                f"set it under price_books.{currency}.adjustments.{adjustment_id}",
                key=True,
            )
        sections[adjustment_id] = b.merged(params, entry)
    return section.compile_adjustments(compiler, compiler.doc, sections)


def with_books(version: m.TariffVersion, books: Mapping[str, Book]) -> m.TariffVersion:
    """`version` carrying, per price book, the same version in that currency."""
    priced = {
        currency: replace(version, currency=currency, plans=m.frozen_map(plans), adjustments=adjustments)
        for currency, (plans, adjustments) in books.items()
    }
    return replace(version, books=m.frozen_map(priced))
