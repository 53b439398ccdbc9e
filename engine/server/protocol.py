"""uvicorn's HTTP protocol with a deadline on each request's arrival.

uvicorn closes a connection idle between requests (`timeout_keep_alive`), but not one that
opened and never finished its request: a client sending its headers a byte a minute, or never,
held its connection (and a file descriptor) for good. Here every connection must deliver each
request whole, headers and body, within `request_timeout` seconds of the connection opening or
of the previous response; otherwise it is closed and logged (`request-timeout`). The number of
connections is bounded apart from this, by uvicorn's `limit_concurrency` (`--max-connections`).
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from engine.server.config import ServerConfig
from engine.server.logs import log_event


@cache
def _request_timeout() -> float:  # float-ok: seconds, as asyncio takes them
    """The worker's deadline, from the settings `tariff serve` passes to it (read once per process)."""
    return ServerConfig.from_environment().request_timeout_ms / 1000


class DeadlineProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` that closes a connection whose request does not arrive whole in time."""

    deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        cycle: Any = self.cycle
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            self._disarm()  # the request is whole: the application has it

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection has the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self.deadline = self.loop.call_later(_request_timeout(), self._too_slow)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _too_slow(self) -> None:
        self.deadline = None
        if not self.transport.is_closing():
            client = self.client
            log_event({"event": "request-timeout", "client": f"{client[0]}:{client[1]}" if client else None, "seconds": _request_timeout()})
            self.transport.close()
