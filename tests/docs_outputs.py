"""Command output shown in the docs is generated, never typed: this finds and refreshes it.

A block in a markdown file::

    <!-- output: tariff diff OLD NEW --format markdown -->
    ...what the command prints: in a fence after a `$ tariff ARGS` line, or as markdown...
    <!-- end output -->

`python tests/docs_outputs.py` rewrites every such block from the real command, run from the
repository's top; `tests/test_docs_outputs.py` fails when a block and the command disagree.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))  # every page, a new one too
BLOCK = re.compile(r"<!-- output: tariff (?P<args>[^\n]+?) -->\n(?P<body>.*?)<!-- end output -->", re.S)
FENCE = re.compile(r"^```(?P<lang>\w*)\n")


def command_output(args: str) -> str:
    """What `tariff ARGS` prints, run from the repository's top."""
    from engine.cli import main

    out = io.StringIO()
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            main(shlex.split(args))
    finally:
        os.chdir(here)
    return out.getvalue()


def expected_body(args: str, body: str) -> str:
    fence = FENCE.match(body)
    output = command_output(args)
    return f"```{fence.group('lang')}\n$ tariff {args}\n{output}```\n" if fence else output


def blocks(text: str) -> Iterator[tuple[str, str]]:
    """(arguments, body) of every output block."""
    for match in BLOCK.finditer(text):
        yield match.group("args"), match.group("body")


def regenerate(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fresh = BLOCK.sub(
        lambda m: f"<!-- output: tariff {m.group('args')} -->\n{expected_body(m.group('args'), m.group('body'))}<!-- end output -->", text
    )
    path.write_text(fresh, encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for document in DOCUMENTS:
        regenerate(document)


# -- every shell command of the docs and of each command's --help, run ------------------------------
#
# README.md, docs/*.md and the "Examples:" of every `tariff COMMAND --help` are searched for shell
# commands: every line of a ```sh / ```bash / ```shell block, and every `$ ` line of any other block.
# A new command in a doc or a help text is picked up without touching this file. Each document (and
# each command's help) runs its commands in order, in a fresh copy of the repository made a git
# repository on branch `main`, with `tariff` and `python` being this checkout's, from a shell, as a
# reader would type them. Commands are run as written, except what `SCALED` rewrites below.

SHELL_FENCES = ("sh", "bash", "shell")
FENCED = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.S | re.M)

# (pattern, replacement, why): applied in order to each command; a replacement of None skips it.
SCALED: tuple[tuple[str, str | None, str], ...] = (
    (r"^python3 -m venv \.venv$", None, "the test's own environment stands in for the virtualenv"),
    (r"^\. \.venv/bin/activate$", None, "the test's own environment stands in for the virtualenv"),
    (r"^pip install .*$", None, "the engine under test is this checkout; installing is not what is checked"),
    (r"^python -m pytest -q$", "python -m pytest -q -p no:cacheprovider tests/test_smoke.py", "the full suite is what runs this test"),
    (r"^(HYPOTHESIS_PROFILE=long python -m pytest -q) ", r"\1 --collect-only ", "the long fuzzing profile runs for about 10 minutes"),
    (r"--records 100000\b", "--records 1000", "a bill run of 1,000 records shows the same as one of 100,000"),
    (r"^python -m benchmarks( --quick)?$", "python -m benchmarks --quick --records 1000 --only invoice", "the full table runs for minutes"),
    (
        r"^python -m benchmarks\.revisions \S+ --rounds \d+$",
        "python -m benchmarks.revisions HEAD --rounds 3 --documents 200",
        "the test's copy of the repository has one commit, and a few rounds show the comparison runs",
    ),
    (r"^(tariff bill-run .*--master spark://.*)$", r"\1 --help", "a Spark cluster is not here (tests/test_spark.py runs local[2])"),
    (r"^spark-submit --master spark://.*$", "spark-submit --help", "a Spark cluster is not here (tests/test_spark_docs.py runs the pipeline)"),
    (r"^(?:HYPOTHESIS_PROFILE=\w+ )?mutmut (run|results)\b.*$", r"mutmut \1 --help", "a mutation run takes hours; it is run by hand"),
    (r"^(tariff serve\b[^&]*)$", r"\1 --help", "a server in the foreground never returns (the README's `serve &` block runs it for real)"),
)


def shell_commands(text: str) -> list[str]:
    """The shell commands of a markdown text, in order; backslash-continued and quoted multi-line commands joined."""
    found: list[str] = []
    for block in FENCED.finditer(text):
        lines = _joined(block.group("body").splitlines())
        if block.group("lang") in SHELL_FENCES:
            found += [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        else:
            found += [line[2:] for line in lines if line.startswith("$ ")]
    return found


def help_examples(command: str) -> list[str]:
    """The `tariff ...` lines under "Examples:" in `tariff COMMAND --help`."""
    from engine.cli import build_parser

    parser = build_parser([command])
    sub = next(action for action in parser._actions if action.dest == "command")
    epilog = sub.choices[command].epilog or ""  # type: ignore[attr-defined]
    lines = _joined(epilog.partition("Examples:\n")[2].split("\n\n")[0].splitlines())
    return [line.strip() for line in lines if line.strip().startswith("tariff ")]


def _joined(lines: list[str]) -> list[str]:
    """Lines ending in a backslash joined to the next; a line inside an open quote kept with its command."""
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1].rstrip() + " " + line.strip()
        elif joined and _open_quote(joined[-1]):
            joined[-1] += "\n" + line
        else:
            joined.append(line)
    return joined


def _open_quote(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return True
    return False


def as_run(command: str) -> str | None:
    """The command as the test runs it: `SCALED` applied to each `&&` step; None when no step is left."""
    steps = []
    for step in command.split(" && "):
        step = step.strip()
        for pattern, replacement, _why in SCALED:
            if re.search(pattern, _without_comment(step)):
                step = None if replacement is None else re.sub(pattern, replacement, _without_comment(step))
                if step is None:
                    break
        if step is not None:
            steps.append(step)
    return " && ".join(steps) or None


def _without_comment(step: str) -> str:
    """`cmd   # why` → `cmd` (a # inside quotes is kept)."""
    match = re.search(r"\s+#\s", step)
    if match is None:
        return step
    before = step[: match.start()]
    return before if before.count("'") % 2 == 0 and before.count('"') % 2 == 0 else step


def repository_copy(where: Path) -> Path:
    """This checkout's files in `where`, as a git repository with one commit on `main`."""
    import shutil
    import subprocess

    copy = where / "repository"
    for relative in _repository_files():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, copy / relative)
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.invalid", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the repository as documented"]):
        subprocess.run([*git, *args], cwd=copy, check=True, capture_output=True)
    return copy


