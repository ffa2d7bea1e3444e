"""``core.db.prepared`` with the lookups of access: prepared on PostgreSQL, and only inside it."""

from __future__ import annotations

import pytest
from django.db import connection

from kangfu.access.audit import audit_record, verify_chain
from kangfu.access.choices import AuditAction
from kangfu.access.models import User
from kangfu.core.db import prepared

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def _prepared_statements_on(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f'%FROM "{table}"%'],
        )
        return cursor.fetchone()[0]


def _look_up_users(times: int) -> list[str]:
    users = list(User.objects.order_by("pk")[:2])
    return [User.objects.get(pk=users[i % 2].pk).username for i in range(times)]


@pytest.fixture
def two_users(db):
    User.objects.create_user(username="lookup_a", password="x" * 12)
    User.objects.create_user(username="lookup_b", password="x" * 12)


def test_a_lookup_run_often_inside_is_prepared_and_answers_the_same(two_users):
    outside = _look_up_users(8)
    assert _prepared_statements_on("access_user") == 0  # Django binds on the client
    with prepared():
        inside = _look_up_users(8)
    assert inside == outside == ["lookup_a", "lookup_b"] * 4
    assert _prepared_statements_on("access_user") == 1  # one text for every user's id


def test_nothing_is_prepared_when_switched_off(two_users, monkeypatch):
    monkeypatch.delitem(connection.settings_dict["OPTIONS"], "prepare_threshold")
    with prepared():
        _look_up_users(8)
    assert _prepared_statements_on("access_user") == 0


def test_the_audit_append_sends_its_two_commands_inside_prepared_too(two_users):
    actor = User.objects.get(username="lookup_a")
    with prepared():
        for _ in range(7):
            audit_record(ctx=actor, action=AuditAction.READ, obj=actor)
    assert verify_chain().ok


def test_django_binds_on_the_client_again_after_the_block_even_when_it_failed(two_users):
    with pytest.raises(LookupError), prepared():
        _look_up_users(1)
        raise LookupError("the block fails")
    with connection.cursor() as cursor:  # server-side binding would refuse two commands
        cursor.execute("SELECT 1; SELECT 2")
        cursor.nextset()
        assert cursor.fetchone() == (2,)
