# ruff: noqa: F811 - pytest fixtures imported from the matrix module are used by name
"""Every API write, walked with hostile values: a 4xx naming the field and nothing written,
or (for text the service cleans) a 2xx with the invisible controls gone. Never a 500."""

from __future__ import annotations

import pytest

from kangfu.api.tests.conftest import bearer, new_token
from kangfu.api.tests.test_matrix import (  # noqa: F401 - fixtures used by name
    PAYLOADS,
    _frozen_day,
    objects,
    path_for,
)
from kangfu.cases.models import LeaveRequest, Measure
from kangfu.people.models import Person
from kangfu.risk.models import Assessment
from kangfu.schedule.models import DrugTest
from kangfu.visits.models import Visit

pytestmark = pytest.mark.django_db

INVISIBLE = ("\u200b", "\u200f", "\u202e", "\u2066")
DATES = {
    "decided_on",
    "received_on",
    "submitted_on",
    "leaves_on",
    "returns_on",
    "taken_on",
    "visited_on",
}
NUMBERS = {"term_months": ("99999999999999999999", "-5", "1e9"), "appointment": ("10" * 20,)}
# Text the field must refuse outright (a 4xx naming it), whatever field it is.
REFUSED_TEXT = {"overflow": "长" * 10_000, "nul": "看\x00病"}
REFUSED_DATES = {"year-1": "0001-01-01", "year-9999": "9999-12-31"}
# Text a field may keep once cleaned: it must never come back with invisible controls.
CLEANED_TEXT = {"zero-width-rtl": "南\u200b屏\u202e市\u2066", "emoji": "探亲😀"}
# Bodies that are writes of new rows (PATCH needs If-Match and is walked by its own tests).
WRITES = [key for key in PAYLOADS if key[1] == "POST" and key[0] != "api:leave-request-decision"]
WRITES += [("api:leave-request-decision", "POST")]


def counts() -> tuple[int, ...]:
    models = (Person, Measure, LeaveRequest, DrugTest, Assessment, Visit)
    return tuple(m.objects.count() for m in models)


def cases():
    for route, method in WRITES:
        payload = PAYLOADS[(route, method)]
        fields = [*payload, *(["term_months"] if route == "api:case-measures" else [])]
        fields += ["appointment"] if route == "api:drug-test-list" else []
        fields += ["reason"] if route == "api:leave-request-decision" else []
        for field in fields:
            if field in ("case", "person", "approve", "sample", "screen_result", "kind"):
                continue
            if field in NUMBERS:
                values = {f"number-{i}": v for i, v in enumerate(NUMBERS[field])}
            elif field in DATES:
                values = {**REFUSED_DATES, "nul": "2024-06-02\x00"}
            else:
                values = {**REFUSED_TEXT, **CLEANED_TEXT}
            for name, value in values.items():
                yield pytest.param(route, field, name, value, id=f"{route}-{field}-{name}")


def body_for(route, objects) -> dict:
    body = dict(PAYLOADS[(route, "POST")])
    if body.get("case") == "CASE":
        body["case"] = str(objects.case.public_id)
    if body.get("person") == "OTHER":
        body["person"] = str(objects.other.public_id)
    if route == "api:leave-request-decision":
        body["approve"] = False
    return body


@pytest.mark.parametrize(("route", "field", "name", "value"), list(cases()))
def test_it_answers_hostile_input_with_a_field_message_and_no_write(
    route, field, name, value, personas, objects
):
    objects.method = "POST"
    # Approving and sending back are the supervisor's; every other write the caseworker's.
    who = personas.supervisor if "assessment-" in route and route != "api:assessment-list" else None
    client = bearer(new_token(who or personas.worker_a))
    body = {**body_for(route, objects), field: value}
    before = counts()
    response = client.post(path_for(route, objects), body, format="json")
    assert response.status_code < 500, response.content[:500]
    text = response.content.decode()
    if name in CLEANED_TEXT and response.status_code < 300:
        decoded = str(response.json())
        assert not any(mark in decoded for mark in INVISIBLE), decoded[:300]
        return
    assert 400 <= response.status_code < 500, (response.status_code, text[:300])
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json().get("errors", {})
    assert field in errors or "detail" in errors, text[:500]
    assert counts() == before
