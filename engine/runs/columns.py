"""Usage records and invoices as table rows (Arrow, Parquet, Spark), money as exact decimals.

A table of usage records is either one text column `record` holding each record's JSON (the
JSON line itself), or the usage-document columns: `account`, `period`, `edition`, `tariff`, and
`usage` and `addons` as structs (or dotted columns, `usage.dau`, as in CSV). A row of columns is
written out as the JSON document it stands for and read back by the engine, so a record is
judged the same whichever way it came. A null is an absent field. A column of binary fractions
(double, single or half precision) is refused as a whole: they are inexact, and the engine never
reads money or counts from them.

Invoices come out with their money in decimal columns (`decimal(38, 9)` unless a scale is
given); an amount or quantity that does not fit is a reject, never a rounded value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.core.errors import Diagnostic, UsageError
from engine.core.money import text
from engine.pricing.invoice import Invoice

PRECISION = 38
_WIDE = decimal.Context(prec=2 * PRECISION, traps=[decimal.InvalidOperation])
SCALE = 9
RECORD = "record"  # the column of a table that holds each record's JSON text


def require_pyarrow(name: str) -> None:
    """Parquet needs pyarrow, which the base install leaves out: a diagnostic, not a traceback, when it is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        hint = "pip install 'tariff-engine[spark]' (or pyarrow alone)"
        raise UsageError([Diagnostic(message="reading and writing Parquet needs pyarrow", rule="parquet", file=name, hint=hint)]) from None


def float_columns(fields: Sequence[tuple[str, str]]) -> list[str]:
    """The columns (name, Arrow type text) whose type holds binary floats."""
    return [name for name, kind in fields if any(word in kind for word in ("float", "double", "halffloat"))]  # float-ok: to refuse them


def float_diagnostic(names: Sequence[str], source: str) -> Diagnostic:
    return Diagnostic(
        message=f"{'columns' if len(names) > 1 else 'column'} {', '.join(names)} {'hold' if len(names) > 1 else 'holds'} binary floats, "
        "which are inexact",
        rule="usage-type",
        file=source,
        hint="store counts as integers and amounts as decimals (a JSON text column `record` works too)",
    )


def record_text(row: Mapping[str, Any]) -> bytes:
    """The JSON document a row of usage-document columns stands for (a `record` column: its text)."""
    if RECORD in row:
        value = row[RECORD]
        return value if isinstance(value, bytes) else str(value or "").encode()
    document: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            continue
        *parents, leaf = name.split(".")
        place = document
        for parent in parents:
            place = place.setdefault(parent, {})
        place[leaf] = value
    return _json(_present(document)).encode()


