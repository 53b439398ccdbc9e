"""Loading: version files, tariff directories and tariff roots → compiled model.

load → validate (schema) → compile (semantic checks) for each version file; a tariff
directory adds the rules between versions (file named by its date, no two versions
on one date, one id). Every problem of every file is collected before raising.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.core.errors import Diagnostic, TariffError
from engine.core.resources import tariffs_dir
from engine.language import cache
from engine.language import model as m
from engine.language.charges import MODELS
from engine.language.compiler import check_despite_schema_errors, compile_version
from engine.language.source import Source, as_given, display_name, parse_yaml, read_bytes

Reader = Callable[[Path, str], bytes]  # (path, display name) → the file's bytes, or TariffError
_VERSION_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.yaml$")


def is_version_file(path: Path) -> bool:
    """Version files are named by their date; other files (scenarios, notes) are not versions."""
    return bool(_VERSION_FILE.match(path.name))


def check_version_file(path: Path, name: str | None = None) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    """Load, validate and compile one file; the version is None when any error was found."""
    version, problems = _compiled_file(path, name)
    if any(p.rule == "version-name" for p in problems):
        version = None
    return version, problems


def _compiled_file(path: Path, name: str | None = None, read: Reader = read_bytes) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    """Like `check_version_file`, but a version whose file name disagrees is still returned,
    so the checks between versions see it (a copied file with a stale date is a duplicate).
    Diagnostics name the file as given (`path`); the version keeps `name` for invoices."""
    name = name or display_name(path)
    version, problems = _compiled_file_named(path, name, read)
    return version, as_given(problems, {name: str(path)})


def _compiled_file_named(path: Path, name: str, read: Reader) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    raw = read(path, str(path))
    cached = cache.lookup(raw, name)  # the document, when it loaded without error before
    if cached is not None and (found := _from_cache(cached, path)) is not None:
        return found
    data, problems = parse_yaml(raw, name)
    if problems:
        return None, problems
    from engine.language.schema import check_tariff  # a document read from the cache was checked when stored

    source = Source(name=name, raw=raw, data=data)
    problems = check_tariff(source)
    if problems:
        problems += check_despite_schema_errors(source, problems)
        return None, sorted(problems, key=lambda d: (d.line or 0, d.column or 0))
    problems = _expansion_problems(source)
    if problems:
        return None, problems
    version, problems = _compiled(source, path)
    if version is not None and not _errors(problems):
        cache.store(source)
    return version, problems


# What compiling costs, measured (`python -m benchmarks --only large` times the compile alone): compiling a version and
# writing the rater of each of its editions takes about NS_PER_EDITION for each edition, NS_PER_PAIR for each
# charge on each edition it prices and NS_PER_VALUE for each value of those charges, counted once per edition
# when the editions' raters repeat them (a shared option table of 3,000 rows on 1,000 editions is 9,000,000 values;
# a shared tier list is read once, its values counted once: `Charge.values_per_edition`); memory likewise. Measured on the
# 2-core development machine, shared (load average 4 to 6), Python 3.11, best of 3 (docs/security.md):
# - 1,000 charges on 50 editions, a meter each (per unit, blocks, 4 tiers, a conditional flat fee in turn):
#   50,000 pairs, 337,500 values: 3.69 s and 136 MB traced;
# - an option table of 1,000 rows on 100 editions: 100 pairs, 300,300 values: 0.65 s and 34 MB;
# - 1,000 flat fees on 50 editions: 50,000 pairs, 100,000 values: 0.71 s and 20 MB;
# - 6,000 editions of one flat fee each: 0.97 s and 25.7 MB, 161 µs and 4,287 bytes an edition.
# The table gives the cost of a value (2.2 µs, 115 bytes), the first the cost of a pair beyond its values
# (59 µs, 1,950 bytes), the last the cost of an edition beyond its one pair (about 100 µs, 2,300 bytes):
# the flat fees cost less, so the estimate errs on the side of refusing.
NS_PER_EDITION, NS_PER_PAIR, NS_PER_VALUE = 100_000, 60_000, 2_200
BYTES_PER_EDITION, BYTES_PER_PAIR, BYTES_PER_VALUE = 2_300, 2_000, 115
MAX_LOAD_SECONDS = 10  # a version estimated to take longer than this to compile is refused before compiling
MAX_LOAD_MEGABYTES = 512  # or more memory than this


def _expansion_problems(source: Source) -> list[Diagnostic]:
    """Refuse a document whose editions and charges would take more than MAX_LOAD_SECONDS or
    MAX_LOAD_MEGABYTES to compile: the estimate counts each edition, each charge on each edition it
    prices and each of its values there, so a file within the size limits cannot multiply its way past them (1,000
    editions sharing an option table of 3,000 rows is 9,004,000 values)."""
    data = source.data
    editions = data.get("editions") if isinstance(data, dict) else None
    charges = data.get("charges") if isinstance(data, dict) else None
    if not isinstance(charges, dict) or not isinstance(editions, dict):
        return []
    pairs = values = 0
    for spec in charges.values():
        if isinstance(spec, dict):
            priced, counted = _expanded(spec, len(editions))
            pairs, values = pairs + priced, values + counted
    nanoseconds = len(editions) * NS_PER_EDITION + pairs * NS_PER_PAIR + values * NS_PER_VALUE
    megabytes = (len(editions) * BYTES_PER_EDITION + pairs * BYTES_PER_PAIR + values * BYTES_PER_VALUE) // 1_000_000
    over = [f"{MAX_LOAD_SECONDS} s"] if nanoseconds > MAX_LOAD_SECONDS * 10**9 else []
    over += [f"{MAX_LOAD_MEGABYTES} MB"] if megabytes > MAX_LOAD_MEGABYTES else []
    if not over:
        return []
    message = (
        f"the charges make {pairs:,} charge-edition pairs and {values:,} values as the editions' raters repeat them, "
        f"an estimated {(nanoseconds + 5 * 10**8) // 10**9:,} s and {megabytes:,} MB to compile with the {len(editions):,} editions: "
        f"over the limit of {' and '.join(over)}"
    )
    hint = "a long option table shared by many editions multiplies: split the tariff, or give fewer editions the long table"
    return [source.diagnostic(["charges"], message, "size", hint=hint, key=True)]


def _expanded(spec: dict[str, Any], editions: int) -> tuple[int, int]:
    """The editions one charge prices, and its values: counted for each of them when its model's raters repeat
    them (`Charge.values_per_edition`), else once; an edition's overrides are its own."""
    scope = spec.get("editions")
    base = sum(_values(item) for key, item in spec.items() if key != "editions")
    model = MODELS.get(spec["model"]) if isinstance(spec.get("model"), str) else None
    repeated = model is None or model.values_per_edition
    overrides = sum(_values(override) for override in scope.values()) if isinstance(scope, dict) else 0
    priced = len(scope) if isinstance(scope, dict | list) else editions
    return priced, (base * priced if repeated else base) + overrides


