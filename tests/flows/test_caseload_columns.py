"""The caseload answers questions: measure, state, category, next due item and days overdue,
each a filter and a sort done by the database (cases + schedule + risk, hence a flow test)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext as _

from conftest import make_user, register, sign_in
from kangfu.access.choices import Role
from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.risk.tests.conftest import approved

pytestmark = pytest.mark.django_db

NOW = "2024-06-30 10:00 +0800"
LIST = "/cases/"


def _active(worker, person, *, reported: str, **measure):
    start = day(reported)
    with time_machine.travel(dt.datetime.combine(start, dt.time(9)), tick=False):
        case = open_case(worker, person, opened_on=start - dt.timedelta(days=3))
        m = decide(worker, case, received=(start - dt.timedelta(days=2)).isoformat(), **measure)
        cases.measure_report(actor=worker, measure=m, reported_on=start)
    return case


@pytest.fixture
def caseload(personas, tree):
    second = make_user("worker_a2", Role.CASEWORKER, tree.a, display_name="赵社工")
    late = register(personas.worker_a, tree.a, name="钱一")  # planned tests left undone
    fresh = register(second, tree.a, name="孙二")  # reported two days ago: nothing overdue
    recovery = register(personas.worker_b, tree.b, name="李三")
    late_case = _active(personas.worker_a, late, reported="2024-03-01")
    fresh_case = _active(second, fresh, reported="2024-06-28")
    recovery_case = _active(
        personas.worker_b,
        recovery,
        reported="2024-05-01",
        kind="community_recovery",
        term_months=36,
    )
    with time_machine.travel("2024-06-29 10:00 +0800", tick=False):
        approved(second, personas.officer_a, fresh)  # medium (M1)
    return dict(late=late_case, fresh=fresh_case, recovery=recovery_case, second=second)


def rows(client, **params) -> list[str]:
    """The names on the page, in order (the page decrypts them; the test reads the page)."""
    body = client.get(LIST, {"mine": "0", **params}).content.decode()
    return [name for _, name in sorted((body.find(n), n) for n in NAMES if n in body)]


NAMES = ("钱一", "孙二", "李三")


@time_machine.travel(NOW, tick=False)
def test_it_shows_category_next_due_and_days_overdue(client, personas, caseload):
    sign_in(client, personas.supervisor)
    body = client.get(LIST, {"mine": "0"}).content.decode()
    assert "中风险" in body or "Medium risk" in body
    assert 'class="overdue"><span class="flag">' in body
    assert "cannot be sorted by name" in body or "不能按姓名排序" in body


@time_machine.travel(NOW, tick=False)
def test_it_filters_by_each_column(client, personas, caseload, tree):
    sign_in(client, personas.supervisor)
    assert rows(client, overdue="on") == ["钱一"]
    assert rows(client, category="medium") == ["孙二"]
    assert rows(client, measure="community_recovery") == ["李三"]
    assert set(rows(client, measure_state="active")) == set(NAMES)
    assert rows(client, measure_state="suspended") == []
    assert rows(client, caseworker=caseload["second"].pk) == ["孙二"]
    assert rows(client, township=tree.b.pk) == ["李三"]
    # A caseworker's own list by default; township A's caseworker never sees B's case.
    sign_in(client, personas.worker_a)
    assert rows(client, mine="1") == ["钱一"]
    assert "李三" not in "".join(rows(client))


@time_machine.travel(NOW, tick=False)
def test_it_sorts_by_every_sortable_column(client, personas, caseload):
    sign_in(client, personas.supervisor)
    assert rows(client, sort="-overdue")[0] == "钱一"
    assert rows(client, sort="category")[0] == "孙二"  # the only one with a category
    # 社区康复 (community_recovery) sorts before 社区戒毒 (community_treatment), by value.
    assert rows(client, sort="measure")[0] == "李三"
    assert rows(client, sort="township")[-1] == "李三"  # 城东街道 before 城西街道
    for key in ("measure", "state", "category", "next_due", "overdue", "township", "caseworker"):
        for sign in ("", "-"):
            response = client.get(LIST, {"mine": "0", "sort": f"{sign}{key}"})
            assert response.status_code == 200 and set(rows(client, sort=f"{sign}{key}")) == set(
                NAMES
            )


@time_machine.travel(NOW, tick=False)
def test_it_names_the_field_of_a_bad_filter(client, personas, caseload):
    sign_in(client, personas.supervisor)
    response = client.get(LIST, {"mine": "0", "category": "purple", "sort": "name"})
    assert response.status_code == 200
    body = response.content.decode()
    alert = body[body.index('id="filter-errors"') :]
    with translation.override(response["Content-Language"]):
        assert alert.index(str(_("Category"))) < alert.index("purple")
        assert str(_("Sort by")) in alert


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
        with django_assert_max_num_queries(24):
            response = client.get(LIST, {"mine": "0", "overdue": "on", "sort": "-overdue"})
    assert response.status_code == 200
