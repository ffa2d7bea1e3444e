"""Reminders appear when their condition holds and clear when acted on; the sweep is
idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from conftest import register, statements_sent
from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day
from kangfu.schedule import reminders, services
from kangfu.schedule.models import Appointment, Reminder
from kangfu.schedule.tests.conftest import active_case, planned

pytestmark = pytest.mark.django_db


def sweep(on: str) -> str:
    out = io.StringIO()
    with time_machine.travel(f"{on} 01:30 +0800", tick=False):
        call_command("sweep", "--date", on, stdout=out)
    return out.getvalue()


def kinds(case) -> set[str]:
    return set(case.reminders.values_list("kind", flat=True))


def test_it_shows_a_test_due_today_then_overdue_then_clears_it_when_recorded(personas, case_a):
    case, _ = case_a
    first = planned(case, "urine_test")[0]
    sweep("2024-04-30")
    assert not case.reminders.filter(ref=first.pk, kind__in=("due_today", "overdue")).exists()
    sweep("2024-05-01")
    assert case.reminders.get(ref=first.pk, kind="due_today").detail == "urine_test"
    sweep("2024-05-02")
    assert case.reminders.filter(ref=first.pk, kind="overdue").exists()
    assert not case.reminders.filter(ref=first.pk, kind="due_today").exists()
    with time_machine.travel("2024-05-02 10:00 +0800", tick=False):
        services.test_record(
            actor=personas.worker_a,
            case=case,
            appointment=first,
            taken_on=day("2024-05-02"),
            sample="urine",
            screen_result="negative",
        )
    assert not case.reminders.filter(ref=first.pk, kind__in=("due_today", "overdue")).exists()


def test_it_sweeps_idempotently(personas, people, case_a):
    _case, _ = case_a
    active_case(personas.worker_b, people.in_b, reported="2024-01-31")
    first = sweep("2024-05-02")
    assert "+0 -0" not in first
    rows = list(Reminder.objects.order_by("id").values())
    second = sweep("2024-05-02")
    assert "+0 -0" in second and second.startswith("sweep 2024-05-02: 2 open cases")
    assert list(Reminder.objects.order_by("id").values()) == rows


def test_it_reminds_of_a_first_assessment_and_the_measure_ending(personas, people):
    case, measure = active_case(personas.worker_a, people.in_a, reported="2021-03-01")
    sweep("2024-01-29")
    assert "reassessment_due" in kinds(case)
    assert "measure_ending" not in kinds(case)
    # The last day is 2024-02-29: within 30 days from 2024-01-30.
    sweep("2024-01-30")
    assert case.reminders.get(kind="measure_ending").due_on == measure.ends_on


def test_it_reminds_when_a_case_can_be_sealed(personas, people):
    case, measure = active_case(personas.worker_a, people.in_a, reported="2021-01-04")
    with time_machine.travel("2024-01-04 10:00 +0800", tick=False):
        cases.measure_end(actor=personas.worker_a, measure=measure)
    # Last day 2024-01-03: sealing is allowed from 2027-01-04 (three full years after).
    sweep("2027-01-03")
    assert "can_seal" not in kinds(case)
    sweep("2027-01-04")
    assert "can_seal" in kinds(case)
    with time_machine.travel("2027-01-04 10:00 +0800", tick=False):
        case.refresh_from_db()
        cases.case_seal(actor=personas.worker_a, case=case)
    sweep("2027-01-05")
    assert not kinds(case)
    # Five years later the identity data is past retention: the records officer's reminder.
    sweep("2032-01-04")
    assert kinds(case) == {"past_retention"}


def test_it_reminds_that_a_downgrade_is_possible_once_the_measure_is_gone(personas, people, tree):
    from kangfu.risk.tests.conftest import approved

    case, measure = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        approved(personas.worker_a, personas.officer_a, people.in_a)
    sweep("2024-03-06")
    assert "downgrade_possible" not in kinds(case)
    assert "reassessment_due" not in kinds(case)
    with time_machine.travel("2024-06-10 10:00 +0800", tick=False):
        cases.measure_terminate(
            actor=personas.worker_a,
            measure=measure,
            kind="compulsory_isolation",
            starts_on=day("2024-06-10"),
        )
    sweep("2024-06-11")
    reminder = case.reminders.get(kind="downgrade_possible")
    assert reminder.detail == "low"


def test_it_refreshes_one_case_without_touching_others(personas, people, case_a):
    case, _ = case_a
    other, _ = active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    reminders.refresh(on=dt.date(2024, 5, 2))
    before = other.reminders.count()
    Reminder.objects.filter(case=case).delete()
    reminders.refresh_cases([case.pk], on=dt.date(2024, 5, 2))
    assert case.reminders.exists() and other.reminders.count() == before


def _reminder_rows() -> list[tuple]:
    return sorted(
        Reminder.objects.values_list("case_id", "kind", "ref", "due_on", "urgency", "detail")
    )


def _as_if_fresh() -> None:
    """The reminder table of a database no sweep has run on: empty, and (on PostgreSQL)
    analysed while empty, as ANALYZE after a restore or an import leaves it."""
    Reminder.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # TRUNCATE (no pages left) refuses while the test's deferred FK checks are queued.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {Reminder._meta.db_table}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"ANALYZE {Reminder._meta.db_table}")


def test_a_cold_first_sweep_writes_what_a_warm_one_keeps(personas, people, case_a):
    active_case(personas.worker_b, people.in_b, reported="2024-01-31")
    _as_if_fresh()
    cold = sweep("2024-05-02")
    rows = _reminder_rows()
    assert rows and f"{len(rows)} reminders (+{len(rows)} -0)" in cold
    warm = sweep("2024-05-02")
    assert f"{len(rows)} reminders (+0 -0)" in warm
    assert _reminder_rows() == rows


def test_the_insert_skips_keys_already_there_instead_of_failing(personas, case_a):
    """Rows with a reminder's key already in the table (written by a refresh of the same
    case that committed first: a write during the sweep) are skipped, and so is a second
    wanted row with the same key; neither fails on the unique key."""
    case, _ = case_a
    on = dt.date(2024, 5, 2)
    reminders.refresh(on=on)
    rows = _reminder_rows()
    assert rows
    table = Reminder._meta.db_table
    cols = "case_id, kind, ref, due_on, urgency, detail"
    with connection.cursor() as cursor:
        reminders._create_temp(cursor)
        cursor.execute(f"INSERT INTO {reminders.TEMP} ({cols}) SELECT {cols} FROM {table}")
        new = (case.pk, "overdue", 987654, dt.date(2024, 5, 1), 1, "visit")
        cursor.executemany(
            f"INSERT INTO {reminders.TEMP} ({cols}) VALUES (%s, %s, %s, %s, %s, %s)",
            [new, (*new[:5], "hair_test")],
        )
        cursor.execute(reminders.insert_sql())
        assert cursor.rowcount == 1
        cursor.execute(f"DELETE FROM {reminders.TEMP}")
    assert len(_reminder_rows()) == len(rows) + 1
    assert case.reminders.filter(ref=987654).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
def test_the_insert_into_an_empty_reminder_table_is_no_nested_loop_anti_join(personas, case_a):
    """On an empty reminder table whose statistics say empty, `INSERT … WHERE NOT EXISTS`
    was planned as a nested loop over the table being filled: O(n²), 23–71 s for 52,623
    reminders. The insert must not join the reminder table at all."""
    case, _ = case_a
    _as_if_fresh()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relpages FROM pg_class WHERE relname = %s",
            [Reminder._meta.db_table],
        )
        assert cursor.fetchone() == (0, 0)
        reminders._create_temp(cursor)
        cursor.execute(
            f"INSERT INTO {reminders.TEMP} (case_id, kind, ref, due_on, urgency, detail) "
            "SELECT %s, 'overdue', g, DATE '2024-05-01', 1, 'visit' "
            "FROM generate_series(1, 20000) g",
            [case.pk],
        )
        cursor.execute(f"ANALYZE {reminders.TEMP}")
        cursor.execute("EXPLAIN " + reminders.insert_sql())
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"DELETE FROM {reminders.TEMP}")
    assert "Join" not in plan and "Nested Loop" not in plan, plan
    assert "Conflict Arbiter Indexes: reminder_unique" in plan, plan


def _downgradable(personas, person):
    """A case whose person's category could come down on 2024-06-11: an approved
    assessment, then the measure ended in compulsory isolation on 2024-06-10."""
    from kangfu.risk.tests.conftest import approved

    case, measure = active_case(personas.worker_a, person, reported="2024-03-01")
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        approved(personas.worker_a, personas.officer_a, person)
    with time_machine.travel("2024-06-10 10:00 +0800", tick=False):
        cases.measure_terminate(
            actor=personas.worker_a,
            measure=measure,
            kind="compulsory_isolation",
            starts_on=day("2024-06-10"),
        )
    return case


def test_it_reads_the_same_rows_for_a_scope_as_for_everything(personas, people, tree):
    """A scoped refresh compiles its ORM statements once and splices each scope in
    (reminders._compiled_with_scope): the rows must be the ORM's own, converted alike."""
    from kangfu.cases.models import Case
    from kangfu.risk.selectors import review_due_cases

    case = _downgradable(personas, people.in_a)
    fresh, _ = active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    on = dt.date(2024, 6, 11)
    everything = [row for row in reminders.downgrade_rows(on=on) if row]
    assert [row[0] for row in everything] == [case.pk]
    reminders._compiled.clear()
    for _ in range(2):  # compiled, then reused with another scope's parameters
        for scope in (Case.objects.filter(pk=case.pk), Case.objects.filter(pk=fresh.pk)):
            scoped = [row for row in reminders.downgrade_rows(on=on, scope=scope) if row]
            assert scoped == [r for r in everything if r[0] == scope.get().pk]
            sql, params = reminders._review_due_branch(on=on, scope=scope)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                due = [row[0] for row in cursor.fetchall()]
            assert due == list(
                review_due_cases(on=on).filter(pk=scope.get().pk).values_list("pk", flat=True)
            )
    assert due == [fresh.pk]  # a first assessment is due


