"""Tariff document (schema-valid) → frozen `TariffVersion`, with semantic checks.

The schema has already said the document has the right shape; here come the rules a
schema cannot state: names that must exist, expressions that must parse and name only
declared things, tiers in order, option tables without duplicates, and warnings for
what is probably a mistake. Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from engine.core.errors import Diagnostic, did_you_mean
from engine.core.money import DEFAULT_QUANTITY_SCALE, Rounding, decimals_of
from engine.language import books
from engine.language import model as m
from engine.language.billing import DATE_NAMES, compile_billing
from engine.language.charges import MODELS, Charge
from engine.language.expressions import Expression, ExpressionError, compile_expression, constant
from engine.language.source import PathItem, Source, json_path

if TYPE_CHECKING:
    from engine.language import terms
    from engine.language.adjustments import Adjustment, AllowancePool

# Amounts billed as written: more decimals than the rounding scale is probably a typo (a warning).
# Unit prices are rates (0.0015 per message is normal): only the amount they produce is rounded.
_MONEY_KEYS = ("price", "flat_fee", "price_after")
_TERMS_SECTIONS = ("adjustments", "allowances", "tags", "price_books")
T = TypeVar("T")


class _Compiler:
    def __init__(self, source: Source, *, partial: bool = False) -> None:
        self.source = source
        self.partial = partial  # the schema refused some charges: check what can be, build nothing
        self.doc: Mapping[str, Any] = source.data
        self.diagnostics: list[Diagnostic] = []
        self.used_names: set[str] = set()
        self.priced_options: set[str] = set()
        self.scale = int(source.data["rounding"]["scale"])
        self.edition_name = ""  # the edition whose charge parameters are being compiled
        self.names_unknown = False  # an expression was rejected: "unused" cannot be told
        # Work done once per compile, not once per edition (a charge on 50 editions parses its quantity once):
        self.compiled: dict[str, Expression] = {}  # by text; another edition only checks the names are its own
        self.allowed: dict[str, frozenset[str]] = {}  # the names each edition's expressions may use
        self.once: dict[tuple[tuple[PathItem, ...], ...], Any] = {}  # what a model builds from one YAML node (`Spec.once`)

    # -- reporting -------------------------------------------------------------
    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.diagnostics.append(self.source.diagnostic(path, message, rule, hint=hint, key=key))

    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.diagnostics.append(self.source.diagnostic(path, message, rule, severity="warning", hint=hint, key=key))

    def source_ref(self, path: list[PathItem]) -> str:
        line, _ = self.source.position(path, key=True)
        return f"{self.source.name}:{line}" if line else self.source.name

    # -- the document ------------------------------------------------------------
    def compile(self) -> m.TariffVersion | None:
        doc = self.doc
        effective = self.date(["effective_from"], doc["effective_from"])
        meters = {name: self.meter(name, spec) for name, spec in doc.get("meters", {}).items()}
        options = {
            name: m.Option(name, spec["type"], spec.get("unit", ""), spec.get("description", ""))
            for name, spec in doc.get("options", {}).items()
        }
        editions = {name: self.edition(name, spec or {}) for name, spec in doc["editions"].items()}
        self.check_name_clashes(meters, options, editions)
        declared = doc["rounding"]
        rounding = Rounding(
            **{k: declared[k] for k in ("scale", "mode", "apply")},
            source=self.source_ref(["rounding"]),
            quantity_scale=int(declared.get("quantity_scale", DEFAULT_QUANTITY_SCALE)),
        )
        charges = {edition: [] for edition in editions}  # type: dict[str, list[Charge]]
        for charge_id, spec in doc["charges"].items():
            try:
                built = list(self.charge(charge_id, spec, editions, meters, options))
            except _SHAPE_FAULTS:
                if not self.partial:
                    raise
                continue  # a charge of the wrong shape: the schema has said what is wrong with it
            for edition, charge in built:
                charges[edition].append(charge)
        plans = {name: self.plan(editions[name], charges[name], meters) for name in editions}
        if self.partial:
            return None  # whether a meter or an option is unused cannot be told while charges are broken
        adjustments, allowances, books = self.commercial_terms(editions, meters, options)
        self.check_unused(meters, options)
        billing = compile_billing(doc, rounding.apply, self.error)
        if any(d.severity == "error" for d in self.diagnostics) or effective is None:
            return None
        window = doc["settlement"].get("deduction_window") or {}
        version = m.TariffVersion(
            id=doc["id"],
            version=str(doc["version"]),
            effective_from=effective,
            currency=doc["currency"],
            description=doc["description"],
            billing_period=doc["billing_cycle"]["period"],
            settlement=m.Settlement(doc["settlement"]["mode"], window.get("from_day"), window.get("until_day")),
            rounding=rounding,
            meters=m.frozen_map(meters),
            options=m.frozen_map(options),
            plans=m.frozen_map(plans),
            file=self.source.name,
            sha256=self.source.sha256,
            warnings=tuple(d for d in self.diagnostics if d.severity == "warning"),
            billing=billing,
            adjustments=adjustments,
            allowances=allowances,
        )
        if not books:
            return version
        from engine.language import terms

        return terms.with_books(version, books)

    def commercial_terms(
        self, editions: Mapping[str, m.Edition], meters: Mapping[str, m.Meter], options: Mapping[str, m.Option]
    ) -> tuple[tuple[Adjustment, ...], tuple[AllowancePool, ...], dict[str, terms.Book]]:
        """The commercial terms (`engine.language.terms`), loaded only for a tariff that has a section of them."""
        if not any(key in self.doc for key in _TERMS_SECTIONS):
            return (), (), {}  # what compile_terms finds in a tariff without them
        from engine.language import terms

        return terms.compile_terms(self, editions, meters, options)

    def date(self, path: list[PathItem], text: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(text))
        except ValueError:
            self.error(path, f"{text!r} is not a calendar date", "date", "write the date as YYYY-MM-DD")
            return None

    def meter(self, name: str, spec: Mapping[str, Any]) -> m.Meter:
        minimum = Decimal(spec.get("minimum", 0))
        maximum = Decimal(spec["maximum"])
        if minimum > maximum:
            self.error(["meters", name, "maximum"], f"meters.{name}: maximum {maximum} is below minimum {minimum}", "meter-bounds")
        if "decimals" in spec and spec["type"] == "integer":
            message = f"meters.{name}: decimals has no effect on an integer meter (its values are whole numbers)"
            self.warning(["meters", name, "decimals"], message, "meter-precision", "remove decimals, or make the meter type: decimal")
        return m.Meter(
            name=name,
            type=spec["type"],
            aggregation=spec["aggregation"],
            daily=spec.get("series", "none") == "daily",
            minimum=minimum,
            maximum=maximum,
            unit=spec.get("unit", ""),
            description=spec.get("description", ""),
            partial_series=spec.get("partial_series", spec["aggregation"] != "sum"),  # a sum must not lose days
            decimals=int(spec.get("decimals", m.DEFAULT_METER_DECIMALS)),
        )

    def edition(self, name: str, spec: Mapping[str, Any]) -> m.Edition:
        attributes = {key: Decimal(value) for key, value in (spec.get("attributes") or {}).items()}
        return m.Edition(name, spec.get("description", ""), m.frozen_map(attributes))

    def check_name_clashes(self, meters: Mapping[str, m.Meter], options: Mapping[str, m.Option], editions: Mapping[str, m.Edition]) -> None:
        for name in meters:
            if name in options:
                self.error(
                    ["options", name],
                    f"options.{name}: '{name}' is also a meter; expressions could not tell them apart",
                    "name-clash",
                    key=True,
                )
        for edition in editions.values():
            for attribute in edition.attributes:
                if attribute in meters or attribute in options:
                    self.error(
                        ["editions", edition.name, "attributes", attribute],
                        f"editions.{edition.name}.attributes.{attribute}: '{attribute}' is also a meter or an option",
                        "name-clash",
                        key=True,
                    )

    # -- charges ---------------------------------------------------------------------
    def charge(
        self,
        charge_id: str,
        spec: Mapping[str, Any],
        editions: Mapping[str, m.Edition],
        meters: Mapping[str, m.Meter],
        options: Mapping[str, m.Option],
    ) -> Iterable[tuple[str, Charge]]:
        base = ["charges", charge_id]
        available = spec["editions"]
        overrides: Mapping[str, Any] = available if isinstance(available, Mapping) else {}
        names = list(available)
        shared = {k: v for k, v in spec.items() if k != "editions"}  # read once: the editions without overrides share it
        shared_paths: dict[str, list[PathItem]] = {k: [*base, k] for k in shared}
        common = {"source": self.source_ref(["charges", charge_id])}
        for index, edition in enumerate(names):
            if edition not in editions:
                where: list[PathItem] = [*base, "editions", edition if overrides else index]
                self.error(
                    where,
                    f"charges.{charge_id}: edition '{edition}' does not exist (editions: {', '.join(editions)})",
                    "unknown-edition",
                    did_you_mean(edition, editions) or f"declare '{edition}' under editions, or take it off this charge",
                    key=bool(overrides),
                )
        for edition in names:
            if edition not in editions:
                continue
            params, params_path = dict(shared), dict(shared_paths)
            for key, value in (overrides.get(edition) or {}).items():
                params[key] = value
                params_path[key] = [*base, "editions", edition, key]
            params, unpriced = books.attribute_prices(params, editions[edition].attributes)  # `unit_price_from: seat_price`
            params_path |= {target: params_path[key] for key, target in books.ATTRIBUTE_PRICES.items() if key in params_path}
            for key, why in unpriced:
                self.error(params_path[key], f"{json_path(params_path[key])}: {why} (edition {edition})", "unknown-name")
            if unpriced:
                self.names_unknown = True  # the charge is not built: whether its meters are used cannot be told
                continue
            self.check_money_scale(params, params_path)
            allowed = self.allowed.get(edition) or self.allowed.setdefault(edition, self.allowed_names(meters, options, editions[edition]))
            self.edition_name = edition
            built = self.build(charge_id, edition, params, params_path, allowed, options, common)
            if built is not None:
                yield edition, built

    def build(
        self,
        charge_id: str,
        edition: str,
        params: Mapping[str, Any],
        paths: Mapping[str, list[PathItem]],
        allowed: frozenset[str],
        options: Mapping[str, m.Option],
        shared: Mapping[str, str],
    ) -> Charge | None:
        if "option" in params:
            self.priced_options.add(str(params["option"]))  # named by a charge: not unused, even if the charge fails
        model = MODELS[params["model"]]
        missing = [key for key in model.required if key not in params]
        if missing:
            self.error(
                ["charges", charge_id],
                f"charges.{charge_id}: no '{missing[0]}' for edition '{edition}'",
                "missing-param",
                f"set '{missing[0]}' on the charge, or under editions.{edition}",
            )
            return None
        spec = _ChargeSpec(self, charge_id, edition, params, paths, allowed, options)
        common = {
            "id": charge_id,
            "description": params.get("description") or charge_id.replace("_", " "),
            "source": shared["source"],
            "unit": params.get("unit", ""),
            "when": spec.expression("when"),
        }
        return model.build(spec, common)

    def allowed_names(self, meters: Mapping[str, m.Meter], options: Mapping[str, m.Option], edition: m.Edition) -> frozenset[str]:
        return frozenset(meters) | frozenset(options) | frozenset(edition.attributes)

    def expression(
        self, params: Mapping[str, Any], paths: Mapping[str, list[PathItem]], key: str, allowed: frozenset[str]
    ) -> Expression | None:
        if key not in params:
            return None
        value = params[key]
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            number = str(Decimal(value))
            found = self.compiled.get(number)
            if found is None or found.names:
                found = self.compiled[number] = constant(Decimal(value))
            return found
        text = str(value)
        if any(name in text for name in DATE_NAMES):
            allowed |= DATE_NAMES  # the period's days, named only where used (the list of known names stays the tariff's)
        known = self.compiled.get(text)
        if known is not None and known.names <= allowed:
            self.used_names |= known.names
            return known  # compiled for another edition; the names check is the only part that depends on the edition
        try:
            compiled = compile_expression(str(value), allowed)
        except ExpressionError as problem:
            self.expression_error(paths[key], str(value), problem)
            self.names_unknown = True  # the names of a rejected expression are not all known
            return None
        self.used_names |= compiled.names
        self.compiled[text] = compiled
        return compiled

    def expression_error(self, path: list[PathItem], text: str, problem: ExpressionError) -> None:
        line, column = self.source.position(path)
        if column is not None and line is not None:
            raw_line = self.source.raw.decode("utf-8").splitlines()[line - 1]
            quoted = raw_line[column - 1 : column] in ("'", '"')
            column += problem.offset + (1 if quoted else 0)
        message, hint = problem.message, problem.hint
        if problem.message.startswith("unknown name"):
            if any(d.rule == "unknown-name" and (d.line, d.column) == (line, column) for d in self.diagnostics):
                return  # the same name, unknown on another edition of the charge too: once is enough
            rule = "unknown-name"
            message, hint = self.unknown_name_here(problem)
        elif "does not parse" in problem.message:
            rule, hint = "expression-syntax", hint or _SYNTAX_HINT
            reason = problem.message.split(": ", 1)[-1]
            near = f", {_near(text, problem.offset)}" if reason == "invalid syntax" else ""
            message = f"{_quoted_expression(text)} does not parse: {reason}{near}"
        else:
            rule = "expression-forbidden"
        self.diagnostics.append(
            Diagnostic(
                message=f"{json_path(path)}: {message}",
                rule=rule,
                file=self.source.name,
                line=line,
                column=column,
                path=json_path(path),
                hint=hint,
            )
        )

    def unknown_name_here(self, problem: ExpressionError) -> tuple[str, str | None]:
        """An unknown name that is an attribute of other editions gets said so."""
        name = problem.message.split("'")[1]
        owners = [edition for edition, spec in self.doc["editions"].items() if name in ((spec or {}).get("attributes") or {})]
        if not owners:
            return problem.message, problem.hint
        here = self.edition_name
        return (
            f"unknown name '{name}' on edition {here}: it is an attribute of {', '.join(owners)} only",
            f"declare it under editions.{here}.attributes too, or take {here} off this charge",
        )

    def option_of(
        self,
        charge_id: str,
        params: Mapping[str, Any],
        paths: Mapping[str, list[PathItem]],
        options: Mapping[str, m.Option],
        wanted: tuple[str, ...],
    ) -> m.Option | None:
        name = params["option"]
        option = options.get(name)
        if option is None:
            known = ", ".join(options) or "none declared"
            self.error(
                paths["option"],
                f"charges.{charge_id}.option: option '{name}' is not declared (options: {known})",
                "unknown-option",
                did_you_mean(name, options),
            )
            return None
        if option.type not in wanted:
            self.error(
                paths["option"],
                f"charges.{charge_id}.option: a '{params['model']}' charge needs an option of type "
                f"{' or '.join(wanted)}, and '{name}' is a {option.type}",
                "option-type",
            )
            return None
        self.priced_options.add(name)
        return option

    def plan(self, edition: m.Edition, charges: list[Charge], meters: Mapping[str, m.Meter]) -> m.EditionPlan:
        needed: set[str] = set()
        offers: dict[str, Charge] = {}
        declared = meters.keys()
        for charge in charges:
            for expression in charge.expressions():
                needed |= declared & expression.names
            name = charge.option_name
            if name is not None:
                if name in offers:
                    self.error(
                        ["charges", charge.id],
                        f"charges.{charge.id}: option '{name}' is already priced on edition '{edition.name}' by charge '{offers[name].id}'",
                        "option-table",
                        key=True,
                    )
                offers[name] = charge
        return m.EditionPlan(edition, tuple(charges), frozenset(needed), m.frozen_map(offers))

    def check_unused(self, meters: Mapping[str, m.Meter], options: Mapping[str, m.Option]) -> None:
        for name in meters:
            if name not in self.used_names and not self.names_unknown:
                self.warning(
                    ["meters", name],
                    f"meters.{name}: meter '{name}' is declared but no charge uses it",
                    "unused-meter",
                    "use it in a charge's quantity, included or when, or remove it",
                    key=True,
                )
        for name in options:
            if name not in self.priced_options and name not in self.used_names:
                self.warning(
                    ["options", name],
                    f"options.{name}: option '{name}' is declared but no charge prices it",
                    "unused-option",
                    "price it with an 'option' or 'trial' charge, or remove it",
                    key=True,
                )

    def check_money_scale(self, params: Mapping[str, Any], paths: Mapping[str, list[PathItem]]) -> None:
        for key in _MONEY_KEYS:
            if key in params:
                self.money_scale(params[key], paths[key])

    def money_scale(self, value: Any, path: list[PathItem]) -> None:
        """A price billed once (flat, block, option, flat fee, price after a trial) finer than the rounding is a typo.

        Unit prices (`unit_price`) are rates and are not checked: 0.0079 per message is real."""
        places = decimals_of(value.normalize()) if isinstance(value, Decimal) and value.is_finite() else 0  # 449.990 is 449.99
        if places > self.scale:
            self.error(
                path,
                f"{json_path(path)}: {value} has {places} decimals, more than the rounding scale of {self.scale}",
                "money-scale",
                f"this price is billed as it is and rounded to {self.scale} decimals; write it as the price list does",
            )


class _ChargeSpec:
    """One charge on one edition as its model's `build` sees it (`engine.language.charges.base.Spec`)."""

    def __init__(
        self,
        compiler: _Compiler,
        charge_id: str,
        edition: str,
        params: Mapping[str, Any],
        paths: Mapping[str, list[PathItem]],
        allowed: frozenset[str],
        options: Mapping[str, m.Option],
    ) -> None:
        self.compiler, self.id, self.edition, self.params = compiler, charge_id, edition, params
        self.paths, self.allowed, self.options = paths, allowed, options

    def path(self, key: str) -> list[PathItem]:
        return self.paths[key]

    def expression(self, key: str) -> Expression | None:
        return self.compiler.expression(self.params, self.paths, key, self.allowed)

    def option(self, wanted: tuple[str, ...]) -> m.Option | None:
        return self.compiler.option_of(self.id, self.params, self.paths, self.options, wanted)

    def money_scale(self, value: Any, path: list[PathItem]) -> None:
        self.compiler.money_scale(value, path)

    def once(self, keys: tuple[str, ...], make: Callable[[], T]) -> T:
        where = tuple(tuple(self.paths[key]) for key in keys)  # where the parameters are written: one node, one build
        if where not in self.compiler.once:
            self.compiler.once[where] = make()
        found: T = self.compiler.once[where]
        return found

    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.compiler.error(path, message, rule, hint, key=key)

    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.compiler.warning(path, message, rule, hint, key=key)


