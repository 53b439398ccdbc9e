"""Billing periods: the days an invoice covers, and the calendar arithmetic that finds them.

A billing cycle is a whole number of months (a month, a quarter, a year, or N months),
aligned to the calendar (periods start on the first of a month: January, April, July and
October for quarters) or to the subscription's anniversary (periods start on the day of the
month the subscription started; an anchor on the 31st falls on the last day of shorter
months, and comes back to the 31st in the months that have one).
"""

from __future__ import annotations

import calendar
import datetime as dt

from engine.core.records import dataclass


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

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def add_months(day: dt.date, months: int, anchor: int | None = None) -> dt.date:
    """`day` moved by `months` months, on the `anchor` day of the month (default: `day`'s own).

    An anchor beyond the end of the target month falls on its last day: 31 January + 1 month
    is 28 or 29 February, and 28 February + 1 month with anchor 31 is 31 March.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(anchor or day.day, last))


@dataclass(frozen=True, slots=True)
class Cycle:
    """How periods follow each other: `months` long, `alignment` calendar or anniversary."""

    months: int
    alignment: str  # "calendar" | "anniversary"

    def start_containing(self, day: dt.date, anchor: dt.date | None) -> dt.date:
        """The first day of the period that holds `day` (anniversary periods need the anchor: the subscription's start)."""
        if self.alignment == "calendar" or anchor is None:
            month_index = day.year * 12 + day.month - 1
            start_index = month_index - month_index % self.months
            return dt.date(start_index // 12, start_index % 12 + 1, 1)
        count = ((day.year - anchor.year) * 12 + day.month - anchor.month) // self.months * self.months
        start = add_months(anchor, count, anchor.day)
        while start > day:
            count -= self.months
            start = add_months(anchor, count, anchor.day)
        while (following := add_months(anchor, count + self.months, anchor.day)) <= day:
            count += self.months
            start = following
        return start

    def period_from(self, first: dt.date, anchor: dt.date | None, label: str = "") -> Period:
        """The period starting on `first` (which the caller has checked is a period start)."""
        months_from_anchor = (first.year - anchor.year) * 12 + first.month - anchor.month if anchor and self.alignment != "calendar" else 0
        following = (
            add_months(anchor, months_from_anchor + self.months, anchor.day)
            if anchor is not None and self.alignment != "calendar"
            else add_months(first, self.months, 1)
        )
        last = following - dt.timedelta(days=1)
        return Period(label or f"{first.isoformat()}/{last.isoformat()}", first, last)

    def period_containing(self, day: dt.date, anchor: dt.date | None) -> Period:
        return self.period_from(self.start_containing(day, anchor), anchor)

    def words(self) -> str:
        """`month`, `quarter`, `year` or `2 months`."""
        return {1: "month", 3: "quarter", 12: "year"}.get(self.months, f"{self.months} months")


def periods_since(start: dt.date, period: Period) -> int:
    """Whole billing periods from the one holding `start` to `period`: 0 for that period itself.

    With calendar-month periods this counts months (a coupon redeemed on 2026-09-15 is in its
    period 0 in 2026-09, 2 in 2026-11); negative when `period` comes before `start`. "The first
    N periods from X" is `0 <= periods_since(X, period) < N`. Longer periods (quarters, years,
    anniversaries) extend this one function.
    """
    return (period.first.year - start.year) * 12 + period.first.month - start.month
