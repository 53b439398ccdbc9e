"""What every charge model is: one unit holding its parameters, arithmetic, explanation and fast code.

A charge model is a frozen dataclass (a subclass of `Charge`) that knows how to:
- `build` itself from a tariff file's parameters, reporting problems at file:line:col (`Spec`);
- compute its `figures` for checked usage: the general pricing path, the reference;
- `explain` those figures step by step (`ExplainContext`);
- write the `fast_code` of the generated rater, or None to run `figures` there too (`FastWriter`);
- list its reviewable `facts` for the canonical render and the semantic diff (`FactWriter`).

The collaborators are protocols implemented by the layers above (the compiler, the pricing
path, the explanation, the code writer, the canonical render), so a model depends only on
the language below it, and adding a model is adding one module and registering it in
`engine.language.charges`.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from engine.core.money import ONE, PRICING_CONTEXT, ZERO, text
from engine.core.periods import Period
from engine.language.expressions import EvaluationError, Expression
from engine.language.source import PathItem

LineFigures = tuple[Decimal, Decimal | None, Decimal, str]  # quantity, unit price, amount, description
ChoiceValue = int | str | bool
Common = dict[str, Any]  # the fields every charge has, as the compiler reads them
FactValue = Decimal | str  # a reviewable fact's value
FactKind = Literal["money", "number", "text"]  # how a fact's value compares and reads
FactRole = Literal["price", "meta", "wording"]  # what changing the fact means to a reviewer


class PricingInput(NamedTuple):
    """Checked usage for one version: expression values and activation dates.

    A named tuple: one is made for every invoice, at a third of a frozen dataclass's cost.
    """

    edition: str
    values: Mapping[str, Any]
    activations: Mapping[str, dt.date]
    meter_details: Mapping[str, tuple[str, int]]


class Refusal(Exception):
    """A usage that this version cannot price: the pricing path reports it at `path`."""

    def __init__(self, path: str, message: str, rule: str) -> None:
        super().__init__(message)
        self.path, self.message, self.rule = path, message, rule


def number(charge: Charge, value: Any, what: str) -> Decimal:
    """`value` as computed for `charge`, which must be a number."""
    if type(value) is not Decimal:
        raise EvaluationError(f"{what} of charge {charge.id} is {value!r}, not a number")
    return value


def blocks_over(quantity: Decimal, included: Decimal, size: Decimal, round_up: bool) -> Decimal:
    """Blocks of `size` in the part of `quantity` above `included` (0 when none)."""
    excess = quantity - included
    if excess <= ZERO:
        return ZERO
    whole, rest = divmod(excess, size)  # exact, unlike excess / size (Inexact is trapped)
    return whole + ONE if rest and round_up else whole


def money_value(value: Any) -> Any:
    """Prices are Decimal in the model, also when the YAML wrote a whole number (`price: 10`).

    Anything else is a `TypeError`: a document that skipped the schema (a cache entry edited
    by hand, say) is then read again the full way, which says what is wrong.
    """
    if value is None or type(value) is Decimal:
        return value
    if type(value) is int:
        return Decimal(value)
    raise TypeError(f"a price must be a number, not {type(value).__name__}")


def show(value: Any) -> str:
    """A usage value as an explanation shows it: `true`, `none`, `90`, `'gold'`, `2026-11-01`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


# -- what a model asks of the layers above ------------------------------------------------------


