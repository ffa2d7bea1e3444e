"""The audit log itself: append-only, hash-chained, verifiable, never forked."""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from kangfu.access.audit import (
    GENESIS_HASH,
    AccessContext,
    AuditEntry,
    audit_record,
    audit_record_many,
    canonical,
    compute_hash,
    verify_chain,
)
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.models import AppendOnlyError, AuditEvent

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)
TABLE = AuditEvent._meta.db_table


def append(actor, n, person=None):
    ctx = AccessContext(actor=actor, client_address="10.0.0.7")
    return [
        audit_record(ctx=ctx, action=AuditAction.READ, obj=person, fields=("name", "phone"))
        for _ in range(n)
    ]


def verify_output():
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def verify_failure():
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", stdout=io.StringIO())
    return str(info.value)


@pytest.mark.django_db
def test_it_chains_each_event_to_the_previous_one(personas, people):
    first, second = append(personas.worker_a, 2, people.in_a)
    assert first.prev_hash == AuditEvent.objects.get(seq=first.seq - 1).hash
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert second.hash == compute_hash(AuditEvent.objects.get(pk=second.pk))


@pytest.mark.django_db
def test_many_events_at_once_join_the_chain_between_single_ones(personas, people):
    before = AuditEvent.objects.count()
    append(personas.worker_a, 2, people.in_a)
    ctx = AccessContext(actor=personas.worker_a, client_address="10.0.0.7")
    with transaction.atomic():
        written = audit_record_many(
            ctx=ctx,
            entries=[
                AuditEntry(AuditAction.UPDATE, people.in_a, ("phone",)),
                AuditEntry(AuditAction.CREATE, people.in_a, ("case",)),
                AuditEntry(AuditAction.READ, people.in_a, ("name",), outside_caseload=True),
            ],
        )
    append(personas.worker_a, 1, people.in_a)
    assert written == 3
    events = list(AuditEvent.objects.order_by("seq"))[before:]
    assert [e.seq for e in events] == list(range(before + 1, before + 7))
    assert [e.action for e in events[2:5]] == ["update", "create", "read"]
    # Each reads as the single append would have written it: who, where from, what, why.
    single = events[0]
    for event in events[2:5]:
        assert event.object_id == single.object_id
        assert event.scope_path == single.scope_path
        assert (event.actor_id, event.roles, event.client_address) == (
            single.actor_id,
            single.roles,
            "10.0.0.7",
        )
    assert events[4].outside_caseload is True
    assert f"audit log intact: {before + 6} event(s)" in verify_output()


@pytest.mark.django_db
def test_it_starts_the_chain_from_the_genesis_hash(personas):
    (event,) = append(personas.worker_a, 1)
    assert event.seq == 1 and event.prev_hash == GENESIS_HASH


@pytest.mark.django_db
def test_it_snapshots_role_and_jurisdiction_and_never_stores_values(personas, people):
    (event,) = append(personas.worker_a, 1, people.in_a)
    event.refresh_from_db()
    assert event.roles == "caseworker"
    assert "城东街道" in event.jurisdiction and "520102001" in event.jurisdiction
    assert event.object_id == str(people.in_a.public_id)
    assert event.scope_path == people.in_a.township.path
    assert event.fields == ["name", "phone"]
    assert event.client_address == "10.0.0.7"
    assert people.in_a.name not in canonical(event).decode()


@pytest.mark.django_db
def test_it_registers_and_updates_with_one_audit_event_each(personas, people):
    events = list(AuditEvent.objects.filter(object_id=str(people.in_a.public_id)))
    assert [e.action for e in events] == [AuditAction.CREATE]
    assert "id_number" in events[0].fields and events[0].purpose == AccessPurpose.SYSTEM


