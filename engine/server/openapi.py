"""The API description, built once at startup from the engine's own schemas.

OpenAPI 3.1 Schema Objects are JSON Schema, and a Schema Object may name its own
dialect with `$schema`; so `schemas/usage.schema.json` and `schemas/invoice.schema.json`
(draft-07) go into `components.schemas` verbatim, `$schema` and `$id` included, and
nothing about a usage document or an invoice is restated here. What is defined here
is only what the service adds around them: problem details, the batch envelope, the
tariff listings and the health report (JSON Schema 2020-12, the OpenAPI 3.1 default).
"""

from __future__ import annotations

import copy
from typing import Any

from engine.core.resources import schema
from engine.server import openapi_playground
from engine.server.config import ServerConfig
from engine.server.problems import MEDIA_TYPE as PROBLEM

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    found = {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}
    return found | ({"description": description} if description else {})


def _diagnostic() -> dict[str, Any]:
    return _object(
        {
            "severity": {"enum": ["error", "warning"]},
            "rule": {"type": "string", "description": "Stable id of the check that failed, e.g. usage-missing."},
            "message": {"type": "string"},
            "file": NULLABLE_TEXT,
            "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]},
            "path": {**NULLABLE_TEXT, "description": "JSON path of the value in the document, e.g. usage.dau."},
            "hint": NULLABLE_TEXT,
        },
        "One problem, as `Diagnostic.to_dict()` gives it and `tariff quote` prints it.",
    )


def _problem() -> dict[str, Any]:
    return _object(
        {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "The diagnostics as the CLI prints them, one per line."},
            "errors": {"type": "array", "items": _ref("Diagnostic")},
        },
        "RFC 9457 problem details; `errors` lists every problem found, with its JSON path.",
    )


def _batch(config: ServerConfig) -> dict[str, dict[str, Any]]:
    priced = _object({"status": {"const": 200}, "invoice": _ref("Invoice")})
    failed = _object({"status": {"type": "integer", "minimum": 400, "maximum": 499}, "problem": _ref("Problem")})
    request = _object({"documents": {"type": "array", "maxItems": config.max_batch, "items": _ref("Usage")}})
    response = _object({"results": {"type": "array", "items": {"oneOf": [priced, failed]}}}, "One result per document, in order.")
    return {"BatchRequest": request, "BatchResponse": response}


def _version() -> dict[str, Any]:
    return _object(
        {
            "version": {"type": "string"},
            "effective_from": {"type": "string", "format": "date"},
            "until": {**NULLABLE_TEXT, "description": "Last day in force; null for the latest version."},
            "file": {"type": "string"},
            "sha256": SHA256,
            "currency": {"type": "string"},
            "editions": {"type": "array", "items": {"type": "string"}},
            "description": {"type": "string"},
        }
    )


def _listings() -> dict[str, dict[str, Any]]:
    summary = _object(
        {"id": {"type": "string"}, "description": {"type": "string"}, "currency": {"type": "string"}, "latest": _ref("Version")}
    )
    versions = _object({"id": {"type": "string"}, "versions": {"type": "array", "items": _ref("Version")}})
    reload = _object(
        {
            "status": {"enum": ["loaded", "refused"]},
            "tariff_set": SHA256,
            "at": {"type": "string"},
            "errors": {"type": "array", "items": _ref("Diagnostic")},
        }
    )
    health = _object(
        {
            "status": {"const": "ok"},
            "tariff_set": SHA256,
            "loaded_at": {"type": "string"},
            "tariffs": {"type": "array", "items": {"type": "string"}},
            "tariff_root": _object({"path": {"type": "string"}, "found_by": {"type": "string"}}),
            "last_reload": {"oneOf": [reload, {"type": "null"}]},
        }
    )
    return {
        "Version": _version(),
        "TariffList": _object({"tariffs": {"type": "array", "items": summary}}),
        "TariffVersions": versions,
        "Health": health,
    }


def _explanation() -> dict[str, Any]:
    """schemas/explanation.schema.json, its invoice pointing at the Invoice component it refers to."""
    explanation = copy.deepcopy(schema("explanation"))
    explanation["properties"]["invoice"] = {**_ref("Invoice"), "description": explanation["properties"]["invoice"]["description"]}
    return explanation


