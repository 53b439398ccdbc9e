"""Raw usage events → usage records, by the aggregation each meter of the tariff declares.

An event is one reading of one meter of one account: an `id`, the `account`, the `meter`, when it
happened (`time`, a timestamp, UTC; or `day`) and a `value`. A subscription says which `edition`
(and `tariff`, and `addons`) an account is on. For a period, each subscribed account gets one usage
record: each meter of the tariff version in force, as a daily series (a meter with `series: daily`)
or one value, computed by the entry of `AGGREGATIONS` that the meter's `aggregation` names. No
pipeline code restates a rule: the tariff says max, sum or last, and the table says what that means.

Events outside the period belong to other periods and are left out. Every other event is used or
rejected, never dropped: an unknown account or meter, a value that is not a number, an id whose
copies disagree (copies that agree are one event, counted once).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.core import exact
from engine.core.errors import Diagnostic, UsageError
from engine.core.money import PRICING_CONTEXT
from engine.core.periods import Period
from engine.language import model as m
from engine.pricing.usage import MEAN_SCALE, calendar_month

Number = int | Decimal


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    account: str
    meter: str
    day: dt.date
    time: dt.datetime | None
    value: Any
    row: Mapping[str, Any]  # as read, for a reject


@dataclass(frozen=True, slots=True)
class Aggregation:
    """How one aggregation turns events into a daily series, and the series into the period's value."""

    day: Callable[[Sequence[Event]], Number]  # a day's events, in time order → the day's value (a time-weighted mean needs the times)
    gap: Callable[[Number | None, m.Meter], Number]  # a day without events, from the day before it (None: none before)
    period: Callable[[Sequence[Number]], Number]  # the days' values → the period's value (a meter without a daily series)
    gap_rule: str  # how a day without events counts, in words (docs/spark.md shows these)


def _sum(values: Sequence[Number]) -> Number:
    if all(isinstance(value, int) for value in values):
        return sum(values)
    with decimal.localcontext(PRICING_CONTEXT):  # exact, or refused (`Inexact` is trapped there)
        return sum((Decimal(value) for value in values), Decimal(0))


def _last(values: Sequence[Number]) -> Number:
    return values[-1]


def _mean(values: Sequence[Number]) -> Number:
    """Each day weighs one day: exact when the mean terminates, else MEAN_SCALE decimals (as the engine's `mean`)."""
    with decimal.localcontext(PRICING_CONTEXT):
        total = sum((Decimal(value) for value in values), Decimal(0))
    return exact.written(exact.divide(total, Decimal(len(values))), MEAN_SCALE)


def _values(rule: Callable[[Sequence[Number]], Number]) -> Callable[[Sequence[Event]], Number]:
    """A rule over the day's values, in time order, for the aggregations that need no times."""
    return lambda events: rule([event.value for event in events])


def _minimum(meter: m.Meter) -> Number:
    return int(meter.minimum) if meter.minimum == meter.minimum.to_integral_value() else meter.minimum


# Adding an aggregation is one entry here (and its name in the tariff schema's enum).
AGGREGATIONS: Mapping[str, Aggregation] = {
    "max": Aggregation(
        _values(max), lambda before, meter: _minimum(meter), max, "the meter's minimum (0 unless declared): it never raises the peak"
    ),
    "sum": Aggregation(_values(_sum), lambda before, meter: 0, _sum, "0"),
    "last": Aggregation(
        _values(_last),
        lambda before, meter: _minimum(meter) if before is None else before,
        _last,
        "the day before's value; before the first event, the meter's minimum",
    ),
    # A seat-like meter: a day counts its last reading (what was held at the day's end) and each day
    # weighs one day in the period's mean, as the engine's own `mean` of a daily series.
    "mean": Aggregation(
        _values(_last),
        lambda before, meter: _minimum(meter) if before is None else before,
        lambda values: _mean(values),
        "the day before's value (what is held goes on being held); before the first event, the meter's minimum",
    ),
}


