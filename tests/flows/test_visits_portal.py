"""The person sees in their portal that a visit took place and its date — never the note,
who else was there, or the follow-up tasks; a withdrawn visit is not shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kangfu.access.models import AuditEvent
from kangfu.portal import services as portal
from kangfu.portal.auth import person_context
from kangfu.portal.tests.conftest import PORTAL_PASSWORD, frozen, portal_login, under_measure
from kangfu.visits import services as visits

pytestmark = pytest.mark.django_db
__all__ = ["frozen"]

NOTE = "他说和家人关系紧张，想换工作"


class _Request:
    META = {"REMOTE_ADDR": "127.0.0.1"}


def _portal_person(worker, person):
    account, code = portal.portal_code_issue(actor=worker, person=person)
    portal.portal_activate(
        ctx=person_context(_Request(), person), account=account, code=code, password=PORTAL_PASSWORD
    )


def test_the_portal_shows_the_visit_date_and_never_the_note(frozen, client, personas, people):
    person = people.in_a
    case, _measure = under_measure(personas.worker_a, person)
    visits.visit_record(
        actor=personas.worker_a,
        case=case,
        visited_on=dt.date(2026, 11, 20),
        place="home",
        others_present="母亲王某",
        note=NOTE,
        follow_ups=[("联系心理咨询师", dt.date(2026, 11, 30))],
    )
    wrong = visits.visit_record(
        actor=personas.worker_a, case=case, visited_on=dt.date(2026, 10, 9), place="office"
    )
    visits.visit_withdraw(actor=personas.worker_a, visit=wrong, reason="记错了对象")
    _portal_person(personas.worker_a, person)
    assert portal_login(client, person).status_code == 302
    response = client.get(reverse("portal:visits"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026-11-20" in html and "家中" in html
    assert "2026-10-09" not in html  # withdrawn
    for secret in (NOTE, "母亲王某", "联系心理咨询师", "王社工", "worker_a"):
        assert secret not in html
    event = AuditEvent.objects.latest("seq")
    assert event.action == "read" and event.fields == ["visit"]
    # Linked from the home page.
    assert reverse("portal:visits") in client.get(reverse("portal:home")).content.decode()


def test_the_portal_never_loads_the_note(personas, people, frozen, django_assert_num_queries):
    from kangfu.visits.selectors import person_visits

    person = people.in_a
    case, _measure = under_measure(personas.worker_a, person)
    visits.visit_record(
        actor=personas.worker_a,
        case=case,
        visited_on=dt.date(2026, 11, 20),
        place="home",
        note=NOTE,
    )
    (visit,) = person_visits(person)
    assert "note" in visit.get_deferred_fields()
    assert "others_present" in visit.get_deferred_fields()