def components(config: ServerConfig) -> dict[str, Any]:
    schemas = {
        "Usage": copy.deepcopy(schema("usage")),
        "Invoice": copy.deepcopy(schema("invoice")),
        "Diagnostic": _diagnostic(),
        "Problem": _problem(),
        "Explanation": _explanation(),
        **_batch(config),
        **_listings(),
        **openapi_playground.schemas(),
    }
    headers = {
        "TariffSet": {"description": "SHA-256 fingerprint of the tariff set that served the request.", "schema": SHA256},
        "TariffVersion": {
            "description": "The tariff version(s) that priced the request: `id=…; version=…; file=…; sha256=…`, comma-separated.",
            "schema": {"type": "string"},
        },
    }
    return {"schemas": schemas, "headers": headers}


def _json(schema_: dict[str, Any], description: str, *, media: str = "application/json", priced: bool = False) -> dict[str, Any]:
    headers: dict[str, Any] = {"Tariff-Set": {"$ref": "#/components/headers/TariffSet"}}
    if priced:
        headers["Tariff-Version"] = {"$ref": "#/components/headers/TariffVersion"}
    return {"description": description, "headers": headers, "content": {media: {"schema": schema_}}}


def _problems(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Malformed JSON, a body that is not UTF-8, or an unknown or repeated query parameter.",
        404: "The tariff named (in the usage or `?tariff=`) is not served.",
        413: "The body (or the batch) is over the limit.",
        415: "The body is not application/json.",
        409: "A version file changed since it was loaded; the next reload serves it.",
        422: "The usage cannot be priced; `errors` lists every problem.",
    }
    return {str(status): _json(_ref("Problem"), reasons[status], media=PROBLEM) for status in statuses}


_TARIFF_QUERY = {
    "name": "tariff",
    "in": "query",
    "required": False,
    "description": "Tariff id to price with when the usage names none (as `tariff quote --tariff`).",
    "schema": {"type": "string", "minLength": 1},
}


def _post(summary: str, body: str, ok: dict[str, Any], statuses: tuple[int, ...], query: bool = True) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {"200": ok, **_problems(*statuses)},
    }
    if query:
        operation["parameters"] = [_TARIFF_QUERY]
    return {"post": operation}


def _get(summary: str, ok: dict[str, Any], *, statuses: tuple[int, ...] = (), parameters: list[Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": ok, **_problems(400, *statuses)}}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def paths(config: ServerConfig) -> dict[str, Any]:
    usage_errors = (400, 404, 413, 415, 422)
    tariff_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/quote": _post(
            "Price one usage document",
            "Usage",
            _json(_ref("Invoice"), "The invoice, as `tariff quote --format json`.", priced=True),
            usage_errors,
        ),
        "/v1/quote:batch": _post(
            f"Price up to {config.max_batch} usage documents",
            "BatchRequest",
            _json(_ref("BatchResponse"), "One result per document, in order: an invoice or a problem.", priced=True),
            (400, 404, 413, 415, 422),
        ),
        "/v1/explain": _post(
            "Explain how a usage document is priced",
            "Usage",
            _json(_ref("Explanation"), "The explanation.", priced=True),
            usage_errors,
        ),
        "/v1/tariffs": _get("The tariffs served", _json(_ref("TariffList"), "Every tariff, with its latest version.")),
        "/v1/tariffs/{id}/versions": _get(
            "The versions of one tariff",
            _json(_ref("TariffVersions"), "Its versions, oldest first."),
            statuses=(404,),
            parameters=[tariff_id],
        ),
        "/healthz": _get("Liveness, the tariff set served and the last reload", _json(_ref("Health"), "Serving.")),
        "/openapi.json": _get("This document", _json({"type": "object"}, "The OpenAPI 3.1 document.")),
        **openapi_playground.paths(_json, _problems),
    }


def document(config: ServerConfig, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document served at /openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tariff-engine pricing API",
            "version": version,
            "description": "Price usage with versioned YAML tariffs. Money is always an exact decimal string. "
            "Errors are RFC 9457 problem details with the engine's diagnostics.",
        },
        "paths": paths(config),
        "components": components(config),
    }
