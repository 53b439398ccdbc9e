"""Tariff document (schema-valid) → frozen `TariffVersion`, with semantic checks.

The schema has already said the document has the right shape; here come the rules a
schema cannot state: names that must exist, expressions that must parse and name only
declared things, tiers in order, option tables without duplicates, and warnings for
what is probably a mistake. Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from . import model as m
from .errors import Diagnostic, did_you_mean
from .expressions import Expression, ExpressionError, compile_expression, constant
from .money import Rounding, decimals_of
from .source import PathItem, Source

_MONEY_KEYS = ("price", "unit_price", "flat_fee", "price_after")


class _Compiler:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.doc: Mapping[str, Any] = source.data
        self.diagnostics: list[Diagnostic] = []
        self.used_names: set[str] = set()
        self.priced_options: set[str] = set()

    # -- reporting -------------------------------------------------------------
    def error(self, path: list[PathItem], message: str, rule: str, hint: str | None = None, *, key: bool = False) -> None:
        self.diagnostics.append(self.source.diagnostic(path, message, rule, hint=hint, key=key))

    def warning(self, path: list[PathItem], message: str, rule: str, hint: str | None = None) -> None:
        self.diagnostics.append(self.source.diagnostic(path, message, rule, severity="warning", hint=hint))

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
        rounding = Rounding(**{k: doc["rounding"][k] for k in ("scale", "mode", "apply")})
        charges = {edition: [] for edition in editions}  # type: dict[str, list[m.Charge]]
        for charge_id, spec in doc["charges"].items():
            for edition, charge in self.charge(charge_id, spec, editions, meters, options, rounding):
                charges[edition].append(charge)
        plans = {name: self.plan(editions[name], charges[name], meters) for name in editions}
        self.check_unused(meters, options)
        if any(d.severity == "error" for d in self.diagnostics) or effective is None:
            return None
        window = doc["settlement"].get("deduction_window") or {}
        return m.TariffVersion(
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
        )

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
        return m.Meter(
            name=name,
            type=spec["type"],
            aggregation=spec["aggregation"],
            daily=spec.get("series", "none") == "daily",
            minimum=minimum,
            maximum=maximum,
            unit=spec.get("unit", ""),
            description=spec.get("description", ""),
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
        rounding: Rounding,
    ) -> Iterable[tuple[str, m.Charge]]:
        base = ["charges", charge_id]
        available = spec["editions"]
        overrides: Mapping[str, Any] = available if isinstance(available, Mapping) else {}
        names = list(available)
        for index, edition in enumerate(names):
            if edition not in editions:
                where: list[PathItem] = [*base, "editions", edition if overrides else index]
                self.error(
                    where,
                    f"charges.{charge_id}: edition '{edition}' does not exist (editions: {', '.join(editions)})",
                    "unknown-edition",
                    did_you_mean(edition, editions),
                    key=bool(overrides),
                )
        for edition in names:
            if edition not in editions:
                continue
            params = {k: v for k, v in spec.items() if k != "editions"}
            params_path: dict[str, list[PathItem]] = {k: [*base, k] for k in params}
            for key, value in (overrides.get(edition) or {}).items():
                params[key] = value
                params_path[key] = [*base, "editions", edition, key]
            self.check_money_scale(params, params_path, rounding)
            allowed = self.allowed_names(meters, options, editions[edition])
            built = self.build(charge_id, edition, params, params_path, allowed, options, meters)
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
        meters: Mapping[str, m.Meter],
    ) -> m.Charge | None:
        required = {
            "flat": ("price",),
            "per_unit": ("quantity", "unit_price"),
            "blocks": ("quantity", "block_size", "price"),
            "tiered": ("quantity", "mode", "tiers"),
            "option": ("option", "table"),
            "trial": ("option", "free_days"),
        }[params["model"]]
        missing = [key for key in required if key not in params]
        if missing:
            self.error(
                ["charges", charge_id],
                f"charges.{charge_id}: no '{missing[0]}' for edition '{edition}'",
                "missing-param",
                f"set '{missing[0]}' on the charge, or under editions.{edition}",
            )
            return None
        common = {
            "id": charge_id,
            "description": params.get("description") or charge_id.replace("_", " "),
            "source": self.source_ref(["charges", charge_id]),
            "unit": params.get("unit", ""),
            "when": self.expression(params, paths, "when", allowed),
        }
        model = params["model"]
        if model == "flat":
            return m.FlatCharge(**common, price=Decimal(params["price"]))
        if model == "per_unit":
            quantity = self.expression(params, paths, "quantity", allowed)
            return None if quantity is None else m.PerUnitCharge(**common, quantity=quantity, unit_price=Decimal(params["unit_price"]))
        if model == "blocks":
            quantity = self.expression(params, paths, "quantity", allowed)
            included = self.expression(params, paths, "included", allowed) or constant(Decimal(0))
            if quantity is None:
                return None
            return m.BlocksCharge(
                **common,
                quantity=quantity,
                included=included,
                block_size=Decimal(params["block_size"]),
                round_up=params.get("round", "up") == "up",
                price=Decimal(params["price"]),
            )
        if model == "tiered":
            quantity = self.expression(params, paths, "quantity", allowed)
            tiers = self.tiers(charge_id, params["tiers"], paths["tiers"])
            if quantity is None or tiers is None:
                return None
            return m.TieredCharge(**common, quantity=quantity, graduated=params["mode"] == "graduated", tiers=tiers)
        option = self.option_of(charge_id, params, paths, options, model)
        if option is None:
            return None
        if model == "option":
            prices = self.option_table(charge_id, option, params["table"], paths["table"])
            return None if prices is None else m.OptionCharge(**common, option=option, prices=MappingProxyType(prices))
        return m.TrialCharge(**common, option=option, free_days=int(params["free_days"]), price_after=_money(params.get("price_after")))

    def allowed_names(self, meters: Mapping[str, m.Meter], options: Mapping[str, m.Option], edition: m.Edition) -> frozenset[str]:
        return frozenset(meters) | frozenset(options) | frozenset(edition.attributes)

    def expression(
        self, params: Mapping[str, Any], paths: Mapping[str, list[PathItem]], key: str, allowed: frozenset[str]
    ) -> Expression | None:
        if key not in params:
            return None
        value = params[key]
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return constant(Decimal(value))
        try:
            compiled = compile_expression(str(value), allowed)
        except ExpressionError as problem:
            self.expression_error(paths[key], str(value), problem)
            return None
        self.used_names |= compiled.names
        return compiled

    def expression_error(self, path: list[PathItem], text: str, problem: ExpressionError) -> None:
        line, column = self.source.position(path)
        if column is not None and line is not None:
            raw_line = self.source.raw.decode("utf-8").splitlines()[line - 1]
            quoted = raw_line[column - 1 : column] in ("'", '"')
            column += problem.offset + (1 if quoted else 0)
        rule = (
            "unknown-name"
            if problem.message.startswith("unknown name")
            else ("expression-syntax" if "does not parse" in problem.message else "expression-forbidden")
        )
        from .source import json_path

        self.diagnostics.append(
            Diagnostic(
                message=f"{json_path(path)}: {problem.message}",
                rule=rule,
                file=self.source.name,
                line=line,
                column=column,
                path=json_path(path),
                hint=problem.hint,
            )
        )

    def tiers(self, charge_id: str, specs: list[Mapping[str, Any]], path: list[PathItem]) -> tuple[m.Tier, ...] | None:
        built: list[m.Tier] = []
        lower = Decimal(0)
        ok = True
        for index, spec in enumerate(specs):
            up_to = spec["up_to"]
            where = [*path, index, "up_to"]
            if up_to is None and index != len(specs) - 1:
                self.error(where, f"charges.{charge_id}.tiers[{index}]: only the last tier may be open-ended (up_to: null)", "tier-order")
                ok = False
            if up_to is not None and up_to <= lower:
                self.error(
                    where,
                    f"charges.{charge_id}.tiers[{index}]: up_to {up_to} must be greater than the previous tier's {lower}",
                    "tier-order",
                    "list tiers in ascending order of up_to, each starting where the previous one ends",
                )
                ok = False
            extra = spec.get("extra_block") or {}
            built.append(
                m.Tier(
                    lower=lower,
                    up_to=None if up_to is None else Decimal(up_to),
                    flat_fee=Decimal(spec.get("flat_fee", 0)),
                    unit_price=Decimal(spec.get("unit_price", 0)),
                    extra_block_size=Decimal(extra["size"]) if extra else None,
                    extra_block_price=Decimal(extra.get("price", 0)),
                )
            )
            lower = Decimal(up_to) if up_to is not None else lower
        if specs and specs[-1]["up_to"] is not None:
            self.warning(
                [*path, len(specs) - 1, "up_to"],
                f"charges.{charge_id}.tiers: the last tier ends at {specs[-1]['up_to']}; larger quantities will be refused",
                "tier-open",
                "end with an open tier (up_to: null) unless quantities above are impossible",
            )
        return tuple(built) if ok else None

    def option_of(
        self,
        charge_id: str,
        params: Mapping[str, Any],
        paths: Mapping[str, list[PathItem]],
        options: Mapping[str, m.Option],
        model: str,
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
        wanted = ("activation",) if model == "trial" else ("switch", "choice")
        if option.type not in wanted:
            self.error(
                paths["option"],
                f"charges.{charge_id}.option: a '{model}' charge needs an option of type "
                f"{' or '.join(wanted)}, and '{name}' is a {option.type}",
                "option-type",
            )
            return None
        self.priced_options.add(name)
        return option

    def option_table(
        self, charge_id: str, option: m.Option, rows: list[Mapping[str, Any]], path: list[PathItem]
    ) -> dict[m.ChoiceValue, Decimal] | None:
        prices: dict[m.ChoiceValue, Decimal] = {}
        ok = True
        for index, row in enumerate(rows):
            value = row["value"]
            where = [*path, index, "value"]
            if option.type == "switch" and value is not True:
                self.error(
                    where, f"charges.{charge_id}.table[{index}]: a switch is bought with true; {value!r} cannot be chosen", "option-table"
                )
                ok = False
            elif option.type == "choice" and isinstance(value, bool):
                self.error(
                    where,
                    f"charges.{charge_id}.table[{index}]: a choice needs a number or a name, not {str(value).lower()}",
                    "option-table",
                )
                ok = False
            elif _choice_key(value) in prices:
                self.error(where, f"charges.{charge_id}.table[{index}]: option {value} is listed twice", "option-table")
                ok = False
            prices[_choice_key(value)] = Decimal(row["price"])
        return prices if ok else None

    def plan(self, edition: m.Edition, charges: list[m.Charge], meters: Mapping[str, m.Meter]) -> m.EditionPlan:
        needed: set[str] = set()
        offers: dict[str, m.OptionCharge | m.TrialCharge] = {}
        for charge in charges:
            for expression in _expressions_of(charge):
                needed |= expression.names & set(meters)
            if isinstance(charge, m.OptionCharge | m.TrialCharge):
                name = charge.option.name
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
            if name not in self.used_names:
                self.warning(["meters", name], f"meters.{name}: meter '{name}' is declared but no charge uses it", "unused-meter")
        for name in options:
            if name not in self.priced_options and name not in self.used_names:
                self.warning(["options", name], f"options.{name}: option '{name}' is declared but no charge prices it", "unused-option")

    def check_money_scale(self, params: Mapping[str, Any], paths: Mapping[str, list[PathItem]], rounding: Rounding) -> None:
        for key in _MONEY_KEYS:
            value = params.get(key)
            if isinstance(value, Decimal) and decimals_of(value) > rounding.scale:
                self.warning(
                    paths[key],
                    f"{'.'.join(str(p) for p in paths[key])}: {value} has more decimals than the rounding scale ({rounding.scale})",
                    "money-scale",
                )


def _money(value: Any) -> Decimal | None:
    """Prices written as whole numbers (`price: 49`) are ints in YAML: money is Decimal."""
    return None if value is None else Decimal(value)


def _choice_key(value: Any) -> m.ChoiceValue:
    return value if isinstance(value, bool | str) else int(value)


def _expressions_of(charge: m.Charge) -> list[Expression]:
    found = [charge.when] if charge.when is not None else []
    for attribute in ("quantity", "included"):
        expression = getattr(charge, attribute, None)
        if isinstance(expression, Expression):
            found.append(expression)
    return found


def compile_version(source: Source) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    """Compile a schema-valid document; returns the version (None on errors) and all diagnostics."""
    compiler = _Compiler(source)
    version = compiler.compile()
    unique = {(d.line, d.column, d.message): d for d in compiler.diagnostics}
    return version, sorted(unique.values(), key=lambda d: (d.line or 0, d.column or 0))
