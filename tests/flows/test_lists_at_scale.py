"""The caseload and the person list of a county supervisor with 50,000 cases: each page in
its hardest forms (filtered; overdue only, most overdue first) runs the same number of
queries as with three cases, and shows its first page of 25 (issue 17, item 2).

The 50,000 cases are bulk copies of one case made through the services (tests/scale.py);
the lists' due summaries are rebuilt once, as the nightly sweep keeps them. Timings are not
asserted here: bench/lists.py prints them.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.schedule import summary
from tests.flows.test_caseload_columns import NOW
from tests.scale import bulk_caseload

pytestmark = pytest.mark.django_db
ROWS = 50_000
CASELOAD = reverse("cases:caseload")
PEOPLE = reverse("people:person-list")

# The bounds the small-caseload tests assert (test_caseload_columns, test_person_list_columns).
PAGES = [
    (CASELOAD, {"mine": "0"}, 24),
    (CASELOAD, {"mine": "0", "measure_state": "active"}, 24),
    (CASELOAD, {"mine": "0", "overdue": "on", "sort": "-overdue"}, 24),
    (CASELOAD, {"mine": "0", "sort": "next_due"}, 24),
    (PEOPLE, {}, 18),
    (PEOPLE, {"measure_state": "active"}, 18),
    (PEOPLE, {"overdue": "on", "sort": "-overdue"}, 18),
    (PEOPLE, {"sort": "-next_due"}, 18),
]


def test_the_lists_keep_their_query_count_at_50000_cases(
    client, tree, django_assert_max_num_queries
):
    supervisor, _worker = bulk_caseload(ROWS, tree.a, appointments=3)
    with time_machine.travel(NOW, tick=False):
        summary.refresh()
        sign_in(client, supervisor)
        for url, params, bound in PAGES:
            with django_assert_max_num_queries(bound):
                response = client.get(url, params)
            assert response.status_code == 200, (url, params)
            body = response.content.decode()
            # A first page of 25, and the pager counts all 50,000.
            assert body.count("张伟") >= 25, (url, params)
            assert re.search(r"50[,，]?000", body), (url, params)
