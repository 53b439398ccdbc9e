"""The HTTP API end to end: a real `tariff serve` on a loopback port, every endpoint and
every error status, compared with what `tariff quote` gives for the same document."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
from http_server import ROOT, WORKED_EXAMPLE, Server, wait_for

import engine
from engine.core.resources import schema

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
pytest.importorskip("starlette", reason="needs the server extra: pip install '.[server]'")

PROBLEM = "application/problem+json"
EXAMPLE = {  # examples/pro-usage.yaml as JSON
    "tariff": "tencent-im",
    "account": "1400000001",
    "period": "2026-11",
    "edition": "pro",
    "usage": {"dau": 32000, "groups": [120000, 98000]},
    "addons": {"message_retention_days": 90, "group_member_limit": 2000},
}
MAX_BATCH = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("served")
    shutil.copytree(ROOT / "tariffs", base / "tariffs")
    running = Server(base / "tariffs", base / "server.log", "--max-batch", str(MAX_BATCH)).start()
    yield running
    running.stop()


def cli_quote(tmp_path, document) -> subprocess.CompletedProcess[str]:
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps(document))
    return subprocess.run(
        [sys.executable, "-m", "engine", "quote", str(usage), "--format", "json", "--tariff", "tariffs"],  # the tariffs the server serves
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_problem(reply, status, rule):
    assert reply.status == status
    assert reply.headers["content-type"] == PROBLEM
    problem = reply.json()
    assert problem["status"] == status
    assert [e["rule"] for e in problem["errors"]] == [rule] * len(problem["errors"])
    return problem


def test_quote_is_the_invoice_of_tariff_quote(server, tmp_path):
    reply = server.post("/v1/quote", EXAMPLE)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    invoice = reply.json()
    cli = cli_quote(tmp_path, EXAMPLE)
    assert cli.returncode == 0
    assert invoice == json.loads(cli.stdout)
    # plan 449.99 + 3 DAU blocks 1349.97 + 1 group block 449.99 + member limit 239.99 + retention 179.99
    assert invoice["total"] == "2669.93"
    jsonschema.Draft7Validator(schema("invoice")).validate(invoice)


def test_every_response_names_the_tariff_that_priced_it(server):
    reply = server.post("/v1/quote", WORKED_EXAMPLE)
    version = engine.load_tariff(ROOT / "tariffs" / "tencent-im").versions[0]
    assert reply.json()["tariff"] == {"id": "tencent-im", "version": "1", "file": "tencent-im/2022-01-01.yaml", "sha256": version.sha256}
    assert reply.json()["total"] == "1979.95"
    assert reply.headers["tariff-version"] == f"id=tencent-im; version=1; file=tencent-im/2022-01-01.yaml; sha256={version.sha256}"
    assert reply.headers["tariff-set"] == server.get("/healthz").json()["tariff_set"]


def test_the_tariff_can_be_named_in_the_query(server):
    untagged = {k: v for k, v in WORKED_EXAMPLE.items() if k != "tariff"}
    assert server.post("/v1/quote?tariff=tencent-im", untagged).json()["total"] == "1979.95"
    problem = assert_problem(server.post("/v1/quote?tariff=tencent-imm", untagged), 404, "tariff")
    assert problem["errors"][0]["message"] == "unknown tariff 'tencent-imm' (tariffs: tencent-im)"
    assert problem["errors"][0]["hint"] == "did you mean 'tencent-im'?"


def test_invalid_usage_is_422_with_the_cli_messages_and_paths(server, tmp_path):
    document = copy.deepcopy(WORKED_EXAMPLE)
    document["usage"] = {"dau": -1, "groups": 1}
    document["addons"] = {"message_retention_days": 45}
    problem = server.post("/v1/quote", document).json()
    assert problem["type"] == "https://tariff-engine.invalid/problems/invalid-usage"
    assert problem["title"] == "Invalid usage"
    assert [(e["path"], e["message"]) for e in problem["errors"]] == [
        ("usage.dau", "-1 is out of range: dau takes a whole number from 0 to 1000000000000"),
        ("addons.message_retention_days", "45 is not offered on pro (offered: 30, 90, 180, 360)"),
    ]
    cli = cli_quote(tmp_path, document)
    assert cli.returncode == 2
    assert problem["detail"] + "\n" == cli.stderr


def test_json_fractions_are_read_as_exact_decimals(server):
    document = copy.deepcopy(WORKED_EXAMPLE)
    document_text = json.dumps(document).replace('"dau": 32000', '"dau": 0.30000000000000000001')
    reply = server.request("POST", "/v1/quote", document_text.encode(), {"Content-Type": "application/json"})
    problem = assert_problem(reply, 422, "meter-type")
    assert problem["errors"][0]["message"] == "expected a whole number from 0 to 1000000000000, got 0.30000000000000000001"


def test_unknown_tariff_is_404(server):
    problem = assert_problem(server.post("/v1/quote", {**WORKED_EXAMPLE, "tariff": "tencent-mi"}), 404, "tariff")
    assert problem["type"] == "https://tariff-engine.invalid/problems/unknown-tariff"
    assert (
        problem["detail"] == "tariff: error: unknown tariff 'tencent-mi' (tariffs: tencent-im) [tariff]\nhint: did you mean 'tencent-im'?"
    )


def test_malformed_json_is_400_with_line_and_column(server):
    reply = server.request("POST", "/v1/quote", b'{"account": "1",\n  "period": }', {"Content-Type": "application/json"})
    problem = assert_problem(reply, 400, "usage-syntax")
    assert problem["errors"][0] == {
        "severity": "error",
        "rule": "usage-syntax",
        "message": "not valid JSON: Expecting value",
        "file": "(request body)",
        "line": 2,
        "column": 13,
        "path": None,
        "hint": None,
    }


def test_a_body_that_is_not_utf8_is_400(server):
    problem = assert_problem(
        server.request("POST", "/v1/quote", b'{"account": "\xff"}', {"Content-Type": "application/json"}), 400, "usage-syntax"
    )
    assert problem["errors"][0]["message"] == "the body is not UTF-8 (byte 13)"


def test_a_body_that_is_not_json_is_415(server):
    reply = server.request("POST", "/v1/quote", b"account=1", {"Content-Type": "application/x-www-form-urlencoded"})
    problem = assert_problem(reply, 415, "media-type")
    assert problem["errors"][0]["message"] == "the body is application/x-www-form-urlencoded; send application/json"


def test_an_oversized_body_is_413_by_its_length(server):
    body = b" " * 1_000_001
    problem = assert_problem(server.request("POST", "/v1/quote", body, {"Content-Type": "application/json"}), 413, "request-size")
    assert problem["errors"][0]["message"] == "the body is 1000001 bytes or more, over the limit of 1000000"


def test_an_oversized_chunked_body_is_413_as_it_streams(server):
    chunks = (b" " * 100_000 for _ in range(11))
    problem = assert_problem(server.request("POST", "/v1/quote", chunks, {"Content-Type": "application/json"}), 413, "request-size")
    # The server stops reading at the first received piece that crosses the limit; how the
    # 100,000-byte chunks arrive in pieces depends on the load of the machine.
    found = re.fullmatch(r"the body is ([0-9]+) bytes or more, over the limit of 1000000", problem["errors"][0]["message"])
    assert found is not None and 1_000_000 < int(found.group(1)) <= 1_100_000


def test_batch_keeps_order_with_per_document_errors(server):
    invalid = {**WORKED_EXAMPLE, "edition": "gold"}
    unknown = {**WORKED_EXAMPLE, "tariff": "nope"}
    reply = server.post("/v1/quote:batch", {"documents": [EXAMPLE, invalid, unknown, "text", WORKED_EXAMPLE]})
    assert reply.status == 200
    results = reply.json()["results"]
    assert [r["status"] for r in results] == [200, 422, 404, 422, 200]
    assert results[0]["invoice"] == server.post("/v1/quote", EXAMPLE).json()
    assert results[4]["invoice"]["total"] == "1979.95"
    assert results[1]["problem"]["errors"][0]["path"] == "edition"
    assert results[2]["problem"]["errors"][0]["message"] == "unknown tariff 'nope' (tariffs: tencent-im)"
    assert results[3]["problem"]["errors"][0]["message"] == "a usage document must be a mapping, got text"
    assert reply.headers["tariff-version"].startswith("id=tencent-im; version=1; ")


def test_batch_length_is_bounded(server):
    problem = assert_problem(server.post("/v1/quote:batch", {"documents": [WORKED_EXAMPLE] * (MAX_BATCH + 1)}), 413, "batch-size")
    assert problem["errors"][0]["message"] == f"the batch holds {MAX_BATCH + 1} documents, over the limit of {MAX_BATCH}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([WORKED_EXAMPLE], 'a batch is {"documents": [usage, ...]}'),
        ({"documents": WORKED_EXAMPLE}, 'a batch is {"documents": [usage, ...]}'),
        ({"documents": [], "docs": []}, "unknown key 'docs' (allowed: documents)"),
    ],
)
def test_a_batch_that_is_not_a_batch_is_422(server, body, message):
    problem = assert_problem(server.post("/v1/quote:batch", body), 422, "batch")
    assert problem["errors"][0]["message"] == message


def test_tariffs_and_their_versions(server):
    listing = server.get("/v1/tariffs").json()["tariffs"]
    assert [(t["id"], t["currency"], t["latest"]["version"], t["latest"]["until"]) for t in listing] == [("tencent-im", "USD", "1", None)]
    versions = server.get("/v1/tariffs/tencent-im/versions").json()
    assert versions["id"] == "tencent-im"
    assert [(v["version"], v["effective_from"], v["file"], v["editions"]) for v in versions["versions"]] == [
        ("1", "2022-01-01", "tencent-im/2022-01-01.yaml", ["trial", "pro", "flagship"])
    ]


def test_versions_of_an_unknown_tariff_is_404(server):
    problem = assert_problem(server.get("/v1/tariffs/zoom/versions"), 404, "tariff")
    assert problem["errors"][0]["message"] == "unknown tariff 'zoom' (tariffs: tencent-im)"


def test_unknown_route_and_wrong_method_are_problems_too(server):
    missing = server.get("/v1/nothing")
    assert (missing.status, missing.headers["content-type"], missing.json()["title"]) == (404, PROBLEM, "Not Found")
    wrong = server.get("/v1/quote")
    assert (wrong.status, wrong.headers["allow"], wrong.json()["type"]) == (405, "POST", "about:blank")


def test_health(server):
    health = server.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["tariffs"] == ["tencent-im"]
    assert health["tariff_root"] == {"path": str(server.tariffs.resolve()), "found_by": "--tariff"}
    assert health["last_reload"] is None
    assert len(health["tariff_set"]) == 64


def test_openapi_embeds_the_schemas_rather_than_restating_them(server):
    document = server.get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["schemas"]["Usage"] == schema("usage")
    assert document["components"]["schemas"]["Invoice"] == schema("invoice")
    assert sorted(document["paths"]) == sorted(
        [
            *["/v1/quote", "/v1/quote:batch", "/v1/explain", "/v1/tariffs", "/v1/tariffs/{id}/versions", "/healthz", "/openapi.json"],
            *["/v1/tariffs/{id}/form", "/v1/chart", "/v1/diff", "/v1/impact"],  # the playground's (docs/playground.md)
        ]
    )
    assert document["components"]["schemas"]["BatchRequest"]["properties"]["documents"]["maxItems"] == MAX_BATCH


def test_explain(server):
    reply = server.post("/v1/explain", WORKED_EXAMPLE)
    assert reply.status == 200
    explanation = reply.json()
    assert explanation == json.loads(engine.explain(engine.load_catalog(), WORKED_EXAMPLE).to_json())
    assert explanation["invoice"]["total"] == "1979.95"
    assert reply.headers["tariff-version"].startswith("id=tencent-im; version=1; ")
    assert_problem(server.post("/v1/explain", {**WORKED_EXAMPLE, "edition": "gold"}), 422, "edition")


def test_one_json_log_line_per_request(server):
    def quote_lines():
        return [line for line in server.log_lines() if line["event"] == "request" and line["path"] == "/v1/quote"]

    already = len(quote_lines())
    server.post("/v1/quote", WORKED_EXAMPLE)
    server.post("/v1/quote", {**WORKED_EXAMPLE, "edition": "gold"})
    wait_for(lambda: len(quote_lines()) == already + 2, what="two log lines")  # written once the response is sent
    priced, refused = quote_lines()[-2:]
    sha = engine.load_tariff(ROOT / "tariffs" / "tencent-im").versions[0].sha256
    assert {k: priced[k] for k in ("method", "status", "tariff", "version", "sha256")} == {
        "method": "POST",
        "status": 200,
        "tariff": "tencent-im",
        "version": "1",
        "sha256": sha,
    }
    assert (refused["status"], refused["tariff"], refused["version"]) == (422, "tencent-im", "1")
    assert isinstance(priced["duration_us"], int) and priced["duration_us"] > 0
    assert priced["level"] == "info" and priced["ts"].endswith("Z")
