"""A real `tariff serve` in a subprocess on a free loopback port, and a small HTTP client.

The end-to-end tests talk HTTP to it with the standard library, as a caller in another
language would; nothing here reaches into the server's objects.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

WORKED_EXAMPLE = {
    "tariff": "tencent-im",
    "account": "1400000001",
    "period": "2026-11",
    "edition": "pro",
    "usage": {"dau": 32000, "groups": 1},
    "addons": {"message_retention_days": 90},
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Server:
    """`python -m engine serve` with the given options; stderr (JSON lines) goes to `log`."""

    def __init__(self, tariffs: Path | None, log: Path, *options: str, cwd: Path = ROOT) -> None:
        self.tariffs = tariffs  # None: the service finds them from `cwd`
        self.cwd = cwd
        self.log = log
        self.options = options
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        for _ in range(3):  # another process may take the free port between probe and bind
            self.port = free_port()
            given = ["--tariffs", str(self.tariffs)] if self.tariffs is not None else []
            command = [sys.executable, "-m", "engine", "serve", *given, "--port", str(self.port), *self.options]
            environment = {**os.environ, "PYTHONPATH": str(ROOT)}
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(command, cwd=self.cwd, env=environment, stdout=subprocess.DEVNULL, stderr=log)
            if self._ready():
                return self
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def _ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self.get("/healthz").status == 200:
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def signal(self, number: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, number)

    def request(self, method: str, path: str, body: bytes | Iterable[bytes] | None = None, headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            chunked = body is not None and not isinstance(body, bytes)
            connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, document: Any) -> Reply:
        return self.request("POST", path, json.dumps(document).encode(), {"Content-Type": "application/json"})

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the server wrote; each must be one JSON object."""
        return [json.loads(line) for line in self.log.read_text("utf-8").splitlines() if line]


def raw_response(connection: socket.socket, timeout: float = 10) -> bytes:
    """One whole HTTP response (headers and a Content-Length body) read from a raw socket."""
    connection.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        body += connection.recv(1 << 20)
    return head + b"\r\n\r\n" + body
