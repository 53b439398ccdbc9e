"""Service settings, and their trip through the environment to worker processes.

uvicorn starts each worker as a fresh process that builds the app from an import
string, so the settings travel as one JSON environment variable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.language.source import MAX_DOCUMENT_BYTES

ENVIRONMENT_KEY = "TARIFF_SERVER_CONFIG"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What a worker needs to serve: where the tariffs are, how often to look, the limits."""

    tariffs: Path  # a tariff root, or one tariff directory
    found_by: str = "--tariffs"  # how `tariff serve` found them (engine.language.roots), for /healthz
    poll_ms: int = 2000  # 0: no polling, SIGHUP only
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_batch_bytes: int = 8 * 1024 * 1024
    max_batch: int = 1000
    today: str | None = None  # YYYY-MM-DD: the playground's "today" (the version in force); None: the real one
    request_timeout_ms: int = 10_000  # a request must arrive whole within this time (engine/server/protocol.py)

    def to_environment(self) -> str:
        fields = asdict(self)
        fields["tariffs"] = str(self.tariffs)
        return json.dumps(fields)

    @classmethod
    def from_environment(cls) -> ServerConfig:
        raw = os.environ.get(ENVIRONMENT_KEY)
        if raw is None:
            raise RuntimeError(f"{ENVIRONMENT_KEY} is not set; start the service with 'tariff serve'")
        fields = json.loads(raw)
        fields["tariffs"] = Path(fields["tariffs"])
        return cls(**fields)
