"""Every schedule page: who sees what (404 across jurisdictions), constant query counts,
and a reminder cleared by acting on it through the page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.cases.tests.conftest import day
from kangfu.schedule import services
from kangfu.schedule.tests.conftest import active_case, planned

pytestmark = pytest.mark.django_db

NOW = "2024-05-02 10:00 +0800"


@pytest.fixture
def positive(personas, case_a):
    case, _ = case_a
    with time_machine.travel(NOW, tick=False):
        return services.test_record(
            actor=personas.worker_a,
            case=case,
            appointment=planned(case, "urine_test")[0],
            taken_on=day("2024-05-01"),
            sample="urine",
            screen_result="positive",
        )


@pytest.fixture
def delegation(personas, case_a, tree):
    case, _ = case_a
    with time_machine.travel(NOW, tick=False):
        return services.delegation_request(
            actor=personas.worker_a,
            case=case,
            to_township=tree.c,
            sample="urine",
            due_by=day("2024-05-10"),
        )


def _urls(case, positive, delegation):
    appointment = planned(case, "visit")[0]
    return [
        reverse("schedule:case", args=[case.public_id]),
        reverse("schedule:case-consent", args=[case.public_id]),
        reverse("schedule:case-delegate", args=[case.public_id]),
        reverse("schedule:appointment-result", args=[planned(case, "urine_test")[0].pk]),
        reverse("schedule:appointment-outcome", args=[appointment.pk]),
        reverse("schedule:test-lab", args=[positive.pk]),
        reverse("schedule:test-retest", args=[positive.pk]),
        reverse("schedule:test-retest-result", args=[positive.pk]),
        reverse("schedule:delegation-detail", args=[delegation.public_id]),
    ]


def test_it_answers_404_to_another_jurisdiction_on_every_page(
    client, personas, case_a, positive, delegation
):
    case, _ = case_a
    with time_machine.travel(NOW, tick=True):
        sign_in(client, personas.worker_b)
        for url in _urls(case, positive, delegation):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url
        sign_in(client, personas.worker_a)
        for url in _urls(case, positive, delegation):
            assert client.get(url).status_code == 200, url


def test_it_lets_the_township_asked_record_a_delegated_test(
    client, personas, case_a, delegation, tree
):
    from conftest import make_user
    from kangfu.access.choices import Role

    worker_c = make_user("worker_c", Role.CASEWORKER, tree.c)
    case, _ = case_a
    url = reverse("schedule:delegation-detail", args=[delegation.public_id])
    with time_machine.travel(NOW, tick=True):
        sign_in(client, worker_c)
        page = client.get(url)
        assert page.status_code == 200 and "张伟" in page.content.decode()
        # The case itself stays out of reach.
        assert client.get(reverse("schedule:case", args=[case.public_id])).status_code == 404
        response = client.post(
            url, {"record": "1", "taken_on": "2024-05-02", "screen_result": "negative"}
        )
        assert response.status_code == 302
    test = case.drug_tests.get()
    assert test.taken_at == tree.c and test.delegation == delegation


def test_it_keeps_the_today_page_to_a_constant_number_of_queries(
    client, personas, tree, django_assert_max_num_queries
):
    sign_in(client, personas.worker_a)
    url = reverse("schedule:today")

    def load():
        with time_machine.travel("2024-05-02 10:00 +0800", tick=True):
            response = client.get(url)
        assert response.status_code == 200
        return response

    people = [register(personas.worker_a, tree.a, name=f"张{i}") for i in range(2)]
    for person in people:
        active_case(personas.worker_a, person, reported="2024-03-01")
    load()  # warm caches (sessions, grants)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        first = load()
    assert first.content.decode().count('class="reminder ') >= 4
    more = [register(personas.worker_a, tree.a, name=f"李{i}") for i in range(12)]
    for person in more:
        active_case(personas.worker_a, person, reported="2024-03-01")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = load()
    # Paginated: the first page, with the total.
    assert page.content.decode().count('class="reminder ') == 25


def test_it_clears_a_reminder_when_the_result_is_recorded_from_the_today_page(
    client, personas, case_a
):
    case, _ = case_a
    sign_in(client, personas.worker_a)
    first = planned(case, "urine_test")[0]
    with time_machine.travel("2024-05-01 10:00 +0800", tick=True):
        page = client.get(reverse("schedule:today")).content.decode()
        link = reverse("schedule:appointment-result", args=[first.pk])
        assert link in page
        response = client.post(
            f"{link}?next=/schedule/today/",
            {"taken_on": "2024-05-01", "sample": "urine", "screen_result": "negative"},
        )
        assert response.status_code == 302 and response["Location"] == "/schedule/today/"
        page = client.get(reverse("schedule:today")).content.decode()
    assert link not in page
    assert not case.reminders.filter(ref=first.pk, kind__in=("due_today", "overdue")).exists()


def test_it_shows_supervisors_counts_per_township_with_drill_down(client, personas, people, case_a):
    active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    from kangfu.schedule import reminders

    reminders.refresh(on=dt.date(2024, 5, 2))
    sign_in(client, personas.supervisor)
    with time_machine.travel(NOW, tick=True):
        page = client.get(reverse("schedule:today")).content.decode()
        assert "城东街道" in page and "城西街道" in page and "张伟" not in page
        case, _ = case_a
        drill = client.get(reverse("schedule:today"), {"township": case.township_id})
        assert "张伟" in drill.content.decode() and "李娜" not in drill.content.decode()
        sign_in(client, personas.worker_b)
        assert (
            client.get(reverse("schedule:today"), {"township": case.township_id}).status_code == 404
        )


def test_it_paginates_the_plan_and_delegations_in_constant_queries(
    client, personas, case_a, django_assert_max_num_queries
):
    case, _ = case_a
    sign_in(client, personas.worker_a)
    with time_machine.travel(NOW, tick=True):
        url = reverse("schedule:case", args=[case.public_id])
        client.get(url)
        with django_assert_max_num_queries(25):
            assert client.get(url, {"page": 2}).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(reverse("schedule:delegation-list")).status_code == 200


def test_it_refuses_partners_and_people_without_a_role(client, personas):
    for user in (personas.civil, personas.nobody):
        sign_in(client, user)
        assert client.get(reverse("schedule:today")).status_code == 403


def test_it_answers_a_double_submitted_result_with_a_message_not_a_500(client, personas, case_a):
    case, _ = case_a
    sign_in(client, personas.worker_a)
    first = planned(case, "urine_test")[0]
    link = reverse("schedule:appointment-result", args=[first.pk])
    form = {"taken_on": "2024-05-01", "sample": "urine", "screen_result": "negative"}
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False):
        assert client.post(link, form).status_code == 302
        again = client.post(link, form)
    assert again.status_code in (200, 400)
    assert "该安排已有结果" in again.content.decode()
    assert case.drug_tests.count() == 1
