"""Looks at a person that are not page views are on the person's record too: a registration
that typed their number elsewhere, and reading the audit log about them (page and API)."""

from __future__ import annotations

import dataclasses

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.access.models import AuditEvent
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.people.services import PersonAlreadyRegistered, PersonData, person_register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        yield


def _on(person, action):
    return AuditEvent.objects.filter(object_id=str(person.public_id), action=action)


def test_it_records_a_registration_elsewhere_that_matched_the_person(personas, people, tree):
    person = people.in_a
    data = PersonData(
        name="张某",
        sex="M",
        birth_date=person.birth_date,
        id_number=person.id_number,
        hukou_place="示范省东川市城关区",
    )
    with pytest.raises(PersonAlreadyRegistered) as refused:
        person_register(actor=personas.worker_b, township=tree.b, data=data)
    assert refused.value.person is None  # B is not told who it is
    (event,) = _on(person, "register_match")
    assert event.actor_id == personas.worker_b.pk and event.fields == ["id_number"]
    assert event.scope_path == person.township.path  # A's supervisors see it


def test_it_audits_reading_the_audit_log_about_a_person_on_the_page(client, personas, people):
    sign_in(client, personas.supervisor)
    person = people.in_a
    response = client.get(reverse("people:audit-list"), {"person": str(person.public_id)})
    assert response.status_code == 200
    (event,) = _on(person, "read").filter(fields=["audit_log"])
    assert event.actor_id == personas.supervisor.pk
    client.get(reverse("people:audit-list"))
    assert AuditEvent.objects.filter(
        action="search", object_type="access.auditevent", actor=personas.supervisor
    ).exists()


def test_it_audits_reading_the_audit_log_about_a_person_through_the_api(personas, people):
    person = people.in_a
    client = bearer(new_token(personas.supervisor))
    response = client.get("/api/v1/audit-events/", {"person": str(person.public_id)})
    assert response.status_code == 200 and response.json()["results"]
    (event,) = _on(person, "read").filter(fields=["audit_log"])
    assert event.actor_id == personas.supervisor.pk


def test_it_keeps_the_person_data_fields_of_the_match_event_to_names_only(personas, people, tree):
    data = dataclasses.replace(
        PersonData(name="x", sex="M", birth_date=people.in_a.birth_date, id_number=""),
        id_number=people.in_a.id_number,
    )
    with pytest.raises(PersonAlreadyRegistered):
        person_register(actor=personas.worker_b, township=tree.b, data=data)
    (event,) = _on(people.in_a, "register_match")
    assert people.in_a.id_number not in (event.detail + "".join(event.fields))
