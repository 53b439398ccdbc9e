"""Reading YAML with positions: numbers become Decimal, dates stay text.

The round-trip loader keeps line/column marks on every mapping and sequence, so a
JSON path found by schema validation or by the compiler maps back to file:line:col.
Floats are built from the scalar's own text (``449.99`` is exactly
``Decimal("449.99")``), never through binary floating point; timestamps stay strings so
one date rule (ISO ``YYYY-MM-DD``) applies whether the author quoted them or not.

Tariffs are semi-trusted and usage documents untrusted, so the reader is strict and
bounded (docs/security.md): no anchors or aliases (no expansion bombs, no cycles), no
explicit tags, no `%YAML` directive other than 1.2, at most MAX_NODES nodes nested at
most MAX_DEPTH deep, and numbers only in plain decimal notation of at most
MAX_NUMBER_LENGTH characters, because YAML 1.1 and 1.2 tools read `0o17`, `017`,
`1_000` or `1e3` differently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError

from engine.core.errors import Diagnostic

MAX_DOCUMENT_BYTES = 1_000_000
MAX_NODES = 100_000  # mappings, lists and scalars; the IM tariff has about 300, 1,000 charges on 50 editions 76,639 (docs/security.md)
MAX_DEPTH = 32
MAX_NUMBER_LENGTH = 100
PathItem = str | int

_TEXT_TAG = "tag:yaml.org,2002:str"
_PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_DECIMAL = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)")


class NonFiniteNumber(ConstructorError):
    """`.inf` / `.nan` where a number is written: never a price or a quantity."""


class NumberForm(ConstructorError):
    """A number not in plain decimal notation, or longer than MAX_NUMBER_LENGTH."""


class _StrictComposer(Composer):
    """ruamel's composer, refusing what could expand, loop, execute or be read two ways."""

    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        problem = _event_problem(event, self.loader.version if parent is None else None)
        if problem is None and self.depth >= MAX_DEPTH:
            problem = f"document is nested deeper than {MAX_DEPTH} levels"
        self.nodes += 1
        if problem is None and self.nodes > MAX_NODES:
            problem = f"document has more than {MAX_NODES} values"
        if problem is not None:
            raise ComposerError(None, None, problem, event.start_mark)
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag != _TEXT_TAG:
                shown = key.value if isinstance(key, ScalarNode) else "a list or mapping"
                raise ComposerError(None, None, f"a key must be text, got {shown}: write names as text", key.start_mark)
        return node


def _event_problem(event: Any, version: Any) -> str | None:
    if version not in (None, (1, 2)):
        return f"%YAML {'.'.join(map(str, version))} directive: only YAML 1.2 is read (remove the directive)"
    if isinstance(event, AliasEvent) or event.anchor is not None:
        return "YAML anchors and aliases (&name, *name) are not allowed: write the value out"
    tag = getattr(event, "tag", None)
    if tag is not None:
        return f"YAML tag {str(tag).replace('tag:yaml.org,2002:', '!!')} is not allowed: write a plain value"
    return None


def _number_text(node: Any, pattern: re.Pattern[str]) -> str:
    text = str(node.value)
    if len(text) > MAX_NUMBER_LENGTH:
        raise NumberForm(None, None, f"number of {len(text)} characters is too long (at most {MAX_NUMBER_LENGTH})", node.start_mark)
    if not pattern.fullmatch(text):
        raise NumberForm(
            None,
            None,
            f"{text} is not a plain decimal number: YAML 1.1 and 1.2 tools read it differently "
            "(write digits with an optional sign and decimal point; quote it if it is a name)",
            node.start_mark,
        )
    return text


class _DecimalConstructor(RoundTripConstructor):
    def construct_decimal(self, node: Any) -> Decimal:
        text = str(node.value)
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            raise NonFiniteNumber(None, None, f"{text} is not a finite number", node.start_mark)
        return Decimal(_number_text(node, _PLAIN_DECIMAL))

    def construct_integer(self, node: Any) -> int:
        return int(_number_text(node, _PLAIN_INTEGER))

    def construct_text(self, node: Any) -> str:
        return str(self.construct_scalar(node))


_DecimalConstructor.add_constructor("tag:yaml.org,2002:float", _DecimalConstructor.construct_decimal)  # float-ok: the tag
_DecimalConstructor.add_constructor("tag:yaml.org,2002:int", _DecimalConstructor.construct_integer)
_DecimalConstructor.add_constructor("tag:yaml.org,2002:timestamp", _DecimalConstructor.construct_text)


