"""What a price change does to invoices: every scenario priced under OLD and under NEW.

Scenarios are usage documents: one file, a directory of them, or a golden scenarios file
(a top-level `scenarios:` list whose items carry a `usage` document). Each is priced by
the two versions directly, whatever their effective dates: the question is what the same
month costs under each price list. A scenario a version refuses is kept, with the reason.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, UsageError, usage_error
from engine.core.money import PRICING_CONTEXT, ZERO
from engine.language import model as m
from engine.language.catalog import is_version_file
from engine.language.source import read_bounded
from engine.pricing.documents import parse_usage
from engine.pricing.quote import price_version
from engine.pricing.usage import read_envelope
from engine.review.diff import relative_change

USAGE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    usage: Any


@dataclass(frozen=True, slots=True)
class Outcome:
    """A total, or the reason the version refuses the usage."""

    total: Decimal | None
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class ScenarioImpact:
    name: str
    old: Outcome
    new: Outcome

    @property
    def delta(self) -> Decimal | None:
        if self.old.total is None or self.new.total is None:
            return None
        return self.new.total - self.old.total

    @property
    def relative(self) -> Decimal | None:
        return None if self.old.total is None or self.new.total is None else relative_change(self.old.total, self.new.total)

    @property
    def status(self) -> str:
        """`priced`, `refused by old`, `refused by new` or `refused by both`."""
        refused = [side for side, outcome in (("old", self.old), ("new", self.new)) if outcome.total is None]
        return "priced" if not refused else "refused by " + (refused[0] if len(refused) == 1 else "both")


@dataclass(frozen=True, slots=True)
class Impact:
    """Scenarios, most affected first, and the sum over those both versions price."""

    old_currency: str
    new_currency: str
    scenarios: tuple[ScenarioImpact, ...]
    old_sum: Decimal
    new_sum: Decimal

    @property
    def priced(self) -> tuple[ScenarioImpact, ...]:
        return tuple(s for s in self.scenarios if s.status == "priced")

    @property
    def comparable(self) -> bool:
        """Deltas mean something only in one currency."""
        return self.old_currency == self.new_currency

    @property
    def delta(self) -> Decimal:
        return self.new_sum - self.old_sum

    @property
    def relative(self) -> Decimal | None:
        return relative_change(self.old_sum, self.new_sum)


def impact(old: m.TariffVersion, new: m.TariffVersion, scenarios: Sequence[Scenario]) -> Impact:
    """Price every scenario under both versions."""
    found = [ScenarioImpact(s.name, price_under(old, s.usage), price_under(new, s.usage)) for s in scenarios]
    found.sort(key=_mover_order)
    priced = [s for s in found if s.status == "priced"]
    with decimal.localcontext(PRICING_CONTEXT):
        old_sum = sum((s.old.total or ZERO for s in priced), ZERO)
        new_sum = sum((s.new.total or ZERO for s in priced), ZERO)
    return Impact(old.currency, new.currency, tuple(found), old_sum, new_sum)


def _mover_order(scenario: ScenarioImpact) -> tuple[int, Decimal, str]:
    """Refused by one version first (the largest move of all), then by size of the delta."""
    rank = {"refused by old": 0, "refused by new": 0, "priced": 1, "refused by both": 2}[scenario.status]
    return rank, -abs(scenario.delta or ZERO), scenario.name


def price_under(version: m.TariffVersion, usage: Any) -> Outcome:
    """The invoice total of `usage` under this version, whatever its effective date."""
    try:
        envelope = read_envelope(usage)
        if envelope.tariff is not None and envelope.tariff != version.id:
            raise usage_error("tariff", f"the usage is for tariff '{envelope.tariff}', not '{version.id}'", "tariff")
        invoice = price_version(version, envelope)
    except UsageError as error:
        return Outcome(None, _reason(error.errors or error.diagnostics))
    return Outcome(invoice.total)


def _reason(diagnostics: Sequence[Diagnostic]) -> str:
    first = diagnostics[0]
    more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
    return f"{first.where}: {first.message}{more}"


def load_scenarios(spec: str) -> tuple[Scenario, ...]:
    """Scenarios from a usage file, a golden scenarios file, or a directory of either."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in USAGE_SUFFIXES and not is_version_file(p))
        found = [s for file in files for s in _from_file(file, file.relative_to(path).as_posix())]
    else:
        found = list(_from_file(path, path.name))
    if not found:
        raise usage_error("", f"{spec}: no usage documents or scenarios found", "scenarios")
    return tuple(found)


def _from_file(path: Path, name: str) -> Iterator[Scenario]:
    try:
        raw = read_bounded(path)  # a usage document's limit: parse_usage refuses more
    except OSError as error:
        raise UsageError([Diagnostic(message=f"cannot read scenarios: {error.strerror or error}", rule="io", file=str(path))]) from None
    document = parse_usage(raw, name)
    if isinstance(document, Mapping) and "scenarios" in document:
        yield from _golden(document["scenarios"], name, document.get("defaults") or {})
    elif _is_wrapped(document):
        yield Scenario(str(document.get("name") or document.get("description") or name), document["usage"])
    else:
        yield Scenario(name, document)


def _is_wrapped(document: Any) -> bool:
    """One golden scenario in a file of its own: `{name, usage: {period, ...}, expect}`."""
    inner = document.get("usage") if isinstance(document, Mapping) else None
    return isinstance(inner, Mapping) and "period" not in document and "period" in inner


def _golden(items: Any, name: str, defaults: Any) -> Iterator[Scenario]:
    """Each scenario's usage, over the file's `defaults:` (as `tariff test` reads it)."""
    if not isinstance(defaults, Mapping):
        raise usage_error("defaults", f"{name}: 'defaults' must be a mapping of usage fields", "scenarios")
    if not isinstance(items, list):
        raise usage_error("scenarios", f"{name}: 'scenarios' must be a list of {{name, usage, expect}}", "scenarios")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("usage"), Mapping):
            raise usage_error(f"scenarios[{index}]", f"{name}: scenario {index + 1} has no 'usage' document", "scenarios")
        yield Scenario(str(item.get("name") or item.get("description") or f"{name} #{index + 1}"), {**defaults, **item["usage"]})
