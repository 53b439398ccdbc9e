"""schemathesis against the served /openapi.json: generated requests to every operation,
no 5xx, and every response (status, content type, headers, body) as the document says.

Each operation gets its own hypothesis run, bounded by the profile (CI: `ci`). The
pytest plugin's `from_fixture` is not used: it needs a pytest internal that pytest 9
removed; the Python API (`operation.as_strategy()` + `case.call_and_validate()`) does
the same work.
"""

from __future__ import annotations

import shutil

import pytest
from http_server import HOST, ROOT, Server
from hypothesis import HealthCheck, given, settings

pytest.importorskip("uvicorn", reason="needs the server extra: pip install '.[server]'")
pytest.importorskip("starlette", reason="needs the server extra: pip install '.[server]'")
schemathesis = pytest.importorskip("schemathesis")
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

# The usage schema describes a document's form; the engine is the authority on its values
# (an edition or a meter the tariff does not declare), so a schema-valid document may be 422.
EXCLUDED = [positive_data_acceptance]
# A batch answers 200 with a problem per invalid document (order kept), by design.
EXCLUDED_FOR_BATCH = [*EXCLUDED, negative_data_rejection]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    base = tmp_path_factory.mktemp("schemathesis")
    shutil.copytree(ROOT / "tariffs", base / "tariffs")
    server = Server(base / "tariffs", base / "server.log", "--poll", "0").start()
    yield schemathesis.openapi.from_url(f"http://{HOST}:{server.port}/openapi.json")
    server.stop()


def can_be_invalid(operation) -> bool:
    """A body or a query can be made invalid; a bare string path parameter cannot."""
    return bool(len(operation.query) or operation.body)


def conformance(operation, mode: str):
    """A hypothesis test of one operation: generated requests, every default check."""
    excluded = EXCLUDED_FOR_BATCH if operation.path == "/v1/quote:batch" else EXCLUDED
    budget = max(10, settings.default.max_examples // 4)

    @settings(max_examples=budget, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    def conforms(case):
        case.call_and_validate(excluded_checks=excluded)

    return conforms


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_operation_conforms_to_the_document(api, mode):
    for result in api.get_all_operations():
        operation = result.ok()
        if mode == "negative" and not can_be_invalid(operation):
            continue
        conformance(operation, mode)()
