"""Importing an office's ledger (台账): the same services a hand entry goes through.

``ledger_import`` reads the file as a stream and, row by row, calls the services the forms
call — ``person_register`` (after the person form's own validators), ``case_open``,
``measure_record_decision``, ``measure_report``, ``risk.category_import`` and
``schedule.test_record`` — each row inside a savepoint, so a row that a service refuses
is reported (row, column, message) and undone without stopping the others. The whole run
is one transaction: a preview (``commit=False``) always rolls back, so it checks every rule
a commit would meet, against the database as it is; a commit rolls back too unless every
row passed: all or nothing. Each created record writes its audit events like a hand entry.

Re-importing changes nothing: a person is matched by the blind index of the ID number, a
measure by its decision number, a category once set is kept, a past test by its day and
sample. Matched rows are counted, never duplicated.

Planning is set-based: the schedule's per-case replan that a report triggers
(``schedule.reactions.replan_after_measure``) is held back with ``core.events.deferred``
and the plans of all new cases are computed in Python and written with one bulk insert,
from the import day on (the ledger's past is history, not overdue work).
"""

from __future__ import annotations

import base64
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

from kangfu.access.audit import AccessContext
from kangfu.access.choices import Role
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may
from kangfu.cases import services as cases
from kangfu.cases.choices import CaseState
from kangfu.cases.models import Case, Measure
from kangfu.core import events
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
from kangfu.people.forms import PersonForm
from kangfu.people.models import Person
from kangfu.people.selectors import townships_for
from kangfu.people.services import PersonAlreadyRegistered, id_number_index, person_register
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.risk import services as risk
from kangfu.schedule import planning, reminders
from kangfu.schedule import reactions as schedule_reactions
from kangfu.schedule import services as schedule
from kangfu.schedule.models import Appointment, DrugTest

logger = logging.getLogger(__name__)
CHUNK = 500
BULK = 5000
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

    def __init__(self, data):
        forms.Form.__init__(self, data)
        del self.fields["township"], self.fields["caseworker"]


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


def _chunked(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ledger_import(
    *,
    actor: User | AccessContext,
    township: Jurisdiction,
    handle: IO[bytes],
    commit: bool,
    progress: Progress | None = None,
) -> Outcome:
    """Check (``commit=False``) or import (``commit=True``) a ledger file for ``township``.

    Raises ``reader.LedgerFileError`` for a file that cannot be read at all. Otherwise
    returns the outcome: the problems by row and column, and what was (or would be) created
    and matched. A commit writes nothing unless every row passes.
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
    with transaction.atomic():
        with events.deferred(schedule_reactions.replan_after_measure) as held:
            for chunk in _chunked(sheet.rows, CHUNK):
                parsed = [
                    _parse(raw, township=township, caseworkers=caseworkers, out=out, today=today)
                    for raw in chunk
                ]
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
                    p.id_number_index: p for p in Person.objects.filter(id_number_index__in=indexes)
                }
                numbers = [r.measure["decision_number"] for r in parsed if r.measure]
                decisions = {
                    m.decision_number: m
                    for m in Measure.objects.filter(decision_number__in=numbers)
                }
                for row in parsed:
                    out.rows += 1
                    if row.failed:
                        continue
                    try:
                        with transaction.atomic():
                            _apply(ctx, township, row, found, decisions, out)
                    except (RowRefused, ValidationError, PermissionDenied):
                        pass  # reported by _apply; the savepoint undid the row
                if progress is not None:
                    progress(out.rows, sheet.total)
            if out.rows == 0:
                raise reader.LedgerFileError(_("The sheet has a header row but no rows."))
            if commit and out.ok:
                plan_imported(held, on=today)
                out.committed = True
            else:
                transaction.set_rollback(True)
    if commit and not out.committed:
        out.created.clear()
    return out


def plan_imported(held: list, *, on: dt.date) -> int:
    """Plan, in one pass, the cases whose measure the import started (the events the
    schedule's per-case replan was held back from). Returns the appointments created."""
    started = {}
    for event in held:
        if getattr(event, "plan_from", None) is not None:
            started[event.case.pk] = event.measure
    if not started:
        return 0
    categories = dict(
        Case.objects.filter(pk__in=list(started)).values_list("pk", "approved_category")
    )
    rows: list[Appointment] = []
    created = 0
    for case_id, measure in started.items():
        if measure.starts_on is None:
            continue
        approved = categories.get(case_id) or ""
        desired = planning.plan(
            get_pack(measure.pack_id),
            category=engine.Category(approved) if approved else None,
            measure=planning.MeasureDates(
                measure.id, measure.kind, measure.starts_on, measure.ends_on
            ),
            consent=None,
            away=[],
            from_date=max(on, measure.starts_on),
        )
        rows.extend(
            Appointment(
                case_id=case_id,
                measure_id=p.measure_id,
                kind=p.kind,
                basis=p.basis,
                due_on=p.due_on,
                on=p.on,
                moved_reason=p.moved_reason,
            )
            for p in desired
        )
        if len(rows) >= BULK:
            Appointment.objects.bulk_create(rows)
            created += len(rows)
            rows = []
    Appointment.objects.bulk_create(rows)
    created += len(rows)
    reminders.refresh_cases(list(started), on=on)
    return created


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
