"""Reads of the audit log: a supervisor's subtree view with flags, a record's own history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.shortcuts import get_object_or_404

from kangfu.access.choices import AuditAction
from kangfu.access.models import AuditEvent
from kangfu.access.permissions import Action, grants_with, roles_for

# 22:00–06:00 in Asia/Shanghai counts as night: offices are closed, a look then stands out.
NIGHT_STARTS, NIGHT_ENDS = 22, 6
# Actions that open one person's record (a search hit or a list is not an opening).
OPENING_ACTIONS = (AuditAction.READ, AuditAction.PRINT, AuditAction.EXPORT)


def many_persons_threshold() -> int:
    """Distinct persons outside one's caseload opened in a day that make the day stand out.

    20 is about half a full caseload: a supervisor reviewing a township may reach it, which
    is the point: the flag asks a colleague to look, it accuses nobody.
    """
    return int(getattr(settings, "KANGFU_AUDIT_MANY_PERSONS_PER_DAY", 20))


def _shanghai() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def supervised_paths(user) -> list[str]:
    """The subtrees whose access log the user reads (data for the audit queries)."""
    return sorted({g.jurisdiction.path for g in grants_with(user, roles_for(Action.AUDIT_VIEW))})


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    person: str = ""
    flag: str = ""  # "night", "many", "unreviewed" or ""


def _heavy_days():
    """(actor, day) groups with too many distinct persons opened outside the caseload."""
    return (
        AuditEvent.objects.filter(outside_caseload=True, action__in=OPENING_ACTIONS)
        .values("actor_id", "local_date")
        .annotate(persons=Count("object_id", distinct=True))
        .filter(persons__gte=many_persons_threshold())
    )


def _night() -> Q:
    return Q(hour__gte=NIGHT_STARTS) | Q(hour__lt=NIGHT_ENDS)


def audit_list(*, user, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """Events about records (or searches made) in the supervisor's subtrees, newest first."""
    qs = (
        AuditEvent.objects.in_subtrees(supervised_paths(user))
        .select_related("review", "review__reviewed_by")
        .order_by("-seq")
    )
    if filters.username:
        qs = qs.filter(actor_username=filters.username)
    if filters.date_from:
        qs = qs.filter(local_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(local_date__lte=filters.date_to)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.person:
        qs = qs.filter(object_id=filters.person)
    if filters.flag == "night":
        qs = qs.annotate(hour=ExtractHour("occurred_at", tzinfo=_shanghai())).filter(_night())
    elif filters.flag == "unreviewed":
        qs = qs.filter(action=AuditAction.BREAK_GLASS, review__isnull=True)
    elif filters.flag == "many":
        heavy = _heavy_days().filter(
            actor_id=OuterRef("actor_id"), local_date=OuterRef("local_date")
        )
        qs = qs.filter(Exists(heavy), outside_caseload=True)
    return qs


@dataclass(frozen=True)
class Flags:
    night: bool
    many: bool
    unreviewed: bool

    def __bool__(self) -> bool:
        return self.night or self.many or self.unreviewed


def flag_events(events: list[AuditEvent]) -> list[tuple[AuditEvent, Flags]]:
    """Flags for one page of events, with one query however long the page."""
    heavy: set[tuple[int, dt.date]] = set()
    outside = [e for e in events if e.outside_caseload and e.actor_id]
    if outside:
        rows = _heavy_days().filter(
            actor_id__in={e.actor_id for e in outside},
            local_date__in={e.local_date for e in outside},
        )
        heavy = {(r["actor_id"], r["local_date"]) for r in rows}
    zone = _shanghai()
    flagged = []
    for event in events:
        hour = event.occurred_at.astimezone(zone).hour
        flagged.append(
            (
                event,
                Flags(
                    night=hour >= NIGHT_STARTS or hour < NIGHT_ENDS,
                    many=event.outside_caseload and (event.actor_id, event.local_date) in heavy,
                    unreviewed=event.action == AuditAction.BREAK_GLASS
                    and not hasattr(event, "review"),
                ),
            )
        )
    return flagged


def unreviewed_break_glass_count(user) -> int:
    return (
        AuditEvent.objects.in_subtrees(supervised_paths(user))
        .filter(action=AuditAction.BREAK_GLASS, review__isnull=True)
        .count()
    )


def record_history(*, object_type: str, object_id: str, limit: int | None = None):
    """Every event about one record, newest first (the record's own access history)."""
    qs = AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-seq")
    return qs[:limit] if limit else qs


def reviewable_event(*, user, seq: int) -> AuditEvent:
    """An emergency access a supervisor over its record may review; 404 otherwise."""
    return get_object_or_404(
        AuditEvent.objects.in_subtrees(supervised_paths(user)).filter(
            action=AuditAction.BREAK_GLASS
        ),
        seq=seq,
    )
