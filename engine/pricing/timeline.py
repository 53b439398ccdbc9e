"""A subscription timeline in a usage document: read, checked, and cut into segments.

```yaml
period: 2026-12            # or 2026-Q4, 2026, or {from: 2026-03-10, to: 2026-04-09}
edition: pro               # the edition (and `addons`) in force on the period's first day
timeline:
  start: 2025-06-01        # the subscription's first day (anchors anniversary periods)
  changes:                 # in date order; each takes effect on its day
    - {on: 2026-12-21, edition: flagship}
    - {on: 2026-12-05, addons: {unlimited_avchatroom: true}}   # bought; false or null drops it
  cancelled_on: 2026-12-28 # service ends at the end of this day
```

A segment is a run of days with one edition and one set of add-ons; the days before the
start and after the cancellation belong to none. The billing period itself is checked
against the version's cycle here too (`billing_period`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from engine.core.errors import Diagnostic, UsageError
from engine.core.periods import Period, add_months
from engine.core.records import dataclass
from engine.core.values import a_kind, shown
from engine.language import model as m
from engine.language.billing import BillingCycle
from engine.pricing.usage import day_of

_TIMELINE_KEYS = ("start", "changes", "cancelled_on")
MAX_CHANGES = 100


class Change(NamedTuple):
    day: dt.date
    edition: str | None
    addons: Mapping[str, Any]
    path: str


@dataclass(frozen=True, slots=True)
class Timeline:
    start: dt.date | None
    changes: tuple[Change, ...]
    cancelled_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Segment:
    """Days `first` to `last` under one edition and one set of add-ons; `change` is the change that opened it."""

    first: dt.date
    last: dt.date
    edition: str
    addons: Mapping[str, Any]
    change: Change | None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _problem(path: str, message: str, rule: str = "timeline", hint: str | None = None) -> Diagnostic:
    return Diagnostic(message=message, rule=rule, path=path, hint=hint)


def read_timeline(raw: Any) -> Timeline:
    """The timeline of a document (`None`: no timeline, an empty one); raises `UsageError` with every problem."""
    if raw is None:
        return Timeline(None, (), None)
    if not isinstance(raw, Mapping):
        raise UsageError([_problem("timeline", f"expected a mapping of start, changes and cancelled_on, got {a_kind(raw)}")])
    problems = [
        _problem(f"timeline.{key}", f"unknown key '{key}' (allowed: {', '.join(_TIMELINE_KEYS)})")
        for key in raw
        if key not in _TIMELINE_KEYS
    ]
    start = _day(raw, "start", problems)
    cancelled = _day(raw, "cancelled_on", problems)
    changes = _changes(raw.get("changes"), problems)
    if start is not None and cancelled is not None and cancelled < start:
        problems.append(_problem("timeline.cancelled_on", f"cancelled on {cancelled}, before the subscription starts on {start}"))
    if problems:
        raise UsageError(problems)
    return Timeline(start, changes, cancelled)


def _day(raw: Mapping[str, Any], key: str, problems: list[Diagnostic]) -> dt.date | None:
    if raw.get(key) is None:
        return None
    day = day_of(raw[key])
    if day is None:
        problems.append(_problem(f"timeline.{key}", f"expected a date YYYY-MM-DD, got {shown(raw[key]) or a_kind(raw[key])}"))
    return day


def _changes(raw: Any, problems: list[Diagnostic]) -> tuple[Change, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_CHANGES:
        problems.append(
            _problem(
                "timeline.changes",
                f"expected a list of at most {MAX_CHANGES} changes, {{on: DATE, edition: NAME}} or {{on: DATE, addons: {{...}}}}",
            )
        )
        return ()
    found: list[Change] = []
    for index, item in enumerate(raw):
        path = f"timeline.changes[{index}]"
        if not isinstance(item, Mapping) or "on" not in item or not set(item) <= {"on", "edition", "addons"} or len(item) != 2:
            problems.append(_problem(path, "a change is {on: DATE, edition: NAME} or {on: DATE, addons: {NAME: VALUE}}"))
            continue
        day = day_of(item["on"])
        if day is None:
            problems.append(_problem(f"{path}.on", f"expected a date YYYY-MM-DD, got {shown(item['on']) or a_kind(item['on'])}"))
            continue
        edition, addons = item.get("edition"), item.get("addons")
        if "edition" in item and not isinstance(edition, str):
            problems.append(_problem(f"{path}.edition", f"expected an edition name, got {a_kind(edition)}"))
            continue
        if "addons" in item and not isinstance(addons, Mapping):
            problems.append(_problem(f"{path}.addons", f"expected a mapping of add-ons, got {a_kind(addons)}"))
            continue
        if found and day < found[-1].day:
            problems.append(_problem(f"{path}.on", f"{day} is before the change above it ({found[-1].day}): list changes in date order"))
            continue
        found.append(Change(day, edition, addons or {}, path))
    return tuple(found)


def billing_period(named: Period, cycle: BillingCycle, start: dt.date | None, version: m.TariffVersion) -> Period:
    """The period the document names, checked to be one billing period of `cycle`; raises `UsageError`."""
    periodic = cycle.cycle
    if periodic.alignment == "anniversary":
        if start is None:
            raise UsageError(
                [
                    _problem(
                        "timeline.start",
                        f"missing: {version.id} bills from the subscription's anniversary; give timeline.start",
                        "usage-missing",
                    )
                ]
            )
        if len(named.label) == 7:  # YYYY-MM: the period that starts in that month, on the anchor day
            months = (named.first.year - start.year) * 12 + named.first.month - start.month
            first = add_months(start, months, start.day)
            return (
                periodic.period_from(first, start, named.label) if months % periodic.months == 0 else _not_a_period(named, cycle, version)
            )
    if periodic.start_containing(named.first, start) != named.first:
        _not_a_period(named, cycle, version)
    expected = periodic.period_from(named.first, start, named.label)
    if expected.last != named.last:
        _not_a_period(named, cycle, version)
    return expected


def _not_a_period(named: Period, cycle: BillingCycle, version: m.TariffVersion) -> Period:
    how = cycle.words()
    hint = (
        "write the period as YYYY-MM"
        if cycle.written == "calendar_month"
        else "write YYYY-MM, YYYY-Qn, YYYY, or {from: DATE, to: DATE} with a period's first and last day"
    )
    message = f"{named.label} ({named.first} to {named.last}) is not a billing period of {version.id} version {version.version} ({how})"
    raise UsageError([_problem("period", message, "period", hint)])


def segments(timeline: Timeline, period: Period, edition: str, addons: Mapping[str, Any]) -> list[Segment]:
    """The active days of `period` cut at each change; raises `UsageError` for days outside the period."""
    problems: list[Diagnostic] = []
    first, last = period.first, period.last
    if timeline.start is not None and timeline.start > period.last:
        problems.append(
            _problem("timeline.start", f"the subscription starts on {timeline.start}, after {period.label} ends ({period.last})")
        )
    if timeline.cancelled_on is not None and timeline.cancelled_on < period.first:
        problems.append(
            _problem(
                "timeline.cancelled_on",
                f"the subscription was cancelled on {timeline.cancelled_on}, before {period.label} starts ({period.first})",
            )
        )
    for change in timeline.changes:
        if not period.covers(change.day):
            problems.append(_problem(f"{change.path}.on", f"{change.day} is outside {period.label} ({period.first} to {period.last})"))
    if problems:
        raise UsageError(problems)
    if timeline.start is not None and timeline.start > first:
        first = timeline.start
    if timeline.cancelled_on is not None and timeline.cancelled_on < last:
        last = timeline.cancelled_on
    found: list[Segment] = []
    current = Segment(first, last, edition, dict(addons), None)
    for change in timeline.changes:
        if change.day > last:
            break
        changed_edition = change.edition or current.edition
        changed_addons = {**current.addons, **change.addons}
        if change.day <= first:
            current = Segment(first, last, changed_edition, changed_addons, change)
            continue
        found.append(Segment(current.first, change.day - dt.timedelta(days=1), current.edition, current.addons, current.change))
        current = Segment(change.day, last, changed_edition, changed_addons, change)
    found.append(current)
    return found
