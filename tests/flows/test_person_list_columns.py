"""The person list shows measure, state, category, next due and days overdue to case staff,
filters and sorts by them in SQL, and shows none of it to a partner (issue 17, item 2)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from tests.flows.test_caseload_columns import NAMES, NOW, _active, caseload  # noqa: F401

pytestmark = pytest.mark.django_db
LIST = reverse("people:person-list")


def rows(client, **params) -> list[str]:
    body = client.get(LIST, params).content.decode()
    return [name for _, name in sorted((body.find(n), n) for n in NAMES if n in body)]


@time_machine.travel(NOW, tick=False)
def test_it_filters_and_sorts_by_the_case_columns(client, personas, caseload):  # noqa: F811
    sign_in(client, personas.supervisor)
    body = client.get(LIST).content.decode()
    assert 'class="overdue"><span class="flag">' in body and 'data-sort="category"' in body
    assert rows(client, overdue="on") == ["钱一"]
    assert rows(client, category="medium") == ["孙二"]
    assert rows(client, measure="community_recovery") == ["李三"]
    assert rows(client, caseworker=caseload["second"].pk) == ["孙二"]
    assert rows(client, measure_state="suspended") == []
    assert rows(client, sort="-overdue")[0] == "钱一"
    assert rows(client, sort="measure")[0] == "李三"
    for key in (
        "registered",
        "birth",
        "township",
        "caseworker",
        "measure",
        "state",
        "category",
        "next_due",
        "overdue",
    ):
        for sign in ("", "-"):
            assert set(rows(client, sort=f"{sign}{key}")) == set(NAMES)
    bad = client.get(LIST, {"category": "purple"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()


@pytest.mark.parametrize("extra", [0, 8])
def test_it_runs_a_constant_number_of_queries(
    client, personas, tree, extra, django_assert_max_num_queries
):
    for n in range(extra):
        _active(
            personas.worker_a,
            register(personas.worker_a, tree.a, name=f"批量{n}"),
            reported="2024-03-01",
        )
    sign_in(client, personas.supervisor)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(18):
            response = client.get(LIST, {"overdue": "on", "sort": "-overdue"})
    assert response.status_code == 200
