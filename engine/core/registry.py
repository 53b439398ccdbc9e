"""Classes registered by name and imported from their module on first lookup.

The charge models and the adjustment kinds are found by the name a tariff file gives them;
a command that prices one tariff imports only the ones that tariff names, not every module
of the language (a shorter start).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LazyRegistry(Mapping[str, T], Generic[T]):
    """name → class, from `{name: "module:Class"}`; a module is imported when one of its names is looked up."""

    def __init__(self, places: Mapping[str, str]) -> None:
        self._places = dict(places)
        self._found: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        found = self._found.get(name)
        if found is None:
            module, _, attribute = self._places[name].partition(":")
            found = self._found[name] = getattr(importlib.import_module(module), attribute)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def __repr__(self) -> str:
        return f"LazyRegistry({list(self._places)})"


def lazy_attributes(package: str, modules: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A package's module `__getattr__`: each name of `modules` (name → its module in `package`)
    imported on first use, then kept in the package's `namespace`."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = getattr(importlib.import_module(f"{package}.{module}"), name)  # found once
        return value

    return __getattr__
