"""Property-based requests generated from the OpenAPI schema (schemathesis), bounded for CI:
no answer may be a server error, and every answer must match the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kangfu.api.tests.conftest import new_token

COUNT_FILE = Path(__file__).resolve().parents[3] / "test-results" / "schemathesis-requests.txt"
SENT = {"n": 0}


@pytest.fixture
def api_schema(db, personas, people):
    from config.wsgi import application

    # Requests go through the real WSGI handler, which closes the database connection when
    # a request ends; inside a test that would end the test's transaction (Django's own
    # test client disconnects these handlers the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report_count():
    yield
    COUNT_FILE.parent.mkdir(exist_ok=True)
    COUNT_FILE.write_text(f"{SENT['n']}\n")
    print(f"\nschemathesis sent {SENT['n']} generated requests")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_generated_request_within_its_schema(case, personas):
    token = new_token(personas.worker_a)
    SENT["n"] += 1
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