@dataclass(frozen=True, slots=True)
class EventReject:
    row: Mapping[str, Any]
    diagnostics: tuple[Diagnostic, ...]


def period_of(label: str) -> Period:
    """A period label (`2026-11`) as days; `UsageError` when it is not one."""
    found = calendar_month(label)
    if isinstance(found, Diagnostic):
        raise UsageError([found])
    return found


def read_event(row: Mapping[str, Any]) -> Event | EventReject:
    """An event from a row (`id`, `account`, `meter`, `time` or `day`, `value`), or why it is not one."""
    problems = [f"missing: {key}" for key in ("id", "account", "meter", "value") if row.get(key) is None]
    day, time = _when(row.get("time"), row.get("day"), problems)
    value = row.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | Decimal) or not Decimal(value).is_finite()):
        problems.append(f"value {value!r} is not a number (integers and decimals only, never binary floats)")
    if problems or day is None:
        return _reject(row, "; ".join(problems), "event")
    return Event(str(row["id"]), str(row["account"]), str(row["meter"]), day, time, value, row)


def _when(time: Any, day: Any, problems: list[str]) -> tuple[dt.date | None, dt.datetime | None]:
    if isinstance(time, str):
        try:
            time = dt.datetime.fromisoformat(time)
        except ValueError:
            problems.append(f"time {time!r} is not an ISO 8601 timestamp")
            return None, None
    if isinstance(time, dt.datetime):
        time = time.astimezone(dt.UTC) if time.tzinfo else time.replace(tzinfo=dt.UTC)
        return time.date(), time
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            problems.append(f"day {day!r} is not a date (YYYY-MM-DD)")
            return None, None
    if isinstance(day, dt.date):
        return day, None
    problems.append("missing: time or day")
    return None, None


def _reject(row: Mapping[str, Any], message: str, rule: str) -> EventReject:
    return EventReject(row, (Diagnostic(message=message, rule=rule),))


@dataclass(frozen=True, slots=True)
class Subscription:
    account: str
    edition: str
    tariff: str | None = None
    addons: Mapping[str, Any] | None = None


def account_usage(
    target: m.Tariff | m.Catalog, period: Period, subscriptions: Sequence[Subscription], events: Iterable[Event]
) -> tuple[dict[str, Any] | None, list[EventReject]]:
    """One account's usage record for `period` (None when there is none to make) and its rejected events."""
    inside = [event for event in events if period.first <= event.day <= period.last]
    kept, rejects = _once(inside)
    if len(subscriptions) != 1:
        why = "no subscription for this account" if not subscriptions else f"{len(subscriptions)} subscriptions for this account"
        return None, rejects + [_reject(event.row, why, "event-account") for event in kept]
    subscription = subscriptions[0]
    version, problem = _version(target, subscription, period)
    if version is None:
        return None, rejects + [_reject(event.row, problem, "event-account") for event in kept]
    by_meter: dict[str, list[Event]] = {}
    for event in kept:
        if event.meter in version.meters:
            by_meter.setdefault(event.meter, []).append(event)
        else:
            known = ", ".join(version.meters)
            rejects.append(_reject(event.row, f"unknown meter {event.meter!r} (meters of {version.id}: {known})", "event-meter"))
    usage: dict[str, Any] = {}
    for name, meter in version.meters.items():
        try:
            usage[name] = meter_usage(meter, by_meter.get(name, []), period)
        except decimal.DecimalException:
            message = f"the values of {name} add up to more than {PRICING_CONTEXT.prec} significant digits"
            rejects += [_reject(event.row, message, "event-value") for event in by_meter.get(name, [])]
    document: dict[str, Any] = {"tariff": version.id, "account": subscription.account, "period": period.label}
    document.update(edition=subscription.edition, usage=usage)
    if subscription.addons:
        document["addons"] = dict(subscription.addons)
    return document, rejects


