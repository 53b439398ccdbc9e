"""`kind: credit`: the prepaid balance the usage document carries pays what the lines come to.

The balance pays after everything else; the invoice's total stays what was charged, and the
invoice shows the credit, the amount due and the balance left. The caller keeps the balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from engine.core.money import ZERO, text
from engine.core.records import dataclass
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, CreditUse, FactWriter, Ledger, Step


@dataclass(frozen=True, slots=True)
class CreditAdjustment(Adjustment):
    kind: ClassVar[str] = "credit"

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> CreditAdjustment:
        return cls(**common)

    def apply(self, ledger: Ledger) -> None:
        terms = ledger.terms
        balance = terms.balance
        if balance is None:
            return
        due = ledger.base(None)
        if not ledger.per_line:
            due = ledger.rounding.round(due)  # the total as the invoice will show it, rounded after the adjustments
        zero = ledger.money(ZERO)
        if terms.balance_expires is not None and terms.balance_expires < terms.period.first:
            words = f"{self.description}: the balance of {text(balance)} expired on {terms.balance_expires}"
            step = Step(self.id, words, zero, self.source, lambda: ("nothing: the balance has expired", ()))
            ledger.credit = CreditUse(step, zero, zero)
            return
        used = min(balance, max(due, ZERO))
        step = Step(
            self.id,
            self.description,
            -used,
            self.source,
            lambda: ("-min(balance, the lines' total)", (f"-min({text(balance)}, {text(due)})", text(-used))),
        )
        ledger.credit = CreditUse(step, used, balance - used)  # in the pricing context (`apply_adjustments`)

    def facts(self, out: FactWriter) -> Iterator[Any]:
        yield out.main("paid from the prepaid balance the usage carries", "text")
