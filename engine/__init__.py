"""A rules-as-data tariff engine: YAML tariffs in, itemized Decimal invoices out.

import engine
tariff = engine.load_tariff("tariffs/tencent-im")
usage = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
invoice = engine.quote(tariff, usage)
invoice.total  # Decimal('1799.96')
engine.explain(tariff, usage).lines[1].text  # 'ceil(max(0, dau − included) / block_size) × price = ... = 1349.97'
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.authoring.explanation import Explanation, explain
    from engine.core.errors import Diagnostic, Error, TariffError, UsageError
    from engine.language.catalog import load_catalog, load_tariff
    from engine.language.model import Catalog, Tariff, TariffVersion
    from engine.pricing.invoice import Invoice, InvoiceLine
    from engine.pricing.quote import quote
    from engine.runs.billrun import Rejection, quote_many

# Each name is imported on first use: a command's start (`import engine.cli`) pays only for what it runs.
_LAZY = {
    "Catalog": "language.model",
    "Diagnostic": "core.errors",
    "Error": "core.errors",
    "Explanation": "authoring.explanation",
    "Invoice": "pricing.invoice",
    "InvoiceLine": "pricing.invoice",
    "Rejection": "runs.billrun",
    "Tariff": "language.model",
    "TariffError": "core.errors",
    "TariffVersion": "language.model",
    "UsageError": "core.errors",
    "explain": "authoring.explanation",
    "load_catalog": "language.catalog",
    "load_tariff": "language.catalog",
    "quote": "pricing.quote",
    "quote_many": "runs.billrun",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{module}"), name)  # found once
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
