"""Which tariffs the commands use: --tariff, else found from the current directory upward, else the shipped ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, TARIFFS
from http_server import Server

from engine.core.errors import TariffError
from engine.core.resources import tariffs_dir
from engine.language.roots import find_root

WORKED_EXAMPLE = ROOT / "examples" / "worked-example.yaml"
WORKED_USAGE = {"tariff": "tencent-im", "account": "1", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
PLAN_FEE = "      pro: {price: 449.99}"


def tariff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, from `cwd`, with this checkout's engine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def checkout(tmp_path):
    """A pricing team's repository: tariffs/ and a nested working folder."""
    shutil.copytree(TARIFFS, tmp_path / "tariffs")
    (tmp_path / "notes" / "deep").mkdir(parents=True)
    return tmp_path


def raise_pro_plan_fee(version_file: Path) -> None:
    text = version_file.read_text("utf-8")
    assert text.count(PLAN_FEE) == 1
    version_file.write_text(text.replace(PLAN_FEE, "      pro: {price: 499.99}"), "utf-8")


def test_the_nearest_tariffs_folder_is_found_from_a_subdirectory(checkout):
    root = find_root(start=checkout / "notes" / "deep")
    assert (root.path.resolve(), root.found_by) == (checkout / "tariffs", "the nearest tariffs/ folder")


def test_a_tool_tariff_setting_wins_over_a_tariffs_folder_beside_it(checkout):
    (checkout / "prices").mkdir()
    (checkout / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.tariff]\nroot = "prices"\n')
    root = find_root(start=checkout / "notes")
    assert root.path.resolve() == checkout / "prices"
    assert root.found_by.startswith("[tool.tariff] root in ")


def test_a_pyproject_without_the_setting_is_passed_over(checkout):
    (checkout / "notes" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_root(start=checkout / "notes").path.resolve() == checkout / "tariffs"


# Every way TOML can write tool.tariff.root (a pyproject.toml that cannot hold it is not parsed at all).
TOOL_TARIFF_SPELLINGS = [
    '[tool.tariff]\nroot = "prices"\n',
    '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n[ tool . tariff ]  # ours\nroot = "prices"\n',
    '["tool"."tariff"]\nroot = "prices"\n',
    "['tool'.'tariff']\nroot = 'prices'\n",
    '[tool]\ntariff.root = "prices"\n',
    '[tool]\ntariff = {root = "prices"}\n',
    '[tool]\n"tariff" = {root = "prices"}\n',
    'tool.tariff.root = "prices"\n[project]\nname = "x"\n',
    'tool = {tariff = {root = "prices"}}\n',
    '"tool".tariff.root = "prices"\n',
    '[tool.tariff.extra]\nx = 1\n[tool.tariff]\nroot = "prices"\n',
    '["\\u0074ool".tariff]\nroot = "prices"\n',
    '[tool."t\\u0061riff"]\nroot = "prices"\n',
]


@pytest.mark.parametrize("text", TOOL_TARIFF_SPELLINGS)
def test_the_setting_is_read_however_toml_spells_it(checkout, text):
    assert tomllib.loads(text)["tool"]["tariff"]["root"] == "prices"  # the spelling is valid TOML for the setting
    (checkout / "prices").mkdir()
    (checkout / "pyproject.toml").write_text(text)
    root = find_root(start=checkout / "notes")
    assert (root.path.resolve(), root.found_by.split(" root in ")[0]) == (checkout / "prices", "[tool.tariff]")


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "tariff-engine"\n[project.scripts]\ntariff = "engine.cli:entry"\n[tool.mypy]\nstrict = true\n',
        '[tool.tariffs]\nroot = "prices"\n',
        '[tool.ruff.tariff]\nroot = "prices"\n',
        '[project]\ndescription = "no [tool] here"\n',
    ],
)
def test_a_pyproject_that_does_not_set_it_is_passed_over_however_it_mentions_tariffs(checkout, text):
    (checkout / "prices").mkdir()
    (checkout / "pyproject.toml").write_text(text)
    assert find_root(start=checkout / "notes").path.resolve() == checkout / "tariffs"


