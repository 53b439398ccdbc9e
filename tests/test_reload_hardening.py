"""Live reload under a busy file system, made deterministic: the tests drive the reloader's looks
one by one (`check()`, what each poll does) and replace its file reader or its clock.

Required: once the files have been quiet for one poll interval, what is served is exactly what
is on disk, or the last good set together with the refusal of what is on disk; a refusal is
never shown for files that are valid; a tree still changing is not loaded; a version in force
is never withdrawn by a reload; an empty root is refused at start and at reload."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.language.source import MAX_DOCUMENT_BYTES, read_watched
from engine.server.reload import Reloader, snapshot

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL = (ROOT / "tariffs" / "tencent-im" / "2022-01-01.yaml").read_text("utf-8")
WORKED = {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
OLD_TOTAL = "1799.96"  # plan 449.99 + 3 DAU blocks 1349.97 + groups 0.00
NEW_TOTAL = "1849.96"  # plan 499.99 + 1349.97 + 0.00


def price_change(effective_from: str, version: str, pro_price: str) -> str:
    return (
        ORIGINAL.replace('version: "1"', f'version: "{version}"', 1)
        .replace("effective_from: 2022-01-01", f"effective_from: {effective_from}", 1)
        .replace("pro: {price: 449.99}", f"pro: {{price: {pro_price}}}", 1)
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tariffs", tmp_path / "tariffs")
    return tmp_path / "tariffs"


class Log(list[dict[str, Any]]):
    def events(self) -> list[str]:
        return [line["event"] for line in self]


def reloader(root: Path, read: Callable[[Path], bytes] = read_watched, day: str = "2026-11-15") -> tuple[Reloader, Log]:
    log = Log()
    found = Reloader(root, 100, log.append, read=read, clock=lambda: dt.date.fromisoformat(day))
    found.start(watch=False)
    return found, log


def served_total(found: Reloader) -> str:
    return engine.quote(found.current.catalog, WORKED).to_json().split('"total":"')[1].split('"')[0]


def quiet(found: Reloader, looks: int = 4) -> None:
    """Poll until the files have been quiet for a look: as many looks as the test needs, and then some."""
    for _ in range(looks):
        found.check()


class TruncatedWhileRead:
    """Reads one file as empty the first `times` times (it is being rewritten in place), then as it is."""

    def __init__(self, name: str, times: int) -> None:
        self.name, self.times = name, times

    def __call__(self, path: Path) -> bytes:
        if path.name == self.name and self.times > 0:
            self.times -= 1
            return b""
        return read_watched(path)


@pytest.mark.parametrize("times", [1, 2, 3])
def test_a_file_read_while_rewritten_is_served_as_it_ends_up(root: Path, times: int) -> None:
    found, _ = reloader(root, TruncatedWhileRead("2026-06-01.yaml", times))
    assert served_total(found) == OLD_TOTAL
    (root / "tencent-im" / "2026-06-01.yaml").write_text(price_change("2026-06-01", "2", "499.99"), "utf-8")
    quiet(found, looks=times + 3)
    assert served_total(found) == NEW_TOTAL
    assert found.current.fingerprint == snapshot(root).fingerprint
    assert found.last is not None and found.last.status == "loaded"


def test_a_tree_still_changing_is_not_loaded_until_it_is_quiet(root: Path) -> None:
    found, log = reloader(root)
    path = root / "tencent-im" / "2026-06-01.yaml"
    path.write_text(price_change("2026-06-01", "2", "479.99"), "utf-8")
    assert found.check() is None  # first seen: not loaded yet
    path.write_text(price_change("2026-06-01", "2", "499.99"), "utf-8")
    assert found.check() is None  # changed again since the last look
    outcome = found.check()
    assert outcome is not None and outcome.status == "loaded"
    assert served_total(found) == NEW_TOTAL
    assert log.events() == ["tariffs-loaded", "reload-loaded"]


def test_a_refusal_is_withdrawn_when_the_files_come_back(root: Path) -> None:
    found, log = reloader(root)
    served = found.current.fingerprint
    bad = root / "tencent-im" / "2026-09-01.yaml"
    bad.write_text(price_change("2026-09-01", "3", "-5"), "utf-8")
    quiet(found)
    assert found.last is not None and found.last.status == "refused"
    bad.unlink()
    quiet(found)
    assert (found.last.status, found.last.fingerprint, found.current.fingerprint) == ("loaded", served, served)
    assert log.events() == ["tariffs-loaded", "reload-refused", "reload-restored"]


def test_deleting_a_version_in_force_is_refused_logged_and_shown(root: Path) -> None:
    path = root / "tencent-im" / "2026-06-01.yaml"
    path.write_text(price_change("2026-06-01", "2", "499.99"), "utf-8")
    found, log = reloader(root, day="2026-11-15")
    path.unlink()  # `git checkout` unlinks, creates, then writes: in between, the version is gone
    quiet(found)
    assert served_total(found) == NEW_TOTAL
    assert found.last is not None and found.last.status == "refused"
    assert [str(d) for d in found.last.errors] == [
        "tencent-im/2026-06-01.yaml: error: the version of tencent-im in force since 2026-06-01 is gone; "
        "a reload never withdraws a version in force [version-withdrawn]\n"
        "hint: put the file back; to withdraw a version in force on purpose, restart the service"
    ]
    assert log[-1]["event"] == "reload-refused" and log[-1]["level"] == "error"
    path.write_text(price_change("2026-06-01", "2", "499.99"), "utf-8")
    quiet(found)
    assert (found.last.status, served_total(found)) == ("loaded", NEW_TOTAL)


def test_a_version_not_yet_in_force_may_be_withdrawn(root: Path) -> None:
    path = root / "tencent-im" / "2027-01-01.yaml"
    path.write_text(price_change("2027-01-01", "2", "499.99"), "utf-8")
    found, _ = reloader(root, day="2026-11-15")
    path.unlink()
    quiet(found)
    assert found.last is not None and found.last.status == "loaded"
    assert [str(v.effective_from) for v in found.current.catalog.tariffs["tencent-im"].versions] == ["2022-01-01"]


def test_an_empty_root_is_refused_at_reload(root: Path) -> None:
    found, _ = reloader(root, day="2021-01-01")  # nothing in force yet: only the emptiness is refused
    shutil.rmtree(root / "tencent-im")
    quiet(found)
    assert found.last is not None and [d.rule for d in found.last.errors] == ["empty-root"]
    assert served_total(found) == OLD_TOTAL


def test_an_empty_root_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(engine.TariffError) as caught:
        Reloader(tmp_path / "empty", 100, lambda _: None).start(watch=False)
    assert [d.rule for d in caught.value.diagnostics] == ["empty-root"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "engine", "serve", "--tariffs", str(tmp_path / "empty"), "--port", "0"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"{tmp_path / 'empty'}: error: no tariffs under this root: nothing could be priced [empty-root]\n"
        "hint: a tariff root holds one directory per tariff, each with its version files (YYYY-MM-DD.yaml)\n"
    )


@pytest.mark.skipif(not hasattr(os, "truncate"), reason="needs sparse files")
def test_the_reload_reads_a_huge_file_only_up_to_the_size_limit(root: Path) -> None:
    read: list[int] = []

    def counted(path: Path) -> bytes:
        data = read_watched(path)
        read.append(len(data))
        return data

    found, _ = reloader(root, counted)
    huge = root / "tencent-im" / "2027-01-01.yaml"
    with huge.open("wb") as stream:
        stream.truncate(2 << 30)  # 2 GiB, sparse: costs nothing on disk, everything to read whole
    quiet(found)
    assert max(read) == MAX_DOCUMENT_BYTES + 1
    assert found.last is not None and [(d.rule, d.file) for d in found.last.errors] == [("size", str(huge))]
    assert served_total(found) == OLD_TOTAL


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_among_the_tariffs_never_blocks_a_look(root: Path) -> None:
    found, _ = reloader(root)
    os.mkfifo(root / "tencent-im" / "2027-01-01.yaml")  # no writer: opening it to read would wait for ever
    quiet(found)
    assert found.last is None and served_total(found) == OLD_TOTAL


def test_a_file_that_cannot_be_read_is_refused_with_the_reason_not_ignored(root: Path) -> None:
    def denied(path: Path) -> bytes:
        if path.name == "2027-01-01.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return read_watched(path)

    found, _ = reloader(root, denied)
    (root / "tencent-im" / "2027-01-01.yaml").write_text(price_change("2027-01-01", "2", "499.99"), "utf-8")
    quiet(found)
    assert found.last is not None
    # Named as the served root names it, so an operator can open it from /healthz.
    assert [str(d) for d in found.last.errors] == [f"{root}/tencent-im/2027-01-01.yaml: error: cannot read file: Permission denied [io]"]
    assert served_total(found) == OLD_TOTAL


def test_a_sighup_that_meets_a_changing_tree_is_kept_until_a_load(root: Path) -> None:
    later = root / "tencent-im" / "2027-01-01.yaml"

    class AnotherFileDuringTheLook:
        """While the look reads the files it listed, another version file is written beside them."""

        armed = False

        def __call__(self, path: Path) -> bytes:
            if self.armed and not later.exists():
                later.write_text(price_change("2027-01-01", "3", "519.99"), "utf-8")
            return read_watched(path)

    reader = AnotherFileDuringTheLook()
    found, _ = reloader(root, reader)
    (root / "tencent-im" / "2026-06-01.yaml").write_text(price_change("2026-06-01", "2", "499.99"), "utf-8")
    reader.armed = True
    assert found.check(forced=True) is None  # the load found a file the look had not read: no verdict
    assert found.requested  # the SIGHUP is kept: the watcher looks again RETRY_SECONDS later
    outcome = found.check(forced=True)
    assert outcome is not None and outcome.status == "loaded"
    assert served_total(found) == NEW_TOTAL  # November 2026 is priced by the 2026-06-01 version
    assert [str(v.effective_from) for v in found.current.catalog.tariffs["tencent-im"].versions] == [
        "2022-01-01",
        "2026-06-01",
        "2027-01-01",
    ]
