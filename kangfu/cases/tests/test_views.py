"""Every case view: works for the township, 404 for another jurisdiction; lists paginate in a
constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import make_user, register, sign_in
from kangfu.access.choices import Role
from kangfu.cases import services
from kangfu.cases.models import Measure
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def setup(personas, people, tree):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    agreement = services.agreement_draw_up(
        actor=personas.worker_a, measure=measure, category="medium"
    )
    leave = services.leave_request_record(
        actor=personas.worker_a,
        case=case,
        submitted_on=day("2024-04-10"),
        leaves_on=day("2024-04-12"),
        returns_on=day("2024-04-20"),
        destination_county="河口县",
        reason="探亲",
    )
    return case, measure, agreement, leave


def _case_urls(case, agreement, leave):
    uid = case.public_id
    names = [
        "case-detail",
        "measure-decision",
        "measure-report",
        "measure-refuse",
        "measure-suspend",
        "measure-resume",
        "measure-terminate",
        "measure-end",
        "agreement-create",
        "leave-create",
        "absence-create",
        "transfer-create",
        "case-close",
        "case-seal",
    ]
    urls = [reverse(f"cases:{n}", kwargs={"public_id": uid}) for n in names]
    urls += [
        reverse("cases:agreement-pdf", kwargs={"public_id": uid, "pk": agreement.pk}),
        reverse("cases:agreement-sign", kwargs={"public_id": uid, "pk": agreement.pk}),
        reverse("cases:leave-decide", kwargs={"public_id": uid, "pk": leave.pk}),
        reverse("cases:finding-report", kwargs={"public_id": uid, "pk": 1}),
        reverse("cases:case-open", kwargs={"person_id": case.person.public_id}),
    ]
    return urls


def test_a_user_of_another_jurisdiction_gets_404_on_every_case_view(client, personas, setup):
    case, _measure, agreement, leave = setup
    sign_in(client, personas.worker_b)
    for url in _case_urls(case, agreement, leave):
        assert client.get(url).status_code == 404, url
        # The PDF is GET only (a 405 whatever the record, so it tells nothing).
        assert client.post(url, {}).status_code == (405 if url.endswith("/pdf/") else 404), url
    sign_in(client, personas.worker_a)
    assert (
        client.get(reverse("cases:case-detail", kwargs={"public_id": case.public_id})).status_code
        == 200
    )


def test_every_form_page_opens_for_the_township(client, personas, setup):
    case, _measure, agreement, leave = setup
    sign_in(client, personas.worker_a)
    for url in _case_urls(case, agreement, leave)[:-2]:
        if "/findings/" in url:
            continue
        assert client.get(url).status_code == 200, url


def test_a_partner_or_administrator_is_refused(client, personas, setup):
    case, *_ = setup
    url = reverse("cases:case-detail", kwargs={"public_id": case.public_id})
    for user in (personas.civil, personas.admin):
        sign_in(client, user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("cases:caseload")).status_code == 403


def test_the_case_page_shows_the_timeline_and_the_overlapping_tests(client, personas, setup):
    case, *_ = setup
    sign_in(client, personas.worker_a)
    body = client.get(reverse("cases:case-detail", kwargs={"public_id": case.public_id})).content
    text = body.decode()
    assert "张伟" in text and 'id="timeline"' in text
    assert text.count("<time ") == case.events.count() == 5


def test_a_form_error_names_its_field_and_an_htmx_post_gets_the_partial(client, personas, setup):
    case, *_ = setup
    sign_in(client, personas.worker_a)
    url = reverse("cases:leave-create", kwargs={"public_id": case.public_id})
    data = {
        "submitted_on": "2024-04-10",
        # After the setup's leave (12–20 April): overlapping leave reports are refused.
        "leaves_on": "2024-04-21",
        "returns_on": "2024-04-24",
        "destination_county": "中华路12号",
        "reason": "探亲",
    }
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert 'id="id_destination_county_error"' in text
    data["destination_county"] = "红花岗区"
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"].endswith(f"/cases/{case.public_id}/")


def test_the_transfer_record_is_404_for_a_third_township(client, personas, setup, tree):
    case, *_ = setup
    transfer = services.transfer_propose(
        actor=personas.worker_a, case=case, to_township=tree.b, reason="residence"
    )
    url = reverse("cases:transfer-detail", kwargs={"public_id": transfer.public_id})
    worker_c = make_user("worker_c", Role.CASEWORKER, tree.c)
    sign_in(client, worker_c)
    assert client.get(url).status_code == 404
    sign_in(client, personas.worker_b)
    page = client.get(url)
    assert page.status_code == 200 and "张伟" in page.content.decode()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    sign_in(client, personas.worker_a)
    assert (
        client.get(reverse("cases:case-detail", kwargs={"public_id": case.public_id})).status_code
        == 404
    )


def test_sealed_records_are_404_for_a_records_officer_of_another_county(client, tree):
    other = make_user("records_c", Role.RECORDS_OFFICER, tree.county_c)
    sign_in(client, other)
    assert client.get(reverse("cases:sealed-list")).status_code == 200
    import uuid

    assert (
        client.get(reverse("cases:sealed-detail", kwargs={"public_id": uuid.uuid4()})).status_code
        == 404
    )


def _many_cases(worker, township, n):
    for i in range(n):
        person = register(worker, township, name=f"测试{i:02d}", birth=dt.date(1980, 1, 1 + i % 27))
        case = open_case(worker, person)
        measure = decide(worker, case, received="2024-03-01", number=f"N{i}")
        if i % 2:
            services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-05"))


def test_the_caseload_is_paginated_in_a_constant_number_of_queries(
    client, personas, tree, django_assert_max_num_queries
):
    _many_cases(personas.worker_a, tree.a, 3)
    sign_in(client, personas.worker_a)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("cases:caseload")).status_code == 200
    _many_cases(personas.worker_a, tree.a, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("cases:caseload"))
    assert response.status_code == 200
    assert response.content.decode().count("/cases/") >= 25
    assert Measure.objects.count() == 33
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("cases:caseload") + "?page=2").status_code == 200


def test_the_transfer_list_is_paginated_in_a_constant_number_of_queries(
    client, personas, tree, django_assert_max_num_queries
):
    _many_cases(personas.worker_a, tree.a, 2)
    from kangfu.cases.models import Case

    for case in Case.objects.all():
        services.transfer_propose(
            actor=personas.worker_a, case=case, to_township=tree.b, reason="hukou"
        )
    sign_in(client, personas.worker_a)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("cases:transfer-list"))
    _many_cases(personas.worker_a, tree.a, 10)
    for case in Case.objects.exclude(transfers__isnull=False):
        services.transfer_propose(
            actor=personas.worker_a, case=case, to_township=tree.b, reason="hukou"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("cases:transfer-list")).status_code == 200
