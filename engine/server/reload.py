"""The tariff set being served, and its live reload.

A `TariffSet` is an immutable compiled catalog plus the fingerprint of the files it
came from. The `Reloader` keeps the current one in a single attribute: a request
reads it once and prices with that snapshot to the end, so a swap never mixes two
sets. Reloading (load → validate → compile, ~0.1 s) runs on the reloader's own
thread, woken by the poll interval or by `request()` (SIGHUP); a set with any error
is refused and logged, and the last good set keeps serving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.core.errors import Diagnostic, TariffError
from engine.language.catalog import is_version_file, load_catalog, load_tariff
from engine.language.model import Catalog, frozen_map

LogEvent = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class TariffSet:
    catalog: Catalog
    fingerprint: str
    loaded_at: str


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """What the last reload attempt did, for /healthz and the log."""

    status: Literal["loaded", "refused"]
    fingerprint: str
    at: str
    errors: tuple[Diagnostic, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "tariff_set": self.fingerprint, "at": self.at, "errors": [d.to_dict() for d in self.errors]}


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def version_files(root: Path) -> list[Path]:
    """The files a catalog is loaded from: `root/<tariff>/YYYY-MM-DD.yaml` (or `root/YYYY-MM-DD.yaml`, one tariff)."""
    if not root.is_dir():
        return []
    directories = [root] if _one_tariff(root) else [d for d in root.iterdir() if d.is_dir()]
    return sorted(f for d in directories for f in d.iterdir() if f.is_file() and is_version_file(f))


def _one_tariff(root: Path) -> bool:
    return any(f.is_file() and is_version_file(f) for f in root.iterdir())


def load_served(root: Path) -> Catalog:
    """The catalog served from a tariff root, or from one tariff directory."""
    if root.is_dir() and _one_tariff(root):
        tariff = load_tariff(root)
        return Catalog(tariffs=frozen_map({tariff.id: tariff}))
    return load_catalog(root)


def fingerprint(root: Path) -> str:
    """SHA-256 over the relative names and content hashes of the version files."""
    digest = hashlib.sha256()
    for path in version_files(root):
        digest.update(f"{path.relative_to(root).as_posix()}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def load_set(root: Path) -> TariffSet:
    """Load and validate every tariff under `root`; raises `TariffError` with all problems."""
    before = fingerprint(root)
    catalog = load_served(root)
    return TariffSet(catalog=catalog, fingerprint=before, loaded_at=now())


class Reloader:
    """Holds the serving `TariffSet` and replaces it when the files change."""

    def __init__(self, root: Path, poll_ms: int, log: LogEvent) -> None:
        self.root = root
        self.poll_ms = poll_ms
        self.last: ReloadOutcome | None = None
        self._log = log
        self._current: TariffSet | None = None
        self._wake = threading.Event()
        self._stopping = False
        self._forced = False
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> TariffSet:
        current = self._current
        if current is None:
            raise RuntimeError("the reloader has not been started")
        return current

    def start(self) -> None:
        """Load the first set (raises `TariffError`), then watch on a daemon thread."""
        self._current = load_set(self.root)
        self._log({"event": "tariffs-loaded", "tariff_set": self._current.fingerprint, "tariffs": sorted(self._current.catalog.tariffs)})
        self._thread = threading.Thread(target=self._watch, name="tariff-reload", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Reload now (SIGHUP); safe to call from a signal handler."""
        self._forced = True
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        timeout = self.poll_ms / 1000 if self.poll_ms > 0 else None
        while not self._stopping:
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stopping:
                return
            forced, self._forced = self._forced, False
            try:
                self.check(forced=forced)
            except Exception as error:  # the watcher must outlive any surprise; the old set keeps serving
                self._log({"event": "reload-crashed", "level": "error", "error": repr(error)})

    def check(self, *, forced: bool = False) -> ReloadOutcome | None:
        """One look at the files: None when nothing changed (or they are mid-change)."""
        try:
            seen = fingerprint(self.root)
        except OSError:
            return None  # a file vanished while being read: look again next time
        unchanged = seen == self.current.fingerprint or (self.last is not None and seen == self.last.fingerprint)
        if unchanged and not forced:
            return None
        if seen == self.current.fingerprint:
            self._log({"event": "reload-unchanged", "tariff_set": seen})
            return None
        return self._reload(seen)

    def _reload(self, seen: str) -> ReloadOutcome | None:
        try:
            catalog = load_served(self.root)
        except TariffError as error:
            if fingerprint(self.root) != seen:
                return None  # refused a half-written change: the next look sees the whole of it
            return self._record(ReloadOutcome("refused", seen, now(), error.diagnostics))
        if fingerprint(self.root) != seen:
            return None
        self._current = TariffSet(catalog=catalog, fingerprint=seen, loaded_at=now())
        return self._record(ReloadOutcome("loaded", seen, self._current.loaded_at))

    def _record(self, outcome: ReloadOutcome) -> ReloadOutcome:
        fields: dict[str, Any] = {"event": f"reload-{outcome.status}", "tariff_set": outcome.fingerprint}
        if outcome.status == "refused":
            fields |= {
                "level": "error",
                "serving": self.current.fingerprint,
                "diagnostics": [str(d) for d in outcome.errors if d.severity == "error"],
            }
        self._log(fields)
        self.last = outcome  # after the log line: whoever sees it in /healthz finds it in the log
        return outcome
