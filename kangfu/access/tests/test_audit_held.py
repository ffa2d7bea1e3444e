"""Appends held to the end of a long transaction (``appends_held``, the ledger import): the
events join the chain in the order they were recorded, under one short lock at the end,
and they leave with whatever part of the transaction is rolled back."""

import pytest
from django.db import connection, transaction

from kangfu.access.audit import (
    AccessContext,
    AuditEntry,
    appends_held,
    audit_record,
    audit_record_many,
    verify_chain,
)
from kangfu.access.choices import AuditAction
from kangfu.access.models import AuditEvent

pytestmark = pytest.mark.django_db
# This connection's own (other test workers may be appending at the same moment).
OWN_ADVISORY_LOCKS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
)


def _ctx(personas):
    return AccessContext(actor=personas.worker_a, client_address="10.0.0.7")


def _one(ctx, person, field):
    audit_record(ctx=ctx, action=AuditAction.UPDATE, obj=person, fields=(field,))


def _logged_fields(after: int) -> list[list[str]]:
    return [e.fields for e in AuditEvent.objects.filter(seq__gt=after).order_by("seq")]


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_held_events_join_the_chain_at_the_end_in_the_order_they_were_recorded(personas, people):
    ctx = _ctx(personas)
    _one(ctx, people.in_a, "before")
    start = _head()
    with transaction.atomic():
        with appends_held():
            _one(ctx, people.in_a, "first")
            audit_record_many(
                ctx=ctx,
                entries=[
                    AuditEntry(AuditAction.CREATE, people.in_a, ("second",)),
                    AuditEntry(AuditAction.READ, people.in_a, ("third",), outside_caseload=True),
                ],
            )
            _one(ctx, people.in_a, "fourth")
            # Nothing is in the log (nor locked) until the block ends.
            assert _head() == start
    assert _logged_fields(start) == [["first"], ["second"], ["third"], ["fourth"]]
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.seq for e in events] == [start + 1, start + 2, start + 3, start + 4]
    assert events[2].outside_caseload is True and events[0].client_address == "10.0.0.7"
    _one(ctx, people.in_a, "after")  # the chain goes on from the held events
    result = verify_chain()
    assert result.ok, result.problem
    assert result.count == start + 5


def test_a_rolled_back_savepoint_takes_its_held_events_with_it(personas, people):
    ctx = _ctx(personas)
    start = _head()
    with transaction.atomic(), appends_held():
        _one(ctx, people.in_a, "kept")
        try:
            with transaction.atomic():
                _one(ctx, people.in_a, "undone")
                raise ValueError("a refused row")
        except ValueError:
            pass
        _one(ctx, people.in_a, "kept too")
    assert _logged_fields(start) == [["kept"], ["kept too"]]
    assert verify_chain().ok


def test_nothing_is_appended_when_the_transaction_is_rolled_back(personas, people):
    start = _head()
    with transaction.atomic(), appends_held():
        _one(_ctx(personas), people.in_a, "never")
        transaction.set_rollback(True)
    assert _head() == start
    # The next held run starts clean: the rolled-back events do not come back.
    with transaction.atomic(), appends_held():
        _one(_ctx(personas), people.in_a, "next")
    assert _logged_fields(start) == [["next"]]


def test_a_discarding_hold_refuses_to_let_its_writes_commit_without_their_events(personas, people):
    start = _head()
    with pytest.raises(RuntimeError):
        with transaction.atomic(), appends_held(discard=True):
            _one(_ctx(personas), people.in_a, "lost")
    assert _head() == start
    with transaction.atomic(), appends_held(discard=True):
        _one(_ctx(personas), people.in_a, "checked")
        transaction.set_rollback(True)
    assert _head() == start


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_chain_lock_is_taken_only_at_the_end(personas, people):
    """(The fixtures' own appends committed: no lock is held before the block.)"""
    with transaction.atomic():
        with appends_held():
            _one(_ctx(personas), people.in_a, "held")
            with connection.cursor() as cursor:
                cursor.execute(OWN_ADVISORY_LOCKS)
                assert cursor.fetchone() == (0,)
        with connection.cursor() as cursor:
            cursor.execute(OWN_ADVISORY_LOCKS)
            assert cursor.fetchone() == (1,)
    assert verify_chain().ok
