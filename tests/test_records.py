"""`engine.core.records` makes the classes `@dataclasses.dataclass(frozen=True, slots=True)` makes.

Each class here is written twice, once with each decorator, and the two are held to the same
behaviour: construction and defaults, `repr`, `==` and `hash`, frozen fields, slots, pickling,
`replace`, inheritance, `ClassVar`s, `__post_init__` and methods the class writes itself.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, ClassVar

import pytest

from engine.core import records
from engine.core.errors import Diagnostic


def both(make: Any) -> tuple[Any, Any]:
    """The class `make(decorator, field)` builds, made by `dataclasses` and by `records`."""
    reference = make(dataclasses.dataclass(frozen=True, slots=True), dataclasses.field)
    ours = make(records.dataclass(frozen=True, slots=True), records.field)
    return reference, ours


def plain(decorator: Any, field: Any) -> Any:
    @decorator
    class Line:
        id: str
        amount: int
        unit: str = ""
        tags: tuple[str, ...] = ()
        parts: tuple[int, ...] = field(default_factory=tuple)
        derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
        note: str | None = field(default=None, repr=False)
        kind: ClassVar[str] = "line"

    return Line


def test_construction_repr_equality_and_hash_are_the_dataclass_ones():
    reference, ours = both(plain)
    for args, kwargs in [(("plan", 449), {}), (("plan", 449, "month"), {"tags": ("a",)}), (("x", 0), {"note": "n", "unit": "u"})]:
        a, b = reference(*args, **kwargs), ours(*args, **kwargs)
        assert repr(b) == repr(a)
        assert [getattr(b, name) for name in reference.__match_args__] == [getattr(a, name) for name in reference.__match_args__]
        assert ours(*args, **kwargs) == b and hash(ours(*args, **kwargs)) == hash(a)
    assert ours.__match_args__ == reference.__match_args__ == ("id", "amount", "unit", "tags", "parts", "derived", "note")
    assert ours.__slots__ == reference.__slots__
    assert ours.kind == "line" and "kind" not in ours.__slots__
    assert repr(ours("p", 1)) == "plain.<locals>.Line(id='p', amount=1, unit='', tags=(), parts=())"


def test_compare_false_fields_count_in_neither_equality_nor_hash():
    _, ours = both(plain)
    first, second = ours("plan", 1), ours("plan", 1)
    first.derived["rater"] = "written"
    assert first == second and hash(first) == hash(second)
    assert first != ours("plan", 2) and first != ("plan", 1) and first.derived is not second.derived  # a new dict each time


def test_fields_are_frozen_and_there_is_no_instance_dict():
    reference, ours = both(plain)
    for cls, error in ((reference, dataclasses.FrozenInstanceError), (ours, records.FrozenInstanceError)):
        line = cls("plan", 1)
        with pytest.raises(error, match="cannot assign to field 'amount'"):
            line.amount = 2
        with pytest.raises(error, match="cannot delete field 'id'"):
            del line.id
        with pytest.raises(AttributeError):
            line.__dict__  # noqa: B018 - slotted: no instance dictionary
    assert issubclass(records.FrozenInstanceError, AttributeError)


def test_pickle_and_replace():
    """On an engine record (pickle needs a class it can import by name)."""
    diagnostic = Diagnostic(message="missing: dau", rule="meter", path="usage.dau", hint="give the value")
    again = pickle.loads(pickle.dumps(diagnostic))
    assert again == diagnostic and again.hint == "give the value" and type(again) is Diagnostic
    moved = records.replace(diagnostic, file="usage.yaml", line=3)
    assert moved == Diagnostic(message="missing: dau", rule="meter", file="usage.yaml", line=3, path="usage.dau", hint="give the value")
    assert diagnostic.file is None
    assert [f.name for f in records.fields(diagnostic)] == ["message", "rule", "severity", "file", "line", "column", "path", "hint"]


def hierarchy(decorator: Any, field: Any) -> Any:
    @decorator
    class Charge:
        id: str
        description: str = ""
        model: ClassVar[str] = ""

        def label(self) -> str:
            return f"{self.model}:{self.id}"

    @decorator
    class Flat(Charge):
        price: int = 0
        model: ClassVar[str] = "flat"

    @decorator
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    @decorator
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        def __hash__(self) -> int:
            return hash(self.name.lower())

    return Charge, Flat, Checked, Named


def test_inheritance_post_init_and_own_methods():
    (charge_ref, flat_ref, checked_ref, _), (charge, flat, checked, named) = both(hierarchy)
    assert flat.__match_args__ == flat_ref.__match_args__ == ("id", "description", "price")
    assert repr(flat("plan", price=3)) == repr(flat_ref("plan", price=3)) == "hierarchy.<locals>.Flat(id='plan', description='', price=3)"
    assert flat("plan").label() == "flat:plan" and isinstance(flat("plan"), charge)
    assert flat("plan") != charge("plan")  # another class: not equal, as for dataclasses
    assert (flat_ref("plan") == charge_ref("plan")) is False
    with pytest.raises(records.FrozenInstanceError):
        flat("plan").id = "other"
    with pytest.raises(ValueError, match="negative"):
        checked(-1)
    with pytest.raises(ValueError, match="negative"):
        checked_ref(-1)
    assert repr(named("A")) == "<A>" and named("A") == named("a") and hash(named("A")) == hash(named("a"))
    assert records.replace(flat("plan", "d", 1), price=2) == flat("plan", "d", 2)


def test_other_kinds_of_class_are_left_to_dataclasses():
    @records.dataclass(frozen=False, slots=True)
    class Counter:
        count: int = 0

    @records.dataclass(frozen=True, slots=True, order=True)
    class Ordered:
        rank: int

    counter = Counter()
    counter.count += 1
    assert counter == Counter(1) and dataclasses.is_dataclass(counter)
    assert Ordered(1) < Ordered(2) and dataclasses.is_dataclass(Ordered)
    assert not dataclasses.is_dataclass(records.dataclass(frozen=True, slots=True)(type("Plain", (), {})))
