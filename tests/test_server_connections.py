"""Connections a careless or hostile client leaves open: a request that never arrives whole is closed
after `--request-timeout`, and `--max-connections` bounds what a worker holds. Real server, real sockets."""

from __future__ import annotations

import json
import socket
import time

import pytest
from http_server import HOST, ROOT, WORKED_EXAMPLE, Server, raw_response

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")

BODY = json.dumps(WORKED_EXAMPLE).encode()
REQUEST = (
    b"POST /v1/quote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    base = tmp_path_factory.mktemp("connections")
    running = Server(ROOT / "tariffs", base / "server.log", "--request-timeout", "0.5", "--max-connections", "8").start()
    yield running
    running.stop()


def closed_after(connection: socket.socket, limit: float) -> float:
    """Seconds until the server closes the connection (reads EOF), failing after `limit`."""
    start = time.monotonic()
    connection.settimeout(limit)
    try:
        while connection.recv(1024):
            pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {limit}s")
    return time.monotonic() - start



def test_headers_that_never_finish_are_closed_after_the_timeout(server: Server) -> None:
    with socket.create_connection((HOST, server.port)) as connection:
        connection.sendall(b"POST /v1/quote HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        assert 0.3 < closed_after(connection, 10) < 5
    assert any(line["event"] == "request-timeout" for line in server.log_lines())


def test_a_body_that_never_finishes_is_closed_after_the_timeout(server: Server) -> None:
    with socket.create_connection((HOST, server.port)) as connection:
        connection.sendall(REQUEST[: len(REQUEST) - 10])
        assert closed_after(connection, 10) < 5


def test_a_connection_that_says_nothing_is_closed_after_the_timeout(server: Server) -> None:
    with socket.create_connection((HOST, server.port)) as connection:
        assert closed_after(connection, 10) < 5


def test_a_request_sent_slowly_but_in_time_is_answered(server: Server) -> None:
    with socket.create_connection((HOST, server.port)) as connection:
        for start in range(0, len(REQUEST), len(REQUEST) // 4 + 1):
            connection.sendall(REQUEST[start : start + len(REQUEST) // 4 + 1])
            time.sleep(0.05)
        reply = raw_response(connection)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b'"total":"1979.95"' in reply  # 449.99 + 1349.97 + 0.00 + 179.99


def test_each_request_on_a_kept_alive_connection_has_its_own_time(server: Server) -> None:
    with socket.create_connection((HOST, server.port)) as connection:
        for _ in range(3):
            time.sleep(0.3)  # 0.9 s in all: more than one timeout, less than one each
            connection.sendall(REQUEST)
            assert raw_response(connection).startswith(b"HTTP/1.1 200 OK\r\n")


def test_connections_beyond_the_bound_are_answered_503(server: Server) -> None:
    held = [socket.create_connection((HOST, server.port)) for _ in range(8)]
    try:
        time.sleep(0.1)
        reply = server.post("/v1/quote", WORKED_EXAMPLE)
        assert reply.status == 503
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.2)
    assert server.post("/v1/quote", WORKED_EXAMPLE).status == 200
