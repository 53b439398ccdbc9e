"""`tariff validate`: every problem of every tariff file under the given paths, in one run.

A directory is searched for tariff directories (those holding `YYYY-MM-DD.yaml` version
files); each is checked as a whole, so the rules between versions run too. A file is
checked on its own: a version file, any tariff document, or a scenario file (against
schemas/scenarios.schema.json). Nothing stops at the first problem.

Diagnostics name files as they were given (`tariffs/tencent-im/2022-01-01.yaml` for
`tariff validate tariffs`), so an editor or a terminal can open them; the report also keeps
each file's path on disk, for formats that must point into the repository (GitHub annotations).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.authoring.scenarios import check_scenarios_file, is_scenarios_file, walk_yaml
from engine.core.errors import Diagnostic, Error
from engine.language import catalog


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic and the path on disk of the file it is about."""

    diagnostic: Diagnostic
    filename: str | None


@dataclass(frozen=True, slots=True)
class Report:
    """What was checked and what was found."""

    files: tuple[str, ...]  # paths on disk of the files checked
    findings: tuple[Finding, ...]
    unusable: tuple[Diagnostic, ...]  # paths that could not be checked at all

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(finding.diagnostic for finding in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    def summary(self) -> str:
        found = f"{_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}" if self.findings else "no problems"
        return f"checked {_plural(len(self.files), 'file')}: {found}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "diagnostics": [{**f.diagnostic.to_dict(), "filename": f.filename} for f in self.findings],
            "unusable": [d.to_dict() for d in self.unusable],
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def validate(paths: Iterable[str | Path]) -> Report:
    """Check every file under `paths`; never raises for a problem in a file."""
    collector = _Collector()
    for path in paths:
        collector.add(Path(path))
    unique = {(f.filename, f.diagnostic): f for f in collector.findings}
    return Report(tuple(collector.files), tuple(unique.values()), tuple(collector.unusable))


class _Collector:
    def __init__(self) -> None:
        self.files: list[str] = []
        self.seen: set[Path] = set()
        self.findings: list[Finding] = []
        self.unusable: list[Diagnostic] = []

    def add(self, path: Path) -> None:
        if not path.exists():
            self.unusable.append(Diagnostic(message="no such file or directory", rule="io", file=str(path)))
        elif path.is_dir():
            self.add_tree(path)
        elif is_scenarios_file(path):
            self.add_scenarios(path)
        else:
            self.add_file(path)

    def add_tree(self, root: Path) -> None:
        files = list(walk_yaml(root))
        directories = sorted({p.parent for p in files if catalog.is_version_file(p) and p.parent.name != "scenarios"})
        scenario_files = [p for p in files if is_scenarios_file(p)]
        if not directories and not scenario_files:
            message = "no tariff version files (YYYY-MM-DD.yaml) or scenario files under this directory"
            self.unusable.append(Diagnostic(message=message, rule="io", file=str(root)))
        for directory in directories:
            self.add_directory(directory)
        for path in scenario_files:
            self.add_scenarios(path)

    def first_time(self, path: Path) -> bool:
        resolved = path.resolve()
        if resolved in self.seen:
            return False
        self.seen.add(resolved)
        return True

    def record(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Keep diagnostics with the path on disk of their file (they name it as given)."""
        self.findings += [Finding(d, d.file) for d in diagnostics]

    def add_directory(self, directory: Path) -> None:
        if not self.first_time(directory):
            return
        stray: list[Diagnostic] = []
        for path in sorted(directory.iterdir()):
            if path.is_file() and catalog.is_version_file(path):
                self.seen.add(path.resolve())
                self.files.append(str(path))
            elif path.is_file() and path.suffix in (".yaml", ".yml") and not is_scenarios_file(path):
                stray.append(_stray(path))
        self.record([*stray, *_tariff_problems(directory)])

    def add_file(self, path: Path) -> None:
        if self.first_time(path):
            self.files.append(str(path))
            self.record(_tariff_problems(path))

    def add_scenarios(self, path: Path) -> None:
        if self.first_time(path):
            self.files.append(str(path))
            self.record(check_scenarios_file(path))


def _tariff_problems(path: Path) -> list[Diagnostic]:
    try:
        return catalog.check_path(path)[1]
    except Error as error:  # a file that cannot be read at all, or is over the size limit
        return list(error.diagnostics)


def _stray(path: Path) -> Diagnostic:
    return Diagnostic(
        message=f"{path.name} is neither a version file (YYYY-MM-DD.yaml) nor a scenario file: the engine does not read it",
        rule="stray-file",
        severity="warning",
        file=str(path),
        hint="name a version file after its effective_from (2024-01-01.yaml), or move the file out of the tariff directory",
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def github_annotation(diagnostic: Diagnostic, filename: str | None) -> str:
    """A GitHub Actions workflow command: `::error file=…,line=…,col=…,title=…::message`."""
    properties = [f"file={_escape_property(filename)}"] if filename else []
    if diagnostic.line is not None:
        properties.append(f"line={diagnostic.line}")
        if diagnostic.column is not None:
            properties.append(f"col={diagnostic.column}")
    properties.append(f"title={_escape_property(diagnostic.rule)}")
    message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    return f"::{diagnostic.severity} {','.join(properties)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
