"""The audit log: who looked at or changed a person's record, when, from where, and why.

Every event is appended by ``audit_record`` (or, for a batched service's many events under
one chain lock, ``audit_record_many``) inside the caller's transaction, so a write and
its audit row commit or roll back together, and a read is never shown unless its row could
be written. Rows form a hash chain: each holds the SHA-256 of a canonical JSON form of its
own columns plus the previous row's hash, so ``manage.py audit verify`` finds the first row
that was altered, inserted or removed. Appends are serialised (see ``_lock_chain``) so that
concurrent writers never fork the chain; the lock is held for the append and a commit that
does not wait for the disk, and the wait for durability happens after the lock is released
(``_wait_durable``), so audited reads do not queue behind each other's disk flushes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import operator
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.models import AuditEvent, User
from kangfu.access.permissions import grants_of
from kangfu.core.batch import insert_values
from kangfu.core.db import client_bound

GENESIS_HASH = "0" * 64
# Part of every hashed row, so a future change of the canonical form can be told apart.
CANONICAL_VERSION = 1
# Key of the PostgreSQL advisory lock that serialises appends ("kangfu-a" as 8 bytes).
CHAIN_LOCK_KEY = int.from_bytes(b"kangfu-a", "big") & 0x7FFF_FFFF_FFFF_FFFF


# How the person themself appears in ``AuditEvent.actor_username`` (no staff account).
PERSON_ACTOR_PREFIX = "portal:"


@dataclass(frozen=True)
class PersonActor:
    """The person whose record it is, acting through the portal (kangfu.portal).

    Not a staff account: it holds no grants (``grants_of`` returns nothing, so every
    staff permission check refuses it) and ``AuditEvent.actor`` stays null. The event names
    the person as ``portal:<public_id>`` and is scoped to their township.
    """

    person_id: int
    public_id: str
    township_path: str
    pk = None
    is_authenticated = False
    is_active = False
    display_name = ""

    def get_username(self) -> str:
        return f"{PERSON_ACTOR_PREFIX}{self.public_id}"

    def __str__(self) -> str:
        return self.get_username()


def is_person_actor(actor: Any) -> bool:
    return isinstance(actor, PersonActor)


@dataclass(frozen=True)
class AccessContext:
    """Who is acting, from where, and why: what every audited read and write needs.

    Views build it from the request (``from_request``); commands and tests from a user
    (``of``). It is immutable; ``with_purpose`` returns a copy for one record.
    """

    actor: User | PersonActor
    client_address: str | None = None
    purpose: str = AccessPurpose.CASELOAD
    purpose_note: str = ""

    @classmethod
    def of(cls, actor: User | AccessContext, **kwargs: Any) -> AccessContext:
        """A context for code that has only a user (commands, imports, tests)."""
        if isinstance(actor, AccessContext):
            return replace(actor, **kwargs) if kwargs else actor
        kwargs.setdefault("purpose", AccessPurpose.SYSTEM)
        return cls(actor=actor, **kwargs)

    @classmethod
    def from_request(cls, request, **kwargs: Any) -> AccessContext:
        return cls(actor=request.user, client_address=client_address(request), **kwargs)

    def with_purpose(self, purpose: str, note: str = "") -> AccessContext:
        return replace(self, purpose=purpose, purpose_note=note)


def client_address(request) -> str | None:
    """The address the request came from. Behind a reverse proxy, that proxy must set
    REMOTE_ADDR (e.g. uvicorn/gunicorn ``--forwarded-allow-ips``); a client-supplied
    X-Forwarded-For is deliberately not trusted here."""
    value = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _snapshot_of(actor: User) -> tuple[str, str]:
    """Role codes and the jurisdictions they are held on, as the actor holds them now."""
    grants = sorted(grants_of(actor), key=lambda g: (g.jurisdiction.path, g.role))
    roles = ",".join(sorted({g.role for g in grants}))
    places = "; ".join(f"{g.role}@{g.jurisdiction.name} ({g.jurisdiction.code})" for g in grants)
    return roles, places[:500]


def primary_path(actor: User) -> str:
    """The narrowest node the actor works on (for events that concern no single record)."""
    paths = [g.jurisdiction.path for g in grants_of(actor)]
    return max(paths, key=len) if paths else ""


def account_detail(
    *,
    user: str = "",
    role: str = "",
    place: str = "",
    by: str = "",
    kind: str = "",
) -> str:
    """The facts of an account-administration event, as compact JSON for ``detail``.

    Staff user names and place names only: these events concern accounts, never a person
    in the programme. The place is shortened so the whole stays within the column.
    """
    facts = {"u": user, "r": role, "p": place, "b": by, "k": kind}
    facts = {key: value for key, value in facts.items() if value}

    def dump(values):
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"))

    text = dump(facts)
    while len(text) > 200 and facts.get("p"):
        facts["p"] = facts["p"][:-1]
        text = dump(facts)
    return text[:200]


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every column except ``id`` and ``hash``, in one fixed form.

    Times are UTC with microseconds; JSON keys sorted, no spaces, UTF-8. Changing this
    breaks verification of existing rows, so bump CANONICAL_VERSION and branch on it.
    """
    return _dump(_canonical_body(event))


