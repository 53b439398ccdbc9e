"""The charge models, one module each; a new model is one more module registered here."""

from engine.language.charges.base import Charge, ChoiceValue, LineFigures, PricingInput, Refusal
from engine.language.charges.blocks import BlocksCharge
from engine.language.charges.flat import FlatCharge
from engine.language.charges.option import OptionCharge
from engine.language.charges.per_unit import PerUnitCharge
from engine.language.charges.tiered import Tier, TieredCharge
from engine.language.charges.trial import TrialCharge

MODELS: dict[str, type[Charge]] = {
    model.model: model for model in (FlatCharge, PerUnitCharge, BlocksCharge, TieredCharge, OptionCharge, TrialCharge)
}

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
