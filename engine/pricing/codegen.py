"""An edition's charges written as one plain Python function: the fast path's rater.

A hand-written rater of a price list is a few dozen lines of Python: read each meter, check
it, compute each line. `write` produces that function for one edition from its compiled
charges, the way jinja turns a template into Python code; `fastpath` runs it. It checks and
computes what `usage.check_usage` and `evaluate.price` do, for the plainest valid documents,
and returns None for anything else. Read an example with
`fast_plan(version, plan).source` (`engine.pricing.fastpath`).

Safety: the source is made only of the fixed fragments in this module and of names it
invents (`m0` a meter, `n0` its count of values, `o0` an add-on, `k3` a bound value); every
value taken from the tariff (names, numbers, texts, whole invoice lines) is bound in the
function's namespace, never written into the source, and the namespace has no builtins but
the few listed. Nothing generated is ever stored: it is written again at each load.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.core.exact import Number, round_to, written
from engine.core.money import PRICING_CONTEXT, ROUNDING_CONTEXT, ROUNDING_MODES, Rounding, ceil, floor
from engine.core.periods import Period
from engine.language import model as m
from engine.language.charges import Charge, LineFigures, OptionCharge, PricingInput
from engine.language.model import MAX_USAGE_DIGITS
from engine.pricing.evaluate import charge_figures
from engine.pricing.invoice import InvoiceLine

Rate = Callable[[Mapping[str, Any], Mapping[str, Any], Period], "list[InvoiceLine] | None"]
Finish = Callable[[Number], Decimal]
_INTS = {int}
_BUILTINS = {
    "type": type,
    "len": len,
    "int": int,
    "list": list,
    "Decimal": Decimal,
    "PricingInput": PricingInput,
    "getcontext": decimal.getcontext,
}
_BUILTINS |= {"setcontext": decimal.setcontext, "CONTEXT": PRICING_CONTEXT, "ROUNDING": ROUNDING_CONTEXT, "Line": InvoiceLine}


def write(version: m.TariffVersion, plan: m.EditionPlan) -> tuple[Rate, str]:
    """The edition's function, and its source for reading."""
    writer = _Writer(version, plan)
    source = writer.function()
    code = compile(source, f"<fast path: {version.file}, {plan.edition.name}>", "exec")
    exec(code, writer.namespace)  # noqa: S102 - fixed fragments and invented names only (see the module docstring)
    rate: Rate = writer.namespace["rate"]
    return rate, source


