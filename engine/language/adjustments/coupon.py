"""`kind: coupon`: a discount the usage document redeems by code, counted from its redemption."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from engine.core.money import text
from engine.core.periods import periods_since
from engine.core.records import dataclass, field
from engine.language.adjustments.base import Adjustment, AdjustmentSpec, Common, FactWriter, Ledger, money, percent_text
from engine.language.adjustments.discount import one_of, take_off


@dataclass(frozen=True, slots=True)
class CouponAdjustment(Adjustment):
    code: str
    percent: Decimal | None
    amount: Decimal | None
    periods: int | None  # how many periods from the redemption's; None: as long as it is redeemed
    stacks: bool  # whether it may be redeemed together with other coupons
    editions: tuple[str, ...] | None  # the editions it may be redeemed on; None: all
    redeemable_until: dt.date | None
    worded: dict[int, str] = field(default_factory=dict, compare=False, repr=False)  # line texts by period, once each

    kind: ClassVar[str] = "coupon"
    required: ClassVar[tuple[str, ...]] = ("code",)
    money_keys: ClassVar[tuple[str, ...]] = ("amount",)

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> CouponAdjustment | None:
        value = one_of(spec)
        if value is None:
            return None
        params = spec.params
        editions = tuple(params["editions"]) if "editions" in params else None
        return cls(
            **common,
            code=str(params["code"]),
            percent=value[0],
            amount=value[1],
            periods=params.get("periods"),
            stacks=bool(params.get("stacks", False)),
            editions=editions,
            redeemable_until=spec.date("redeemable_until"),
        )

    @property
    def label(self) -> str:
        return f"coupon {self.code}"

    def refuses(self, edition: str, redeemed_on: dt.date) -> str | None:
        """Why this coupon cannot be redeemed so, or None."""
        if self.redeemable_until is not None and redeemed_on > self.redeemable_until:
            return f"coupon {self.code} expired: it could be redeemed until {self.redeemable_until}, not on {redeemed_on}"
        if self.editions is not None and edition not in self.editions:
            return f"coupon {self.code} does not apply to the {edition} edition (editions: {', '.join(self.editions)})"
        return None

    def apply(self, ledger: Ledger) -> None:
        redeemed = ledger.terms.coupons.get(self.code)
        if redeemed is None:
            return
        index = periods_since(redeemed, ledger.terms.period)
        if index < 0 or (self.periods is not None and index >= self.periods):
            return  # not yet redeemed in this period, or its periods have run out
        take_off(self, ledger, self.percent, self.amount, self.wording(index, redeemed))

    def wording(self, index: int, redeemed: dt.date) -> str:
        """The line's text: which of its periods this is (worded once per period)."""
        found = self.worded.get(index) if self.periods is not None else None
        if found is None:
            which = f"period {index + 1} of {self.periods}" if self.periods is not None else f"redeemed {redeemed}"
            off = percent_text(self.percent) if self.percent is not None else f"{text(money(self.amount))}"
            found = f"{self.description} ({off} off, {which})"
            if self.periods is not None:
                self.worded[index] = found
        return found

    def facts(self, out: FactWriter) -> Iterator[Any]:
        if self.percent is not None:
            yield out.main(self.percent, "number", "%", key="percent")
        else:
            yield out.main(money(self.amount), "money", out.currency, key="amount")
        yield self.scope_fact(out)
        periods = "while redeemed" if self.periods is None else f"{self.periods} from its redemption"
        yield out.fact("periods", periods, "text", key="periods")
        yield out.fact("stacks with other coupons", "yes" if self.stacks else "no", "text", key="stacks")
        if self.editions is not None:
            yield out.fact("editions", ", ".join(self.editions), "text", key="editions")
        if self.redeemable_until is not None:
            yield out.fact("redeemable until", self.redeemable_until.isoformat(), "text", key="redeemable_until")
