"""Live reload end to end: a merged price change is served within seconds, a broken one
never reaches a caller, and requests keep succeeding throughout."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
from http_server import ROOT, WORKED_EXAMPLE, Server, wait_for

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
pytest.importorskip("starlette", reason="needs the server extra: pip install '.[server]'")

ORIGINAL = (ROOT / "tariffs" / "tencent-im" / "2022-01-01.yaml").read_text("utf-8")
OLD_SHA = hashlib.sha256(ORIGINAL.encode()).hexdigest()
# The worked example (dau 32000, groups 1, 90-day retention) on pro: plan + 3 DAU blocks + retention.
OLD_TOTAL = "1979.95"  # 449.99 + 1349.97 + 0.00 + 179.99
NEW_TOTAL = "2029.95"  # 499.99 + 1349.97 + 0.00 + 179.99


def price_change(effective_from: str, version: str, pro_price: str) -> str:
    """A new version file: the shipped one with another date, version and pro plan price."""
    assert ORIGINAL.count("pro: {price: 449.99}") == 1
    return (
        ORIGINAL.replace('version: "1"', f'version: "{version}"', 1)
        .replace("effective_from: 2022-01-01", f"effective_from: {effective_from}", 1)
        .replace("pro: {price: 449.99}", f"pro: {{price: {pro_price}}}", 1)
    )


def publish(path: Path, text: str) -> None:
    """Write as a deploy or `git checkout` does: whole file, then rename into place."""
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(text, "utf-8")
    os.replace(staging, path)


def served_set(server: Server) -> str:
    return str(server.get("/healthz").json()["tariff_set"])


class Traffic:
    """Quotes the worked example in a loop on a thread, keeping every (status, version, sha, total)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.seen: list[tuple[int, str, str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            reply = self.server.post("/v1/quote", WORKED_EXAMPLE)
            invoice = reply.json() if reply.status == 200 else {"tariff": {"version": "", "sha256": ""}, "total": ""}
            self.seen.append((reply.status, invoice["tariff"]["version"], invoice["tariff"]["sha256"], invoice["total"]))


@pytest.fixture
def tariffs(tmp_path):
    shutil.copytree(ROOT / "tariffs", tmp_path / "tariffs")
    return tmp_path / "tariffs"


@pytest.fixture
def polling(tariffs, tmp_path):
    running = Server(tariffs, tmp_path / "server.log", "--poll", "0.1").start()
    yield running
    running.stop()


def test_a_good_change_is_served_and_a_bad_one_refused_while_requests_succeed(polling, tariffs):
    before = served_set(polling)
    good = tariffs / "tencent-im" / "2026-06-01.yaml"
    bad = tariffs / "tencent-im" / "2026-09-01.yaml"
    with Traffic(polling) as traffic:
        wait_for(lambda: len(traffic.seen) > 5, what="traffic")
        publish(good, price_change("2026-06-01", "2", "499.99"))
        wait_for(lambda: served_set(polling) != before, what="the good change to be served")
        after = served_set(polling)
        publish(bad, price_change("2026-09-01", "3", "-5"))
        wait_for(lambda: polling.get("/healthz").json()["last_reload"]["status"] == "refused", what="the bad change to be refused")
        seen_before_bad = len(traffic.seen)
        wait_for(lambda: len(traffic.seen) > seen_before_bad + 5, what="traffic after the refusal")
    new_sha = hashlib.sha256(good.read_bytes()).hexdigest()
    assert {status for status, *_ in traffic.seen} == {200}
    assert set(traffic.seen) == {(200, "1", OLD_SHA, OLD_TOTAL), (200, "2", new_sha, NEW_TOTAL)}
    assert traffic.seen[-1] == (200, "2", new_sha, NEW_TOTAL)
    assert served_set(polling) == after
    refused = [line for line in polling.log_lines() if line["event"] == "reload-refused"]
    assert len(refused) == 1
    assert refused[0]["level"] == "error" and refused[0]["serving"] == after
    assert any("tencent-im/2026-09-01.yaml" in d and "-5" in d for d in refused[0]["diagnostics"])
    health = polling.get("/healthz").json()
    assert health["tariff_set"] == after
    assert health["last_reload"]["errors"][0]["file"] == str(bad.resolve())  # named from where the service was given the tariffs


def test_the_period_still_picks_its_version_after_a_reload(polling, tariffs):
    before = served_set(polling)
    publish(tariffs / "tencent-im" / "2026-06-01.yaml", price_change("2026-06-01", "2", "499.99"))
    wait_for(lambda: served_set(polling) != before, what="the change to be served")
    may = polling.post("/v1/quote", {**WORKED_EXAMPLE, "period": "2026-05"}).json()
    november = polling.post("/v1/quote", WORKED_EXAMPLE)
    assert (may["tariff"]["version"], may["total"]) == ("1", OLD_TOTAL)
    assert (november.json()["tariff"]["version"], november.json()["total"]) == ("2", NEW_TOTAL)
    assert november.headers["tariff-version"].startswith("id=tencent-im; version=2; file=tencent-im/2026-06-01.yaml; ")
    versions = polling.get("/v1/tariffs/tencent-im/versions").json()["versions"]
    assert [(v["version"], v["until"]) for v in versions] == [("1", "2026-05-31"), ("2", None)]


def test_sighup_reloads_when_polling_is_off(tariffs, tmp_path):
    server = Server(tariffs, tmp_path / "server.log", "--poll", "0").start()
    try:
        before = served_set(server)
        publish(tariffs / "tencent-im" / "2022-01-01.yaml", ORIGINAL.replace("pro: {price: 449.99}", "pro: {price: 459.99}"))
        server.signal(signal.SIGHUP)
        wait_for(lambda: served_set(server) != before, what="SIGHUP to reload")
        assert server.post("/v1/quote", WORKED_EXAMPLE).json()["total"] == "1989.95"
        publish(tariffs / "tencent-im" / "2022-01-01.yaml", "id: tencent-im\nversion: [\n")
        server.signal(signal.SIGHUP)
        wait_for(lambda: server.get("/healthz").json()["last_reload"]["status"] == "refused", what="SIGHUP to refuse")
        assert server.post("/v1/quote", WORKED_EXAMPLE).json()["total"] == "1989.95"
    finally:
        server.stop()


def finished_workers(server: Server) -> set[int]:
    return {line["pid"] for line in server.log_lines() if line.get("message", "").startswith("Finished server process")}


def test_sighup_to_several_workers_restarts_them_only_onto_a_good_set(tariffs, tmp_path):
    server = Server(tariffs, tmp_path / "server.log", "--poll", "0", "--workers", "2").start()
    try:

        def loaded() -> set[int]:
            return {line["pid"] for line in server.log_lines() if line["event"] == "tariffs-loaded"}

        wait_for(lambda: len(loaded()) == 2, what="both workers to start")
        first, before = loaded(), served_set(server)
        publish(tariffs / "tencent-im" / "2026-06-01.yaml", price_change("2026-06-01", "2", "499.99"))
        server.signal(signal.SIGHUP)
        wait_for(lambda: first <= finished_workers(server), timeout=30, what="both workers to be replaced")
        after = served_set(server)
        assert after != before
        publish(tariffs / "tencent-im" / "2026-09-01.yaml", "not: [a tariff\n")
        server.signal(signal.SIGHUP)
        wait_for(
            lambda: any("keeping worker" in line.get("message", "") for line in server.log_lines()), timeout=30, what="a refused restart"
        )
        assert {served_set(server) for _ in range(6)} == {after}
        assert server.post("/v1/quote", WORKED_EXAMPLE).json()["total"] == NEW_TOTAL
        assert any(line["event"] == "tariffs-refused" for line in server.log_lines())
    finally:
        server.stop()
