"""`tariff render --canonical`: one sorted line per price point, and git diff through it."""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINE_PATH, FIXTURES, TARIFFS
from tariff_text import emit

from engine.cli import main
from engine.language.source import parse_yaml

IM = TARIFFS / "tencent-im" / "2022-01-01.yaml"


def render(capsys: pytest.CaptureFixture[str], path: Path | str, *extra: str) -> tuple[int, str]:
    code = main(["render", "--canonical", str(path), *extra])
    return code, capsys.readouterr().out


def test_every_price_point_of_a_small_tariff(capsys):
    assert render(capsys, FIXTURES / "im-history" / "2026-01-01.yaml") == (
        0,
        "tariff / billing cycle: calendar_month\n"
        "tariff / currency: USD\n"
        "tariff / effective from: 2026-01-01\n"
        "tariff / id: im-history\n"
        "tariff / rounding / applied: per_line\n"
        "tariff / rounding / mode: half_up\n"
        "tariff / rounding / scale: 2 decimals\n"
        "tariff / settlement: postpaid\n"
        "tariff / settlement window: days 1 to 3 of the next period\n"
        "tariff / version: 2.0\n"
        "edition pro: offered\n"
        "edition trial: offered\n"
        "meter dau: integer, one value per period\n"
        "meter dau / maximum: 1000000000000 users\n"
        "meter dau / minimum: 0 users\n"
        "pro / dau_overage: blocks\n"
        "pro / dau_overage / block size: 5000 users\n"
        "pro / dau_overage / included: 10000 users\n"
        "pro / dau_overage / part block: billed as a whole block\n"
        "pro / dau_overage / price: 224.99 USD per block\n"
        "pro / dau_overage / quantity: dau\n"
        "pro / plan: flat fee\n"
        "pro / plan / price: 499.99 USD per month\n"
        "trial / plan: flat fee\n"
        "trial / plan / price: 0.00 USD per month\n",
    )


def test_the_im_tariff_lines_are_sorted_with_numbers_in_order(capsys):
    _, out = render(capsys, IM)
    lines = out.splitlines()
    assert "pro / plan / price: 449.99 USD per month" in lines
    retention = [line for line in lines if line.startswith("pro / message_retention / ")]
    assert retention == [
        "pro / message_retention / 30 days: 99.99 USD per month",
        "pro / message_retention / 90 days: 179.99 USD per month",
        "pro / message_retention / 180 days: 269.99 USD per month",
        "pro / message_retention / 360 days: 399.99 USD per month",
    ]
    editions = [line.split(" / ")[0] for line in lines if line.split(" / ")[0] in ("flagship", "pro", "trial")]
    assert editions == sorted(editions)


def test_layout_order_and_comments_do_not_change_the_rendering(tmp_path, capsys):
    data, _ = parse_yaml(IM.read_bytes(), "im")
    shuffled = tmp_path / "shuffled.yaml"
    shuffled.write_text(emit(data, random.Random(3)))
    assert render(capsys, shuffled) == render(capsys, IM)


def test_a_file_that_is_not_a_tariff(tmp_path, capsys):
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("scenarios: []\n")
    first = f"{scenarios}:1:1: error: missing required key 'billing_cycle' [schema]"
    assert main(["render", "--canonical", str(scenarios)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == first
    # --lenient is for git's textconv, which must never fail: the file is shown as written.
    assert render(capsys, scenarios, "--lenient") == (
        0,
        f"# not a valid tariff version ({scenarios}:1:1: missing required key 'billing_cycle'); shown as written\n"
        "scenarios: []\n",
    )


# -- git diff through the canonical form ------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **ENGINE_PATH, "GIT_PAGER": "cat"}
    command = ["git", "-c", "user.name=Reviewer", "-c", "user.email=reviewer@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def test_git_diff_and_log_show_pricing_lines(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    # The two lines of docs/reviewing-price-changes.md, with this interpreter standing in for `tariff`.
    (tmp_path / ".gitattributes").write_text("tariffs/**/*.yaml diff=tariff\n")
    tariff = f"{shlex.quote(sys.executable)} -m engine"
    git(tmp_path, "config", "diff.tariff.textconv", f"{tariff} render --canonical --lenient")
    target = tmp_path / "tariffs" / "tencent-im" / "2022-01-01.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(IM, target)
    (target.parent / "scenarios.yaml").write_text("scenarios: []\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "IM tariff")
    text = target.read_text().replace("pro: {price: 449.99}", "pro: {price: 499.99}")
    target.write_text(text.replace("# Rule 2: the plan fee for the whole month, no proration.", "# Reworded."))
    git(tmp_path, "commit", "-q", "-am", "Raise the pro plan fee")
    changed = [line for line in git(tmp_path, "diff", "HEAD~1", "HEAD").splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-pro / plan / price: 449.99 USD per month", "+pro / plan / price: 499.99 USD per month"]
    log = git(tmp_path, "log", "-p", "-1")
    assert "+pro / plan / price: 499.99 USD per month" in log and "Reworded" not in log
