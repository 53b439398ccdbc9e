"""A billing period: the days an invoice covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    """A billing period: its label and first and last day."""

    label: str
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def next_first(self) -> dt.date:
        return self.last + dt.timedelta(days=1)


def periods_since(start: dt.date, period: Period) -> int:
    """Whole billing periods from the one holding `start` to `period`: 0 for that period itself.

    With calendar-month periods this counts months (a coupon redeemed on 2026-09-15 is in its
    period 0 in 2026-09, 2 in 2026-11); negative when `period` comes before `start`. "The first
    N periods from X" is `0 <= periods_since(X, period) < N`. Longer periods (quarters, years,
    anniversaries) extend this one function.
    """
    return (period.first.year - start.year) * 12 + period.first.month - start.month
