"""The charge models, one module each; a new model is one more module registered here.

A model's module is imported when a tariff names it (`MODELS[name]`) or when its class is
imported from here, so a command pays only for the models its tariffs use.
"""

from typing import TYPE_CHECKING

from engine.core.registry import LazyRegistry, lazy_attributes
from engine.language.charges.base import Charge, ChoiceValue, LineFigures, PricingInput, Refusal

if TYPE_CHECKING:
    from engine.language.charges.blocks import BlocksCharge
    from engine.language.charges.flat import FlatCharge
    from engine.language.charges.option import OptionCharge
    from engine.language.charges.per_unit import PerUnitCharge
    from engine.language.charges.tiered import Tier, TieredCharge
    from engine.language.charges.trial import TrialCharge

_CLASSES = {
    "FlatCharge": "flat",
    "PerUnitCharge": "per_unit",
    "BlocksCharge": "blocks",
    "TieredCharge": "tiered",
    "Tier": "tiered",
    "OptionCharge": "option",
    "TrialCharge": "trial",
}
_MODELS = ("FlatCharge", "PerUnitCharge", "BlocksCharge", "TieredCharge", "OptionCharge", "TrialCharge")

# `model:` name → model class (each class's `model` is its name: tests/test_architecture.py)
MODELS: LazyRegistry[type[Charge]] = LazyRegistry({_CLASSES[name]: f"{__name__}.{_CLASSES[name]}:{name}" for name in _MODELS})


__getattr__ = lazy_attributes(__name__, _CLASSES, globals())


__all__ = [
    "MODELS",
    "BlocksCharge",
    "Charge",
    "ChoiceValue",
    "FlatCharge",
    "LineFigures",
    "OptionCharge",
    "PerUnitCharge",
    "PricingInput",
    "Refusal",
    "Tier",
    "TieredCharge",
    "TrialCharge",
]
