"""An import does not hold up anyone's audited reads (PostgreSQL, where many users work at
once): its audit events join the chain at its end, so a caseworker who opens a person's
record while a large file is being checked or imported is recorded at once."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection, connections

from kangfu.access.audit import AccessContext, audit_record, verify_chain
from kangfu.access.choices import AuditAction
from kangfu.access.models import AuditEvent
from kangfu.ledger import services
from kangfu.ledger.tests.factories import ledger, rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _read_elsewhere(personas, person, outcome: dict) -> None:
    """A caseworker's audited read from another connection. It may wait for other test
    workers' appends (each holds the lock to its test's end), never for the import: 20 s."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '20s'")
        started = time.perf_counter()
        audit_record(
            ctx=AccessContext(actor=personas.worker_a),
            action=AuditAction.READ,
            obj=person,
            fields=("name",),
        )
        outcome.setdefault("waits", []).append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - the test reports what stopped the read
        outcome.setdefault("errors", []).append(repr(exc))
    finally:
        connections.close_all()


@pytest.mark.parametrize("commit", [False, True])
def test_audited_reads_go_on_while_a_file_is_checked_or_imported(
    personas, people, tree, monkeypatch, commit
):
    monkeypatch.setattr(services, "CHUNK", 10)
    outcome: dict = {}

    def progress(done, total):
        if done < 40:  # after each of the first chunks, while the run's transaction is open
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid()"
                )
                outcome.setdefault("held", []).append(cursor.fetchone()[0])
            reader = threading.Thread(target=_read_elsewhere, args=(personas, people.in_a, outcome))
            reader.start()
            reader.join()

    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=True):
        result = services.ledger_import(
            actor=personas.officer_a,
            township=tree.a,
            handle=ledger(rows(45)),
            commit=commit,
            progress=progress,
        )
    assert result.ok and result.committed is commit
    assert outcome.get("errors") is None, outcome["errors"]
    # The run held no chain lock while it went, and the reads made meanwhile were written.
    assert outcome["held"] == [0, 0, 0]
    assert len(outcome["waits"]) == 3
    reads = AuditEvent.objects.filter(action="read", actor_username=personas.worker_a.username)
    assert reads.count() == 3
    if commit:
        # The import's events follow the reads made while it ran, in one unbroken chain.
        first_import_event = AuditEvent.objects.filter(actor=personas.officer_a).order_by("seq")[0]
        assert first_import_event.seq > max(reads.values_list("seq", flat=True))
    result = verify_chain()
    assert result.ok, result.problem
