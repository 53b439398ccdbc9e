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
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, TypeVar

from engine.core import exact
from engine.core.exact import Number
from engine.core.money import ONE, PRICING_CONTEXT, ZERO, text
from engine.core.periods import Period
from engine.core.records import dataclass, fields
from engine.language.expressions import EvaluationError, Expression
from engine.language.source import PathItem

# quantity, unit price, amount, description; the quantity and amount exact (a Fraction when they do not terminate)
LineFigures = tuple[Number, Decimal | None, Number, str]
ChoiceValue = int | str | bool
T = TypeVar("T")
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

    def __init__(self, path: str, message: str, rule: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.path, self.message, self.rule, self.hint = path, message, rule, hint


def number(charge: Charge, value: Any, what: str) -> Number:
    """`value` as computed for `charge`, which must be a number (a Fraction where a division did not terminate)."""
    if type(value) is not Decimal and type(value) is not Fraction:
        raise EvaluationError(f"{what} of charge {charge.id} is {value!r}, not a number")
    return value


def quantity_of(charge: Charge, expression: Expression, checked: PricingInput) -> Number:
    """The value of a charge's `quantity`: the one rule of every model is that it is never negative.

    A negative quantity would bill a credit nobody wrote; the tariff writes `max(0, ...)` when
    it means 0. (A `-0` passes: `money.text` writes every zero without a sign.)
    """
    value = number(charge, expression.evaluate(checked.values), "quantity")
    if value < ZERO:
        raise negative_quantity(charge, expression, value, checked.values)
    return value


def negative_quantity(charge: Charge, expression: Expression, value: Number, values: Mapping[str, Any]) -> Refusal:
    """The refusal of a negative quantity: the charge, its formula and the values it was computed from."""
    text_ = expression.text
    names = sorted(expression.names, key=lambda name: _first_use(text_, name))
    used = ", ".join(f"{name} = {show(values.get(name))}" for name in names)
    message = f"charge {charge.id}: its quantity {text_} is {text(value)}" + (f" ({used})" if used else "")
    return Refusal(
        f"charges.{charge.id}",
        f"{message}; a quantity cannot be negative",
        "negative-quantity",
        f"write max(0, {text_}) to bill nothing below 0",
    )


def _first_use(text_: str, name: str) -> int:
    found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text_)
    return found.start() if found else len(text_)


def blocks_over(quantity: Number, included: Number, size: Decimal, round_up: bool) -> Decimal:
    """Blocks of `size` in the part of `quantity` above `included` (0 when none)."""
    excess = exact.subtract(quantity, included)
    if excess <= ZERO:
        return ZERO
    if type(excess) is Decimal:
        whole, rest = divmod(excess, size)  # exact, unlike excess / size (Inexact is trapped)
        return whole + ONE if rest and round_up else whole
    count, left = divmod(exact.fraction(excess), Fraction(size))
    return Decimal(count + 1 if left and round_up else count)


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
    if isinstance(value, Decimal | Fraction):
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
    @property
    def minimum(self) -> Decimal: ...


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
    def once(self, keys: tuple[str, ...], make: Callable[[], T]) -> T:
        """What `make` builds from the parameters `keys` as written: built once for every edition that shares them
        (a tier list on 50 editions is read once). `make` may depend on nothing but those parameters."""
        ...


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
    def figure(self, value: Number) -> str: ...
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
    def line_code(self, charge: Charge, quantity: str, unit_price: Decimal, amount: str) -> str: ...


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
    # Whether each edition's rater repeats the charge's values (an option table writes a line per row on every
    # edition): the load estimate (`catalog`) counts them once per edition then, else once for the charge.
    values_per_edition: ClassVar[bool] = True

    @classmethod
    def build(cls, spec: Spec, common: Common) -> Charge | None:
        """The charge for `spec`, or None after reporting why it cannot be built."""
        raise NotImplementedError

    def expressions(self) -> Iterator[Expression]:
        """Every expression the charge evaluates (`when` included)."""
        for name in (f.name for f in fields(self)):
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