def _utc_text(when: dt.datetime) -> str:
    """A time as the canonical form writes it: UTC, with microseconds."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_body(event: AuditEvent) -> dict[str, Any]:
    occurred = _utc_text(event.occurred_at)
    return {
        "v": CANONICAL_VERSION,
        "seq": getattr(event, "seq", None),  # not known yet while an append is held
        "occurred_at": occurred,
        "local_date": event.local_date.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_name": event.actor_name,
        "roles": event.roles,
        "jurisdiction": event.jurisdiction,
        "scope_path": event.scope_path,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "fields": list(event.fields),
        "detail": event.detail,
        "purpose": event.purpose,
        "purpose_note": event.purpose_note,
        "outside_caseload": bool(event.outside_caseload),
        "client_address": event.client_address,
        "prev_hash": getattr(event, "prev_hash", None),
    }


# One encoder for every event (json.dumps would build one per call with these options).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _dump(body: dict[str, Any]) -> bytes:
    return _ENCODER.encode(body).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _lock_chain() -> None:
    """Serialise appends until the end of the current transaction.

    PostgreSQL: a transaction-scoped advisory lock; the following SELECT runs with a fresh
    READ COMMITTED snapshot, so it sees the head the previous holder committed.
    SQLite: a write that matches no row still takes the database's single RESERVED lock, so
    taking it *before* reading the head means no other writer can commit in between.
    Elsewhere the unique ``seq`` still refuses a fork (the loser's transaction fails).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The commit that releases the lock need not wait for the disk: whoever appended
            # waits for durability once the lock is free (_wait_durable, run on commit), so
            # the next appender is not queued behind this one's flush. ``set_config(…, true)``
            # is SET LOCAL: it ends with this transaction.
            cursor.execute(
                "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s)",
                [CHAIN_LOCK_KEY],
            )
            connection.kangfu_audit_unflushed = True
            transaction.on_commit(_wait_durable)
        elif connection.vendor == "sqlite":
            cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET seq = seq WHERE 0")


# A small table with one row per database backend (migration access.0008): writing it is the
# cheapest way to make PostgreSQL flush its log up to that point.
FLUSH_TABLE = "kangfu_audit_flush"


def _wait_durable() -> None:
    """After the commit of an append: return only once it is on disk.

    The append committed without waiting for the disk (``_lock_chain``). A synchronous commit
    of any transaction that wrote to the log flushes the log up to its own record, so up to
    and past the append's; a row per backend keeps these tiny writes from contending, and
    concurrent flushes share one disk write (PostgreSQL's group commit). Runs in autocommit
    mode (on_commit), so the statement is its own transaction. The page that needed the audit
    row is rendered only after this returns, as before: a read is never shown unless its
    audit row is durable, and a crash loses nothing that was shown.
    """
    if not getattr(connection, "kangfu_audit_unflushed", False):
        return  # an earlier callback of the same commit flushed it already
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLUSH_TABLE} (backend, flushes) VALUES (pg_backend_pid(), 1) "
            f"ON CONFLICT (backend) DO UPDATE SET flushes = {FLUSH_TABLE}.flushes + 1"
        )
    connection.kangfu_audit_unflushed = False


