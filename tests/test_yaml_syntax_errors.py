"""YAML syntax errors that have a start and an end are named where they start (where the bracket or
the quote was opened), in words a pricing analyst understands, not where the parser gave up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.language.source import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
IM_TEXT = (ROOT / "tariffs" / "tencent-im" / "2022-01-01.yaml").read_text("utf-8")
OVERAGE = "    price: 449.99\n    editions: [pro, flagship]\n\n  # Same reading for groups"


def test_validate_names_the_line_of_an_unclosed_bracket(tmp_path: Path) -> None:
    # Line 112 of the shipped file opens `[` and never closes it; the parser only gives up lines below.
    assert IM_TEXT.count(OVERAGE) == 1
    directory = tmp_path / "tencent-im"
    directory.mkdir()
    (directory / "2022-01-01.yaml").write_text(IM_TEXT.replace(OVERAGE, OVERAGE.replace("flagship]", "flagship")), "utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "engine", "validate", "tencent-im"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.splitlines()[:2] == [
        "tencent-im/2022-01-01.yaml:112:15: error: the list opened with '[' on line 112 is never closed: a ']' is missing, "
        "or a ',' between two of its items (reading stops at line 115, column 3) [yaml-syntax]",
        "hint: a list on one line is [a, b, c]",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"a: 1\nb: {x: 1,\n  y: 2\nc: 4\n",
            "t.yaml:2:4: error: the mapping opened with '{' on line 2 is never closed: a '}' is missing, or a ',' between two "
            "of its entries (reading stops at line 4, column 2) [yaml-syntax]\nhint: a mapping on one line is {key: value, key: value}",
        ),
        (
            b"a: [1, 2\n",
            "t.yaml:1:4: error: the list opened with '[' on line 1 is never closed: a ']' is missing, or a ',' between two "
            "of its items (the file ends first) [yaml-syntax]\nhint: a list on one line is [a, b, c]",
        ),
        (
            b'a: 1\nb: "abc\nc: 4\n',
            "t.yaml:2:4: error: the text opened with '\"' on line 2 is never closed: a '\"' is missing (the file ends first) "
            '[yaml-syntax]\nhint: end the text with " on its line; inside it, write \\" for a quote',
        ),
        (
            b"a: 1\nb: 'abc\nc: 4\nd: 5\n",
            "t.yaml:2:4: error: the text opened with \"'\" on line 2 is never closed: a \"'\" is missing (the file ends first) "
            "[yaml-syntax]\nhint: end the text with ' on its line; inside it, write '' for a quote",
        ),
        (
            b"a: [1, 2]]\n",
            "t.yaml:1:10: error: this ']' closes no list: none is open here [yaml-syntax]\nhint: remove it, or open the list where it begins",
        ),
    ],
    ids=["brace", "bracket at the end", "double quote", "single quote", "a stray closer"],
)
def test_each_unclosed_construct_is_named_where_it_opens(raw: bytes, expected: str) -> None:
    _, problems = parse_yaml(raw, "t.yaml")
    assert [str(d) for d in problems] == [expected]
