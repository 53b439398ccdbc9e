"""Where the schemas and the shipped tariffs are, installed or in a checkout.

A wheel carries them inside the package (`engine/schemas`, `engine/tariffs`);
a source checkout has them at the repository's top level.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


def _data_dir(name: str) -> Path:
    # The package's own directory, found without importlib.resources: importing that costs a
    # few milliseconds of every command's start, and the engine is always installed as files.
    here = Path(__file__).resolve().parents[1]  # engine/, beside core/
    packaged = here / name
    if packaged.is_dir():
        return packaged
    return here.parent / name


def schemas_dir() -> Path:
    return _data_dir("schemas")


def tariffs_dir() -> Path:
    return _data_dir("tariffs")


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with the engine, by file stem (`tariff`, `usage`, `invoice`)."""
    loaded: dict[str, Any] = json.loads((schemas_dir() / f"{name}.schema.json").read_text("utf-8"))
    return loaded
