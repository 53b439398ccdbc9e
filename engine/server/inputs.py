"""What a request brings: its JSON body (bounded, Decimal fractions) and its query.

Each refusal is a `Problem` with one diagnostic: 415 for a body that is not JSON,
413 over the size limit (on `Content-Length` first, then as the body streams),
400 for malformed JSON or an unknown query parameter, 422 for a batch that is not one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from engine.core.errors import UsageError
from engine.core.values import shortened
from engine.pricing.documents import parse_json
from engine.server.problems import Problem, from_usage_error, request_problem

JSON = "application/json"


async def read_json(request: Request, limit: int) -> Any:
    """The request body as JSON (Decimal fractions), within `limit` bytes."""
    media = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if media != JSON and not media.endswith("+json"):
        raise request_problem(415, f"the body is {media or 'untyped'}; send application/json", "media-type")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(len(body), limit)
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise request_problem(400, f"the body is not UTF-8 (byte {error.start})", "usage-syntax") from None
    try:
        return parse_json(decoded, "(request body)")
    except UsageError as error:
        raise from_usage_error(error, by_catalog=True) from None


def _too_large(size: int, limit: int) -> Problem:
    return request_problem(413, f"the body is {size} bytes or more, over the limit of {limit}", "request-size")


def only_query(request: Request, *allowed: str) -> None:
    """Refuse query parameters the endpoint does not take, and any given twice."""
    for name in dict.fromkeys(request.query_params.keys()):
        shown = shortened(name)
        if name not in allowed:
            known = ", ".join(allowed) or "none"
            raise request_problem(400, f"unknown query parameter '{shown}' (allowed: {known})", "query", path=f"?{shown}")
        if len(request.query_params.getlist(name)) > 1:
            raise request_problem(400, f"query parameter '{shown}' is given more than once", "query", path=f"?{shown}")


def batch_documents(body: Any, limit: int) -> list[Any]:
    """The `documents` of a batch request, refused whole when the envelope is wrong."""
    if not isinstance(body, Mapping) or not isinstance(body.get("documents"), list):
        raise request_problem(422, 'a batch is {"documents": [usage, ...]}', "batch", path="documents")
    extra = [str(key) for key in body if key != "documents"]
    if extra:
        raise request_problem(422, f"unknown key '{extra[0]}' (allowed: documents)", "batch", path=extra[0])
    documents: list[Any] = body["documents"]
    if len(documents) > limit:
        raise request_problem(413, f"the batch holds {len(documents)} documents, over the limit of {limit}", "batch-size", path="documents")
    return documents
