"""Two served versions side by side: the review diff (`/v1/diff`) and the impact (`/v1/impact`).

The diff needs each version's source with its line marks, which the compiled catalog does
not keep: the file is read again from the tariff root and must be the one served (same
SHA-256), else the request is refused until the reloader catches up. The impact prices the
tariff's golden scenarios (defaults applied, as `tariff test` reads them) and, when given,
the caller's usage under both versions, whatever their effective dates, as
`tariff diff --scenarios` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.authoring.scenarios import read_scenarios, scenario_files
from engine.core.errors import Diagnostic, TariffError, UsageError, usage_error
from engine.language import model as m
from engine.pricing.quote import price_version
from engine.pricing.usage import read_envelope
from engine.review import report
from engine.review.diff import TariffDiff, diff
from engine.review.impact import Impact, Scenario, impact
from engine.review.revisions import Document, compile_document
from engine.server.problems import Problem, from_diagnostics, from_usage_error


def version_of(tariff: m.Tariff, label: str, key: str) -> m.TariffVersion:
    for version in tariff.versions:
        if version.version == label:
            return version
    labels = ", ".join(v.version for v in tariff.versions)
    missing = Diagnostic(message=f"{tariff.id} has no version '{label}' (versions: {labels})", rule="version", path=key)
    raise from_diagnostics(404, [missing])


def ordered(old: m.TariffVersion, new: m.TariffVersion) -> tuple[m.TariffVersion, m.TariffVersion]:
    return (old, new) if old.effective_from <= new.effective_from else (new, old)


def served_document(root: Path, version: m.TariffVersion) -> Document:
    """The version's source as served; 409 when the file has changed since it was loaded."""
    path = root / version.file
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if hashlib.sha256(raw).hexdigest() != version.sha256:
        message = f"{version.file} changed since it was loaded; the next reload serves it"
        raise Problem(409, message, [Diagnostic(message=message, rule="reload", file=version.file)], generic=True)
    try:
        return compile_document(raw, version.file, path)
    except TariffError as error:  # cannot happen for a served file; said plainly if it does
        raise Problem(409, "the served file no longer compiles", error.diagnostics, generic=True) from None


def version_diff(root: Path, old: m.TariffVersion, new: m.TariffVersion) -> TariffDiff:
    return diff(served_document(root, old), served_document(root, new))


def golden_scenarios(root: Path, tariff: m.Tariff) -> list[Scenario]:
    """The tariff's golden scenarios, defaults applied; a file with problems is left out."""
    found: list[Scenario] = []
    for path in scenario_files(root / tariff.id) if (root / tariff.id).is_dir() else []:
        scenarios, problems = read_scenarios(path)
        if not problems:
            found += [Scenario(s.name, s.usage) for s in scenarios]
    return found


def scenario_impact(root: Path, tariff: m.Tariff, old: m.TariffVersion, new: m.TariffVersion) -> Impact:
    return impact(old, new, golden_scenarios(root, tariff))


def usage_under(version: m.TariffVersion, document: Any) -> dict[str, Any]:
    """The invoice of `document` under this version whatever its dates, or the problem, as a batch result."""
    try:
        envelope = read_envelope(document)
        if envelope.tariff is not None and envelope.tariff != version.id:
            raise usage_error("tariff", f"the usage is for tariff '{envelope.tariff}', not '{version.id}'", "tariff")
        invoice = price_version(version, envelope)
    except UsageError as error:
        problem = from_usage_error(error, by_catalog=False)
        return {"status": problem.status, "problem": problem.to_dict()}
    return {"status": 200, "invoice": invoice.to_dict()}


def impact_body(
    root: Path, tariff: m.Tariff, old: m.TariffVersion, new: m.TariffVersion, usage: Mapping[str, Any] | None
) -> dict[str, Any]:
    found = scenario_impact(root, tariff, old, new)
    scenarios = report.to_dict(version_diff(root, old, new), found)["impact"]
    return {
        "id": tariff.id,
        "old": old.version,
        "new": new.version,
        "scenarios": scenarios,
        "usage": None if usage is None else {"old": usage_under(old, usage), "new": usage_under(new, usage)},
    }
