"""Properties over the new kinds of hostile input: a huge exponent, a lone surrogate, a key given
twice or a null put anywhere in a valid usage document; odd files (FIFOs, links to endless devices,
directories, sparse giants, deep nesting) anywhere a tariff or a cache entry is read.

Whatever is drawn, the outcome is an invoice or a `UsageError` naming the place (never another
exception), and a look at the files never hangs and never serves anything but a valid set."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.language import cache
from engine.language.source import json_path
from engine.pricing.documents import parse_usage
from engine.server.reload import Reloader

ROOT = Path(__file__).resolve().parent.parent
IM = ROOT / "tariffs" / "tencent-im"
VALID = {
    "tariff": "tencent-im",
    "account": "1400000001",
    "period": "2026-11",
    "edition": "pro",
    "usage": {"dau": [1000, 32000, 2000], "groups": 1},
    "addons": {"message_retention_days": 90, "audio_video_call": {"activated_on": "2026-10-15"}},
}
HOLE = "\u0000hole\u0000"  # a value no document holds: where the hostile text goes


def places(node: Any, path: list[Any]) -> list[list[Any]]:
    """The path of every value of the document (the document itself excluded)."""
    found = []
    if isinstance(node, dict):
        for key, item in node.items():
            found += [[*path, key], *places(item, [*path, key])]
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += [[*path, index], *places(item, [*path, index])]
    return found


def with_hole(path: list[Any]) -> Any:
    document = json.loads(json.dumps(VALID))
    node = document
    for item in path[:-1]:
        node = node[item]
    node[path[-1]] = HOLE
    return document


HUGE = st.sampled_from(["1e9999999999999999999", "-3.5E-99999999999999999999", "7E+1000000000000000000"])
SURROGATE = st.builds(lambda high, code: f'"x\\u{"d8" if high else "dc"}{code:02x}"', st.booleans(), st.integers(0, 255))


@given(path=st.sampled_from(places(VALID, [])), token=st.one_of(HUGE, SURROGATE))
def test_a_huge_exponent_or_a_lone_surrogate_anywhere_is_refused_at_its_place(path: list[Any], token: str) -> None:
    raw = json.dumps(with_hole(path)).replace(json.dumps(HOLE), token).encode()
    with pytest.raises(engine.UsageError) as caught:
        parse_usage(raw, "u.json")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.rule == ("encoding" if token.startswith('"') else "usage-number")
    text = raw.decode()
    where = text.index("\\u", text.index(token)) if token.startswith('"') else text.index(token)  # the escape, or the number
    assert (diagnostic.line, diagnostic.column) == (1, where + 1)


@given(path=st.sampled_from([p for p in places(VALID, []) if isinstance(p[-1], str)]))
def test_a_key_given_twice_anywhere_is_refused_with_its_path(path: list[Any]) -> None:
    text = json.dumps(with_hole(path))
    key = json.dumps(path[-1])
    raw = text.replace(f"{key}: {json.dumps(HOLE)}", f"{key}: 1, {key}: 2").encode()
    with pytest.raises(engine.UsageError) as caught:
        parse_usage(raw, "u.json")
    assert [(d.rule, d.path) for d in caught.value.diagnostics] == [("duplicate-key", json_path(path))]


@given(path=st.sampled_from([p for p in places(VALID, []) if p not in (["usage"], ["addons"])]))  # null there is none (the schema)
def test_null_anywhere_is_refused_at_its_place(im: engine.Tariff, path: list[Any]) -> None:
    document = parse_usage(json.dumps(with_hole(path)).replace(json.dumps(HOLE), "null").encode(), "u.json")
    with pytest.raises(engine.UsageError) as caught:
        engine.quote(im, document)
    paths = [d.path for d in caught.value.diagnostics]
    assert any(found is not None and found.startswith(json_path(path)) for found in paths), paths


# -- odd files ---------------------------------------------------------------------------------------

ODD = ("fifo", "link to /dev/zero", "directory", "empty", "sparse 2 GiB", "not UTF-8", "nested 100,000 deep")


def make_odd(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "sparse 2 GiB":
        with path.open("wb") as stream:
            stream.truncate(2 << 30)
    else:
        path.write_bytes({"empty": b"", "not UTF-8": b"id: \xff\n", "nested 100,000 deep": b"[" * 100_000}[kind])


def finishes(action: Any, seconds: float = 60) -> None:
    """Run `action` on a thread: it must end (and not raise) within `seconds`."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds}s"
    assert not failures, failures


PRO = {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
PRO_TOTAL = "1799.96"  # plan 449.99 + 3 DAU blocks 1349.97 + groups 0.00


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs and /dev/zero")
@given(kinds=st.lists(st.sampled_from(ODD), min_size=1, max_size=3, unique=True))
def test_odd_files_in_a_watched_root_never_hang_a_look_nor_change_what_is_served(tmp_path_factory: Any, kinds: list[str]) -> None:
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(IM, root / "tencent-im")
    log: list[dict[str, Any]] = []
    reloader = Reloader(root, 100, log.append, clock=lambda: dt.date(2026, 11, 15))
    finishes(lambda: reloader.start(watch=False))
    for index, kind in enumerate(kinds):
        make_odd(root / "tencent-im" / f"{2030 + index}-01-01.yaml", kind)

    def looks() -> None:
        for _ in range(4):
            reloader.check()

    finishes(looks)
    assert str(engine.quote(reloader.current.catalog, PRO).total) == PRO_TOTAL
    assert reloader.last is None or reloader.last.status == "refused"


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs and /dev/zero")
@given(kind=st.sampled_from(ODD))
def test_an_odd_cache_entry_is_ignored_and_replaced(tmp_path_factory: Any, kind: str) -> None:
    base = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base))
        patch.delenv("TARIFF_ENGINE_CACHE", raising=False)
        raw = (IM / "2022-01-01.yaml").read_bytes()
        entries = base / "tariff-engine" / "tariffs"
        entries.mkdir(parents=True)
        make_odd(entries / f"{hashlib.sha256(raw).hexdigest()}.json", kind)
        found: list[engine.Tariff] = []
        finishes(lambda: found.append(engine.load_tariff(IM)))
        assert str(engine.quote(found[0], PRO).total) == PRO_TOTAL
        assert cache.lookup(raw, "x") is not None
