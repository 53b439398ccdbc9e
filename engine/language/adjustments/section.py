"""The `adjustments:`, `allowances:` and `tags:` sections compiled: each adjustment built by its kind.

The compiler calls `compile_adjustments` once for the tariff's own currency and once per price
book (with the book's amounts merged in); the checks that do not depend on the currency
(tags, the order of application) run once, from `check_sections`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any, Protocol

from engine.core.errors import did_you_mean
from engine.language.adjustments import KINDS
from engine.language.adjustments.allowance import AllowancePool
from engine.language.adjustments.base import Adjustment, Scope
from engine.language.source import PathItem

# Orders that are usually mistakes: (earlier kind, later kinds, why).
_SUSPECT_ORDERS = (
    ("tax", ("discount", "coupon", "minimum", "maximum"), "the tax is computed before it changes the lines"),
    ("credit", ("discount", "coupon", "minimum", "maximum", "tax"), "the prepaid balance pays before it changes the lines"),
    ("minimum", ("discount", "coupon"), "the minimum is checked before the discount"),
)


class Reporter(Protocol):
    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def source_ref(self, path: list[PathItem]) -> str: ...
    def date(self, path: list[PathItem], text: str) -> dt.date | None: ...


class _Spec:
    """One adjustment as its kind's `build` sees it (`AdjustmentSpec`)."""

    def __init__(self, reporter: Reporter, adjustment_id: str, params: Mapping[str, Any], base: list[PathItem]) -> None:
        self.reporter, self.id, self.params, self.base = reporter, adjustment_id, params, base

    def path(self, key: str) -> list[PathItem]:
        return [*self.base, key] if key else list(self.base)

    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.reporter.error(path, message, rule, hint, key=key)

    def date(self, key: str) -> dt.date | None:
        value = self.params.get(key)
        return None if value is None else self.reporter.date(self.path(key), str(value))


