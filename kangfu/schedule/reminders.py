"""Reminders, computed set-based: one SQL statement per kind, reconciled in bulk.

``refresh(on=…, scope=…)`` works out every reminder that should exist for the cases in
``scope`` (a ``Case`` queryset; None for all) into a temporary table — one
``INSERT … SELECT`` for the SQL kinds, plus the downgrade candidates the policy engine finds
while streaming — then deletes the reminders that no longer hold (an anti-join against the
temporary table) and inserts the new ones (``ON CONFLICT DO NOTHING`` on the reminder's
unique key, see ``insert_sql``). Running it twice changes nothing; memory does not grow with
the number of cases. The daily sweep calls it for everything; every schedule write calls it
for its own case; the today page calls it for the caseload it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import (
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kangfu.cases.choices import H1_FINDINGS, LIVE_STATES
from kangfu.cases.models import (
    Agreement,
    Case,
    ExternalPeriod,
    Finding,
    LegalHold,
    Measure,
    Transfer,
)
from kangfu.core.db import prepared
from kangfu.policy import engine
from kangfu.policy.facts import FactsError
from kangfu.policy.packs import get_pack
from kangfu.schedule import summary
from kangfu.schedule.choices import URGENCY, ReminderKind
from kangfu.schedule.models import Appointment, DrugTest, Reminder

TEMP = "kangfu_desired_reminder"
MEASURE_ENDING_DAYS = 30
CHUNK = 2000
# Below this many changed rows a full refresh leaves the statistics to autovacuum.
ANALYZE_MIN = 1000
Progress = Callable[[str], None]
K = ReminderKind


@dataclass
class Stats:
    desired: int = 0
    inserted: int = 0
    deleted: int = 0
    downgrade_checked: int = 0


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def seal_cutoff(pack_id: str, on: dt.date) -> dt.date:
    """The latest last-measure day from which a case may be sealed on ``on`` (the inverse
    of ``engine.sealing_due_on``, found by stepping back from the first guess)."""
    pack = get_pack(pack_id)
    years = pack.retention.seal_after_years_without_relapse
    day = on.replace(year=on.year - years, day=min(on.day, 28)) + dt.timedelta(days=5)
    while engine.sealing_due_on(pack, day) > on:
        day -= dt.timedelta(days=1)
    return day


def _pk_sql(scope: QuerySet) -> tuple[str, list]:
    """(sql, params) of the scope's primary keys, unordered as a subquery is, compiled once
    per scope object: a queryset does not change, and every statement of a refresh
    filters by it (the branches, the review and downgrade reads, the delete)."""
    cached = scope.__dict__.get("_kangfu_pk_sql")
    if cached is None:
        sql, params = scope.order_by().values("pk").query.sql_with_params()
        cached = scope.__dict__["_kangfu_pk_sql"] = (sql, tuple(params))
    return cached[0], list(cached[1])


# A scoped refresh names its scope's case ids once, in a WITH clause, and every branch of the
# UNION reads them from there: the scope (a caseload: a jurisdiction path, a caseworker) is
# planned and run once instead of once per branch; on PostgreSQL that halved the caseload's
# statement (20 ms → 8 ms, docs/decisions.md "Load").
SCOPE_CTE = "kangfu_scope"
_SCOPE_REF = f"SELECT id FROM {SCOPE_CTE}"


def _scope_with(scope: QuerySet) -> tuple[str, list]:
    """(sql, params) of the WITH clause that names the scope's case ids ``SCOPE_CTE``.
    MATERIALIZED on PostgreSQL says what both databases do anyway with a CTE read more
    than once."""
    sql, params = _pk_sql(scope)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    return f"WITH {SCOPE_CTE} (id) AS {materialized}({sql})\n", params


class _ScopeSlot:
    """The parameter standing for the scope in a compiled query (compared by identity)."""


# Where the scope goes in a compiled query: one placeholder whose parameter is the slot.
_SLOT_SQL = "SELECT %s AS kangfu_scope_slot"
_compiled: dict[tuple, tuple[str, list, _ScopeSlot, list]] = {}


def _compiled_with_scope(
    key: tuple,
    build: Callable[[Q | None], QuerySet],
    scope: QuerySet,
    *,
    splice: tuple[str, list] | None = None,
) -> tuple[str, list, list]:
    """(sql, params, converters) of ``build(scope filter)``, its ORM compilation done once
    per process and ``key`` (what else the query depends on: the day, say), not once per
    page.

    The query is compiled with a one-parameter stand-in for the scope; each call splices
    the scope's own SQL in its place and its parameters at the stand-in's position
    (placeholders and parameters go in the same order), so the statement is the one the
    ORM builds around ``pk IN (scope)``. Only SQL text and the columns' converters are
    kept, never a row. ``converters`` are the ORM's, as ``_converted`` applies them.
    ``splice`` (sql, params) goes in the stand-in's place instead of the scope's own query
    (``desired_sql`` splices a reference to its WITH clause)."""
    key = (connection.alias, connection.vendor, *key)
    entry = _compiled.get(key)
    if entry is None:
        slot = _ScopeSlot()
        compiler = build(Q(pk__in=RawSQL(_SLOT_SQL, [slot]))).query.get_compiler(
            connection=connection
        )
        sql, params = compiler.as_sql()
        params = list(params)
        if sql.count(_SLOT_SQL) != 1 or [p is slot for p in params].count(True) != 1:
            raise AssertionError("the scope stand-in must appear exactly once")
        columns = [column for column, _, _ in compiler.select]
        converters = list(compiler.get_converters(columns).items())
        if len(_compiled) > 32:  # a few days and vendors; never grows with users
            _compiled.clear()
        entry = _compiled[key] = (sql, params, slot, converters)
    sql, params, slot, converters = entry
    ssql, sparams = splice if splice is not None else _pk_sql(scope)
    at = next(i for i, p in enumerate(params) if p is slot)
    return sql.replace(_SLOT_SQL, ssql), [*params[:at], *sparams, *params[at + 1 :]], converters


def _converted(rows: Iterable[tuple], converters: list) -> Iterator[tuple]:
    """The rows as the ORM would return them (Django's SQLCompiler.apply_converters)."""
    for row in rows:
        values = list(row)
        for pos, (convs, expression) in converters:
            value = values[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            values[pos] = value
        yield tuple(values)


def desired_sql(*, on: dt.date, scope: QuerySet | None = None) -> tuple[str, list]:
    """One SELECT (a UNION ALL, one branch per kind) of (case_id, kind, ref, due_on,
    urgency, detail) for every reminder the record calls for on ``on``. Also the
    hand-written floor of the benchmark."""
    case, appt, test = _t(Case), _t(Appointment), _t(DrugTest)
    measure, finding, hold = _t(Measure), _t(Finding), _t(LegalHold)
    agreement, transfer, external = _t(Agreement), _t(Transfer), _t(ExternalPeriod)
    where = "" if scope is None else f" AND c.id IN ({_SCOPE_REF})"
    branches: list[tuple[str, list]] = []

    def branch(sql: str, params: list) -> None:
        branches.append((sql + where, params))

    branch(
        f"SELECT a.case_id, %s, a.id, a.{_q('on')}, %s, a.kind FROM {appt} a "
        f"JOIN {case} c ON c.id = a.case_id "
        f"WHERE a.state = 'planned' AND a.{_q('on')} < %s AND c.state = 'open'",
        [K.OVERDUE.value, URGENCY[K.OVERDUE], on],
    )
    branch(
        f"SELECT a.case_id, %s, a.id, a.{_q('on')}, %s, a.kind FROM {appt} a "
        f"JOIN {case} c ON c.id = a.case_id "
        f"WHERE a.state = 'planned' AND a.{_q('on')} = %s AND c.state = 'open'",
        [K.DUE_TODAY.value, URGENCY[K.DUE_TODAY], on],
    )
    branch(
        f"SELECT t.case_id, %s, t.id, t.taken_on, %s, t.sample FROM {test} t "
        f"JOIN {case} c ON c.id = t.case_id "
        f"WHERE t.screen_result = 'positive' AND t.lab_result = '' AND c.state <> 'sealed'",
        [K.LAB_OUTSTANDING.value, URGENCY[K.LAB_OUTSTANDING]],
    )
    branch(
        f"SELECT f.case_id, %s, f.id, f.found_on, %s, f.kind FROM {finding} f "
        f"JOIN {case} c ON c.id = f.case_id "
        f"WHERE f.state = 'confirmed' AND f.reported_on IS NULL AND c.state <> 'sealed'",
        [K.POLICE_REPORT.value, URGENCY[K.POLICE_REPORT]],
    )
    # A finding withdrawn after it went to public security: they must hear of the correction.
    branch(
        f"SELECT f.case_id, %s, f.id, f.withdrawn_on, %s, f.kind FROM {finding} f "
        f"JOIN {case} c ON c.id = f.case_id "
        f"WHERE f.state = 'withdrawn' AND f.reported_on IS NOT NULL "
        f"AND f.correction_reported_on IS NULL AND c.state <> 'sealed'",
        [K.POLICE_CORRECTION.value, URGENCY[K.POLICE_CORRECTION]],
    )
    # Due process: a proposed finding the person has not been told of yet …
    branch(
        f"SELECT f.case_id, %s, f.id, f.found_on, %s, f.kind FROM {finding} f "
        f"JOIN {case} c ON c.id = f.case_id "
        f"WHERE f.state = 'proposed' AND f.notified_on IS NULL AND c.state <> 'sealed'",
        [K.FINDING_NOTICE.value, URGENCY[K.FINDING_NOTICE]],
    )
    # … and one ready for the officer: the person explained, or the period ran out.
    branch(
        f"SELECT f.case_id, %s, f.id, COALESCE(f.explained_on, f.explanation_due_on), %s, "
        f"f.kind FROM {finding} f JOIN {case} c ON c.id = f.case_id "
        f"WHERE f.state = 'proposed' AND f.notified_on IS NOT NULL "
        f"AND (f.explanation <> '' OR f.explanation_due_on < %s) AND c.state <> 'sealed'",
        [K.FINDING_DECISION.value, URGENCY[K.FINDING_DECISION], on],
    )
    # The 15-day report deadline (art. 14): close …
    branch(
        f"SELECT m.case_id, %s, m.id, m.report_due_on, %s, m.kind FROM {measure} m "
        f"JOIN {case} c ON c.id = m.case_id "
        f"WHERE m.state = 'awaiting_report' AND m.report_due_on >= %s "
        f"AND m.report_due_on <= %s AND c.state = 'open'",
        [K.REPORT_DUE_SOON.value, URGENCY[K.REPORT_DUE_SOON], on, on + dt.timedelta(days=3)],
    )
    # … or passed with no refusal proposed: record a good reason or propose the refusal.
    branch(
        f"SELECT m.case_id, %s, m.id, m.report_due_on, %s, m.kind FROM {measure} m "
        f"JOIN {case} c ON c.id = m.case_id "
        f"WHERE m.state = 'awaiting_report' AND m.report_due_on < %s AND c.state = 'open' "
        f"AND NOT EXISTS (SELECT 1 FROM {finding} f WHERE f.measure_id = m.id "
        f"AND f.kind = 'refusal' AND f.state IN ('proposed', 'confirmed'))",
        [K.REPORT_OVERDUE.value, URGENCY[K.REPORT_OVERDUE], on],
    )
    # An agreement is signed at reporting (art. 16), and again at the new township after a
    # transfer: none signed 7 days after that day.
    since = "COALESCE(c.agreement_needed_from, m.reported_on)"
    branch(
        f"SELECT m.case_id, %s, m.id, {since}, %s, m.kind FROM {measure} m "
        f"JOIN {case} c ON c.id = m.case_id "
        f"WHERE m.state IN ('active', 'suspended') AND {since} <= %s "
        f"AND c.state = 'open' AND NOT EXISTS (SELECT 1 FROM {agreement} g "
        f"WHERE g.measure_id = m.id AND g.signed_on >= {since})",
        [K.AGREEMENT_UNSIGNED.value, URGENCY[K.AGREEMENT_UNSIGNED], on - dt.timedelta(days=7)],
    )
    # After a transfer the person reports at the new township within 15 days (art. 22).
    # The ref is the transfer's id negated: the measure branches above key the same kinds on
    # the measure's id, and the two id spaces overlap (see ``action``).
    branch(
        f"SELECT t.case_id, CASE WHEN t.report_due_on < %s THEN %s ELSE %s END, -t.id, "
        f"t.report_due_on, CASE WHEN t.report_due_on < %s THEN %s ELSE %s END, 'transfer' "
        f"FROM {transfer} t JOIN {case} c ON c.id = t.case_id "
        f"WHERE t.state = 'accepted' AND t.reported_on IS NULL AND t.report_due_on IS NOT NULL "
        f"AND t.report_due_on <= %s AND c.state = 'open'",
        [
            on,
            K.REPORT_OVERDUE.value,
            K.REPORT_DUE_SOON.value,
            on,
            URGENCY[K.REPORT_OVERDUE],
            URGENCY[K.REPORT_DUE_SOON],
            on + dt.timedelta(days=3),
        ],
    )
    # A review that is due, an event since the last assessment, or no assessment yet: the
    # risk app's one definition (risk.selectors.review_due_cases), which the supervisor's
    # risk list reads too, compiled into this UNION.
    branches.append(_review_due_branch(on=on, scope=scope, splice=(_SCOPE_REF, [])))
    branch(
        f"SELECT m.case_id, %s, m.id, m.ends_on, %s, m.kind FROM {measure} m "
        f"JOIN {case} c ON c.id = m.case_id "
        f"WHERE m.state IN ('active', 'suspended') AND m.ends_on <= %s AND c.state = 'open'",
        [
            K.MEASURE_ENDING.value,
            URGENCY[K.MEASURE_ENDING],
            on + dt.timedelta(days=MEASURE_ENDING_DAYS),
        ],
    )
    # order_by(): the model's ordering would join the DISTINCT, giving one row (and one
    # OR term below) per closed case instead of one per pack. A scoped refresh needs only
    # its own closed cases' packs (not a scan of every case in the country per page).
    closed = Case.objects.filter(state="closed")
    if scope is not None:
        closed = closed.filter(pk__in=RawSQL(*_pk_sql(scope)))
    packs = list(closed.order_by().values_list("pack_id", flat=True).distinct())
    if packs:
        cond = " OR ".join(["(c.pack_id = %s AND lm.last_day <= %s)"] * len(packs))
        cparams: list = []
        for pack_id in packs:
            cparams += [pack_id, seal_cutoff(pack_id, on)]
        branch(
            f"SELECT c.id, %s, 0, lm.last_day, %s, '' FROM {case} c "
            # Clean years count from the later of the last measure's end and the release
            # from isolation or prison; never while such a period is still open.
            f"JOIN (SELECT case_id, MAX(d) AS last_day FROM (SELECT case_id, finished_on AS d "
            f"FROM {measure} UNION ALL SELECT case_id, ends_on AS d FROM {external}) x "
            f"GROUP BY case_id) lm ON lm.case_id = c.id "
            f"WHERE c.state = 'closed' AND ({cond}) "
            f"AND NOT EXISTS (SELECT 1 FROM {external} e WHERE e.case_id = c.id "
            f"AND e.ends_on IS NULL) AND NOT EXISTS (SELECT 1 FROM {case} c2 "
            f"WHERE c2.person_id = c.person_id AND (c2.state = 'open' "
            f"OR c2.opened_on > c.opened_on))",
            [K.CAN_SEAL.value, URGENCY[K.CAN_SEAL], *cparams],
        )
    branch(
        f"SELECT c.id, %s, 0, c.purge_due_on, %s, '' FROM {case} c "
        f"WHERE c.state = 'sealed' AND c.purged_on IS NULL AND c.purge_due_on <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {hold} h WHERE h.case_id = c.id "
        f"AND h.released_on IS NULL)",
        [K.PAST_RETENTION.value, URGENCY[K.PAST_RETENTION], on],
    )
    sql = "\nUNION ALL\n".join(s for s, _ in branches)
    params = [p for _, ps in branches for p in ps]
    if scope is not None:
        with_sql, with_params = _scope_with(scope)
        sql, params = with_sql + sql, [*with_params, *params]
    return sql, params


def _review_due_branch(
    *, on: dt.date, scope: QuerySet | None, splice: tuple[str, list] | None = None
) -> tuple[str, list]:
    """(case_id, kind, ref, due_on, urgency, detail) of the REASSESSMENT_DUE reminders: the
    cases of ``review_due_cases``; due since the case opened (first assessment), the
    event (reassessment marked) or the review date. ``splice``: as ``_compiled_with_scope``."""
    from kangfu.risk.selectors import review_due_cases

    def build(in_scope: Q | None) -> QuerySet:
        # The same join review_due_cases filters on (reused, not repeated).
        first = Q(person__risk__isnull=True) | Q(person__risk__category__isnull=True)
        event = Q(person__risk__needs_reassessment=True)
        qs = review_due_cases(on=on)
        if in_scope is not None:
            qs = qs.filter(in_scope)
        qs = qs.annotate(
            r_case=F("pk"),
            r_kind=Value(K.REASSESSMENT_DUE.value, output_field=CharField()),
            r_ref=Value(0, output_field=IntegerField()),
            r_due=DbCase(
                When(first, then=F("opened_on")),
                When(event, then=F("person__risk__reassessment_since")),
                default=F("person__risk__next_review_on"),
                output_field=DateField(),
            ),
            r_urgency=Value(URGENCY[K.REASSESSMENT_DUE], output_field=IntegerField()),
            r_detail=DbCase(
                When(first, then=Value("first")),
                When(event, then=Value("event")),
                default=Value("review"),
                output_field=CharField(),
            ),
        ).values_list("r_case", "r_kind", "r_ref", "r_due", "r_urgency", "r_detail")
        return qs.order_by()

    if scope is None:
        sql, params = build(None).query.sql_with_params()
        return sql, list(params)
    sql, params, _ = _compiled_with_scope(("review", on), build, scope, splice=splice)
    return sql, params


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _downgrade_query(in_scope: Q | None) -> QuerySet:
    """(pk, pack, category, facts, from_record, measure kind, h1, assessed_on) of the cases
    whose person's category could come down (see ``downgrade_rows``)."""
    from kangfu.risk.models import PersonRisk

    # M1 holds under a live measure, the one awaiting the person's report included (the
    # decision orders it; risk.record.record_facts says the same).
    live = Measure.objects.filter(case=OuterRef("pk"), state__in=LIVE_STATES)
    # Used inside the Finding subquery, so the case is two levels out.
    latest = Measure.objects.filter(person=OuterRef(OuterRef("person_id"))).order_by(
        "-decided_on", "-id"
    )
    risk = PersonRisk.objects.filter(person=OuterRef("person_id"))
    qs = Case.objects.filter(
        state="open",
        person__risk__category__in=["high", "medium"],
        person__risk__last_assessment__isnull=False,
    ).annotate(
        measure_kind=Subquery(live.order_by("-id").values("kind")[:1]),
        h1=Exists(
            Finding.objects.filter(
                measure_id=Subquery(latest.values("id")[:1]),
                kind__in=H1_FINDINGS,
                state="confirmed",
            )
        ),
        assessed_on=Subquery(risk.values("assessed_on")[:1]),
    )
    # Under a measure M1 holds, so only a high person can come down, and only when H1 was
    # taken from the record and the record no longer shows it: every other high criterion
    # is the assessor's answer, which changes only with a new assessment. Everyone else under
    # a measure is skipped in SQL; the engine decides for the rest.
    qs = qs.filter(
        Q(measure_kind__isnull=True)
        | Q(
            person__risk__category="high",
            person__risk__last_assessment__facts__refuses_or_serious_breach=True,
            h1=False,
        )
    )
    if in_scope is not None:
        qs = qs.filter(in_scope)
    return qs.values_list(
        "pk",
        "pack_id",
        "person__risk__category",
        "person__risk__last_assessment__facts",
        "person__risk__last_assessment__from_record",
        "measure_kind",
        "h1",
        "assessed_on",
    ).order_by()


def downgrade_rows(*, on: dt.date, scope: QuerySet | None = None) -> Iterator[tuple]:
    """Reminder rows for persons whose category could come down: their last approved
    assessment's facts, brought up to ``on`` with what only the record says (the measure in
    force, H1 findings when the assessment took H1 from the record), classified again by
    the engine. Streams; only high persons, and medium persons without a measure in force,
    can come down at all (a measure keeps M1), so only they are read."""
    if scope is None:
        # A full refresh streams: memory must not grow with the registry.
        stream: Iterable[tuple] = _downgrade_query(None).iterator(chunk_size=CHUNK)
    else:
        # A scoped one (a caseload, a written case) is small: one round trip, not a cursor,
        # and the statement compiled once (it depends on nothing but the scope).
        sql, params, converters = _compiled_with_scope(("downgrade",), _downgrade_query, scope)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            stream = list(_converted(cursor.fetchall(), converters))
    urgency = URGENCY[K.DOWNGRADE_POSSIBLE]
    for pk, pack_id, category, facts, from_record, kind, h1, assessed_on in stream:
        data = dict(facts or {})
        data["as_of"] = on.isoformat()
        data["current_category"] = category
        data["active_measure"] = kind
        if "refuses_or_serious_breach" in (from_record or []):
            data["refuses_or_serious_breach"] = bool(h1)
        try:
            result = engine.classify(get_pack(pack_id), engine.facts_from_dict(data))
        except (FactsError, ValueError):
            yield None
            continue
        current = engine.Category(category)
        if result.category.rank < current.rank:
            yield (pk, K.DOWNGRADE_POSSIBLE.value, 0, assessed_on, urgency, result.category.value)
        else:
            yield None


def _create_temp(cursor) -> None:
    """The temporary table of the desired reminders, empty. It lives as long as the
    connection (persistent connections: CONN_MAX_AGE). On PostgreSQL it is emptied at each
    commit (ON COMMIT DELETE ROWS: a truncation): a DELETE leaves its rows behind as dead
    tuples that no autovacuum ever reaches in a temporary table, and every later refresh on
    the connection scanned them all — the caseload's anti-join grew from 3 ms to 25 ms over
    200 refreshes. SQLite's DELETE without WHERE truncates already.

    It is created in the refresh's own transaction, every time (IF NOT EXISTS): a pooler in
    transaction mode may hand each transaction another server connection. On PostgreSQL it
    is empty at the start of every refresh (truncated at commit, emptied at the end of a
    refresh that ran, and a failed refresh's rows go with the rollback of its caller's
    transaction or savepoint, see ``refresh``), so only SQLite, whose temporary table keeps
    its rows across commits, empties it here. Callers other than ``refresh`` (tests) must
    leave it empty as they found it."""
    postgresql = connection.vendor == "postgresql"
    on_commit = " ON COMMIT DELETE ROWS" if postgresql else ""
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {TEMP} (case_id bigint NOT NULL, "
        "kind varchar(20) NOT NULL, ref bigint NOT NULL, due_on date NOT NULL, "
        f"urgency smallint NOT NULL, detail varchar(40) NOT NULL){on_commit}"
    )
    if not postgresql:
        cursor.execute(f"DELETE FROM {TEMP}")


def insert_sql() -> str:
    """The new reminders, from the temporary table into the reminder table.

    ``ON CONFLICT DO NOTHING`` against ``reminder_unique`` rather than ``WHERE NOT EXISTS``:
    on an empty reminder table whose statistics say so (analysed while empty: a fresh
    install, restore or import) PostgreSQL planned the anti-join as a nested loop over a
    sequential scan of the table being filled, and each rescan reads the rows this very
    statement has appended (invisible to it, but read): O(n²), 23–71 s for 52,623
    reminders. The unique index answers the same question per row whatever the statistics
    say, and a concurrent refresh of the same case (a write during the sweep) is skipped
    rather than failing with a unique violation. ``WHERE true`` is
    SQLite's way to tell the SELECT's end from the upsert clause."""
    reminder = _t(Reminder)
    cols = "case_id, kind, ref, due_on, urgency, detail"
    return (
        f"INSERT INTO {reminder} ({cols}) SELECT {cols} FROM {TEMP} d WHERE true "
        "ON CONFLICT (case_id, kind, ref) DO NOTHING"
    )


def _changed_much(stats: Stats) -> bool:
    """Whether a full refresh changed enough rows that the table's statistics are stale
    (a rule like autovacuum's: 10 % of the table, and at least ANALYZE_MIN rows)."""
    return stats.inserted + stats.deleted >= max(ANALYZE_MIN, stats.desired // 10)


def refresh(
    *, on: dt.date | None = None, scope: QuerySet | None = None, progress: Progress | None = None
) -> Stats:
    """Reconcile the reminders of ``scope`` (all cases when None) with the record.

    Inside a caller's transaction (a service after its write) it opens no savepoint of its
    own: a failure here rolls back to the caller's savepoint or transaction, so the write
    fails with it and nothing goes on half-refreshed (no caller catches a failed refresh
    and carries on). A savepoint of its own was two more round trips per recorded result."""
    on = on or timezone.localdate()
    step = progress or (lambda name: None)
    stats = Stats()
    reminder = _t(Reminder)
    cols = "case_id, kind, ref, due_on, urgency, detail"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        _create_temp(cursor)
        sql, params = desired_sql(on=on, scope=scope)
        cursor.execute(f"INSERT INTO {TEMP} ({cols}) {sql}", params)
        # The table was empty: what the INSERT wrote is what it holds (no COUNT needed).
        stats.desired = cursor.rowcount
        step("reminders computed")
        batch: list[tuple] = []
        for row in downgrade_rows(on=on, scope=scope):
            stats.downgrade_checked += 1
            if row is not None:
                batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(f"INSERT INTO {TEMP} ({cols}) VALUES (%s,%s,%s,%s,%s,%s)", batch)
                stats.desired += len(batch)  # one row each
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {TEMP} ({cols}) VALUES (%s,%s,%s,%s,%s,%s)", batch)
            stats.desired += len(batch)
        step("downgrades checked")
        if connection.vendor == "postgresql" and scope is None:
            # Temporary tables are never analysed automatically; the anti-join needs counts.
            cursor.execute(f"ANALYZE {TEMP}")
        where, wparams = "", []
        if scope is not None:
            ssql, wparams = _pk_sql(scope)
            where = f"case_id IN ({ssql}) AND "
        cursor.execute(
            f"DELETE FROM {reminder} WHERE {where}NOT EXISTS (SELECT 1 FROM {TEMP} d "
            f"WHERE d.case_id = {reminder}.case_id AND d.kind = {reminder}.kind "
            f"AND d.ref = {reminder}.ref AND d.due_on = {reminder}.due_on "
            f"AND d.detail = {reminder}.detail)",
            list(wparams),
        )
        stats.deleted = cursor.rowcount
        step("stale reminders cleared")
        cursor.execute(insert_sql())
        stats.inserted = cursor.rowcount
        cursor.execute(f"DELETE FROM {TEMP}")
        if connection.vendor == "postgresql" and scope is None and _changed_much(stats):
            # The reminder table's statistics now describe another table (empty, say, on
            # the first night): the today page and the snapshot after the sweep read it.
            cursor.execute(f"ANALYZE {reminder}")
        step("new reminders written")
    return stats


def refresh_cases(case_ids: Iterable[int], *, on: dt.date | None = None) -> Stats:
    """Reconcile the reminders of a few cases (after a write to one of them), and the due
    summaries the lists sort by (schedule.summary), which follow the same writes."""
    case_ids = list(case_ids)
    # A few cases by their keys: prepared (kangfu.core.db), as the today page's refresh of a
    # caseload is by its view. The nightly refresh of everything runs each statement once.
    with prepared():
        summary.refresh(case_ids=case_ids, on=on)
        return refresh(on=on, scope=Case.objects.filter(pk__in=case_ids))
