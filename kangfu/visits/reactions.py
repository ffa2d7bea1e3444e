"""How the visits app reacts to facts of lower apps (listed in kangfu.web.reactions)."""

from __future__ import annotations

from kangfu.cases.events import IdentityPurged
from kangfu.visits.models import FollowUp, Visit


def purge_notes(event: IdentityPurged) -> None:
    """The identity of a sealed case was purged: the free text of its visits goes too (the
    notes, who else was there, the tasks); the day and place of each visit stay, as figures
    do."""
    Visit.objects.filter(case=event.case).update(note="", others_present="")
    FollowUp.objects.filter(case=event.case).update(task="")
