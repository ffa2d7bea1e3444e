"""How the reports app reacts to facts of lower apps (listed in kangfu.web.reactions)."""

from __future__ import annotations

from kangfu.reports.services import snapshot_build
from kangfu.schedule.events import SweepCompleted


def snapshot_after_sweep(event: SweepCompleted) -> None:
    """The day's figures per township, written after the day's sweep (set-based)."""
    snapshot_build(on=event.on)
