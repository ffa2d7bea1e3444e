"""One filter code for the lists, their Excel exports and the API (issue 17 item 2, issue 16
item 2): the export of a filtered list holds exactly the rows the page lists, in its order;
the API takes the same filters and answers the same rows; a value the list does not offer
is refused naming the field; the API list runs a constant number of queries."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook

from conftest import register, sign_in
from kangfu.access.models import AuditEvent
from kangfu.api.tests.conftest import bearer, new_token
from tests.flows.test_caseload_columns import NAMES, NOW, _active, caseload  # noqa: F401

pytestmark = pytest.mark.django_db


def filters(caseload, tree) -> list[dict]:  # noqa: F811
    return [
        {},
        {"overdue": "on"},
        {"category": "medium"},
        {"measure": "community_recovery"},
        {"measure_state": "active"},
        {"measure_state": "suspended"},
        {"caseworker": caseload["second"].pk},
        {"township": tree.b.pk},
        {"overdue": "on", "sort": "-overdue"},
        {"sort": "-next_due"},
        {"sort": "category"},
    ]


def page_rows(client, url, params) -> list[str]:
    body = client.get(url, params).content.decode()
    return [name for _, name in sorted((body.find(n), n) for n in NAMES if n in body)]


def export_rows(client, url, params) -> list[str]:
    response = client.post(url, {"purpose": "supervision", **params})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), response
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [row[0] for row in rows[2:]]  # a header line, the column headings, then persons


LISTS = [
    ("/cases/", "/exports/caseload/", {"mine": "0"}),
    ("/people/", "/exports/people/", {}),
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("page", "export", "base"), LISTS)
def test_the_export_of_a_filtered_list_holds_the_pages_rows(
    client,
    personas,
    caseload,  # noqa: F811
    tree,
    page,
    export,
    base,
):
    sign_in(client, personas.supervisor)
    for params in filters(caseload, tree):
        params = {**base, **params}
        assert export_rows(client, export, params) == page_rows(client, page, params), params
    # Each exported person got an export event, no one else.
    assert AuditEvent.objects.filter(action="export").exists()


@time_machine.travel(NOW, tick=False)
def test_the_caseload_export_shows_the_pages_columns(client, personas, caseload):  # noqa: F811
    sign_in(client, personas.supervisor)
    response = client.post("/exports/caseload/", {"purpose": "supervision", "mine": "0"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, late = rows[1], next(r for r in rows if r[0] == "钱一")
    assert late[header.index("逾期天数")] > 0 and late[header.index("下一项到期")]
    fresh = next(r for r in rows if r[0] == "孙二")
    assert fresh[header.index("风险等级")] == "中风险"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("page", "export", "base"), LISTS)
def test_an_export_refuses_a_filter_the_list_does_not_offer(
    client,
    personas,
    caseload,  # noqa: F811
    page,
    export,
    base,
):
    sign_in(client, personas.supervisor)
    response = client.post(export, {"purpose": "supervision", **base, "category": "purple"})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="export-error"' in body
    assert "等级：" in body or "Category: " in body
    assert not AuditEvent.objects.filter(action="export").exists()


def api_names(client, path, params) -> set[str]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    return {r.get("name") or r.get("person_name") for r in results}


def api_params(params: dict, caseload, tree) -> dict:  # noqa: F811
    """The page's filters as the API names them: a township by its code, a caseworker by
    user name; sorting is a page feature (the API pages by cursor)."""
    out = {k: v for k, v in params.items() if k != "sort"}
    if "township" in out:
        out["township"] = tree.b.code
    if "caseworker" in out:
        out["caseworker"] = caseload["second"].username
    if out.get("overdue"):
        out["overdue"] = "true"
    return out


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("page", "api", "base"),
    [("/cases/", "/api/v1/cases/", {"mine": "0"}), ("/people/", "/api/v1/persons/", {})],
)
def test_the_api_takes_the_pages_filters_and_lists_its_rows(
    client,
    personas,
    caseload,  # noqa: F811
    tree,
    page,
    api,
    base,
):
    sign_in(client, personas.supervisor)
    token = bearer(new_token(personas.supervisor))
    for params in filters(caseload, tree):
        expected = set(page_rows(client, page, {**base, **params}))
        assert api_names(token, api, api_params(params, caseload, tree)) == expected, params


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("api", ["/api/v1/cases/", "/api/v1/persons/"])
def test_the_api_names_the_field_of_a_bad_filter(personas, caseload, api):  # noqa: F811
    token = bearer(new_token(personas.supervisor))
    for params, field in (
        ({"category": "purple"}, "category"),
        ({"measure_state": "ended"}, "measure_state"),
        ({"township": "999999999"}, "township"),
        ({"caseworker": "nobody"}, "caseworker"),
    ):
        response = token.get(api, params)
        assert response.status_code == 400, (params, response.content)
        assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize("extra", [0, 8])
@pytest.mark.parametrize("api", ["/api/v1/cases/", "/api/v1/persons/"])
def test_the_filtered_api_lists_run_a_constant_number_of_queries(
    personas, tree, extra, api, django_assert_max_num_queries
):
    for n in range(extra):
        _active(
            personas.worker_a,
            register(personas.worker_a, tree.a, name=f"批量{n}"),
            reported="2024-03-01",
        )
    token = bearer(new_token(personas.supervisor))
    params = {
        "measure_state": "active",
        "overdue": "true",
        "township": tree.a.code,
        "caseworker": personas.worker_a.username,
    }
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(20):
            response = token.get(api, params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == extra


def test_a_keys_first_page_holds_the_rows_of_a_plain_page(personas, tree):
    from django.core.paginator import Paginator

    from kangfu.core.paging import KeysFirstPaginator
    from kangfu.people.selectors import PersonSearch, person_list

    for n in range(7):
        register(personas.worker_a, tree.a, name=f"翻页{n}")
    for sort in ("", "-registered", "birth", "-overdue"):
        qs = person_list(user=personas.supervisor, search=PersonSearch(sort=sort))
        pages = Paginator(qs, 3, orphans=1)
        assert pages.num_pages == 2  # 7 persons: 3, then 4 (an orphan joins the last page)
        for number in pages.page_range:
            plain = pages.page(number)
            keyed = KeysFirstPaginator(qs, 3, orphans=1).page(number)
            assert [p.pk for p in keyed] == [p.pk for p in plain], (sort, number)


EXPORTS = [("/exports/caseload/", {"mine": "0"}), ("/exports/people/", {})]


@pytest.mark.parametrize(("export", "base"), EXPORTS)
def test_an_export_reads_its_rows_in_a_constant_number_of_queries(
    client, personas, tree, export, base
):
    """Only the audit trail grows with the rows: one event per exported person (the audit
    chain's own statements and savepoints); the reads of the list and the file do not."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, personas.supervisor)
    reads, persons = [], 0
    for size in (1, 6):
        while persons < size:
            late = register(personas.worker_a, tree.a, name=f"导出{persons}")
            _active(personas.worker_a, late, reported="2024-03-01")
            persons += 1
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as q:
            response = client.post(export, {"purpose": "supervision", "overdue": "on", **base})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        reads.append(
            sum(
                x["sql"].startswith("SELECT") and "access_auditevent" not in x["sql"]
                for x in q.captured_queries
            )
        )
    assert reads[0] == reads[1], reads