class Option(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def unit(self) -> str: ...


class Meter(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def aggregation(self) -> str: ...
    @property
    def unit(self) -> str: ...


class Spec(Protocol):
    """One charge on one edition, as the compiler reads it: parameters merged with the edition's overrides."""

    @property
    def id(self) -> str: ...
    @property
    def edition(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    def path(self, key: str) -> list[PathItem]: ...
    def expression(self, key: str) -> Expression | None: ...
    def option(self, wanted: tuple[str, ...]) -> Any: ...
    def money_scale(self, value: Any, path: list[PathItem]) -> None: ...
    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...
    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None: ...


class PricedLine(Protocol):
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal | None: ...


class ExplainContext(Protocol):
    """What an explanation knows of the invoice being explained."""

    @property
    def checked(self) -> PricingInput: ...
    @property
    def period(self) -> Period: ...
    def value(self, expression: Expression) -> Any: ...
    def formula_of(self, expression: Expression, name: str) -> str: ...
    def substitute(self, expression: Expression) -> str: ...
    def figure(self, value: Decimal) -> str: ...
    def label(self, expression: Expression) -> str: ...


Explained = tuple[str, list[str], str]  # formula, steps, why the amount is zero when it is


class FastWriter(Protocol):
    """The code writer of one edition's rater (`engine.pricing.codegen`)."""

    @property
    def edition(self) -> str: ...
    def bind(self, value: Any) -> str: ...
    def meter_variable(self, name: str) -> tuple[Meter, str] | None: ...
    def option_variable(self, name: str) -> str: ...
    def line(self, charge: Charge, figures: LineFigures) -> Any: ...


class FactWriter(Protocol):
    """The canonical render's view of one charge on one edition (`engine.review.canonical`)."""

    @property
    def currency(self) -> str: ...
    @property
    def per_period(self) -> str: ...
    def quantity_unit(self) -> str: ...
    def fact(self, name: str, value: FactValue, kind: FactKind, unit: str = "", key: str = "", role: FactRole = "price") -> Any: ...
    def expression(self, name: str, expression: Expression, unit: str = "") -> Any: ...
    def part(
        self, part: str, name: str | None, value: FactValue, kind: FactKind, unit: str, path: tuple[PathItem, ...], *, label: str = ""
    ) -> Any: ...
    def written_at(self, key: str) -> tuple[PathItem, ...]: ...
    def written(self, key: str) -> Any: ...


# -- the model itself ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Charge:
    """What every charge has; `source` is `tariff-dir/file.yaml:line`."""

    id: str
    description: str
    source: str
    unit: str
    when: Expression | None

    model: ClassVar[str] = ""  # the `model:` a tariff file names it by
    required: ClassVar[tuple[str, ...]] = ()  # parameters it cannot do without

    @classmethod
    def build(cls, spec: Spec, common: Common) -> Charge | None:
        """The charge for `spec`, or None after reporting why it cannot be built."""
        raise NotImplementedError

    def expressions(self) -> Iterator[Expression]:
        """Every expression the charge evaluates (`when` included)."""
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Expression):
                yield value

    @property
    def option_name(self) -> str | None:
        """The add-on this charge prices, if it prices one."""
        return None

    def figures(self, checked: PricingInput, period: Period) -> LineFigures | None:
        """(quantity, unit price, amount, description), or None for no line; may raise `Refusal`."""
        raise NotImplementedError

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        raise NotImplementedError

    def fast_code(self, writer: FastWriter) -> list[str] | None:
        """Lines of the edition's rater appending this charge's line to `lines`; None: run `figures`."""
        return None

    def facts(self, out: FactWriter) -> Iterator[Any]:
        """The reviewable facts of the charge's model (price, tiers, table...)."""
        raise NotImplementedError

    def words(self) -> str:
        """The model as a reviewer reads it: `flat fee`, `volume tiers`."""
        raise NotImplementedError

    def edges(self, meter: str, low: Decimal, high: Decimal, most: int) -> Iterator[Decimal]:
        """Where this charge's amount can step as `meter` alone moves in [low, high] (at most about `most` of them).

        For drawing prices against usage: a chart samples here as well as on its grid.
        """
        return iter(())


def steps(start: Decimal, size: Decimal, low: Decimal, high: Decimal, most: int) -> Iterator[Decimal]:
    """Edges `start + k × size` inside [low, high]; every n-th one when there are more than `most`."""
    with decimal.localcontext(PRICING_CONTEXT):
        first = max(0, int((low - start) // size))
        count = int((high - start) // size) - first + 1
        stride = max(1, -(-count // most))
        for k in range(first, first + count, stride):
            yield start + k * size
