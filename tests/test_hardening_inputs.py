"""Bytes no usage document should hold: exponents beyond any number, lone surrogates, keys given
twice, null where a value belongs. Each is one diagnostic with its place, in the library, the
CLI (exit 2, no traceback) and HTTP (400 for a body that cannot be read, 422 for a value that
cannot be priced) alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.pricing.documents import parse_usage

ROOT = Path(__file__).resolve().parent.parent
TARIFF = ROOT / "tariffs" / "tencent-im"
ENVELOPE = b'"tariff": "tencent-im", "account": "a", "period": "2026-11", "edition": "pro"'

RAW: list[tuple[str, bytes, list[str]]] = [
    (
        "an exponent beyond any number",
        b'{"usage": {"dau": 1e9999999999999999999}}',
        ["u.json:1:19: error: 1e9999999999999999999 is beyond the numbers the engine reads [usage-number]"],
    ),
    (
        "a negative exponent beyond any number",
        b'{"usage": {"dau": -1.5E-9999999999999999999}}',
        ["u.json:1:19: error: -1.5E-9999999999999999999 is beyond the numbers the engine reads [usage-number]"],
    ),
    (
        "a lone high surrogate in a value",
        b'{"account": "a\\ud800"}',
        ["u.json:1:15: error: the text at account holds \\ud800, half of a surrogate pair and not a character [encoding]"],
    ),
    (
        "a lone low surrogate in a key",
        b'{"usage": {"d\\udc00u": 1}}',
        ["u.json:1:14: error: the key at usage holds \\udc00, half of a surrogate pair and not a character [encoding]"],
    ),
    (
        "a lone surrogate in a list",
        b'{"usage": {"dau": [1, "\\uDBFF"]}}',
        ["u.json:1:24: error: the text at usage.dau[1] holds \\udbff, half of a surrogate pair and not a character [encoding]"],
    ),
    ("a duplicate key", b'{"edition": "trial", "edition": "pro"}', ["u.json: error: key 'edition' is given twice in the document [duplicate-key]"]),
    (
        "a duplicate key deep down",
        b'{"usage": {"groups": [{"a": 1, "b": 2, "a": 3}]}}',
        ["u.json: error: key 'a' is given twice in usage.groups[0] [duplicate-key]"],
    ),
]


@pytest.mark.parametrize(("raw", "expected"), [(r, e) for _, r, e in RAW], ids=[label for label, _, _ in RAW])
def test_each_unreadable_document_is_refused_at_its_place(raw: bytes, expected: list[str]) -> None:
    with pytest.raises(engine.UsageError) as caught:
        parse_usage(raw, "u.json")
    assert [str(d) for d in caught.value.diagnostics] == expected


def test_a_surrogate_pair_is_one_character_and_is_read() -> None:
    # U+1F600 written as the JSON escape pair \ud83d\ude00: a character, not a lone surrogate.
    assert parse_usage(b'{"account": "a\\ud83d\\ude00"}', "u.json") == {"account": "a\U0001f600"}


def test_a_duplicate_key_names_its_path_for_the_caller() -> None:
    with pytest.raises(engine.UsageError) as caught:
        parse_usage(b'{"usage": {"dau": 1, "dau": 2}}', "u.json")
    assert [(d.path, d.rule) for d in caught.value.diagnostics] == [("usage.dau", "duplicate-key")]


def trial(**fields: Any) -> dict[str, Any]:
    return {"tariff": "tencent-im", "account": "a", "period": "2026-11", "edition": "trial", **fields}


NULLS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "null for a meter the edition does not price",
        trial(usage={"dau": 1, "groups": None}),
        ["usage.groups: error: expected a whole number from 0 to 1000000000000, got null [meter-type]"],
    ),
    (
        "null for a meter the edition prices",
        {**trial(usage={"dau": None, "groups": 1}), "edition": "pro"},
        ["usage.dau: error: expected a whole number from 0 to 1000000000000, got null [meter-type]"],
    ),
    ("null for the tariff", trial(tariff=None, usage={"dau": 1}), ["tariff: error: expected a tariff id as text, got null [usage-type]"]),
    (
        "null for an add-on",
        {**trial(usage={"dau": 1, "groups": 1}, addons={"message_retention_days": None}), "edition": "pro"},
        ["addons.message_retention_days: error: expected one offered value of message_retention_days, got null [option]"],
    ),
]


@pytest.mark.parametrize(("document", "expected"), [(d, e) for _, d, e in NULLS], ids=[label for label, _, _ in NULLS])
def test_null_is_refused_wherever_text_would_be(im: engine.Tariff, document: dict[str, Any], expected: list[str]) -> None:
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(im, document)
    assert [str(d) for d in caught.value.diagnostics] == expected


def test_null_for_the_whole_usage_or_addons_is_none_as_the_usage_schema_says(im: engine.Tariff) -> None:
    # schemas/usage.schema.json allows `usage: null` and `addons: null` (no meter, no add-on); the values inside may not be null.
    document = {**trial(usage=None, addons=None), "edition": "pro"}
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(im, document)
    assert [d.path for d in caught.value.diagnostics] == ["usage.dau", "usage.groups"]  # missing, as when absent


def test_text_in_the_same_place_is_refused_the_same_way(im: engine.Tariff) -> None:
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(im, trial(usage={"dau": 1, "groups": "x"}))
    assert [str(d) for d in caught.value.diagnostics] == [
        "usage.groups: error: expected a whole number from 0 to 1000000000000, got text 'x' [meter-type]"
    ]


def run_quote(tmp_path: Path, raw: bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "u.json").write_bytes(raw)
    command = [sys.executable, "-m", "engine", "quote", "u.json", "--tariff", str(TARIFF), *extra]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=60, check=False)


@pytest.mark.parametrize(
    ("raw", "stderr"),
    [
        (
            b"{" + ENVELOPE + b', "usage": {"dau": 1e9999999999999999999, "groups": 1}}',
            "u.json:1:98: error: 1e9999999999999999999 is beyond the numbers the engine reads [usage-number]\n",
        ),
        (
            b'{"tariff": "tencent-im", "account": "\\ud800", "period": "2026-11", "edition": "pro", "usage": {"dau": 1, "groups": 1}}',
            "u.json:1:38: error: the text at account holds \\ud800, half of a surrogate pair and not a character [encoding]\n",
        ),
        (
            b'{"tariff": "tencent-im", "account": "a", "period": "2026-11", "edition": "trial", "edition": "pro", "usage": {"dau": 1}}',
            "u.json: error: key 'edition' is given twice in the document [duplicate-key]\n",
        ),
    ],
    ids=["exponent", "surrogate", "duplicate"],
)
def test_the_cli_refuses_them_with_exit_2_and_the_place(tmp_path: Path, raw: bytes, stderr: str) -> None:
    done = run_quote(tmp_path, raw)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", stderr)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command",
    [
        ["quote", "u.json", "--tariff", str(TARIFF)],  # a given root is not announced on stderr
        ["explain", "u.json", "--tariff", str(TARIFF)],
        ["schema", "--name", "usage"],
        ["versions", str(TARIFF)],
        ["validate", str(TARIFF)],
        ["render", "--canonical", str(TARIFF / "2022-01-01.yaml")],
        ["diff", str(TARIFF / "2022-01-01.yaml"), str(ROOT / "examples" / "price-change" / "tencent-im" / "2027-01-01.yaml")],
        ["bill-run", "u.json", "--tariff", str(TARIFF), "--workers", "1"],
    ],
    ids=lambda command: command[0],
)
def test_a_write_error_is_a_diagnostic_and_exit_2_in_every_command(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "u.json").write_bytes(b"{" + ENVELOPE + b', "usage": {"dau": 1, "groups": 1}}')
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "engine", *command], stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environment, timeout=60
        )
    assert (done.returncode, done.stderr) == (2, "<stdout>: error: cannot write the output: No space left on device [io]\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
    from http_server import Server

    base = tmp_path_factory.mktemp("served")
    running = Server(ROOT / "tariffs", base / "server.log").start()
    yield running
    running.stop()


@pytest.mark.parametrize("endpoint", ["/v1/quote", "/v1/explain", "/v1/quote:batch"])
@pytest.mark.parametrize(
    ("body", "status", "rule"),
    [
        (b'"usage": {"dau": 1e9999999999999999999, "groups": 1}', 422, "usage-number"),
        (b'"usage": {"dau": 1, "groups": 1}, "account": "\\udfff"', 400, "encoding"),
        (b'"usage": {"dau": 1, "groups": 1}, "usage": {"dau": 2, "groups": 1}', 400, "duplicate-key"),
    ],
    ids=["exponent", "surrogate", "duplicate"],
)
def test_http_refuses_them_as_problems_never_500(server: Any, endpoint: str, body: bytes, status: int, rule: str) -> None:
    document = b'{"tariff": "tencent-im", "period": "2026-11", "edition": "pro", ' + body + b"}"
    if endpoint.endswith("batch"):
        document = b'{"documents": [' + document + b"]}"
    reply = server.request("POST", endpoint, document, {"Content-Type": "application/json"})
    assert (reply.status, reply.headers["content-type"]) == (status, "application/problem+json")
    assert [error["rule"] for error in reply.json()["errors"]] == [rule]
