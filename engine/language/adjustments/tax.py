"""`kind: tax`: a rate picked by the usage's `tax_region` from a table, exclusive or inclusive, with its own rounding.

The engine holds no tax knowledge: the table is the tariff's. A real tax service would take
the place of the table (see docs/tariff-format.md, "Taxes").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.exact import add, divide, multiply, round_to
from engine.core.money import ROUNDING_CONTEXT, ROUNDING_MODES, ZERO, text
from engine.core.records import dataclass, field
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, FactWriter, Ledger, money, percent_of, percent_text


@dataclass(frozen=True, slots=True)
class TaxAdjustment(Adjustment):
    rates: Mapping[str, Decimal]  # region → percent
    default: Decimal | None  # the rate of a region not in the table; None: such a region is refused
    inclusive: bool
    scale: int
    mode: str
    worded: dict[str | None, str] = field(default_factory=dict, compare=False, repr=False)  # line texts by region, once each

    @property
    def quantum(self) -> Decimal:
        return _QUANTA[self.scale]

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
        if not self.inclusive:
            exact = percent_of(base, rate)
            tax = exact.quantize(self.quantum, ROUNDING_MODES[self.mode], ROUNDING_CONTEXT)  # `round_to` of a Decimal
            ledger.add(self, tax, lambda: self.working(region, base, exact, tax), self.wording(region), rounded=True)
            return
        share = divide(multiply(base, rate), add(Decimal(100), rate))  # may not terminate: a Fraction until rounded
        included = round_to(share, self.scale, self.mode)
        words = f"{self.description}: {text(included)} included ({percent_text(rate)}, {self.where(region)})"
        ledger.add(self, round_to(ZERO, self.scale, self.mode), lambda: self.working(region, base, share, included), words, rounded=True)

    def where(self, region: str | None) -> str:
        return region if region is not None and region in self.rates else f"{region or 'no region'}, the default rate"

    def wording(self, region: str | None) -> str:
        """The line's text for a region, worded once per region."""
        found = self.worded.get(region)
        if found is None:
            found = self.worded[region] = f"{self.description} ({percent_text(self.rate(region))}, {self.where(region)})"
        return found

    def working(self, region: str | None, base: Decimal, exact: Any, tax: Decimal) -> tuple[str, tuple[str, ...]]:
        rate = self.rate(region)
        rounded = f"rounded {self.mode} to {self.scale} decimals"
        if self.inclusive:
            formula = f"{self.scope_words} × rate / (100 + rate), included in the prices, {rounded}"
            return formula, (f"{text(base)} × {text(rate)} / (100 + {text(rate)})", _shown(exact, self.scale), text(tax))
        formula = f"{self.scope_words} × {percent_text(rate)} ({self.where(region)}), {rounded}"
        return formula, (f"{text(base)} × {percent_text(rate)}", _shown(exact, self.scale), text(tax))

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


_QUANTA = {scale: Decimal(1).scaleb(-scale) for scale in range(13)}  # the schema allows scales 0 to 12
