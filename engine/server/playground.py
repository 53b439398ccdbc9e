"""The pricing playground: the page at `/`, its static files, and the endpoints only it needs.

The page (`engine/server/playground/`: HTML, CSS and JavaScript modules, no build step, no
CDN) prices through the same `/v1/quote` and `/v1/explain` as any caller. What it adds:
`/v1/tariffs/{id}/form` (the usage form of a version), `/v1/chart` (quotes at sample points
against one meter), `/v1/diff` and `/v1/impact` (two versions compared).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.core.errors import Diagnostic
from engine.core.money import text
from engine.language import model as m
from engine.review import report
from engine.server import chart, comparison, forms
from engine.server.config import ServerConfig
from engine.server.inputs import JSON, only_query, read_json
from engine.server.problems import Problem, from_diagnostics, request_problem

# The page runs only its own files and talks only to this service.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
STATIC = re.compile(r"^[a-z][a-z0-9-]*\.(?:js|css|svg)$")
MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html"}


def today_of(config: ServerConfig) -> dt.date:
    """The day that decides the version in force by default: `--today`, or the real one (UTC)."""
    return dt.date.fromisoformat(config.today) if config.today else dt.datetime.now(dt.UTC).date()


def static_file(name: str) -> bytes | None:
    found = resources.files("engine.server").joinpath("playground", name)
    return found.read_bytes() if found.is_file() else None


def json_response(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_exact), media_type=JSON)


def _exact(value: Any) -> str:
    if isinstance(value, Decimal):
        return text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _catalog(request: Request) -> m.Catalog:
    catalog: m.Catalog = request.scope["state"]["tariff_set"].catalog
    return catalog


def _tariff(request: Request, wanted: str | None, path: str) -> m.Tariff:
    catalog = _catalog(request)
    if not wanted:
        raise request_problem(400, "missing: the tariff id", "query", path=path)
    tariff = catalog.tariffs.get(wanted)
    if tariff is None:
        listed = ", ".join(catalog.tariffs) or "none"
        raise from_diagnostics(404, [Diagnostic(message=f"unknown tariff '{wanted}' (tariffs: {listed})", rule="tariff", path=path)])
    return tariff


class Playground:
    """Handlers of the page and its endpoints, over one configuration."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    def routes(self) -> list[Route]:
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/playground/{name}", self.asset, methods=["GET"]),
            Route("/v1/tariffs/{id}/form", self.form, methods=["GET"]),
            Route("/v1/chart", self.chart, methods=["POST"]),
            Route("/v1/diff", self.diff, methods=["GET"]),
            Route("/v1/impact", self.impact, methods=["POST"]),
        ]

    async def page(self, request: Request) -> Response:
        # Any query string is the page's own state (the address bar), read by its script.
        body = static_file("index.html") or b""
        return Response(body, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    async def asset(self, request: Request) -> Response:
        only_query(request)
        name = request.path_params["name"]
        body = static_file(name) if STATIC.match(name) else None
        if body is None:
            raise Problem(404, f"no such file: /playground/{name}", generic=True)
        media = MEDIA[name[name.rindex(".") :]]
        return Response(body, media_type=f"{media}; charset=utf-8", headers=PAGE_HEADERS)

    async def form(self, request: Request) -> Response:
        only_query(request, "version")
        tariff = _tariff(request, request.path_params["id"], "id")
        today = today_of(self.config)
        version = forms.pick_version(tariff, request.query_params.get("version"), today)
        return json_response(forms.form(tariff, version, today))

    async def chart(self, request: Request) -> Response:
        only_query(request, "tariff")
        wanted = request.query_params.get("tariff")
        target: m.Tariff | m.Catalog = _tariff(request, wanted, "?tariff") if wanted else _catalog(request)
        body = await read_json(request, self.config.max_document_bytes)
        return json_response(chart.series(target, body))

    async def diff(self, request: Request) -> Response:
        only_query(request, "tariff", "old", "new", "format")
        _, old, new = self._pair(request, request.query_params, 400)
        shape = request.query_params.get("format", "json")
        found = comparison.version_diff(self.config.tariffs, old, new)
        if shape == "markdown":
            return Response(report.render_markdown(found), media_type="text/markdown; charset=utf-8")
        if shape != "json":
            raise request_problem(400, f"unknown format '{shape}' (formats: json, markdown)", "query", path="?format")
        return json_response(report.to_dict(found))

    async def impact(self, request: Request) -> Response:
        only_query(request)
        body = await read_json(request, self.config.max_document_bytes)
        if not isinstance(body, Mapping):
            raise request_problem(422, 'an impact request is {"tariff": ID, "old": VERSION, "new": VERSION, "usage": {...}}', "impact")
        unknown = [str(k) for k in body if k not in ("tariff", "old", "new", "usage")]
        if unknown:
            raise request_problem(422, f"unknown key '{unknown[0]}' (allowed: tariff, old, new, usage)", "impact", path=unknown[0])
        tariff, old, new = self._pair(request, body, 422)
        usage = body.get("usage")
        if usage is not None and not isinstance(usage, Mapping):
            raise request_problem(422, "'usage' is a usage document (an object)", "impact", path="usage")
        return json_response(comparison.impact_body(self.config.tariffs, tariff, old, new, usage))

    def _pair(self, request: Request, given: Mapping[str, Any], status: int) -> tuple[m.Tariff, m.TariffVersion, m.TariffVersion]:
        """The tariff and its two versions named, older first."""
        if not _text(given, "tariff"):
            raise request_problem(status, "missing: 'tariff', the id of the tariff to compare", "compare", path="tariff")
        tariff = _tariff(request, _text(given, "tariff"), "tariff")
        labels = [_text(given, key) for key in ("old", "new")]
        for key, label in zip(("old", "new"), labels, strict=True):
            if label is None:
                raise request_problem(status, f"missing: '{key}', a version of {tariff.id}", "compare", path=key)
        old = comparison.version_of(tariff, str(labels[0]), "old")
        new = comparison.version_of(tariff, str(labels[1]), "new")
        return (tariff, *comparison.ordered(old, new))


def _text(given: Mapping[str, Any], key: str) -> str | None:
    value = given.get(key)
    return None if value is None else str(value)
