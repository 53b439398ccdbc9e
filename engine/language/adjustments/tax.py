"""`kind: tax`: a rate picked by the usage's `tax_region` from a table, exclusive or inclusive, with its own rounding.

The engine holds no tax knowledge: the table is the tariff's. A real tax service would take
the place of the table (see docs/tariff-format.md, "Taxes").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.exact import add, divide, multiply, round_to
from engine.core.money import ZERO, text
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, FactWriter, Ledger, money, percent_of, percent_text


@dataclass(frozen=True, slots=True)
class TaxAdjustment(Adjustment):
    rates: Mapping[str, Decimal]  # region → percent
    default: Decimal | None  # the rate of a region not in the table; None: such a region is refused
    inclusive: bool
    scale: int
    mode: str

    kind: ClassVar[str] = "tax"
    required: ClassVar[tuple[str, ...]] = ("rates", "rounding")

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> TaxAdjustment:
        params = spec.params
        rates = {str(region): money(rate) for region, rate in params["rates"].items()}
        default = money(params["default_rate"]) if "default_rate" in params else None
        rounding = params["rounding"]
        inclusive = params.get("included", False) is True
        return cls(**common, rates=rates, default=default, inclusive=inclusive, scale=int(rounding["scale"]), mode=rounding["mode"])

    def refuses(self, region: str | None) -> str | None:
        """Why the usage's region cannot be taxed, or None."""
        if self.default is not None or (region is not None and region in self.rates):
            return None
        regions = ", ".join(self.rates)
        if region is None:
            return f"missing: the tax region, which tax {self.id} needs (regions: {regions})"
        return f"unknown tax region '{region}' for tax {self.id} (regions: {regions})"

    def rate(self, region: str | None) -> Decimal:
        found = self.rates.get(region) if region is not None else None
        if found is not None:
            return found
        assert self.default is not None  # `refuses` has refused the rest
        return self.default

    def apply(self, ledger: Ledger) -> None:
        region = ledger.terms.tax_region
        rate = self.rate(region)
        base = ledger.base(self.scope)
        where = region if region in self.rates else f"{region or 'no region'}, the default rate"
        rounded = f"rounded {self.mode} to {self.scale} decimals"
        if not self.inclusive:
            exact = percent_of(base, rate)
            tax = round_to(exact, self.scale, self.mode)
            steps = [f"{text(base)} × {percent_text(rate)}", _shown(exact, self.scale), text(tax)]
            words = f"{self.description} ({percent_text(rate)}, {where})"
            ledger.add(self, tax, f"{self.scope_words} × {percent_text(rate)} ({where}), {rounded}", steps, words)
            return
        exact = divide(multiply(base, rate), add(Decimal(100), rate))
        included = round_to(exact, self.scale, self.mode)
        steps = [f"{text(base)} × {text(rate)} / (100 + {text(rate)})", _shown(exact, self.scale), text(included)]
        zero = round_to(ZERO, self.scale, self.mode)
        words = f"{self.description}: {text(included)} included ({percent_text(rate)}, {where})"
        ledger.add(self, zero, f"{self.scope_words} × rate / (100 + rate), included in the prices, {rounded}", steps, words)

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main("included in the prices" if self.inclusive else "added to the lines", "text", key="included")
        for region, rate in self.rates.items():
            yield out.fact(region, rate, "number", "%", key="rates")
        if self.default is not None:
            yield out.fact("any other region", self.default, "number", "%", key="default_rate")
        yield out.fact("rounding", f"{self.mode} to {self.scale} decimals", "text", key="rounding")
        yield self.scope_fact(out)


def _shown(value: Any, scale: int) -> str:
    """An exact figure before its rounding; a non-terminating one to a few more decimals than kept."""
    return text(value) if isinstance(value, Decimal) else f"{round_to(value, scale + 4, 'half_even')}…"
