"""Structured logs: every line on stderr is one JSON object.

One line per request (method, path, status, duration, and the tariff, version and
hash that priced it), one per reload event, and uvicorn's own messages in the same
form, so a log pipeline reads the service without a parser per line type.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, NamedTuple

from engine.server.reload import Reloader, now

LOGGER = "engine.server"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class JsonFormatter(logging.Formatter):
    """A record with `fields` is written as those fields; any other as its message."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", None) or {"event": "log", "logger": record.name, "message": record.getMessage()}
        line = {"ts": now(), "level": record.levelname.lower(), "pid": os.getpid(), **fields}
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`: JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False} for name in ("uvicorn", "uvicorn.error", LOGGER)}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": loggers,
    }


def log_event(fields: dict[str, Any]) -> None:
    level = logging.ERROR if fields.get("level") == "error" else logging.INFO
    logging.getLogger(LOGGER).log(level, fields.get("event", ""), extra={"fields": {k: v for k, v in fields.items() if k != "level"}})


class PricedBy(NamedTuple):
    """A tariff version that priced (part of) a request."""

    id: str
    version: str
    file: str
    sha256: str

    def header(self) -> str:
        return f"id={self.id}; version={self.version}; file={self.file}; sha256={self.sha256}"


def note_priced(scope: Scope, refs: list[PricedBy]) -> None:
    """Handlers record which tariff versions priced the request, for its log line."""
    scope.setdefault("state", {})["priced"] = refs


class AccessLog:
    """Outermost ASGI wrapper: pins the tariff set for the request, names it in a
    `Tariff-Set` header and writes the request's log line."""

    def __init__(self, app: ASGIApp, reloader: Reloader) -> None:
        self.app = app
        self.reloader = reloader

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter_ns()
        tariff_set = self.reloader.current
        scope.setdefault("state", {})["tariff_set"] = tariff_set
        status = 500

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"tariff-set", tariff_set.fingerprint.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            elapsed_us = (time.perf_counter_ns() - started) // 1000
            log_event(_request_fields(scope, status, elapsed_us, tariff_set.fingerprint))


def _request_fields(scope: Scope, status: int, elapsed_us: int, fingerprint: str) -> dict[str, Any]:
    refs: list[PricedBy] = scope.get("state", {}).get("priced", [])
    fields: dict[str, Any] = {
        "event": "request",
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_us": elapsed_us,
        "tariff": ",".join(ref.id for ref in refs) or None,
        "version": ",".join(ref.version for ref in refs) or None,
        "sha256": ",".join(ref.sha256 for ref in refs) or None,
        "tariff_set": fingerprint,
    }
    documents = scope.get("state", {}).get("documents")
    if documents is not None:
        fields["documents"] = documents
    if status >= 500:
        fields["level"] = "error"
    return fields
