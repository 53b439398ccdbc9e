"""A cache of validated tariff documents, so loading a tariff seen before skips YAML and JSON Schema.

An entry is keyed by the SHA-256 of the version file's bytes and holds the document that
passed validation and compilation, with the line and column of every node (invoice lines
cite `file:line`, and warnings their place). Loading a hit still compiles the document,
expressions included; only reading the YAML and checking the schema are skipped.

- Where: `$XDG_CACHE_HOME/tariff-engine` (default `~/.cache/tariff-engine`); set
  `TARIFF_ENGINE_CACHE=off` to neither read nor write it.
- Invalidation: by content (the key) and by engine: an entry records a fingerprint of the
  code and schema that read and validated it, and any other fingerprint is a miss.
- Plain JSON only (decimals written as exact JSON numbers), never pickle, marshal or code
  objects: a cache directory someone else can write can never make this process run code.
  The positions are one flat list of numbers in document order (`source.Positions`), and
  no garbage collection runs while an entry is decoded (collections took most of the time:
  thousands of new containers, none of them garbage).
- Only a version that loaded without an error is stored; a broken tariff is read and
  reported the full way every time, so its diagnostics never change.
- It is an optimisation: an unreadable, corrupt or foreign entry is ignored (and replaced),
  and a failed write is ignored. Only a regular file of at most MAX_ENTRY_BYTES is read as an
  entry, never through a symbolic link and never waiting (a FIFO, a device, a link to
  `/dev/zero`, a directory, JSON nested too deeply: each is ignored and replaced).
"""

from __future__ import annotations

import gc
import json
import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from engine.core import hashing
from engine.core.records import dataclass
from engine.core.resources import schemas_dir
from engine.language.source import Positions, Source, marked

FORMAT = 2  # 2: positions as one flat list of numbers (1: a [path, of the key?, line, column] list per node)
MAX_ENTRY_BYTES = 16_000_000  # a 1 MB tariff of 20,000 nodes makes an entry of a few MB: its marks and its document


@dataclass(frozen=True, slots=True)
class CachedSource(Source):
    """A document read back from the cache (never stored again)."""


def directory() -> Path | None:
    """The cache directory, or None when caching is switched off."""
    if os.environ.get("TARIFF_ENGINE_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tariff-engine" / "tariffs"


@cache
def fingerprint() -> str:
    """What read and validated a cached document: this format, the loader and the schema."""
    digest = hashing.sha256(f"tariff-engine cache {FORMAT}".encode())
    for path in (Path(__file__).with_name("source.py"), Path(__file__).with_name("schema.py"), schemas_dir() / "tariff.schema.json"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def lookup(raw: bytes, name: str) -> CachedSource | None:
    """The cached document for these bytes, or None."""
    where = directory()
    if where is None:
        return None
    sha256 = hashing.sha256(raw).hexdigest()
    enabled = gc.isenabled()
    gc.disable()  # see the module's docstring: the entry's containers are all kept
    try:
        entry = json.loads(_read_entry(where / f"{sha256}.json"), parse_float=Decimal)
        if entry.get("format") != FORMAT or entry.get("engine") != fingerprint() or entry.get("sha256") != sha256:
            return None
        flat, document = entry["marks"], entry["document"]
        if not isinstance(document, dict) or not isinstance(flat, list) or not all(type(number) is int for number in flat):
            return None
        data = marked(document, flat)
        return CachedSource(name=name, raw=raw, data=data) if data.positions.covers(data) else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    finally:
        if enabled:
            gc.enable()


def _read_entry(path: Path) -> bytes:
    """An entry's bytes: a regular file, not a link, within MAX_ENTRY_BYTES; OSError for anything else."""
    import errno
    import stat

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(path, flags), "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
            raise OSError(errno.EINVAL, "not a cache entry", str(path))
        return stream.read(MAX_ENTRY_BYTES + 1)


def store(source: Source) -> None:
    """Keep a document that loaded without error; failing to is never an error."""
    where = directory()
    positions = getattr(source.data, "positions", None)
    if where is None or isinstance(source, CachedSource) or not isinstance(positions, Positions):
        return
    sha256 = hashing.sha256(source.raw).hexdigest()
    try:
        head = json.dumps({"format": FORMAT, "engine": fingerprint(), "sha256": sha256, "marks": list(positions.flat)})
        text = f'{head[:-1]},"document":{_json(source.data)}}}'
        where.mkdir(parents=True, exist_ok=True)
        temporary = where / f".{sha256}.{os.getpid()}.tmp"
        try:
            temporary.write_text(text, "utf-8")
            _replace(temporary, where / f"{sha256}.json")
        finally:
            if temporary.exists():  # not renamed: never one leaked file per process
                temporary.unlink()
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return  # not kept: the next load reads the YAML again


def _replace(temporary: Path, entry: Path) -> None:
    """Put the new entry in place of whatever is there: a file, a link, a FIFO, even a directory."""
    try:
        os.replace(temporary, entry)
    except (IsADirectoryError, OSError):
        if not entry.is_dir() or entry.is_symlink():
            raise
        import shutil

        shutil.rmtree(entry)
        os.replace(temporary, entry)


def _json(value: Any) -> str:
    """The document as JSON that reads back unchanged with `parse_float=Decimal`; ValueError if it cannot."""
    if isinstance(value, dict):
        if not all(type(key) is str for key in value):
            raise ValueError("a mapping with keys that are not text")
        return "{" + ",".join(f"{json.dumps(key)}:{_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(item) for item in value) + "]"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("a number that is not finite")
        text = str(value)
        return text if "." in text or "E" in text else text + "E+0"  # read back as a Decimal, never an int
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    raise ValueError(f"a {type(value).__name__}, which JSON does not carry")
