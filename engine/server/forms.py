"""The usage form of one tariff version, as data: what `GET /v1/tariffs/{id}/form` answers.

The playground builds its controls from this and nothing else: every meter with its unit
and bounds, every edition with the meters it prices and the options it offers (only the
values offered there), and the month to price by default, so the version shown is the
version that prices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.core.errors import Diagnostic
from engine.core.money import text
from engine.language import model as m
from engine.language.charges import Charge, OptionCharge, TrialCharge
from engine.server.listings import version_summaries
from engine.server.problems import from_diagnostics


def pick_version(tariff: m.Tariff, wanted: str | None, today: dt.date) -> m.TariffVersion:
    """The version labelled `wanted`, or the one in force `today` (the first one before it)."""
    if wanted is None:
        return tariff.in_force(today) or tariff.versions[0]
    for version in tariff.versions:
        if version.version == wanted:
            return version
    labels = ", ".join(v.version for v in tariff.versions)
    raise from_diagnostics(
        404, [Diagnostic(message=f"{tariff.id} has no version '{wanted}' (versions: {labels})", rule="version", path="?version")]
    )


def default_period(tariff: m.Tariff, version: m.TariffVersion, today: dt.date) -> str:
    """Today's month when `version` is in force on its first day, else the version's first month."""
    first_of_month = today.replace(day=1)
    if tariff.in_force(first_of_month) is version:
        return first_of_month.strftime("%Y-%m")
    start = version.effective_from
    month = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return month.strftime("%Y-%m")


def form(tariff: m.Tariff, version: m.TariffVersion, today: dt.date) -> dict[str, Any]:
    summaries = {s["version"]: s for s in version_summaries(tariff)}
    in_force = tariff.in_force(today)
    return {
        "id": tariff.id,
        "today": today.isoformat(),
        "in_force_today": None if in_force is None else in_force.version,
        "version": summaries[version.version],
        "versions": list(summaries.values()),
        "period": default_period(tariff, version, today),
        "currency": version.currency,
        "meters": [meter_field(meter) for meter in version.meters.values()],
        "options": [option_field(option) for option in version.options.values()],
        "editions": [edition_fields(plan, version) for plan in version.plans.values()],
    }


def meter_field(meter: m.Meter) -> dict[str, Any]:
    return {
        "id": meter.name,
        "description": meter.description,
        "unit": meter.unit,
        "type": meter.type,
        "minimum": text(meter.minimum),
        "maximum": text(meter.maximum),
        "daily": meter.daily,
        "aggregation": meter.aggregation,
    }


def option_field(option: m.Option) -> dict[str, Any]:
    return {"id": option.name, "description": option.description, "unit": option.unit, "type": option.type}


def edition_fields(plan: m.EditionPlan, version: m.TariffVersion) -> dict[str, Any]:
    return {
        "id": plan.edition.name,
        "description": plan.edition.description,
        "meters": [name for name in version.meters if name in plan.required_meters],
        "options": [offer(name, charge) for name, charge in plan.offers.items()],
    }


def offer(name: str, charge: Charge) -> dict[str, Any]:
    """An option as offered on one edition: the values it may take there (none for an activation date)."""
    if isinstance(charge, TrialCharge):
        return {"id": name, "type": charge.option.type, "values": [], "free_days": charge.free_days}
    assert isinstance(charge, OptionCharge), "an edition's offers are option tables and trials"
    return {"id": name, "type": charge.option.type, "values": list(charge.prices)}
