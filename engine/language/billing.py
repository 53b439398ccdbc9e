"""Billing periods, timing and proration as a tariff declares them, compiled.

`billing_cycle` (the whole version, and per edition), and per charge `cadence`, `timing`
and `proration`. What a tariff file does not declare is the rule it always had: one calendar
month, every charge for the whole period, no proration, and no rule for an edition change
within a period (such a change is then refused, never guessed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from engine.core.periods import Cycle
from engine.core.records import dataclass, field

CHANGE_RULES = ("prorate", "split", "higher_edition", "next_period")
CHANGE_WORDS = {
    "prorate": "prorate both editions by day",
    "split": "price each edition on its own usage",
    "higher_edition": "bill the higher edition for the whole period",
    "next_period": "take effect next period",
}
DATE_NAMES = frozenset(("period_days", "active_days"))  # what expressions may use of the dates, as exact numbers
PERIOD_MONTHS = {"calendar_month": 1, "month": 1, "quarter": 3, "year": 12}
DEFAULT_QUANTITY_SCALE = 4


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """One edition's billing cycle: its `Cycle` and the time zone its days are counted in."""

    cycle: Cycle
    time_zone: str = "UTC"
    written: str = "calendar_month"  # `period` as the file writes it

    def words(self) -> str:
        how = "calendar" if self.cycle.alignment == "calendar" else "anniversary"
        return f"{self.cycle.words()}, {how}-aligned" + ("" if self.time_zone == "UTC" else f", days in {self.time_zone}")


MONTHLY = BillingCycle(Cycle(1, "calendar"))


@dataclass(frozen=True, slots=True)
class Proration:
    """`by` day or none; what an upgrade and a downgrade do; the first partial period; a credit."""

    by: str = "none"  # "none" | "day"
    upgrade: str | None = None  # one of CHANGE_RULES, or None: no rule declared
    downgrade: str | None = None
    first_period: str = "whole"  # "prorate" | "whole"
    credit_unused: bool = False
    quantity_scale: int = DEFAULT_QUANTITY_SCALE

    def words(self) -> str:
        return "by day" if self.by == "day" else "none"


NO_PRORATION = Proration()


@dataclass(frozen=True, slots=True)
class ChargeBilling:
    """A charge's cadence (None: the edition's cycle), timing and proration on one edition."""

    cadence: Cycle | None = None
    timing: str = "in_arrears"  # "in_advance" | "in_arrears"
    proration: Proration = NO_PRORATION
    declared: frozenset[str] = frozenset()  # the keys the file sets: only those are shown in a render

    def change_rule(self, upgrade: bool) -> str | None:
        return self.proration.upgrade if upgrade else self.proration.downgrade


WHOLE_PERIOD = ChargeBilling()


def _frozen(items: Mapping[Any, Any] | None = None) -> Mapping[Any, Any]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Billing:
    """The billing declarations of one version: its cycle, an edition's own, rules per (edition, charge)."""

    default: BillingCycle = MONTHLY
    cycles: Mapping[str, BillingCycle] = field(default_factory=_frozen)  # editions that declare their own
    charges: Mapping[tuple[str, str], ChargeBilling] = field(default_factory=_frozen)
    declared: bool = False  # anything beyond `billing_cycle: {period: calendar_month}`
    monthly_whole_periods: bool = True  # `whole_months(...)`, computed once

    def cycle(self, edition: str) -> BillingCycle:
        return self.cycles.get(edition, self.default)

    def of(self, edition: str, charge: str) -> ChargeBilling:
        return self.charges.get((edition, charge), WHOLE_PERIOD)



PLAIN = Billing()


def whole_months(cycles: list[BillingCycle], charges: Mapping[tuple[str, str], ChargeBilling]) -> bool:
    """Every edition calendar-monthly and every charge on it: a plain `YYYY-MM` document prices as it always did."""
    return all(c.cycle == MONTHLY.cycle for c in cycles) and all(b.cadence is None for b in charges.values())


def cycle_of(spec: Mapping[str, Any]) -> BillingCycle:
    """A schema-valid `billing_cycle` mapping, compiled."""
    written = str(spec.get("period", "calendar_month"))
    months = PERIOD_MONTHS.get(written, 1) * int(spec.get("every", 1))
    alignment = "calendar" if written == "calendar_month" else str(spec.get("alignment", "calendar"))
    return BillingCycle(Cycle(months, alignment), str(spec.get("time_zone", "UTC")), written)


def proration_of(spec: Any) -> Proration:
    """`none`, `by_day`, or the mapping form, compiled (schema-valid)."""
    if spec is None or spec == "none":
        return NO_PRORATION
    if spec == "by_day":
        return Proration("day", "prorate", "prorate", "prorate")
    by = str(spec.get("by", "none"))
    default_change = "prorate" if by == "day" else None
    return Proration(
        by=by,
        upgrade=spec.get("upgrade", default_change),
        downgrade=spec.get("downgrade", default_change),
        first_period=str(spec.get("first_period", "prorate" if by == "day" else "whole")),
        credit_unused=bool(spec.get("credit_unused", False)),
        quantity_scale=int(spec.get("quantity_scale", DEFAULT_QUANTITY_SCALE)),
    )


Reporter = Callable[[list[Any], str, str, str | None], None]  # the compiler's `error`: path, message, rule, hint


