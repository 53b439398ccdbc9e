"""`tariff diff` as a reviewer and a CI job use it: formats, exit codes, git revisions."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, TARIFFS
from tariff_text import line_of

from engine.cli import main

IM = str(TARIFFS / "tencent-im" / "2022-01-01.yaml")
PROPOSED = str(ROOT / "examples" / "price-change" / "tencent-im" / "2027-01-01.yaml")
SCENARIOS = str(ROOT / "examples" / "price-change" / "scenarios")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_for_a_terminal(capsys):
    code, out, err = run(capsys, IM, PROPOSED, "--scenarios", SCENARIOS)
    assert (code, err) == (0, "")
    assert out.splitlines()[:6] == [
        "tencent-im: version 1 (from 2022-01-01) → version 2 (from 2027-01-01)",
        "tencent-im/2027-01-01.yaml:96: pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)",
        "tencent-im/2027-01-01.yaml:110: flagship, pro / dau_overage / block size: 10000 → 5000 users",
        "tencent-im/2027-01-01.yaml:112: flagship, pro / dau_overage / price: 449.99 → 224.99 USD per block (-50.0 %)",
        "tencent-im/2027-01-01.yaml:172: pro / message_retention / 30 days: no longer offered (was 99.99 USD per month)",
        "4 pricing changes",
    ]
    assert "impact on 6 scenarios: 10399.77 → 10099.64 USD (-300.13, -2.9 %) over the 5 scenarios both price; 1 refused by new" in out
    assert out.splitlines()[-1] == (
        "  pro-30-day-retention.yaml: refused by new: addons.message_retention_days: 30 is not offered on pro (offered: 90, 180, 360)"
    )


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a markdown document as rows of cells (the header first, the rule dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if current is None:
            current = []
            tables.append(current)
        if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            current.append(cells)
    return tables


def test_markdown_is_a_document_with_a_summary_a_change_table_and_an_impact_table(capsys):
    code, out, _ = run(capsys, IM, PROPOSED, "--scenarios", SCENARIOS, "--format", "markdown")
    assert code == 0
    assert out.splitlines()[0] == "### tencent-im: version 1 (from 2022-01-01) → version 2 (from 2027-01-01)"
    assert out.splitlines()[2].startswith("**4 pricing changes**: `tencent-im/2022-01-01.yaml` → `tencent-im/2027-01-01.yaml`.")
    changes, effect = markdown_tables(out)
    assert changes == [
        ["What", "Old", "New", "Change", "Where"],
        ["pro / plan / price", "449.99 USD per month", "499.99 USD per month", "+11.1 %", "`tencent-im/2027-01-01.yaml:96`"],
        ["flagship, pro / dau_overage / block size", "10000 users", "5000 users", "changed", "`tencent-im/2027-01-01.yaml:110`"],
        [
            "flagship, pro / dau_overage / price",
            "449.99 USD per block",
            "224.99 USD per block",
            "-50.0 %",
            "`tencent-im/2027-01-01.yaml:112`",
        ],
        ["pro / message_retention / 30 days", "99.99 USD per month", "—", "no longer offered", "`tencent-im/2027-01-01.yaml:172`"],
    ]
    assert effect == [
        ["Scenario", "Old total (USD)", "New total (USD)", "Delta", "Relative"],
        ["pro-30-day-retention.yaml", "549.98", "refused", "", ""],
        ["flagship-large.yaml", "6169.87", "5944.79", "-225.08", "-3.6 %"],
        ["pro-worked-example.yaml", "1979.95", "1804.93", "-175.02", "-8.8 %"],
        ["pro-quiet-month.yaml", "449.99", "499.99", "+50.00", "+11.1 %"],
        ["pro-38k-dau.yaml", "1799.96", "1849.93", "+49.97", "+2.8 %"],
        ["trial.yaml", "0.00", "0.00", "0.00", ""],
        ["**Sum of the 5 scenarios both versions price**", "**10399.77**", "**10099.64**", "**-300.13**", "**-2.9 %**"],
    ]
    assert "- pro-30-day-retention.yaml: refused by new: addons.message_retention_days: 30 is not offered on pro" in out


def test_json_has_the_documented_shape(capsys):
    code, out, _ = run(capsys, IM, PROPOSED, "--scenarios", str(Path(SCENARIOS) / "pro-quiet-month.yaml"), "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert sorted(document) == ["changed", "changes", "identical", "impact", "new", "notes", "old", "summary"]
    assert document["old"] | {"sha256": "-"} == {
        "spec": IM,
        "file": "tencent-im/2022-01-01.yaml",
        "id": "tencent-im",
        "version": "1",
        "effective_from": "2022-01-01",
        "currency": "USD",
        "sha256": "-",
    }
    assert (document["changed"], document["identical"], document["summary"]) == (True, False, "4 pricing changes")
    assert document["changes"][0] == {
        "kind": "changed",
        "subject": "pro / plan / price",
        "old": "449.99 USD per month",
        "new": "499.99 USD per month",
        "change": "+11.1 %",
        "relative_percent": "11.1",
        "file": "tencent-im/2027-01-01.yaml",
        "line": 96,
        "text": "pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)",
    }
    assert [n["subject"] for n in document["notes"]] == ["flagship, pro / dau_overage / description", "flagship, pro / dau_overage / unit"]
    assert document["impact"] == {
        "currency": {"old": "USD", "new": "USD"},
        "scenarios": [
            {
                "name": "pro-quiet-month.yaml",
                "status": "priced",
                "old": {"total": "449.99", "refusal": None},
                "new": {"total": "499.99", "refusal": None},
                "delta": "50.00",
                "relative_percent": "11.1",
            }
        ],
        "sum": {"scenarios": 1, "old": "449.99", "new": "499.99", "delta": "50.00", "relative_percent": "11.1"},
    }


@pytest.mark.parametrize(("old", "new", "expected"), [(IM, PROPOSED, 1), (IM, IM, 0), (IM, "missing.yaml", 2)])
def test_exit_code_like_git_diff(capsys, old, new, expected):
    code, _, err = run(capsys, old, new, "--exit-code")
    assert code == expected
    assert err == ("missing.yaml: error: cannot read file: No such file or directory [io]\n" if expected == 2 else "")


def test_without_exit_code_a_change_is_still_success(capsys):
    assert run(capsys, IM, PROPOSED)[0] == 0


def test_an_invalid_new_version_is_an_error_with_its_location(tmp_path, capsys):
    broken = tmp_path / "tencent-im" / "2022-01-01.yaml"
    broken.parent.mkdir()
    text = Path(IM).read_text().replace("    block_size: 10000\n", "    block_size: -10000\n")
    broken.write_text(text)
    code, out, err = run(capsys, IM, str(broken))
    assert (code, out) == (2, "")
    line = line_of(text, "block_size: -10000")
    assert err == (
        f"{broken}:{line}:17: error: charges.dau_overage.block_size: -10000 is not greater than 0 [schema]\n"
        "hint: Units in one billed block\n"
    )


# -- git revisions -----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    command = ["git", "-c", "user.name=Reviewer", "-c", "user.email=reviewer@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main holds the IM tariff and whose branch raises the pro plan fee."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    target = tmp_path / "tariffs" / "tencent-im" / "2022-01-01.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(IM, target)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "IM tariff")
    git(tmp_path, "checkout", "-q", "-b", "raise-pro")
    target.write_text(target.read_text().replace("pro: {price: 449.99}", "pro: {price: 499.99}"))
    git(tmp_path, "commit", "-q", "-am", "Raise the pro plan fee")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_git_revision_pair_without_a_checkout(repo, capsys):
    git(repo, "checkout", "-q", "main")  # the working tree no longer holds the branch's file
    code, out, err = run(capsys, "main:tariffs/tencent-im/2022-01-01.yaml", "raise-pro:tariffs/tencent-im/2022-01-01.yaml", "--exit-code")
    assert (code, err) == (1, "")
    line = line_of(Path(IM).read_text(), "pro: {price: 449.99}")
    assert out == (
        "tencent-im: version 1 (from 2022-01-01) → version 1 (from 2022-01-01)\n"
        f"tencent-im/2022-01-01.yaml:{line}: pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)\n"
        "1 pricing change\n"
    )


def test_a_revision_against_the_working_tree(repo, capsys):
    code, out, _ = run(capsys, "HEAD~1:tariffs/tencent-im/2022-01-01.yaml", "tariffs/tencent-im/2022-01-01.yaml", "--exit-code")
    assert code == 1 and "pro / plan / price: 449.99 → 499.99 USD per month (+11.1 %)" in out


def test_an_unknown_revision_is_an_error(repo, capsys):
    code, out, err = run(capsys, "nope:tariffs/tencent-im/2022-01-01.yaml", "tariffs/tencent-im/2022-01-01.yaml")
    assert (code, out) == (2, "")
    assert err == (
        "nope:tariffs/tencent-im/2022-01-01.yaml: error: not a file, and git cannot read it as REV:path: "
        "invalid object name 'nope'. [git]\n"
        "hint: write a revision and a path from the repository's top, e.g. main:tariffs/tencent-im/2022-01-01.yaml\n"
    )


def test_no_scenario_priced_by_both_leaves_the_sum_empty(capsys):
    # Reversed: the proposed version is OLD, so the 2022 tariff (NEW) offers 30 days again.
    code, out, _ = run(capsys, PROPOSED, IM, "--scenarios", str(Path(SCENARIOS) / "pro-30-day-retention.yaml"), "--format", "json")
    impact = json.loads(out)["impact"]
    assert impact["scenarios"][0]["status"] == "refused by old"
    assert impact["scenarios"][0]["new"] == {"total": "549.98", "refusal": None}
    assert impact["sum"] == {"scenarios": 0, "old": None, "new": None, "delta": None, "relative_percent": None}
    assert code == 0
    text = run(capsys, PROPOSED, IM, "--scenarios", str(Path(SCENARIOS) / "pro-30-day-retention.yaml"))[1]
    assert "\nimpact on 1 scenario: none priced by both versions; 1 refused by old\n" in text


def test_a_currency_change_shows_totals_without_a_delta(tmp_path, capsys):
    euro = tmp_path / "tencent-im" / "2022-01-01.yaml"
    euro.parent.mkdir()
    euro.write_text(Path(IM).read_text().replace("currency: USD", "currency: EUR"))
    code, out, _ = run(capsys, IM, str(euro), "--scenarios", str(Path(SCENARIOS) / "pro-quiet-month.yaml"), "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert [c["text"] for c in document["changes"]] == ["tariff / currency: USD → EUR"]
    assert document["impact"]["scenarios"][0]["delta"] is None
    assert document["impact"]["sum"] == {"scenarios": 1, "old": "449.99", "new": "449.99", "delta": None, "relative_percent": None}
