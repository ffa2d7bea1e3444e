"""If-Match under concurrency: the ETag is compared against the row locked in the same
transaction as the save, so of many PATCHes sent with one ETag exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kangfu.api.tests.conftest import bearer, new_token
from kangfu.people.models import Person

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)
WRITERS = 8


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_many_same_etag_patches_win(personas, people):
    token = new_token(personas.worker_a)
    url = f"/api/v1/persons/{people.in_a.public_id}/"
    etag = bearer(token).get(url)["ETag"]
    start = threading.Barrier(WRITERS)
    statuses: list[int] = []
    errors: list[Exception] = []

    def patch(n: int) -> None:
        try:
            client = bearer(token)
            start.wait()
            answer = client.patch(
                url, {"phone": f"1390000{n:04d}"}, format="json", HTTP_IF_MATCH=etag
            )
            statuses.append(answer.status_code)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [200] + [412] * (WRITERS - 1)
    assert Person.objects.get(pk=people.in_a.pk).phone.startswith("1390000")