def _present(value: Any) -> Any:
    """Nulls left out (absent fields), dates as ISO text, as a usage document writes them."""
    if isinstance(value, Mapping):
        return {key: _present(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_present(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _json(value: Any) -> str:
    """JSON text with a Decimal written as its own digits, which the engine reads back exactly."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_text(str(key))}:{_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(item) for item in value) + "]"
    return _dumps(value)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_text = json.encoder.encode_basestring


def json_lines(data: bytes) -> list[str]:
    """The lines a run wrote (each ends with \n; never str.splitlines, which also cuts at U+2028 and U+0085)."""
    return data.decode().split("\n")[:-1]


# -- invoices as columns ----------------------------------------------------------------------------


def fits(value: Decimal, scale: int = SCALE) -> bool:
    """Whether `value` is held exactly by decimal(38, scale)."""
    if not value.is_finite():
        return False
    digits, exponent = value.as_tuple()[1:]
    if isinstance(exponent, int) and exponent >= -scale:  # no more places than the scale: count the digits
        return len(digits) + exponent + scale <= PRECISION
    try:
        exact = value.quantize(Decimal(1).scaleb(-scale), context=_WIDE)
    except ArithmeticError:
        return False
    return exact == value and len(exact.as_tuple().digits) <= PRECISION


def invoice_row(document: Mapping[str, Any], scale: int = SCALE) -> tuple[dict[str, Any] | None, str | None]:
    """An invoice's JSON (read with exact decimals) as a row, or why it does not fit the columns."""
    lines = []
    for line in document["lines"]:
        numbers = {key: None if line[key] is None else Decimal(line[key]) for key in ("quantity", "unit_price", "amount")}
        for key, number in numbers.items():
            if number is not None and not fits(number, scale):
                return None, f"line {line['id']}: {key} {line[key]} does not fit decimal({PRECISION}, {scale})"
        lines.append({**{key: line[key] for key in ("id", "description", "unit", "source")}, **numbers})
    total = Decimal(document["total"])
    if not fits(total, scale):
        return None, f"the total {document['total']} does not fit decimal({PRECISION}, {scale})"
    tariff, settlement = document["tariff"], document["settlement"]
    row = {
        "account": document["account"],
        "period": document["period"],
        "edition": document["edition"],
        "currency": document["currency"],
        "tariff": tariff["id"],
        "tariff_version": tariff["version"],
        "tariff_file": tariff["file"],
        "tariff_sha256": tariff["sha256"],
        "total": total,
        "settlement": settlement["mode"],
        "deduct_from": settlement["deduct_from"],
        "deduct_until": settlement["deduct_until"],
        "lines": lines,
    }
    return row, None


def invoice_columns(invoice: Invoice, scale: int = SCALE) -> tuple[dict[str, Any] | None, str | None]:
    """`invoice_row` of an invoice itself, without reading its JSON back (what a DataFrame of invoices uses)."""
    lines = []
    for line in invoice.lines:
        for key, number in (("quantity", line.quantity), ("unit_price", line.unit_price), ("amount", line.amount)):
            if number is not None and not fits(number, scale):
                return None, f"line {line.id}: {key} {text(number)} does not fit decimal({PRECISION}, {scale})"
        lines.append(
            {"id": line.id, "description": line.description, "unit": line.unit, "source": line.source}
            | {"quantity": line.quantity, "unit_price": line.unit_price, "amount": line.amount}
        )
    if not fits(invoice.total, scale):
        return None, f"the total {text(invoice.total)} does not fit decimal({PRECISION}, {scale})"
    tariff, settlement = invoice.tariff, invoice.settlement
    row = {
        "account": invoice.account,
        "period": invoice.period,
        "edition": invoice.edition,
        "currency": invoice.currency,
        "tariff": tariff.id,
        "tariff_version": tariff.version,
        "tariff_file": tariff.file,
        "tariff_sha256": tariff.sha256,
        "total": invoice.total,
        "settlement": settlement.mode,
        "deduct_from": settlement.deduct_from,
        "deduct_until": settlement.deduct_until,
        "lines": lines,
    }
    return row, None


def fit_diagnostic(why: str) -> Diagnostic:
    return Diagnostic(message=f"the invoice does not fit the money columns: {why}", rule="money-scale")


def invoice_schema(scale: int = SCALE) -> Any:
    """The Arrow schema of invoice rows (`line`: where the record starts; then the invoice)."""
    import pyarrow as pa

    money = pa.decimal128(PRECISION, scale)
    line = pa.struct(
        [
            ("id", pa.string()),
            ("description", pa.string()),
            ("quantity", money),
            ("unit", pa.string()),
            ("unit_price", money),
            ("amount", money),
            ("source", pa.string()),
        ]
    )
    text = pa.string()
    names = ["account", "period", "edition", "currency", "tariff", "tariff_version", "tariff_file", "tariff_sha256"]
    settlement = [("settlement", text), ("deduct_from", text), ("deduct_until", text)]
    return pa.schema([("line", pa.int64()), *((name, text) for name in names), ("total", money), *settlement, ("lines", pa.list_(line))])


def reject_schema() -> Any:
    """The Arrow schema of reject rows: where the record starts, the record as shown, its errors as JSON."""
    import pyarrow as pa

    return pa.schema([("line", pa.int64()), ("record", pa.string()), ("errors", pa.string())])
