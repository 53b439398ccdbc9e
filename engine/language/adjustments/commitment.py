"""`kind: minimum` and `kind: maximum`: a minimum commitment's true-up, and a cap."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import text
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, FactWriter, Ledger, money


@dataclass(frozen=True, slots=True)
class MinimumAdjustment(Adjustment):
    amount: Decimal

    kind: ClassVar[str] = "minimum"
    required: ClassVar[tuple[str, ...]] = ("amount",)
    money_keys: ClassVar[tuple[str, ...]] = ("amount",)

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> MinimumAdjustment:
        return cls(**common, amount=money(spec.params["amount"]))

    @property
    def label(self) -> str:
        return self.kind if self.id == self.kind else f"{self.kind} {self.id}"

    def apply(self, ledger: Ledger) -> None:
        base = ledger.base(self.scope)
        if base >= self.amount:
            return
        true_up = ledger.money(self.amount - base)
        ledger.add(
            self, true_up, lambda: (f"{text(self.amount)} - {self.scope_words}", (f"{text(self.amount)} - {text(base)}", text(true_up)))
        )

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main(self.amount, "money", out.currency, key="amount")
        yield self.scope_fact(out)


@dataclass(frozen=True, slots=True)
class MaximumAdjustment(Adjustment):
    amount: Decimal

    kind: ClassVar[str] = "maximum"
    required: ClassVar[tuple[str, ...]] = ("amount",)
    money_keys: ClassVar[tuple[str, ...]] = ("amount",)

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> MaximumAdjustment:
        return cls(**common, amount=money(spec.params["amount"]))

    @property
    def label(self) -> str:
        return self.kind if self.id == self.kind else f"{self.kind} {self.id}"

    def apply(self, ledger: Ledger) -> None:
        base = ledger.base(self.scope)
        if base <= self.amount:
            return
        cut = ledger.money(self.amount - base)
        ledger.add(self, cut, lambda: (f"{text(self.amount)} - {self.scope_words}", (f"{text(self.amount)} - {text(base)}", text(cut))))

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main(self.amount, "money", out.currency, key="amount")
        yield self.scope_fact(out)
