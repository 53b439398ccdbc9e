"""The command output shown in README.md and docs/ is what the commands print today."""

from __future__ import annotations

import subprocess

import pytest
from docs_outputs import (
    DOCUMENTS,
    as_run,
    blocks,
    command_environment,
    expected_body,
    help_examples,
    repository_copy,
    script,
    shell_commands,
)

from engine.commands import COMMANDS

CASES = [(document, args, body) for document in DOCUMENTS for args, body in blocks(document.read_text(encoding="utf-8"))]


def test_the_docs_show_output():
    assert len(CASES) >= 6


@pytest.mark.parametrize(("document", "args", "body"), CASES, ids=[f"{d.name}: tariff {a}" for d, a, _ in CASES])
def test_shown_output_matches_the_command(document, args, body):
    assert body == expected_body(args, body), f"run: python tests/docs_outputs.py ({document.name} is out of date)"


# -- every shell command of README.md, docs/*.md and the --help examples runs as written ------------

COMMAND_DOCUMENTS = [(document.name, shell_commands(document.read_text(encoding="utf-8"))) for document in DOCUMENTS]
HELP_EXAMPLES = [(f"tariff {name} --help", help_examples(name)) for name in sorted(COMMANDS)]
RUNS = [(name, commands) for name, commands in COMMAND_DOCUMENTS + HELP_EXAMPLES if commands]


def test_the_commands_are_found():
    found = dict(RUNS)
    assert "tariff quote examples/worked-example.yaml" in found["README.md"][0]  # the first command a newcomer runs
    assert all(help_examples(name) for name in COMMANDS), "every command's --help has examples"
    assert sum(len(commands) for _, commands in RUNS) >= 60


@pytest.mark.parametrize(("where", "commands"), RUNS, ids=[name for name, _ in RUNS])
def test_every_documented_command_runs(where, commands, tmp_path):
    repository_copy(tmp_path)
    done = subprocess.run(
        ["bash", "-c", script(commands)],
        cwd=tmp_path / "repository",
        env=command_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = [line for line in done.stderr.splitlines() if line.startswith("$ ")][-1:]
    assert done.returncode == 0, f"{where}: {last[0] if last else 'the script'} exited {done.returncode}\n{done.stderr[-3000:]}"


def test_a_scaled_command_is_rewritten_and_others_run_as_written():
    assert as_run("python -m benchmarks.generate --records 100000 --out usage.jsonl") == (
        "python -m benchmarks.generate --records 1000 --out usage.jsonl"
    )
    assert as_run("python3 -m venv .venv && . .venv/bin/activate && pip install . && tariff quote x.yaml") == "tariff quote x.yaml"
    assert as_run("tariff serve --tariffs tariffs --port 8080 &") == "tariff serve --tariffs tariffs --port 8080 &"
    assert as_run("tariff serve") == "tariff serve --help"
    assert as_run("tariff test   # the golden scenarios") == "tariff test   # the golden scenarios"
