"""Batched services: the same checks as one call, over many items, written set-based.

A batched service (``person_register_many``, ``case_open_many``, …) runs, for each item,
the very check its single service runs, in the same order, so an item is refused with the
message a single call would have raised. When any item is refused the service writes
nothing and raises ``BatchRefused`` naming every refused item; the caller (the ledger
import) reports them, drops them and calls again with the rest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, models
from django.utils import timezone

T = TypeVar("T")


class BatchRefused(Exception):
    """Some items of a batch were refused; nothing of the batch was written. ``errors``
    maps an item's position in the batch to what a single call would have raised."""

    def __init__(self, errors: dict[int, Exception]):
        super().__init__(f"{len(errors)} item(s) refused")
        self.errors = errors


# What a single service raises for an item it refuses (an Http404 is not a refusal of one
# item: it means the actor cannot see the record at all, and stops the whole batch).
REFUSALS: tuple[type[Exception], ...] = (ValidationError, PermissionDenied)


def check_each(
    items: Iterable[T], check: Callable[[T], object], *, refusals: tuple = REFUSALS
) -> list:
    """``check(item)`` for every item, in order: their results, or ``BatchRefused`` with
    every item whose check raised one of ``refusals``."""
    results, errors = [], {}
    for position, item in enumerate(items):
        try:
            results.append(check(item))
        except refusals as exc:
            errors[position] = exc
            results.append(None)
    if errors:
        raise BatchRefused(errors)
    return results


# --- set-based writes without the ORM's per-value work -------------------------------------

# Rows per executemany call.
WRITE_BATCH = 2000
# Rows per bulk_create (and per ``__in`` lookup) of the batched services.
BULK = 1000
_PLAIN = (
    models.AutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,  # the database driver adapts dates (Django registers SQLite's adapter)
    models.ForeignKey,
    models.GenericIPAddressField,
    models.IntegerField,
)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value becomes a query parameter: None when the driver takes it as is."""
    if isinstance(field, models.DateTimeField):
        return _once_per_value(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    if type(field) in _PLAIN or (
        isinstance(field, _PLAIN) and type(field).get_db_prep_save is models.Field.get_db_prep_save
    ):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _once_per_value(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``adapt``, converting the same object once in a row: the rows of one batch share
    their time (``auto_now_add``, an audit event's ``occurred_at``)."""
    last: list = [object(), None]

    def adapted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence],
    *,
    table: str | None = None,
    raw: Sequence[str] = (),
) -> int:
    """INSERT rows of ``model`` given as tuples of values for the fields ``names`` (attnames:
    ``case_id``), with one prepared statement run many times: no model instances and none of
    the ORM's per-value compilation, for the largest tables of a batch (appointments, audit
    events, name tokens). Every other field but the auto key takes its default, worked out
    once per call (``auto_now_add``: now); a field whose default differs per row (a uuid)
    must be named. Returns the rows inserted.

    ``table`` names another table with the model's columns (a temporary copy): only the
    named columns are written there, then the ``raw`` ones, which are not the model's (their
    values end each row and go in as given)."""
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    extra, extra_values = [], []
    for f in meta.concrete_fields:
        if f.attname in names or f.primary_key or table is not None:
            continue
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            value = timezone.now()
        elif f.unique and f.has_default():
            raise ValueError(f"{meta.label}.{f.name}: a unique default must be given")
        elif f.has_default() or f.null or f.empty_strings_allowed:
            value = f.get_default()  # the default, else None or "" as Django's own insert
        else:
            raise ValueError(f"{meta.label}.{f.name} has no default: name it")
        extra.append(f)
        extra_values.append(value if _adapter(f) is None else _adapter(f)(value))
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    quote = connection.ops.quote_name
    columns = ", ".join([*(quote(f.column) for f in (*fields, *extra)), *map(quote, raw)])
    marks = ", ".join(["%s"] * (len(fields) + len(extra) + len(raw)))
    table = table or meta.db_table
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    tail = tuple(extra_values)
    done = 0
    with connection.cursor() as cursor:
        for chunk in chunks(rows, WRITE_BATCH):
            if adapters:
                chunk = [_adapted(row, adapters) for row in chunk]
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a round trip per row (executemany's).
                copy_sql = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in chunk:
                        copy.write_row((*row, *tail))
            else:
                cursor.executemany(sql, [(*row, *tail) for row in chunk])
            done += len(chunk)
    return done


def create_objects(objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """Insert new, unsaved instances of one model and give each its primary key: what
    ``bulk_create`` does for them, without the ORM compiling every value of every row (a
    third of the batched services' time at 10,000 rows). The same values go in: each field's
    own conversion (``_adapter``: encryption, uuids, JSON), ``pre_save`` for a field that
    overrides it (``auto_now_add``), and bulk_create's check of related instances (a related
    object saved since it was assigned gives its id). Returns ``objs``.

    PostgreSQL takes the keys from the table's sequence first and the rows by COPY (as
    ``insert_values``); SQLite inserts multi-row VALUES with RETURNING, in order, as
    bulk_create does there (the rows come back in the order they went in)."""
    if not objs:
        return objs
    meta = objs[0]._meta
    pk = meta.pk
    generated = isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    # A key that is not generated (a one-to-one key) goes in with the other values.
    fields = [f for f in meta.concrete_fields if f is not pk or not generated]
    saving = {f.attname for f in fields if type(f).pre_save is not models.Field.pre_save}
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values = obj.__dict__
        rows.append(
            [f.pre_save(obj, True) if f.attname in saving else values[f.attname] for f in fields]
        )
    if not generated:
        insert_values(meta.model, [f.attname for f in fields], rows)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(objs)],
            )
            keys = [key for (key,) in cursor.fetchall()]
        insert_values(
            meta.model,
            [pk.attname, *(f.attname for f in fields)],
            ([key, *row] for key, row in zip(keys, rows, strict=True)),
        )
    else:
        keys = _insert_returning(meta, pk, fields, rows)
    for i, obj in enumerate(objs):
        if generated:
            setattr(obj, pk.attname, keys[i])
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _insert_returning(meta, pk, fields: list, rows: list[list]) -> list:
    """SQLite: multi-row INSERT … RETURNING the keys, as many rows per statement as its
    parameter limit allows."""
    import sqlite3

    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(BULK, limit // len(fields)))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    mark = "(" + ", ".join(["%s"] * len(fields)) + ")"
    keys: list = []
    with connection.cursor() as cursor:
        for chunk in chunks(rows, per):
            if adapters:
                chunk = [_adapted(row, adapters) for row in chunk]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                f"{', '.join([mark] * len(chunk))} RETURNING {quote(pk.column)}",
                [value for row in chunk for value in row],
            )
            keys.extend(key for (key,) in cursor.fetchall())
    return keys


