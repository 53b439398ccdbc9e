"""`model: trial`: an add-on free for some days from its activation, then at a price (if one is published)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import ONE, ZERO, text
from engine.core.periods import Period
from engine.core.records import dataclass
from engine.language.charges.base import (
    Charge,
    Common,
    ExplainContext,
    Explained,
    FactWriter,
    FastWriter,
    LineFigures,
    Option,
    PricedLine,
    PricingInput,
    Refusal,
    Spec,
    money_value,
)


@dataclass(frozen=True, slots=True)
class TrialCharge(Charge):
    option: Option
    free_days: int
    price_after: Decimal | None

    model: ClassVar[str] = "trial"
    required: ClassVar[tuple[str, ...]] = ("option", "free_days")

    @classmethod
    def build(cls, spec: Spec, common: Common) -> TrialCharge | None:
        option = spec.option(("activation",))
        if option is None:
            return None
        params = spec.params
        return cls(**common, option=option, free_days=int(params["free_days"]), price_after=money_value(params.get("price_after")))

    @property
    def option_name(self) -> str:
        return self.option.name

    def figures(self, checked: PricingInput, period: Period) -> LineFigures | None:
        name = self.option.name
        activated = checked.activations.get(name)
        if activated is None:
            return None
        path = f"addons.{name}.activated_on"
        if activated > period.last:
            raise Refusal(
                path, f"{name} activated on {activated}, after the billed period {period.label} ({period.first} to {period.last})", "trial"
            )
        trial_last = activated + dt.timedelta(days=self.free_days - 1)
        if trial_last >= period.first:
            return ONE, ZERO, ZERO, f"{self.description}: free {activated} to {trial_last}"
        if self.price_after is None:
            raise Refusal(
                path,
                f"the {self.free_days}-day free trial of {name} ended on {trial_last}, before {period.label}; "
                "this tariff version publishes no price after the trial",
                "no-price",
            )
        return ONE, self.price_after, self.price_after, self.description

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        activated = context.checked.activations[self.option.name]
        last = activated + dt.timedelta(days=self.free_days - 1)
        period = context.period
        free = f"free trial from {activated} to {last} ({self.free_days} days)"
        if last >= period.first:
            return "free for free_days from activated_on", [f"{free}, overlapping {period.label}"], free
        return "price_after once the trial is over", [f"{free}, over before {period.label}: {text(line.unit_price or ZERO)}"], free

    def fast_code(self, writer: FastWriter) -> list[str]:
        """Most accounts have no trial and never get past the test; an activated one runs `figures`."""
        variable, trial = writer.option_variable(self.option.name), writer.bind(self.activated_line(writer))
        return [f"if {variable} is not None:", f"    lines.append({trial}({variable}, period))"]

    def activated_line(self, writer: FastWriter) -> Callable[[dt.date, Period], Any]:
        edition, name = writer.edition, self.option.name

        def line(activated: dt.date, period: Period) -> Any:
            figures = self.figures(PricingInput(edition, {}, {name: activated}, {}), period)
            if figures is None:
                raise ValueError("an activated trial always has a line")
            return writer.line(self, figures)

        return line

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.fact("free days", Decimal(self.free_days), "number", "days", "free_days")
        if self.price_after is None:
            yield out.fact("price after trial", "none published", "text", key="price_after")
        else:
            yield out.fact("price after trial", self.price_after, "money", out.per_period, "price_after")

    def words(self) -> str:
        return f"free trial of {self.option.name}"
