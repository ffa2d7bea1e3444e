"""``core.batch.KeyCheck``: the deferred foreign-key checks run early, in a thread."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from kangfu.core.batch import KeyCheck

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def _dangling_token() -> None:
    """A name token of a person who does not exist: refused by its foreign key, which
    Django declares deferred (so not when the row is written)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_personnametoken (person_id, digest) VALUES (%s, %s)",
            [2_000_000_000, "x" * 16],
        )


def test_the_run_finds_a_dangling_key_before_the_commit():
    with pytest.raises(IntegrityError), transaction.atomic():
        _dangling_token()
        keys = KeyCheck()
        keys.start()
        keys.wait()


def test_the_keys_are_deferred_again_after_a_run():
    with transaction.atomic():
        keys = KeyCheck()
        keys.start()
        keys.wait()
        with transaction.atomic():
            _dangling_token()  # not refused here: the key is deferred once more
            with pytest.raises(IntegrityError), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)


def test_leaving_on_an_error_keeps_the_callers_error():
    with pytest.raises(LookupError), transaction.atomic(), KeyCheck() as keys:
        _dangling_token()
        keys.start()
        raise LookupError("the caller's")


def test_a_rolled_back_run_is_not_checked():
    with transaction.atomic():
        keys = KeyCheck(enabled=False)
        _dangling_token()
        keys.start()
        keys.wait()  # nothing ran: the run rolls back, so nothing dangling can commit
        transaction.set_rollback(True)
