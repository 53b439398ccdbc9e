"""Usage documents: the envelope, then the values checked against one tariff version.

Usage comes from other services and is untrusted. Every problem is reported with the
JSON path of the value (`addons.message_retention_days`), what is wrong and what is
allowed; all problems of a document are reported together. Nothing missing is ever
taken as zero.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from engine.core import exact
from engine.core.errors import Diagnostic, UsageError, did_you_mean
from engine.core.money import PRICING_CONTEXT
from engine.core.periods import Period
from engine.core.values import a_kind as _kind
from engine.core.values import shown as _show
from engine.language import model as m
from engine.language.charges import OptionCharge, PricingInput

COMMERCIAL_KEYS = ("currency", "coupons", "tax_region", "credits")  # checked by `engine.pricing.adjust`
ENVELOPE_KEYS = ("tariff", "account", "period", "edition", "usage", "addons", "timeline", *COMMERCIAL_KEYS)
_ENVELOPE_KEY_SET = frozenset(ENVELOPE_KEYS)
MAX_ACCOUNT_LENGTH = 128
MAX_NAME_LENGTH = 100  # a tariff id or an edition name
MAX_REPORTED_KEYS = 20  # unknown keys reported one by one; the rest are counted
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")  # fullmatch: no trailing newline, ASCII digits only
LAST_YEAR = 9000  # later dates would overflow Python's dates when a trial or settlement runs on


# An envelope is made for every invoice: a named tuple costs a third of a frozen dataclass
# to build, and is just as immutable.
class Envelope(NamedTuple):
    tariff: str | None
    account: str
    period: Period
    document: Mapping[str, Any]


def needs_timeline(version: m.TariffVersion, envelope: Envelope) -> bool:
    """Whether a document is priced over a timeline (`engine.pricing.proration`) rather than by the whole-month path."""
    document = envelope.document
    if version.billing.declared and not version.billing.monthly_whole_periods:
        return True
    label = envelope.period.label
    return document.get("timeline") is not None or len(label) != 7 or label[5] == "Q"  # not YYYY-MM


def _problem(path: str, message: str, rule: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(message=message, rule=rule, path=path or "(document)", hint=hint)


def _got(value: Any) -> str:
    """'text 'x'', 'a number 12', 'null': the kind of a value and the value, once."""
    return _kind(value) if value is None else f"{_kind(value)} {_show(value)}".rstrip()


def calendar_month(label: Any, path: str = "period") -> Period | Diagnostic:
    text = label.isoformat()[:7] if isinstance(label, dt.date) else label
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1 <= int(match.group(1)) <= LAST_YEAR:
        shown = _show(label) or _kind(label)
        hint = f"write the month as YYYY-MM, e.g. 2026-11, from 0001-01 to {LAST_YEAR}-12"
        return _problem(path, f"{shown} is not a calendar month", "period", hint)
    year, month = int(match.group(1)), int(match.group(2))
    last = calendar.monthrange(year, month)[1]
    return Period(text, dt.date(year, month, 1), dt.date(year, month, last))


_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_YEAR = re.compile(r"[0-9]{4}")
MEAN_SCALE = 20  # decimals of a time-weighted mean that does not terminate (expressions compute with decimals)


def period_of(label: Any, path: str = "period") -> Period | Diagnostic:
    """The period a usage document names: `YYYY-MM`, `YYYY-Qn`, `YYYY`, or `{from: DATE, to: DATE}`.

    Whether it is a billing period of the tariff is for the version to say (`engine.pricing.timeline`).
    """
    if isinstance(label, str) and (match := _QUARTER.fullmatch(label)) and 1 <= int(match.group(1)) <= LAST_YEAR:
        year, quarter = int(match.group(1)), int(match.group(2))
        last = dt.date(year, quarter * 3, calendar.monthrange(year, quarter * 3)[1])
        return Period(label, dt.date(year, quarter * 3 - 2, 1), last)
    if isinstance(label, str) and _YEAR.fullmatch(label) and 1 <= int(label) <= LAST_YEAR:
        return Period(label, dt.date(int(label), 1, 1), dt.date(int(label), 12, 31))
    if isinstance(label, Mapping):
        return _explicit_period(label, path)
    return calendar_month(label, path)


def _explicit_period(label: Mapping[str, Any], path: str) -> Period | Diagnostic:
    if set(label) != {"from", "to"}:
        return _problem(path, "an explicit period is {from: DATE, to: DATE}, its first and last day", "period")
    days = [day_of(label[key]) for key in ("from", "to")]
    first, last = days
    if first is None or last is None:
        key = "from" if first is None else "to"
        return _problem(f"{path}.{key}", f"expected a date YYYY-MM-DD, got {_show(label[key]) or _kind(label[key])}", "period")
    if last < first or first.year > LAST_YEAR:
        return _problem(path, f"the period ends on {last}, before it starts on {first}", "period")
    return Period(f"{first.isoformat()}/{last.isoformat()}", first, last)


def day_of(raw: Any) -> dt.date | None:
    """A date as a usage document writes it (YAML date or YYYY-MM-DD text), or None."""
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return None
    return None


def read_envelope(document: Any) -> Envelope:
    """The parts needed to pick a tariff and a version; raises `UsageError`."""
    if not isinstance(document, Mapping):
        raise UsageError([_problem("", f"a usage document must be a mapping, got {_kind(document)}", "usage-type")])
    problems: list[Diagnostic] = []
    if not document.keys() <= _ENVELOPE_KEY_SET:
        problems += _unknown_keys(document, ENVELOPE_KEYS, "", "key", "usage-key", "allowed")
    tariff = document.get("tariff")
    if "tariff" in document and not (isinstance(tariff, str) and len(tariff) <= MAX_NAME_LENGTH):
        problems.append(_problem("tariff", f"expected a tariff id as text, got {_got(tariff)}", "usage-type"))
    account = _account(document, problems)
    period: Period | None = None
    if "period" not in document:
        problems.append(_problem("period", "missing: the calendar month billed (YYYY-MM)", "usage-missing"))
    else:
        found = period_of(document["period"])
        if isinstance(found, Diagnostic):
            problems.append(found)
        else:
            period = found
    for key in ("usage", "addons"):
        if key in document and document[key] is not None and not isinstance(document[key], Mapping):  # null: none (the schema's)
            problems.append(_problem(key, f"expected a mapping, got {_kind(document[key])}", "usage-type"))
    if "edition" not in document:
        problems.append(_problem("edition", "missing: the edition (plan) of the account", "usage-missing"))
    elif not isinstance(document["edition"], str) or len(document["edition"]) > MAX_NAME_LENGTH:
        edition = document["edition"]
        problems.append(_problem("edition", f"expected an edition name, got {_kind(edition)} {_show(edition)}".rstrip(), "usage-type"))
    if problems or period is None or account is None:
        raise UsageError(problems)
    return Envelope(tariff=tariff, account=account, period=period, document=document)


def account_text_ok(account: str) -> bool:
    """An account as text: one line, no control characters (it ends up in files and logs), no padding."""
    printable = account.isprintable() or not _CONTROL.search(account)  # printable text has no control characters
    return 0 < len(account) <= MAX_ACCOUNT_LENGTH and account.strip() == account and printable


def _account(document: Mapping[str, Any], problems: list[Diagnostic]) -> str | None:
    if "account" not in document:
        problems.append(_problem("account", "missing: the account billed (text or a whole number)", "usage-missing"))
        return None
    account = document["account"]
    if isinstance(account, int) and not isinstance(account, bool) and account >= 0:
        if account.bit_length() > 200:
            problems.append(_problem("account", "account number is too long", "usage-value"))
            return None
        return str(account)
    if isinstance(account, str) and account_text_ok(account):
        return account
    problems.append(
        _problem(
            "account",
            f"expected one line of text of 1 to {MAX_ACCOUNT_LENGTH} characters without surrounding spaces or control characters, "
            f"or a whole number ≥ 0, got {_kind(account)}",
            "usage-type",
        )
    )
    return None


def check_usage(envelope: Envelope, version: m.TariffVersion, required: frozenset[str] | None = None) -> PricingInput:
    """Check edition, meters and add-ons against `version`; raises `UsageError` with every problem.

    `required`: the meters that must be given (default: every meter the edition prices).
    """
    document = envelope.document
    problems: list[Diagnostic] = []
    edition_name = document["edition"]
    plan = version.plans.get(edition_name)
    if plan is None:
        raise UsageError(
            [
                _problem(
                    "edition",
                    f"{edition_name!r} is not an edition of {version.id} (editions: {', '.join(version.plans)})",
                    "edition",
                    did_you_mean(edition_name, version.plans),
                )
            ]
        )
    values: dict[str, Any] = dict(plan.edition.attributes)
    values["period_days"] = values["active_days"] = Decimal(envelope.period.days)  # a whole period (engine.pricing.proration: a part)
    details: dict[str, tuple[str, int]] = {}
    usage = document.get("usage") or {}
    if not usage.keys() <= version.meters.keys():
        problems += _unknown_keys(usage, version.meters, "usage.", "meter", "meter", "meters")
    for name, meter in version.meters.items():
        path = f"usage.{name}"
        if name not in usage:
            if name in (plan.required_meters if required is None else required):
                problems.append(
                    _problem(
                        path, f"missing: the {edition_name} edition prices {name}", "meter", "give the period's value or a daily series"
                    )
                )
            continue
        aggregated = _meter_value(meter, usage[name], path, envelope.period, problems)
        if aggregated is not None:
            values[name] = aggregated
            raw = usage[name]
            details[name] = (meter.aggregation, len(raw) if isinstance(raw, list) else 1)
    activations = _addons(version, plan, document.get("addons") or {}, envelope.period, values, problems)
    if problems:
        raise UsageError(problems)
    return PricingInput(edition=edition_name, values=values, activations=activations, meter_details=details)


def _meter_value(meter: m.Meter, raw: Any, path: str, period: Period, problems: list[Diagnostic]) -> Decimal | None:
    if isinstance(raw, list):
        if not meter.daily:
            problems.append(_problem(path, f"{meter.name} takes one value for the period, not a list", "meter"))
            return None
        if not 1 <= len(raw) <= period.days:
            problems.append(
                _problem(
                    path, f"a daily series of {len(raw)} values; {period.label} has {period.days} days (give 1 to {period.days})", "meter"
                )
            )
            return None
        if not meter.partial_series and len(raw) != period.days:
            problems.append(_partial_series(meter, len(raw), path, period))
            return None
        numbers = [_number(meter, item, f"{path}[{index}]", problems) for index, item in enumerate(raw)]
        if any(n is None for n in numbers):
            return None
        checked = [n for n in numbers if n is not None]
        if meter.aggregation == "max":
            return max(checked)
        if meter.aggregation == "sum":
            return _exact_sum(checked, path, problems)
        if meter.aggregation == "mean":
            return _mean(checked, path, problems)
        return checked[-1]
    return _number(meter, raw, path, problems)


def _partial_series(meter: m.Meter, given: int, path: str, period: Period) -> Diagnostic:
    message = (
        f"a daily series of {given} value{'s' if given != 1 else ''}; {period.label} has {period.days} days, "
        f"and {meter.name} adds up its days: a missing day would be billed as nothing"
    )
    hint = f"give all {period.days} daily values, or the period's total as one value"
    return _problem(path, message, "meter-series", hint)


def _exact_sum(numbers: list[Decimal], path: str, problems: list[Diagnostic]) -> Decimal | None:
    """The sum in the pricing context (never the caller's): exact, or refused."""
    try:
        with decimal.localcontext(PRICING_CONTEXT):
            return sum(numbers, Decimal(0))
    except decimal.DecimalException:
        problems.append(_problem(path, f"the daily values add up to more than {PRICING_CONTEXT.prec} significant digits", "meter-range"))
        return None


def _mean(numbers: list[Decimal], path: str, problems: list[Diagnostic]) -> Decimal | None:
    """The time-weighted mean of a daily series: each value weighs one day. Exact when it terminates, else MEAN_SCALE decimals."""
    total = _exact_sum(numbers, path, problems)
    return None if total is None else exact.written(exact.divide(total, Decimal(len(numbers))), MEAN_SCALE)


def _number(meter: m.Meter, raw: Any, path: str, problems: list[Diagnostic]) -> Decimal | None:
    whole = meter.type == "integer"
    kind = "a whole number" if whole else "a number"
    bounds = f"from {meter.minimum} to {meter.maximum}"
    if isinstance(raw, float):  # float-ok: refused, never used
        hint = "binary floats are inexact; pass decimal.Decimal (or a JSON/YAML number, which the engine reads exactly)"
        if whole:
            hint = f"{meter.name} counts whole {meter.unit or 'units'}: pass a whole number (an int)"
        problems.append(_problem(path, f"expected {kind} {bounds}, got the binary float {raw!r}", "meter-type", hint))  # float-ok
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        shown = "" if raw is None else _show(raw)
        problems.append(_problem(path, f"expected {kind} {bounds}, got {_kind(raw)} {shown}".rstrip(), "meter-type"))
        return None
    if isinstance(raw, Decimal) and not raw.is_finite():
        problems.append(_problem(path, f"expected {kind} {bounds}, got {raw}", "meter-type"))
        return None
    if whole and isinstance(raw, Decimal):
        problems.append(
            _problem(
                path, f"expected {kind} {bounds}, got {_show(raw)}", "meter-type", f"{meter.name} counts whole {meter.unit or 'units'}"
            )
        )
        return None
    if isinstance(raw, Decimal) and (imprecise := _precision_problem(meter, raw)) is not None:
        problems.append(_problem(path, imprecise, "meter-precision"))
        return None
    value = Decimal(raw)
    if not meter.minimum <= value <= meter.maximum:
        problems.append(_problem(path, f"{_show(raw)} is out of range: {meter.name} takes {kind} {bounds}", "meter-range"))
        return None
    return value


def _precision_problem(meter: m.Meter, value: Decimal) -> str | None:
    """Why a decimal usage number is too precise to price, or None.

    Bounded before any arithmetic: `1E-999999` is 9 characters but a million decimals.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked before
    if len(digits) > m.MAX_USAGE_DIGITS:
        return f"{_show(value)} has {len(digits)} significant digits; a usage number has at most {m.MAX_USAGE_DIGITS}"
    decimals = max(0, -exponent)  # as written: the invoice writes the quantity with as many
    if decimals > meter.decimals:
        return f"{_show(value)} has {decimals} decimals; {meter.name} takes at most {meter.decimals} decimals"
    return None


def _addons(
    version: m.TariffVersion,
    plan: m.EditionPlan,
    addons: Mapping[str, Any],
    period: Period,
    values: dict[str, Any],
    problems: list[Diagnostic],
) -> dict[str, dt.date]:
    activations: dict[str, dt.date] = {}
    if not addons.keys() <= version.options.keys():
        problems += _unknown_keys(addons, version.options, "addons.", "add-on", "option", "add-ons")
    for name, option in version.options.items():
        values[name] = False if option.type == "switch" else None
        if name not in addons or addons[name] is False:
            continue
        raw = addons[name]
        path = f"addons.{name}"
        chosen = _chosen(option, raw, path, problems)
        if chosen is None:
            continue
        offer = plan.offers.get(name)
        if offer is None:
            where = [e for e, p in version.plans.items() if name in p.offers]
            problems.append(
                _problem(
                    path,
                    f"{name} is not available on {plan.edition.name} (available on: {', '.join(where) or 'no edition'})",
                    "option",
                )
            )
            continue
        if isinstance(chosen, dt.date):
            activations[name] = chosen
            values[name] = True
            continue
        if isinstance(offer, OptionCharge) and chosen not in offer.prices:
            offered = ", ".join(_show(v) for v in offer.prices)
            problems.append(_problem(path, f"{_show(chosen)} is not offered on {plan.edition.name} (offered: {offered})", "option"))
            continue
        values[name] = Decimal(chosen) if isinstance(chosen, int) and not isinstance(chosen, bool) else chosen
    return activations


def _chosen(option: m.Option, raw: Any, path: str, problems: list[Diagnostic]) -> Any:
    if option.type == "switch":
        if raw is True:
            return True
        problems.append(_problem(path, f"{option.name} is a switch: true buys it, false or absence does not; got {_show(raw)}", "option"))
        return None
    if option.type == "choice":
        if raw is True:
            problems.append(_problem(path, f"true is not a value of {option.name}: choose one of the offered values", "option"))
            return None
        if isinstance(raw, int | str) and not isinstance(raw, bool) and len(str(raw)) <= 100:
            return raw
        if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value() and raw.adjusted() < 30:
            return int(raw)
        problems.append(_problem(path, f"expected one offered value of {option.name}, got {_got(raw)}", "option"))
        return None
    if isinstance(raw, Mapping) and set(raw) == {"activated_on"}:
        day = raw["activated_on"]
        if isinstance(day, dt.date) and not isinstance(day, dt.datetime):  # a datetime would not compare with dates
            return day
        if isinstance(day, str):
            try:
                return dt.date.fromisoformat(day)
            except ValueError:
                pass
        problems.append(_problem(f"{path}.activated_on", f"expected a date YYYY-MM-DD, got {_show(day)}", "option"))
        return None
    problems.append(_problem(path, f"{option.name} takes {{activated_on: DATE}} (or false when not bought), got {_kind(raw)}", "option"))
    return None


def _unknown_keys(mapping: Mapping[Any, Any], known: Any, prefix: str, what: str, rule: str, listing: str) -> list[Diagnostic]:
    """One diagnostic per unknown key, the first MAX_REPORTED_KEYS of them, then a count of the rest."""
    unknown = [key for key in mapping if key not in known]
    found = [
        _problem(
            prefix + _name(key),
            f"unknown {what} '{_name(key)}' ({listing}: {', '.join(known) or 'none'})",
            rule,
            did_you_mean(_name(key), known),
        )
        for key in unknown[:MAX_REPORTED_KEYS]
    ]
    if len(unknown) > MAX_REPORTED_KEYS:
        more = len(unknown) - MAX_REPORTED_KEYS
        found.append(_problem(prefix.rstrip(".") or "(document)", f"and {more} more unknown {what}s, not listed", rule))
    return found


def _name(key: Any) -> str:
    """A key as it may be echoed in a message: text, and never a megabyte of it."""
    text = key if isinstance(key, str) else repr(key)[:200]
    return text if len(text) <= 40 else text[:37] + "..."
