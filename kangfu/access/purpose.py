"""Purpose of access and break-glass openings, remembered in the user's session.

A purpose given for one record holds for that record until the session ends (sign-out or
inactivity, see SESSION_COOKIE_AGE). An emergency opening holds for
KANGFU_BREAK_GLASS_HOURS (default 4) or until the session ends, whichever comes first.
Keys are the record's public id; nothing else about the record is kept in the session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from kangfu.access.choices import AccessPurpose

PURPOSES_KEY = "kangfu_purposes"
BREAK_GLASS_KEY = "kangfu_break_glass"


def break_glass_hours() -> float:
    return float(getattr(settings, "KANGFU_BREAK_GLASS_HOURS", 4))


@dataclass(frozen=True)
class GivenPurpose:
    code: str
    note: str = ""


def needs_purpose(user, record) -> bool:
    """A record outside the user's own caseload needs a stated purpose before it opens."""
    return getattr(record, "caseworker_id", None) != user.pk


def purpose_for(request, key: str) -> GivenPurpose | None:
    stored = request.session.get(PURPOSES_KEY, {}).get(str(key))
    if not stored:
        return None
    return GivenPurpose(code=stored["code"], note=stored.get("note", ""))


def remember_purpose(request, key: str, *, code: str, note: str = "") -> None:
    purposes = dict(request.session.get(PURPOSES_KEY, {}))
    purposes[str(key)] = {"code": AccessPurpose(code).value, "note": note.strip()}
    request.session[PURPOSES_KEY] = purposes


def open_break_glass(request, key: str, *, reason: str) -> dt.datetime:
    """Remember an emergency opening of one record; returns when it lapses."""
    until = timezone.now() + dt.timedelta(hours=break_glass_hours())
    openings = {k: v for k, v in request.session.get(BREAK_GLASS_KEY, {}).items()}
    openings[str(key)] = {"until": until.isoformat(), "reason": reason.strip()}
    request.session[BREAK_GLASS_KEY] = openings
    return until


def break_glass_for(request, key: str) -> GivenPurpose | None:
    """The emergency opening of this record if it has not lapsed."""
    stored = request.session.get(BREAK_GLASS_KEY, {}).get(str(key))
    if not stored:
        return None
    if dt.datetime.fromisoformat(stored["until"]) <= timezone.now():
        return None
    return GivenPurpose(code=AccessPurpose.EMERGENCY, note=stored["reason"])
