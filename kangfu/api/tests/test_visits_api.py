"""Visits in the API: list without notes, one visit with its note only for the case's
front-line staff (an audited read), create through the page's service."""

from __future__ import annotations

import datetime as dt

import pytest

from kangfu.access.models import AuditEvent
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.visits import services as visits
from kangfu.visits.models import Visit
from kangfu.visits.tests.conftest import cases_ab, frozen

pytestmark = pytest.mark.django_db
__all__ = ["cases_ab", "frozen"]

NOTE = "谈到找工作的困难"


def _visit(personas, case):
    return visits.visit_record(
        actor=personas.worker_a,
        case=case,
        visited_on=dt.date(2026, 11, 20),
        place="home",
        note=NOTE,
        others_present="母亲",
        follow_ups=[("回访", dt.date(2026, 11, 30))],
    )


def test_the_list_never_carries_the_note(personas, cases_ab):
    _visit(personas, cases_ab.a)
    for user in (personas.worker_a, personas.supervisor):
        response = bearer(new_token(user)).get("/api/v1/visits/", {"case": cases_ab.a.public_id})
        assert response.status_code == 200
        (row,) = response.json()["results"]
        assert row["visited_on"] == "2026-11-20" and row["place"] == "home"
        assert "note" not in row and "others_present" not in row and NOTE not in response.text
    assert bearer(new_token(personas.worker_b)).get("/api/v1/visits/").json()["results"] == []
    assert bearer(new_token(personas.civil)).get("/api/v1/visits/").status_code in (403, 404)


def test_one_visit_shows_the_note_to_front_line_staff_only(personas, cases_ab):
    visit = _visit(personas, cases_ab.a)
    url = f"/api/v1/visits/{visit.public_id}/"
    mine = bearer(new_token(personas.worker_a)).get(url)
    assert mine.status_code == 200 and mine.json()["note"] == NOTE
    assert mine.json()["follow_ups"][0]["task"] == "回访"
    assert "visit.note" in AuditEvent.objects.latest("seq").fields
    supervised = bearer(new_token(personas.supervisor)).get(url, {"purpose": "supervision"})
    assert supervised.status_code == 200, supervised.text
    assert "note" not in supervised.json() and NOTE not in supervised.text
    assert "母亲" not in supervised.text and "回访" not in supervised.text
    assert bearer(new_token(personas.worker_b)).get(url).status_code == 404


def test_it_creates_a_visit_and_refuses_bad_input_naming_the_field(personas, cases_ab):
    client = bearer(new_token(personas.worker_a))
    body = {
        "case": str(cases_ab.a.public_id),
        "visited_on": "2026-11-24",
        "place": "phone",
        "note": NOTE,
        "follow_ups": [{"task": "送培训报名表", "due_on": "2026-11-26"}],
    }
    response = client.post("/api/v1/visits/", body, format="json")
    assert response.status_code == 201, response.text
    assert response.json()["note"] == NOTE and response.json()["appointment"] is not None
    visit = Visit.objects.get()
    assert visit.follow_ups.get().task == "送培训报名表"
    for change, field in (
        ({"visited_on": "2026-12-01"}, "visited_on"),
        ({"place": "moon"}, "place"),
        ({"note": "a" * 4001}, "note"),
        ({"follow_ups": [{"task": "x", "due_on": "2026-11-01"}]}, "follow_up_due"),
    ):
        response = client.post("/api/v1/visits/", {**body, **change}, format="json")
        assert response.status_code == 400, (change, response.text)
        assert field in str(response.json()["errors"]), (field, response.json())
    assert Visit.objects.count() == 1
    supervisor = bearer(new_token(personas.supervisor))
    url = "/api/v1/visits/?purpose=supervision"
    assert supervisor.post(url, body, format="json").status_code == 403


@pytest.mark.parametrize("size", [2, 20])
def test_the_list_runs_a_constant_number_of_queries(
    personas, cases_ab, django_assert_max_num_queries, size
):
    for i in range(size):
        visits.visit_record(
            actor=personas.worker_a,
            case=cases_ab.a,
            visited_on=dt.date(2026, 4, 1) + dt.timedelta(days=i),
            place="home",
            staff=[personas.worker_a],
        )
    client = bearer(new_token(personas.worker_a))
    with django_assert_max_num_queries(18):
        assert client.get("/api/v1/visits/").status_code == 200