def test_a_caseload_refresh_writes_what_the_full_sweep_writes_for_that_caseload(
    personas, people, tree
):
    """The today page refreshes the caseload it shows, its scope named once in a WITH
    clause: the caseload's reminders must be the full sweep's for those cases, no more."""
    from kangfu.cases.models import Case

    mine, _ = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    theirs, _ = active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    on = dt.date(2024, 5, 2)
    reminders.refresh(on=on)
    full = _reminder_rows()
    assert {row[0] for row in full} == {mine.pk, theirs.pk}
    Reminder.objects.all().delete()
    caseload = Case.objects.filter(caseworker=personas.worker_a)
    reminders.refresh(on=on, scope=caseload)
    assert _reminder_rows() == [row for row in full if row[0] == mine.pk]
    sql, _params = reminders.desired_sql(on=on, scope=caseload)
    scope_sql, _ = reminders._pk_sql(caseload)
    assert sql.count(scope_sql) == 1  # planned and run once, not once per kind


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's temporary tables")
@pytest.mark.django_db(transaction=True)
def test_refreshes_on_one_connection_do_not_pile_up_in_the_temporary_table(personas, people):
    """A server's connection lives on between requests (CONN_MAX_AGE): each page's refresh
    must leave the temporary table as empty on disk as it found it, or every later refresh
    scans the leftovers (no autovacuum reaches a temporary table)."""
    from kangfu.cases.models import Case

    active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    caseload = Case.objects.filter(caseworker=personas.worker_a)
    on = dt.date(2024, 5, 2)
    sizes = []
    for _ in range(3):
        stats = reminders.refresh(on=on, scope=caseload)
        assert stats.desired > 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size(%s)", [reminders.TEMP])
            sizes.append(cursor.fetchone()[0])
    assert sizes == [0, 0, 0]


