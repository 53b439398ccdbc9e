"""`kind: discount`: a percentage or an amount off the lines it applies to, for a time or for good."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import ZERO, text
from engine.core.records import dataclass
from engine.language.adjustments.base import (
    Adjustment,
    AdjustmentSpec,
    Common,
    FactWriter,
    Ledger,
    in_window,
    money,
    percent_of,
    percent_text,
)


def take_off(adjustment: Adjustment, ledger: Ledger, percent: Decimal | None, amount: Decimal | None, description: str = "") -> None:
    """The discount line: never more than the net amount of what it applies to, so that amount never goes below zero."""
    base = ledger.base(adjustment.scope)
    if base <= ZERO:
        return
    if percent is not None:
        off = min(ledger.money(percent_of(base, percent)), base)
        shown = percent_text(percent)
        ledger.add(
            adjustment, -off, lambda: (f"-({adjustment.scope_words} × {shown})", (f"-({text(base)} × {shown})", text(-off))), description
        )
        return
    assert amount is not None
    off = min(ledger.money(min(amount, base)), base)  # rounding up never takes more than there is
    words = (f"-min({text(amount)}, {adjustment.scope_words})", (f"-min({text(amount)}, {text(base)})", text(-off)))
    ledger.add(adjustment, -off, lambda: words, description)


def one_of(spec: AdjustmentSpec) -> tuple[Decimal | None, Decimal | None] | None:
    """(percent, amount): exactly one of them is written."""
    params = spec.params
    if ("percent" in params) == ("amount" in params):
        spec.error(
            spec.path(""),
            f"adjustments.{spec.id}: write either 'percent' or 'amount', not {'both' if 'percent' in params else 'neither'}",
            "adjustment-value",
            key=True,
        )
        return None
    percent = money(params["percent"]) if "percent" in params else None
    amount = money(params["amount"]) if "amount" in params else None
    return percent, amount


@dataclass(frozen=True, slots=True)
class DiscountAdjustment(Adjustment):
    percent: Decimal | None
    amount: Decimal | None
    first_periods: int | None  # counted from the subscription's start
    since: dt.date | None
    until: dt.date | None

    kind: ClassVar[str] = "discount"
    money_keys: ClassVar[tuple[str, ...]] = ("amount",)

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> DiscountAdjustment | None:
        value = one_of(spec)
        if value is None:
            return None
        first = spec.params.get("first_periods")
        return cls(**common, percent=value[0], amount=value[1], first_periods=first, since=spec.date("from"), until=spec.date("until"))

    def apply(self, ledger: Ledger) -> None:
        start = ledger.terms.subscription_start
        if in_window(ledger.terms, self.first_periods, start, self.since, self.until):
            take_off(self, ledger, self.percent, self.amount)

    def facts(self, out: FactWriter) -> Iterator[Any]:
        if self.percent is not None:
            yield out.main(self.percent, "number", "%", key="percent")
        else:
            yield out.main(money(self.amount), "money", out.currency, key="amount")
        yield self.scope_fact(out)
        if self.first_periods is not None:
            yield out.fact("first periods from the subscription's start", Decimal(self.first_periods), "number", key="first_periods")
        if self.since is not None:
            yield out.fact("from", self.since.isoformat(), "text", key="from")
        if self.until is not None:
            yield out.fact("until", self.until.isoformat(), "text", key="until")
