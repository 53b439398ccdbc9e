"""Load on the pricing service: requests per second and p50/p99 latency of /v1/quote and
/v1/quote:batch (100 documents) against a local `tariff serve`, driven by wrk when it is
installed (Debian: apt-get install wrk) and by a Python keep-alive client otherwise; then
the same number of documents priced through the Python API (`engine.quote`) in one
process, and the ratio between the two: what HTTP costs per document.

    python benchmarks/http_load.py [--seconds 10] [--connections 16] [--workers 1] [--client auto|wrk|python]

Needs the server extra (pip install '.[server]'). Every figure is printed with the
command that produced it.

`stall_rows` is the `http` section of `python -m benchmarks`: single documents over 8
connections, alone and then while another client sends batches of 100 back to back, against
one worker; a batch must not stall the single documents (p99 at most 20 ms).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402

HOST = "127.0.0.1"
BATCH = 100


@dataclass
class Load:
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float
    command: str


def usage(index: int) -> dict[str, Any]:
    """A pro account's month; the index varies the usage so no two documents are alike."""
    return {
        "tariff": "tencent-im",
        "account": str(1400000000 + index),
        "period": "2026-11",
        "edition": "pro",
        "usage": {"dau": 5000 + 997 * index, "groups": [120000, 98000 + index]},
        "addons": {"message_retention_days": 90, "group_member_limit": 2000},
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int, log: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    command = [sys.executable, "-m", "engine", "serve", "--port", str(port), "--poll", "0", "--workers", str(workers), *options]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if post(port, "/healthz", None)[0] == 200:
                return process, shlex.join(command)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not start; its log:\n{log.read_text()}")


def post(port: int, path: str, body: bytes | None, connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = connection or http.client.HTTPConnection(HOST, port, timeout=60)
    method = "GET" if body is None else "POST"
    own.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = own.getresponse()
    answer = (response.status, response.read())
    if connection is None:
        own.close()
    return answer


def run_wrk(url: str, body_file: Path, seconds: int, connections: int) -> Load:
    script = body_file.with_suffix(".lua")
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"local f = io.open({json.dumps(str(body_file))}, 'rb')\nwrk.body = f:read('*a')\nf:close()\n"
    )
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failures = (int(failed.group(1)) if failed else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return Load(
        requests=total,
        failures=failures,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_wrk_ms(output, "50%"),
        p99_ms=_wrk_ms(output, "99%"),
        command=shlex.join(command),
    )


def _wrk_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_python(port: int, path: str, body: bytes, seconds: float, connections: int) -> Load:
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _ = post(port, path, body, connection)
            latencies[slot].append(time.perf_counter() - started)
            failures[slot] += status != 200
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(t for slot in latencies for t in slot)
    command = f"python keep-alive client: {connections} threads, {seconds}s, POST http://{HOST}:{port}{path}"
    return Load(len(every), sum(failures), len(every) / elapsed, _percentile(every, 50), _percentile(every, 99), command)


def _percentile(ordered: list[float], percent: int) -> float:
    return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)] * 1000


def in_process(documents: int) -> tuple[float, str]:
    """Seconds to price `documents` usage documents with `engine.quote`, catalog loaded once."""
    catalog = engine.load_catalog()
    pool = [usage(i) for i in range(BATCH)]
    started = time.perf_counter()
    for index in range(documents):
        engine.quote(catalog, pool[index % BATCH])
    return time.perf_counter() - started, f"engine.quote(catalog, usage) x {documents}, one process, catalog loaded once"


def measure(args: argparse.Namespace, port: int, workdir: Path) -> list[tuple[str, int, Load]]:
    bodies = {
        "/v1/quote": (json.dumps(usage(7)).encode(), 1),
        "/v1/quote:batch": (json.dumps({"documents": [usage(i) for i in range(BATCH)]}).encode(), BATCH),
    }
    results = []
    for path, (body, per_request) in bodies.items():
        status, answer = post(port, path, body)
        assert status == 200, answer[:500]
        for _ in range(20):  # warm up
            post(port, path, body)
        body_file = workdir / f"{path.strip('/').replace('/', '_').replace(':', '_')}.json"
        body_file.write_bytes(body)
        if args.client == "wrk":
            load = run_wrk(f"http://{HOST}:{port}{path}", body_file, args.seconds, args.connections)
        else:
            load = run_python(port, path, body, args.seconds, args.connections)
        results.append((path, per_request, load))
    return results


