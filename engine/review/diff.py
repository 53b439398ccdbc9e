"""The review diff: what changed between two versions, in the tariff's own words.

Both versions are read as facts (`canonical.facts`); a fact on both sides with another
value is a change, a fact on one side only is added or removed, reported once at the
outermost fact that is new or gone (a removed option table is one line, not one per
value). Every change names the line of NEW it sits on; a removed fact names the place
in NEW it was taken from. Invoice wording (a line's description) comes back apart, as
notes: it changes no price.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from engine.core.money import PRICING_CONTEXT, ROUNDING_CONTEXT, divide, text
from engine.language.source import PathItem, Source
from engine.review.canonical import Fact, Role, facts, sort_key
from engine.review.revisions import Document

ChangeKind = Literal["changed", "added", "removed"]
Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One change: `text` is the line a reviewer reads; the rest is the same as data."""

    kind: ChangeKind
    subject: str
    old: str | None
    new: str | None
    relative: Decimal | None
    file: str
    line: int | None
    role: Role
    text: str
    verb: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "old": self.old,
            "new": self.new,
            "change": self.verb,
            "relative_percent": None if self.relative is None else text(self.relative),
            "file": self.file,
            "line": self.line,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Side:
    """Which version a side of the diff is."""

    spec: str
    file: str
    id: str
    version: str
    effective_from: str
    currency: str
    sha256: str

    @classmethod
    def of(cls, document: Document) -> Side:
        v = document.version
        return cls(document.spec, v.file, v.id, v.version, v.effective_from.isoformat(), v.currency, v.sha256)

    def to_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in ("spec", "file", "id", "version", "effective_from", "currency", "sha256")}


@dataclass(frozen=True, slots=True)
class TariffDiff:
    old: Side
    new: Side
    identical: bool
    changes: tuple[Change, ...]
    notes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        """True when anything that prices changed (wording notes do not count)."""
        return bool(self.changes)


def diff(old: Document, new: Document) -> TariffDiff:
    """Compare two compiled versions fact by fact."""
    before = _by_key(facts(old.version, old.source))
    after = _by_key(facts(new.version, new.source))
    found: list[tuple[tuple[Any, ...], Key, Change]] = []
    for key in before.keys() | after.keys():
        change = _change(key, before, after, new.source)
        if change is not None:
            found.append(((change.line or 0, sort_key(key)), key, change))
    ordered = _merge_editions([(key, change) for _, key, change in sorted(found, key=lambda item: item[0])])
    return TariffDiff(
        old=Side.of(old),
        new=Side.of(new),
        identical=old.source.raw == new.source.raw,
        changes=tuple(c for c in ordered if c.role == "price"),
        notes=tuple(c for c in ordered if c.role == "wording"),
    )


def _merge_editions(found: Sequence[tuple[Key, Change]]) -> list[Change]:
    """One line for one edit: a charge's own parameter that changed alike on several editions."""
    groups: dict[object, list[tuple[str, Change]]] = {}
    for key, change in found:
        edition = key[1] if key[0] == "charge" and change.subject.startswith(f"{key[1]} / ") else ""
        # The same wording after the edition, on the same line of NEW, is the same edit.
        group = (change.kind, change.role, change.line, change.text[len(edition) :]) if edition else id(change)
        groups.setdefault(group, []).append((edition, change))
    merged = []
    for members in groups.values():
        edition, first = members[0]
        if len(members) > 1:
            names = ", ".join(name for name, _ in members)
            first = replace(first, subject=names + first.subject[len(edition) :], text=names + first.text[len(edition) :])
        merged.append(first)
    return merged


def _by_key(found: Sequence[Fact]) -> dict[Key, Fact]:
    return {fact.key: fact for fact in found if fact.role != "meta"}


def parent(key: Key, keys: Mapping[Key, Fact] | set[Key]) -> Key | None:
    """The nearest fact `key` belongs to: a longer address's prefix, or a charge's edition."""
    if key[0] == "charge" and len(key) == 3:
        return ("edition", key[1]) if ("edition", key[1]) in keys else None
    for size in range(len(key) - 1, 0, -1):
        if key[:size] in keys:
            return key[:size]
    return None


def _change(key: Key, before: dict[Key, Fact], after: dict[Key, Fact], new: Source) -> Change | None:
    old, now = before.get(key), after.get(key)
    if old is not None and now is not None:
        return None if old.value == now.value else _changed(old, now, new)
    everything = before.keys() | after.keys()
    up = parent(key, everything)
    if now is not None:
        return _added(now, after, new) if up is None or up in before else None
    assert old is not None
    return _removed(old, before, after, new) if up is None or up in after else None


def _changed(old: Fact, now: Fact, new: Source) -> Change:
    ratio = relative_change(old.value, now.value) if old.kind == now.kind == "money" and old.unit == now.unit else None
    same_unit = old.unit == now.unit and bool(now.unit) and now.unit != "%"  # "20 % → 25 %" reads better than "20 → 25 %"
    values = f"{old.value_text} → {now.value_text} {now.unit}" if same_unit else f"{old.shown} → {now.shown}"
    line = f"{now.label}: {values}" + (f" ({signed(ratio)} %)" if ratio is not None else "")
    verb = f"{signed(ratio)} %" if ratio is not None else "changed"
    # A charge's own fact is its model; it is placed at `model:` (its path is where its edition is listed).
    path = ("charges", now.key[2], "model") if _is_charge(now.key) else now.path
    return _make("changed", now, old.shown, now.shown, ratio, new, path, line, verb)