def test_a_refresh_counts_what_it_wants_and_a_second_in_the_same_transaction_starts_clean(
    personas, people, tree
):
    """The count of desired reminders comes from what the refresh wrote to its temporary
    table, downgrade rows included; a second refresh in the same transaction (two writes in
    one request) finds that table empty, so it neither double-counts nor keeps stale rows."""
    from django.db import transaction

    from kangfu.cases.models import Case

    case = _downgradable(personas, people.in_a)
    second_person = register(personas.worker_a, tree.a, name="王芳", sex="F")
    other, _ = active_case(personas.worker_a, second_person, reported="2024-03-01")
    caseload = Case.objects.filter(caseworker=personas.worker_a)
    on = dt.date(2024, 6, 11)
    Reminder.objects.all().delete()
    with transaction.atomic():
        first = reminders.refresh(on=on, scope=caseload)
        written = Reminder.objects.filter(case__in=caseload).count()
        assert case.reminders.filter(kind="downgrade_possible").exists()
        gone = other.reminders.filter(kind="overdue").count()
        # The other case's overdue tests go (as if they had never been planned): the second
        # refresh must not take the first one's leftovers for what is wanted now.
        Appointment.objects.filter(case=other, state="planned", on__lt=on).delete()
        second = reminders.refresh(on=on, scope=caseload)
    assert first.desired == written == first.inserted > gone > 0
    assert (second.desired, second.inserted, second.deleted) == (written - gone, 0, gone)
    assert Reminder.objects.filter(case__in=caseload).count() == written - gone
    assert "overdue" not in kinds(other)


def test_a_refresh_inside_a_write_opens_no_savepoint_of_its_own(personas, case_a):
    """Every recorded result refreshes its case's summaries and reminders inside the write's
    transaction; a savepoint there would be two more round trips each, for nothing."""
    from django.db import transaction

    case, _ = case_a
    with transaction.atomic(), statements_sent() as statements:
        reminders.refresh_cases([case.pk], on=dt.date(2024, 5, 2))
    assert case.reminders.exists() and statements
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
