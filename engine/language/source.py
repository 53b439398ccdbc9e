"""Reading YAML with positions: numbers become Decimal, dates stay text.

Every node's line and column is kept (`Positions`), so a JSON path found by schema
validation or by the compiler maps back to file:line:col. Floats are built from the
scalar's own text (``449.99`` is exactly ``Decimal("449.99")``), never through binary
floating point; timestamps stay strings so one date rule (ISO ``YYYY-MM-DD``) applies
whether the author quoted them or not.

Tariffs are semi-trusted and usage documents untrusted, so the reader is strict and
bounded (docs/security.md): no anchors or aliases (no expansion bombs, no cycles), no
explicit tags, no `%YAML` directive other than 1.2, at most MAX_NODES nodes nested at
most MAX_DEPTH deep, and numbers only in plain decimal notation of at most
MAX_NUMBER_LENGTH characters, because YAML 1.1 and 1.2 tools read `0o17`, `017`,
`1_000` or `1e3` differently.

Two readers, one result. The fast one builds plain dicts and lists from libyaml's events
(PyYAML's C parser, which gives every event its line and column) and resolves plain
scalars by the YAML 1.2 rules itself (libyaml only scans; PyYAML's own resolver is YAML
1.1 and is not used). It accepts only what the strict reader accepts, and gives up at the
first thing it is not sure of: a problem, a construct it does not handle, anything libyaml
refuses. Then ruamel's round-trip reader (imported only then) reads the document and says
what is wrong, with the messages the tests pin; what it accepts is turned into the same
plain data and positions.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from engine.core import hashing
from engine.core.errors import Diagnostic
from engine.core.records import dataclass, replace

MAX_DOCUMENT_BYTES = 1_000_000
MAX_NODES = 100_000  # mappings, lists and scalars; the IM tariff has about 300, 1,000 charges on 50 editions 76,639 (docs/security.md)
MAX_DEPTH = 32
MAX_NUMBER_LENGTH = 100
PathItem = str | int

_TEXT_TAG = "tag:yaml.org,2002:str"
_PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_DECIMAL = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)")


# -- where each node is ------------------------------------------------------------------------


class Positions:
    """0-based (line, column) of every node of a document, flat, in document order.

    The root container's mark comes first; then, depth first, each mapping entry's key and
    value marks (then the value's own entries), and each list item's mark (then its own).
    A path is found through an index built on first use, keyed by the identity of each
    container: the document is read-only once loaded.
    """

    __slots__ = ("_index", "flat")

    def __init__(self, flat: Sequence[int]) -> None:
        self.flat = flat
        self._index: dict[tuple[int, PathItem], int] | None = None  # built on first use; empty when the marks do not fit

    def __reduce__(self) -> tuple[type[Positions], tuple[Sequence[int]]]:
        return Positions, (self.flat,)  # a copy of the document has other containers: its index is built anew

    def covers(self, data: Any) -> bool:
        """Whether these are exactly the marks of `data`'s nodes (an entry read back is checked so)."""
        return bool(self._indexed(data))

    def locate(self, data: Any, path: Sequence[PathItem], key: bool) -> tuple[int, int]:
        """1-based (line, column) of the deepest node of `path` that exists (the root's at worst)."""
        index, flat = self._index if self._index is not None else self._indexed(data), self.flat
        if not index:
            return (flat[0] + 1, flat[1] + 1) if len(flat) == 2 and not data else (1, 1)
        at, node, parent, walked = 0, data, None, 0
        for item in path:  # only containers of `data` are in the index: a scalar's id is never found
            found = index.get((id(node), item))
            if found is None:
                break
            at, parent, node = found, node, node[item]
            walked += 1
        if key and walked and walked == len(path) and isinstance(parent, dict):
            at -= 2  # the key's mark comes just before its value's
        return flat[at] + 1, flat[at + 1] + 1

    def _indexed(self, data: Any) -> dict[tuple[int, PathItem], int]:
        """Where each child's mark is in `flat`, by (id of its container, key or index)."""
        if self._index is None:
            index: dict[tuple[int, PathItem], int] = {}
            enabled = gc.isenabled()
            gc.disable()  # one new entry per node, none garbage: a collection here would cost more than the index
            try:
                fits = len(self.flat) >= 2 and _index_marks(data, 2, index) == len(self.flat)
            finally:
                if enabled:
                    gc.enable()
            self._index = index if fits else {}
        return self._index


def _index_marks(node: Any, at: int, index: dict[tuple[int, PathItem], int]) -> int:
    """Record where each child's mark is in the flat list; returns the offset after `node`'s marks."""
    here = id(node)
    if isinstance(node, dict):
        for name, value in node.items():
            index[here, name] = at + 2  # the value's mark (its key's is just before)
            at = _index_marks(value, at + 4, index) if isinstance(value, dict | list) else at + 4
    else:
        for number, value in enumerate(node):
            index[here, number] = at
            at = _index_marks(value, at + 2, index) if isinstance(value, dict | list) else at + 2
    return at


class MarkedMap(dict[str, Any]):
    """A document's top-level mapping, carrying the positions of all its nodes."""

    __slots__ = ("positions",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions = Positions(())


class MarkedList(list[Any]):
    """A document's top-level list, carrying the positions of all its nodes."""

    __slots__ = ("positions",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.positions = Positions(())


def marked(data: Any, flat: Sequence[int]) -> Any:
    """`data` at the top of a document whose nodes are at `flat` (a scalar document has no positions)."""
    if isinstance(data, dict):
        root: Any = data if type(data) is MarkedMap else MarkedMap(data)
    elif isinstance(data, list):
        root = data if type(data) is MarkedList else MarkedList(data)
    else:
        return data
    root.positions = Positions(flat)
    return root


# -- the fast reader ---------------------------------------------------------------------------

_GIVE_UP = object()  # the fast reader is not sure: the strict round-trip reader decides
_NO_KEY = object()
_RESOLVED_FIRST = frozenset("-+.0123456789~nNtTfF<=")  # a plain scalar starting otherwise is text
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# ruamel's YAML 1.2 implicit number and timestamp forms: a plain scalar of any of them is not text.
_YAML12_NUMBER = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+""",
    re.X,
)
_YAML12_TIMESTAMP = re.compile(
    r"""[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?""",
    re.X,
)


# Where libyaml and ruamel disagree: tabs (ruamel refuses more of them), the line breaks of
# YAML 1.1 that YAML 1.2 reads as text (NEL, LS, PS), a byte order mark after the start
# (columns counted differently).
_NOT_FAST = ("\t", "\x85", "\u2028", "\u2029")


def _plain_value(text: str) -> Any:
    """A plain scalar as the strict reader builds it, or _GIVE_UP where that reader would refuse it."""
    if not text:
        return None
    if text[0] not in _RESOLVED_FIRST:
        return text
    if text in _NULLS:
        return None
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if len(text) <= MAX_NUMBER_LENGTH and _PLAIN_INTEGER.fullmatch(text):
        return int(text)
    if len(text) <= MAX_NUMBER_LENGTH and "." in text and _PLAIN_DECIMAL.fullmatch(text):
        return Decimal(text)
    if text in ("<<", "=") or _YAML12_NUMBER.fullmatch(text):
        return _GIVE_UP  # a number in another form, too long, not finite; a merge key; the value key
    return text  # a timestamp is text too


def _plain_key(text: str) -> bool:
    """Whether a plain scalar is read as text, as every key must be."""
    if text and text[0] not in _RESOLVED_FIRST:
        return True
    value = _plain_value(text)
    return type(value) is str and not _YAML12_TIMESTAMP.fullmatch(text)


def read_fast(text: str) -> tuple[Any, list[int]] | None:
    """(data, flat positions) from libyaml's events, or None where the strict reader must decide.

    When it gives a result, it is the one `read_roundtrip` gives (tests/test_yaml_readers.py)."""
    if any(character in text for character in _NOT_FAST) or text.find("\ufeff", 1) >= 0:
        return None
    try:
        from yaml import YAMLError
        from yaml._yaml import CParser
    except ImportError:  # a PyYAML built without libyaml: the round-trip reader reads everything
        return None
    enabled = gc.isenabled()
    gc.disable()  # a document is thousands of new containers and none is garbage: no collection while building
    try:
        return _compose(CParser(text))
    except (YAMLError, RecursionError, ValueError):
        return None
    finally:
        if enabled:
            gc.enable()


def _compose(parser: Any) -> tuple[Any, list[int]] | None:
    from yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )

    get = parser.get_event
    get()  # the stream's start
    start = get()
    if type(start) is not DocumentStartEvent or start.version not in (None, (1, 2)) or start.tags:
        return None  # no document, or directives: the strict reader decides
    flat: list[int] = []
    root: Any = _NO_KEY
    stack: list[tuple[Any, Any]] = []  # the enclosing containers, each with the key it is under
    container: Any = None
    key: Any = _NO_KEY
    nodes = 0
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                return None
            text, mark = event.value, event.start_mark
            if type(container) is dict and key is _NO_KEY:  # a key: text, and given once
                if (not event.style and not _plain_key(text)) or text in container:
                    return None
                key = text
                flat += (mark.line, mark.column)
                nodes += 1
                continue
            value = _plain_value(text) if not event.style else text
            if value is _GIVE_UP or (not text and not event.style):
                return None  # refused, or an empty value (placed by ruamel where the next token is)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 1:
                return None  # (its items would be nested MAX_DEPTH deep: the strict reader says so)
            if type(container) is dict and key is _NO_KEY:
                return None  # a mapping or list as a key
            mark = event.start_mark
            value = {} if kind is MappingStartEvent else []
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            container, key = stack.pop()
            continue
        elif kind is DocumentEndEvent:
            break
        else:
            return None  # an alias
        nodes += 1
        if nodes > MAX_NODES:
            return None
        flat += (mark.line, mark.column)
        if container is None:
            root = value
        elif key is _NO_KEY:
            container.append(value)
        else:
            container[key] = value
            key = _NO_KEY
        if kind is not ScalarEvent:
            stack.append((container, key))
            container, key = value, _NO_KEY
    if type(get()) is not StreamEndEvent or root is _NO_KEY:
        return None  # more than one document
    return root, flat


# -- the strict round-trip reader (ruamel), when the fast one gives up --------------------------


@cache
def _roundtrip() -> Any:
    """A factory of ruamel readers that refuse what could expand, loop, execute or be read two ways."""
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer, ComposerError
    from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
    from ruamel.yaml.nodes import ScalarNode

    class NonFiniteNumber(ConstructorError):
        """`.inf` / `.nan` where a number is written: never a price or a quantity."""

        rule = "number"

    class NumberForm(ConstructorError):
        """A number not in plain decimal notation, or longer than MAX_NUMBER_LENGTH."""

        rule = "number"

    class StrictComposer(Composer):
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

    def number_text(node: Any, pattern: re.Pattern[str]) -> str:
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

    class DecimalConstructor(RoundTripConstructor):
        def construct_decimal(self, node: Any) -> Decimal:
            text = str(node.value)
            if text.lower().lstrip("+-") in (".inf", ".nan"):
                raise NonFiniteNumber(None, None, f"{text} is not a finite number", node.start_mark)
            return Decimal(number_text(node, _PLAIN_DECIMAL))

        def construct_integer(self, node: Any) -> int:
            return int(number_text(node, _PLAIN_INTEGER))

        def construct_text(self, node: Any) -> str:
            return str(self.construct_scalar(node))

    DecimalConstructor.add_constructor("tag:yaml.org,2002:float", DecimalConstructor.construct_decimal)  # float-ok: the tag
    DecimalConstructor.add_constructor("tag:yaml.org,2002:int", DecimalConstructor.construct_integer)
    DecimalConstructor.add_constructor("tag:yaml.org,2002:timestamp", DecimalConstructor.construct_text)

    def make() -> Any:
        # A new YAML object per load: ruamel's loader objects are not thread-safe.
        yaml = YAML(typ="rt")
        yaml.Constructor = DecimalConstructor
        yaml.Composer = StrictComposer
        yaml.allow_duplicate_keys = False
        return yaml

    return make


def _event_problem(event: Any, version: Any) -> str | None:
    from ruamel.yaml.events import AliasEvent

    if version not in (None, (1, 2)):
        return f"%YAML {'.'.join(map(str, version))} directive: only YAML 1.2 is read (remove the directive)"
    if isinstance(event, AliasEvent) or event.anchor is not None:
        return "YAML anchors and aliases (&name, *name) are not allowed: write the value out"
    tag = getattr(event, "tag", None)
    if tag is not None:
        return f"YAML tag {str(tag).replace('tag:yaml.org,2002:', '!!')} is not allowed: write a plain value"
    return None


def _plain_with_positions(data: Any) -> tuple[Any, list[int]]:
    """ruamel's containers → plain dicts, lists and text, with the flat positions of every node."""
    flat: list[int] = []
    lc = getattr(data, "lc", None)
    if lc is not None and lc.line is not None:
        flat += (lc.line, lc.col)
    else:
        flat += (0, 0)

    def plain(node: Any) -> Any:
        marks: Any = getattr(node, "lc", None)  # ruamel's maps and lists carry their marks in `lc`
        if isinstance(node, dict):
            out = {}
            for key, item in node.items():
                flat.extend(marks.key(key))
                flat.extend(marks.value(key))
                out[str(key)] = plain(item)
            return out
        if isinstance(node, list):
            items = []
            for index, item in enumerate(node):
                flat.extend(marks.item(index))
                items.append(plain(item))
            return items
        return str(node) if isinstance(node, str) else node

    return plain(data), flat


@dataclass(frozen=True, slots=True)
class Source:
    """A loaded document: its display name, raw bytes, hash and data (positions at its top: `locate`)."""

    name: str
    raw: bytes
    data: Any

    @property
    def sha256(self) -> str:
        return hashing.sha256(self.raw).hexdigest()

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
    """The deepest mark found along `path` (1:1, the document, at worst)."""
    positions = getattr(data, "positions", None)
    return (1, 1) if positions is None else positions.locate(data, path, key)


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
    """Parse YAML text; problems come back as diagnostics, never as exceptions.

    A mapping or list at the top carries the positions of every node (`locate`)."""
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
    fast = read_fast(text)
    if fast is not None:
        return marked(*fast), []
    return read_roundtrip(text, name)


def read_roundtrip(text: str, name: str) -> tuple[Any, list[Diagnostic]]:
    """The strict round-trip reader alone (ruamel): what `parse_yaml` does when the fast reader gives up."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        return marked(*_plain_with_positions(_roundtrip()().load(text))), []
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


def _marked_diagnostic(error: Any, name: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = (error.problem or "").strip()
    rule = "yaml-syntax"
    if type(error).__name__ == "DuplicateKeyError":
        rule = "duplicate-key"
        problem = problem.split(" with value")[0]
    elif getattr(error, "rule", None) == "number":  # NonFiniteNumber, NumberForm
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


def _unclosed_diagnostic(error: Any, text: str, name: str) -> Diagnostic | None:
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


def _stray_closer(error: Any, name: str) -> Diagnostic | None:
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
