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
from types import CodeType
from typing import Any

from engine.core import hashing
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
    code = _compiled(source, f"<fast path: {version.file}>")
    exec(code, writer.namespace)  # noqa: S102 - fixed fragments and invented names only (see the module docstring)
    rate: Rate = writer.namespace["rate"]
    return rate, source


# Meters an edition's rater reads line by line, inline; an edition pricing more reads them in one loop: the code
# stays small (Python compiles a generated function at several µs per line) and the loop's few lines stay hot.
_UNROLLED_METERS = 32
_CODE: dict[tuple[bytes, str], CodeType] = {}  # compiled functions by source: editions alike share one
_KEPT = 256  # functions kept before starting over


def _compiled(source: str, name: str) -> CodeType:
    """The function's code, compiled once for all the editions that write the same source.

    Editions with the same charges write the same lines (the values differ, and they are bound, not
    written), and Python compiles a generated function at several µs per line: a tariff of 1,000
    charges on 50 editions compiles one function instead of 50. The code holds no value of its
    own; each edition runs it in its own namespace."""
    key = (hashing.sha256(source.encode()).digest(), name)  # the digest, not the text, is kept
    code = _CODE.get(key)
    if code is None:
        if len(_CODE) >= _KEPT:
            _CODE.clear()
        code = _CODE[key] = compile(source, name, "exec")
    return code


