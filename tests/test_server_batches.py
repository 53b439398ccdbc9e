"""A batch request shares the worker: single requests are answered while a large batch is priced,
and the batch's answer is the single answers of its documents, byte for byte. Real server, real sockets."""

from __future__ import annotations

import http.client
import json
import select
import socket
import time
from typing import Any

import pytest
from http_server import HOST, ROOT, WORKED_EXAMPLE, Server, raw_response

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")

LARGE_BATCH = 10_000  # priced in a good part of a second: many single round trips on loopback
READ = 0.05  # seconds for the server to read the batch's 2 MB from loopback before the single requests start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    base = tmp_path_factory.mktemp("batches")
    running = Server(ROOT / "tariffs", base / "server.log", "--max-batch", str(LARGE_BATCH), "--workers", "1").start()
    yield running
    running.stop()


def account(index: int) -> dict[str, Any]:
    return {**WORKED_EXAMPLE, "account": str(1400000000 + index)}



def test_single_requests_are_answered_while_a_batch_is_priced(server: Server) -> None:
    body = json.dumps({"documents": [account(i) for i in range(LARGE_BATCH)]}).encode()
    head = (
        f"POST /v1/quote:batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    single = http.client.HTTPConnection(HOST, server.port, timeout=30)
    with socket.create_connection((HOST, server.port)) as batch:
        batch.sendall(head)
        batch.settimeout(10)
        assert batch.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n")  # the handler is reading the batch
        batch.sendall(body)
        time.sleep(READ)  # the batch is read and being priced: only what it lets through is answered now
        answered = 0  # single requests answered while the batch's answer has not started to arrive
        while True:
            single.request("POST", "/v1/quote", json.dumps(WORKED_EXAMPLE), {"Content-Type": "application/json"})
            reply = single.getresponse()
            assert reply.status == 200
            assert json.loads(reply.read())["total"] == "1979.95"  # 449.99 + 1349.97 + 0.00 + 179.99
            if select.select([batch], [], [], 0)[0]:
                break
            answered += 1
        whole = raw_response(batch)
    single.close()
    assert whole.startswith(b"HTTP/1.1 200 OK\r\n")
    results = json.loads(whole.partition(b"\r\n\r\n")[2])["results"]
    assert [r["invoice"]["account"] for r in results] == [str(1400000000 + i) for i in range(LARGE_BATCH)]
    assert {r["invoice"]["total"] for r in results} == {"1979.95"}
    # Priced in one go, the batch would hold the worker until its answer, and the first single request
    # would be answered after it. In slices, dozens are answered while it is priced.
    assert answered >= 10, f"{answered} single requests were answered before the batch"


def test_a_batch_answer_is_the_single_answers_byte_for_byte(server: Server) -> None:
    documents = [WORKED_EXAMPLE, {**WORKED_EXAMPLE, "edition": "gold"}, {**WORKED_EXAMPLE, "account": "账户-1", "usage": {"dau": 0.5}}]
    singles = [server.post("/v1/quote", document) for document in documents]
    assert [reply.status for reply in singles] == [200, 422, 422]
    batch = server.post("/v1/quote:batch", {"documents": documents})
    kinds = ["invoice", "problem", "problem"]
    entries = [b'{"status":%d,"%s":%s}' % (reply.status, kind.encode(), reply.body) for reply, kind in zip(singles, kinds, strict=True)]
    assert batch.status == 200
    assert batch.body == b'{"results":[' + b",".join(entries) + b"]}"
    assert batch.headers["tariff-version"] == singles[0].headers["tariff-version"]
