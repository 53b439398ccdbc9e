"""SHA-256 without loading OpenSSL at start-up.

`hashlib` loads OpenSSL's libcrypto when it is imported: about 3 ms, a quarter of a bare Python
start, paid by every `tariff quote` for the two or three small digests of its tariff files and
cache entries. CPython's own SHA-256 module gives the same digests and loads in a tenth of that;
another Python, without it, gets `hashlib`'s.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...
    def digest(self) -> bytes: ...


def _constructor() -> Any:
    for name in ("_sha2", "_sha256"):  # CPython 3.12 and later; 3.11
        try:
            return importlib.import_module(name).sha256
        except (ImportError, AttributeError):
            continue
    from hashlib import sha256

    return sha256


_SHA256 = _constructor()


def sha256(data: bytes = b"") -> Hash:
    """A SHA-256 hash object of `data` (more with `update`), as `hashlib.sha256` makes."""
    found: Hash = _SHA256(data)
    return found
