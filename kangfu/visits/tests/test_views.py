"""The visit pages: the case section and form, the visit page (the note only for front-line
staff, an audited read), the follow-up tasks on the today page, 404 elsewhere."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_user, register, sign_in
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.schedule.models import Appointment
from kangfu.visits.models import FollowUp, Visit
from kangfu.visits.tests.conftest import D, record, under_measure

pytestmark = pytest.mark.django_db

NOTE = "谈到找工作的困难，情绪稳定"


def _purpose(client, person, purpose="supervision"):
    url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
    assert client.post(url, {"purpose": purpose, "note": "核查走访记录"}).status_code == 302
    return client


def _page(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.content.decode()[:1500]
    return response.content.decode()


def test_the_case_page_lists_visits_and_offers_the_form(client, cases_ab, personas):
    record(personas.worker_a, cases_ab.a, note=NOTE)
    html = _page(sign_in(client, personas.worker_a), "cases:case-detail", cases_ab.a.public_id)
    assert 'id="visits"' in html and "2026-11-24" in html and 'id="record-visit"' in html
    assert NOTE not in html  # lists never carry the note


def test_the_caseworker_records_a_visit_with_a_follow_up_through_the_form(
    client, cases_ab, personas
):
    sign_in(client, personas.worker_a)
    url = reverse("visits:visit-create", args=[cases_ab.a.public_id])
    assert "staff" in _page(client, "visits:visit-create", cases_ab.a.public_id)
    response = client.post(
        url,
        {
            "visited_on": "2026-11-24",
            "place": "home",
            "staff": [personas.worker_a.pk],
            "others_present": "母亲",
            "note": NOTE,
            "follow_up_task": "联系就业培训中心",
            "follow_up_due": "2026-11-27",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert response["Location"] == reverse("visits:visit-detail", args=[visit.public_id])
    assert visit.appointment.on == D(2026, 11, 5)
    assert visit.follow_ups.get().task == "联系就业培训中心"


def test_a_bad_form_names_the_field_and_writes_nothing(client, cases_ab, personas):
    sign_in(client, personas.worker_a)
    url = reverse("visits:visit-create", args=[cases_ab.a.public_id])
    for data, field in (
        ({"visited_on": "2026-12-01", "place": "home"}, "visited_on"),
        ({"visited_on": "2020-01-01", "place": "home"}, "visited_on"),
        ({"visited_on": "2026-11-24", "place": "moon"}, "place"),
        ({"visited_on": "2026-11-24", "place": "home", "follow_up_task": "回访"}, "follow_up_due"),
        ({"visited_on": "2026-11-24", "place": "home", "note": "长" * 5000}, "note"),
        ({"visited_on": "2026-11-24", "place": "home", "staff": [personas.worker_b.pk]}, "staff"),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, (data, response.status_code)
        assert f'id="id_{field}_error"' in response.content.decode() or (
            field in ("place", "staff") and 'class="error"' in response.content.decode()
        ), field
    assert not Visit.objects.exists()


def test_the_note_is_shown_to_front_line_staff_as_an_audited_read(client, cases_ab, personas):
    visit = record(personas.worker_a, cases_ab.a, note=NOTE, others_present="母亲")
    for user in (personas.worker_a, personas.officer_a):
        _purpose(sign_in(client, user), cases_ab.a.person)
        html = _page(client, "visits:visit-detail", visit.public_id)
        assert NOTE in html and "母亲" in html
        event = AuditEvent.objects.latest("seq")
        assert event.action == "read" and "visit.note" in event.fields
        assert event.actor == user


def test_a_supervisor_sees_the_visit_but_never_the_note(client, cases_ab, personas):
    visit = record(
        personas.worker_a, cases_ab.a, note=NOTE, follow_ups=[("回访家属", D(2026, 11, 30))]
    )
    _purpose(sign_in(client, personas.supervisor), cases_ab.a.person)
    html = _page(client, "visits:visit-detail", visit.public_id)
    assert "2026-11-24" in html and 'id="note-hidden"' in html
    assert NOTE not in html and "回访家属" not in html
    event = AuditEvent.objects.latest("seq")
    assert "visit.note" not in event.fields


def test_a_partner_and_another_township_get_404(client, cases_ab, personas):
    visit = record(personas.worker_a, cases_ab.a, note=NOTE)
    for user in (personas.civil, personas.worker_b):
        sign_in(client, user)
        for name, key in (
            ("visits:visit-detail", visit.public_id),
            ("visits:visit-withdraw", visit.public_id),
            ("visits:follow-up-add", visit.public_id),
            ("visits:case", cases_ab.a.public_id),
            ("visits:visit-create", cases_ab.a.public_id),
        ):
            response = client.get(reverse(name, args=[key]))
            assert response.status_code in (403, 404), (user, name)
            assert NOTE not in response.content.decode()


def test_a_follow_up_stands_on_the_today_page_until_marked_done(client, cases_ab, personas):
    visit = record(
        personas.worker_a,
        cases_ab.a,
        follow_ups=[("联系就业培训中心", D(2026, 11, 27)), ("下月回访", D(2026, 12, 20))],
    )
    sign_in(client, personas.worker_a)
    html = _page(client, "schedule:today")
    assert 'id="today-follow-ups"' in html and "联系就业培训中心" in html
    assert "下月回访" not in html  # due more than a week ahead
    task = FollowUp.objects.get(task__isnull=False, due_on=D(2026, 11, 27))
    response = client.post(
        reverse("visits:follow-up-done", args=[task.pk]) + "?next=/schedule/today/"
    )
    assert response.status_code == 302 and response["Location"] == "/schedule/today/"
    assert "联系就业培训中心" not in _page(client, "schedule:today")
    # The whole list shows every open one.
    assert "下月回访" in _page(client, "visits:follow-ups")
    assert visit.follow_ups.filter(done_on=None).count() == 1


def test_the_today_page_of_a_supervisor_shows_no_follow_up(client, cases_ab, personas):
    record(personas.worker_a, cases_ab.a, follow_ups=[("联系就业培训中心", D(2026, 11, 27))])
    html = _page(sign_in(client, personas.supervisor), "schedule:today")
    assert "联系就业培训中心" not in html
    html = _page(client, "schedule:today", township=cases_ab.a.township_id)
    assert "联系就业培训中心" not in html


def test_the_officer_sees_the_township_follow_ups_in_the_drill_down(client, cases_ab, personas):
    record(personas.worker_a, cases_ab.a, follow_ups=[("联系就业培训中心", D(2026, 11, 27))])
    html = _page(
        sign_in(client, personas.officer_a), "schedule:today", township=cases_ab.a.township_id
    )
    assert "联系就业培训中心" in html


def test_withdrawing_through_the_page_plans_the_visit_again(client, cases_ab, personas):
    visit = record(personas.worker_a, cases_ab.a)
    sign_in(client, personas.worker_a)
    url = reverse("visits:visit-withdraw", args=[visit.public_id])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "记错了对象"}).status_code == 302
    visit.refresh_from_db()
    assert visit.withdrawn_on is not None
    assert (
        Appointment.objects.get(case=cases_ab.a, kind="visit", on=D(2026, 11, 5)).state == "planned"
    )
    assert "记错了对象" in _page(client, "visits:visit-detail", visit.public_id)


@pytest.mark.parametrize("size", [3, 30])
def test_the_lists_run_a_constant_number_of_queries(
    client, cases_ab, personas, tree, django_assert_max_num_queries, size
):
    case = cases_ab.a
    day = D(2026, 3, 5)
    import datetime as dt

    for i in range(size):
        record(
            personas.worker_a,
            case,
            on=day + dt.timedelta(days=i),
            staff=[personas.worker_a, personas.officer_a],
            follow_ups=[(f"任务{i}", D(2026, 11, 28))],
        )
    sign_in(client, personas.worker_a)
    with django_assert_max_num_queries(40):
        _page(client, "cases:case-detail", case.public_id)
    with django_assert_max_num_queries(20):
        _page(client, "visits:case", case.public_id)
    with django_assert_max_num_queries(45):
        _page(client, "schedule:today")
    with django_assert_max_num_queries(20):
        _page(client, "visits:follow-ups")


def test_the_follow_up_list_drill_down_refuses_another_township(client, cases_ab, personas, tree):
    sign_in(client, personas.officer_a)
    assert client.get(reverse("visits:follow-ups"), {"township": tree.c.pk}).status_code == 404
    assert client.get(reverse("visits:follow-ups"), {"township": tree.a.pk}).status_code == 200
    other = make_user("worker_c", Role.CASEWORKER, tree.c)
    person = register(other, tree.c, name="赵敏", sex="F")
    case_c = under_measure(other, person)
    visit = record(other, case_c)
    task = visit.follow_ups.create(case=case_c, task="x", due_on=D(2026, 11, 30))
    assert client.post(reverse("visits:follow-up-done", args=[task.pk])).status_code == 404
