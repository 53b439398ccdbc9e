"""Price books: one version priced in several currencies.

`price_books: {EUR: {charges: {...}, adjustments: {...}}}` sets again, for each currency, the
prices a charge or an adjustment writes; everything else (quantities, tiers' bounds, tables'
values, conditions) is the tariff's own. The compiler builds each book's plans by merging the
book's prices into the parameters before the charge models build, so the models read prices
as always. A book must price everything the tariff prices: `missing` names what it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The parameters of a charge that are written in the currency.
CHARGE_PRICES = ("price", "unit_price", "price_after", "tiers", "table")


def merged(spec: Mapping[str, Any], entry: Mapping[str, Any] | None) -> dict[str, Any]:
    """A charge's or an adjustment's parameters with the book's entry written over them (per edition too)."""
    out = dict(spec)
    for key, value in (entry or {}).items():
        if key == "editions" and isinstance(value, Mapping):
            editions = spec.get("editions")
            own: dict[str, Any] = dict(editions) if isinstance(editions, Mapping) else {name: {} for name in editions or ()}
            for edition, override in value.items():
                own[edition] = {**(own.get(edition) or {}), **(override or {})}
            out["editions"] = own
        else:
            out[key] = value
    return out


def missing(spec: Mapping[str, Any], entry: Mapping[str, Any] | None, keys: tuple[str, ...]) -> list[str]:
    """The prices `spec` writes for some edition that the book's `entry` does not set again: `price on pro`."""
    book = entry or {}
    book_editions: Mapping[str, Any] = book.get("editions") or {}
    editions = spec.get("editions") or {}
    overrides: Mapping[str, Any] = editions if isinstance(editions, Mapping) else {}
    lacking: dict[str, list[str]] = {}
    for edition in editions:
        for key in keys:
            written = key in spec or key in (overrides.get(edition) or {})
            if written and key not in book and key not in (book_editions.get(edition) or {}):
                lacking.setdefault(key, []).append(str(edition))
    every = [str(edition) for edition in editions]
    return [key if names == every and key in spec else f"{key} on {', '.join(names)}" for key, names in lacking.items()]


def unknown(spec: Mapping[str, Any], entry: Mapping[str, Any] | None, keys: tuple[str, ...]) -> list[str]:
    """Keys of the book's entry that are no price of the charge: a book re-prices, it adds nothing."""
    book = entry or {}
    found = [key for key in book if key != "editions" and key not in keys]
    for edition, override in (book.get("editions") or {}).items():
        found += [f"editions.{edition}.{key}" for key in (override or {}) if key not in keys]
        if edition not in (spec.get("editions") or {}):
            found.append(f"editions.{edition}")
    return found


# A price written as an edition attribute's name: `unit_price_from: seat_price` sets `unit_price`.
ATTRIBUTE_PRICES = {"price_from": "price", "unit_price_from": "unit_price"}


def attribute_prices(params: Mapping[str, Any], attributes: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """`params` with each `<price>_from` replaced by the attribute's value; and (key, why) of those that cannot be."""
    out = dict(params)
    problems = []
    for key, target in ATTRIBUTE_PRICES.items():
        if key not in params:
            continue
        name = out.pop(key)
        if target in params:
            problems.append((key, f"write '{target}' or '{key}', not both"))
        elif name in attributes:
            out[target] = attributes[name]
        else:
            problems.append((key, f"'{name}' is not an attribute of this edition"))
    return out, problems
