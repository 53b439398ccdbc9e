"""The pricing playground in a real browser: Playwright drives headless Debian chromium
against a real `tariff serve` on loopback, with "today" fixed to 2026-11-15 (version 1 in
force) and the proposed price change of examples/price-change/ served beside it.

Expected totals are worked out by hand from the tariff files (the arithmetic is beside each).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from http_server import ROOT, Server
from playground_browser import TODAY, chromium_missing, launch, screenshot
from playground_root import two_versions

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
_missing = chromium_missing()
if _missing:
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("playground-browser")
    running = Server(two_versions(base), base / "server.log", "--poll", "0", "--today", TODAY).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        running = launch(playwright)
        yield running
        running.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.port}", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(5000)
    failures: list[str] = []
    opened.on("pageerror", lambda error: failures.append(str(error)))
    opened.on("console", lambda message: failures.append(message.text) if message.type == "error" and not _refusal(message.text) else None)
    yield opened
    context.close()
    assert failures == []


def _refusal(console_text):
    """Chromium logs every 4xx answer; a refused usage is an answer the page shows, not a failure."""
    return re.match(r"Failed to load resource: the server responded with a status of 4\d\d ", console_text) is not None


def total(page):
    return page.locator("#invoice output[name=total]")


def line_row(scope, line_id):
    """The invoice row whose first cell is `line_id`."""
    return scope.locator("tr", has=scope.page.get_by_role("cell", name=line_id, exact=True))


def test_the_readme_worked_example_typed_in_reads_1979_95(page):
    page.goto("/")
    expect(page.get_by_label("version", exact=True)).to_have_value("1")  # in force on 2026-11-15
    page.get_by_label("edition", exact=True).select_option("pro")
    page.get_by_label("dau", exact=True).fill("32000")
    page.get_by_label("groups", exact=True).fill("1")
    page.get_by_label("message_retention_days", exact=True).select_option(label="90 days")
    # 449.99 + ceil((32000 - 10000) / 10000) = 3 x 449.99 = 1349.97 + 0.00 + 179.99 = 1979.95
    expect(total(page)).to_have_text("1979.95")
    dau = line_row(page.locator("#invoice"), "dau_overage")
    expect(dau.locator("td").last).to_have_text("1349.97")
    dau.locator("summary").click()
    explanation = dau.locator("details")
    expect(explanation).to_contain_text("ceil(max(0, dau − included) / block_size) × price")
    expect(explanation).to_contain_text("ceil(max(0, 32000 − 10000) / 10000) × 449.99 = ceil(22000 / 10000) × 449.99 = 3 × 449.99 = 1349.97")
    expect(explanation).to_contain_text("tencent-im/2022-01-01.yaml:103")


def test_the_address_bar_holds_the_state_so_a_link_reproduces_the_invoice(page, browser, server):
    page.goto("/")
    page.get_by_label("dau", exact=True).fill("32000")
    page.get_by_label("groups", exact=True).fill("1")
    page.get_by_label("message_retention_days", exact=True).select_option(label="90 days")
    expect(total(page)).to_have_text("1979.95")
    expect(page).to_have_url(re.compile(r"usage\.dau=32000"))
    state = parse_qs(urlsplit(page.url).query)
    assert (state["edition"], state["period"], state["addons.message_retention_days"]) == (["pro"], ["2026-11"], ["90"])
    elsewhere = browser.new_page()
    try:
        elsewhere.goto(page.url)
        expect(elsewhere.locator("#invoice output[name=total]")).to_have_text("1979.95")
        expect(elsewhere.get_by_label("dau", exact=True)).to_have_value("32000")
    finally:
        elsewhere.close()


def test_every_meter_and_option_control_is_named_by_its_id(page):
    page.goto("/?edition=pro")
    for name in ("dau", "groups", "unlimited_avchatroom", "group_member_limit", "group_join_limit", "message_retention_days", "audio_video_call"):
        expect(page.get_by_label(name, exact=True)).to_have_count(1)
    expect(page.get_by_label("dau", exact=True)).to_have_accessible_description(re.compile(r"Unit: users; a whole number from 0 to 1,000,000,000,000\."))


def test_on_flagship_30_day_retention_is_not_offered(page):
    page.goto("/")
    page.get_by_label("edition", exact=True).select_option("flagship")
    retention = page.get_by_label("message_retention_days", exact=True)
    expect(retention.locator("option")).to_have_text(["not bought", "90 days", "180 days", "360 days"])
    expect(page.get_by_label("unlimited_avchatroom", exact=True)).to_have_count(0)  # not offered on flagship either
    page.get_by_label("edition", exact=True).select_option("pro")
    expect(page.get_by_label("message_retention_days", exact=True).locator("option")).to_have_text(
        ["not bought", "30 days", "90 days", "180 days", "360 days"]
    )


def test_a_meter_moved_across_a_block_edge_steps_the_total(page):
    page.goto("/?edition=pro&usage.dau=10000&usage.groups=1")
    expect(total(page)).to_have_text("449.99")  # 10,000 DAU is the quota: no block
    dau = page.get_by_label("dau", exact=True)
    dau.focus()
    dau.press("ArrowUp")  # 10,001: one started block
    expect(dau).to_have_value("10001")
    expect(total(page)).to_have_text("899.98")  # 449.99 + 1 x 449.99
    dau.press("ArrowDown")
    expect(total(page)).to_have_text("449.99")


def test_the_chart_is_drawn_from_quotes_at_the_block_edges(page):
    page.goto("/?edition=pro&usage.dau=32000&usage.groups=1&chart=dau&from=0&to=30000")
    chart = page.locator("#chart svg")
    expect(chart).to_have_accessible_name(re.compile("invoice total \\(USD\\) against dau"))
    expect(chart.locator("desc")).to_contain_text("breakpoints at 10000, 20000, 30000")
    samples = chart.locator("circle.sample title")
    expect(samples.filter(has_text=re.compile(r"^10000 users: 449\.99 USD$"))).to_have_count(1)
    expect(samples.filter(has_text=re.compile(r"^10001 users: 899\.98 USD$"))).to_have_count(1)


def test_comparing_two_versions_shows_the_diff_rows_and_both_invoices(page):
    page.goto("/?edition=pro&usage.dau=32000&usage.groups=1&addons.message_retention_days=90")
    page.get_by_label("compare with", exact=True).select_option("2")
    rows = page.locator("#comparison .review-diff tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator("td")).to_have_text(
        ["pro / plan / price", "449.99 USD per month", "499.99 USD per month", "+11.1 %", "tencent-im/2027-01-01.yaml:96"]
    )
    expect(rows.nth(3).locator("td")).to_have_text(
        ["pro / message_retention / 30 days", "99.99 USD per month", "—", "no longer offered", "tencent-im/2027-01-01.yaml:172"]
    )
    # version 1: 449.99 + 3 x 449.99 + 0.00 + 179.99 = 1979.95
    expect(page.get_by_role("region", name="version 1", exact=True).locator("output[name=total]")).to_have_text("1979.95")
    # version 2: 499.99 + ceil(22000 / 5000) = 5 x 224.99 = 1124.95 + 0.00 + 179.99 = 1804.93
    expect(page.get_by_role("region", name="version 2", exact=True).locator("output[name=total]")).to_have_text("1804.93")
    worked = page.locator("#comparison table.impact tr", has_text="worked example of the rules")
    expect(worked.locator("td")).to_have_text([re.compile("^worked example"), "1979.95", "1804.93", "-175.02", "-8.8 %"])
    expect(page).to_have_url(re.compile(r"compare=2"))


def test_a_broken_usage_value_shows_its_diagnostic_beside_the_field(page):
    page.goto("/?edition=pro&usage.dau=32000&usage.groups=1")
    expect(total(page)).to_have_text("1799.96")  # 449.99 + 3 x 449.99 + 0.00
    dau = page.get_by_label("dau", exact=True)
    dau.fill("-5")
    message = "-5 is out of range: dau takes a whole number from 0 to 1000000000000"
    beside = dau.locator("xpath=..").locator(".diagnostic")
    expect(beside).to_have_text(message)
    expect(dau).to_have_attribute("aria-invalid", "true")
    expect(dau).to_have_accessible_description(re.compile(re.escape(message)))
    expect(page.locator("#invoice output[name=total]")).to_have_count(0)  # no partial invoice
    expect(page.get_by_label("groups", exact=True).locator("xpath=..").locator(".diagnostic")).to_have_text("")
    dau.fill("12.5")
    expect(beside).to_have_text("expected a whole number from 0 to 1000000000000, got 12.5 (hint: dau counts whole users)")
    dau.fill("32000")
    expect(total(page)).to_have_text("1799.96")
    expect(beside).to_have_text("")


def test_the_page_asks_nothing_of_another_host(page, server):
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto("/?edition=pro&usage.dau=32000&usage.groups=1&compare=2")
    expect(total(page)).to_have_text("1799.96")
    expect(page.get_by_role("region", name="version 2", exact=True)).to_be_visible()
    assert asked and all(url.startswith(f"http://127.0.0.1:{server.port}/") for url in asked), asked


def test_a_screenshot_of_the_page_is_saved(page, server, tmp_path_factory):
    shots = tmp_path_factory.mktemp("screenshots")
    screenshot(page, f"http://127.0.0.1:{server.port}", shots / "playground.png")
    saved = (shots / "playground.png").read_bytes()
    assert saved.startswith(b"\x89PNG\r\n\x1a\n") and len(saved) > 20_000
    print(f"screenshot: {shots / 'playground.png'}")


def test_the_documented_command_writes_the_screenshot(tmp_path):
    """`python tests/playground_browser.py` (docs/playground.md) refreshes docs/playground.png; here it writes elsewhere."""
    shot = tmp_path / "playground.png"
    done = subprocess.run([sys.executable, "tests/playground_browser.py", str(shot)], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert (done.returncode, done.stdout) == (0, f"{shot}\n"), done.stderr
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_documented_benchmark_measures_the_page_load():
    # `benchmarks` is not installed: it runs from the checkout (PYTHONPATH), as the README's commands do.
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks", "--only", "page", "--quick"]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("playground page load to first invoice"))
    assert re.search(r"\d+ ms  median of 3 fresh contexts, worst \d+ ms \((within|over) the 1 s goal\)", row), row


def test_picking_a_version_prices_the_usage_with_it(page):
    page.goto("/?edition=pro&usage.dau=32000&usage.groups=1&addons.message_retention_days=90")
    expect(total(page)).to_have_text("1979.95")
    page.get_by_label("version", exact=True).select_option("2")
    expect(page.get_by_label("period", exact=True)).to_have_value("2027-01")  # version 2's first month
    expect(page.get_by_label("dau", exact=True)).to_have_value("32000")  # the usage is kept
    # 499.99 + ceil(22000 / 5000) = 5 x 224.99 = 1124.95 + 0.00 + 179.99 = 1804.93
    expect(total(page)).to_have_text("1804.93")
    expect(page.locator("#invoice caption")).to_contain_text("tencent-im/2027-01-01.yaml (version 2)")
    expect(page.get_by_label("message_retention_days", exact=True).locator("option")).to_have_text(
        ["not bought", "90 days", "180 days", "360 days"]
    )
