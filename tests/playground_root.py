"""A tariff root holding the shipped tencent-im version and the proposed price change of
`examples/price-change/tencent-im/2027-01-01.yaml`, with the shipped golden scenarios: what the
playground's compare view and its endpoints are tested on."""

from __future__ import annotations

import shutil
from pathlib import Path

from http_server import ROOT

TODAY = "2026-11-15"  # version 1 is in force; version 2 starts on 2027-01-01


def two_versions(base: Path) -> Path:
    root = base / "tariffs"
    shutil.copytree(ROOT / "tariffs", root)
    shutil.copy(ROOT / "examples" / "price-change" / "tencent-im" / "2027-01-01.yaml", root / "tencent-im" / "2027-01-01.yaml")
    return root
