"""Pricing a period with a timeline: segments, edition changes, cadences, proration and credits.

The general pricing path (`engine.pricing.evaluate`) prices one edition for one whole
calendar month. A document with a `timeline`, a period other than a calendar month, or a
tariff that declares billing rules (`engine.language.billing`) comes here instead. Each
charge is priced by its own model (`Charge.figures`) on the usage of the days it covers;
then the rules the tariff declares for that charge decide how the days count:

- `proration: none`: the whole period, whatever the days;
- by day: the exact fraction `days / period days` of the amount, rounded once as declared;
- an edition change within the period: the rule the charge declares for an upgrade or a
  downgrade (prorate both, split the usage, the higher edition, or next period), and a
  refusal when it declares none: the engine never invents one;
- a cadence longer than the period: the line is on the invoice whose period starts (in
  advance) or ends (in arrears) the cadence period, for that whole cadence period;
- a credit for the unused days of a fee billed in advance, when the charge declares it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from engine.core import exact
from engine.core.errors import Diagnostic, UsageError, did_you_mean
from engine.core.money import PRICING_CONTEXT, ZERO, describe_signal
from engine.core.periods import Period
from engine.language import model as m
from engine.language.billing import CHANGE_WORDS, ChargeBilling
from engine.language.charges import Charge, LineFigures, PricingInput, Refusal
from engine.language.expressions import EvaluationError
from engine.pricing import adjust
from engine.pricing.evaluate import charge_figures, payment, rounding_line, settlement_window
from engine.pricing.invoice import Invoice, InvoiceLine, TariffRef
from engine.pricing.timeline import Segment, Timeline, billing_period, read_timeline, segments
from engine.pricing.usage import Envelope, check_usage
from engine.pricing.usage import needs_timeline as needs_timeline

Run = tuple[Segment, Charge, ChargeBilling]  # days priced together under one edition and one set of add-ons


class LineTrace(NamedTuple):
    """How a line was priced, for its explanation: the charge on the checked usage of `segment`, then `share` of it."""

    charge: Charge
    checked: PricingInput
    segment: Segment
    figures: LineFigures  # the charge's own figures, before any share
    share: Fraction | None  # the part of the period billed (negative for a credit), or None: the figures as they are


def price_timeline(version: m.TariffVersion, envelope: Envelope) -> Invoice:
    """The invoice of one account for one billing period with its timeline; raises `UsageError`."""
    return price_timeline_traced(version, envelope)[0]


def price_timeline_traced(version: m.TariffVersion, envelope: Envelope) -> tuple[Invoice, Mapping[str, LineTrace]]:
    """`price_timeline`, and how each line was priced (by line id)."""
    try:
        return _price_timeline(version, envelope)
    except (ValueError, OverflowError):  # a period counted from a start near year 1 or 9999
        message = "the period and the timeline's dates run outside the calendar (years 1 to 9999)"
        raise UsageError([Diagnostic(message=message, rule="period", path="period")]) from None


def _price_timeline(version: m.TariffVersion, envelope: Envelope) -> tuple[Invoice, Mapping[str, LineTrace]]:
    document = envelope.document
    timeline = read_timeline(document.get("timeline"))
    edition = document["edition"]
    _known_editions(version, edition, timeline)
    period = billing_period(envelope.period, version.billing.cycle(edition), timeline.start, version)
    addons = document.get("addons") or {}
    check_usage(Envelope(envelope.tariff, envelope.account, period, document), version, frozenset())  # names and values, once
    parts = segments(timeline, period, edition, addons)
    rules = _edition_rules(version, parts)
    if version.allowances:
        message = f"{version.id} version {version.version} shares allowances between meters, which a timeline cannot split yet"
        hint = "price the period without a timeline, or one document per part of the period"
        raise UsageError([Diagnostic(message=message, rule="timeline", path="timeline", hint=hint)])
    terms = adjust.read_terms(version, Envelope(envelope.tariff, envelope.account, period, document), edition)
    try:
        with decimal.localcontext(PRICING_CONTEXT):
            pricer = _Pricer(version, envelope, period, parts, timeline, rules)
            lines = pricer.lines()
            adjusted = None if terms is None else adjust.apply_adjustments(version, lines, terms)
            invoice = _invoice(version, envelope, period, lines if adjusted is None else adjusted.lines, edition, adjusted)
            return invoice, pricer.traces
    except decimal.DecimalException as error:
        message = f"the invoice cannot be computed exactly: {describe_signal(error)}"
        raise UsageError([Diagnostic(message=message, rule="evaluation", path="(document)")]) from None


def _known_editions(version: m.TariffVersion, edition: str, timeline: Timeline) -> None:
    named = [("edition", edition)] + [(f"{c.path}.edition", c.edition) for c in timeline.changes if c.edition is not None]
    problems = [
        Diagnostic(
            message=f"{name!r} is not an edition of {version.id} (editions: {', '.join(version.plans)})",
            rule="edition",
            path=path,
            hint=did_you_mean(name, version.plans),
        )
        for path, name in named
        if name not in version.plans
    ]
    if problems:
        raise UsageError(problems)


def _edition_rules(version: m.TariffVersion, parts: list[Segment]) -> dict[str, str]:
    """For each charge, the rule of the edition changes in the period; refused when a charge declares none."""
    rules: dict[str, str] = {}
    ranks = list(version.plans)
    for before, after in itertools.pairwise(parts):
        if before.edition == after.edition or after.change is None:
            continue
        change = after.change
        if version.billing.cycle(before.edition) != version.billing.cycle(after.edition):
            message = f"{before.edition} and {after.edition} have different billing periods; a change between them takes effect next period"
            raise UsageError([Diagnostic(message=message, rule="edition-change", path=f"{change.path}.edition")])
        upgrade = ranks.index(after.edition) > ranks.index(before.edition)
        old, new = version.plans[before.edition], version.plans[after.edition]
        ids = [c.id for c in new.charges] + [c.id for c in old.charges if c.id not in {n.id for n in new.charges}]
        missing = []
        for charge_id in ids:
            owner = after.edition if any(c.id == charge_id for c in new.charges) else before.edition
            rule = version.billing.of(owner, charge_id).change_rule(upgrade)
            if rule is None:
                missing.append(charge_id)
            elif rules.setdefault(charge_id, rule) != rule:
                message = (
                    f"charge {charge_id} declares {CHANGE_WORDS[rules[charge_id]]} for one change and {CHANGE_WORDS[rule]} "
                    "for another in the same period; which applies is ambiguous"
                )
                raise UsageError([Diagnostic(message=message, rule="edition-change", path=change.path)])
        if missing:
            kind = "an upgrade" if upgrade else "a downgrade"
            message = (
                f"{version.id} version {version.version} declares no rule for edition changes within a period "
                f"({kind} from {before.edition} to {after.edition} on {change.day}; charges without one: {', '.join(missing)})"
            )
            hint = (
                "make the change on the first day of a period, or declare proration upgrade/downgrade rules in a new version of the tariff"
            )
            raise UsageError([Diagnostic(message=message, rule="edition-change", path=f"{change.path}.edition", hint=hint)])
    return rules


class _Pricer:
    """The lines of one period's invoice, charge by charge."""

    def __init__(
        self, version: m.TariffVersion, envelope: Envelope, period: Period, parts: list[Segment], timeline: Timeline, rules: dict[str, str]
    ) -> None:
        self.version, self.envelope, self.period, self.parts, self.timeline, self.rules = version, envelope, period, parts, timeline, rules
        self.usage: Mapping[str, Any] = envelope.document.get("usage") or {}
        self.problems: dict[tuple[str, str], Diagnostic] = {}
        self.rounding = version.rounding
        self.traces: dict[str, LineTrace] = {}
        self.checked: PricingInput | None = None  # of the figures last computed, on `segment`
        self.segment = parts[0]

    def lines(self) -> list[InvoiceLine]:
        found: list[InvoiceLine] = []
        for charge_id in self.charge_ids():
            try:
                found += self.charge_lines(charge_id)
            except UsageError as error:
                for problem in error.diagnostics:
                    self.problems.setdefault((problem.path or "", problem.message), problem)
            except Refusal as refusal:
                self.problems.setdefault(
                    (refusal.path, refusal.message), Diagnostic(message=refusal.message, rule=refusal.rule, path=refusal.path)
                )
            except (EvaluationError, decimal.DecimalException) as error:
                why = describe_signal(error) if isinstance(error, decimal.DecimalException) else error
                path = f"charges.{charge_id}"
                self.problems.setdefault((path, str(why)), Diagnostic(message=f"charge {charge_id}: {why}", rule="evaluation", path=path))
        if self.problems:
            raise UsageError(list(self.problems.values()))
        return found

    def charge_ids(self) -> list[str]:
        """Every charge of the editions in the period, in the tariff file's line order."""
        found: dict[str, int] = {}
        for part in self.parts:
            for charge in self.version.plans[part.edition].charges:
                found.setdefault(charge.id, int(charge.source.rsplit(":", 1)[-1]) if charge.source[-1:].isdigit() else 0)
        return sorted(found, key=lambda charge_id: found[charge_id])

    # -- one charge ------------------------------------------------------------------------
    def charge_lines(self, charge_id: str) -> list[InvoiceLine]:
        runs = self.runs(charge_id)
        if not runs:
            return []
        billing = runs[0][2]
        if billing.cadence is not None:
            return self.cadence_lines(runs[0])
        rule = self.rules.get(charge_id)
        if rule in ("higher_edition", "next_period"):
            whole = self.whole_run(charge_id, rule)
            runs = [] if whole is None else [whole]
        parted = len(runs) > 1  # the usage is cut into parts
        priced = []
        for index, run in enumerate(runs):
            figures = self.figures(run[1], run[0], self.usage_of(run[1], run[0], parted))
            if figures is not None:
                priced.append((index, run, figures, self.checked))
        several = len(priced) > 1  # the charge has a line per part
        found: list[InvoiceLine] = []
        for index, run, figures, checked in priced:
            self.checked, self.segment = checked, run[0]
            found += self.run_lines(run, figures, rule, several, first=index == 0, last=index == len(runs) - 1)
        return found

    def runs(self, charge_id: str) -> list[Run]:
        """The segments where the charge is priced, those with the same edition (and add-on, for an add-on's charge) merged."""
        found: list[Run] = []
        for part in self.parts:
            charge = next((c for c in self.version.plans[part.edition].charges if c.id == charge_id), None)
            if charge is None:
                continue
            billing = self.version.billing.of(part.edition, charge_id)
            option = charge.option_name
            if found:
                previous, charge_before, _ = found[-1]
                same = previous.edition == part.edition and (option is None or previous.addons.get(option) == part.addons.get(option))
                if same and previous.last + dt.timedelta(days=1) == part.first:
                    found[-1] = (Segment(previous.first, part.last, previous.edition, part.addons, previous.change), charge_before, billing)
                    continue
            found.append((part, charge, billing))
        return found

    def whole_run(self, charge_id: str, rule: str) -> Run | None:
        """The one run of a charge billed under one edition for the whole period (`higher_edition`, `next_period`)."""
        ranks = list(self.version.plans)
        if rule == "next_period":
            chosen = self.parts[0]
        else:
            having = [p for p in self.parts if any(c.id == charge_id for c in self.version.plans[p.edition].charges)]
            chosen = max(having, key=lambda p: ranks.index(p.edition))
        charge = next((c for c in self.version.plans[chosen.edition].charges if c.id == charge_id), None)
        if charge is None:
            return None
        whole = Segment(self.parts[0].first, self.parts[-1].last, chosen.edition, chosen.addons, None)
        return whole, charge, self.version.billing.of(chosen.edition, charge_id)

    def run_lines(
        self, run: Run, figures: LineFigures, rule: str | None, several: bool, *, first: bool, last: bool
    ) -> Iterator[InvoiceLine]:
        segment, charge, billing = run
        proration, period = billing.proration, self.period
        quantity, unit_price, amount, description = figures
        if several:
            description = f"{description} ({segment.edition})"
        line_id = f"{charge.id}@{segment.first}" if several else charge.id
        own_days = (segment.first, segment.last) if several else None
        if rule == "split" or proration.by != "day":
            yield self.line(charge, line_id, quantity, unit_price, amount, description, own_days, None)
            return
        timeline = self.timeline
        credit = last and proration.credit_unused and billing.timing == "in_advance" and timeline.cancelled_on is not None
        bill_first = period.first if first and proration.first_period == "whole" else segment.first
        bill_last = period.last if credit else segment.last
        days = (bill_last - bill_first).days + 1
        service = None if (bill_first, bill_last) == (period.first, period.last) else (bill_first, bill_last)
        if days == period.days:
            yield self.line(charge, line_id, quantity, unit_price, amount, description, service, None)
        else:
            yield self.prorated(charge, line_id, figures, days, description, service, proration.quantity_scale, sign=1)
        if credit and timeline.cancelled_on is not None and timeline.cancelled_on < period.last:
            unused_first = timeline.cancelled_on + dt.timedelta(days=1)
            unused = (period.last - unused_first).days + 1
            words = f"Credit for unused days: {description}"
            yield self.prorated(
                charge, f"{charge.id}.credit", figures, unused, words, (unused_first, period.last), proration.quantity_scale, sign=-1
            )

    def prorated(
        self,
        charge: Charge,
        line_id: str,
        figures: LineFigures,
        days: int,
        description: str,
        service: tuple[dt.date, dt.date] | None,
        scale: int,
        *,
        sign: int,
    ) -> InvoiceLine:
        """A line for `days` of the period: quantity and amount times days / period days, exactly; the amount then rounded as declared."""
        quantity, unit_price, amount, _ = figures
        share = Fraction(sign * days, self.period.days)
        words = f"{days} of {self.period.days} days"
        written = exact.written(exact.multiply(quantity, share), scale)
        found = self.line(charge, line_id, written, unit_price, exact.multiply(amount, share), f"{description}, {words}", service, words)
        self.traces[line_id] = self.traces[line_id]._replace(figures=figures, share=share)
        return found

    def cadence_lines(self, run: Run) -> list[InvoiceLine]:
        """A charge billed every `cadence`: here when its cadence period starts (in advance) or ends (in arrears) with this period."""
        segment, charge, billing = run
        cadence, anchor = billing.cadence, self.timeline.start
        assert cadence is not None
        if billing.timing == "in_advance":
            covered = (
                cadence.period_from(self.period.first, anchor)
                if cadence.start_containing(self.period.first, anchor) == self.period.first
                else None
            )
        else:
            containing = cadence.period_containing(self.period.last, anchor)
            covered = containing if containing.last == self.period.last else None
        if covered is None:
            return []
        figures = self.figures(charge, segment, self.usage_of(charge, segment, False))
        if figures is None:
            return []
        quantity, unit_price, amount, description = figures
        return [self.line(charge, charge.id, quantity, unit_price, amount, description, (covered.first, covered.last), None)]

    # -- usage of some days ------------------------------------------------------------------
    def usage_of(self, charge: Charge, segment: Segment, several: bool) -> dict[str, Any]:
        """The usage of the charge's meters on `segment`'s days: daily series cut at its days; one value only when unambiguous."""
        found: dict[str, Any] = {}
        period = self.period
        for name in self.meters_of(charge):
            raw = self.usage.get(name)
            if isinstance(raw, list) and len(raw) == period.days and (several or segment.days != period.days):
                start = (segment.first - period.first).days
                found[name] = raw[start : start + segment.days]
            elif isinstance(raw, list) and several:
                message = (
                    f"a daily series of {len(raw)} values cannot be cut at the changes of {period.label}: "
                    f"give one value for each of its {period.days} days"
                )
                raise UsageError([Diagnostic(message=message, rule="meter", path=f"usage.{name}")])
            elif raw is not None and several:
                message = (
                    f"one value for the period, and {charge.id} is priced on {segment.edition} for part of it: which part of {name} "
                    "belongs to which edition is ambiguous"
                )
                raise UsageError(
                    [
                        Diagnostic(
                            message=message,
                            rule="meter",
                            path=f"usage.{name}",
                            hint=f"give {name} as a daily series of {period.days} values",
                        )
                    ]
                )
            elif raw is not None:
                found[name] = raw
        return found

    def meters_of(self, charge: Charge) -> frozenset[str]:
        names: set[str] = set()
        for expression in charge.expressions():
            names |= expression.names
        return frozenset(names) & frozenset(self.version.meters)

    def figures(self, charge: Charge, segment: Segment, usage: dict[str, Any]) -> Any:
        document = {"edition": segment.edition, "usage": usage, "addons": segment.addons}
        # A daily series was checked against the whole period already; each part holds the days of its segment.
        days = Period(self.period.label, segment.first, segment.last)
        envelope = Envelope(self.envelope.tariff, self.envelope.account, days, document)
        checked = check_usage(envelope, self.version, self.meters_of(charge))
        values = {**checked.values, "period_days": Decimal(self.period.days), "active_days": Decimal(segment.days)}
        self.checked = PricingInput(checked.edition, values, checked.activations, checked.meter_details)
        self.segment = segment
        return charge_figures(charge, self.checked, self.period)

    def line(
        self,
        charge: Charge,
        line_id: str,
        quantity: exact.Number,
        unit_price: Decimal | None,
        amount: exact.Number,
        description: str,
        service: tuple[dt.date, dt.date] | None,
        fraction: str | None,
    ) -> InvoiceLine:
        rounding = self.rounding
        quantity = exact.written(quantity, rounding.quantity_scale)  # exact when it terminates (1/3 of a seat does not)
        if rounding.apply == "per_line":
            rounded = exact.round_to(amount, rounding.scale, rounding.mode)
        else:
            rounded = amount if isinstance(amount, Decimal) else exact.round_to(amount, rounding.scale, rounding.mode)
        if self.checked is not None:
            self.traces[line_id] = LineTrace(charge, self.checked, self.segment, (quantity, unit_price, rounded, description), None)
        return InvoiceLine(line_id, description, quantity, charge.unit, unit_price, rounded, charge.source, service, fraction)


def _invoice(
    version: m.TariffVersion, envelope: Envelope, period: Period, lines: list[InvoiceLine], edition: str, adjusted: adjust.Adjusted | None
) -> Invoice:
    rounding = version.rounding
    total = sum((line.amount for line in lines), ZERO)
    if rounding.apply != "per_line" and rounding.round(total) != total:
        lines.append(rounding_line(rounding, rounding.round(total) - total))
        total = rounding.round(total)
    return Invoice(
        account=envelope.account,
        period=envelope.period.label,
        edition=edition,
        currency=version.currency,
        tariff=TariffRef(version.id, version.version, version.file, version.sha256),
        lines=tuple(lines),
        total=total,
        settlement=settlement_window(version.settlement, period),
        days=(period.first, period.last),
        payment=None if adjusted is None else payment(adjusted, total),
    )