def _object_ref(obj: Any) -> tuple[str, str, str]:
    """(type, id, jurisdiction path) of the record an event is about."""
    if obj is None:
        return "", "", ""
    if isinstance(obj, tuple):
        return obj
    object_type = obj._meta.label_lower
    object_id = str(getattr(obj, "public_id", obj.pk))
    township = getattr(obj, "township", None)
    return object_type, object_id, getattr(township, "path", "")


@dataclass(frozen=True)
class AuditEntry:
    """One event for ``audit_record_many``: the arguments ``audit_record`` takes, but the
    acting context, which the batch shares."""

    action: str
    obj: Any = None
    fields: Iterable[str] = ()
    outside_caseload: bool | None = None
    scope_path: str | None = None
    detail: str = ""


class _Actor:
    """What every event of one actor repeats, worked out once (grants, names, own node)."""

    def __init__(self, ctx: AccessContext):
        actor = ctx.actor
        self.ctx = ctx
        self.by_person = is_person_actor(actor)
        self.roles, self.places = _snapshot_of(actor)
        self.own_path = actor.township_path if self.by_person else primary_path(actor)
        self.username = actor.get_username()
        self.name = getattr(actor, "display_name", "") or ""
        self.purpose = AccessPurpose(ctx.purpose)
        self.purpose_note = ctx.purpose_note.strip()[:500]


def _event_of(
    who: _Actor, entry: AuditEntry, now: dt.datetime, local_date: dt.date
) -> dict[str, Any]:
    """The columns (attnames) of the unchained event ``entry`` describes: all but the id,
    seq, prev_hash and hash."""
    actor = who.ctx.actor
    object_type, object_id, object_path = _object_ref(entry.obj)
    outside_caseload = entry.outside_caseload
    if outside_caseload is None:
        # The person's own look at their record is never "outside a caseload".
        caseworker_id = getattr(entry.obj, "caseworker_id", actor.pk)
        outside_caseload = not who.by_person and caseworker_id != actor.pk
    scope_path = entry.scope_path
    return dict(
        occurred_at=now,
        local_date=local_date,
        actor_id=None if who.by_person else actor.pk,
        actor_username=who.username,
        actor_name=who.name,
        roles=who.roles,
        jurisdiction=who.places,
        scope_path=scope_path if scope_path is not None else (object_path or who.own_path),
        action=AuditAction(entry.action),
        object_type=object_type,
        object_id=object_id,
        fields=sorted(set(entry.fields)),
        detail=entry.detail[:200],
        purpose=who.purpose,
        purpose_note=who.purpose_note,
        outside_caseload=outside_caseload,
        client_address=who.ctx.client_address,
    )


def _local(now: dt.datetime) -> dt.date:
    return timezone.localdate(now, timezone.get_default_timezone())


class _Pending(SimpleNamespace):
    """An event of ``audit_record_many`` on its way in: the columns as attributes, which is
    all ``compute_hash`` reads (a model instance per event would cost more than its hash)."""


