"""The OpenAPI description of the endpoints the playground adds (`playground.py`):
the usage form of a version, the chart series, and two versions compared."""

from __future__ import annotations

from typing import Any

DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "An exact decimal."}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str = "", optional: tuple[str, ...] = ()) -> dict[str, Any]:
    required = [name for name in properties if name not in optional]
    found = {"type": "object", "additionalProperties": False, "required": required, "properties": properties}
    return found | ({"description": description} if description else {})


def _form() -> dict[str, Any]:
    meter = _object(
        {
            "id": TEXT,
            "description": TEXT,
            "unit": TEXT,
            "type": {"enum": ["integer", "decimal"]},
            "minimum": DECIMAL,
            "maximum": DECIMAL,
            "daily": {"type": "boolean", "description": "A daily series may be given (or one value for the period)."},
            "aggregation": TEXT,
        }
    )
    option = _object({"id": TEXT, "description": TEXT, "unit": TEXT, "type": {"enum": ["switch", "choice", "activation"]}})
    offer = _object(
        {
            "id": TEXT,
            "type": {"enum": ["switch", "choice", "activation"]},
            "values": {"type": "array", "items": {"type": ["string", "integer", "boolean"]}, "description": "The values offered here."},
            "free_days": {"type": "integer"},
        },
        optional=("free_days",),
    )
    edition = _object(
        {
            "id": TEXT,
            "description": TEXT,
            "meters": {"type": "array", "items": TEXT, "description": "The meters this edition prices."},
            "options": {"type": "array", "items": offer, "description": "The options offered on this edition."},
        }
    )
    return _object(
        {
            "id": TEXT,
            "today": {"type": "string", "format": "date", "description": "The service's today (`tariff serve --today`)."},
            "in_force_today": {**NULLABLE_TEXT, "description": "The version in force today; null before the first."},
            "version": _ref("Version"),
            "versions": {"type": "array", "items": _ref("Version")},
            "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "A month this version prices (today's when it can)."},
            "currency": TEXT,
            "meters": {"type": "array", "items": meter},
            "options": {"type": "array", "items": option},
            "editions": {"type": "array", "items": edition},
        },
        "The usage form of one version: its meters, and per edition the meters priced and the options offered.",
    )


def _chart() -> dict[str, dict[str, Any]]:
    bound = {"type": ["string", "integer"], "description": "A value of the meter, within its bounds."}
    request = _object(
        {
            "usage": _ref("Usage"),
            "meter": {**TEXT, "description": "The meter to vary; the usage's own value of it is replaced."},
            "from": bound,
            "to": bound,
            "line": {**TEXT, "description": "`total` (the default) or an invoice line id."},
        },
        optional=("line",),
    )
    point = _object({"x": DECIMAL, "y": {"oneOf": [DECIMAL, {"type": "null"}], "description": "null: no such line at x."}})
    response = _object(
        {
            "meter": TEXT,
            "unit": TEXT,
            "line": TEXT,
            "currency": TEXT,
            "breakpoints": {"type": "array", "items": DECIMAL, "description": "Block and tier edges on this meter in the range."},
            "points": {"type": "array", "items": point, "description": "The grid and each breakpoint with its neighbours, ascending."},
        },
        "Quotes of the usage at sample points of one meter.",
    )
    return {"ChartRequest": request, "Chart": response}


def _comparison() -> dict[str, dict[str, Any]]:
    side = {"type": "object", "description": "Which version a side is: spec, file, id, version, effective_from, currency, sha256."}
    change = {"type": "object", "description": "One change, as `tariff diff --format json` gives it."}
    diff = _object(
        {
            "old": side,
            "new": side,
            "identical": {"type": "boolean"},
            "changed": {"type": "boolean"},
            "summary": TEXT,
            "changes": {"type": "array", "items": change},
            "notes": {"type": "array", "items": change},
            "impact": {"type": "null"},
        },
        "`tariff diff OLD NEW --format json` of two served versions.",
    )
    request = _object(
        {"tariff": TEXT, "old": TEXT, "new": TEXT, "usage": {**_ref("Usage"), "description": "Also price this usage under both."}},
        optional=("usage",),
    )
    priced = _object({"status": {"const": 200}, "invoice": _ref("Invoice")})
    failed = _object({"status": {"type": "integer", "minimum": 400, "maximum": 499}, "problem": _ref("Problem")})
    result = {"oneOf": [priced, failed]}
    response = _object(
        {
            "id": TEXT,
            "old": TEXT,
            "new": TEXT,
            "scenarios": {"type": "object", "description": "The impact part of `tariff diff --scenarios ... --format json`."},
            "usage": {"oneOf": [_object({"old": result, "new": result}), {"type": "null"}]},
        },
        "The golden scenarios (and the usage given) priced under both versions, whatever their dates; older version first.",
    )
    return {"Diff": diff, "ImpactRequest": request, "Impact": response}


def schemas() -> dict[str, Any]:
    return {"Form": _form(), **_chart(), **_comparison()}


def paths(json: Any, problems: Any) -> dict[str, Any]:
    """The path items; `json(schema, description)` and `problems(*statuses)` are openapi.py's builders."""
    tariff_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    version = {"name": "version", "in": "query", "required": False, "schema": {"type": "string"}, "description": "Default: in force today."}

    def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
        given = {"type": "string", **schema}
        return {"name": name, "in": "query", "required": name != "format", "description": description, "schema": given}

    markdown = {"text/markdown": {"schema": {"type": "string"}}}
    diff_ok = json(_ref("Diff"), "The diff as JSON, or with `format=markdown` the pull-request comment `tariff diff` writes.")
    diff_ok["content"] |= markdown
    return {
        "/v1/tariffs/{id}/form": {
            "get": {
                "summary": "The usage form of a version (the playground builds its controls from it)",
                "parameters": [tariff_id, version],
                "responses": {"200": json(_ref("Form"), "The form."), **problems(400, 404)},
            }
        },
        "/v1/chart": {
            "post": {
                "summary": "Quotes of a usage at sample points of one meter, breakpoints included",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ChartRequest")}}},
                "parameters": [{"name": "tariff", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1}}],
                "responses": {"200": json(_ref("Chart"), "The points."), **problems(400, 404, 413, 415, 422)},
            }
        },
        "/v1/diff": {
            "get": {
                "summary": "The review diff of two versions of a tariff",
                "parameters": [
                    query("tariff", "The tariff id."),
                    query("old", "One version label."),
                    query("new", "The other version label (the older of the two is compared to the newer)."),
                    query("format", "json (default) or markdown.", enum=["json", "markdown"]),
                ],
                "responses": {"200": diff_ok, **problems(400, 404, 409)},
            }
        },
        "/v1/impact": {
            "post": {
                "summary": "The golden scenarios, and a usage, priced under two versions",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ImpactRequest")}}},
                "responses": {"200": json(_ref("Impact"), "Both versions' totals."), **problems(400, 404, 409, 413, 415, 422)},
            }
        },
    }
