"""A rules-as-data tariff engine: YAML tariffs in, itemized Decimal invoices out.

import engine
tariff = engine.load_tariff("tariffs/tencent-im")
usage = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
invoice = engine.quote(tariff, usage)
invoice.total  # Decimal('1799.96')
engine.explain(tariff, usage).lines[1].text  # 'ceil(max(0, dau − included) / block_size) × price = ... = 1349.97'
"""

from typing import TYPE_CHECKING, Any

from .catalog import load_catalog, load_tariff
from .errors import Diagnostic, Error, TariffError, UsageError
from .explain import Explanation, explain
from .invoice import Invoice, InvoiceLine
from .model import Catalog, Tariff, TariffVersion
from .pricing import quote

if TYPE_CHECKING:
    from .billrun import Rejection, quote_many


def __getattr__(name: str) -> Any:
    # Bill-run names are imported on first use: every command's start would pay for them.
    if name in ("Rejection", "quote_many"):
        from . import billrun

        return getattr(billrun, name)
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