class _Writer:
    def __init__(self, version: m.TariffVersion, plan: m.EditionPlan) -> None:
        self.version, self.plan = version, plan
        self.namespace: dict[str, Any] = {"__builtins__": {}, **_BUILTINS}
        self.code: list[str] = []
        self.finish = _finisher(version.rounding)
        self.quantity_scale = version.rounding.quantity_scale
        # Only what this edition prices: its code grows with its own charges, not with the whole tariff's meters and options.
        used = _names_used(plan)
        self.meters = sorted(plan.required_meters)
        self.options = sorted(plan.offers.keys() | (used & version.options.keys()))
        self.meter_index = {name: index for index, name in enumerate(self.meters)}
        self.looped = len(self.meters) > _UNROLLED_METERS
        self.option_index = {name: index for index, name in enumerate(self.options)}

    def bind(self, value: Any) -> str:
        name = f"k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def emit(self, depth: int, *lines: str) -> None:
        indent = "    " * depth
        self.code.extend(indent + line for line in lines)

    def function(self) -> str:
        version = self.version
        charges = [(charge, self.quick_charge(charge)) for charge in self.plan.charges]
        general = any(fragment is None for _, fragment in charges)
        options = self.bind(version.options.keys())
        if len(version.meters) <= _UNROLLED_METERS:  # a small tariff: the meters the edition does not price checked inline too
            self.emit(1, f"if not (usage.keys() <= {self.bind(version.meters.keys())} and addons.keys() <= {options}):", "    return None")
            priced = set(self.meters)
            for name in version.meters:
                if name not in priced:
                    self.other_meter(name, version.meters[name])
        else:  # only those given are checked, by one function
            meters, others = self.bind(frozenset(self.meters)), self.bind(_other_meters(version, self.meters))
            self.emit(1, f"if not addons.keys() <= {options}:", "    return None")
            self.emit(1, f"if not usage.keys() <= {meters} and not {others}(usage, period):", "    return None")
        if self.looped:
            table = self.bind(_meters_reader(version, self.meters))
            self.emit(1, f"meters, counts = {table}(usage, period)", "if meters is None:", "    return None")
        else:
            for name in self.meters:
                self.meter(name, version.meters[name], counted=general)
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
        """`m<i>`: the value as given (a whole number, or a Decimal for decimal meters), a series aggregated; `n<i>`: how many.

        A whole number within bounds is read inline; anything else is read by a function (a few lines per meter:
        Python compiles a generated function at about 9 µs per line)."""
        i, key = self.meter_index[name], self.bind(name)
        low, high = self.bind(int(ceil(meter.minimum))), self.bind(int(floor(meter.maximum)))
        read = self.bind(_READERS.get(meter) or _reader(meter))
        self.emit(1, f"raw = usage.get({key})", f"if type(raw) is int and {low} <= raw <= {high}:", f"    m{i} = raw", "else:")
        self.emit(2, f"m{i} = {read}(raw, period)", f"if m{i} is None:", "    return None")
        if counted:
            self.emit(1, f"n{i} = len(raw) if type(raw) is list else 1")

    def other_meter(self, name: str, meter: m.Meter) -> None:
        """A meter the edition does not price: checked when given, as `meter` checks it, and not read."""
        low, high = self.bind(int(ceil(meter.minimum))), self.bind(int(floor(meter.maximum)))
        read = self.bind(_READERS.get(meter) or _reader(meter))
        key = self.bind(name)
        self.emit(1, f"raw = usage.get({key})", "if raw is None:", f"    if {key} in usage:", "        return None")  # null: refused there
        self.emit(1, f"elif not (type(raw) is int and {low} <= raw <= {high}) and {read}(raw, period) is None:", "    return None")

    def addons(self) -> None:
        """`o<j>`: each add-on as bought (True, the offered value, the activation date) or None."""
        names = [f"o{j}" for j in range(len(self.options))]
        buy = self.bind(_buyer(self.version, self.plan))
        self.emit(1, "if addons:", f"    bought = {buy}(addons)", "    if bought is None:", "        return None")
        self.emit(2, *(f"{var} = bought.get({self.bind(name)})" for var, name in zip(names, self.options, strict=True)))
        if names:
            self.emit(1, "else:", f"    {' = '.join(names)} = None")

    def checked(self) -> None:
        """The `PricingInput` that `usage.check_usage` gives, for the charges that need one."""
        version = self.version
        self.emit(1, f"values = {self.bind(dict(self.plan.edition.attributes))}.copy()", "activations = {}", "details = {}")
        self.emit(1, f"values[{self.bind('period_days')}] = values[{self.bind('active_days')}] = Decimal(period.days)")
        if self.looped:
            self.emit(1, f"{self.bind(_meters_filler(version, self.meters))}(values, details, meters, counts)")
        for name in [] if self.looped else self.meters:  # each one priced, so each one given
            i, key = self.meter_index[name], self.bind(name)
            self.emit(1, f"values[{key}] = Decimal(m{i})", f"details[{key}] = ({self.bind(version.meters[name].aggregation)}, n{i})")
        for name in self.options:
            option = version.options[name]
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
        return [f"{step}(checked, period, lines)"]

    # -- what a charge model's `fast_code` asks (`engine.language.charges.base.FastWriter`) --------
    @property
    def edition(self) -> str:
        return self.plan.edition.name

    def meter_variable(self, name: str) -> tuple[m.Meter, str] | None:
        """A declared meter and the variable holding its value in the rater."""
        meter = self.version.meters.get(name)
        if meter is None or name not in self.meter_index:
            return None
        i = self.meter_index[name]
        return meter, f"meters[{i}]" if self.looped else f"m{i}"

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


def _general_step(charge: Charge, finish: Finish, quantity_scale: int) -> Callable[[PricingInput, Period, list[InvoiceLine]], None]:
    """The charge's line, when it has one, appended to `lines` (`figures` run inside the rater)."""

    def step(checked: PricingInput, period: Period, lines: list[InvoiceLine]) -> None:
        figures = charge_figures(charge, checked, period)
        if figures is not None:
            lines.append(_make_line(charge, figures, finish, quantity_scale))

    return step


def _precise(meter: m.Meter) -> Callable[[Decimal], bool]:
    """Whether a decimal value is surely within the meter's precision (`usage._precision_problem` decides the rest)."""
    least, most = -meter.decimals, MAX_USAGE_DIGITS

    def precise(value: Decimal) -> bool:
        _, digits, exponent = value.as_tuple()
        return type(exponent) is int and exponent >= least and len(digits) <= most

    return precise