def tags_of(doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {str(tag): tuple(ids) for tag, ids in (doc.get("tags") or {}).items()}


def compile_adjustments(reporter: Reporter, doc: Mapping[str, Any], sections: Mapping[str, Any]) -> tuple[Adjustment, ...]:
    """The adjustments of `sections` (the document's, or merged with a price book's), in the declared order."""
    built = []
    tags = tags_of(doc)
    for adjustment_id, params in (sections or {}).items():
        base: list[PathItem] = ["adjustments", adjustment_id]
        kind = KINDS[params["kind"]]
        missing = [key for key in kind.required if key not in params]
        if missing:
            reporter.error(base, f"adjustments.{adjustment_id}: no '{missing[0]}' for a {kind.kind}", "missing-param", key=True)
            continue
        scope, words = _scope(params.get("applies_to"), tags)
        common = {
            "id": adjustment_id,
            "description": params.get("description") or adjustment_id.replace("_", " "),
            "source": reporter.source_ref(base),
            "scope": scope,
            "scope_words": words,
        }
        adjustment = kind.build(_Spec(reporter, adjustment_id, params, base), common)
        if adjustment is not None:
            built.append(adjustment)
    return tuple(built)


def _scope(applies_to: Mapping[str, Any] | None, tags: Mapping[str, tuple[str, ...]]) -> tuple[Scope, str]:
    if not applies_to:
        return None, "subtotal"
    charges = [str(c) for c in applies_to.get("charges") or ()]
    named = [str(t) for t in applies_to.get("tags") or ()]
    ids = set(charges)
    for tag in named:
        ids |= set(tags.get(tag, ()))
    words = " + ".join([*charges, *(f"tag {tag}" for tag in named)])
    return frozenset(ids), words


def compile_allowances(reporter: Reporter, doc: Mapping[str, Any], meters: Collection[str]) -> tuple[AllowancePool, ...]:
    pools = []
    for pool_id, spec in (doc.get("allowances") or {}).items():
        base: list[PathItem] = ["allowances", pool_id]
        names = [str(name) for name in spec["meters"]]
        for index, name in enumerate(names):
            if name not in meters:
                reporter.error(
                    [*base, "meters", index],
                    f"allowances.{pool_id}.meters: meter '{name}' is not declared (meters: {', '.join(meters) or 'none'})",
                    "unknown-meter",
                    did_you_mean(name, meters),
                )
        description = spec.get("description") or pool_id.replace("_", " ")
        source = reporter.source_ref(base)
        pools.append(AllowancePool(pool_id, description, source, Decimal(spec["units"]), tuple(names), spec.get("unit", "")))
    return tuple(pools)


def check_sections(reporter: Reporter, doc: Mapping[str, Any], charge_ids: Collection[str]) -> None:
    """What does not depend on the currency: tags and scopes naming charges, and the order of application."""
    tags = tags_of(doc)
    for tag, ids in tags.items():
        for index, charge_id in enumerate(ids):
            if charge_id not in charge_ids:
                reporter.error(
                    ["tags", tag, index],
                    f"tags.{tag}: charge '{charge_id}' does not exist (charges: {', '.join(charge_ids)})",
                    "unknown-charge",
                    did_you_mean(charge_id, charge_ids),
                )
    adjustments: Mapping[str, Any] = doc.get("adjustments") or {}
    for adjustment_id, params in adjustments.items():
        if adjustment_id in charge_ids:
            reporter.error(
                ["adjustments", adjustment_id],
                f"adjustments.{adjustment_id}: '{adjustment_id}' is also a charge; their invoice lines could not be told apart",
                "name-clash",
                key=True,
            )
        for index, edition in enumerate(params.get("editions") or ()):
            if edition not in doc["editions"]:
                reporter.error(
                    ["adjustments", adjustment_id, "editions", index],
                    f"adjustments.{adjustment_id}.editions: edition '{edition}' does not exist (editions: {', '.join(doc['editions'])})",
                    "unknown-edition",
                    did_you_mean(edition, doc["editions"]),
                )
        applies_to = params.get("applies_to") or {}
        for index, charge_id in enumerate(applies_to.get("charges") or ()):
            if charge_id not in charge_ids:
                reporter.error(
                    ["adjustments", adjustment_id, "applies_to", "charges", index],
                    f"adjustments.{adjustment_id}.applies_to: charge '{charge_id}' does not exist (charges: {', '.join(charge_ids)})",
                    "unknown-charge",
                    did_you_mean(charge_id, charge_ids),
                )
        for index, tag in enumerate(applies_to.get("tags") or ()):
            if tag not in tags:
                reporter.error(
                    ["adjustments", adjustment_id, "applies_to", "tags", index],
                    f"adjustments.{adjustment_id}.applies_to: tag '{tag}' is not declared (tags: {', '.join(tags) or 'none'})",
                    "unknown-tag",
                    did_you_mean(tag, tags),
                )
    _check_order(reporter, adjustments)
    _check_codes(reporter, adjustments)


def _check_order(reporter: Reporter, adjustments: Mapping[str, Any]) -> None:
    order = [(adjustment_id, params["kind"]) for adjustment_id, params in adjustments.items()]
    for index, (first_id, first_kind) in enumerate(order):
        for earlier, later, why in _SUSPECT_ORDERS:
            if first_kind != earlier:
                continue
            after = next(((i, k) for i, k in order[index + 1 :] if k in later), None)
            if after is not None:
                reporter.warning(
                    ["adjustments", first_id],
                    f"adjustments.{first_id}: the {earlier} comes before {after[1]} '{after[0]}': {why}",
                    "adjustment-order",
                    "the usual order is discounts and coupons, then minimums and caps, then taxes, then credits",
                    key=True,
                )


def _check_codes(reporter: Reporter, adjustments: Mapping[str, Any]) -> None:
    seen: dict[str, str] = {}
    for adjustment_id, params in adjustments.items():
        if params["kind"] != "coupon" or "code" not in params:
            continue
        code = str(params["code"])
        if code in seen:
            reporter.error(
                ["adjustments", adjustment_id, "code"],
                f"adjustments.{adjustment_id}.code: coupon code {code} is already the code of '{seen[code]}'",
                "coupon-code",
            )
        seen.setdefault(code, adjustment_id)
