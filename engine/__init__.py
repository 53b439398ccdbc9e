"""A rules-as-data tariff engine: YAML tariffs in, itemized Decimal invoices out.

import engine
tariff = engine.load_tariff("tariffs/tencent-im")
invoice = engine.quote(tariff, {"account": "1400000001", "period": "2026-11",
                                "edition": "pro", "usage": {"dau": 32000, "groups": 1}})
invoice.total  # Decimal('1799.96')
"""

from .billrun import Rejection, quote_many
from .catalog import load_catalog, load_tariff
from .errors import Diagnostic, Error, TariffError, UsageError
from .invoice import Invoice, InvoiceLine
from .model import Catalog, Tariff, TariffVersion
from .pricing import quote

__all__ = [
    "Catalog",
    "Diagnostic",
    "Error",
    "Invoice",
    "InvoiceLine",
    "Rejection",
    "Tariff",
    "TariffError",
    "TariffVersion",
    "UsageError",
    "load_catalog",
    "load_tariff",
    "quote",
    "quote_many",
]
