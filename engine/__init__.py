"""A rules-as-data tariff engine: YAML tariffs in, itemized Decimal invoices out.

import engine
tariff = engine.load_tariff("tariffs/tencent-im")
usage = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
invoice = engine.quote(tariff, usage)
invoice.total  # Decimal('1799.96')
engine.explain(tariff, usage).lines[1].text  # 'ceil(max(0, dau − included) / block_size) × price = ... = 1349.97'
"""

from typing import TYPE_CHECKING, Any

from engine.core.errors import Diagnostic, Error, TariffError, UsageError
from engine.language.catalog import load_catalog, load_tariff
from engine.language.model import Catalog, Tariff, TariffVersion
from engine.pricing.invoice import Invoice, InvoiceLine
from engine.pricing.quote import quote

if TYPE_CHECKING:
    from engine.authoring.explanation import Explanation, explain
    from engine.runs.billrun import Rejection, quote_many

# Imported on first use: a command's start should not pay for what it does not run.
_LAZY = {
    "Rejection": "runs.billrun",
    "quote_many": "runs.billrun",
    "Explanation": "authoring.explanation",
    "explain": "authoring.explanation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = [
    "Catalog",
    "Diagnostic",
    "Error",
    "Explanation",
    "Invoice",
    "InvoiceLine",
    "Rejection",
    "Tariff",
    "TariffError",
    "TariffVersion",
    "UsageError",
    "explain",
    "load_catalog",
    "load_tariff",
    "quote",
    "quote_many",
]
