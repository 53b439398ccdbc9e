"""A tariff's versions over time: which is in force when, and starting the next one.

A published version never changes; a price change is a new file with a later
`effective_from`. `bump` starts that file as a copy of the latest version, read and
written with ruamel's round trip so comments, key order, quoting and layout stay as
the author wrote them; only `version` and `effective_from` are set.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import ScalarString

from engine.core.errors import Diagnostic, TariffError
from engine.language import model as m
from engine.language.catalog import load_tariff
from engine.language.source import display_name, read_bytes
from engine.review.revisions import compile_document


@dataclass(frozen=True, slots=True)
class VersionRange:
    """One version and the days it is in force: `until` is None for the latest."""

    file: str
    version: str
    effective_from: dt.date
    until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.until is None or day <= self.until)

    def to_dict(self) -> dict[str, Any]:
        until = None if self.until is None else self.until.isoformat()
        return {"file": self.file, "version": self.version, "effective_from": self.effective_from.isoformat(), "until": until}


def ranges(tariff: m.Tariff) -> tuple[VersionRange, ...]:
    """Each version from its `effective_from` to the day before the next one's."""
    found = []
    for index, version in enumerate(tariff.versions):
        later = tariff.versions[index + 1] if index + 1 < len(tariff.versions) else None
        until = None if later is None else later.effective_from - dt.timedelta(days=1)
        found.append(VersionRange(version.file, version.version, version.effective_from, until))
    return tuple(found)


def next_label(label: str) -> str | None:
    """The label after `label`: its last number plus one (`1` → `2`, `2024.9` → `2024.10`, `v07` → `v08`)."""
    found = re.search(r"(\d+)\D*$", label)
    if found is None:
        return None
    digits = found.group(1)
    return label[: found.start(1)] + str(int(digits) + 1).zfill(len(digits)) + label[found.end(1) :]


@dataclass(frozen=True, slots=True)
class Bumped:
    """The new version file: where, from which, its label, and lines reformatted beyond the two set."""

    path: Path
    copied_from: str
    version: str
    reformatted: int


def bump(directory: Path, effective: dt.date, label: str | None = None) -> Bumped:
    """Write `directory/<effective>.yaml`, a copy of the latest version with the version fields set."""
    tariff = load_tariff(directory)
    latest = tariff.versions[-1]
    if effective <= latest.effective_from:
        raise TariffError([_not_after(effective, latest)])
    label = label or next_label(latest.version)
    if label is None:
        raise TariffError([_no_label(latest)])
    source = directory / Path(latest.file).name
    target = directory / f"{effective.isoformat()}.yaml"
    original = read_bytes(source, display_name(source)).decode("utf-8")
    written, reformatted = _rewrite(original, effective, label)
    compile_document(written.encode("utf-8"), display_name(target), target)
    try:
        with target.open("x", encoding="utf-8", newline="") as out:
            out.write(written)
    except FileExistsError:
        raise TariffError(
            [Diagnostic(message="already exists; a published version is never overwritten", rule="io", file=str(target))]
        ) from None
    return Bumped(target, latest.file, label, reformatted)


def _not_after(effective: dt.date, latest: m.TariffVersion) -> Diagnostic:
    return Diagnostic(
        message=f"{effective} is not after the latest version's date {latest.effective_from} ({latest.file})",
        rule="version-date",
        file=latest.file,
        hint=f"a new version takes effect after the latest one: give a date from {latest.effective_from + dt.timedelta(days=1)} on",
    )


def _no_label(latest: m.TariffVersion) -> Diagnostic:
    return Diagnostic(
        message=f"version label {latest.version!r} has no number to increase",
        rule="version-label",
        file=latest.file,
        hint="give the new label with --version",
    )


# Layouts tried in turn; the first that writes the unchanged document back byte for byte wins.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (2, 2, 2), (4, 4, 2), (4, 6, 4))


def _rewrite(original: str, effective: dt.date, label: str) -> tuple[str, int]:
    """The document with the two fields set, and how many other lines came out different."""
    layout = next((lay for lay in _LAYOUTS if _dump(_round_trip(lay), _round_trip(lay).load(original)) == original), _LAYOUTS[0])
    yaml = _round_trip(layout)
    written = _dump(yaml, _set_fields(yaml.load(original), effective, label))
    return written, max(0, _changed_lines(original, written) - 2)


def _round_trip(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _set_fields(data: Any, effective: dt.date, label: str) -> Any:
    old_label, old_date = data["version"], data["effective_from"]
    # Keep each field's quoting: a quoted string stays quoted, a plain date stays a plain date.
    data["version"] = type(old_label)(label) if isinstance(old_label, ScalarString) else label
    data["effective_from"] = type(old_date)(effective.isoformat()) if isinstance(old_date, ScalarString) else effective
    return data


def _changed_lines(before: str, after: str) -> int:
    import difflib

    return sum(1 for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line.startswith("+ "))
