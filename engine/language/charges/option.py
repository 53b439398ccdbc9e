"""`model: option`: an add-on priced from a table of the values offered (a switch, or a choice)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from engine.core.money import ONE, ZERO, text
from engine.core.periods import Period
from engine.core.records import dataclass
from engine.core.values import shown
from engine.language.charges.base import (
    Charge,
    ChoiceValue,
    Common,
    ExplainContext,
    Explained,
    FactWriter,
    FastWriter,
    LineFigures,
    Option,
    PricedLine,
    PricingInput,
    Spec,
    money_value,
    show,
)
from engine.language.source import PathItem, json_path


@dataclass(frozen=True, slots=True)
class OptionCharge(Charge):
    option: Option
    prices: Mapping[ChoiceValue, Decimal]

    model: ClassVar[str] = "option"
    required: ClassVar[tuple[str, ...]] = ("option", "table")

    @classmethod
    def build(cls, spec: Spec, common: Common) -> OptionCharge | None:
        option = spec.option(("switch", "choice"))
        if option is None:
            return None
        prices = spec.once(("option", "table"), lambda: _table(spec, option, spec.params["table"], spec.path("table")))
        return None if prices is None else cls(**common, option=option, prices=MappingProxyType(prices))

    @property
    def option_name(self) -> str:
        return self.option.name

    def figures(self, checked: PricingInput, period: Period) -> LineFigures | None:
        chosen = checked.values.get(self.option.name)
        if chosen is None or chosen is False:
            return None
        return self.figures_of(int(chosen) if isinstance(chosen, Decimal) else chosen)

    def figures_of(self, key: ChoiceValue) -> LineFigures:
        """The line of the offered value `key`."""
        unit_price = self.prices[key]
        description = self.description
        if self.option.type == "choice":
            description += f": {key}" + (f" {self.option.unit}" if self.option.unit else "")
        return ONE, unit_price, unit_price, description

    def explain(self, context: ExplainContext, line: PricedLine) -> Explained:
        chosen = show(context.checked.values.get(self.option.name))
        return f"table[{self.option.name}]", [f"table[{chosen}]", text(line.unit_price or ZERO)], f"the table prices {chosen} at 0"

    def fast_code(self, writer: FastWriter) -> list[str]:
        """Every line this charge can give is made at load: the rater looks the bought value up."""
        by_key = {key: writer.line(self, self.figures_of(key)) for key in self.prices}
        variable = writer.option_variable(self.option.name)
        return [f"if {variable} is not None:", f"    lines.append({writer.bind(by_key)}[{variable}])"]

    def facts(self, out: FactWriter) -> Iterator[Any]:
        path = out.written_at("table")
        written = [value_label(row.get("value"), self.option.unit) for row in out.written("table") or ()]
        for value, price in self.prices.items():
            name = value_label(value, self.option.unit)
            where = (*path, written.index(name)) if name in written else path
            # `=` keeps a value's key apart from the charge's own facts (a choice named "condition").
            yield out.part(f"={name}", None, price, "money", out.per_period, where, label=name)

    def words(self) -> str:
        return f"option table of {self.option.name}"


def value_label(value: ChoiceValue, unit: str) -> str:
    """An option value as a reader names it: `90 days`, `true`, `gold`."""
    words = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"{words} {unit}" if unit and not isinstance(value, bool) else words


def choice_key(value: Any) -> ChoiceValue:
    return value if isinstance(value, bool | str) else int(value)


def _table(spec: Spec, option: Option, rows: list[Mapping[str, Any]], path: list[PathItem]) -> dict[ChoiceValue, Decimal] | None:
    prices: dict[ChoiceValue, Decimal] = {}
    first_row: dict[ChoiceValue, int] = {}
    ok = True
    for index, row in enumerate(rows):
        value = row["value"]
        where = [*path, index, "value"]
        spec.money_scale(row["price"], [*path, index, "price"])
        problem = _row_problem(option, value, first_row, path)
        if problem is not None:
            spec.error(where, f"{json_path(where)}: {problem[0]}", "option-table", problem[1])
            ok = False
            continue
        prices[choice_key(value)] = money_value(row["price"])
        first_row[choice_key(value)] = index
    return prices if ok else None


def _row_problem(option: Option, value: Any, first_row: Mapping[ChoiceValue, int], path: list[PathItem]) -> tuple[str, str] | None:
    """(message, hint) when a table row cannot be offered as written."""
    if option.type == "switch" and value is not True:
        return f"{shown(value)} cannot be chosen: '{option.name}' is a switch, bought with true", "write value: true"
    if option.type == "choice" and isinstance(value, bool):
        return f"{shown(value)} cannot be chosen: '{option.name}' is a choice of numbers or names", "write the offered number or name"
    if choice_key(value) in first_row:
        earlier = json_path([*path, first_row[choice_key(value)]])
        return f"{shown(value)} is offered twice (first at {earlier})", "offer each value once, with one price"
    return None
