"""Tariffs shipped to other processes and machines as their files' bytes, loaded once per process.

A compiled tariff holds compiled code, which does not travel; its version files do. A Spark
executor (or any process) that gets `ShippedTariffs` writes the files under a directory of its
own, named by their digest, and loads them as the run did: same file names in invoices, same
checks. The compiled result is kept for the life of the process.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.runs.billrun import Target, Tariffs

_LOADED: dict[str, Target] = {}


@dataclass(frozen=True, slots=True)
class ShippedTariffs:
    """The version files of a run's tariffs, by path under a root, and how the run named them."""

    kind: str  # "file": one version file; "tariff": a tariff directory; "root": a directory of tariffs
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, tariffs: Tariffs) -> ShippedTariffs:
        from engine.core.resources import tariffs_dir
        from engine.language.catalog import is_version_file

        path = Path(tariffs.tariff) if tariffs.tariff is not None else tariffs_dir()
        if path.is_file():
            return cls("file", ((f"{path.parent.name or 'tariff'}/{path.name}", path.read_bytes()),))
        if any(is_version_file(p) for p in path.iterdir()):
            return cls("tariff", tuple((f"{path.name}/{p.name}", p.read_bytes()) for p in sorted(path.iterdir()) if is_version_file(p)))
        found = sorted(p for p in path.glob("*/*.yaml") if is_version_file(p))
        return cls("root", tuple((f"{p.parent.name}/{p.name}", p.read_bytes()) for p in found))

    @property
    def digest(self) -> str:
        hashed = hashlib.sha256(self.kind.encode())
        for name, data in self.files:
            hashed.update(f"\0{name}\0{len(data)}\0".encode())
            hashed.update(data)
        return hashed.hexdigest()

    def load(self) -> Target:
        """The compiled tariffs, from this process's copy of the files (written and compiled once)."""
        digest = self.digest
        found = _LOADED.get(digest)
        if found is None:
            found = _LOADED[digest] = Tariffs(str(self._written(digest))).load()
        return found

    def _written(self, digest: str) -> Path:
        root = Path(tempfile.gettempdir()) / f"tariff-engine-{os.getuid() if hasattr(os, 'getuid') else 0}" / digest[:32]
        root.mkdir(parents=True, exist_ok=True)
        for name, data in self.files:
            target = root / name
            if not target.exists() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f"{target.name}.{os.getpid()}")
                partial.write_bytes(data)
                os.replace(partial, target)
        if self.kind == "file":
            return root / self.files[0][0]
        if self.kind == "tariff":
            return root / self.files[0][0].split("/")[0]
        return root