def compile_billing(doc: Mapping[str, Any], rounding_apply: str, error: Reporter) -> Billing:
    """The billing declarations of a schema-valid tariff document, every problem reported through `error`."""
    top = doc["billing_cycle"]
    _check_cycle(top, ["billing_cycle"], error)
    _check_date_names(doc, error)
    default = cycle_of(top)
    cycles = {}
    declared = dict(top) != {"period": "calendar_month"}
    for name, spec in doc["editions"].items():
        own = (spec or {}).get("billing_cycle")
        if own is not None:
            _check_cycle(own, ["editions", name, "billing_cycle"], error)
            declared = True
            cycles[name] = cycle_of(own)
    charges: dict[tuple[str, str], ChargeBilling] = {}
    for charge_id, spec in doc["charges"].items():
        available = spec.get("editions") or ()
        overrides: Mapping[str, Any] = available if isinstance(available, Mapping) else {}
        for edition in available:
            if edition not in doc["editions"]:
                continue  # the compiler reports the unknown edition
            merged, paths = {}, {}
            for key in _CHARGE_KEYS:
                if key in (overrides.get(edition) or {}):
                    merged[key], paths[key] = overrides[edition][key], ["charges", charge_id, "editions", edition, key]
                elif key in spec:
                    merged[key], paths[key] = spec[key], ["charges", charge_id, key]
            if merged:
                declared = True
                cycle = cycles.get(edition, default)
                charges[(edition, charge_id)] = _charge_billing(charge_id, merged, paths, cycle, rounding_apply, error)
    monthly = whole_months([default, *cycles.values()], charges)
    return Billing(default, _frozen(cycles), _frozen(charges), declared, monthly) if declared else PLAIN


_CHARGE_KEYS = ("cadence", "timing", "proration")


def _check_date_names(doc: Mapping[str, Any], error: Reporter) -> None:
    """`period_days` and `active_days` are the period's; a meter, an option or an attribute cannot take those names."""
    named: list[list[Any]] = [["meters", name] for name in doc.get("meters") or {}]
    named += [["options", name] for name in doc.get("options") or {}]
    for edition, spec in doc["editions"].items():
        named += [["editions", edition, "attributes", name] for name in ((spec or {}).get("attributes") or {})]
    for path in named:
        if path[-1] in DATE_NAMES:
            message = f"{'.'.join(map(str, path))}: '{path[-1]}' is the name expressions use for the period's days"
            error(path, message, "name-clash", "choose another name")


def _check_cycle(spec: Mapping[str, Any], path: list[Any], error: Reporter) -> None:
    period = spec.get("period", "calendar_month")
    if period == "calendar_month" and spec.get("alignment", "calendar") != "calendar":
        error(
            [*path, "alignment"],
            f"{'.'.join(map(str, path))}.alignment: a calendar_month is aligned to the calendar",
            "billing-cycle",
            "write period: month with alignment: anniversary for periods from the subscription's start day",
        )
    months = PERIOD_MONTHS.get(str(period), 1) * int(spec.get("every", 1))
    if spec.get("alignment", "calendar") == "calendar" and 12 % months and months % 12:
        error(
            [*path, "every"],
            f"{'.'.join(map(str, path))}.every: periods of {months} months do not divide the calendar year",
            "billing-cycle",
            "use 1, 2, 3, 4, 6 or 12 months (or a whole number of years) for calendar-aligned periods, or align them to the anniversary",
        )
    zone = spec.get("time_zone")
    if zone is not None and not _known_zone(str(zone)):
        error(
            [*path, "time_zone"],
            f"{'.'.join(map(str, path))}.time_zone: unknown time zone {zone!r}",
            "time-zone",
            "write an IANA name such as Europe/Berlin, or UTC",
        )


def _known_zone(name: str) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _charge_billing(
    charge_id: str, merged: Mapping[str, Any], paths: Mapping[str, list[Any]], cycle: BillingCycle, rounding_apply: str, error: Reporter
) -> ChargeBilling:
    cadence = None
    if "cadence" in merged:
        spec = merged["cadence"] if isinstance(merged["cadence"], Mapping) else {"period": merged["cadence"]}
        cadence = cycle_of({"alignment": cycle.cycle.alignment, **spec}).cycle
        if cadence.months % cycle.cycle.months:
            error(
                paths["cadence"],
                f"charges.{charge_id}.cadence: a {cadence.words()} is not a whole number of the edition's billing periods "
                f"({cycle.cycle.words()})",
                "cadence",
                "a charge's cadence is its edition's billing period or a multiple of it (a yearly fee on a monthly plan)",
            )
        if cadence == cycle.cycle:
            cadence = None
    proration = proration_of(merged.get("proration"))
    timing = str(merged.get("timing", "in_arrears"))
    where = paths.get("proration", paths.get("timing", ["charges", charge_id]))
    if proration.by == "day" and rounding_apply != "per_line":
        error(
            where,
            f"charges.{charge_id}.proration: a prorated amount is rounded on its own line, and this tariff rounds only the total",
            "proration-rounding",
            "write rounding.apply: per_line, or proration: none",
        )
    for change in ("upgrade", "downgrade"):
        if getattr(proration, change) == "prorate" and proration.by != "day":
            error(where, f"charges.{charge_id}.proration.{change}: prorate needs by: day", "proration", "write by: day, or another rule")
    if proration.credit_unused and timing != "in_advance":
        error(
            where,
            f"charges.{charge_id}.proration.credit_unused: only a fee billed in advance has unused days to credit",
            "proration",
            "write timing: in_advance on the charge, or take credit_unused off",
        )
    return ChargeBilling(cadence, timing, proration, frozenset(merged))
