"""`kind: minimum` and `kind: maximum`: a minimum commitment's true-up, and a cap."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import text
from engine.core.records import dataclass
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, FactWriter, Ledger, money


@dataclass(frozen=True, slots=True)
class _AmountLimit(Adjustment):
    """A bound on what the adjustment applies to; the line moves it back to `amount` when it is crossed."""

    amount: Decimal

    required: ClassVar[tuple[str, ...]] = ("amount",)
    money_keys: ClassVar[tuple[str, ...]] = ("amount",)

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> _AmountLimit:
        return cls(**common, amount=money(spec.params["amount"]))

    @property
    def label(self) -> str:
        return self.kind if self.id == self.kind else f"{self.kind} {self.id}"

    def crossed(self, base: Decimal) -> bool:
        raise NotImplementedError

    def apply(self, ledger: Ledger) -> None:
        base = ledger.base(self.scope)
        if not self.crossed(base):
            return
        change = ledger.money(self.amount - base)  # a true-up above a minimum, a cut below a cap
        ledger.add(
            self, change, lambda: (f"{text(self.amount)} - {self.scope_words}", (f"{text(self.amount)} - {text(base)}", text(change)))
        )

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main(self.amount, "money", out.currency, key="amount")
        yield self.scope_fact(out)


@dataclass(frozen=True, slots=True)
class MinimumAdjustment(_AmountLimit):
    kind: ClassVar[str] = "minimum"

    def crossed(self, base: Decimal) -> bool:
        return base < self.amount


@dataclass(frozen=True, slots=True)
class MaximumAdjustment(_AmountLimit):
    kind: ClassVar[str] = "maximum"

    def crossed(self, base: Decimal) -> bool:
        return base > self.amount