def _yaml() -> YAML:
    # A new YAML object per load: ruamel's loader objects are not thread-safe.
    yaml = YAML(typ="rt")
    yaml.Constructor = _DecimalConstructor
    yaml.Composer = _StrictComposer
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass(frozen=True, slots=True)
class Source:
    """A loaded document: its display name, raw bytes, hash and data with marks."""

    name: str
    raw: bytes
    data: Any

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def position(self, path: Sequence[PathItem], *, key: bool = False) -> tuple[int | None, int | None]:
        """1-based (line, column) of the node at `path` (of its key when `key`)."""
        return locate(self.data, path, key=key)

    def diagnostic(
        self,
        path: Sequence[PathItem],
        message: str,
        rule: str,
        *,
        severity: str = "error",
        hint: str | None = None,
        key: bool = False,
    ) -> Diagnostic:
        line, column = self.position(path, key=key)
        return Diagnostic(
            message=message,
            rule=rule,
            severity="warning" if severity == "warning" else "error",
            file=self.name,
            line=line,
            column=column,
            path=json_path(path),
            hint=hint,
        )


def json_path(path: Sequence[PathItem]) -> str:
    """`charges.plan.editions[0]`, the path form used in every message."""
    text = ""
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += f".{item}" if text else str(item)
    return text


def locate(data: Any, path: Sequence[PathItem], *, key: bool = False) -> tuple[int | None, int | None]:
    """Walk `path` through ruamel containers; the deepest mark found wins (1:1, the document, at worst)."""
    best: tuple[int | None, int | None] = (1, 1)
    if isinstance(data, CommentedMap | CommentedSeq) and data.lc.line is not None:
        best = (data.lc.line + 1, data.lc.col + 1)
    node = data
    for index, item in enumerate(path):
        last = index == len(path) - 1
        try:
            if isinstance(node, CommentedMap) and item in node:
                line, col = node.lc.key(item) if (last and key) else node.lc.value(item)
                node = node[item]
            elif isinstance(node, CommentedSeq) and isinstance(item, int) and 0 <= item < len(node):
                line, col = node.lc.item(item)
                node = node[item]
            else:
                break
        except (KeyError, TypeError, AttributeError):
            break
        best = (line + 1, col + 1)
    return best


def display_name(path: Path) -> str:
    """A tariff file named relative to the tariff root: `<tariff-id dir>/<file>` (provenance: invoices cite it)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def as_given(problems: Iterable[Diagnostic], names: Mapping[str, str]) -> list[Diagnostic]:
    """Diagnostics naming each file as the user gave it (`names`: root-relative name → path as given),
    so an editor or a terminal can open `file:line:col`; invoices keep the root-relative name."""
    return [replace(d, file=names[d.file]) if d.file is not None and d.file in names else d for d in problems]


def read_bounded(path: Path, limit: int = MAX_DOCUMENT_BYTES, *, regular_only: bool = False) -> bytes:
    """At most `limit` + 1 bytes of a file: an endless device or a sparse file costs `limit` bytes at most.

    With `regular_only` (files found in a watched tree, not named by a person), anything but a regular
    file raises `OSError` at once, never waiting on a FIFO; a file named on the command line may be a
    pipe (`<(git show REV:path)`), read as it comes."""
    import errno
    import os
    import stat

    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | (getattr(os, "O_NONBLOCK", 0) if regular_only else 0)
    with os.fdopen(os.open(path, flags), "rb") as stream:
        if regular_only and not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return stream.read(limit + 1)


def read_watched(path: Path) -> bytes:
    """`read_bounded` for a file found in a watched tree: a regular file, or `OSError` at once."""
    return read_bounded(path, regular_only=True)


def checked_size(raw: bytes, name: str) -> bytes:
    """The bytes of a tariff file, or `TariffError` when they are over MAX_DOCUMENT_BYTES."""
    from engine.core.errors import TariffError

    if len(raw) > MAX_DOCUMENT_BYTES:
        raise TariffError([Diagnostic(message=f"file is over the limit of {MAX_DOCUMENT_BYTES} bytes", rule="size", file=name)])
    return raw


def read_bytes(path: Path, name: str) -> bytes:
    """A tariff file's bytes, bounded; `TariffError` when it cannot be read or is too large."""
    from engine.core.errors import TariffError

    try:
        raw = read_bounded(path)
    except OSError as error:
        raise TariffError([Diagnostic(message=f"cannot read file: {error.strerror or error}", rule="io", file=name)]) from None
    return checked_size(raw, name)


