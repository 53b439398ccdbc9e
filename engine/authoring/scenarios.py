"""Golden scenarios: usage documents with the invoice (or refusal) worked out by hand.

A tariff directory keeps them in `scenarios.yaml` or `scenarios/*.yaml` beside its
versions (schemas/scenarios.schema.json). Each scenario is priced through the public
`quote` with the tariff of its directory, and the outcome is compared with what the
scenario expects: every line, the total, and the header fields it names; or the exact
refusal. A scenario file is never a version file (`catalog.is_version_file`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, TariffError, UsageError
from engine.core.money import text
from engine.language import model as m
from engine.language.catalog import is_version_file, load_tariff
from engine.language.schema import check_document
from engine.language.source import MAX_DOCUMENT_BYTES, Source, as_given, load_source
from engine.pricing.invoice import Invoice, InvoiceLine
from engine.pricing.quote import quote

_YAML = (".yaml", ".yml")
_TOP_LEVEL_KEY = re.compile(r"^[\"']?([A-Za-z_]+)[\"']?\s*:", re.M)
_HEADER = ("account", "period", "edition", "currency")
_PAYMENT = ("amount_due", "credit_balance_remaining")  # after the total, with adjustments


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Expected:
    """What pricing must give: an invoice (`total`, `lines`, maybe header fields) or a refusal."""

    total: Decimal | None = None
    lines: Mapping[str, ExpectedLine] = field(default_factory=dict)
    refusal: tuple[str, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    where: str  # "tencent-im/scenarios.yaml:12"
    usage: Mapping[str, Any]
    expect: Expected
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Difference:
    what: str
    expected: str
    actual: str


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    differences: tuple[Difference, ...]
    summary: str  # "1979.95 USD" or "refused"

    @property
    def passed(self) -> bool:
        return not self.differences


# -- finding scenario files ------------------------------------------------------------


def is_scenarios_file(path: Path) -> bool:
    """`scenarios.yaml` beside the versions, or a YAML file in a `scenarios/` directory that is not a usage document."""
    if path.suffix not in _YAML:
        return False
    return path.stem == "scenarios" or (path.parent.name == "scenarios" and not is_usage_document(path))


def is_usage_document(path: Path) -> bool:
    """A usage document (top-level `period:`, no `scenarios:`), as `tariff diff --scenarios` reads a folder of them."""
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            text = stream.read(MAX_DOCUMENT_BYTES)
    except OSError:
        return False  # reported where the file is read
    keys = set(_TOP_LEVEL_KEY.findall(text))
    return "period" in keys and "scenarios" not in keys


def tariff_dir_of(path: Path) -> Path:
    """The tariff directory a scenario file belongs to."""
    return path.parent.parent if path.parent.name == "scenarios" else path.parent


def scenario_files(root: Path) -> list[Path]:
    """Scenario files under a tariff root, a tariff directory or a `scenarios/` directory."""
    if root.is_file():
        return [root]
    return sorted(p for p in walk_yaml(root) if is_scenarios_file(p))


def walk_yaml(root: Path) -> Iterator[Path]:
    """YAML files under `root`, skipping hidden directories (.git, .venv, ...)."""
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_YAML):
                yield Path(directory) / name


def display_name(path: Path) -> str:
    """Named from the tariff root, like version files: `tencent-im/scenarios.yaml`."""
    tariff_dir = tariff_dir_of(path)
    relative = path.relative_to(tariff_dir).as_posix()
    return f"{tariff_dir.name}/{relative}" if tariff_dir.name else relative


# -- reading a scenario file --------------------------------------------------------------


def check_scenarios_file(path: Path) -> list[Diagnostic]:
    """Every problem of a scenario file (schema, duplicate names), without pricing anything."""
    return read_scenarios(path)[1]


def read_scenarios(path: Path) -> tuple[list[Scenario], list[Diagnostic]]:
    """The scenarios of a file, and its problems naming the file as given."""
    scenarios, problems = _read_scenarios(path)
    return scenarios, as_given(problems, {display_name(path): str(path)})


def _read_scenarios(path: Path) -> tuple[list[Scenario], list[Diagnostic]]:
    try:
        source, problems = load_source(path, display_name(path))
    except TariffError as error:
        return [], list(error.diagnostics)
    if source is None:
        return [], problems
    problems = check_document(source, "scenarios")
    if problems:
        return [], problems
    return _scenarios(source)


def _scenarios(source: Source) -> tuple[list[Scenario], list[Diagnostic]]:
    defaults = plain(source.data.get("defaults") or {})
    found: list[Scenario] = []
    problems: list[Diagnostic] = []
    first: dict[str, int] = {}
    for index, spec in enumerate(source.data["scenarios"]):
        name = str(spec["name"])
        line, _ = source.position(["scenarios", index], key=False)
        if name in first:
            problems.append(
                source.diagnostic(
                    ["scenarios", index, "name"],
                    f"scenarios[{index}].name: '{name}' is already the name of scenarios[{first[name]}]",
                    "scenario-name",
                    hint="give every scenario of a file its own name: it names the test",
                )
            )
            continue
        first[name] = index
        usage = {**defaults, **plain(spec["usage"])}
        rules = tuple(str(rule) for rule in spec.get("rules") or ())
        found.append(Scenario(name, f"{source.name}:{line}", usage, _expected(spec["expect"]), rules))
    return found, problems


def _expected(spec: Mapping[str, Any]) -> Expected:
    if "refusal" in spec:
        refusal = spec["refusal"]
        return Expected(refusal=(refusal,) if isinstance(refusal, str) else tuple(refusal))
    lines = {}
    for line_id, value in spec["lines"].items():
        if isinstance(value, Mapping):
            quantity = value.get("quantity")
            lines[line_id] = ExpectedLine(Decimal(value["amount"]), None if quantity is None else Decimal(quantity))
        else:
            lines[line_id] = ExpectedLine(Decimal(value))
    fields = {key: str(spec[key]) for key in (*_HEADER, "version", *_PAYMENT) if key in spec}
    for key, value in (spec.get("settlement") or {}).items():
        fields[f"settlement.{key}"] = str(value)
    return Expected(total=Decimal(spec["total"]), lines=lines, fields=fields)


def plain(value: Any) -> Any:
    """ruamel containers → plain dicts and lists (a usage document as a caller would send it)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# -- running -------------------------------------------------------------------------------


