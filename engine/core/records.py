"""Frozen record classes: what `dataclasses.dataclass(frozen=True, slots=True)` makes, made at a quarter of the cost.

The compiled model, the invoice and the diagnostics are frozen slotted dataclasses. Python 3.11's
`dataclasses` compiles six generated functions per class, one `exec` each, and imports `inspect`.
`tariff quote` defines 32 such classes; 32 classes of six fields cost 136 million instructions
that way (callgrind), against 473 million for the whole command, and 32 million here. `record`
builds the same class (the same `__init__`, `__repr__`, `__eq__`, `__hash__`, frozen
`__setattr__`/`__delattr__`, `__slots__`, `__match_args__`, pickling) with one `exec` for the three
methods that run in the pricing loop, and plain functions for the rest.

Supported, as the engine uses them: fields with a default or a `field(default=..., default_factory=...,
repr=..., compare=...)`; `ClassVar` annotations skipped; base records' fields first; `__post_init__`;
methods a class writes itself are kept. `replace` and `fields` work as their `dataclasses` namesakes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


class Field:
    """One field of a record: its name, default (or factory) and whether it shows in `repr` and counts in `==`."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool) -> None:
        self.name = ""
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, repr: bool = True, compare: bool = True) -> Any:
    """A field's options, as `dataclasses.field` takes them."""
    return Field(default, default_factory, repr, compare)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def dataclass(cls: type[T] | None = None, /, *, frozen: bool = True, slots: bool = True, **options: Any) -> Any:
    """`@dataclass(frozen=True, slots=True)`, written as for `dataclasses`; any other kind of class (not frozen, not
    slotted, or with other options) is left to `dataclasses.dataclass`, which has every option."""
    if not (frozen and slots) or options:
        import dataclasses

        made = dataclasses.dataclass(frozen=frozen, slots=slots, **options)
        return made if cls is None else made(cls)
    return record if cls is None else record(cls)


def record(cls: type[T]) -> type[T]:
    """The frozen slotted record class of `cls` (what `@dataclass(frozen=True, slots=True)` makes of it)."""
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(getattr(base, "__record_fields__", {}))
    own = vars(cls).get("__annotations__", {})
    for name, annotation in own.items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        found = value if isinstance(value, Field) else Field(value, MISSING, True, True)
        found.name = name
        fields[name] = found
    return _slotted(cls, fields)


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "") or repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))


def _slotted(cls: type[T], fields: dict[str, Field]) -> type[T]:
    inherited = {slot for base in cls.__mro__[1:-1] for slot in getattr(base, "__slots__", ())}
    namespace = dict(cls.__dict__)
    for name in fields:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = tuple(name for name in fields if name not in inherited)
    namespace["__record_fields__"] = fields
    namespace["__match_args__"] = tuple(fields)
    metaclass: Any = type(cls)
    new: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)  # the class made again, with its slots
    new.__qualname__ = cls.__qualname__
    _add_methods(new, fields, namespace)
    return new


def _add_methods(cls: type, fields: dict[str, Field], own: dict[str, Any]) -> None:
    names = tuple(fields)
    compared = tuple(name for name, f in fields.items() if f.compare)
    shown = tuple(name for name, f in fields.items() if f.repr)
    methods = _generated(cls, fields, compared, hasattr(cls, "__post_init__"))
    methods["__repr__"] = _repr(shown)
    methods["__setattr__"], methods["__delattr__"] = _frozen(cls, names)
    methods["__getstate__"], methods["__setstate__"] = _state(names)
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    for name, method in methods.items():
        if name in ("__setattr__", "__delattr__") and name in own:
            raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
        if name in own or (name == "__hash__" and explicit_hash):
            continue
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)


def _generated(cls: type, fields: dict[str, Field], compared: tuple[str, ...], post_init: bool) -> dict[str, Any]:
    """`__init__`, `__eq__` and `__hash__` as the code `dataclasses` writes (they run per invoice), in one exec."""
    scope: dict[str, Any] = {"__object_setattr__": object.__setattr__, "__MISSING__": MISSING}
    parameters, body = [], []
    for name, spec in fields.items():
        if spec.default_factory is not MISSING:
            scope[f"__factory_{name}__"] = spec.default_factory
            parameters.append(f"{name}=__MISSING__")
            body.append(f"  __object_setattr__(self, {name!r}, __factory_{name}__() if {name} is __MISSING__ else {name})")
        else:
            if spec.default is not MISSING:
                scope[f"__default_{name}__"] = spec.default
                parameters.append(f"{name}=__default_{name}__")
            else:
                parameters.append(name)
            body.append(f"  __object_setattr__(self, {name!r}, {name})")
    if post_init:
        body.append("  self.__post_init__()")
    values = "".join(f"self.{name}," for name in compared)
    others = "".join(f"other.{name}," for name in compared)
    text = (
        f"def __init__(self, {', '.join(parameters)}):\n{chr(10).join(body) or '  pass'}\n"
        f"def __eq__(self, other):\n  if other.__class__ is self.__class__:\n    return ({values})==({others})\n  return NotImplemented\n"
        f"def __hash__(self):\n  return hash(({values}))\n"
    )
    if not fields:
        text = text.replace("def __init__(self, ):", "def __init__(self):")
    made: dict[str, Any] = {}
    exec(text, scope, made)  # noqa: S102 - our own text, from the field names of the engine's classes
    made["__init__"].__annotations__ = {}
    return made


def _repr(shown: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    return __repr__


def _frozen(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, str, Any], None], Callable[[Any, str], None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    return __setattr__, __delattr__


def _state(names: tuple[str, ...]) -> tuple[Callable[[Any], list[Any]], Callable[[Any, list[Any]], None]]:
    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=False):
            object.__setattr__(self, name, value)

    return __getstate__, __setstate__


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record or of a record class, in order."""
    return tuple(obj.__record_fields__.values())


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with `changes` (as `dataclasses.replace`)."""
    for name in obj.__record_fields__:  # type: ignore[attr-defined]
        if name not in changes:
            changes[name] = getattr(obj, name)
    return obj.__class__(**changes)
