"""Which tariffs a command works on: the one rule every command follows.

1. `--tariff PATH`, when given: a tariff root (a directory of tariff directories), a tariff
   directory (`tariffs/<id>/`, holding version files) or one version file.
2. Else the nearest of these, looking in the current directory and then in each parent
   (as git, pytest and ruff find their root): a `pyproject.toml` with a `[tool.tariff]`
   table (`root = "prices"`, relative to that file), or a `tariffs/` folder. In one
   directory the `pyproject.toml` setting wins over a `tariffs/` folder beside it.
3. Else the tariffs shipped with the engine.

So a pricing team working in its repository prices and checks the files it is editing,
never an installed copy. The Python API (`engine.load_catalog()`) is not affected: it
loads what it is given, or the shipped tariffs.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from engine.core.errors import Diagnostic, TariffError
from engine.core.records import dataclass
from engine.core.resources import tariffs_dir
from engine.language import model as m

Kind = Literal["root", "tariff", "file"]
FOLDER = "tariffs"
SETTINGS = "pyproject.toml"
SHIPPED = "the shipped tariffs"


@dataclass(frozen=True, slots=True)
class Root:
    """The tariffs a command uses, and how they were found."""

    path: Path
    found_by: str  # "--tariff", "the nearest tariffs/ folder", "[tool.tariff] in ...", "the shipped tariffs"

    @property
    def kind(self) -> Kind:
        return kind_of(self.path)

    @property
    def shown(self) -> str:
        """The path as the user can open it: relative to the current directory, absolute for the shipped tariffs."""
        return str(self.path) if self.found_by == SHIPPED else shown_path(self.path)

    def describe(self) -> str:
        return f"tariffs: {self.shown} ({self.found_by})"

    def load(self) -> m.Tariff | m.Catalog:
        """A catalog for a root (usage documents name their tariff), else the one tariff."""
        from engine.language.catalog import load_catalog, load_tariff

        return load_catalog(self.path) if self.kind == "root" else load_tariff(self.path)

    def tariff_directory(self) -> Path:
        """The one tariff directory this names (a version file's, or a root's only tariff)."""
        if self.kind == "file":
            return self.path.parent
        if self.kind == "tariff":
            return self.path
        found = tariff_directories(self.path)
        if len(found) == 1:
            return found[0]
        listed = ", ".join(shown_path(d) for d in found) or "none"
        raise TariffError(
            [
                Diagnostic(
                    message=f"this tariff root holds {len(found)} tariffs ({listed}); name one",
                    rule="io",
                    file=self.shown,
                    hint="give the tariff directory, e.g. --tariff " + (shown_path(found[0]) if found else "tariffs/<id>"),
                )
            ]
        )


def find_root(given: str | Path | None = None, start: Path | None = None) -> Root:
    """The tariffs to use: `given` (from --tariff), else the nearest found from `start`, else the shipped ones."""
    if given is not None:
        path = Path(given)
        if not path.exists():
            raise TariffError([Diagnostic(message="no such file or directory", rule="io", file=str(given))])
        return Root(path, "--tariff")
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        found = _in_directory(directory)
        if found is not None:
            return found
    return Root(tariffs_dir(), SHIPPED)


def _in_directory(directory: Path) -> Root | None:
    settings = directory / SETTINGS
    if settings.is_file():
        configured = _configured_root(settings)
        if configured is not None:
            return Root(Path(shown_path(configured)), f"[tool.tariff] root in {shown_path(settings)}")
    folder = directory / FOLDER
    if folder.is_dir():
        return Root(Path(shown_path(folder)), "the nearest tariffs/ folder")  # diagnostics name files from here
    return None


def _configured_root(settings: Path) -> Path | None:
    """`[tool.tariff] root` of a pyproject.toml, or None when it has no such table."""
    data = _settings(settings, only_tool_tariff=True)
    if data is None:
        return None  # not ours to judge; pip and the other tools report a broken pyproject.toml
    table = data.get("tool", {}).get("tariff")
    if not isinstance(table, dict):
        return None
    root = table.get("root")
    if not isinstance(root, str) or not root:
        raise TariffError(
            [
                Diagnostic(
                    message="[tool.tariff] needs root = \"DIR\", the tariff root relative to this file",
                    rule="io",
                    file=shown_path(settings),
                )
            ]
        )
    path = settings.parent / root
    if not path.exists():
        raise TariffError([Diagnostic(message=f"[tool.tariff] root {root!r}: no such directory", rule="io", file=shown_path(settings))])
    return path


def kind_of(path: Path) -> Kind:
    """A version file, a tariff directory (holds version files) or a tariff root."""
    from engine.language.catalog import is_version_file

    if not path.is_dir():
        return "file"
    if any(is_version_file(p) for p in path.iterdir() if p.is_file()):
        return "tariff"
    return "root"


def tariff_directories(root: Path) -> list[Path]:
    from engine.language.catalog import is_version_file

    return sorted(d for d in root.iterdir() if d.is_dir() and any(is_version_file(f) for f in d.iterdir()))


def shown_path(path: Path) -> str:
    """Relative to the current directory when that is shorter to read, else absolute."""
    absolute = path.resolve()
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        return str(absolute)
    if relative.count("..") > 2:
        return str(absolute)
    return relative


def other_engine_note(start: Path | None = None) -> str | None:
    """A note when the current directory is in a checkout of the engine whose code is not the code running.

    After `pip install .` the `tariff` command runs the installed copy while `import engine` from
    the checkout's top loads the checkout: the two can differ, and nothing else would say so.
    """
    running = Path(__file__).resolve().parents[1]  # engine/, above language/
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / SETTINGS).is_file() and (directory / "engine" / "__init__.py").is_file():
            if (directory / "engine").resolve() == running:  # the checkout is what runs (pip install -e .): no TOML to read
                return None
            if _project_name(directory / SETTINGS) != "tariff-engine" or _same_code(directory / "engine", running):
                return None
            return (
                f"note: this is a checkout of tariff-engine ({shown_path(directory)}), but the engine running is "
                f"{running}; to run the checkout's code, install it with: pip install -e ."
            )
    return None


def _same_code(checkout: Path, running: Path) -> bool:
    """Whether the checkout's engine is the one running: the same folder, or a copy of the same code
    (`pip install .` of an unchanged checkout). Read only inside an engine checkout, so a command
    anywhere else never pays for it."""
    if checkout.resolve() == running:
        return True
    return _sources(checkout) == _sources(running)


def _sources(package: Path) -> dict[str, bytes]:
    try:
        return {path.relative_to(package).as_posix(): path.read_bytes() for path in sorted(package.rglob("*.py"))}
    except OSError:
        return {}


def _project_name(settings: Path) -> str | None:
    data = _settings(settings)
    name = None if data is None else data.get("project", {}).get("name")
    return name if isinstance(name, str) else None


def _settings(settings: Path, *, only_tool_tariff: bool = False) -> dict[str, Any] | None:
    """A pyproject.toml's tables, or None when it cannot be read as TOML (one command reads it twice: parsed once).
    With `only_tool_tariff`, a file that cannot hold a [tool.tariff] table is not parsed: {} is returned."""
    try:
        text = settings.read_text("utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if only_tool_tariff and not _may_set_tool_tariff(text):
        return {}
    import tomllib  # only where a pyproject.toml is parsed

    try:
        return _parsed_toml(text)
    except tomllib.TOMLDecodeError:
        return None


def _may_set_tool_tariff(text: str) -> bool:
    """Whether TOML `text` could set tool.tariff: it has a [tool] or [tool.tariff...] header, a line starting with
    the key `tool` (`tool.tariff.root = ...`, `tool = {...}`), or an escape that could spell either name. Reading
    this is far cheaper than importing tomllib and parsing a project's whole pyproject.toml, which most do not need."""
    return "\\u" in text or "\\U" in text or _tool_tariff_lines().search(text) is not None


@cache
def _tool_tariff_lines() -> re.Pattern[str]:
    tool, tariff = "(tool|\"tool\"|'tool')", "(tariff|\"tariff\"|'tariff')"
    header = rf"\[\[?[ \t]*{tool}[ \t]*(\]|\.[ \t]*{tariff}[ \t]*[.\]])"
    return re.compile(rf"^[ \t]*({header}|{tool}[ \t]*[.=])", re.MULTILINE)


@lru_cache(maxsize=8)
def _parsed_toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)
