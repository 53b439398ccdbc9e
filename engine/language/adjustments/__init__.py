"""The adjustments that run after the charges, one module each, and the shared allowances drawn before them.

A new kind is one more module registered in `KINDS`.
"""

from engine.language.adjustments.allowance import AllowancePool
from engine.language.adjustments.base import Adjustment, CreditUse, Ledger, Step, Terms
from engine.language.adjustments.commitment import MaximumAdjustment, MinimumAdjustment
from engine.language.adjustments.coupon import CouponAdjustment
from engine.language.adjustments.credit import CreditAdjustment
from engine.language.adjustments.discount import DiscountAdjustment
from engine.language.adjustments.tax import TaxAdjustment

KINDS: dict[str, type[Adjustment]] = {
    kind.kind: kind
    for kind in (DiscountAdjustment, CouponAdjustment, MinimumAdjustment, MaximumAdjustment, TaxAdjustment, CreditAdjustment)
}

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
