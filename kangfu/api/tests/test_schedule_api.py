import datetime as dt

import pytest
import time_machine

from kangfu.api.tests.conftest import bearer, new_token
from kangfu.cases import services
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.schedule.models import DrugTest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_day():
    with time_machine.travel(dt.datetime(2024, 6, 3, 2, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case(personas, people):
    case = open_case(personas.worker_a, people.in_a, opened_on=day("2024-03-01"))
    measure = decide(personas.worker_a, case)
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    return case


def test_a_retried_drug_test_upload_is_stored_once(personas, case):
    client = bearer(new_token(personas.worker_a))
    body = {
        "case": str(case.public_id),
        "taken_on": "2024-06-02",
        "sample": "urine",
        "screen_result": "negative",
    }
    first = client.post("/api/v1/drug-tests/", body, format="json", HTTP_IDEMPOTENCY_KEY="lab-7")
    retry = client.post("/api/v1/drug-tests/", body, format="json", HTTP_IDEMPOTENCY_KEY="lab-7")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert DrugTest.objects.filter(case=case).count() == 1


def test_a_future_test_date_is_refused_naming_the_field(personas, case):
    client = bearer(new_token(personas.worker_a))
    response = client.post(
        "/api/v1/drug-tests/",
        {
            "case": str(case.public_id),
            "taken_on": "2024-06-09",
            "sample": "urine",
            "screen_result": "negative",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "taken_on" in response.json()["errors"]
    assert not DrugTest.objects.exists()


def test_appointments_of_the_case_are_listed_for_its_township_only(personas, case):
    mine = bearer(new_token(personas.worker_a)).get(f"/api/v1/appointments/?case={case.public_id}")
    assert mine.status_code == 200 and mine.json()["results"]
    other = bearer(new_token(personas.worker_b)).get(f"/api/v1/appointments/?case={case.public_id}")
    assert other.json()["results"] == []
