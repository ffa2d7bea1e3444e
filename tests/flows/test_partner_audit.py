"""Moved from kangfu/people/tests/test_audit_views.py:
this flow crosses apps, so it lives above them."""

import pytest

from kangfu.people.models import Person
from kangfu.people.tests.test_audit_views import (
    LIST,
    Recorder,
    disclosure_form,
    give_purpose,
    sign_in,
    url,
)

pytestmark = pytest.mark.django_db


def _referred(personas, person):
    from kangfu.referrals.tests.helpers import civil_affairs, provider, refer

    to = provider(personas.supervisor.grants.get().jurisdiction, department=civil_affairs(personas))
    return refer(personas.worker_a, person, to)


def test_an_id_number_lookup_that_finds_one_person_names_that_person(client, personas, people):
    _referred(personas, people.in_a)
    sign_in(client, personas.civil)
    person = Person.objects.get(pk=people.in_a.pk)
    with Recorder() as rec:
        client.get(LIST, {"q": person.id_number})
    (event,) = rec.events
    assert event.object_id == str(person.public_id) and event.outside_caseload
    assert person.id_number not in event.detail


def test_staff_see_the_records_access_history_and_partners_do_not(client, personas, people):
    sign_in(client, personas.supervisor)
    give_purpose(client, people.in_a, "statistics")
    client.get(url("person-detail", people.in_a))
    sign_in(client, personas.worker_a)
    body = client.get(url("person-detail", people.in_a)).content.decode()
    assert "Access history" in body and "Statistics check" in body and "supervisor" in body
    _referred(personas, people.in_a)
    sign_in(client, personas.civil)
    give_purpose(client, people.in_a, "service")
    body = client.get(url("person-detail", people.in_a)).content.decode()
    assert "Access history" not in body and "supervisor" not in body


def test_partners_cannot_record_disclosures(client, personas, people):
    _referred(personas, people.in_a)
    sign_in(client, personas.civil)
    give_purpose(client, people.in_a, "service")
    assert client.post(url("disclosure-create", people.in_a), disclosure_form()).status_code == 404