def _chain(events: list[AuditEvent]) -> None:
    """Link ``events`` after the chain's head, in order, with their hashes (Python side).

    The caller holds the chain lock (``_lock_chain``) and inserts them before it ends."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = head if head else (0, GENESIS_HASH)
    for event in events:
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = compute_hash(event)


def audit_record(
    *,
    ctx: AccessContext | User,
    action: str,
    obj: Any = None,
    fields: Iterable[str] = (),
    outside_caseload: bool | None = None,
    scope_path: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event to the log in the caller's transaction and return it.

    ``obj`` is a model instance (a person: its ``public_id`` and township are recorded) or a
    ``(type, id, path)`` tuple. ``fields`` are field *names*; values are never logged.
    ``outside_caseload`` defaults to "the record's caseworker is not the actor".
    """
    entry = AuditEntry(action, obj, fields, outside_caseload, scope_path, detail)
    who = _Actor(AccessContext.of(ctx))
    now = timezone.now()
    event = AuditEvent(**_event_of(who, entry, now, _local(now)))
    if not who.by_person:
        event.actor = who.ctx.actor  # the instance, as callers may read event.actor
    stage = _open_stage()
    if stage is not None:
        stage.add([event])
        return event
    if connection.vendor == "postgresql":
        _append_postgresql(event)
        return event
    with transaction.atomic():
        _lock_chain()
        _chain([event])
        event.save(force_insert=True)
    return event


