"""A mutation fuzzer over tariff files: drop, duplicate, retype and perturb nodes of the shipped
and fixture tariffs, or damage their text. Loading either succeeds or fails with diagnostics
that each have a location (file and line); a mutant that loads prices or refuses usage with
`engine.Error`. Nothing else may escape."""

from __future__ import annotations

import copy
import io
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML
from test_properties import TARIFFS, _seeded_document

import engine
from engine.language.catalog import check_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(Path(version.file) for tariff in TARIFFS.values() for version in tariff.versions)
FILES = {source: next((ROOT / key) for key, t in TARIFFS.items() if t.id == source.parent.name) / source.name for source in SOURCES}

PathItem = str | int
REPLACEMENTS: list[Any] = [
    "text",
    "",
    0,
    7,
    -1,
    1.5,
    10**30,
    True,
    False,
    None,
    [],
    {},
    [1, "a"],
    {"k": 1},
    "dau * 2",
    "__import__('os').system('true')",
    "x" * 500,
    "2022-02-30",
    "(" * 50,
    "1e999999",
]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    return yaml


def _paths(node: Any, prefix: tuple[PathItem, ...] = ()) -> list[tuple[PathItem, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(root: Any, path: tuple[PathItem, ...]) -> Any:
    node = root
    for item in path[:-1]:
        node = node[item]
    return node


def _perturb(value: Any, choice: int) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return [-value, 0, value * 10**20, value + 0.001, value * 3 + 1][choice % 5]
    if isinstance(value, str):
        return [value + "_x", value.upper(), value[: len(value) // 2], value + " + 1", value * 3][choice % 5]
    return REPLACEMENTS[choice % len(REPLACEMENTS)]


def mutate_tree(root: Any, kind: str, at: int, choice: int) -> None:
    paths = [p for p in _paths(root) if p]
    path = paths[at % len(paths)]
    parent, last = _parent(root, path), path[-1]
    if kind == "drop":
        del parent[last]
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.insert(int(last), copy.deepcopy(parent[last]))
        else:
            parent[f"{last}_copy" if choice % 2 else "description"] = copy.deepcopy(parent[last])
    elif kind == "retype":
        parent[last] = copy.deepcopy(REPLACEMENTS[choice % len(REPLACEMENTS)])
    else:
        parent[last] = _perturb(parent[last], choice)


def mutate_text(text: str, kind: str, at: int, choice: int) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text + "\x00\xff\ufeff{[&*!%@`"[choice % 11]
    line = at % len(lines)
    if kind == "delete-line":
        del lines[line]
    elif kind == "duplicate-line":
        lines.insert(line, lines[line])
    elif kind == "swap-lines":
        other = choice % len(lines)
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "tab":
        lines[line] = "\t" + lines[line].lstrip(" ")
    elif kind == "alias":
        lines[line] = lines[line].replace(": ", ": &a ", 1) + "extra: *a\n"
    elif kind == "truncate":
        return text[: (at * 7919) % max(len(text), 1)]
    else:
        position = (at * 104729) % max(len(text), 1)
        return text[:position] + "\x00\xff\ufeff{[&*!%@`"[choice % 11] + text[position:]
    return "".join(lines)


TREE_KINDS = ["drop", "duplicate", "retype", "perturb"]
TEXT_KINDS = ["delete-line", "duplicate-line", "swap-lines", "tab", "alias", "truncate", "insert-char"]
MUTATIONS = st.lists(
    st.tuples(st.sampled_from(TREE_KINDS + TEXT_KINDS), st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=3
)


def _mutant(source: Path, mutations: list[tuple[str, int, int]]) -> str:
    text = FILES[source].read_text("utf-8")
    tree_mutations = [m for m in mutations if m[0] in TREE_KINDS]
    if tree_mutations:
        root = _yaml().load(text)
        for kind, at, choice in tree_mutations:
            mutate_tree(root, kind, at, choice)
        out = io.StringIO()
        _yaml().dump(root, out)
        text = out.getvalue()
    for kind, at, choice in mutations:
        if kind in TEXT_KINDS:
            text = mutate_text(text, kind, at, choice)
    return text


def _check_mutant(source: Path, text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / source.parent.name / source.name
        path.parent.mkdir()
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        tariff, diagnostics = check_path(path)
        unlocated = [str(d) for d in diagnostics if d.file is None or d.line is None]
        assert not unlocated, unlocated
        if tariff is None:
            assert any(d.severity == "error" for d in diagnostics)
            return
    pick = random.Random(len(text))
    for _ in range(5):
        try:
            engine.quote(tariff, _seeded_document(tariff, pick))
        except engine.Error as error:
            assert error.diagnostics


@given(st.sampled_from(SOURCES), MUTATIONS)
def test_a_mutated_tariff_loads_or_fails_with_located_diagnostics(source: Path, mutations: list[tuple[str, int, int]]) -> None:
    _check_mutant(source, _mutant(source, mutations))


def test_the_mutation_fuzzer_covers_the_shipped_and_fixture_tariffs() -> None:
    assert {Path("tencent-im/2022-01-01.yaml"), Path("hardening-mix/2024-01-01.yaml")} <= set(SOURCES)
