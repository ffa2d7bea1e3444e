"""Facts the risk app announces (kangfu.core.events); who reacts is kangfu.web.reactions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kangfu.access.audit import AccessContext
from kangfu.core.events import Event
from kangfu.people.models import Person


@dataclass(frozen=True)
class CategoryApproved(Event):
    """An approved assessment changed the person's risk category from ``on``."""

    person: Person
    category: str
    previous: str | None
    on: dt.date
    ctx: AccessContext
