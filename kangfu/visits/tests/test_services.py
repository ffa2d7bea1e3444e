"""The visit services: the rules, the encryption at rest, the schedule fulfilment and the
correction path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from kangfu.access.models import AuditEvent
from kangfu.schedule.models import Appointment, Reminder
from kangfu.visits import services
from kangfu.visits.models import FollowUp, Visit
from kangfu.visits.tests.conftest import D, record

pytestmark = pytest.mark.django_db


def _planned_visit(case, on):
    return Appointment.objects.get(case=case, kind="visit", on=on)


def test_it_records_a_visit_with_staff_others_and_a_follow_up(cases_ab, personas):
    visit = record(
        personas.worker_a,
        cases_ab.a,
        staff=[personas.worker_a, personas.officer_a],
        others_present="母亲",
        follow_ups=[("联系就业培训中心", D(2026, 11, 30))],
    )
    visit.refresh_from_db()
    assert visit.place == "home" and visit.note == "谈到找工作的困难"
    assert set(visit.staff.all()) == {personas.worker_a, personas.officer_a}
    assert visit.others_present == "母亲"
    (task,) = visit.follow_ups.all()
    assert task.task == "联系就业培训中心" and task.due_on == D(2026, 11, 30) and task.is_open
    event = AuditEvent.objects.latest("seq")
    assert event.action == "create" and "visit.note" in event.fields


def test_it_keeps_the_note_others_and_tasks_encrypted_at_rest(cases_ab, personas):
    visit = record(
        personas.worker_a,
        cases_ab.a,
        note="他说最近睡不好",
        others_present="妻子李某",
        follow_ups=[("转介心理咨询", D(2026, 12, 1))],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT note, others_present FROM visits_visit WHERE id = %s", [visit.pk])
        note, others = cursor.fetchone()
        cursor.execute("SELECT task FROM visits_followup WHERE visit_id = %s", [visit.pk])
        (task,) = cursor.fetchone()
    for stored, clear in ((note, "他说最近睡不好"), (others, "妻子李某"), (task, "转介心理咨询")):
        assert stored and clear not in stored and "睡" not in stored
    assert Visit.objects.get(pk=visit.pk).note == "他说最近睡不好"


@pytest.mark.parametrize(
    ("on", "field"),
    [
        (D(2026, 11, 25), "visited_on"),  # tomorrow
        (D(2026, 2, 26), "visited_on"),  # before the decision (2026-02-27)
        (D(1900, 1, 1), "visited_on"),
    ],
)
def test_it_refuses_a_date_in_the_future_or_before_the_measure(cases_ab, personas, on, field):
    with pytest.raises(ValidationError) as exc:
        record(personas.worker_a, cases_ab.a, on=on)
    assert field in exc.value.message_dict
    assert not Visit.objects.exists()


def test_it_accepts_the_day_of_the_decision_before_the_report(cases_ab, personas):
    # A visit to urge the person to report comes after the decision, before the measure starts.
    assert record(personas.worker_a, cases_ab.a, on=D(2026, 2, 27)).visited_on == D(2026, 2, 27)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"place": "cafe"}, "place"),
        ({"note": "长" * 4001}, "note"),
        ({"note": "a\x00b"}, "note"),
        ({"others_present": "长" * 301}, "others_present"),
        ({"follow_ups": [("", D(2026, 11, 30))]}, "follow_up_task"),
        ({"follow_ups": [("回访", None)]}, "follow_up_due"),
        ({"follow_ups": [("回访", D(2026, 11, 23))]}, "follow_up_due"),
        ({"follow_ups": [("回访", D(2028, 1, 1))]}, "follow_up_due"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(
    cases_ab, personas, kwargs, field
):
    with pytest.raises(ValidationError) as exc:
        record(personas.worker_a, cases_ab.a, **kwargs)
    assert field in exc.value.message_dict
    assert not Visit.objects.exists() and not FollowUp.objects.exists()
    assert Appointment.objects.filter(case=cases_ab.a, state="done").count() == 0


def test_it_refuses_staff_of_another_township(cases_ab, personas):
    with pytest.raises(ValidationError) as exc:
        record(personas.worker_a, cases_ab.a, staff=[personas.worker_b])
    assert "staff" in exc.value.message_dict


def test_only_front_line_staff_of_the_case_may_record(cases_ab, personas):
    with pytest.raises(Http404):
        record(personas.worker_b, cases_ab.a)
    with pytest.raises(PermissionDenied):
        record(personas.supervisor, cases_ab.a)
    with pytest.raises(Http404):
        record(personas.civil, cases_ab.a)
    assert record(personas.officer_a, cases_ab.a).recorded_by == personas.officer_a


def test_a_double_submit_is_refused_and_fulfils_no_second_plan(cases_ab, personas):
    record(personas.worker_a, cases_ab.a)
    with pytest.raises(ValidationError) as exc:
        record(personas.worker_a, cases_ab.a)
    assert "visited_on" in exc.value.message_dict
    assert Visit.objects.count() == 1
    assert Appointment.objects.filter(case=cases_ab.a, kind="visit", state="done").count() == 1


def test_recording_a_visit_fulfils_the_overdue_planned_visit_and_clears_its_reminder(
    cases_ab, personas
):
    from kangfu.schedule import reminders

    case = cases_ab.a
    planned = _planned_visit(case, D(2026, 11, 5))
    reminders.refresh_cases([case.pk])
    assert Reminder.objects.filter(case=case, kind="overdue", ref=planned.pk).exists()
    visit = record(personas.worker_a, case)
    planned.refresh_from_db()
    assert visit.appointment == planned
    assert planned.state == "done" and planned.done_on == D(2026, 11, 24)
    assert not Reminder.objects.filter(case=case, ref=planned.pk, kind="overdue").exists()
    # The next one (2027-01-05) is not touched.
    assert _planned_visit(case, D(2027, 1, 5)).state == "planned"


def test_the_matching_rule_takes_the_earliest_within_the_window(cases_ab, personas):
    case = cases_ab.a
    # 2026-09-20: the 09-05 visit lies 15 days before (within 30), so it is the one.
    visit = record(personas.worker_a, case, on=D(2026, 9, 20))
    assert visit.appointment == _planned_visit(case, D(2026, 9, 5))
    # 2026-10-22: 15 days before the 11-05 visit (the 09-05 one is done): early is fine.
    visit = record(personas.worker_a, case, on=D(2026, 10, 22), place="phone")
    assert visit.appointment == _planned_visit(case, D(2026, 11, 5))
    # 2026-07-20: more than 30 days after 05-05 and 15 days after 07-05 → 07-05.
    assert record(personas.worker_a, case, on=D(2026, 7, 20)).appointment.on == D(2026, 7, 5)
    # 2026-06-10: 05-05 is 36 days back, 07-05 is 25 days ahead: nothing planned matches.
    assert record(personas.worker_a, case, on=D(2026, 6, 10)).appointment is None
    assert _planned_visit(case, D(2026, 5, 5)).state == "planned"


def test_withdrawing_keeps_the_visit_and_plans_the_visit_again(cases_ab, personas):
    case = cases_ab.a
    visit = record(personas.worker_a, case, follow_ups=[("回访家属", D(2026, 11, 30))])
    planned = visit.appointment
    with pytest.raises(ValidationError) as exc:
        services.visit_withdraw(actor=personas.worker_a, visit=visit, reason="")
    assert "reason" in exc.value.message_dict
    services.visit_withdraw(actor=personas.worker_a, visit=visit, reason="记错了对象")
    visit.refresh_from_db()
    planned.refresh_from_db()
    assert visit.withdrawn_on == D(2026, 11, 24) and visit.withdrawal_reason == "记错了对象"
    assert visit.appointment is None and planned.state == "planned" and planned.done_on is None
    assert Reminder.objects.filter(case=case, ref=planned.pk, kind="overdue").exists()
    with pytest.raises(ValidationError):
        services.visit_withdraw(actor=personas.worker_a, visit=visit, reason="再次")
    # The same day and place may now be recorded again, and fulfils the plan again.
    again = record(personas.worker_a, case)
    assert again.appointment == planned


def test_a_follow_up_is_marked_done_once(cases_ab, personas):
    visit = record(personas.worker_a, cases_ab.a)
    task = services.follow_up_add(
        actor=personas.worker_a, visit=visit, task="送培训报名表", due_on=D(2026, 11, 26)
    )
    done = services.follow_up_done(actor=personas.worker_a, follow_up=task)
    assert done.done_on == D(2026, 11, 24) and done.done_by == personas.worker_a
    with pytest.raises(ValidationError):
        services.follow_up_done(actor=personas.worker_a, follow_up=task)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_done(
            actor=personas.worker_a, follow_up=task, done_on=dt.date(2026, 11, 25)
        )
    assert exc.value.messages
    with pytest.raises(PermissionDenied):
        services.follow_up_done(actor=personas.supervisor, follow_up=task)


def test_a_closed_case_takes_no_visit(cases_ab, personas):
    from kangfu.cases.models import Case

    Case.objects.filter(pk=cases_ab.a.pk).update(state="closed", closed_on=D(2026, 11, 20))
    cases_ab.a.refresh_from_db()
    with pytest.raises(ValidationError):
        record(personas.worker_a, cases_ab.a, on=D(2026, 11, 20))
    assert not Visit.objects.exists()


def test_a_sealed_case_is_read_only(cases_ab, personas):
    from kangfu.cases.models import Case

    Case.objects.filter(pk=cases_ab.a.pk).update(
        state="sealed", closed_on=D(2026, 11, 20), sealed_on=D(2026, 11, 21)
    )
    cases_ab.a.refresh_from_db()
    with pytest.raises((Http404, PermissionDenied)):
        record(personas.worker_a, cases_ab.a, on=D(2026, 11, 20))