@pytest.mark.django_db
def test_it_refuses_to_update_or_delete_through_the_orm(personas):
    (event,) = append(personas.worker_a, 1)
    event.purpose_note = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(purpose_note="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_it_writes_in_the_callers_transaction(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        append(personas.worker_a, 1)
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_it_verifies_an_honest_log(personas, people):
    append(personas.worker_a, 5, people.in_a)
    count = AuditEvent.objects.count()
    out = verify_output()
    assert f"{count} event(s)" in out and "intact" in out
    assert verify_chain().ok


@pytest.mark.django_db
def test_it_verifies_an_empty_log():
    assert "0 event(s)" in verify_output()


# --- tampering (a DBA with the owner's rights) -----------------------------------------------


def _tamper(sql, params=()):
    """Run raw SQL as the table owner would, with the PostgreSQL trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's FKs are deferred; ALTER TABLE refuses while their checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_it_names_the_row_altered_by_a_direct_sql_update(personas):
    events = append(personas.worker_a, 6)
    target = events[3]
    _tamper(f"UPDATE {TABLE} SET purpose_note = %s WHERE id = %s", ["nothing to see", target.pk])
    message = verify_failure()
    assert f"seq {target.seq} (id {target.pk})" in message
    assert "altered" in message


@pytest.mark.django_db
def test_it_names_the_row_after_one_deleted_by_sql(personas):
    events = append(personas.worker_a, 6)
    _tamper(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    message = verify_failure()
    assert f"seq {events[2].seq} is missing" in message
    assert f"seq {events[3].seq} (id {events[3].pk})" in message


@pytest.mark.django_db
def test_it_names_a_row_inserted_by_sql(personas):
    events = append(personas.worker_a, 3)
    last = events[-1]
    _tamper(
        f"INSERT INTO {TABLE} (seq, occurred_at, local_date, actor_id, actor_username,"
        " actor_name, roles, jurisdiction, scope_path, action, object_type, object_id, fields,"
        " detail, purpose, purpose_note, outside_caseload, client_address, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, 'worker_a', '', '', '', '', 'read', '', '', '[]', '',"
        " 'caseload', '', %s, NULL, %s, %s)",
        [
            last.seq + 1,
            last.occurred_at,
            last.local_date,
            personas.worker_a.pk,
            False,
            last.hash,
            "f" * 64,
        ],
    )
    inserted = AuditEvent.objects.get(seq=last.seq + 1)
    message = verify_failure()
    assert f"seq {inserted.seq} (id {inserted.pk})" in message


@pytest.mark.django_db
def test_it_detects_a_rehashed_row_at_the_next_link(personas):
    """Someone who recomputes the altered row's own hash still breaks the next row's link."""
    events = append(personas.worker_a, 4)
    target = AuditEvent.objects.get(pk=events[1].pk)
    target.purpose_note = "rewritten"
    forged = compute_hash(target)
    _tamper(
        f"UPDATE {TABLE} SET purpose_note = %s, hash = %s WHERE id = %s",
        ["rewritten", forged, target.pk],
    )
    message = verify_failure()
    assert f"seq {events[2].seq} (id {events[2].pk})" in message


@pytest.mark.django_db
def test_it_detects_rows_removed_from_the_end_against_an_anchor(personas):
    events = append(personas.worker_a, 4)
    anchor = f"{events[-1].seq}:{events[-1].hash}"
    _tamper(f"DELETE FROM {TABLE} WHERE id = %s", [events[-1].pk])
    assert "intact" in verify_output()  # a shorter honest-looking chain...
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", "--anchor", anchor, stdout=io.StringIO())
    assert f"seq {events[-1].seq}" in str(info.value)  # ...but not what was anchored


@time_machine.travel(dt.datetime(2026, 11, 24, 16, 30, tzinfo=dt.UTC), tick=False)
@pytest.mark.django_db
def test_it_records_the_shanghai_calendar_day(personas):
    (event,) = append(personas.worker_a, 1)
    assert event.local_date == dt.date(2026, 11, 25)  # 00:30 in Shanghai


# --- PostgreSQL: the database refuses, and parallel writers do not fork the chain ------------


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {TABLE} SET purpose_note = 'x'", f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE} CASCADE"],
)
def test_it_rejects_raw_update_delete_and_truncate_on_postgresql(personas, sql):
    append(personas.worker_a, 2)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # so TRUNCATE reaches the trigger
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() >= 2


WRITERS, PER_WRITER = 4, 25


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_with_four_parallel_writers(tree):
    from conftest import make_user
    from kangfu.access.choices import Role

    users = [make_user(f"writer{n}", Role.CASEWORKER, tree.a) for n in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    errors = []

    def write(user):
        try:
            start.wait()
            for _ in range(PER_WRITER):
                with transaction.atomic():
                    append(user, 1)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * PER_WRITER + 1))
    result = verify_chain()
    assert result.ok, result.problem
    assert result.count == WRITERS * PER_WRITER


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_holds_the_chain_lock_only_for_the_append_and_waits_for_the_disk_after(personas):
    """The commit under the chain lock does not wait for the disk; the append returns only
    after a synchronous flush outside the lock (issue 14: audited reads must not queue
    behind each other's flushes), and the setting does not leak into the next transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    append(personas.worker_a, 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT flushes FROM kangfu_audit_flush WHERE backend = %s", [backend])
        (flushes,) = cursor.fetchone()
        cursor.execute("SHOW synchronous_commit")
        (setting,) = cursor.fetchone()
    assert flushes == 2 and setting == "on"
    # Inside a caller's transaction the flush waits for the caller's commit, once.
    with transaction.atomic():
        append(personas.worker_a, 3)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("off",)
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            assert cursor.fetchone()[0] >= 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT flushes FROM kangfu_audit_flush WHERE backend = %s", [backend])
        assert cursor.fetchone() == (3,)
    assert verify_chain().ok