def _values(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + sum(_values(item) for item in node.values())
    if isinstance(node, list):
        return 1 + sum(_values(item) for item in node)
    return 1


def _errors(problems: list[Diagnostic]) -> bool:
    return any(p.severity == "error" for p in problems)


def _from_cache(source: Source, path: Path) -> tuple[m.TariffVersion, list[Diagnostic]] | None:
    """A cached document compiled, or None: then the file is read the full way, which says what is wrong."""
    try:
        version, problems = _compiled(source, path)
    except Exception:  # not what this engine stored (edited by hand, say): the YAML decides
        return None
    return None if version is None or _errors(problems) else (version, problems)


def _compiled(source: Source, path: Path) -> tuple[m.TariffVersion | None, list[Diagnostic]]:
    version, problems = compile_version(source)
    if version is not None and is_version_file(path) and path.stem != version.effective_from.isoformat():
        problems.append(
            source.diagnostic(
                ["effective_from"],
                f"file {path.name} holds effective_from {version.effective_from}; a version file is named by its date",
                "version-name",
                hint=f"rename the file to {version.effective_from}.yaml, or correct effective_from",
            )
        )
    return version, problems


def check_directory(directory: Path, read: Reader = read_bytes) -> tuple[m.Tariff | None, list[Diagnostic]]:
    """Every version file of a tariff directory, each read with `read` (the live reload reads its snapshot)."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and is_version_file(p))
    if not files:
        return None, [Diagnostic(message="no version files (YYYY-MM-DD.yaml) in this directory", rule="io", file=f"{directory}/")]
    problems: list[Diagnostic] = []
    versions: list[m.TariffVersion] = []
    for path in files:
        version, found = _compiled_file(path, read=read)
        problems += found
        if version is not None:
            versions.append(version)
    problems += as_given(_cross_version_problems(directory, versions, read), {display_name(p): str(p) for p in files})
    if any(p.severity == "error" for p in problems):
        return None, problems
    versions.sort(key=lambda v: v.effective_from)
    return m.Tariff(id=versions[0].id, versions=tuple(versions)), problems


def _cross_version_problems(directory: Path, versions: list[m.TariffVersion], read: Reader) -> list[Diagnostic]:
    problems = []
    seen: dict[dt.date, m.TariffVersion] = {}
    for version in versions:
        if version.id != directory.name:
            problems.append(
                Diagnostic(
                    message=f"id '{version.id}' differs from its directory '{directory.name}'; a tariff's versions live in tariffs/<id>/",
                    rule="tariff-id",
                    file=version.file,
                    line=_position_of(directory / Path(version.file).name, "id", read, version.file)[0],
                    column=1,
                )
            )
        if version.effective_from in seen:
            line, column = _position_of(directory / Path(version.file).name, "effective_from", read, version.file)
            problems.append(
                Diagnostic(
                    message=f"two versions take effect on {version.effective_from}: {seen[version.effective_from].file} and {version.file}",
                    rule="version-duplicate",
                    file=version.file,
                    line=line,
                    column=column,
                    hint="each version takes effect on its own date; a price change is a new file with a later effective_from",
                )
            )
        seen[version.effective_from] = version
    return problems


def _position_of(path: Path, key: str, read: Reader, name: str) -> tuple[int | None, int | None]:
    """Line and value column of a top-level `key:` (the file has loaded, so it is plain text)."""
    try:
        lines = read(path, name).decode("utf-8").splitlines()
    except (TariffError, UnicodeDecodeError):  # changed since it loaded: the message stands without a place
        return None, None
    for number, text in enumerate(lines, start=1):
        if text.startswith(f"{key}:"):
            rest = text[len(key) + 1 :]
            return number, len(key) + 2 + len(rest) - len(rest.lstrip())
    return None, None


def check_path(path: Path) -> tuple[m.Tariff | None, list[Diagnostic]]:
    """A version file or a tariff directory, with every diagnostic found."""
    if path.is_dir():
        return check_directory(path)
    if not path.exists():
        return None, [Diagnostic(message="no such file or directory", rule="io", file=str(path))]
    version, problems = check_version_file(path)
    if version is None:
        return None, problems
    return m.Tariff(id=version.id, versions=(version,)), problems


def load_tariff(path: str | Path) -> m.Tariff:
    """One compiled, immutable tariff from a version file or a tariff directory."""
    tariff, problems = check_path(Path(path))
    if tariff is None:
        raise TariffError(problems)
    return tariff


def load_catalog(root: str | Path | None = None, read: Reader = read_bytes) -> m.Catalog:
    """Every tariff under a tariff root (default: the shipped tariffs); a root without one is refused."""
    base = Path(root) if root is not None else tariffs_dir()
    if not base.is_dir():
        raise TariffError([Diagnostic(message="tariff root is not a directory", rule="io", file=str(base))])
    tariffs: dict[str, m.Tariff] = {}
    problems: list[Diagnostic] = []
    for directory in tariff_directories(base):
        tariff, found = check_directory(directory, read)
        problems += found
        if tariff is not None:
            tariffs[tariff.id] = tariff
    if any(p.severity == "error" for p in problems):
        raise TariffError(problems)
    if not tariffs:
        raise TariffError([_empty_root(base)])
    return m.Catalog(tariffs=m.frozen_map(tariffs))


def _empty_root(base: Path) -> Diagnostic:
    return Diagnostic(
        message="no tariffs under this root: nothing could be priced",
        rule="empty-root",
        file=str(base),
        hint="a tariff root holds one directory per tariff, each with its version files (YYYY-MM-DD.yaml)",
    )


def tariff_directories(base: Path) -> list[Path]:
    """The directories of a tariff root that hold a version file."""
    return sorted(p for p in base.iterdir() if p.is_dir() and any(is_version_file(f) for f in p.iterdir()))


def version_files(paths: Iterable[Path]) -> list[Path]:
    """Version files under the given files and directories, for commands that walk a tree."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.yaml") if is_version_file(p))
        else:
            found.append(path)
    return found


__all__ = ["check_path", "display_name", "load_catalog", "load_tariff", "version_files"]