def update_values(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """UPDATE rows of ``model`` by primary key: each row is (pk, *values of ``names``), one
    prepared statement run many times (``bulk_update`` builds one CASE per field per batch,
    which costs far more than the update itself)."""
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    adapters = [(i + 1, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    quote = connection.ops.quote_name
    pk = quote(meta.pk.column)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {meta.db_table} SET {sets} WHERE {pk} = %s"
    done = 0
    with connection.cursor() as cursor:
        for chunk in chunks(rows, WRITE_BATCH):
            if adapters:
                chunk = [_adapted(row, adapters) for row in chunk]
            if connection.vendor == "postgresql":
                # One statement per chunk, joined to the columns passed as one array each
                # (unnest): a parameter per column rather than per value, since psycopg
                # splits a long query's placeholders in Python every time it runs it.
                arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in (meta.pk, *fields))
                names = ", ".join(f"c{i}" for i in range(len(fields) + 1))
                assign = ", ".join(f"{quote(f.column)} = v.c{i + 1}" for i, f in enumerate(fields))
                cursor.execute(
                    f"UPDATE {meta.db_table} t SET {assign} FROM unnest({arrays}) "
                    f"AS v({names}) WHERE t.{pk} = v.c0",
                    [list(column) for column in zip(*chunk, strict=True)],
                )
            else:
                cursor.executemany(sql, [(*row[1:], row[0]) for row in chunk])
            done += len(chunk)
    return done


def _adapted(row: Sequence, adapters: list) -> list:
    row = list(row)
    for i, adapt in adapters:
        if row[i] is not None:
            row[i] = adapt(row[i])
    return row


def chunks(rows: Iterable, size: int) -> Iterable[list]:
    """``rows`` in lists of at most ``size``, read lazily (a streamed sheet stays streamed)."""
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def analyse(models_: Iterable[type[models.Model]]) -> None:
    """Refresh PostgreSQL's statistics of tables a batch just filled, inside its transaction
    (ANALYZE there sees the transaction's own rows). Until autovacuum runs after the commit
    the planner still believes what it saw before: on a fresh install, empty tables, and
    every later statement of the batch that joins them is planned as if they were (the
    ledger's reminder reconciliation scanned 1.75 million appointments once per slice of
    cases). Nothing to do on SQLite, whose planner uses the indexes without statistics."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class KeyCheck:
    """The deferred foreign-key checks of what a transaction has written so far, run by
    PostgreSQL while the caller's Python goes on without the database: ``start()`` after a
    chunk of writes, ``wait()`` before the next query (``start`` waits for the previous run);
    used as a context manager, leaving it waits for the last run.

    Django declares every foreign key DEFERRABLE INITIALLY DEFERRED, so PostgreSQL queues one
    check per written row and runs them all at COMMIT, while the client only waits; a ledger
    import queues millions. ``SET CONSTRAINTS ALL IMMEDIATE`` runs the queued checks there and
    then (each row checked as at COMMIT: deferred, not skipped; a violation is an error of
    that statement), and ``SET CONSTRAINTS ALL DEFERRED`` restores the mode, on the same
    connection and transaction, in a thread: the client's connection is free (psycopg locks
    it for the statement; a query the caller sends meanwhile waits its turn), and the thread
    holds no interpreter lock while it waits, so the caller's next chunk is read and checked
    meanwhile. ``wait()`` raises what the checks raised, as Django's database errors.

    Only on PostgreSQL and when ``enabled`` (a run that rolls back need not check); SQLite
    checks its keys as it writes."""

    def __init__(self, *, enabled: bool = True, using: str = "default"):
        self.connection = connections[using]
        self.enabled = enabled and self.connection.vendor == "postgresql"
        self.thread = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self.wait()
        if not self.enabled:
            return
        self.connection.ensure_connection()
        raw = self.connection.connection

        def run() -> None:
            try:
                with raw.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            except Exception as exc:  # noqa: BLE001 - raised again in the caller's thread by wait()
                self.error = exc

        self.thread = threading.Thread(target=run, name="kangfu-key-check", daemon=True)
        self.thread.start()

    def __enter__(self) -> KeyCheck:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            self.wait()
        elif self.thread is not None:
            # Leaving on an error: let the statement end (the rollback would wait for it
            # anyway) and drop what it says; the caller's error is the one to report.
            self.thread.join()
            self.thread, self.error = None, None

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            with self.connection.wrap_database_errors:
                raise error
