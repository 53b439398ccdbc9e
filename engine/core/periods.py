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
