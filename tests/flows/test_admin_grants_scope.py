"""Moved from kangfu/access/tests/test_admin_backdoor.py:
this flow crosses apps, so it lives above them."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from conftest import PASSWORD, make_user, register, sign_in
from kangfu.access.choices import Level, RequestStatus, Role
from kangfu.access.models import (
    GrantRequest,
    Jurisdiction,
    User,
)
from kangfu.access.services import (
    grant_approve,
    grant_request,
)
from kangfu.access.tests.test_admin_backdoor import NOW, fresh
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def visible_persons(user: User) -> set[str]:
    return set(Person.objects.visible_to(fresh(user)).values_list("public_id", flat=True))


def test_it_gives_an_admin_created_county_a_path_that_scopes_a_supervisor(
    client, admins, personas, tree, people
):
    one, two = admins
    sign_in(client, one)
    response = client.post(
        reverse("admin:access_jurisdiction_add"),
        {"code": "520104", "name": "新区", "level": Level.COUNTY, "parent": tree.city.pk},
    )
    assert response.status_code == 302, response.content.decode()
    county = Jurisdiction.objects.get(code="520104")
    assert county.path == "/100000/520000/520100/520104/"
    client.post(
        reverse("admin:access_jurisdiction_add"),
        {"code": "520104001", "name": "新区街道", "level": Level.TOWNSHIP, "parent": county.pk},
    )
    town = Jurisdiction.objects.get(code="520104001")
    assert town.path == county.path + "520104001/"

    worker = make_user("worker_new", Role.CASEWORKER, town)
    in_new = register(worker, town, name="赵六")
    boss = User.objects.create_user(username="boss_new", password=PASSWORD)
    grant_approve(
        actor=two,
        request=grant_request(actor=one, user=boss, role=Role.SUPERVISOR, jurisdiction=county),
    )
    assert visible_persons(boss) == {in_new.public_id}
    assert people.in_a.public_id not in visible_persons(boss)


def test_it_keeps_a_case_reading_grant_pending_until_a_second_admin_approves(
    client, admins, personas, tree, people
):
    one, two = admins
    sign_in(client, one)
    response = client.post(
        reverse("admin:access_grantrequest_add"),
        {"user": personas.nobody.pk, "role": Role.SUPERVISOR, "jurisdiction": tree.county.pk},
    )
    assert response.status_code == 302
    pending = GrantRequest.objects.get()
    assert pending.status == RequestStatus.PENDING
    assert visible_persons(personas.nobody) == set()

    # The same administrator cannot approve their own request, and is told why.
    refused = client.post(
        reverse("admin:access_grantrequest_changelist"),
        {"action": "approve_grants", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert "提出申请的管理员不能自行批准" in refused.content.decode()
    assert GrantRequest.objects.get().status == RequestStatus.PENDING
    assert visible_persons(personas.nobody) == set()

    sign_in(client, two)
    client.post(
        reverse("admin:access_grantrequest_changelist"),
        {"action": "approve_grants", "_selected_action": [pending.pk]},
    )
    assert GrantRequest.objects.get().status == RequestStatus.APPROVED
    assert visible_persons(personas.nobody) == {people.in_a.public_id, people.in_b.public_id}


def test_it_gives_the_administrator_role_no_person_data(client, personas, people):
    assert visible_persons(personas.admin) == set()
    sign_in(client, personas.admin)
    detail = client.get(reverse("people:person-detail", args=[people.in_a.public_id]))
    assert detail.status_code in (403, 404)
