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
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "reviewing-price-changes.md", ROOT / "docs" / "tariff-format.md")
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