def test_a_setting_naming_no_directory_is_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.tariff]\nroot = "nowhere"\n')
    with pytest.raises(TariffError) as raised:
        find_root(start=tmp_path)
    assert raised.value.diagnostics[0].message == "[tool.tariff] root 'nowhere': no such directory"


def test_nothing_found_means_the_shipped_tariffs(tmp_path):
    # tmp_path has no tariffs/ folder or pyproject.toml above it (checked, so this test cannot pass by accident)
    assert not any((d / "tariffs").is_dir() or (d / "pyproject.toml").is_file() for d in (tmp_path, *tmp_path.parents))
    root = find_root(start=tmp_path)
    assert (root.path, root.found_by) == (tariffs_dir(), "the shipped tariffs")


def test_tariff_test_checks_the_files_being_edited(checkout):
    raise_pro_plan_fee(checkout / "tariffs" / "tencent-im" / "2022-01-01.yaml")
    result = tariff("test", cwd=checkout / "notes")
    assert result.returncode == 1
    assert result.stderr == "tariffs: ../tariffs (the nearest tariffs/ folder)\n"
    assert "FAIL  tencent-im/scenarios.yaml:20  worked example of the rules" in result.stdout


def test_quote_after_bump_prices_with_the_new_version(checkout):
    bumped = tariff("bump", "--effective", "2026-11-01", cwd=checkout)
    assert bumped.returncode == 0, bumped.stderr
    raise_pro_plan_fee(checkout / "tariffs" / "tencent-im" / "2026-11-01.yaml")
    result = tariff("quote", str(WORKED_EXAMPLE), "--format", "json", cwd=checkout)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "tariffs: tariffs (the nearest tariffs/ folder)\n"
    invoice = json.loads(result.stdout)
    assert invoice["tariff"]["file"] == "tencent-im/2026-11-01.yaml"
    # 499.99 + 3 blocks × 449.99 = 1349.97 + 0.00 + 179.99 = 2029.95
    assert invoice["total"] == "2029.95"


def test_diff_without_arguments_compares_the_last_two_versions(checkout):
    assert tariff("bump", "--effective", "2027-01-01", cwd=checkout).returncode == 0
    raise_pro_plan_fee(checkout / "tariffs" / "tencent-im" / "2027-01-01.yaml")
    result = tariff("diff", "--exit-code", cwd=checkout)
    assert result.returncode == 1, result.stderr
    assert "pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)" in result.stdout


def test_the_invoice_is_the_same_wherever_it_is_made(checkout):
    here = tariff("quote", str(WORKED_EXAMPLE), "--format", "json", cwd=ROOT)
    there = tariff("quote", str(WORKED_EXAMPLE), "--format", "json", cwd=checkout / "notes" / "deep")
    given = tariff("quote", str(WORKED_EXAMPLE), "--format", "json", "--tariff", str(checkout / "tariffs"), cwd=checkout)
    assert here.stdout == there.stdout == given.stdout
    assert json.loads(here.stdout)["total"] == "1979.95"  # the README's worked example
    assert str(checkout) not in here.stdout + there.stdout + given.stdout


@pytest.mark.parametrize(
    "given",
    ["tariffs", "tariffs/tencent-im", "tariffs/tencent-im/2022-01-01.yaml"],
    ids=["root", "tariff directory", "version file"],
)
@pytest.mark.parametrize("command", ["quote", "explain", "validate", "test", "versions", "render", "bill-run"])
def test_every_command_takes_a_root_a_tariff_directory_or_a_version_file(checkout, command, given):
    arguments = {
        "quote": [str(WORKED_EXAMPLE)],
        "explain": [str(WORKED_EXAMPLE)],
        "render": ["--canonical"],
        "bill-run": [str(checkout / "usage.jsonl"), "--workers", "1"],
    }.get(command, [])
    (checkout / "usage.jsonl").write_text(json.dumps(WORKED_USAGE) + "\n")
    shutil.rmtree(checkout / "tariffs")  # nothing to find: only --tariff names them
    result = tariff(command, *arguments, "--tariff", str(ROOT / given), cwd=checkout)
    assert result.returncode == 0, result.stderr
    assert ": error:" not in result.stderr and ", 0 rejected" in result.stderr if command == "bill-run" else ": error:" not in result.stderr


