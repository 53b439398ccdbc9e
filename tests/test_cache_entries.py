"""Odd things in the place of a cache entry: each is ignored (the YAML is read) and replaced by a
good entry, and no command ever hangs, crashes, runs out of memory or leaves files behind.

The cache reads only regular files within its size bound (engine/language/cache.py)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TARIFFS

import engine
from engine.language import cache

VERSION = TARIFFS / "tencent-im" / "2022-01-01.yaml"
PRO = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
PRO_TOTAL = "1799.96"  # plan 449.99 + 3 DAU blocks 1349.97 + groups 0.00


@pytest.fixture
def entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TARIFF_ENGINE_CACHE", raising=False)
    directory = tmp_path / "xdg" / "tariff-engine" / "tariffs"
    directory.mkdir(parents=True)
    return directory / f"{hashlib.sha256(VERSION.read_bytes()).hexdigest()}.json"


def loads_and_replaces(entry: Path) -> None:
    """A load prices right, and leaves a good entry (a regular file) and nothing else behind."""
    tariff = engine.load_tariff(VERSION)
    assert str(engine.quote(tariff, PRO).total) == PRO_TOTAL
    assert entry.is_file() and not entry.is_symlink()
    assert cache.lookup(VERSION.read_bytes(), "x") is not None
    assert sorted(path.name for path in entry.parent.iterdir()) == [entry.name]


def test_a_deeply_nested_entry_is_ignored_and_replaced(entry: Path) -> None:
    entry.write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    loads_and_replaces(entry)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_entry_never_blocks_a_load(entry: Path) -> None:
    os.mkfifo(entry)  # no writer: opening it to read would wait for ever
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    code = f"import engine; print(engine.quote(engine.load_tariff({str(VERSION)!r}), {PRO!r}).total)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, PRO_TOTAL + "\n"), done.stderr
    loads_and_replaces(entry)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_symlink_to_an_endless_device_is_ignored_and_replaced(entry: Path) -> None:
    entry.symlink_to("/dev/zero")
    loads_and_replaces(entry)


def test_an_entry_over_the_size_bound_is_ignored_and_replaced(entry: Path) -> None:
    with entry.open("wb") as stream:
        stream.truncate(cache.MAX_ENTRY_BYTES + 1)  # sparse
    loads_and_replaces(entry)


def test_a_directory_in_place_of_an_entry_is_replaced_and_leaks_nothing(entry: Path) -> None:
    entry.mkdir()
    (entry / "inside").write_text("x", "utf-8")
    loads_and_replaces(entry)
