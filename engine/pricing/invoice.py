"""The invoice: frozen result of pricing, and its JSON and text renderings.

JSON is deterministic: fixed key order, money and quantities as exact strings, no
floats, so the same tariff and usage always give byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from engine.core.money import text
from engine.core.records import dataclass


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    amount: Decimal
    source: str
    # Only on lines that do not cover the invoice's whole period (engine.pricing.timeline):
    service: tuple[dt.date, dt.date] | None = None  # the days the line covers
    fraction: str | None = None  # "20 of 31 days": the part of the period a prorated line bills

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "description": self.description,
            "quantity": text(self.quantity),
            "unit": self.unit,
            "unit_price": None if self.unit_price is None else text(self.unit_price),
            "amount": text(self.amount),
            "source": self.source,
        }
        if self.service is not None:
            found["service_period"] = {"first": self.service[0].isoformat(), "last": self.service[1].isoformat()}
        if self.fraction is not None:
            found["fraction"] = self.fraction
        return found


@dataclass(frozen=True, slots=True)
class TariffRef:
    id: str
    version: str
    file: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Settlement:
    mode: str
    deduct_from: str | None
    deduct_until: str | None


@dataclass(frozen=True, slots=True)
class Payment:
    """After the total: the credit lines (a prepaid balance paying), the amount due, the balance left.

    The total stays what was charged (the sum of the lines); credits are not lines of it.
    """

    credits: tuple[InvoiceLine, ...]
    amount_due: Decimal
    credit_balance: Decimal | None  # what is left of the prepaid balance; None when the usage gave none

    def to_dict(self) -> dict[str, Any]:
        return {
            "credits": [line.to_dict() for line in self.credits],
            "amount_due": text(self.amount_due),
            "credit_balance_remaining": None if self.credit_balance is None else text(self.credit_balance),
        }


@dataclass(frozen=True, slots=True)
class Invoice:
    account: str
    period: str
    edition: str
    currency: str
    tariff: TariffRef
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    settlement: Settlement
    days: tuple[dt.date, dt.date] | None = None  # first and last day, on invoices priced from a timeline
    payment: Payment | None = None  # with adjustments: what a prepaid balance paid, and what is due

    def to_dict(self) -> dict[str, Any]:
        days = {} if self.days is None else {"first_day": self.days[0].isoformat(), "last_day": self.days[1].isoformat()}
        found = {
            "account": self.account,
            "period": self.period,
            **days,
            "edition": self.edition,
            "currency": self.currency,
            "tariff": {
                "id": self.tariff.id,
                "version": self.tariff.version,
                "file": self.tariff.file,
                "sha256": self.tariff.sha256,
            },
            "lines": [line.to_dict() for line in self.lines],
            "total": text(self.total),
            "settlement": {
                "mode": self.settlement.mode,
                "deduct_from": self.settlement.deduct_from,
                "deduct_until": self.settlement.deduct_until,
            },
        }
        if self.payment is not None:
            found |= self.payment.to_dict()
        return found

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))


def _days(invoice: Invoice) -> str:
    return "" if invoice.days is None else f" ({invoice.days[0]} to {invoice.days[1]})"


def render_text(invoice: Invoice) -> str:
    """A readable table for a terminal."""
    header = (
        f"Invoice {invoice.account}  period {invoice.period}{_days(invoice)}  edition {invoice.edition}\n"
        f"Tariff {invoice.tariff.id} version {invoice.tariff.version} ({invoice.tariff.file}, sha256 {invoice.tariff.sha256[:12]}…)\n"
    )
    rows = [("line", "description", "quantity", "unit price", f"amount {invoice.currency}")]
    for line in invoice.lines:
        rows.append(
            (
                line.id,
                line.description + ("" if line.service is None or line.fraction else f", {line.service[0]} to {line.service[1]}"),
                text(line.quantity) + (f" {line.unit}" if line.unit else ""),
                "" if line.unit_price is None else text(line.unit_price),
                text(line.amount),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    out = []
    for index, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) if i < 2 else row[i].rjust(widths[i]) for i in range(5)]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("  ".join("-" * w for w in widths))
    total_label = "total"
    out.append(total_label.ljust(sum(widths[:4]) + 8) + text(invoice.total).rjust(widths[4]))
    if invoice.payment is not None:
        for credit in invoice.payment.credits:
            out.append(f"{credit.id}: {credit.description}".ljust(sum(widths[:4]) + 8) + text(credit.amount).rjust(widths[4]))
        out.append("amount due".ljust(sum(widths[:4]) + 8) + text(invoice.payment.amount_due).rjust(widths[4]))
        if invoice.payment.credit_balance is not None:
            out.append(f"prepaid balance remaining: {text(invoice.payment.credit_balance)} {invoice.currency}")
    settle = invoice.settlement
    footer = f"settlement: {settle.mode}"
    if settle.deduct_from:
        footer += f", deducted {settle.deduct_from} to {settle.deduct_until}"
    return header + "\n" + "\n".join(out) + "\n" + footer + "\n"