def audit_record_many(*, ctx: AccessContext | User, entries: Iterable[AuditEntry]) -> int:
    """Append one event per entry, in order, as ``audit_record`` would one by one, under ONE
    chain lock: one read of the head, the hashes worked out in Python, bulk inserts. For the
    batched services (a ledger import writes thousands of records). Every event carries the
    same time. Works on every database: the lock is ``_lock_chain``'s (on PostgreSQL the
    durability wait follows the caller's commit, as for a single append). The rows go in
    with ``core.batch.insert_values`` (no model instance per event). Returns how many.
    """
    who = _Actor(AccessContext.of(ctx))
    now = timezone.now()
    local_date = _local(now)
    events = [_Pending(**_event_of(who, entry, now, local_date)) for entry in entries]
    if not events:
        return 0
    stage = _open_stage()
    if stage is not None:
        return stage.add(events)
    columns = [f.attname for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    with transaction.atomic():
        _lock_chain()
        _chain(events)
        insert_values(AuditEvent, columns, ([getattr(e, name) for name in columns] for e in events))
    return len(events)


# Columns the append writes from Python; seq, prev_hash and hash are worked out in the database.
_CHAINED = {"id", "seq", "prev_hash", "hash"}


def _unchained_fields() -> list:
    """The log's fields an event brings itself: all but the key and the chain's links."""
    return [f for f in AuditEvent._meta.concrete_fields if f.attname not in _CHAINED]


def _cut(event: Any) -> tuple[str, str, str]:
    """The canonical form of ``event`` cut around ``prev_hash`` and ``seq``, the two values
    only the chain's head decides: its hash is the SHA-256 of ``a + '"' + prev + '"' + b +
    str(seq) + c`` for the pieces (a, b, c), the same bytes as ``compute_hash``.

    Written out key by key, in ``canonical``'s sorted order, with the JSON encoder's own
    string escaping, rather than through the encoder (an import cuts 400,000 events); the
    tests hold the two to the same bytes, and ``audit verify`` recomputes every hash the
    other way."""
    text = _JSON_TEXT
    occurred = _utc_text(event.occurred_at)
    address = event.client_address
    a = "".join(
        (
            '{"action":',
            text(event.action),
            ',"actor_id":',
            "null" if event.actor_id is None else str(int(event.actor_id)),
            ',"actor_name":',
            text(event.actor_name),
            ',"actor_username":',
            text(event.actor_username),
            ',"client_address":',
            "null" if address is None else text(address),
            ',"detail":',
            text(event.detail),
            ',"fields":[',
            ",".join(map(text, event.fields)),
            '],"jurisdiction":',
            text(event.jurisdiction),
            ',"local_date":"',
            event.local_date.isoformat(),
            '","object_id":',
            text(event.object_id),
            ',"object_type":',
            text(event.object_type),
            ',"occurred_at":"',
            occurred,
            '","outside_caseload":',
            "true" if event.outside_caseload else "false",
            ',"prev_hash":',
        )
    )
    b = "".join(
        (
            ',"purpose":',
            text(event.purpose),
            ',"purpose_note":',
            text(event.purpose_note),
            ',"roles":',
            text(event.roles),
            ',"scope_path":',
            text(event.scope_path),
            ',"seq":',
        )
    )
    return a, b, _AFTER_SEQ


# How the JSON encoder writes a string with ensure_ascii=False (quotes and escapes).
_JSON_TEXT = json.encoder.encode_basestring
_AFTER_SEQ = f',"v":{CANONICAL_VERSION}}}'


def _linked(cut: tuple[str, str, str], seq: int, prev: str) -> str:
    a, b, c = cut
    return hashlib.sha256(f'{a}"{prev}"{b}{seq}{c}'.encode()).hexdigest()


# --- appends held to the end of a long transaction -----------------------------------------

# Temporary tables of a held append: the events (the log's columns and their cut canonical
# form, in the order they were recorded) and their links once the head is known.
STAGED_TABLE = "kangfu_audit_staged"
LINKS_TABLE = "kangfu_audit_links"
_CUT_COLUMNS = ("cut_a", "cut_b", "cut_c")


class _Stage:
    """The events recorded inside ``appends_held``, waiting in a temporary table.

    A table rather than a list: the table is part of the transaction, so the events of a
    savepoint that is rolled back (a ledger batch that refused a row) leave with it, and a
    province's import does not keep 400,000 events in memory."""

    def __init__(self, discard: bool):
        self.discard = discard
        self.next_id = 1
        self.columns = [f.attname for f in _unchained_fields()]
        self._values = operator.attrgetter(*self.columns)

    def add(self, events: list) -> int:
        if self.discard:
            return len(events)
        rows = []
        values = self._values
        for event in events:
            rows.append((self.next_id, *values(event), *_cut(event)))
            self.next_id += 1
        insert_values(AuditEvent, ["id", *self.columns], rows, table=STAGED_TABLE, raw=_CUT_COLUMNS)
        return len(events)


def _open_stage() -> _Stage | None:
    return getattr(connection, "kangfu_audit_stage", None)


@contextmanager
def appends_held(*, discard: bool = False) -> Iterator[None]:
    """Hold the audit appends of a long transaction (a ledger import) until its end, so the
    chain lock is taken once, for the last moments before the commit, instead of from the
    first event to the commit: for minutes, during which every audited read of the whole
    installation would wait (the lock serialises all appends).

    Inside the block ``audit_record`` and ``audit_record_many`` record their events with
    everything but the chain's links, in a temporary table of the same transaction. When the
    block ends normally they are appended, in the order they were recorded, under one chain
    lock: the head is read, the links and hashes are worked out from each event's cut
    canonical form (a SHA-256 each) and one INSERT … SELECT moves them into the log. The
    events still commit or roll back with the writes they describe. If the transaction is
    to be rolled back (``transaction.set_rollback``) nothing is appended.

    ``discard=True`` (a ledger preview, which always rolls back) records nothing, and
    refuses to end unless the transaction is marked for rollback: its writes must never
    commit without their events.

    Must run inside ``transaction.atomic``; a nested use joins the outer one."""
    if not connection.in_atomic_block:
        raise RuntimeError("appends_held needs a transaction")
    if _open_stage() is not None:
        yield
        return
    stage = _Stage(discard)
    if not discard:
        _create_stage_tables()
    connection.kangfu_audit_stage = stage
    try:
        yield
    finally:
        connection.kangfu_audit_stage = None
    if discard:
        if not transaction.get_rollback():
            raise RuntimeError("appends_held(discard=True) in a transaction that commits")
        return
    if transaction.get_rollback():
        return  # the staged rows leave with the rollback
    _append_staged(stage)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGED_TABLE}")
        cursor.execute(f"DELETE FROM {LINKS_TABLE}")