def _names_used(plan: m.EditionPlan) -> set[str]:
    """The names the edition's charges read (meters, add-ons, attributes)."""
    used: set[str] = set()
    for charge in plan.charges:
        for expression in charge.expressions():
            used |= expression.names
    return used


def _other_meters(version: m.TariffVersion, used: list[str]) -> Callable[[Mapping[str, Any], Period], bool]:
    """Whether the meters given that the edition does not price are declared and valid, as the rater would
    check them (`usage.check_usage` checks every meter given); each meter's check is made on first sight."""
    skip, meters = frozenset(used), version.meters
    checks: dict[str, Callable[[Any, Period], bool]] = {}

    def valid(usage: Mapping[str, Any], period: Period) -> bool:
        for name, raw in usage.items():
            if name in skip:
                continue
            check = checks.get(name)
            if check is None:
                meter = meters.get(name)
                if meter is None:
                    return False
                check = checks[name] = _meter_check(meter)
            if not check(raw, period):
                return False
        return True

    return valid


def _meters_reader(version: m.TariffVersion, names: list[str]) -> Callable[[Mapping[str, Any], Period], Any]:
    """The meters `names` read in one loop, checked as `_Writer.meter` writes it: (values, counts), or (None, None)."""
    rows = []
    for name in names:
        meter = version.meters[name]
        rows.append((name, int(ceil(meter.minimum)), int(floor(meter.maximum)), _READERS.get(meter) or _reader(meter)))

    def read_all(usage: Mapping[str, Any], period: Period) -> tuple[list[Any], list[int]] | tuple[None, None]:
        values: list[Any] = []
        counts: list[int] = []
        for key, low, high, read in rows:
            raw = usage.get(key)
            if type(raw) is int and low <= raw <= high:
                values.append(raw)
                counts.append(1)
                continue
            value = read(raw, period)
            if value is None:
                return None, None
            values.append(value)
            counts.append(len(raw) if type(raw) is list else 1)
        return values, counts

    return read_all


def _meters_filler(version: m.TariffVersion, names: list[str]) -> Callable[[dict[str, Any], dict[str, Any], list[Any], list[int]], None]:
    """What `_Writer.checked` writes for each meter, in one loop over the values `_meters_reader` read."""
    keys = [(name, version.meters[name].aggregation) for name in names]

    def fill(values: dict[str, Any], details: dict[str, Any], meters: list[Any], counts: list[int]) -> None:
        for (key, aggregation), value, count in zip(keys, meters, counts, strict=True):
            values[key] = Decimal(value)
            details[key] = (aggregation, count)

    return fill


def _meter_check(meter: m.Meter) -> Callable[[Any, Period], bool]:
    """The checks `_Writer.meter` writes for one meter, as a function (for a meter the edition does not price)."""
    low, high, read = int(ceil(meter.minimum)), int(floor(meter.maximum)), _reader(meter)

    def check(raw: Any, period: Period) -> bool:
        return (type(raw) is int and low <= raw <= high) or read(raw, period) is not None

    return check


_READERS: dict[m.Meter, Callable[[Any, Period], Any]] = {}  # by meter: the editions pricing one meter share its reader


def _reader(meter: m.Meter) -> Callable[[Any, Period], Any]:
    """A meter's value given as anything but a whole number within bounds: a series aggregated, a decimal
    for a decimal meter; None for anything the general path must see (missing, out of bounds, another type)."""
    if len(_READERS) >= _KEPT * 16:
        _READERS.clear()
    read = _READERS[meter] = _new_reader(meter)
    return read


def _new_reader(meter: m.Meter) -> Callable[[Any, Period], Any]:
    series = _series_reader(meter)
    precise = None if meter.type == "integer" else _precise(meter)
    lowest, highest = meter.minimum, meter.maximum

    def read(raw: Any, period: Period) -> Any:
        kind = type(raw)
        if kind is list:
            return series(raw, period)
        if precise is not None and kind is Decimal and raw.is_finite() and lowest <= raw <= highest and precise(raw):
            return raw
        return None

    return read


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
    for name, offer in plan.offers.items():  # an add-on the edition does not offer is not bought here
        option = version.options[name]
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