def collect(path: Path) -> list[tuple[m.Tariff, Scenario]]:
    """Every scenario under `path` with the tariff that prices it; raises `TariffError` with every problem."""
    files = scenario_files(path)
    problems: list[Diagnostic] = []
    if not path.exists():
        problems.append(Diagnostic(message="no such file or directory", rule="io", file=str(path)))
    elif not files:
        problems.append(Diagnostic(message="no scenario files (scenarios.yaml or scenarios/*.yaml) here", rule="io", file=str(path)))
    tariffs: dict[Path, m.Tariff] = {}
    found: list[tuple[m.Tariff, Scenario]] = []
    for file in files:
        scenarios, file_problems = read_scenarios(file)
        tariff = _tariff_for(tariff_dir_of(file), tariffs, file_problems)
        problems += file_problems
        if tariff is not None:
            found += [(tariff, scenario) for scenario in scenarios]
    if problems:
        raise TariffError(problems)
    return found


def _tariff_for(directory: Path, loaded: dict[Path, m.Tariff], problems: list[Diagnostic]) -> m.Tariff | None:
    if directory in loaded:
        return loaded[directory]
    if not any(is_version_file(p) for p in directory.iterdir()):
        problems.append(Diagnostic(message="no version files (YYYY-MM-DD.yaml) beside these scenarios", rule="io", file=str(directory)))
        return None
    try:
        loaded[directory] = load_tariff(directory)
    except TariffError as error:
        problems += error.diagnostics
        return None
    return loaded[directory]