class _Writer:
    def __init__(self, version: m.TariffVersion, plan: m.EditionPlan) -> None:
        self.version, self.plan = version, plan
        self.namespace: dict[str, Any] = {"__builtins__": {}, **_BUILTINS}
        self.code: list[str] = []
        self.finish = _finisher(version.rounding)
        self.quantity_scale = version.rounding.quantity_scale
        self.meter_index = {name: index for index, name in enumerate(version.meters)}
        self.option_index = {name: index for index, name in enumerate(version.options)}

    def bind(self, value: Any) -> str:
        name = f"k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def emit(self, depth: int, *lines: str) -> None:
        self.code += ["    " * depth + line for line in lines]

    def function(self) -> str:
        version = self.version
        charges = [(charge, self.quick_charge(charge)) for charge in self.plan.charges]
        general = any(fragment is None for _, fragment in charges)
        meters, options = self.bind(frozenset(version.meters)), self.bind(frozenset(version.options))
        self.emit(1, f"if not (usage.keys() <= {meters} and addons.keys() <= {options}):", "    return None")
        for name, meter in version.meters.items():
            self.meter(name, meter, counted=general)
        self.addons()
        depth = 1
        if general:
            self.checked()
            self.emit(1, "saved = getcontext()", "setcontext(CONTEXT)", "try:")
            depth = 2
        self.emit(depth, "lines = []")
        for charge, fragment in charges:
            self.emit(depth, *(fragment or self.general_charge(charge)))
        self.emit(depth, "return lines")
        if general:
            self.emit(1, "finally:", "    setcontext(saved)")
        return "def rate(usage, addons, period):\n" + "\n".join(self.code) + "\n"

    # -- usage ------------------------------------------------------------------------------
    def meter(self, name: str, meter: m.Meter, *, counted: bool) -> None:
        """`m<i>`: the value as given (a whole number, or a Decimal for decimal meters); `n<i>`: how many."""
        i, key = self.meter_index[name], self.bind(name)
        low, high = self.bind(int(ceil(meter.minimum))), self.bind(int(floor(meter.maximum)))
        one, many = ([f"n{i} = 1"], [f"n{i} = len(raw)"]) if counted else ([], [])
        missing = ["return None"] if name in self.plan.required_meters else [f"if {key} in usage:", "    return None", f"m{i} = None"]
        self.emit(1, f"raw = usage.get({key})", "if raw is None:", *("    " + line for line in missing))  # null: refused there
        self.emit(1, "elif type(raw) is int:", f"    if not {low} <= raw <= {high}:", "        return None", f"    m{i} = raw")
        self.emit(2, *one)
        series = self.bind(_series_reader(meter))
        self.emit(1, "elif type(raw) is list:", f"    m{i} = {series}(raw, period)", f"    if m{i} is None:", "        return None")
        self.emit(2, *many)
        if meter.type != "integer":
            lowest, highest, precise = self.bind(meter.minimum), self.bind(meter.maximum), self.bind(_precise(meter))
            self.emit(
                1,
                "elif type(raw) is Decimal and raw.is_finite():",
                f"    if not ({lowest} <= raw <= {highest} and {precise}(raw)):",
                "        return None",
            )
            self.emit(2, f"m{i} = raw", *one)
        self.emit(1, "else:", "    return None")

    def addons(self) -> None:
        """`o<j>`: each add-on as bought (True, the offered value, the activation date) or None."""
        names = [f"o{j}" for j in range(len(self.version.options))]
        if not names:
            return
        buy = self.bind(_buyer(self.version, self.plan))
        self.emit(1, "if addons:", f"    bought = {buy}(addons)", "    if bought is None:", "        return None")
        self.emit(2, *(f"{var} = bought.get({self.bind(name)})" for var, name in zip(names, self.version.options, strict=True)))
        self.emit(1, "else:", f"    {' = '.join(names)} = None")

    def checked(self) -> None:
        """The `PricingInput` that `usage.check_usage` gives, for the charges that need one."""
        version = self.version
        self.emit(1, f"values = {self.bind(dict(self.plan.edition.attributes))}.copy()", "activations = {}", "details = {}")
        self.emit(1, f"values[{self.bind('period_days')}] = values[{self.bind('active_days')}] = Decimal(period.days)")
        for name, meter in version.meters.items():
            i, key = self.meter_index[name], self.bind(name)
            self.emit(1, f"if m{i} is not None:", f"    values[{key}] = Decimal(m{i})")
            self.emit(2, f"details[{key}] = ({self.bind(meter.aggregation)}, n{i})")
        for name, option in version.options.items():
            j, key = self.option_index[name], self.bind(name)
            if option.type == "switch":
                self.emit(1, f"values[{key}] = o{j} is not None")
            elif option.type == "choice":
                self.emit(1, f"values[{key}] = Decimal(o{j}) if type(o{j}) is int else o{j}")
            else:
                self.emit(1, f"values[{key}] = None if o{j} is None else True", f"if o{j} is not None:", f"    activations[{key}] = o{j}")
        self.emit(1, f"checked = PricingInput({self.bind(self.plan.edition.name)}, values, activations, details)")

    # -- charges ----------------------------------------------------------------------------
    def quick_charge(self, charge: Charge) -> list[str] | None:
        """The lines of code pricing `charge` directly (its model writes them), or None: then it runs `figures`."""
        if charge.when is not None:
            return None
        try:
            return charge.fast_code(self)
        except decimal.DecimalException:
            return None  # a line that cannot be built: the general path fails on each invoice, as it always did

    def general_charge(self, charge: Charge) -> list[str]:
        step = self.bind(_general_step(charge, self.finish, self.quantity_scale))
        return [f"line = {step}(checked, period)", "if line is not None:", "    lines.append(line)"]

    # -- what a charge model's `fast_code` asks (`engine.language.charges.base.FastWriter`) --------
    @property
    def edition(self) -> str:
        return self.plan.edition.name

    def meter_variable(self, name: str) -> tuple[m.Meter, str] | None:
        """A declared meter and the variable holding its value in the rater."""
        meter = self.version.meters.get(name)
        return None if meter is None else (meter, f"m{self.meter_index[name]}")

    def option_variable(self, name: str) -> str:
        return f"o{self.option_index[name]}"

    def line(self, charge: Charge, figures: LineFigures) -> InvoiceLine:
        return _make_line(charge, figures, self.finish, self.quantity_scale)

    def line_code(self, charge: Charge, quantity: str, unit_price: Decimal, amount: str) -> str:
        """An expression building the line `line` builds, from Decimal expressions (a whole-number quantity
        needs no writing at the quantity scale): no call but the line's own, as a hand-written rater."""
        rounding = self.version.rounding
        if rounding.apply == "per_line":
            quantum, mode = self.bind(rounding.quantum), self.bind(ROUNDING_MODES[rounding.mode])
            amount = f"{amount}.quantize({quantum}, {mode}, ROUNDING)"
        fields = [self.bind(charge.id), self.bind(charge.description), quantity, self.bind(charge.unit), self.bind(unit_price)]
        return f"Line({', '.join(fields)}, {amount}, {self.bind(charge.source)})"