def test_serve_reports_the_root_it_found_in_healthz(checkout):
    server = Server(None, checkout / "server.log", cwd=checkout / "notes").start()
    try:
        health = server.get("/healthz").json()
    finally:
        server.stop()
    assert health["tariff_root"] == {"path": str(checkout / "tariffs"), "found_by": "the nearest tariffs/ folder"}
    assert health["tariffs"] == ["tencent-im"]


def test_tariff_version_is_the_package_version():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    result = tariff("--version", cwd=ROOT)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"tariff {declared}\n", "")


def test_diagnostics_name_files_as_given_and_invoices_from_the_tariff_root(tmp_path):
    # the issue's case: a copy of the tariffs validated from a sibling directory
    shutil.copytree(TARIFFS, tmp_path / "work" / "t1")
    (tmp_path / "here").mkdir()
    version = tmp_path / "work" / "t1" / "tencent-im" / "2022-01-01.yaml"
    text = version.read_text("utf-8")
    version.write_text(text.replace("    quantity: dau\n", "    quantity: daus\n", 1), "utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if row == "    quantity: dau")
    result = tariff("validate", "../work/t1", cwd=tmp_path / "here")
    assert result.returncode == 1
    assert result.stdout.startswith(f"../work/t1/tencent-im/2022-01-01.yaml:{line}:15: error: charges.dau_overage.quantity: unknown name 'daus'")
    version.write_text(text, "utf-8")
    quoted = tariff("quote", str(WORKED_EXAMPLE), "--format", "json", "--tariff", "../work/t1", cwd=tmp_path / "here")
    assert {line["source"].split(":")[0] for line in json.loads(quoted.stdout)["lines"]} == {"tencent-im/2022-01-01.yaml"}


def test_a_checkout_whose_engine_is_not_the_one_running_is_noted(tmp_path):
    # An engine checkout (pyproject.toml naming tariff-engine, engine/ beside it) other than this one:
    # the command runs this checkout's engine (as `tariff` runs the installed copy after `pip install .`)
    checkout = tmp_path / "clone"
    (checkout / "engine").mkdir(parents=True)
    (checkout / "engine" / "__init__.py").write_text("")
    shutil.copy(ROOT / "pyproject.toml", checkout / "pyproject.toml")
    shutil.copytree(TARIFFS, checkout / "tariffs")
    program = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from engine.cli import entry; sys.argv[0] = 'tariff'; entry()"
    done = subprocess.run([sys.executable, "-c", program, "test"], cwd=checkout, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"note: this is a checkout of tariff-engine (.), but the engine running is {ROOT / 'engine'}; "
        "to run the checkout's code, install it with: pip install -e ."
    )
    same = tariff("test", cwd=ROOT)  # this checkout running its own engine: nothing to note
    assert "note:" not in same.stderr


def test_an_installed_copy_of_the_same_code_is_not_noted_and_an_edit_is(tmp_path):
    # `pip install .` of an unchanged checkout runs a copy of the same code: nothing to note (CI does
    # this). Once the checkout's code is edited, the copy running is no longer the checkout's.
    copy = tmp_path / "site" / "engine"
    shutil.copytree(ROOT / "engine", copy, ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("schemas", "tariffs"):  # where a wheel puts them
        shutil.copytree(ROOT / data, copy / data)
    program = f"import sys; sys.path.insert(0, {str(copy.parent)!r}); from engine.cli import entry; sys.argv[0] = 'tariff'; entry()"
    same = subprocess.run([sys.executable, "-P", "-c", program, "versions"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert same.returncode == 0, same.stderr
    assert "note:" not in same.stderr
    (copy / "core" / "values.py").write_text((copy / "core" / "values.py").read_text("utf-8") + "\n# an edit\n", "utf-8")
    edited = subprocess.run([sys.executable, "-P", "-c", program, "versions"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert edited.stderr.splitlines()[0].startswith("note: this is a checkout of tariff-engine (.), but the engine running is ")
