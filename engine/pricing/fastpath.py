"""The fast path: what `quote` runs for the common, valid document.

On first use, `fast_plan` writes each edition of a version as one plain Python function
(`codegen`: the rater a developer would write by hand for that price list). Per document,
`quick_envelope` checks the envelope without building a message, and `FastPlan.invoice`
runs the edition's function and puts the invoice together. Both take the plainest valid
documents: a dict; whole numbers and lists of them (decimals too, for decimal meters);
add-on values written as the tariff offers them.

The fast path refuses nothing and words nothing. For a document it does not take, or any
charge that fails, it returns None and the caller takes the general path, which makes the
diagnostics. When it returns an invoice, that is the invoice the general path gives
(tests/test_fastpath.py compares the two on generated documents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic
from engine.core.money import PRICING_CONTEXT, ROUNDING_CONTEXT, ROUNDING_MODES, ZERO, Rounding
from engine.core.periods import Period
from engine.core.records import dataclass, field
from engine.language import model as m
from engine.pricing import adjust, codegen
from engine.pricing.evaluate import payment, rounding_line, settlement_window
from engine.pricing.invoice import Invoice, Settlement, TariffRef
from engine.pricing.usage import ENVELOPE_KEYS, MAX_NAME_LENGTH, Envelope, account_text_ok, calendar_month, needs_timeline

_ENVELOPE_KEYS = frozenset(ENVELOPE_KEYS)
_NOTHING: Mapping[str, Any] = {}
_MONTHS: dict[str, Period] = {}  # calendar months seen, by label
_KEPT = 4096  # entries a per-period cache keeps before starting over
_KEY = "fast path"  # of the rater in `EditionPlan.derived`
_TERMS = frozenset(key for key in adjust.COMMERCIAL_KEYS if key != "currency")  # the currency is picked before the rater
_add = PRICING_CONTEXT.add
_new_envelope = tuple.__new__  # an `Envelope` without the Python call of its `__new__`: one is made per document
_ROUTED = frozenset(("currency", "timeline"))  # keys of a document `quote` routes before any rater


def fast_plan(version: m.TariffVersion, plan: m.EditionPlan) -> FastPlan | None:
    """The edition's rater, written the first time the edition is priced and kept with its plan.

    Written on first use, not at load: a command pricing one edition writes one function. Two
    threads meeting here at once both write the same function; either one is kept.
    """
    if version.allowances:
        return None  # the pools change the meter values before the charges: the general path prices them
    found: FastPlan | None = plan.derived.get(_KEY)
    if found is None:
        found = plan.derived[_KEY] = _fast_plan(version, plan)
    return found


def quick_quote(tariff: m.Tariff, envelope: Envelope) -> Invoice | None:
    """`quote` of a plain envelope (`quick_envelope`) under one tariff, in one step: the version in force
    and the edition's rater, both kept by month. None for anything else: the caller takes the full way
    (a timeline, a currency, another tariff, a version that bills other periods)."""
    document = envelope.document
    if (envelope.tariff is not None and envelope.tariff != tariff.id) or not _ROUTED.isdisjoint(document):
        return None
    route: _Route | None = tariff.derived.get(envelope.period.label)
    if route is None:
        route = _route(tariff, envelope)
    rater = route.raters.get(document["edition"]) or route.rater(document["edition"])
    return None if rater is None else rater.invoice(envelope)


class _Route:
    """The version in force in one month, and its editions' raters as they are asked for."""

    __slots__ = ("raters", "version")

    def __init__(self, version: m.TariffVersion | None) -> None:
        self.version = version
        self.raters: dict[str, FastPlan] = {}

    def rater(self, edition: str) -> FastPlan | None:
        version = self.version
        plan = None if version is None else version.plans.get(edition)
        if version is None or plan is None:
            return None
        found = fast_plan(version, plan)
        if found is not None:
            self.raters[edition] = found
        return found


def _route(tariff: m.Tariff, envelope: Envelope) -> _Route:
    version = tariff.in_force(envelope.period.first)
    if version is not None and needs_timeline(version, envelope):  # a version billing other periods than months
        version = None
    if len(tariff.derived) >= _KEPT:
        tariff.derived.clear()
    found = tariff.derived[envelope.period.label] = _Route(version)
    return found


# -- the envelope --------------------------------------------------------------------------


