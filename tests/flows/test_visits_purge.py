"""When a sealed case's identity data is purged at the end of retention, the free text of its
visits goes with it (cases announces IdentityPurged; the visits app reacts)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import make_user
from kangfu.access.choices import Role
from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import decide, open_case
from kangfu.visits import services as visits
from kangfu.visits.models import FollowUp, Visit

pytestmark = pytest.mark.django_db


def test_purging_a_sealed_case_blanks_its_visit_notes(personas, people, tree):
    records = make_user("records", Role.RECORDS_OFFICER, tree.county)
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case)
        cases.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=dt.date(2024, 3, 5)
        )
        visits.visit_record(
            actor=personas.worker_a,
            case=case,
            visited_on=dt.date(2024, 3, 5),
            place="home",
            others_present="母亲王某",
            note="谈到家庭情况",
            follow_ups=[("回访", dt.date(2024, 3, 12))],
        )
    with time_machine.travel("2027-03-04 10:00 +0800", tick=False):
        cases.measure_end(actor=personas.worker_a, measure=measure)
    case.refresh_from_db()
    with time_machine.travel("2030-03-05 10:00 +0800", tick=False):
        cases.case_seal(actor=personas.worker_a, case=case)
    with time_machine.travel("2035-03-05 10:00 +0800", tick=False):
        cases.case_purge_identity(actor=records, case=case)
    visit = Visit.objects.get()
    assert visit.note == "" and visit.others_present == ""
    assert visit.visited_on == dt.date(2024, 3, 5) and visit.place == "home"
    assert FollowUp.objects.get().task == ""