_SYNTAX_HINT = "an expression is one formula, such as ceil(max(0, dau - 10000) / 10000); check its brackets and operators"


def _quoted_expression(text: str) -> str:
    shown = " ".join(text.split())
    return f"'{shown}'" if len(shown) <= 60 else f"'{shown[:57]}...'"


def _near(text: str, offset: int) -> str:
    """Where the parser gave up, as the text from there: "at '* 5)'" or "at the end"."""
    rest = text[offset:].strip()
    if not rest:
        return "at the end of the expression"
    return f"at '{rest[:12]}{'...' if len(rest) > 12 else ''}'"


# What a charge the schema refused can raise while it is compiled anyway.
_SHAPE_FAULTS = (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError)
# Top-level keys the compiler only stores: a schema error there does not stop the other checks.
_STORED_AS_IS = frozenset({"id", "version", "currency", "description"})


def check_despite_schema_errors(source: Source, schema_problems: list[Diagnostic]) -> list[Diagnostic]:
    """The semantic problems of a document the schema refused, where they can still be told.

    When every schema error sits inside a charge (or in a key that is only stored), the rest
    of the document is sound: the other checks run, so one `validate` shows every problem, not
    the schema's first. Otherwise the structure cannot be trusted and nothing more is said.
    """
    for problem in schema_problems:
        path = problem.path or ""
        if not (path.startswith("charges.") or path in _STORED_AS_IS):
            return []
    compiler = _Compiler(source, partial=True)
    with contextlib.suppress(*_SHAPE_FAULTS):  # what was found before a fault stands
        compiler.compile()
    said = {problem.path for problem in schema_problems} | {(p.line, p.column) for p in schema_problems}
    fresh = [d for d in compiler.diagnostics if d.path not in said and (d.line, d.column) not in said]
    return list({(d.line, d.column, d.message): d for d in fresh}.values())


def compile_version(source: Source) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    """Compile a schema-valid document; returns the version (None on errors) and all diagnostics."""
    compiler = _Compiler(source)
    version = compiler.compile()
    unique = {(d.line, d.column, d.message): d for d in compiler.diagnostics}
    return version, sorted(unique.values(), key=lambda d: (d.line or 0, d.column or 0))
