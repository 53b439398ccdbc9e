"""The HTTP API: Starlette routes over the engine, served by uvicorn.

Every handler prices with the tariff set pinned for its request (`AccessLog` puts it
in the request state), parses JSON with `Decimal` fractions (`documents.parse_json`),
and answers with the engine's own JSON (`Invoice.to_dict()`) or its diagnostics as
problem details. `app_from_environment` is the factory uvicorn calls in each worker.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.core.errors import Diagnostic, TariffError, UsageError, did_you_mean
from engine.core.values import shortened
from engine.language import model as m
from engine.pricing import quote as pricing
from engine.pricing.usage import MAX_NAME_LENGTH, read_envelope
from engine.server import openapi
from engine.server.batches import dumps, price_one, priced_batch, ref_of
from engine.server.config import ServerConfig
from engine.server.inputs import JSON, batch_documents, only_query, read_json
from engine.server.listings import tariff_summary, version_summaries
from engine.server.logs import AccessLog, PricedBy, Receive, Scope, Send, log_event, note_priced
from engine.server.playground import Playground
from engine.server.problems import MEDIA_TYPE, Problem, from_usage_error
from engine.server.reload import Reloader, TariffSet


def _tariff_set(request: Request) -> TariffSet:
    pinned: TariffSet = request.scope["state"]["tariff_set"]
    return pinned


def _json_response(body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(body), media_type=JSON, headers=headers)


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(problem.to_dict(), status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def ref(version: m.TariffVersion) -> PricedBy:
    return PricedBy(version.id, version.version, version.file, version.sha256)


def version_header(refs: list[PricedBy]) -> dict[str, str]:
    distinct = list(dict.fromkeys(refs))
    return {"Tariff-Version": ", ".join(r.header() for r in distinct)} if distinct else {}


def version_for(target: m.Tariff | m.Catalog, document: Any) -> m.TariffVersion | None:
    """The version that prices (or would price) `document`, for headers and logs."""
    try:
        return pricing.select_version(target, read_envelope(document))
    except UsageError:
        return None


class PricingApi:
    """The route handlers, over one reloader and one configuration."""

    def __init__(self, config: ServerConfig, reloader: Reloader) -> None:
        self.config = config
        self.reloader = reloader
        self.document = openapi.document(config, _engine_version())

    def routes(self) -> list[Route]:
        return [
            Route("/v1/quote", self.quote, methods=["POST"]),
            Route("/v1/quote:batch", self.quote_batch, methods=["POST"]),
            Route("/v1/explain", self.explain, methods=["POST"]),
            Route("/v1/tariffs", self.tariffs, methods=["GET"]),
            Route("/v1/tariffs/{id}/versions", self.versions, methods=["GET"]),
            Route("/healthz", self.health, methods=["GET"]),
            Route("/openapi.json", self.openapi, methods=["GET"]),
            *Playground(self.config).routes(),
        ]

    async def quote(self, request: Request) -> Response:
        target = priced_against(request)
        document = await read_json(request, self.config.max_document_bytes)
        result = price_one(target, document)
        if isinstance(result, Problem):
            _note_version(request, target, document)
            raise result
        note_priced(request.scope, [ref_of(result)])
        return Response(result.to_json(), media_type=JSON, headers=version_header([ref_of(result)]))

    async def quote_batch(self, request: Request) -> Response:
        target = priced_against(request)
        documents = batch_documents(await read_json(request, self.config.max_batch_bytes), self.config.max_batch)
        body, refs = await priced_batch(target, documents)  # lets other requests in while it prices
        request.scope["state"]["documents"] = len(documents)
        note_priced(request.scope, list(dict.fromkeys(refs)))
        return Response(body, media_type=JSON, headers=version_header(refs))

    async def explain(self, request: Request) -> Response:
        from engine.authoring.explanation import explain

        target = priced_against(request)
        document = await read_json(request, self.config.max_document_bytes)
        try:
            explanation = explain(target, document)
        except UsageError as error:
            _note_version(request, target, document)
            raise from_usage_error(error, by_catalog=isinstance(target, m.Catalog)) from None
        version = version_for(target, document)
        refs = [ref(version)] if version is not None else []
        note_priced(request.scope, refs)
        return _json_response(explanation.to_dict(), version_header(refs))

    async def tariffs(self, request: Request) -> Response:
        only_query(request)
        catalog = _tariff_set(request).catalog
        return _json_response({"tariffs": [tariff_summary(t) for t in catalog.tariffs.values()]})

    async def versions(self, request: Request) -> Response:
        only_query(request)
        tariff = _target(_tariff_set(request).catalog, request.path_params["id"])
        assert isinstance(tariff, m.Tariff)
        return _json_response({"id": tariff.id, "versions": version_summaries(tariff)})

    async def health(self, request: Request) -> Response:
        only_query(request)
        served = _tariff_set(request)
        last = self.reloader.last
        return _json_response(
            {
                "status": "ok",
                "tariff_set": served.fingerprint,
                "loaded_at": served.loaded_at,
                "tariffs": list(served.catalog.tariffs),
                "tariff_root": {"path": str(self.config.tariffs), "found_by": self.config.found_by},
                "last_reload": last.to_dict() if last is not None else None,
            }
        )

    async def openapi(self, request: Request) -> Response:
        only_query(request)
        return _json_response(self.document)


def _note_version(request: Request, target: m.Tariff | m.Catalog, document: Any) -> None:
    version = version_for(target, document)
    if version is not None:
        note_priced(request.scope, [ref(version)])


def priced_against(request: Request) -> m.Tariff | m.Catalog:
    """What the usage is priced against: the served catalog, or the tariff `?tariff=` names."""
    only_query(request, "tariff")
    return _target(_tariff_set(request).catalog, request.query_params.get("tariff"))


def _target(catalog: m.Catalog, wanted: str | None) -> m.Tariff | m.Catalog:
    """The catalog, or the one tariff the caller names (404 when it is not served)."""
    if wanted is None:
        return catalog
    tariff = catalog.tariffs.get(wanted)
    if tariff is None:
        raise from_usage_error(UsageError([unknown_tariff(wanted, list(catalog.tariffs))]), by_catalog=True)
    return tariff


def unknown_tariff(wanted: str, known: list[str]) -> Diagnostic:
    """The engine's own words for a usage naming an unknown tariff (`pricing.quote`)."""
    listed = ", ".join(known) or "none"
    hint = did_you_mean(wanted, known) if len(wanted) <= MAX_NAME_LENGTH else None
    return Diagnostic(message=f"unknown tariff '{shortened(wanted)}' (tariffs: {listed})", rule="tariff", path="tariff", hint=hint)



