"""The tariff set being served, and its live reload.

A `TariffSet` is an immutable compiled catalog plus the fingerprint of the files it
came from. The `Reloader` keeps the current one in a single attribute: a request
reads it once and prices with that snapshot to the end, so a swap never mixes two
sets. Reloading runs on the reloader's own thread, woken by the poll interval or by
`request()` (SIGHUP):

- Each look reads every version file once, bounded (`source.read_watched`), into a
  `Snapshot`; the fingerprint is of those bytes, and a load compiles those very bytes,
  so what is loaded or refused is always exactly what was fingerprinted (a file
  rewritten during a load can no longer be refused under the fingerprint of its
  finished content, and then never looked at again).
- A tree still changing is not loaded: a poll loads only files that were the same at
  the look before (quiet for one poll interval). SIGHUP loads at once.
- A set with any error, with no tariff at all, or without a version that is already in
  force in the served set (deleted, or not yet written back by `git checkout`) is
  refused and logged, and the last good set keeps serving. Withdrawing a version in
  force on purpose takes a restart; a version not yet in force may be withdrawn.
- When the files come back to the served set, a refusal shown in /healthz is withdrawn:
  /healthz never reports a refusal of the files on disk when they are valid.
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
from engine.language.catalog import Reader, check_directory, is_version_file, load_catalog
from engine.language.model import Catalog, frozen_map
from engine.language.source import checked_size, read_bytes, read_watched

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


def load_served(root: Path, read: Reader = read_bytes) -> Catalog:
    """The catalog served from a tariff root, or from one tariff directory, each file read with `read`."""
    if root.is_dir() and _one_tariff(root):
        tariff, problems = check_directory(root, read)
        if tariff is None:
            raise TariffError(problems)
        return Catalog(tariffs=frozen_map({tariff.id: tariff}))
    return load_catalog(root, read)


FileReader = Callable[[Path], bytes]  # at most the size limit + 1 bytes of a file; OSError when it cannot be read


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The version files under a root as read at one look: bytes by path, and their fingerprint."""

    files: dict[Path, bytes | OSError]  # an OSError: the file is there but cannot be read (no permission, say)
    fingerprint: str

    def reader(self, used: set[Path]) -> Callable[[Path, str], bytes]:
        """The catalog's reader over these bytes; notes each file read in `used`."""

        def read(path: Path, name: str) -> bytes:
            if path not in self.files:
                raise _TreeChanged(path)
            used.add(path)
            found = self.files[path]
            if isinstance(found, OSError):
                message = f"cannot read file: {found.strerror or found}"
                raise TariffError([Diagnostic(message=message, rule="io", file=name)])
            return checked_size(found, name)

        return read


class _TreeChanged(Exception):
    """A file appeared or went between the look and the load: the next look sees the tree whole."""


def snapshot(root: Path, read: FileReader = read_watched) -> Snapshot:
    """Read every version file once (bounded); raises `FileNotFoundError` when one vanishes while being
    read. A file that is there but cannot be read is kept as its error: a load refuses it, with the reason."""
    files = {path: _read_or_error(read, path) for path in version_files(root)}
    digest = hashlib.sha256()
    for path, raw in files.items():
        content = hashlib.sha256(raw).hexdigest() if isinstance(raw, bytes) else f"unreadable {raw.errno}"
        digest.update(f"{path.relative_to(root).as_posix()}\0{content}\n".encode())
    return Snapshot(files, digest.hexdigest())


