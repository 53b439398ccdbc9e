"""The compiled tariff: frozen, hashable-free-of-surprises data, built once at load.

Everything the pricing path needs is resolved here: per-edition parameters merged,
expressions compiled, option tables turned into lookups, the meters each edition
needs listed. The charge models themselves are in `engine.language.charges`, one module each.
Pricing only reads this model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from engine.core.money import Rounding
from engine.core.records import dataclass, field
from engine.language.billing import PLAIN, Billing
from engine.language.charges import Charge

if TYPE_CHECKING:  # a tariff without commercial terms does not load them
    from engine.language.adjustments import Adjustment, AllowancePool

DEFAULT_METER_DECIMALS = 12  # a decimal meter's precision when the tariff declares none
MAX_USAGE_DIGITS = 30  # significant digits of any usage number


def frozen_map(items: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only view over a private copy: compiled models never change."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Meter:
    name: str
    type: str  # "integer" | "decimal"
    aggregation: str  # "max" | "sum" | "last"
    daily: bool
    minimum: Decimal
    maximum: Decimal
    unit: str = ""
    description: str = ""
    partial_series: bool = True  # a daily series may have fewer values than the period has days
    decimals: int = DEFAULT_METER_DECIMALS  # the most decimals a value may have (its precision)


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    type: str  # "switch" | "choice" | "activation"
    unit: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Edition:
    name: str
    description: str = ""
    attributes: Mapping[str, Decimal] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class EditionPlan:
    """One edition of one version: its charges in line order and what they need.

    `offers` maps each add-on to the charge that prices it (an option table or a trial).
    `derived` is where the layers above keep what they compute once from this frozen plan
    (the pricing path keeps the edition's generated rater there); it never holds meaning.
    """

    edition: Edition
    charges: tuple[Charge, ...]
    required_meters: frozenset[str]
    offers: Mapping[str, Charge]
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Settlement:
    mode: str
    from_day: int | None
    until_day: int | None


@dataclass(frozen=True, slots=True)
class TariffVersion:
    """One compiled tariff file."""

    id: str
    version: str
    effective_from: dt.date
    currency: str
    description: str
    billing_period: str
    settlement: Settlement
    rounding: Rounding
    meters: Mapping[str, Meter]
    options: Mapping[str, Option]
    plans: Mapping[str, EditionPlan]
    file: str
    sha256: str
    warnings: tuple[Any, ...] = ()
    billing: Billing = PLAIN  # periods, timing and proration (engine.language.billing)
    adjustments: tuple[Adjustment, ...] = ()  # after the charges, in the declared order
    allowances: tuple[AllowancePool, ...] = ()  # drawn before the charges
    books: Mapping[str, TariffVersion] = field(default_factory=frozen_map)  # the version priced in another currency

    @property
    def editions(self) -> tuple[str, ...]:
        return tuple(self.plans)

    @property
    def currencies(self) -> tuple[str, ...]:
        return (self.currency, *self.books)


@dataclass(frozen=True, slots=True)
class Tariff:
    """All versions of one tariff id, sorted by `effective_from`; `derived` as `EditionPlan.derived`
    (the pricing path keeps there which version and raters price each month)."""

    id: str
    versions: tuple[TariffVersion, ...]
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def in_force(self, day: dt.date) -> TariffVersion | None:
        """The version in force on `day`, or None before the first one (never a fallback)."""
        found = None
        for version in self.versions:
            if version.effective_from <= day:
                found = version
        return found

    def describe_versions(self) -> str:
        ranges = []
        for index, version in enumerate(self.versions):
            until = f" until {self.versions[index + 1].effective_from - dt.timedelta(days=1)}" if index + 1 < len(self.versions) else " on"
            ranges.append(f"{version.file} from {version.effective_from}{until}")
        return "; ".join(ranges)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Tariffs by id, as found under a tariff root."""

    tariffs: Mapping[str, Tariff]