def quick_envelope(document: Any) -> Envelope | None:
    """`usage.read_envelope` for the plainest valid documents; None for anything else."""
    if type(document) is not dict or not document.keys() <= _ENVELOPE_KEYS or None in document.values():
        return None  # null is refused wherever it sits: the general path says where
    get = document.get
    tariff, account, label, usage, addons = get("tariff"), get("account"), get("period"), get("usage"), get("addons")
    edition = get("edition")
    if type(label) is not str or type(edition) is not str or len(edition) > MAX_NAME_LENGTH:
        return None
    if not (tariff is None or (type(tariff) is str and len(tariff) <= MAX_NAME_LENGTH)):
        return None
    if not (usage is None or type(usage) is dict) or not (addons is None or type(addons) is dict):
        return None
    if type(account) is str:
        if not account_text_ok(account):
            return None
    elif type(account) is int and account >= 0 and account.bit_length() <= 200:
        account = str(account)
    else:
        return None
    period = _MONTHS.get(label) or _month(label)
    return None if period is None else _new_envelope(Envelope, (tariff, account, period, document))


def _month(label: str) -> Period | None:
    found = calendar_month(label)
    if isinstance(found, Diagnostic):
        return None
    if len(_MONTHS) >= _KEPT:
        _MONTHS.clear()
    _MONTHS[label] = found
    return found


# -- running an edition's function -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FastPlan:
    """One edition's generated function and what its invoices share."""

    rate: codegen.Rate
    edition: str
    tariff: TariffRef
    currency: str
    rounding: Rounding
    quantum: Decimal  # `rounding.round` of the total, its lookups done once
    mode: str
    settlement: m.Settlement
    source: str = field(repr=False)  # the generated function, for reading
    version: m.TariffVersion | None = field(default=None, repr=False)  # set when it has adjustments: they run after the rater
    terms: adjust.TermsReader | None = field(default=None, repr=False)
    windows: dict[dt.date, Settlement] = field(default_factory=dict, repr=False, compare=False)  # by the period's last day

    def invoice(self, envelope: Envelope) -> Invoice | None:
        """The invoice of a document of this edition, or None: then the general path prices it."""
        document, period = envelope.document, envelope.period
        usage, addons = document.get("usage") or _NOTHING, document.get("addons") or _NOTHING
        if type(usage) is not dict or type(addons) is not dict:
            return None  # (a null meter or add-on: the rater returns None)
        try:
            lines = self.rate(usage, addons, period)
            if lines is None:
                return None
            adjusted = None
            if self.version is not None and self.terms is not None:  # the general path's adjustments, over the rater's lines
                terms = self.terms.read(envelope, self.edition)
                if terms is not None:
                    adjusted = adjust.apply_adjustments(self.version, lines, terms)
                    lines = adjusted.lines
            elif not _TERMS.isdisjoint(document):
                return None  # terms this version does not take: the general path refuses them
            total = ZERO
            for line in lines:  # the sum; rounded on the total, the difference is a line of its own (as `evaluate.price`)
                total = _add(total, line.amount)
            rounded = total.quantize(self.quantum, self.mode, ROUNDING_CONTEXT)  # per line, the same number, at the scale
            if rounded != total and self.rounding.apply != "per_line":
                lines.append(rounding_line(self.rounding, PRICING_CONTEXT.subtract(rounded, total)))
        except Exception:  # whatever it is, the general path meets it again and reports it
            return None
        window = self.windows.get(period.last) or self._window(period)
        paid = None if adjusted is None else payment(adjusted, rounded)
        return Invoice(envelope.account, period.label, self.edition, self.currency, self.tariff, tuple(lines), rounded, window, None, paid)

    def _window(self, period: Period) -> Settlement:
        if len(self.windows) >= _KEPT:
            self.windows.clear()
        found = self.windows[period.last] = settlement_window(self.settlement, period)
        return found


def _fast_plan(version: m.TariffVersion, plan: m.EditionPlan) -> FastPlan:
    rate, source = codegen.write(version, plan)
    tariff = TariffRef(version.id, version.version, version.file, version.sha256)
    adjusted, terms = (version, adjust.TermsReader(version)) if version.adjustments else (None, None)
    rounding = version.rounding
    return FastPlan(
        rate,
        plan.edition.name,
        tariff,
        version.currency,
        rounding,
        rounding.quantum,
        ROUNDING_MODES[rounding.mode],
        version.settlement,
        source,
        adjusted,
        terms,
    )