# -- the pieces the generated code calls ----------------------------------------------------------


def _finisher(rounding: Rounding) -> Finish:
    """A line's amount as the invoice shows it (`evaluate.line_amount`), with its lookups done once."""
    scale, declared = rounding.scale, rounding.mode
    if rounding.apply != "per_line":
        return lambda amount: amount if type(amount) is Decimal else round_to(amount, scale, declared)
    quantum, mode = rounding.quantum, ROUNDING_MODES[rounding.mode]
    return lambda amount: amount.quantize(quantum, mode, ROUNDING_CONTEXT) if type(amount) is Decimal else round_to(amount, scale, declared)


def _make_line(charge: Charge, figures: LineFigures, finish: Finish, quantity_scale: int) -> InvoiceLine:
    quantity, unit_price, amount, description = figures
    return InvoiceLine(charge.id, description, written(quantity, quantity_scale), charge.unit, unit_price, finish(amount), charge.source)


def _general_step(charge: Charge, finish: Finish, quantity_scale: int) -> Callable[[PricingInput, Period], InvoiceLine | None]:
    def step(checked: PricingInput, period: Period) -> InvoiceLine | None:
        figures = charge_figures(charge, checked, period)
        return None if figures is None else _make_line(charge, figures, finish, quantity_scale)

    return step


def _precise(meter: m.Meter) -> Callable[[Decimal], bool]:
    """Whether a decimal value is surely within the meter's precision (`usage._precision_problem` decides the rest)."""
    least, most = -meter.decimals, MAX_USAGE_DIGITS

    def precise(value: Decimal) -> bool:
        _, digits, exponent = value.as_tuple()
        return type(exponent) is int and exponent >= least and len(digits) <= most

    return precise


def _series_reader(meter: m.Meter) -> Callable[[list[Any], Period], Any]:
    """A daily series of whole numbers, checked and aggregated as `usage._meter_value` does."""
    low, high, daily, aggregation = ceil(meter.minimum), floor(meter.maximum), meter.daily, meter.aggregation
    partial = meter.partial_series

    def read(raw: list[Any], period: Period) -> Any:
        if not daily or not 1 <= len(raw) <= period.days or {*map(type, raw)} != _INTS:
            return None
        if not partial and len(raw) != period.days:
            return None
        top = max(raw)
        if min(raw) < low or top > high:
            return None
        if aggregation == "max":
            return top
        if aggregation == "mean":
            return None  # the general path computes the exact mean
        if aggregation == "sum":  # `usage._exact_sum`: in the pinned context, or refused there
            with decimal.localcontext(PRICING_CONTEXT):
                return sum([Decimal(n) for n in raw], Decimal(0))
        return raw[-1]

    return read


_SWITCH, _CHOICE, _ACTIVATION = range(3)
_SHORT_INTS = (-(10**99), 10**100)  # bounds (exclusive) of the whole numbers written in at most 100 characters


def _buyer(version: m.TariffVersion, plan: m.EditionPlan) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    """The add-ons bought, as `usage._addons` accepts them: {name: True, offered value or date}."""
    kinds: dict[str, tuple[int, frozenset[Any]]] = {}
    for name, option in version.options.items():
        offer = plan.offers.get(name)
        if option.type == "activation" and offer is not None:
            kinds[name] = (_ACTIVATION, frozenset())
        elif isinstance(offer, OptionCharge) and option.type == "switch" and True in offer.prices:
            kinds[name] = (_SWITCH, frozenset())
        elif isinstance(offer, OptionCharge) and option.type == "choice":
            kinds[name] = (_CHOICE, frozenset(key for key in offer.prices if _short(key)))

    def buy(addons: Mapping[str, Any]) -> dict[str, Any] | None:
        bought: dict[str, Any] = {}
        for name, raw in addons.items():
            if raw is False:
                continue
            kind, offered = kinds.get(name, (None, frozenset()))
            if (kind == _SWITCH and raw is True) or (kind == _CHOICE and (type(raw) is int or type(raw) is str) and raw in offered):
                bought[name] = raw
            elif kind == _ACTIVATION and (day := _day(raw)) is not None:
                bought[name] = day
            else:
                return None
        return bought

    return buy


def _short(key: Any) -> bool:
    """A choice value `usage._chosen` takes as written (at most 100 characters)."""
    if type(key) is int:
        return _SHORT_INTS[0] < key < _SHORT_INTS[1]
    return type(key) is str and len(key) <= 100


def _day(raw: Any) -> dt.date | None:
    if type(raw) is not dict or raw.keys() != {"activated_on"}:
        return None
    day = raw["activated_on"]
    if type(day) is dt.date:
        return day
    try:
        return dt.date.fromisoformat(day) if type(day) is str else None
    except ValueError:
        return None
