"""Worker processes of a bill run: a worker that dies stops the run with a diagnostic (it does not hang),
and the run leaves no output under a final name and no process behind. Real processes, real signals."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ENGINE_PATH, ROOT

from benchmarks import generate

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc (Linux)")


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def living(group: int) -> list[int]:
    """Processes of a process group that are alive (a zombie is dead: only its exit status is left)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):  # it ended while we looked
            state, _, pgid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:3]
            if int(pgid) == group and state not in ("Z", "X"):
                found.append(int(entry))
    return found


@needs_proc
def test_a_worker_that_dies_stops_the_run_with_a_diagnostic(tmp_path: Path) -> None:
    usage = tmp_path / "usage.jsonl"
    with usage.open("w", encoding="utf-8") as out:
        generate.write(out, 20_000)  # about 3.5 MB: a dozen batches, each worker has several
    out = tmp_path / "invoices.jsonl"
    command = [sys.executable, "-m", "engine", "bill-run", str(usage), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **ENGINE_PATH}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while len(children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        workers = children(process.pid)
        assert len(workers) == 2, "the run did not start its two workers"
        os.kill(workers[1], signal.SIGKILL)  # before it can have priced all of its batches
        _, errors = process.communicate(timeout=60)
        left = living(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 2
    assert "error: a worker process ended before its batch was priced (killed by signal 9) [internal]" in errors.decode()
    assert left == [], f"processes outlived the run: {left}"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["usage.jsonl"]  # no invoices, not even partial ones
