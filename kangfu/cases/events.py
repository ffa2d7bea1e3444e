"""Facts the cases app announces (kangfu.core.events); who reacts is kangfu.web.reactions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kangfu.access.audit import AccessContext
from kangfu.cases.models import Case, Finding, LeaveRequest, Measure
from kangfu.core.events import Event


class Change:
    """What happened to a measure (MeasureChanged.change)."""

    STARTED = "started"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    ENDED = "ended"
    TERMINATED = "terminated"
    REFUSED = "refused"


@dataclass(frozen=True)
class MeasureChanged(Event):
    """A measure started, was suspended, resumed, ended, terminated or was refused.

    ``on`` is the day of the change; ``plan_from`` the first day whose plan it affects
    (None when nothing was ever planned, as for a refusal).
    """

    case: Case
    measure: Measure
    change: str
    on: dt.date
    plan_from: dt.date | None
    ctx: AccessContext


@dataclass(frozen=True)
class MeasuresChanged(Event):
    """Many measures changed at once (a batched service: the ledger import starts thousands).
    Each item is what a ``MeasureChanged`` would have announced; a handler reacts to all of
    them in one set-based pass."""

    changes: tuple[MeasureChanged, ...]


@dataclass(frozen=True)
class LeaveApproved(Event):
    """A leave report was approved: nothing is due while the person is away."""

    case: Case
    leave: LeaveRequest
    ctx: AccessContext


@dataclass(frozen=True)
class FindingConfirmed(Event):
    """An officer confirmed a proposed refusal, serious breach or relapse: it stands on the
    record (evidence for H1; reported to public security under art. 21)."""

    case: Case
    finding: Finding
    on: dt.date
    ctx: AccessContext


@dataclass(frozen=True)
class FindingWithdrawn(Event):
    """A confirmed finding was withdrawn as a wrong entry: it no longer counts (H1)."""

    case: Case
    finding: Finding
    on: dt.date
    ctx: AccessContext


@dataclass(frozen=True)
class CaseSealed(Event):
    """A case was sealed (戒断三年未复吸): it leaves dynamic control."""

    case: Case
    ctx: AccessContext


@dataclass(frozen=True)
class IdentityPurged(Event):
    """The identity data of a sealed case was purged at the end of its retention: what
    higher apps keep in free text about the person (visit notes) goes with it."""

    case: Case
    ctx: AccessContext