def _added(fact: Fact, side: dict[Key, Fact], new: Source) -> Change:
    summary = _summary(fact, side)
    inner = _inner(fact, side)
    if _is_edition(fact.key):
        verb, detail = "new edition", f" ({inner})" if inner else ""
    elif _is_charge(fact.key):
        verb, detail = f"now available on {fact.key[1]}", f": {summary}"
    elif fact.key[-1].startswith("="):
        verb, detail = "now offered", f" at {fact.shown}"
    else:
        verb, detail = "added", f": {summary}"
    return _make("added", fact, None, summary, None, new, fact.path, f"{fact.label}: {verb}{detail}", verb)


def _removed(fact: Fact, before: dict[Key, Fact], after: dict[Key, Fact], new: Source) -> Change:
    summary = _summary(fact, before)
    if _is_edition(fact.key):
        verb = "edition removed"
    elif _is_charge(fact.key):
        verb = f"no longer available on {fact.key[1]}"
    else:
        verb = "no longer offered" if fact.key[-1].startswith("=") else "removed"
    detail = "" if _is_edition(fact.key) else f" (was {summary})"
    return _make("removed", fact, summary, None, None, new, _removed_path(fact, before, after), f"{fact.label}: {verb}{detail}", verb)


def _removed_path(fact: Fact, before: dict[Key, Fact], after: dict[Key, Fact]) -> tuple[PathItem, ...]:
    """Where a removed fact was, in NEW: the fact it belonged to when that sits inside the list or
    mapping the fact was in (a tier that lost its extra block), else that list or mapping itself
    (the option table that lost a value, the `editions` that lost an edition)."""
    cut = next((i for i, item in enumerate(fact.path) if isinstance(item, int)), len(fact.path))
    container = fact.path[:cut]
    up = parent(fact.key, before)
    owner = after[up].path if up is not None and up in after else ()
    return owner if owner[: len(container)] == container and len(owner) > len(container) else container


def _is_edition(key: Key) -> bool:
    return key[0] == "edition" and len(key) == 2


def _is_charge(key: Key) -> bool:
    return key[0] == "charge" and len(key) == 3


def _make(
    kind: ChangeKind,
    fact: Fact,
    old: str | None,
    new: str | None,
    ratio: Decimal | None,
    source: Source,
    path: Sequence[PathItem],
    line: str,
    verb: str,
) -> Change:
    number, _ = source.position(_existing(source.data, path), key=True)
    return Change(kind, fact.label, old, new, ratio, source.name, number, fact.role, line, verb)


def _existing(data: Any, path: Sequence[PathItem]) -> tuple[PathItem, ...]:
    """The longest start of `path` that is in the document, so a gone key points at its container's key."""
    node, found = data, 0
    for item in path:
        in_map = isinstance(node, Mapping) and isinstance(item, str) and item in node
        in_list = isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)
        if not (in_map or in_list):
            break
        node = node[item]
        found += 1
    return tuple(path[:found])


def _summary(entity: Fact, side: dict[Key, Fact]) -> str:
    """`option table of x (30 days: 99.99 USD per month; ...)`: an entity and what belongs to it."""
    inner = _inner(entity, side)
    return f"{entity.shown} ({inner})" if inner else entity.shown


def _inner(entity: Fact, side: dict[Key, Fact]) -> str:
    inner = [fact for key, fact in side.items() if fact.role == "price" and not fact.implied and _belongs(key, entity.key, side)]
    inner.sort(key=lambda fact: sort_key(fact.key))
    prefixes = (f"{entity.label} / ", f"{entity.key[-1]} / ")
    return "; ".join(f"{_strip(fact.label, prefixes)}: {fact.shown}" for fact in inner)


def _belongs(key: Key, ancestor: Key, side: dict[Key, Fact]) -> bool:
    up = parent(key, side)
    while up is not None:
        if up == ancestor:
            return True
        up = parent(up, side)
    return False


def _strip(label: str, prefixes: Sequence[str]) -> str:
    for prefix in prefixes:
        if label.startswith(prefix):
            return label[len(prefix) :]
    return label


def relative_change(old: Decimal | str, new: Decimal | str) -> Decimal | None:
    """(new − old) / old in percent, to 0.1 half up; None when old is zero or not a number."""
    if not isinstance(old, Decimal) or not isinstance(new, Decimal) or old == 0:
        return None
    # A percentage for people: the division is rounded on purpose (money.divide), then to 0.1.
    with decimal.localcontext(PRICING_CONTEXT):
        return (divide(new - old, old) * 100).quantize(Decimal("0.1"), rounding=decimal.ROUND_HALF_UP, context=ROUNDING_CONTEXT)


def signed(value: Decimal) -> str:
    """`+11.1`, `-3.0`, `0.0`: a sign on every change but none."""
    return f"+{text(value)}" if value > 0 else text(value)
