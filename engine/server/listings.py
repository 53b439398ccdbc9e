"""The tariff listings: what `GET /v1/tariffs` and `/v1/tariffs/{id}/versions` show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.language import model as m


def tariff_summary(tariff: m.Tariff) -> dict[str, Any]:
    latest = tariff.versions[-1]
    return {"id": tariff.id, "description": latest.description, "currency": latest.currency, "latest": version_summaries(tariff)[-1]}


def version_summaries(tariff: m.Tariff) -> list[dict[str, Any]]:
    summaries = []
    for index, version in enumerate(tariff.versions):
        following = tariff.versions[index + 1] if index + 1 < len(tariff.versions) else None
        summaries.append(
            {
                "version": version.version,
                "effective_from": version.effective_from.isoformat(),
                "until": (following.effective_from - dt.timedelta(days=1)).isoformat() if following else None,
                "file": version.file,
                "sha256": version.sha256,
                "currency": version.currency,
                "editions": list(version.editions),
                "description": version.description,
            }
        )
    return summaries
