"""`tariff quote` as a user runs it: a real process, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINE_PATH, ROOT, TARIFFS


def run(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENGINE_PATH}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_quote_example_as_json():
    result = run("quote", "examples/pro-usage.yaml", "--format", "json")
    assert result.returncode == 0, result.stderr
    invoice = json.loads(result.stdout)
    # 449.99 + 3 × 449.99 + 1 × 449.99 + 239.99 + 179.99
    assert invoice["total"] == "2669.93"
    assert [line["id"] for line in invoice["lines"]] == ["plan", "dau_overage", "group_overage", "group_member_limit", "message_retention"]
    assert result.stderr == "tariffs: tariffs (the nearest tariffs/ folder)\n"


def test_the_json_example_is_the_yaml_example():
    """examples/pro-usage.json (the cold-start benchmark's JSON document) prices as examples/pro-usage.yaml."""
    result = run("quote", "examples/pro-usage.json", "--format", "json")
    assert result.returncode == 0, result.stderr
    # 449.99 + 3 × 449.99 + 1 × 449.99 + 239.99 + 179.99
    assert json.loads(result.stdout)["total"] == "2669.93"
    assert result.stdout == run("quote", "examples/pro-usage.yaml", "--format", "json").stdout


def test_a_profiled_quote_still_gets_its_profile():
    """quote ends its process without the interpreter's teardown, except under a profiler, which reports at exit."""
    env = {**os.environ, **ENGINE_PATH}
    command = [sys.executable, "-m", "cProfile", "-s", "cumulative", "-m", "engine", "quote", "examples/pro-usage.json"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("2669.93") < result.stdout.index("function calls") < result.stdout.index("Ordered by: cumulative")


def test_quote_text_table():
    result = run("quote", "examples/pro-usage.yaml")
    assert result.returncode == 0
    assert "dau_overage" in result.stdout and result.stdout.splitlines()[-2].endswith("2669.93")
    assert result.stdout.splitlines()[-1] == "settlement: postpaid, deducted 2026-12-01 to 2026-12-03"


def test_json_usage_from_stdin_with_explicit_tariff_dir():
    usage = '{"account": 7, "period": "2026-11", "edition": "flagship", "usage": {"dau": 10001, "groups": 5}}'
    result = run("quote", "-", "--tariff", str(TARIFFS / "tencent-im"), "--format", "json", stdin=usage)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == "1349.98"  # 899.99 + 449.99


def test_invalid_usage_exits_2_with_every_problem_and_no_stdout(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tariff: tencent-im\naccount: x\nperiod: 2026-11\nedition: pro\nusage: {dau: 1}\naddons: {message_retention_days: 45}\n")
    result = run("quote", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "tariffs: tariffs (the nearest tariffs/ folder)",
        "usage.groups: error: missing: the pro edition prices groups [meter]",
        "hint: give the period's value or a daily series",
        "addons.message_retention_days: error: 45 is not offered on pro (offered: 30, 90, 180, 360) [option]",
    ]


def test_invalid_tariff_exits_2_with_located_errors(tmp_path):
    directory = tmp_path / "tencent-im"
    directory.mkdir()
    text = (TARIFFS / "tencent-im" / "2022-01-01.yaml").read_text().replace("currency: USD", "currency: 12")
    (directory / "2022-01-01.yaml").write_text(text)
    result = run("quote", "examples/pro-usage.yaml", "--tariff", str(directory))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{directory / '2022-01-01.yaml'}:12:11: error: currency: expected text, got number 12 [schema]")
    assert "Traceback" not in result.stderr


def test_version_file_not_in_force_is_refused():
    usage = '{"tariff": "tencent-im", "account": 7, "period": "2021-06", "edition": "pro", "usage": {"dau": 1, "groups": 1}}'
    result = run("quote", "-", "--tariff", str(TARIFFS / "tencent-im" / "2022-01-01.yaml"), stdin=usage)
    assert result.returncode == 2
    assert result.stderr == (
        "period: error: no version of tencent-im is in force on 2021-06-01 (versions: tencent-im/2022-01-01.yaml from 2022-01-01 on) [version]\n"
    )


def test_unreadable_usage_and_bad_command_line():
    missing = run("quote", "no-such-file.yaml")
    assert (
        missing.returncode == 2 and missing.stderr == "no-such-file.yaml: error: cannot read usage file: No such file or directory [io]\n"
    )
    bad_flag = run("quote", "examples/pro-usage.yaml", "--format", "xml")
    assert bad_flag.returncode == 2 and "invalid choice: 'xml'" in bad_flag.stderr
    assert run().returncode == 2


def test_malformed_json_usage_names_line_and_column():
    result = run("quote", "-", stdin='{"account": 1,\n "period": }')
    assert result.returncode == 2
    assert result.stderr == "<stdin>:2:12: error: not valid JSON: Expecting value [usage-syntax]\n"


@pytest.mark.skipif(shutil.which("tariff") is None, reason="the package is not installed in this environment")
def test_installed_command_finds_schemas_and_tariffs_from_another_directory(tmp_path):
    usage = tmp_path / "usage.json"
    usage.write_text(
        '{"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}'
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        ["tariff", "quote", str(usage), "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    invoice = json.loads(result.stdout)
    assert invoice["total"] == "1799.96"  # 449.99 + 3 × 449.99
    assert invoice["tariff"]["file"] == "tencent-im/2022-01-01.yaml"