def _create_stage_tables() -> None:
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGED_TABLE} AS SELECT * FROM {table} WHERE 1 = 0"
        )
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, STAGED_TABLE)
        }
        for name in _CUT_COLUMNS:
            if name not in columns:
                cursor.execute(f"ALTER TABLE {STAGED_TABLE} ADD COLUMN {name} text")
        # The append reads the events back in order, a slice at a time.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGED_TABLE}_order ON {STAGED_TABLE} (id)")
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {LINKS_TABLE} (id bigint PRIMARY KEY, "
            "seq bigint NOT NULL, prev_hash varchar(64) NOT NULL, hash varchar(64) NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {STAGED_TABLE}")
        cursor.execute(f"DELETE FROM {LINKS_TABLE}")


# Staged events linked per round trip.
_LINK_BATCH = 5000


def _append_staged(stage: _Stage) -> None:
    """Append the staged events after the head, under the chain lock (held to the commit)."""
    if stage.next_id == 1:
        return
    table = AuditEvent._meta.db_table
    quote = connection.ops.quote_name
    _lock_chain()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = head if head else (0, GENESIS_HASH)
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, cut_a, cut_b, cut_c FROM {STAGED_TABLE} WHERE id > %s "
                f"ORDER BY id LIMIT {_LINK_BATCH}",
                [last],
            )
            batch = cursor.fetchall()
            if not batch:
                break
            links = []
            for pk, a, b, c in batch:
                seq += 1
                digest = _linked((a, b, c), seq, prev)
                links.append((pk, seq, prev, digest))
                prev = digest
            last = batch[-1][0]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    f"COPY {LINKS_TABLE} (id, seq, prev_hash, hash) FROM STDIN"
                ) as copy:
                    for row in links:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {LINKS_TABLE} VALUES (%s, %s, %s, %s)", links)
        names = ", ".join(quote(AuditEvent._meta.get_field(name).column) for name in stage.columns)
        picked = ", ".join(
            f"s.{quote(AuditEvent._meta.get_field(n).column)}" for n in stage.columns
        )
        cursor.execute(
            f"INSERT INTO {table} ({names}, seq, prev_hash, hash) "
            f"SELECT {picked}, l.seq, l.prev_hash, l.hash FROM {STAGED_TABLE} s "
            f"JOIN {LINKS_TABLE} l ON l.id = s.id ORDER BY l.seq"
        )


def _append_postgresql(event: AuditEvent) -> None:
    """Lock, read the head, hash and insert in one round trip, server-side.

    The chain lock is then held for the time PostgreSQL takes to run two statements, with no
    client round trip in between. The statements travel together (psycopg's client-side
    binding sends them as one simple query): the lock first, then an INSERT whose own
    snapshot, taken after the lock was granted, sees the head the previous holder committed
    (READ COMMITTED). The hash is the same SHA-256 over the same canonical bytes as
    ``compute_hash``: Python sends the canonical form cut around ``prev_hash`` and ``seq``, and
    the database puts the head's values in. Outside a transaction the two statements commit
    together (without waiting for the disk, see ``_lock_chain``) and the durability wait
    follows at once; inside one, at the caller's commit.
    """
    before_prev, before_seq, after_seq = _cut(event)
    fields = _unchained_fields()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    # In a SELECT list a literal is text unless cast (inet, jsonb, … would refuse it).
    placeholders = ", ".join(
        "%s" if f.get_internal_type() == "CharField" else f"%s::{f.db_type(connection)}"
        for f in fields
    )
    table = AuditEvent._meta.db_table
    sql = (
        "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s); "
        f"INSERT INTO {table} ({columns}, seq, prev_hash, hash) "
        f"SELECT {placeholders}, h.seq, h.prev, encode(sha256(convert_to("
        "%s || '\"' || h.prev || '\"' || %s || h.seq::text || %s, 'UTF8')), 'hex') "
        f"FROM (SELECT COALESCE((SELECT seq FROM {table} ORDER BY seq DESC LIMIT 1), 0) + 1 "
        f"AS seq, COALESCE((SELECT hash FROM {table} ORDER BY seq DESC LIMIT 1), %s) AS prev) h "
        "RETURNING id, seq, prev_hash, hash"
    )
    params = [CHAIN_LOCK_KEY, *values, before_prev, before_seq, after_seq, GENESIS_HASH]
    outer = connection.in_atomic_block
    with client_bound(), connection.cursor() as cursor:  # two commands: one simple query
        cursor.execute(sql, params)
        cursor.nextset()
        event.pk, event.seq, event.prev_hash, event.hash = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias
    connection.kangfu_audit_unflushed = True
    if outer:
        transaction.on_commit(_wait_durable)
    else:
        _wait_durable()


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    problem: str = ""


