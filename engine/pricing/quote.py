"""The public pricing entry point: pick the tariff and version, check, price."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from engine.core.errors import Diagnostic, UsageError, did_you_mean
from engine.language import model as m
from engine.pricing.adjust import in_currency
from engine.pricing.evaluate import price
from engine.pricing.fastpath import fast_plan, quick_envelope, quick_quote
from engine.pricing.invoice import Invoice
from engine.pricing.usage import Envelope, check_usage, needs_timeline, read_envelope


def quote(tariff_or_catalog: m.Tariff | m.Catalog, usage: Mapping[str, Any]) -> Invoice:
    """Price one usage document; raises `UsageError` with every problem found."""
    envelope = quick_envelope(usage)
    if envelope is not None and type(tariff_or_catalog) is m.Tariff and (found := quick_quote(tariff_or_catalog, envelope)) is not None:
        return found
    envelope = envelope or read_envelope(usage)
    version = in_currency(select_version(tariff_or_catalog, envelope), envelope)
    if needs_timeline(version, envelope):
        fast_timeline, price_timeline = _timeline_pricing()
        return fast_timeline(version, envelope) or price_timeline(version, envelope)
    plan = version.plans.get(envelope.document["edition"])
    rater = None if plan is None else fast_plan(version, plan)
    fast = None if rater is None else rater.invoice(envelope)
    return fast or price(version, envelope, check_usage(envelope, version))


def price_version(version: m.TariffVersion, envelope: Envelope) -> Invoice:
    """The invoice of a document under `version`, whatever its dates (a review prices scenarios under
    both versions): the general path, as `quote` takes it, timelines included."""
    if needs_timeline(version, envelope):
        return _timeline_pricing()[1](version, envelope)
    return price(version, envelope, check_usage(envelope, version))


@cache
def _timeline_pricing() -> tuple[Callable[[m.TariffVersion, Envelope], Invoice | None], Callable[[m.TariffVersion, Envelope], Invoice]]:
    """The timeline pricing (fast, then general), imported by the first document that needs it: a start-up pricing
    whole months does not load it."""
    from engine.pricing.fasttimeline import fast_timeline
    from engine.pricing.proration import price_timeline

    return fast_timeline, price_timeline


def select_version(tariff_or_catalog: m.Tariff | m.Catalog, envelope: Envelope) -> m.TariffVersion:
    """The version in force on the period's first day, of the tariff the usage names."""
    tariff = _tariff(tariff_or_catalog, envelope.tariff)
    day = envelope.period.first
    version = tariff.in_force(day)
    if version is None:
        raise UsageError(
            [
                Diagnostic(
                    message=f"no version of {tariff.id} is in force on {day} (versions: {tariff.describe_versions()})",
                    rule="version",
                    path="period",
                )
            ]
        )
    return version


def _tariff(tariff_or_catalog: m.Tariff | m.Catalog, wanted: str | None) -> m.Tariff:
    if isinstance(tariff_or_catalog, m.Tariff):
        if wanted is not None and wanted != tariff_or_catalog.id:
            raise UsageError(
                [
                    Diagnostic(
                        message=f"the usage is for tariff '{wanted}', but the tariff given is '{tariff_or_catalog.id}' "
                        f"(versions: {tariff_or_catalog.describe_versions()})",
                        rule="tariff",
                        path="tariff",
                    )
                ]
            )
        return tariff_or_catalog
    known = tariff_or_catalog.tariffs
    if wanted is None:
        raise UsageError([Diagnostic(message=f"missing: the tariff id (tariffs: {', '.join(known)})", rule="usage-missing", path="tariff")])
    if wanted not in known:
        raise UsageError(
            [
                Diagnostic(
                    message=f"unknown tariff '{wanted}' (tariffs: {', '.join(known) or 'none'})",
                    rule="tariff",
                    path="tariff",
                    hint=did_you_mean(wanted, known),
                )
            ]
        )
    return known[wanted]