def report(results: list[tuple[str, int, Load]], server: str) -> None:
    print(f"server: {server}")
    for path, per_request, load in results:
        documents = load.requests * per_request
        print(f"\nPOST {path} ({per_request} document{'s' if per_request > 1 else ''} per request)")
        print(f"  command: {load.command}")
        latency = f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms"
        print(f"  {load.requests} requests, {load.failures} failed: {load.rps:.0f} requests/s, {latency}")
        print(f"  = {load.rps * per_request:.0f} documents/s over HTTP")
        seconds, how = in_process(documents)
        print(f"  in process: {how}: {seconds:.2f} s = {documents / seconds:.0f} documents/s")
        print(f"  HTTP overhead: the Python API prices {documents / seconds / (load.rps * per_request):.1f}x as many documents per second")


# -- a batch must not stall the others (python -m benchmarks --only http) --------------------------

SINGLE_CONNECTIONS = 8
STALL_GOAL_MS = 20.0


def stall_rows(seconds: float) -> list[Any]:
    """Rows (and a Target) for `python -m benchmarks`: singles alone, then beside back-to-back batches."""
    from benchmarks.targets import value_at_most

    single = json.dumps(usage(7)).encode()
    batch = json.dumps({"documents": [usage(i) for i in range(BATCH)]}).encode()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tariff-http-") as scratch:
        process, _ = start_server(port, 1, Path(scratch) / "server.log")
        try:
            for path, body in (("/v1/quote", single), ("/v1/quote:batch", batch)):
                for _ in range(20):  # warm up
                    assert post(port, path, body)[0] == 200
            alone = run_python(port, "/v1/quote", single, seconds, SINGLE_CONNECTIONS)
            beside, batches = _beside_batches(port, single, batch, seconds)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    clients = f"{SINGLE_CONNECTIONS} keep-alive connections, {seconds:g} s, 1 worker, loopback"
    failed = alone.failures + beside.failures + batches.failures
    return [
        ("HTTP single alone", _latency(alone), f"POST /v1/quote over {clients}"),
        ("HTTP single while batches run", _latency(beside), f"the same, while one more connection sends batches of {BATCH} back to back"),
        ("HTTP batches beside the singles", _latency(batches), f"POST /v1/quote:batch, {BATCH} documents each; {failed} requests failed"),
        value_at_most("HTTP single p99 while batches run", round(beside.p99_ms, 2), "ms", STALL_GOAL_MS, f"(alone: {alone.p99_ms:.2f} ms)"),
    ]


def _latency(load: Load) -> str:
    return f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, {load.rps:,.0f} requests/s"


def _beside_batches(port: int, single: bytes, batch: bytes, seconds: float) -> tuple[Load, Load]:
    """Singles as `run_python` sends them, while another connection sends batches back to back."""
    stop = threading.Event()
    latencies: list[float] = []
    failures = [0]

    def send_batches() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = post(port, "/v1/quote:batch", batch, connection)
            latencies.append(time.perf_counter() - started)
            failures[0] += status != 200
        connection.close()

    sender = threading.Thread(target=send_batches)
    started = time.perf_counter()
    sender.start()
    time.sleep(0.2)  # the batches are running when the singles start
    singles = run_python(port, "/v1/quote", single, seconds, SINGLE_CONNECTIONS)
    stop.set()
    sender.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    batches = Load(len(ordered), failures[0], len(ordered) / elapsed, _percentile(ordered, 50), _percentile(ordered, 99), "")
    return singles, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    print(f"$ {shlex.join([sys.executable, *sys.argv])}  (client: {args.client}, {os.cpu_count()} CPUs)")
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        process, server = start_server(port, args.workers, workdir / "server.log")
        try:
            results = measure(args, port, workdir)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    report(results, server)


if __name__ == "__main__":
    main()
