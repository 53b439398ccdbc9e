"""The endpoints the pricing playground adds, end to end on a real `tariff serve`: the usage
form of a version, the chart series, the review diff and the impact of two versions.

Expected figures are worked out by hand from tariffs/tencent-im/2022-01-01.yaml (version 1:
pro 449.99, 449.99 per started block of 10,000 DAU above 10,000) and
examples/price-change/tencent-im/2027-01-01.yaml (version 2: pro 499.99, 224.99 per started block of
5,000 DAU above 10,000, pro's 30-day retention withdrawn).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from http_server import ROOT, WORKED_EXAMPLE, Server, wait_for
from playground_root import TODAY, two_versions

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
pytest.importorskip("starlette", reason="needs the server extra: pip install '.[server]'")

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("playground-api")
    running = Server(two_versions(base), base / "server.log", "--poll", "0", "--today", TODAY).start()
    yield running
    running.stop()


def problem(reply, status):
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == PROBLEM
    return reply.json()


# -- the form ------------------------------------------------------------------------------


def test_the_form_defaults_to_the_version_in_force_today(server):
    form = server.get("/v1/tariffs/tencent-im/form").json()
    assert (form["today"], form["in_force_today"], form["version"]["version"], form["period"]) == (TODAY, "1", "1", "2026-11")
    assert form["version"]["until"] == "2026-12-31"
    assert [v["version"] for v in form["versions"]] == ["1", "2"]


def test_a_later_version_is_priced_in_its_first_month(server):
    form = server.get("/v1/tariffs/tencent-im/form?version=2").json()
    assert (form["version"]["version"], form["period"], form["in_force_today"]) == ("2", "2027-01", "1")


def test_the_form_lists_meters_with_unit_and_bounds(server):
    meters = server.get("/v1/tariffs/tencent-im/form").json()["meters"]
    assert meters[0] == {
        "id": "dau",
        "description": "Daily active users; the month is billed on its peak",
        "unit": "users",
        "type": "integer",
        "minimum": "0",
        "maximum": "1000000000000",
        "daily": True,
        "aggregation": "max",
    }
    assert [m["id"] for m in meters] == ["dau", "groups"]


def test_each_edition_offers_only_its_own_values(server):
    editions = {e["id"]: e for e in server.get("/v1/tariffs/tencent-im/form").json()["editions"]}
    offered = {e: {o["id"]: o["values"] for o in editions[e]["options"]} for e in editions}
    assert offered["trial"] == {}
    assert offered["pro"]["message_retention_days"] == [30, 90, 180, 360]
    assert offered["flagship"]["message_retention_days"] == [90, 180, 360]  # 30 days is flagship's default, not sold
    assert offered["pro"]["unlimited_avchatroom"] == [True]
    assert "unlimited_avchatroom" not in offered["flagship"]
    assert offered["flagship"]["group_member_limit"] == [6000]
    assert editions["pro"]["meters"] == ["dau", "groups"]
    assert editions["trial"]["meters"] == []


def test_an_unknown_version_or_tariff_is_404(server):
    missing = problem(server.get("/v1/tariffs/tencent-im/form?version=7"), 404)
    assert missing["errors"][0]["message"] == "tencent-im has no version '7' (versions: 1, 2)"
    assert problem(server.get("/v1/tariffs/nope/form"), 404)["errors"][0]["message"] == "unknown tariff 'nope' (tariffs: tencent-im)"
    assert problem(server.get("/v1/tariffs/tencent-im/form?edition=pro"), 400)["errors"][0]["path"] == "?edition"


# -- the chart -----------------------------------------------------------------------------

PRO = {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}


def chart(server, **request):
    return server.post("/v1/chart", {"usage": PRO, "meter": "dau", "from": 0, "to": 30000, **request})


def test_the_chart_samples_both_sides_of_every_block_edge(server):
    series = chart(server).json()
    assert series["breakpoints"] == ["10000", "20000", "30000"]
    y = {p["x"]: p["y"] for p in series["points"]}
    # pro 449.99 + ceil(max(0, dau - 10000) / 10000) blocks x 449.99; groups 1 bills no block
    assert y["0"] == "449.99"
    assert y["9999"] == y["10000"] == "449.99"  # 0 blocks
    assert y["10001"] == "899.98"  # 449.99 + 1 x 449.99
    assert y["20000"] == "899.98"  # ceil(10000 / 10000) = 1 block
    assert y["20001"] == "1349.97"  # 449.99 + 2 x 449.99
    assert y["30000"] == "1349.97"
    xs = [int(p["x"]) for p in series["points"]]
    assert xs == sorted(set(xs)) and xs[0] == 0 and xs[-1] == 30000
    assert len(xs) >= 60  # the regular grid besides the edges


def test_the_chart_of_one_line(server):
    y = {p["x"]: p["y"] for p in chart(server, line="dau_overage").json()["points"]}
    assert (y["10000"], y["10001"], y["20001"]) == ("0.00", "449.99", "899.98")


def test_the_chart_of_version_2_steps_every_5000(server):
    usage = {**PRO, "period": "2027-01"}
    series = server.post("/v1/chart", {"usage": usage, "meter": "dau", "from": 10000, "to": 20000}).json()
    assert series["breakpoints"] == ["10000", "15000", "20000"]
    y = {p["x"]: p["y"] for p in series["points"]}
    assert (y["15000"], y["15001"]) == ("724.98", "949.97")  # 499.99 + 1 x 224.99; 499.99 + 2 x 224.99


def test_the_chart_samples_tier_edges_and_conditions_on_the_meter(tmp_path):
    """tests/fixtures/sms-gateway: graduated tiers 0.0075 up to 10,000, 0.0060 up to 100,000; a 5.00 fee `when: sms < 1000`."""
    shutil.copytree(ROOT / "tests" / "fixtures" / "sms-gateway", tmp_path / "tariffs" / "sms-gateway")
    running = Server(tmp_path / "tariffs", tmp_path / "server.log", "--poll", "0").start()
    try:
        usage = {"tariff": "sms-gateway", "account": "1", "period": "2023-07", "edition": "payg", "usage": {"sms": 0}}
        series = running.post("/v1/chart", {"usage": usage, "meter": "sms", "from": 0, "to": 20000}).json()
    finally:
        running.stop()
    assert series["breakpoints"] == ["0", "1000", "10000"]
    y = {p["x"]: p["y"] for p in series["points"]}
    assert y["999"] == "12.49"  # 999 x 0.0075 = 7.4925 -> 7.49, + the 5.00 fee under 1,000
    assert y["1000"] == "7.50"  # 1000 x 0.0075, no fee
    assert y["10000"] == "75.00"  # 10000 x 0.0075
    assert y["10001"] == "75.01"  # 75.00 + 1 x 0.0060 = 75.006 -> 75.01


def test_the_chart_of_a_decimal_meter_and_a_volume_table(tmp_path):
    """tests/fixtures/chat-platform: platform fee by peak DAU range (0 up to 1,000; 99.00 up to 10,000; 349.00 up to
    50,000; then 349.00 + 60.00 per started 10,000); storage a decimal meter (0.25 per GB above 50 on standard)."""
    shutil.copytree(ROOT / "tests" / "fixtures" / "chat-platform", tmp_path / "tariffs" / "chat-platform")
    running = Server(tmp_path / "tariffs", tmp_path / "server.log", "--poll", "0").start()
    usage = {"tariff": "chat-platform", "account": "1", "period": "2024-11", "edition": "standard", "usage": {"dau": 500, "storage_gb": 10}}
    try:
        by_dau = running.post("/v1/chart", {"usage": usage, "meter": "dau", "from": 0, "to": 70000}).json()
        by_storage = running.post("/v1/chart", {"usage": usage, "meter": "storage_gb", "from": 0, "to": 100}).json()
    finally:
        running.stop()
    assert by_dau["breakpoints"] == ["0", "1000", "10000", "50000", "60000", "70000"]
    y = {p["x"]: p["y"] for p in by_dau["points"]}
    assert (y["1000"], y["1001"], y["50000"], y["50001"], y["60001"]) == ("0.00", "99.00", "349.00", "409.00", "469.00")
    xs = [p["x"] for p in by_storage["points"]]
    assert xs[:4] == ["0", "1.666667", "3.333333", "5"]  # the grid to six decimals, never 28 digits
    y = {p["x"]: p["y"] for p in by_storage["points"]}
    assert (y["50"], y["100"]) == ("0.00", "12.50")  # (100 - 50) x 0.25


@pytest.mark.parametrize(
    ("request_", "path", "message"),
    [
        ({"from": 5, "to": 5}, "to", "the range is empty: 'to' (5) must be above 'from' (5)"),
        ({"to": 10**13}, "to", "10000000000000 is outside dau's bounds 0 to 1000000000000"),
        ({"from": "1.5"}, "from", "1.5 is not a whole number (dau counts users)"),
        ({"meter": "mau"}, "meter", "unknown meter 'mau' (meters: dau, groups)"),
        ({"line": "tax"}, "line", "'tax' is not a line of pro (lines: plan, dau_overage, group_overage, unlimited_avchatroom, "
         "group_member_limit, group_join_limit, message_retention, audio_video_call)"),
    ],
)
def test_a_chart_request_out_of_bounds_is_refused(server, request_, path, message):
    error = problem(chart(server, **request_), 422)["errors"][0]
    assert (error["path"], error["message"]) == (path, message)


def test_a_chart_of_a_usage_that_does_not_price_is_its_problem(server):
    broken = {**PRO, "usage": {"dau": 1}}  # groups missing
    error = problem(server.post("/v1/chart", {"usage": broken, "meter": "dau", "from": 0, "to": 10}), 422)["errors"][0]
    assert (error["path"], error["message"]) == ("usage.groups", "missing: the pro edition prices groups")


# -- two versions --------------------------------------------------------------------------


def test_the_diff_is_the_markdown_the_cli_gives_reviewers(server):
    reply = server.get("/v1/diff?tariff=tencent-im&old=1&new=2&format=markdown")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/markdown; charset=utf-8"
    root = server.tariffs / "tencent-im"
    cli = subprocess.run(
        [sys.executable, "-m", "engine", "diff", str(root / "2022-01-01.yaml"), str(root / "2027-01-01.yaml"), "--format", "markdown"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert reply.body.decode() == cli.stdout
    assert "| pro / plan / price | 449.99 USD per month | 499.99 USD per month | +11.1 % | `tencent-im/2027-01-01.yaml:96` |" in cli.stdout


def test_the_diff_as_json_puts_the_older_version_first(server):
    found = server.get("/v1/diff?tariff=tencent-im&old=2&new=1").json()
    assert (found["old"]["version"], found["new"]["version"], found["summary"]) == ("1", "2", "4 pricing changes")
    assert [c["subject"] for c in found["changes"]] == [
        "pro / plan / price",
        "flagship, pro / dau_overage / block size",
        "flagship, pro / dau_overage / price",
        "pro / message_retention / 30 days",
    ]


def test_a_diff_request_names_what_is_wrong(server):
    assert problem(server.get("/v1/diff?tariff=tencent-im&old=1&new=2&format=xml"), 400)["errors"][0]["path"] == "?format"
    assert problem(server.get("/v1/diff?tariff=tencent-im&old=1"), 400)["errors"][0]["message"] == "missing: 'new', a version of tencent-im"
    assert problem(server.get("/v1/diff?tariff=tencent-im&old=1&new=3"), 404)["errors"][0]["path"] == "new"


def test_the_impact_prices_the_usage_and_the_golden_scenarios_under_both(server):
    reply = server.post("/v1/impact", {"tariff": "tencent-im", "old": "1", "new": "2", "usage": WORKED_EXAMPLE})
    body = reply.json()
    assert (body["old"], body["new"]) == ("1", "2")
    # version 1: 449.99 + ceil(22000 / 10000) = 3 x 449.99 = 1349.97 + 0.00 + 179.99 = 1979.95
    assert body["usage"]["old"]["invoice"]["total"] == "1979.95"
    # version 2: 499.99 + ceil(22000 / 5000) = 5 x 224.99 = 1124.95 + 0.00 + 179.99 = 1804.93
    assert body["usage"]["new"]["invoice"]["total"] == "1804.93"
    scenarios = {s["name"]: s for s in body["scenarios"]["scenarios"]}
    worked = scenarios["worked example of the rules, pro with 32,000 DAU and 90-day retention"]
    assert (worked["old"]["total"], worked["new"]["total"], worked["delta"]) == ("1979.95", "1804.93", "-175.02")
    thirty = scenarios["30-day retention on pro"]
    assert thirty["status"] == "refused by new"
    assert thirty["new"]["refusal"] == "addons.message_retention_days: 30 is not offered on pro (offered: 90, 180, 360)"


def test_a_usage_one_version_refuses_comes_back_as_its_problem(server):
    usage = {**WORKED_EXAMPLE, "addons": {"message_retention_days": 30}}
    body = server.post("/v1/impact", {"tariff": "tencent-im", "old": "1", "new": "2", "usage": usage}).json()
    # version 1: 449.99 + 3 x 449.99 + 0.00 + 99.99 = 1899.95
    assert body["usage"]["old"]["invoice"]["total"] == "1899.95"
    assert body["usage"]["new"]["status"] == 422
    assert body["usage"]["new"]["problem"]["errors"][0]["path"] == "addons.message_retention_days"


def test_an_impact_request_names_what_is_wrong(server):
    assert problem(server.post("/v1/impact", {"tariff": "tencent-im", "old": "1"}), 422)["errors"][0]["path"] == "new"
    assert problem(server.post("/v1/impact", {"tariff": "tencent-im", "old": "1", "new": "2", "x": 1}), 422)["errors"][0]["path"] == "x"
    assert problem(server.post("/v1/impact", [1]), 422)["errors"][0]["rule"] == "impact"


def test_a_version_file_changed_on_disk_is_not_diffed_until_it_is_served(tmp_path):
    root = two_versions(tmp_path)
    running = Server(root, tmp_path / "server.log", "--poll", "0").start()
    try:
        newer = root / "tencent-im" / "2027-01-01.yaml"
        newer.write_text(newer.read_text().replace("499.99", "509.99"))
        conflict = problem(running.get("/v1/diff?tariff=tencent-im&old=1&new=2"), 409)
        assert conflict["detail"] == "tencent-im/2027-01-01.yaml changed since it was loaded; the next reload serves it"
    finally:
        running.stop()


# -- the page ------------------------------------------------------------------------------


def test_the_page_and_its_modules_are_served(server):
    page = server.get("/?tariff=tencent-im&usage.dau=32000")
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="/playground/app.js"></script>' in page.body
    for name in ("app.js", "api.js", "form.js", "invoice.js", "chart.js", "compare.js", "dom.js"):
        module = server.get(f"/playground/{name}")
        assert (module.status, module.headers["content-type"]) == (200, "text/javascript; charset=utf-8"), name
    assert server.get("/playground/playground.css").headers["content-type"] == "text/css; charset=utf-8"
    assert page.headers["content-security-policy"].startswith("default-src 'self';")


@pytest.mark.parametrize("name", ["nothing.js", "..%2Fapp.py", "index.html", "App.js"])
def test_only_the_page_files_are_served(server, name):
    assert server.get(f"/playground/{name}").status == 404


def test_the_page_loads_nothing_from_another_host(server):
    for name in ("", "playground/app.js", "playground/playground.css"):
        body = server.get(f"/{name}").body.decode()
        assert "http://" not in body and "https://" not in body, name


# -- tariff serve --open and --today ----------------------------------------------------------


def test_serve_open_opens_the_page_in_the_browser(tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    monkeypatch.setenv("BROWSER", f"{sys.executable} {browser} %s")
    running = Server(ROOT / "tariffs", tmp_path / "server.log", "--open", "--poll", "0").start()
    try:
        wait_for(opened.exists, what="the browser to be started")
        assert opened.read_text() == f"http://127.0.0.1:{running.port}/"
    finally:
        running.stop()


def test_serve_today_must_be_a_date():
    stopped = subprocess.run([sys.executable, "-m", "engine", "serve", "--today", "2026-13-01"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert stopped.returncode == 2
    assert stopped.stderr.endswith("tariff serve: error: argument --today: '2026-13-01' is not a date (YYYY-MM-DD)\n")
