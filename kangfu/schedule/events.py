"""Facts the schedule app announces (kangfu.core.events); who reacts is kangfu.web.reactions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kangfu.core.events import Event


@dataclass(frozen=True)
class SweepCompleted(Event):
    """The daily sweep finished its day ``on``: reminders and plans are up to date."""

    on: dt.date
