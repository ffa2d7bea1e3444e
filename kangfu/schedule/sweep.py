"""The daily sweep: everything time makes due, for every case, in one set-based pass.

1. Release anniversaries (M4/M5 windows closing) mark persons for reassessment
   (``risk.services.reassessment_sweep``: one query whatever the number of persons).
2. Cases under a measure in force with no plan at all (imported, or planned before this app
   existed) are planned; normally there are none, so this is one query.
3. Reminders are reconciled with the record (``reminders.refresh``): due today, overdue,
   lab result outstanding, art. 21 report outstanding, reassessment due, downgrade possible,
   measure ending, case can be sealed, record past retention.

Sealing and the identity purge are *not* done by the sweep: both need a person's judgement
(a relapse known elsewhere; a legal hold about to be placed) and an accountable actor, so the
sweep raises reminders and people act (docs/schedule.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef

from kangfu.cases.models import Case, Measure
from kangfu.core.events import publish
from kangfu.schedule import reminders
from kangfu.schedule.events import SweepCompleted
from kangfu.schedule.models import Appointment

STEPS = 6


@dataclass
class SweepResult:
    on: dt.date
    open_cases: int
    marked: int
    planned: int
    stats: reminders.Stats
    seconds: float
    timings: list[tuple[str, float]]

    def summary(self) -> str:
        s = self.stats
        steps = " ".join(f"{name}={secs:.2f}s" for name, secs in self.timings)
        return (
            f"sweep {self.on.isoformat()}: {self.open_cases} open cases, "
            f"{s.desired} reminders (+{s.inserted} -{s.deleted}), "
            f"{s.downgrade_checked} downgrade checks, {self.marked} marked for reassessment, "
            f"{self.planned} cases planned, {self.seconds:.1f} s ({steps})"
        )


def unplanned_cases(on: dt.date):
    """Open cases under a measure in force with nothing planned from ``on`` on."""
    live = Measure.objects.filter(
        case=OuterRef("pk"), state="active", starts_on__isnull=False, ends_on__gte=on
    )
    planned = Appointment.objects.filter(case=OuterRef("pk"), state="planned")
    return Case.objects.filter(state="open").filter(Exists(live)).exclude(Exists(planned))


def run(*, on: dt.date, progress: Callable[[str], None] | None = None) -> SweepResult:
    from kangfu.risk.services import reassessment_sweep
    from kangfu.schedule.services import plan_rebuild

    started = time.perf_counter()
    timings: list[tuple[str, float]] = []
    last = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings.append((name.split()[0], now - last[0]))
        last[0] = now
        if progress is not None:
            progress(name)

    marked = reassessment_sweep(on=on)
    step("reassessment marks")
    planned = 0
    for case in unplanned_cases(on).select_related("person").iterator(chunk_size=500):
        if plan_rebuild(person=case.person, from_date=on):
            planned += 1
    step("plans checked")
    stats = reminders.refresh(on=on, progress=step)
    # The day's work is done: whatever is computed from it (the statistics snapshot) follows.
    with transaction.atomic():
        publish(SweepCompleted(on=on))
    step("after the sweep")
    return SweepResult(
        on=on,
        open_cases=Case.objects.filter(state="open").count(),
        marked=marked,
        planned=planned,
        stats=stats,
        seconds=time.perf_counter() - started,
        timings=timings,
    )
