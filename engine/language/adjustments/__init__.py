"""The adjustments that run after the charges, one module each, and the shared allowances drawn before them.

A new kind is one more module registered in `KINDS`. A kind's module is imported when a
tariff names it (`KINDS[kind]`) or when its class is imported from here, so a tariff without
commercial terms loads none of them.
"""

from typing import TYPE_CHECKING

from engine.core.registry import LazyRegistry, lazy_attributes
from engine.language.adjustments.base import Adjustment, CreditUse, Ledger, Step, Terms

if TYPE_CHECKING:
    from engine.language.adjustments.allowance import AllowancePool
    from engine.language.adjustments.commitment import MaximumAdjustment, MinimumAdjustment
    from engine.language.adjustments.coupon import CouponAdjustment
    from engine.language.adjustments.credit import CreditAdjustment
    from engine.language.adjustments.discount import DiscountAdjustment
    from engine.language.adjustments.tax import TaxAdjustment

_CLASSES = {
    "AllowancePool": "allowance",
    "DiscountAdjustment": "discount",
    "CouponAdjustment": "coupon",
    "MinimumAdjustment": "commitment",
    "MaximumAdjustment": "commitment",
    "TaxAdjustment": "tax",
    "CreditAdjustment": "credit",
}
_KINDS = {
    "discount": "DiscountAdjustment",
    "coupon": "CouponAdjustment",
    "minimum": "MinimumAdjustment",
    "maximum": "MaximumAdjustment",
    "tax": "TaxAdjustment",
    "credit": "CreditAdjustment",
}

# `kind:` name → adjustment class
KINDS: LazyRegistry[type[Adjustment]] = LazyRegistry({kind: f"{__name__}.{_CLASSES[name]}:{name}" for kind, name in _KINDS.items()})


__getattr__ = lazy_attributes(__name__, _CLASSES, globals())


__all__ = [
    "KINDS",
    "Adjustment",
    "AllowancePool",
    "CouponAdjustment",
    "CreditAdjustment",
    "CreditUse",
    "DiscountAdjustment",
    "Ledger",
    "MaximumAdjustment",
    "MinimumAdjustment",
    "Step",
    "TaxAdjustment",
    "Terms",
]
