"""Classes registered by name and imported from their module on first lookup.

The charge models and the adjustment kinds are found by the name a tariff file gives them;
a command that prices one tariff imports only the ones that tariff names, not every module
of the language (a shorter start).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

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
