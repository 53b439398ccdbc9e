"""Long values are never echoed in full: a message names at most a short excerpt of what a client
sent, and no diagnostic text is ever longer than its bound, whatever built it."""

from __future__ import annotations

from typing import Any

import pytest
from http_server import ROOT, WORKED_EXAMPLE, Server

from engine.core.errors import Diagnostic

LONG = "t" * 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
    base = tmp_path_factory.mktemp("long")
    running = Server(ROOT / "tariffs", base / "server.log").start()
    yield running
    running.stop()


def test_a_long_tariff_in_the_query_is_answered_with_an_excerpt(server: Server) -> None:
    reply = server.request("POST", f"/v1/quote?tariff={LONG}", b"{}", {"Content-Type": "application/json"})
    assert reply.status == 404
    assert len(reply.body) < 1000
    assert [error["message"] for error in reply.json()["errors"]] == [f"unknown tariff '{'t' * 37}...' (tariffs: tencent-im)"]


def test_a_long_query_parameter_name_is_answered_with_an_excerpt(server: Server) -> None:
    reply = server.request("GET", f"/v1/tariffs?{LONG}=1")
    assert reply.status == 400
    assert len(reply.body) < 1000
    assert reply.json()["errors"][0]["path"] == f"?{'t' * 37}..."


def test_a_long_unknown_tariff_in_a_document_is_answered_with_an_excerpt(server: Server) -> None:
    reply = server.post("/v1/quote", {**WORKED_EXAMPLE, "tariff": LONG})
    assert reply.status == 422
    assert len(reply.body) < 1000


def test_no_diagnostic_text_is_longer_than_its_bound() -> None:
    diagnostic = Diagnostic(message="m" * 100_000, rule="r", path="p" * 100_000, hint="h" * 100_000, file="f" * 100_000)
    # Bounds 2000, 300, 1000, 1000: each keeps (bound - 40) // 2 characters at each end, plus 31 saying what was left out.
    assert [len(text) for text in (diagnostic.message, diagnostic.path, diagnostic.hint, diagnostic.file)] == [1991, 291, 991, 991]
    assert diagnostic.message == "m" * 980 + "… (98040 characters left out) …" + "m" * 980
