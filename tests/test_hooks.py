"""The pre-commit hooks: their entries run on a copy of a tariff repository with the right exit codes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ENGINE_PATH, ROOT
from ruamel.yaml import YAML

HOOKS = {hook["id"]: hook for hook in YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_the_hooks_are_declared_for_pre_commit():
    assert set(HOOKS) == {"tariff-validate", "tariff-test"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["args"] == ["tariffs"]
        assert re.search(hook["files"], "tariffs/tencent-im/2022-01-01.yaml")
        assert not re.search(hook["files"], "README.md")
    assert (HOOKS["tariff-validate"]["entry"], HOOKS["tariff-test"]["entry"]) == ("tariff validate", "tariff test")


def test_the_entry_command_is_the_installed_console_script():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"tariff": "engine.cli:entry"}


def run_hook(hook_id: str, repository: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook as pre-commit would: its entry and args, in the repository, `tariff` being `python -m engine`."""
    hook = HOOKS[hook_id]
    program, *arguments = hook["entry"].split()
    assert program == "tariff"
    environment = {**os.environ, **ENGINE_PATH}
    command = [sys.executable, "-m", "engine", *arguments, *hook["args"]]
    return subprocess.run(command, cwd=repository, env=environment, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tariffs", tmp_path / "tariffs")
    return tmp_path


def test_both_hooks_pass_on_the_shipped_tariffs(repository):
    validated, tested = run_hook("tariff-validate", repository), run_hook("tariff-test", repository)
    assert (validated.returncode, validated.stdout) == (0, "checked 2 files: no problems\n")
    assert (tested.returncode, tested.stderr) == (0, "")
    assert tested.stdout.endswith(" passed, 0 failed\n")


def test_a_broken_tariff_fails_validation(repository):
    version = repository / "tariffs" / "tencent-im" / "2022-01-01.yaml"
    version.write_text(version.read_text().replace("quantity: dau", "quantity: daus"))
    result = run_hook("tariff-validate", repository)
    assert result.returncode == 1
    assert result.stdout == (
        "tariffs/tencent-im/2022-01-01.yaml:107:15: error: charges.dau_overage.quantity: unknown name 'daus' (known names: "
        "audio_video_call, dau, group_join_limit, group_member_limit, groups, message_retention_days, unlimited_avchatroom) "
        "[unknown-name]\nhint: did you mean 'dau'?\nchecked 2 files: 1 error, 0 warnings\n"
    )


def test_a_price_change_passes_validation_and_fails_the_scenarios(repository):
    version = repository / "tariffs" / "tencent-im" / "2022-01-01.yaml"
    version.write_text(version.read_text().replace("pro: {price: 449.99}", "pro: {price: 459.99}"))
    assert run_hook("tariff-validate", repository).returncode == 0
    result = run_hook("tariff-test", repository)
    assert result.returncode == 1
    assert "      line plan  449.99    459.99\n" in result.stdout


def test_the_documented_pre_commit_config_uses_these_hooks():
    text = (ROOT / "docs" / "validating.md").read_text()
    [snippet] = re.findall(r"```yaml\n(repos:.*?)```", text, re.DOTALL)
    config = YAML(typ="safe").load(snippet)
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == ["tariff-validate", "tariff-test"]
