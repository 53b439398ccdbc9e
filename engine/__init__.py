"""A rules-as-data tariff engine: YAML tariffs in, itemized Decimal invoices out.

import engine
tariff = engine.load_tariff("tariffs/tencent-im")
usage = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
invoice = engine.quote(tariff, usage)
invoice.total  # Decimal('1799.96')
engine.explain(tariff, usage).lines[1].text  # 'ceil(max(0, dau − included) / block_size) × price = ... = 1349.97'
"""

from .catalog import load_catalog, load_tariff
from .errors import Diagnostic, Error, TariffError, UsageError
from .explain import Explanation, explain
from .invoice import Invoice, InvoiceLine
from .model import Catalog, Tariff, TariffVersion
from .pricing import quote

__all__ = [
    "Catalog",
    "Diagnostic",
    "Error",
    "Explanation",
    "Invoice",
    "InvoiceLine",
    "Tariff",
    "TariffError",
    "TariffVersion",
    "UsageError",
    "explain",
    "load_catalog",
    "load_tariff",
    "quote",
]
