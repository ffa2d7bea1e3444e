"""Prepared statements (kangfu.core.db) on the pages that use them: once a page's statements
are prepared on the connection, it shows what it showed before, and a change at once."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from kangfu.cases import services
from kangfu.cases.tests.conftest import day, decide, open_case
from tests.flows.conftest import row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

VIEWS = 8  # psycopg prepares a statement on its 6th run on a connection


def prepared_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def test_the_today_and_case_pages_answer_the_same_from_prepared_statements(
    client, personas, people
):
    worker = personas.worker_a
    with time_machine.travel("2024-03-04 10:00 +0800", tick=False):
        case = open_case(worker, people.in_a)
        measure = decide(worker, case, received="2024-03-04")  # report due 19 Mar
    with time_machine.travel("2024-03-16 08:00 +0800", tick=False):
        sign_in(client, worker)
        today = [client.get(reverse("schedule:today")) for _ in range(VIEWS)]
        pages = [
            client.get(reverse("cases:case-detail", args=[case.public_id])) for _ in range(VIEWS)
        ]
        assert prepared_count() > 0
        assert {r.status_code for r in today + pages} == {200}
        due = [row(r.content.decode(), "report_due_soon") for r in today]
        assert due[0] and "2024-03-19" in due[0]
        assert set(due) == {due[0]}
        assert pages[-1].content.decode().count(str(case.public_id)) == pages[
            0
        ].content.decode().count(str(case.public_id))
        # A write between two views shows at once: a prepared statement keeps a plan, not rows.
        services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-16"))
        body = client.get(reverse("schedule:today")).content.decode()
    assert row(body, "report_due_soon") == ""