def _engine_version() -> str:
    try:
        return metadata.version("tariff-engine")
    except metadata.PackageNotFoundError:
        return "0+unknown"


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return problem_response(error)


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (unknown route 404, 405 with its Allow header) as problems."""
    assert isinstance(error, HTTPException)
    return problem_response(Problem(error.status_code, str(error.detail), generic=True), error.headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    return problem_response(Problem(500, "an unexpected error; the service log has the details", generic=True))


class Service:
    """The ASGI application: lifespan starts and stops the reloader; HTTP goes through
    `AccessLog` to the routes."""

    def __init__(self, config: ServerConfig) -> None:
        self.reloader = Reloader(config.tariffs, config.poll_ms, log_event)
        routes = Starlette(
            routes=PricingApi(config, self.reloader).routes(),
            exception_handlers={Problem: _problem, HTTPException: _http_error, Exception: _unexpected},
        )
        self.http = AccessLog(routes, self.reloader)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                failure = self._start()
                if failure:
                    await send({"type": "lifespan.startup.failed", "message": failure})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _on_sighup(None)
                self.reloader.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _start(self) -> str | None:
        """Load the tariffs and watch them; the reason when they cannot be served."""
        try:
            self.reloader.start()
        except TariffError as error:
            problems = [str(d) for d in error.diagnostics if d.severity == "error"]
            log_event({"event": "tariffs-refused", "level": "error", "tariffs": str(self.reloader.root), "diagnostics": problems})
            return f"the tariffs under {self.reloader.root} have {len(problems)} error(s); this worker does not start on them"
        _on_sighup(self.reloader.request)
        return None


def _on_sighup(action: Any) -> None:
    """Reload on SIGHUP (None: stop listening). Only the main thread may listen."""
    try:
        loop = asyncio.get_running_loop()
        if action is None:
            loop.remove_signal_handler(signal.SIGHUP)
        else:
            loop.add_signal_handler(signal.SIGHUP, action)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or a platform without SIGHUP
        pass


def create_app(config: ServerConfig) -> Service:
    return Service(config)


def app_from_environment() -> Service:
    """The factory uvicorn calls in every worker (`tariff serve` sets the environment)."""
    return Service(ServerConfig.from_environment())