def _read_or_error(read: FileReader, path: Path) -> bytes | OSError:
    try:
        return read(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        return error


def fingerprint(root: Path) -> str:
    """SHA-256 over the relative names and content hashes of the version files (each read bounded)."""
    return snapshot(root).fingerprint


def load_snapshot(root: Path, seen: Snapshot) -> Catalog | None:
    """The catalog compiled from exactly the snapshot's bytes (`TariffError` when they are refused);
    None when the tree changed under the load, so that what it read is not what was fingerprinted."""
    used: set[Path] = set()
    try:
        catalog = load_served(root, seen.reader(used))
    except _TreeChanged:
        return None
    except TariffError:
        if used != set(seen.files):
            return None
        raise
    return catalog if used == set(seen.files) else None


def load_set(root: Path, read: FileReader = read_watched, attempts: int = 10) -> TariffSet:
    """Load and validate every tariff under `root`; raises `TariffError` with all problems."""
    for _ in range(attempts):  # a tree that changes while it is read is read again
        try:
            seen = snapshot(root, read)
        except OSError:
            continue
        catalog = load_snapshot(root, seen)
        if catalog is not None:
            return TariffSet(catalog=catalog, fingerprint=seen.fingerprint, loaded_at=now())
    message = f"the tariff files kept changing while they were read ({attempts} times); start again once they are written"
    raise TariffError([Diagnostic(message=message, rule="io", file=str(root))])


RETRY_SECONDS = 0.2  # how soon a SIGHUP that met a tree changing under its load looks again


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class Reloader:
    """Holds the serving `TariffSet` and replaces it when the files change (see the module docstring).

    `read` and `clock` are what a test replaces to make a race or a date happen when it wants."""

    def __init__(
        self, root: Path, poll_ms: int, log: LogEvent, *, read: FileReader = read_watched, clock: Callable[[], dt.date] = today
    ) -> None:
        self.root = root
        self.poll_ms = poll_ms
        self.last: ReloadOutcome | None = None
        self._log = log
        self._read = read
        self._clock = clock
        self._current: TariffSet | None = None
        self._previous_look: str | None = None  # the fingerprint the poll before saw
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

    def start(self, *, watch: bool = True) -> None:
        """Load the first set (raises `TariffError`), then watch on a daemon thread."""
        self._current = load_set(self.root, self._read)
        self._previous_look = self._current.fingerprint
        self._log({"event": "tariffs-loaded", "tariff_set": self._current.fingerprint, "tariffs": sorted(self._current.catalog.tariffs)})
        if watch:
            self._thread = threading.Thread(target=self._watch, name="tariff-reload", daemon=True)
            self._thread.start()

    @property
    def requested(self) -> bool:
        """Whether a reload asked for (SIGHUP) is still to be done."""
        return self._forced

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
        every = self.poll_ms / 1000 if self.poll_ms > 0 else None
        while not self._stopping:
            self._wake.wait(RETRY_SECONDS if self._forced else every)  # a SIGHUP that met a changing tree: soon again
            self._wake.clear()
            if self._stopping:
                return
            forced, self._forced = self._forced, False
            try:
                self.check(forced=forced)
            except Exception as error:  # the watcher must outlive any surprise; the old set keeps serving
                self._log({"event": "reload-crashed", "level": "error", "error": repr(error)})

    def check(self, *, forced: bool = False) -> ReloadOutcome | None:
        """One look at the files: None when nothing changed, or they are still changing."""
        try:
            seen = snapshot(self.root, self._read)
        except OSError:
            self._previous_look = None
            return None  # a file vanished while being read: look again next time
        stable, self._previous_look = seen.fingerprint == self._previous_look, seen.fingerprint
        if seen.fingerprint == self.current.fingerprint:
            if forced:
                self._log({"event": "reload-unchanged", "tariff_set": seen.fingerprint})
            if self.last is not None and self.last.status == "refused":
                return self._record(ReloadOutcome("loaded", seen.fingerprint, now()), event="reload-restored")
            return None
        if not (stable or forced):
            return None  # still changing, or changed since the last look: wait for it to be quiet
        if not forced and self.last is not None and self.last.status == "refused" and seen.fingerprint == self.last.fingerprint:
            return None  # refused already, and not changed since
        return self._reload(seen, forced)

    def _reload(self, seen: Snapshot, forced: bool = False) -> ReloadOutcome | None:
        try:
            catalog = load_snapshot(self.root, seen)
        except TariffError as error:
            return self._record(ReloadOutcome("refused", seen.fingerprint, now(), error.diagnostics))
        if catalog is None:  # the tree changed while it was read
            self._previous_look = None
            self._forced = self._forced or forced  # a SIGHUP is kept until the tree holds still for a load
            return None
        withdrawn = self._withdrawn(catalog)
        if withdrawn:
            return self._record(ReloadOutcome("refused", seen.fingerprint, now(), tuple(withdrawn)))
        self._current = TariffSet(catalog=catalog, fingerprint=seen.fingerprint, loaded_at=now())
        return self._record(ReloadOutcome("loaded", seen.fingerprint, self._current.loaded_at))

    def _withdrawn(self, catalog: Catalog) -> list[Diagnostic]:
        """A diagnostic for each version in force in the served set that `catalog` no longer has."""
        day = self._clock()
        problems = []
        for tariff in self.current.catalog.tariffs.values():
            kept = catalog.tariffs.get(tariff.id)
            dates = {version.effective_from for version in kept.versions} if kept is not None else set()
            for version in tariff.versions:
                if version.effective_from <= day and version.effective_from not in dates:
                    problems.append(
                        Diagnostic(
                            message=f"the version of {tariff.id} in force since {version.effective_from} is gone; "
                            "a reload never withdraws a version in force",
                            rule="version-withdrawn",
                            file=version.file,
                            hint="put the file back; to withdraw a version in force on purpose, restart the service",
                        )
                    )
        return problems

    def _record(self, outcome: ReloadOutcome, event: str | None = None) -> ReloadOutcome:
        fields: dict[str, Any] = {"event": event or f"reload-{outcome.status}", "tariff_set": outcome.fingerprint}
        if outcome.status == "refused":
            fields |= {
                "level": "error",
                "serving": self.current.fingerprint,
                "diagnostics": [str(d) for d in outcome.errors if d.severity == "error"],
            }
        self._log(fields)
        self.last = outcome  # after the log line: whoever sees it in /healthz finds it in the log
        return outcome
