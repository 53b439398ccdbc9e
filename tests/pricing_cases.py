"""Small tariffs written for one test each, priced by both paths of the engine.

`both(tariff, document)` prices a document with `engine.quote` (the fast path when it takes the
document) and with the general path step by step, asserts the two agree, and returns the invoice
or the diagnostics. Expected figures in the tests are worked out by hand, never by the engine.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import engine
from engine.pricing.evaluate import price
from engine.pricing.quote import select_version
from engine.pricing.usage import check_usage, read_envelope

HEADER = """\
id: t
version: "1"
effective_from: 2024-01-01
currency: EUR
description: A tariff written for one test.
billing_cycle: {period: calendar_month}
settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 3}}
"""


def tariff(
    directory: Path,
    charges: str,
    *,
    meters: str = "users: {type: integer, aggregation: max, minimum: 0, maximum: 1000000}",
    rounding: str = "{scale: 2, mode: half_up, apply: per_line}",
    attributes: str = "{seats: 5}",
) -> engine.Tariff:
    """A one-edition (`pro`) tariff with `charges` (YAML under `charges:`, indented by 2)."""
    text = (
        HEADER
        + f"rounding: {rounding}\n"
        + f"editions:\n  pro:\n    attributes: {attributes}\n"
        + f"meters:\n  {meters}\n"
        + "charges:\n"
        + charges
    )
    folder = directory / "t"
    folder.mkdir(exist_ok=True)
    (folder / "2024-01-01.yaml").write_text(text, encoding="utf-8")
    return engine.load_tariff(folder)


def document(usage: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"account": "a1", "period": "2024-03", "edition": "pro", "usage": usage or {}, **extra}


def general(target: engine.Tariff, doc: Any) -> engine.Invoice:
    envelope = read_envelope(doc)
    version = select_version(target, envelope)
    return price(version, envelope, check_usage(envelope, version))


def _outcome(pricer: Any, target: engine.Tariff, doc: Any) -> tuple[str, Any]:
    try:
        return "invoice", pricer(target, doc).to_json()
    except engine.UsageError as error:
        return "refused", [str(d) for d in error.diagnostics]


def both(target: engine.Tariff, doc: Any) -> dict[str, Any] | list[str]:
    """The invoice as JSON data (or the diagnostics), the same from the fast and the general path."""
    import json

    fast, reference = _outcome(engine.quote, target, doc), _outcome(general, target, doc)
    assert fast == reference
    kind, value = fast
    return json.loads(value) if kind == "invoice" else value


def amounts(invoice: dict[str, Any] | list[str]) -> tuple[list[tuple[str, str, str]], str]:
    """[(line id, quantity, amount)], total."""
    assert isinstance(invoice, dict), invoice
    return [(line["id"], line["quantity"], line["amount"]) for line in invoice["lines"]], invoice["total"]


def hand_round(value: Decimal, scale: int, mode: str) -> Decimal:
    """`value` rounded to `scale` decimals by whole-number arithmetic: the tests' own rounding, not the engine's.

    The magnitude is n × 10^exponent; dropping `shift` digits leaves `whole` and a remainder `rest`
    out of 10^shift; the mode decides whether `whole` goes one up (away from zero); the sign stays.
    """
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    n = int("".join(map(str, digits)))
    shift = -scale - exponent
    if shift <= 0:
        whole = n * 10**-shift
    else:
        whole, rest = divmod(n, 10**shift)
        twice, unit = 2 * rest, 10**shift
        bump = {
            "up": rest > 0,
            "down": False,
            "half_up": twice >= unit,
            "half_even": twice > unit or (twice == unit and whole % 2 == 1),
        }[mode]
        whole += 1 if bump else 0
    return Decimal((sign, tuple(int(d) for d in str(whole)), -scale))


def fast_only(target: engine.Tariff, doc: Any) -> engine.Invoice | None:
    """The fast path alone (`engine.pricing.fastpath`): None when it hands the document to the general path."""
    from engine.pricing.fastpath import fast_plan, quick_envelope

    envelope = quick_envelope(doc)
    assert envelope is not None
    version = select_version(target, envelope)
    return fast_plan(version, version.plans[envelope.document["edition"]]).invoice(envelope)