def run(tariff: m.Tariff, scenario: Scenario) -> Outcome:
    """Price the scenario's usage and compare with what it expects."""
    try:
        invoice = quote(tariff, scenario.usage)
    except UsageError as refusal:
        actual = tuple(f"{d.where}: {d.message}" for d in refusal.diagnostics)
        return Outcome(scenario, tuple(_refusal_differences(scenario.expect, actual)), "refused")
    return Outcome(scenario, tuple(_invoice_differences(scenario.expect, invoice)), f"{text(invoice.total)} {invoice.currency}")


def _refusal_differences(expect: Expected, actual: tuple[str, ...]) -> Iterator[Difference]:
    if expect.refusal is None:
        yield Difference("outcome", "an invoice", "refused")
        for problem in actual:
            yield Difference("refusal", "", problem)
        return
    for index in range(max(len(expect.refusal), len(actual))):
        wanted = expect.refusal[index] if index < len(expect.refusal) else "(none)"
        got = actual[index] if index < len(actual) else "(none)"
        if wanted != got:
            yield Difference("refusal", wanted, got)


def _invoice_differences(expect: Expected, invoice: Invoice) -> Iterator[Difference]:
    if expect.refusal is not None:
        yield Difference("outcome", "refused", f"an invoice of {text(invoice.total)} {invoice.currency}")
        for wanted in expect.refusal:
            yield Difference("refusal", wanted, "(none)")
        return
    actual = {line.id: line for line in invoice.lines}
    for line_id in [*expect.lines, *(i for i in actual if i not in expect.lines)]:
        yield from _line_differences(line_id, expect.lines.get(line_id), actual.get(line_id))
    if expect.total != invoice.total:
        yield Difference("total", _amount(expect.total), text(invoice.total))
    for key, wanted in expect.fields.items():
        got = _field(invoice, key)
        if got != wanted:
            yield Difference(key, wanted, got)


def _line_differences(line_id: str, wanted: ExpectedLine | None, got: InvoiceLine | None) -> Iterator[Difference]:
    if wanted is None or got is None:
        yield Difference(
            f"line {line_id}", _amount(None if wanted is None else wanted.amount), _amount(None if got is None else got.amount)
        )
        return
    if wanted.amount != got.amount:
        yield Difference(f"line {line_id}", text(wanted.amount), text(got.amount))
    if wanted.quantity is not None and wanted.quantity != got.quantity:
        yield Difference(f"line {line_id} quantity", text(wanted.quantity), text(got.quantity))


def _field(invoice: Invoice, key: str) -> str:
    if key == "version":
        return invoice.tariff.version
    if key.startswith("settlement."):
        return str(getattr(invoice.settlement, key.split(".", 1)[1]))
    if key in _PAYMENT:
        return str(invoice.payment.to_dict()[key]) if invoice.payment is not None else "(none)"
    return str(getattr(invoice, key))


def _amount(value: Decimal | None) -> str:
    return "(none)" if value is None else text(value)


# -- reporting ---------------------------------------------------------------------------


def render(outcomes: Sequence[Outcome]) -> str:
    """One PASS/FAIL line per scenario, a table of differences under each failure, a summary."""
    out: list[str] = []
    for outcome in outcomes:
        verdict = "PASS" if outcome.passed else "FAIL"
        out.append(f"{verdict}  {outcome.scenario.where}  {outcome.scenario.name}: {outcome.summary}")
        if not outcome.passed:
            out += ["      " + row for row in difference_table(outcome.differences)]
    failed = sum(1 for o in outcomes if not o.passed)
    out.append(f"{len(outcomes)} scenario{'s' if len(outcomes) != 1 else ''}: {len(outcomes) - failed} passed, {failed} failed")
    return "\n".join(out) + "\n"


def difference_table(differences: Sequence[Difference]) -> list[str]:
    rows = [("", "expected", "actual"), *((d.what, d.expected, d.actual) for d in differences)]
    what_width = max(len(r[0]) for r in rows)
    expected_width = max(len(r[1]) for r in rows)
    return [f"{r[0].ljust(what_width)}  {r[1].ljust(expected_width)}  {r[2]}".rstrip() for r in rows]