def parse_yaml(raw: bytes, name: str) -> tuple[Any, list[Diagnostic]]:
    """Parse YAML text; problems come back as diagnostics, never as exceptions."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                message=f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
                rule="encoding",
                file=name,
                line=line,
            )
        ]
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as error:
        return None, [_unclosed_diagnostic(error, text, name) or _marked_diagnostic(error, name)]
    except ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        message = f"character U+{error.character:04X} is not allowed in YAML ({error.reason})"
        return None, [Diagnostic(message=message, rule="encoding", file=name, line=line, column=column)]
    except YAMLError as error:
        return None, [Diagnostic(message=str(error).strip(), rule="yaml-syntax", file=name)]
    except RecursionError:
        return None, [Diagnostic(message="document is nested too deeply", rule="yaml-syntax", file=name)]


def _marked_diagnostic(error: MarkedYAMLError, name: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = (error.problem or "").strip()
    rule = "yaml-syntax"
    if type(error).__name__ == "DuplicateKeyError":
        rule = "duplicate-key"
        problem = problem.split(" with value")[0]
    elif isinstance(error, NonFiniteNumber | NumberForm):
        rule = "number"
    if "\t" in problem or "'\\t'" in problem or "tab" in problem:
        problem += " (YAML indentation must use spaces, not tabs)"
    return Diagnostic(message=problem or str(error), rule=rule, file=name, line=line, column=column, hint=_YAML_HINTS.get(problem))


# A construct that opens and must close, in a pricing analyst's words: (context, opening) → words.
_OPENED = {
    ("while parsing a flow sequence", "["): ("list", "']'", ", or a ',' between two of its items", "a list on one line is [a, b, c]"),
    ("while parsing a flow mapping", "{"): (
        "mapping",
        "'}'",
        ", or a ',' between two of its entries",
        "a mapping on one line is {key: value, key: value}",
    ),
    ("while scanning a quoted scalar", '"'): ("text", "'\"'", "", "end the text with \" on its line; inside it, write \\\" for a quote"),
    ("while scanning a quoted scalar", "'"): ("text", '"\'"', "", "end the text with ' on its line; inside it, write '' for a quote"),
}
_CLOSERS = {"]": "list", "}": "mapping"}


def _unclosed_diagnostic(error: MarkedYAMLError, text: str, name: str) -> Diagnostic | None:
    """A bracket or quote that opens and is never closed, named where it was opened (the parser only
    notices lines later, where it gives up); or a closing bracket that closes nothing. None otherwise."""
    start, end = error.context_mark, error.problem_mark
    if start is None or end is None:
        return None
    opening = _char_at(text, start.line, start.column)
    words = _OPENED.get(((error.context or "").strip(), opening))
    if words is None:
        return _stray_closer(error, name)
    what, closer, or_else, hint = words
    at_end = not text[end.index :].strip()
    stopped = "the file ends first" if at_end else f"reading stops at line {end.line + 1}, column {end.column + 1}"
    message = f"the {what} opened with {opening!r} on line {start.line + 1} is never closed: a {closer} is missing{or_else} ({stopped})"
    return Diagnostic(message=message, rule="yaml-syntax", file=name, line=start.line + 1, column=start.column + 1, hint=hint)


def _stray_closer(error: MarkedYAMLError, name: str) -> Diagnostic | None:
    problem, end = (error.problem or "").strip(), error.problem_mark
    found = next((c for c in _CLOSERS if problem.endswith(f"but found '{c}'")), None)
    if found is None or end is None:
        return None
    what = _CLOSERS[found]
    message = f"this {found!r} closes no {what}: none is open here"
    hint = f"remove it, or open the {what} where it begins"
    return Diagnostic(message=message, rule="yaml-syntax", file=name, line=end.line + 1, column=end.column + 1, hint=hint)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column : column + 1] if 0 <= line < len(lines) else ""


_YAML_HINTS = {
    "mapping values are not allowed here": "check this line's indentation against the lines above, or quote a value that holds ': '",
    "could not find expected ':'": "a key needs ': ' after it; or this line is indented differently from its neighbours",
    "expected <block end>, but found '<block mapping start>'": "this line is indented more or less than the keys around it",
}


def load_source(path: Path, name: str | None = None) -> tuple[Source | None, list[Diagnostic]]:
    name = name or display_name(path)
    raw = read_bytes(path, name)
    data, problems = parse_yaml(raw, name)
    if problems:
        return None, problems
    return Source(name=name, raw=raw, data=data), []
