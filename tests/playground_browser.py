"""Headless Debian chromium driven by Playwright, for the playground's browser tests, its
screenshot and its load-time benchmark. Playwright cannot download browsers here, so it
is pointed at the system's chromium (`.ci/run` installs it when missing).

    python tests/playground_browser.py            # refresh docs/playground.png from a real `tariff serve`
    python tests/playground_browser.py OUT.png    # the same screenshot, written elsewhere
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TODAY = "2026-11-15"
# The README's worked example, with the chart over the first four DAU blocks: what docs/playground.png shows.
SHOWCASE = (
    "/?tariff=tencent-im&version=1&edition=pro&period=2026-11&account=1400000001"
    "&usage.dau=32000&usage.groups=1&addons.message_retention_days=90&chart=dau&from=0&to=60000&line=total"
)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs playwright: pip install '.[test,server]'"
    if not Path(CHROMIUM).exists():
        return f"needs chromium at {CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it)"
    return None


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def screenshot(page: Any, base_url: str, path: Path) -> None:
    """The showcase state, its dau_overage line opened, the whole page."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base_url + SHOWCASE)
    expect(page.locator("#invoice output[name=total]")).to_have_text("1979.95")
    expect(page.locator("#chart svg")).to_be_visible()
    page.locator("#invoice tr", has=page.get_by_role("cell", name="dau_overage", exact=True)).locator("summary").click()
    page.screenshot(path=str(path), full_page=True)


def main(argv: list[str]) -> int:
    from http_server import Server
    from playwright.sync_api import sync_playwright

    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    output = Path(argv[0]) if argv else ROOT / "docs" / "playground.png"
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(ROOT / "tariffs", Path(scratch) / "server.log", "--poll", "0", "--today", TODAY).start()
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                screenshot(browser.new_page(), f"http://127.0.0.1:{server.port}", output)
                browser.close()
        finally:
            server.stop()
    print(output)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main(sys.argv[1:]))
