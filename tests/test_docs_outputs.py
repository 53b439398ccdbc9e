"""The command output shown in README.md and docs/ is what the commands print today."""

from __future__ import annotations

import pytest
from docs_outputs import DOCUMENTS, blocks, expected_body

CASES = [(document, args, body) for document in DOCUMENTS for args, body in blocks(document.read_text(encoding="utf-8"))]


def test_the_docs_show_output():
    assert len(CASES) >= 6


@pytest.mark.parametrize(("document", "args", "body"), CASES, ids=[f"{d.name}: tariff {a}" for d, a, _ in CASES])
def test_shown_output_matches_the_command(document, args, body):
    assert body == expected_body(args, body), f"run: python tests/docs_outputs.py ({document.name} is out of date)"