def _once(events: list[Event]) -> tuple[list[Event], list[EventReject]]:
    """Each id once: copies that agree are one event; an id whose copies disagree is rejected, every copy."""
    by_id: dict[str, list[Event]] = {}
    for event in events:
        by_id.setdefault(event.id, []).append(event)
    kept: list[Event] = []
    rejects: list[EventReject] = []
    for event_id, copies in by_id.items():
        if len({(e.account, e.meter, e.day, e.time, Decimal(e.value)) for e in copies}) == 1:
            kept.append(copies[0])
        else:
            rejects += [_reject(e.row, f"event {event_id!r} comes {len(copies)} times with different contents", "event-id") for e in copies]
    return kept, rejects


def _version(target: m.Tariff | m.Catalog, subscription: Subscription, period: Period) -> tuple[m.TariffVersion | None, str]:
    if isinstance(target, m.Tariff):
        tariff: m.Tariff | None = target if subscription.tariff in (None, target.id) else None
    elif subscription.tariff is None and len(target.tariffs) == 1:
        tariff = next(iter(target.tariffs.values()))  # the only tariff there is
    else:
        tariff = target.tariffs.get(subscription.tariff or "")
    if tariff is None:
        named = "names no tariff" if subscription.tariff is None else f"names tariff {subscription.tariff!r}"
        return None, f"the account's subscription {named}; tariffs given: {', '.join(_ids(target))}"
    version = tariff.in_force(period.first)
    if version is None:
        return None, f"no version of {tariff.id} is in force on {period.first}"
    return version, ""


def _ids(target: m.Tariff | m.Catalog) -> list[str]:
    return [target.id] if isinstance(target, m.Tariff) else list(target.tariffs)


def meter_usage(meter: m.Meter, events: list[Event], period: Period) -> Any:
    """The meter's daily series over the whole period (or its one value), by its declared aggregation."""
    rule = AGGREGATIONS[meter.aggregation]
    by_day: dict[dt.date, list[Event]] = {}
    for event in sorted(events, key=lambda e: (e.day, e.time or dt.datetime.min.replace(tzinfo=dt.UTC), e.id)):
        by_day.setdefault(event.day, []).append(event)
    series: list[Number] = []
    before: Number | None = None
    for offset in range(period.days):
        day = period.first + dt.timedelta(days=offset)
        found = by_day.get(day)
        before = rule.day(found) if found else rule.gap(before, meter)
        series.append(before)
    return series if meter.daily else rule.period(series)


def aggregate(
    target: m.Tariff | m.Catalog, period: Period, subscriptions: Iterable[Mapping[str, Any]], rows: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[EventReject]]:
    """Usage records (by account) and rejected events, for tables that fit in memory (`tariff aggregate`)."""
    by_account: dict[str, list[Subscription]] = {}
    for row in subscriptions:
        found = subscription_of(row)
        by_account.setdefault(found.account, []).append(found)
    events: dict[str, list[Event]] = {}
    rejects: list[EventReject] = []
    for row in rows:
        event = read_event(row)
        if isinstance(event, EventReject):
            rejects.append(event)
        else:
            events.setdefault(event.account, []).append(event)
    records = []
    for account in sorted(by_account.keys() | events.keys()):
        document, rejected = account_usage(target, period, by_account.get(account, []), events.get(account, []))
        rejects += rejected
        if document is not None:
            records.append(document)
    return records, rejects


def subscription_of(row: Mapping[str, Any]) -> Subscription:
    """A subscription from a row: `account`, `edition`, and optionally `tariff` and `addons` (a mapping or its JSON)."""
    import json

    addons = row.get("addons")
    if isinstance(addons, str | bytes):
        from engine.pricing.documents import parse_json

        addons = parse_json(addons.decode() if isinstance(addons, bytes) else addons, "addons")
    if row.get("account") is None or row.get("edition") is None:
        raise UsageError(
            [Diagnostic(message=f"a subscription needs an account and an edition: {json.dumps(row, default=str)}", rule="subscription")]
        )
    return Subscription(str(row["account"]), str(row["edition"]), None if row.get("tariff") is None else str(row["tariff"]), addons)
