"""Every shell command in docs/spark.md runs: the pipeline for real, on local Spark; a cluster's with --help."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from engine.cli import main

DOC = ROOT / "docs" / "spark.md"
COMMANDS = [line for block in re.findall(r"```sh\n(.*?)```", DOC.read_text("utf-8"), re.S) for line in block.splitlines() if line.strip()]


def needs_a_cluster(words: list[str]) -> bool:
    return words[0] == "spark-submit" or any(word.startswith("spark://") for word in words)


def test_the_doc_shows_the_pipeline_and_the_cluster_commands() -> None:
    assert [shlex.split(line)[:2] for line in COMMANDS] == [
        ["cd", "examples/spark"], ["tariff", "aggregate"], ["tariff", "bill-run"], ["tariff", "bill-run"], ["spark-submit", "--master"]
    ]  # fmt: skip


def test_every_command_of_the_doc_runs(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    here = tmp_path
    for line in COMMANDS:
        words = shlex.split(line)
        if words[0] == "cd":
            here = here / words[1]
            continue
        if needs_a_cluster(words):
            words = [words[0], *(["bill-run"] if words[0] == "tariff" else []), "--help"]
        with contextlib.chdir(here):
            if words[0] == "tariff":
                with contextlib.suppress(SystemExit):  # --help exits 0
                    assert main(words[1:]) == 0, line
            else:
                submit = Path(sys.executable).parent / words[0]
                done = subprocess.run([str(submit), *words[1:]], capture_output=True, text=True, env={**os.environ}, timeout=120)
                assert "Usage: spark-submit" in done.stdout + done.stderr, line
    capsys.readouterr()
    # The doc's figures: account 1400000001 on pro, 2,429.94; 1400000002 on trial, 0.00.
    summary = (here / "summary.csv").read_text()
    assert "total,USD,pro,1,2429.94\n" in summary and "total,USD,trial,1,0.00\n" in summary
    rejected = [json.loads(line)["event"]["id"] for line in (here / "event-rejects.jsonl").read_text().splitlines()]
    assert sorted(rejected) == ["ev-0006", "ev-0007"]