def _repository_files() -> list[str]:
    """The files git would commit (tracked, or new and not ignored); outside git, every file but caches and environments."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=False
    )
    if listed.returncode == 0:
        return [name for name in listed.stdout.decode("utf-8").split("\0") if name and (ROOT / name).is_file()]
    skipped = {".git", ".venv", ".ci-venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "build", "dist"}
    return [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*")
        if path.is_file() and not skipped & set(path.relative_to(ROOT).parts) and not path.name.endswith(".egg-info")
    ]


def command_environment(where: Path) -> dict[str, str]:
    """`tariff`, `python` and `python3` on PATH are this interpreter with the copy's engine."""
    bin_dir = where / "bin"
    bin_dir.mkdir()
    for name, run in (("python", ""), ("python3", ""), ("tariff", " -m engine")):
        program = bin_dir / name
        program.write_text(f'#!/bin/sh\nexec "{sys.executable}"{run} "$@"\n')  # a symlink would lose the virtualenv
        program.chmod(0o755)
    copy = where / "repository"
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def script(commands: list[str]) -> str:
    """One shell script: stop at the first failing command and name it; end what it started in the background."""
    port = str(free_port())
    lines = ["set -e", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for command in commands:
        run = as_run(command)
        if run is None:
            continue
        run = run.replace("8080", port)  # the documented port may be taken on this machine
        if run.startswith("curl "):  # the server started just before may not listen yet
            run = "curl --retry 50 --retry-connrefused --retry-delay 0 --retry-max-time 30 -f " + run[len("curl ") :]
        lines.append(f"echo {shlex.quote('$ ' + run)} >&2")
        lines.append(run)
    return "\n".join(lines) + "\n"
