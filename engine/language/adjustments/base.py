"""What every adjustment is: one unit holding its parameters, arithmetic, explanation and review facts.

Adjustments run after the charges, in the order the tariff declares them, over the lines
priced so far (`Ledger`): a discount or a coupon takes a share off, a minimum adds a true-up,
a maximum caps, a tax adds its line, a credit pays from a prepaid balance. Each is a frozen
dataclass (a subclass of `Adjustment`) that can:
- `build` itself from the tariff file, reporting problems at file:line:col (`AdjustmentSpec`);
- `apply` itself to a `Ledger`, adding at most one line with its formula and steps;
- list its reviewable `facts` for the canonical render and the semantic diff.

Like the charge models, an adjustment depends only on the language below it; the ledger is
plain data, so the general path, the fast path and the explanation run the same arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from engine.core.exact import Number, round_to
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, Rounding, text
from engine.core.periods import Period, periods_since
from engine.core.records import dataclass
from engine.language.source import PathItem

Scope = frozenset[str] | None  # the charge ids an adjustment applies to; None: every line before it
Common = dict[str, Any]
FactKind = Literal["money", "number", "text"]


class Terms(NamedTuple):
    """The commercial terms of one usage document, checked (`engine.pricing.adjust.read_terms`)."""

    period: Period
    edition: str
    coupons: Mapping[str, dt.date]  # code → redeemed on
    tax_region: str | None
    balance: Decimal | None  # prepaid credit balance
    balance_expires: dt.date | None
    subscription_start: dt.date | None


Working = tuple[str, tuple[str, ...]]  # a formula, and its steps with the values put in


class Step(NamedTuple):
    """One line an adjustment adds: what the invoice shows, and how it was worked out.

    `why` words the arithmetic only when asked (`explain`): pricing never pays for the text.
    """

    id: str
    description: str
    amount: Decimal
    source: str
    why: Callable[[], Working]
    rounded: bool = False  # the last step rounds the one before it
    quantity: Decimal = ONE

    @property
    def formula(self) -> str:
        return self.why()[0]

    @property
    def steps(self) -> tuple[str, ...]:
        return self.why()[1]


class CreditUse(NamedTuple):
    """What a prepaid balance paid of the invoice (never part of its total)."""

    step: Step
    used: Decimal
    remaining: Decimal


class Ledger:
    """The lines of one invoice so far, and what the adjustments add to them; made per invoice."""

    def __init__(self, charges: list[tuple[str, Decimal]], terms: Terms, rounding: Rounding) -> None:
        # A charge line covers its charge id; an adjustment's line covers its scope (None: everything before it).
        self.entries: list[tuple[str | Scope, Decimal]] = list(charges)
        self.total = sum((amount for _, amount in charges), ZERO)  # of every line so far
        self.terms = terms
        self.rounding = rounding
        self.per_line = rounding.apply == "per_line"
        self.added: list[Step] = []
        self.credit: CreditUse | None = None

    def base(self, scope: Scope) -> Decimal:
        """The net amount of what `scope` covers: its charge lines and the adjustments made to them alone."""
        if scope is None:
            return self.total
        total = ZERO
        for covered, amount in self.entries:
            if (covered in scope) if isinstance(covered, str) else (covered is not None and covered <= scope):
                total += amount
        return total

    def money(self, value: Number) -> Decimal:
        """An adjustment's amount as the invoice shows it: rounded as the lines are, per line; exact for a rounded total."""
        if self.per_line or not isinstance(value, Decimal):
            return self.rounding.round(value) if isinstance(value, Decimal) else round_to(value, self.rounding.scale, self.rounding.mode)
        return value

    def add(
        self, adjustment: Adjustment, amount: Decimal, why: Callable[[], Working], description: str = "", *, rounded: bool = False
    ) -> None:
        step = Step(adjustment.id, description or adjustment.description, amount, adjustment.source, why, rounded)
        self.added.append(step)
        self.entries.append((adjustment.scope, amount))
        self.total += amount


class AdjustmentSpec(Protocol):
    """One adjustment as the compiler reads it (parameters merged with a price book's)."""

    @property
    def id(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    def path(self, key: str) -> list[PathItem]: ...
    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def date(self, key: str) -> dt.date | None: ...


class FactWriter(Protocol):
    """The canonical render's view of one adjustment (`engine.review.canonical`)."""

    @property
    def currency(self) -> str: ...
    def main(self, value: Decimal | str, kind: FactKind, unit: str = "", key: str = "") -> Any: ...
    def fact(self, name: str, value: Decimal | str, kind: FactKind, unit: str = "", key: str = "") -> Any: ...


_HUNDRED = Decimal(100)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`amount × percent / 100`, exact: a product of decimals over 100 always terminates (Inexact stays trapped)."""
    return PRICING_CONTEXT.divide(PRICING_CONTEXT.multiply(amount, percent), _HUNDRED)


def in_window(terms: Terms, first: int | None, start: dt.date | None, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether the period is one the adjustment runs in: the first N from `start`, or between two dates."""
    period = terms.period
    if first is not None:
        if start is None:
            return False
        index = periods_since(start, period)
        if not 0 <= index < first:
            return False
    if since is not None and period.first < since:
        return False
    return not (until is not None and period.first > until)


# -- the model itself ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adjustment:
    """What every adjustment has; `source` is `tariff-dir/file.yaml:line`, `scope_words` says what it applies to."""

    id: str
    description: str
    source: str
    scope: Scope
    scope_words: str

    kind: ClassVar[str] = ""  # the `kind:` a tariff file names it by
    required: ClassVar[tuple[str, ...]] = ()
    money_keys: ClassVar[tuple[str, ...]] = ()  # parameters written in the currency: a price book sets them again

    @classmethod
    def build(cls, spec: AdjustmentSpec, common: Common) -> Adjustment | None:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """How a reviewer names it: `coupon WELCOME20`, `minimum monthly_minimum`."""
        return f"{self.kind} {self.id}"

    def apply(self, ledger: Ledger) -> None:
        raise NotImplementedError

    def facts(self, out: FactWriter) -> Iterator[Any]:
        raise NotImplementedError

    def scope_fact(self, out: FactWriter) -> Any:
        return out.fact("applies to", self.scope_words, "text", key="applies_to")


def money(value: Any) -> Decimal:
    """A money parameter as read from the tariff (the schema has said it is a number)."""
    return value if type(value) is Decimal else Decimal(value)


def percent_text(value: Decimal) -> str:
    return f"{text(value)} %"
