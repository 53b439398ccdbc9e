"""The playground's load time on loopback: from navigation to the first invoice on screen.

A real `tariff serve` (the shipped tariffs, `--today 2026-11-15`) and headless Debian
chromium driven by Playwright. Each round opens a fresh browser context (an empty cache)
on the README's worked example, with the chart, and stops the clock when the total reads
1979.95: the HTML, the seven modules and the stylesheet loaded, the form built from
`/v1/tariffs/{id}/form`, and the first `/v1/quote`, `/v1/explain` and `/v1/chart` answered.

    python -m benchmarks --only page
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.http_load import free_port, start_server

Row = tuple[str, str, str]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE = (
    "/?tariff=tencent-im&version=1&edition=pro&period=2026-11&account=1400000001"
    "&usage.dau=32000&usage.groups=1&addons.message_retention_days=90&chart=dau&from=0&to=60000&line=total"
)
GOAL_S = 1.0


def page_load(runs: int) -> list[Row]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        return [("playground page load", "skipped", "needs playwright (pip install '.[test,server]')")]
    if not Path(CHROMIUM).exists():
        return [("playground page load", "skipped", f"needs chromium at {CHROMIUM} (apt-get install -y chromium)")]
    with tempfile.TemporaryDirectory(prefix="tariff-page-") as scratch:
        port = free_port()
        process, _ = start_server(port, 1, Path(scratch) / "server.log", "--today", "2026-11-15")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                seconds = []
                for _ in range(runs + 1):  # the first round warms the server and the browser up, and is dropped
                    context = browser.new_context()
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}{PAGE}")
                    expect(page.locator("#invoice output[name=total]")).to_have_text("1979.95", timeout=10_000)
                    seconds.append(time.perf_counter() - started)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    measured = seconds[1:]
    median, worst = statistics.median(measured), max(measured)
    verdict = "within" if worst < GOAL_S else "over"
    how = f"median of {runs} fresh contexts, worst {worst * 1e3:.0f} ms ({verdict} the {GOAL_S:.0f} s goal); headless chromium, loopback"
    return [("playground page load to first invoice", f"{median * 1e3:.0f} ms", how)]