def verify_chain(*, anchor: tuple[int, str] | None = None, chunk_size: int = 2000) -> VerifyResult:
    """Walk the log in ``seq`` order (streaming) and stop at the first broken row.

    * hash does not match the row's contents → the row was altered (or forged and inserted);
    * ``seq`` jumps → rows were removed;
    * ``prev_hash`` differs from the previous row's hash → a row was inserted or removed.
    Removing rows from the *end* leaves a valid shorter chain; ``anchor`` (a seq and hash
    recorded earlier, e.g. from the last run's summary) catches that.
    """
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    anchor_seen = anchor is None
    rows: Iterator[AuditEvent] = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for event in rows:
        where = f"seq {event.seq} (id {event.pk})"
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                missing = (
                    f"seq {expected_seq}"
                    if event.seq == expected_seq + 1
                    else f"seq {expected_seq}–{event.seq - 1}"
                )
                problem = f"row {missing} is missing: the chain jumps to {where}"
            else:
                problem = f"{where}: unexpected sequence number"
            return VerifyResult(False, count, expected_seq - 1, prev_hash, problem)
        if compute_hash(event) != event.hash:
            problem = f"{where}: contents do not match its hash (altered or inserted row)"
            return VerifyResult(False, count, expected_seq - 1, prev_hash, problem)
        if event.prev_hash != prev_hash:
            problem = f"{where}: link to the previous row broken (a row was inserted or removed)"
            return VerifyResult(False, count, expected_seq - 1, prev_hash, problem)
        if anchor is not None and event.seq == anchor[0]:
            if event.hash != anchor[1]:
                problem = f"{where}: hash differs from the recorded anchor"
                return VerifyResult(False, count, expected_seq - 1, prev_hash, problem)
            anchor_seen = True
        count += 1
        expected_seq, prev_hash = event.seq + 1, event.hash
    if not anchor_seen:
        problem = f"seq {anchor[0]} (the recorded anchor) is missing: rows removed from the end"
        return VerifyResult(False, count, expected_seq - 1, prev_hash, problem)
    return VerifyResult(True, count, expected_seq - 1, prev_hash)


def audit_log_read_audit(*, ctx: AccessContext | User, person: str = "", events=()) -> None:
    """Reading the audit log is itself audited: an event on the person when the log was
    filtered to one (``person``: their public id), else a search of the log at the reader's
    own node. ``events``: the rows shown, whose scope gives the person's township."""
    ctx = AccessContext.of(ctx)
    if person:
        shown = next((e for e in events if e.object_id == person), None)
        path = shown.scope_path if shown is not None else primary_path(ctx.actor)
        obj: tuple[str, str, str] = ("people.person", person, path)
        action = AuditAction.READ
    else:
        obj, action = ("access.auditevent", "", primary_path(ctx.actor)), AuditAction.SEARCH
    with transaction.atomic():
        # Oversight, not a look at the case: it does not count towards "many persons".
        audit_record(ctx=ctx, action=action, obj=obj, fields=("audit_log",), outside_caseload=False)
