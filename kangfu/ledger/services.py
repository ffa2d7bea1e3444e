"""Importing an office's ledger (台账): the same services a hand entry goes through.

``ledger_import`` reads the file as a stream, a chunk of rows at a time. The rows of persons
not registered yet go through the batched variants of the services the forms call —
``person_register_many`` (after the person form's own validators), ``case_open_many``,
``measure_record_decision_many``, ``measure_report_many``, ``risk.category_import_many``
and ``schedule.test_record_many`` — which run each single service's own checks per item and
write set-based; a batch runs inside a savepoint, and the rows a service refuses are
reported (row, column, message) and the batch run again without them (``_apply_new``). A
row of a registered person goes row by row through the single services (``_apply``), each
inside a savepoint. The whole run is one transaction: a preview (``commit=False``) always
rolls back, so it checks every rule a commit would meet, against the database as it is; a
commit rolls back too unless every row passed: all or nothing. Each created record writes
its audit events like a hand entry (batched: under one chain lock per service call).

Re-importing changes nothing: a person is matched by the blind index of the ID number, a
measure by its decision number, a category once set is kept, a past test by its day and
sample. Matched rows are counted, never duplicated.

Planning is set-based: the schedule's per-case replan that a report triggers
(``schedule.reactions.replan_after_measure[s]``) is held back with ``core.events.deferred``
and the plans of each chunk's new cases are computed in Python and written in bulk
(``schedule.plan_start_many``), from the import day on (the ledger's past is history, not
overdue work); the reminders of every case planned or tested are reconciled once, at the end.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import io
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kangfu.access import audit
from kangfu.access.audit import AccessContext
from kangfu.access.choices import Role
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may
from kangfu.cases import services as cases
from kangfu.cases.choices import CaseState
from kangfu.cases.models import Case, Measure
from kangfu.core import events
from kangfu.core.batch import BatchRefused, KeyCheck, analyse, chunks
from kangfu.ledger import reader
from kangfu.ledger.columns import (
    BY_KEY,
    CATEGORIES,
    MEASURE_KINDS,
    RESULTS,
    SAMPLES,
    SEX,
    header_of,
)
from kangfu.ledger.models import ImportRun, RunState
from kangfu.people import services as people
from kangfu.people.forms import PersonForm
from kangfu.people.models import Person
from kangfu.people.selectors import townships_for
from kangfu.people.services import PersonAlreadyRegistered, id_number_index, person_register
from kangfu.risk import services as risk
from kangfu.risk.models import PersonRisk
from kangfu.schedule import reactions as schedule_reactions
from kangfu.schedule import services as schedule
from kangfu.schedule.models import Appointment, DrugTest

logger = logging.getLogger(__name__)
# Rows read, checked and written per batch (memory stays bounded whatever the file).
CHUNK = 2000
# Cases planned from which the tables the import filled are analysed before their reminders
# are reconciled (PostgreSQL; ``core.batch.analyse``): a township's few hundred rows do not
# change what the planner should do, a province's tens of thousands do.
ANALYSE_AFTER = 5000
# Problems kept for the page; the count of all of them is kept too.
MAX_PROBLEMS = 2000

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Outcome:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    created: Counter = field(default_factory=Counter)
    matched: Counter = field(default_factory=Counter)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, row: int, key: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, header_of(key) if key else "", str(message)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "problems": [p.__dict__ for p in self.problems],
            "problem_count": self.problem_count,
            "created": dict(self.created),
            "matched": dict(self.matched),
            "committed": self.committed,
        }


@dataclass
class Row:
    number: int
    person: dict[str, Any]
    index: str = ""
    id_number: str = ""
    caseworker: User | None = None
    measure: dict[str, Any] | None = None
    category: tuple[str, dt.date] | None = None
    tests: list[tuple[dt.date, str, str]] = field(default_factory=list)
    failed: bool = False


def can_import(user: User, township: Jurisdiction) -> bool:
    return may(user, Action.LEDGER_IMPORT, township)


def import_townships(user: User) -> list[Jurisdiction]:
    return townships_for(user, Action.LEDGER_IMPORT)


# --- parsing one row: the forms' validators, before any service ----------------------------


def _date(row: Row, out: Outcome, raw: dict, key: str, *, required: bool = False):
    try:
        value = reader.as_date(raw.get(key))
    except (ValueError, TypeError):
        out.add(row.number, key, _("Enter a date as YYYY-MM-DD."))
        row.failed = True
        return None
    if value is None and required:
        out.add(row.number, key, _("This column is required here."))
        row.failed = True
    return value


def _choice(row: Row, out: Outcome, raw: dict, key: str, table: dict[str, str]) -> str:
    text = reader.as_text(raw.get(key))
    if not text:
        return ""
    if text not in table:
        out.add(
            row.number,
            key,
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": "、".join(dict.fromkeys(table))},
        )
        row.failed = True
        return ""
    return table[text]


_TEST_SPLIT = re.compile(r"[;；\n]+")


def _tests(row: Row, out: Outcome, text: str, today: dt.date) -> None:
    for item in filter(None, (part.strip() for part in _TEST_SPLIT.split(text))):
        bits = item.replace(",", " ").replace("，", " ").split()
        try:
            if len(bits) != 3:
                raise ValueError(item)
            day = reader.as_date(bits[0])
            sample, result = SAMPLES[bits[1]], RESULTS[bits[2]]
        except (ValueError, KeyError):
            out.add(
                row.number,
                "tests",
                _("“%(item)s” should read: date sample result (e.g. 2026-07-10 尿检 阴性).")
                % {"item": item},
            )
            row.failed = True
            continue
        if day > today:
            out.add(
                row.number, "tests", _("The test date %(day)s is in the future.") % {"day": day}
            )
            row.failed = True
            continue
        row.tests.append((day, sample, result))


class LedgerPersonForm(PersonForm):
    """The person form's fields and validators, without the township and caseworker
    choices (the township is the import's; the caseworker column is checked against the
    township's caseworkers once per file): no querysets built per row."""

    _shared: dict | None = None

    def __init__(self, data):
        # Every row's form shares one copy of the fields: none of them changes while it
        # cleans a value, and a deep copy per row was a third of the time spent parsing one.
        if LedgerPersonForm._shared is None:
            fields = copy.deepcopy(PersonForm.base_fields)
            del fields["township"], fields["caseworker"]
            LedgerPersonForm._shared = fields
        self.base_fields = {}
        forms.Form.__init__(self, data)
        self.fields = LedgerPersonForm._shared


def _parse(raw: reader.RawRow, *, township, caseworkers, out: Outcome, today) -> Row:
    v = raw.values
    row = Row(number=raw.number, person={})
    for key in raw.formulas:
        out.add(row.number, key, _("This cell holds a formula; enter the value itself."))
        row.failed = True
    sex = _choice(row, out, v, "sex", SEX)
    birth = _date(row, out, v, "birth_date")
    data = {
        "name": reader.as_text(v.get("name")),
        "id_number": reader.as_text(v.get("id_number")),
        "sex": sex,
        "birth_date": birth.isoformat() if birth else "",
        "phone": reader.as_text(v.get("phone")),
        "hukou_place": reader.as_text(v.get("hukou_place")),
        "residence_place": reader.as_text(v.get("residence_place")),
        "address": reader.as_text(v.get("address")),
    }
    form = LedgerPersonForm(data)
    if form.is_valid():
        person = form.person_data()
        row.person = {"data": person}
        row.id_number = person.id_number
        row.index = id_number_index(person.id_number)
    else:
        for key, messages in form.errors.items():
            for message in messages:
                out.add(row.number, key, message)
        row.failed = True
    username = reader.as_text(v.get("caseworker"))
    if username:
        row.caseworker = caseworkers.get(username)
        if row.caseworker is None:
            out.add(
                row.number,
                "caseworker",
                _("No caseworker of this township signs in as “%(name)s”.") % {"name": username},
            )
            row.failed = True
    kind = _choice(row, out, v, "measure_kind", MEASURE_KINDS)
    measure_keys = ("decision_number", "deciding_authority", "decided_on", "received_on")
    if kind:
        measure = {
            "kind": kind,
            "decision_number": reader.as_text(v.get("decision_number")),
            "deciding_authority": reader.as_text(v.get("deciding_authority")),
            "decided_on": _date(row, out, v, "decided_on", required=True),
            "received_on": _date(row, out, v, "received_on", required=True),
            "reported_on": _date(row, out, v, "reported_on"),
            "late_reason": reader.as_text(v.get("late_reason")),
            "term_months": None,
        }
        for key in ("decision_number", "deciding_authority"):
            if not measure[key]:
                out.add(row.number, key, _("This column is required here."))
                row.failed = True
        term = reader.as_text(v.get("term_months"))
        if term:
            try:
                measure["term_months"] = int(float(term))
            except ValueError:
                out.add(row.number, "term_months", _("Enter a whole number of months."))
                row.failed = True
        elif kind == "community_recovery":
            out.add(row.number, "term_months", _("Enter the term of community recovery."))
            row.failed = True
        row.measure = measure
    elif any(reader.as_text(v.get(k)) for k in (*measure_keys, "reported_on")):
        out.add(row.number, "measure_kind", _("Say which measure the decision orders."))
        row.failed = True
    category = _choice(row, out, v, "risk_category", CATEGORIES)
    assessed = _date(row, out, v, "assessed_on", required=bool(category))
    if category and assessed:
        row.category = (category, assessed)
    tests = reader.as_text(v.get("tests"))
    if tests:
        _tests(row, out, tests, today)
        if not kind and row.tests:
            out.add(row.number, "tests", _("Past tests need the measure on the same row."))
            row.failed = True
    return row


# --- applying one row through the services --------------------------------------------------


class RowRefused(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _refusals(exc: ValidationError, default: str) -> Iterable[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            for message in errors:
                yield (key if header_of(key) else default), message
    else:
        for message in exc.messages:
            yield default, message


def _open_case(person: Person) -> Case | None:
    return Case.objects.filter(person=person, state=CaseState.OPEN).first()


def _apply(ctx: AccessContext, township, row: Row, found: dict, decisions: dict, out: Outcome):
    person = found.get(row.index)
    step = "id_number"
    try:
        if person is not None:
            if person.township_id != township.pk:
                raise RowRefused(
                    "id_number",
                    _(
                        "This person is registered with another township; ask for a transfer "
                        "instead of importing them."
                    ),
                )
            out.matched["persons"] += 1
        else:
            try:
                person = person_register(
                    actor=ctx, township=township, data=row.person["data"], caseworker=row.caseworker
                )
            except PersonAlreadyRegistered:
                raise RowRefused(
                    "id_number",
                    _(
                        "This person is registered in another jurisdiction; a transfer must be "
                        "requested."
                    ),
                ) from None
            out.created["persons"] += 1
        case = _open_case(person)
        if row.measure is not None:
            step = "decision_number"
            m = row.measure
            known = decisions.get(m["decision_number"])
            if known is not None and known.person_id != person.pk:
                raise RowRefused(
                    "decision_number",
                    _("This decision number is already recorded for another person."),
                )
            if known is not None:
                out.matched["measures"] += 1
            else:
                if case is None:
                    step = "received_on"
                    case = cases.case_open(
                        actor=ctx,
                        person=person,
                        responsible=township,
                        caseworker=row.caseworker,
                        opened_on=m["received_on"],
                    )
                    out.created["cases"] += 1
                step = "decision_number"
                measure = cases.measure_record_decision(
                    actor=ctx,
                    case=case,
                    kind=m["kind"],
                    decision_number=m["decision_number"],
                    deciding_authority=m["deciding_authority"],
                    decided_on=m["decided_on"],
                    received_on=m["received_on"],
                    term_months=m["term_months"],
                )
                decisions[measure.decision_number] = measure
                out.created["measures"] += 1
                if m["reported_on"] is not None:
                    step = "reported_on"
                    cases.measure_report(
                        actor=ctx,
                        measure=measure,
                        reported_on=m["reported_on"],
                        late_reason=m["late_reason"],
                    )
        if row.category is not None:
            step = "risk_category"
            category, assessed_on = row.category
            done = risk.category_import(
                actor=ctx, person=person, category=category, assessed_on=assessed_on
            )
            (out.created if done else out.matched)["categories"] += 1
        if row.tests:
            step = "tests"
            case = case or _open_case(person)
            for taken_on, sample, result in row.tests:
                if DrugTest.objects.filter(case=case, taken_on=taken_on, sample=sample).exists():
                    out.matched["tests"] += 1
                    continue
                schedule.test_record(
                    actor=ctx, case=case, taken_on=taken_on, sample=sample, screen_result=result
                )
                out.created["tests"] += 1
        found[row.index] = person
    except RowRefused as exc:
        out.add(row.number, exc.key, exc.message)
        raise
    except ValidationError as exc:
        for key, message in _refusals(exc, step):
            out.add(row.number, key, message)
        raise
    except PermissionDenied:
        out.add(row.number, step, _("You may not record this for this township."))
        raise


def _report(out: Outcome, row: Row, step: str, exc: Exception) -> None:
    """Report what a service raised for ``row`` at ``step``, as ``_apply`` does."""
    if isinstance(exc, PersonAlreadyRegistered):
        out.add(
            row.number,
            "id_number",
            _("This person is registered in another jurisdiction; a transfer must be requested."),
        )
    elif isinstance(exc, ValidationError):
        for key, message in _refusals(exc, step):
            out.add(row.number, key, message)
    else:
        out.add(row.number, step, _("You may not record this for this township."))


class _StageRefused(Exception):
    """A batched service refused some rows at ``step`` (the batch's savepoint undoes it)."""

    def __init__(self, step: str, refused: list[tuple[Row, Exception]]):
        super().__init__(step)
        self.step, self.refused = step, refused


def _stage(step: str, rows: list[Row], call: Callable[[], Any]) -> Any:
    try:
        return call()
    except BatchRefused as exc:
        raise _StageRefused(step, [(rows[i], e) for i, e in exc.errors.items()]) from None


@dataclass
class _Written:
    """What one batch wrote: counts and the cases it touched."""

    created: Counter = field(default_factory=Counter)
    matched: Counter = field(default_factory=Counter)
    tested: list[int] = field(default_factory=list)


def _write_new(ctx: AccessContext, township, rows: list[Row], decisions: dict) -> _Written:
    """The rows of new persons through the batched services, stage by stage in the order
    ``_apply`` calls the single ones; ``_StageRefused`` names the rows a stage refused."""
    done = _Written()
    persons = _stage(
        "id_number",
        rows,
        lambda: people.person_register_many(
            actor=ctx,
            township=township,
            entries=[(row.person["data"], row.caseworker) for row in rows],
        ),
    )
    done.created["persons"] += len(persons)
    person_of = {row.number: person for row, person in zip(rows, persons, strict=True)}
    with_measure = [row for row in rows if row.measure is not None]
    opened = _stage(
        "received_on",
        with_measure,
        lambda: cases.case_open_many(
            actor=ctx,
            openings=[
                cases.CaseOpening(
                    person=person_of[row.number],
                    responsible=township,
                    caseworker=row.caseworker,
                    opened_on=row.measure["received_on"],
                )
                for row in with_measure
            ],
        ),
    )
    done.created["cases"] += len(opened)
    case_of = {row.number: case for row, case in zip(with_measure, opened, strict=True)}
    measures = _stage(
        "decision_number",
        with_measure,
        lambda: cases.measure_record_decision_many(
            actor=ctx,
            decisions=[
                cases.Decision(
                    case=case_of[row.number],
                    kind=row.measure["kind"],
                    decision_number=row.measure["decision_number"],
                    deciding_authority=row.measure["deciding_authority"],
                    decided_on=row.measure["decided_on"],
                    received_on=row.measure["received_on"],
                    term_months=row.measure["term_months"],
                )
                for row in with_measure
            ],
        ),
    )
    done.created["measures"] += len(measures)
    measure_of = {row.number: m for row, m in zip(with_measure, measures, strict=True)}
    reporting = [row for row in with_measure if row.measure["reported_on"] is not None]
    _stage(
        "reported_on",
        reporting,
        lambda: cases.measure_report_many(
            actor=ctx,
            reports=[
                cases.Report(
                    measure=measure_of[row.number],
                    reported_on=row.measure["reported_on"],
                    late_reason=row.measure["late_reason"],
                )
                for row in reporting
            ],
        ),
    )
    rated = [row for row in rows if row.category is not None]
    results = _stage(
        "risk_category",
        rated,
        lambda: risk.category_import_many(
            actor=ctx,
            entries=[(person_of[row.number], *row.category) for row in rated],
        ),
    )
    for result in results:
        (done.created if result is not None else done.matched)["categories"] += 1
    tests: list[schedule.SampleTaken] = []
    tested: list[Row] = []
    for row in rows:
        if not row.tests:
            continue
        case = case_of[row.number]  # past tests need the measure on the row (_parse)
        seen: set[tuple] = set()
        for taken_on, sample, result in row.tests:
            if (taken_on, sample) in seen:
                # _apply finds the one just recorded: the same test, matched.
                done.matched["tests"] += 1
                continue
            seen.add((taken_on, sample))
            tests.append(schedule.SampleTaken(case, taken_on, sample, result))
            tested.append(row)
        done.tested.append(case.pk)
    _stage(
        "tests",
        tested,
        lambda: schedule.test_record_many(actor=ctx, tests=tests, reconcile=False),
    )
    done.created["tests"] += len(tests)
    for row in rows:
        measure = measure_of.get(row.number)
        if measure is not None:
            decisions[measure.decision_number] = measure
    return done


def _apply_new(
    ctx: AccessContext, township, rows: list[Row], found: dict, decisions: dict, out: Outcome
) -> list[int]:
    """Apply the rows of persons not yet registered, set-based (``_write_new``), with the
    outcome ``_apply`` would have had row by row: a row a service refuses is reported under
    its column and left out, the others are written. The batch runs in a savepoint; when a
    stage refuses rows, the savepoint is undone and the batch runs again without them (each
    pass drops at least one row, so a batch takes at most one pass per stage plus one).
    Returns the ids of the cases given past tests (their reminders are the caller's)."""
    pending = []
    for row in rows:
        number = (row.measure or {}).get("decision_number")
        if number and decisions.get(number) is not None:
            # A new person's decision number known already is another person's.
            out.add(
                row.number,
                "decision_number",
                _("This decision number is already recorded for another person."),
            )
        else:
            pending.append(row)
    while pending:
        try:
            with transaction.atomic():
                done = _write_new(ctx, township, pending, decisions)
        except _StageRefused as exc:
            refused = set()
            for row, error in exc.refused:
                _report(out, row, exc.step, error)
                refused.add(row.number)
            pending = [row for row in pending if row.number not in refused]
            continue
        out.created.update(done.created)
        out.matched.update(done.matched)
        return done.tested
    return []


def _apply_matched(
    ctx: AccessContext, township, rows: list[Row], found: dict, decisions: dict, out: Outcome
) -> list[Row]:
    """Rows of registered persons that bring nothing new but perhaps a category (a file
    imported again): counted as matched in a few queries for the whole chunk, their
    categories through the batched ``category_import_many`` (which keeps a category once
    set, as ``_apply`` does). Returns the rows that need ``_apply``: anything else new."""
    persons = [found[row.index] for row in rows]
    open_cases = {
        case.person_id: case
        for case in Case.objects.filter(
            person__in=[p.pk for p in persons], state=CaseState.OPEN
        ).order_by("id")
    }
    taken = set(
        DrugTest.objects.filter(case__in=[c.pk for c in open_cases.values()]).values_list(
            "case_id", "taken_on", "sample"
        )
    )
    quiet, rest = [], []
    for row, person in zip(rows, persons, strict=True):
        known = decisions.get((row.measure or {}).get("decision_number"))
        case = open_cases.get(person.pk)
        if (
            person.township_id == township.pk
            and (row.measure is None or (known is not None and known.person_id == person.pk))
            and (
                not row.tests
                or (
                    case is not None
                    and all((case.pk, day, sample) in taken for day, sample, _r in row.tests)
                )
            )
        ):
            quiet.append(row)
        else:
            rest.append(row)
    rated = [row for row in quiet if row.category is not None]
    while True:
        try:
            with transaction.atomic():
                results = risk.category_import_many(
                    actor=ctx, entries=[(found[row.index], *row.category) for row in rated]
                )
        except BatchRefused as exc:
            for i, error in exc.errors.items():
                _report(out, rated[i], "risk_category", error)
            refused = {rated[i].number for i in exc.errors}
            quiet = [row for row in quiet if row.number not in refused]
            rated = [row for row in rated if row.number not in refused]
            continue
        break
    for result in results:
        (out.created if result is not None else out.matched)["categories"] += 1
    for row in quiet:
        out.matched["persons"] += 1
        if row.measure is not None:
            out.matched["measures"] += 1
        out.matched["tests"] += len(row.tests)
    return rest


def ledger_import(
    *,
    actor: User | AccessContext,
    township: Jurisdiction,
    handle: IO[bytes],
    commit: bool,
    progress: Progress | None = None,
    batched: bool = True,
) -> Outcome:
    """Check (``commit=False``) or import (``commit=True``) a ledger file for ``township``.

    Raises ``reader.LedgerFileError`` for a file that cannot be read at all. Otherwise
    returns the outcome: the problems by row and column, and what was (or would be) created
    and matched. A commit writes nothing unless every row passes.

    Rows of persons not registered yet go through the batched services a chunk at a time
    (``_apply_new``); a row of a registered person, through the single ones (``_apply``).
    ``batched=False`` sends every row through the single services: the reference the
    batched path is tested against (same rows, same audit events).
    """
    ctx = AccessContext.of(actor)
    if not can_import(ctx.actor, township):
        raise PermissionDenied("not a township officer of this township")
    sheet = reader.open_sheet(handle)
    today = timezone.localdate()
    caseworkers = {
        u.username: u
        for u in User.objects.filter(
            is_active=True, grants__role=Role.CASEWORKER, grants__jurisdiction=township
        )
    }
    out = Outcome()
    seen_ids: dict[str, int] = {}
    seen_decisions: dict[str, int] = {}
    # The cases whose reminders the import reconciles once, at its end.
    touched: list[int] = []
    held_back = (schedule_reactions.replan_after_measure, schedule_reactions.replan_after_measures)
    with transaction.atomic():
        # The audit events join the chain at the end, under one short lock (a check never
        # appends: it rolls back), so the run does not hold up everyone's audited reads. The
        # foreign-key checks of each chunk's writes run while the next chunk is read.
        with (
            audit.appends_held(discard=not commit),
            events.deferred(*held_back) as held,
            KeyCheck(enabled=commit) as keys,
        ):
            for chunk in chunks(sheet.rows, CHUNK):
                parsed = [
                    _parse(raw, township=township, caseworkers=caseworkers, out=out, today=today)
                    for raw in chunk
                ]
                keys.wait()
                for row in parsed:
                    if row.index:
                        first = seen_ids.setdefault(row.index, row.number)
                        if first != row.number:
                            out.add(
                                row.number,
                                "id_number",
                                _("The same ID number as row %(row)d.") % {"row": first},
                            )
                            row.failed = True
                    number = (row.measure or {}).get("decision_number")
                    if number:
                        first = seen_decisions.setdefault(number, row.number)
                        if first != row.number:
                            out.add(
                                row.number,
                                "decision_number",
                                _("The same decision number as row %(row)d.") % {"row": first},
                            )
                            row.failed = True
                indexes = [r.index for r in parsed if r.index]
                found = {
                    p.id_number_index: p
                    # The township with them: every service's permission check reads it.
                    for p in Person.objects.filter(id_number_index__in=indexes).select_related(
                        "township"
                    )
                }
                numbers = [r.measure["decision_number"] for r in parsed if r.measure]
                decisions = {
                    m.decision_number: m
                    for m in Measure.objects.filter(decision_number__in=numbers)
                }
                out.rows += len(parsed)
                fresh, rest = [], []
                for row in parsed:
                    if not row.failed:
                        (fresh if batched and row.index not in found else rest).append(row)
                if batched:
                    rest = _apply_matched(ctx, township, rest, found, decisions, out)
                for row in rest:
                    try:
                        with transaction.atomic():
                            _apply(ctx, township, row, found, decisions, out)
                    except (RowRefused, ValidationError, PermissionDenied):
                        pass  # reported by _apply; the savepoint undid the row
                touched.extend(_apply_new(ctx, township, fresh, found, decisions, out))
                if commit and out.ok:
                    # Planned chunk by chunk, so the held events never pile up.
                    touched.extend(plan_imported(held, on=today))
                held.clear()
                if progress is not None:
                    progress(out.rows, sheet.total)
                keys.start()
            keys.wait()
            if out.rows == 0:
                raise reader.LedgerFileError(_("The sheet has a header row but no rows."))
            if commit and out.ok:
                if len(touched) >= ANALYSE_AFTER:
                    analyse(WRITTEN)
                schedule.reminders_reconcile(touched, on=today)
                out.committed = True
            else:
                transaction.set_rollback(True)
    if commit and not out.committed:
        out.created.clear()
    return out


# What an import writes to and its reminder reconciliation then reads.
WRITTEN = (Person, Case, Measure, PersonRisk, Appointment, DrugTest)


def plan_imported(held: list, *, on: dt.date) -> list[int]:
    """Plan, in one pass, the cases whose measure the import started (the events the
    schedule's per-case replan was held back from): ``schedule.plan_start_many``. Returns
    the ids of the cases planned (their reminders are reconciled at the import's end)."""
    started = {}
    for event in held:
        for change in getattr(event, "changes", (event,)):
            if getattr(change, "plan_from", None) is not None:
                started[change.case.pk] = change.measure
    schedule.plan_start_many(started=started, on=on)
    return list(started)


__all__ = ["BY_KEY", "Outcome", "Problem", "can_import", "ledger_import", "plan_imported"]


# --- the page's runs: upload, check, commit, with progress for htmx polling ---------------


def _progress_key(run: ImportRun) -> str:
    return f"ledger:progress:{run.pk}"


def run_progress(run: ImportRun) -> tuple[int, int | None]:
    """Rows done and the sheet's announced total, while a check or commit is under way.

    Kept in the cache: the run's own transaction holds its writes until it ends, so the
    page could not read progress from the database. With several server processes the
    cache must be shared (docs/data.md)."""
    return cache.get(_progress_key(run), (0, None))


def _run(run: ImportRun, *, actor, commit: bool) -> None:
    def progress(done: int, total: int | None) -> None:
        cache.set(_progress_key(run), (done, total), 3600)

    content = base64.b64decode(run.content)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            outcome = ledger_import(
                actor=actor,
                township=run.township,
                handle=io.BytesIO(content),
                commit=commit,
                progress=progress,
            )
    except reader.LedgerFileError as exc:
        run.state, run.message, run.content = RunState.REFUSED, exc.message[:300], ""
    except Exception:
        run.state = RunState.FAILED if commit else RunState.REFUSED
        run.message = _("An unexpected error stopped the run; nothing was imported.")
        logger.exception("ledger import %s failed", run.public_id)
    else:
        run.outcome = outcome.as_dict()
        if outcome.committed:
            run.state, run.content = RunState.COMMITTED, ""
        else:
            run.state = RunState.CHECKED
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "message", "content", "outcome", "finished_at"])
    cache.delete(_progress_key(run))


def _start(work: Callable[[], None]) -> None:
    """Run ``work`` now (tests, KANGFU_IMPORT_IN_BACKGROUND=false) or in a thread of this
    process, so the upload answers at once and the page polls for progress."""
    if not settings.KANGFU_IMPORT_IN_BACKGROUND:
        work()
        return

    def target() -> None:
        try:
            work()
        finally:
            connections.close_all()

    threading.Thread(target=target, daemon=True, name="ledger-import").start()


def import_run_create(
    *, actor: User | AccessContext, township: Jurisdiction, name: str, content: bytes
) -> ImportRun:
    """Keep an uploaded file (encrypted) and start checking it."""
    ctx = AccessContext.of(actor)
    if not can_import(ctx.actor, township):
        raise PermissionDenied("not a township officer of this township")
    if len(content) > reader.MAX_BYTES:
        # Refused before it is stored: the message is the reader's own.
        run = ImportRun(township=township, uploaded_by=ctx.actor, file_name=name[:200])
        run.digest = hashlib.sha256(content).hexdigest()
        run.state = RunState.REFUSED
        try:
            reader.open_sheet(io.BytesIO(content))
        except reader.LedgerFileError as exc:
            run.message = exc.message[:300]
        run.finished_at = timezone.now()
        run.save()
        return run
    with transaction.atomic():
        # An earlier upload of the township that was never imported is dropped with it.
        ImportRun.objects.filter(
            township=township, state__in=(RunState.CHECKED, RunState.REFUSED)
        ).update(content="")
        run = ImportRun.objects.create(
            township=township,
            uploaded_by=ctx.actor,
            file_name=name[:200],
            digest=hashlib.sha256(content).hexdigest(),
            content=base64.b64encode(content).decode(),
        )
    _start(lambda: _run(run, actor=ctx, commit=False))
    return run


def import_run_commit(*, actor: User | AccessContext, run: ImportRun) -> ImportRun:
    """Import a checked file that had no problem: all or nothing, in one transaction."""
    ctx = AccessContext.of(actor)
    if not can_import(ctx.actor, run.township):
        raise PermissionDenied("not a township officer of this township")
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if (
            locked.state != RunState.CHECKED
            or locked.outcome.get("problem_count")
            or not (locked.content)
        ):
            raise ValidationError(_("Only a checked file without problems can be imported."))
        locked.state = RunState.COMMITTING
        locked.save(update_fields=["state"])
    _start(lambda: _run(locked, actor=ctx, commit=True))
    return locked
