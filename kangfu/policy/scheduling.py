"""Schedule generation: the due dates of tests, visits and calls for one person in a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kangfu.core.dates import monthly_recurrence
from kangfu.policy.choices import Category, DueKind, MeasureKind
from kangfu.policy.rules import measure_end as default_measure_end
from kangfu.policy.schema import Pack

_KIND_ORDER = {kind: index for index, kind in enumerate(DueKind)}


@dataclass(frozen=True)
class Due:
    on: date
    kind: DueKind

    def sort_key(self) -> tuple[date, int]:
        return (self.on, _KIND_ORDER[self.kind])


def schedule(
    pack: Pack,
    *,
    category: Category,
    measure: MeasureKind | None,
    anchor: date,
    start: date,
    until: date,
    consent: bool = False,
    measure_end: date | None = None,
) -> tuple[Due, ...]:
    """Due dates in [start, until], sorted by date then kind, for one person.

    ``anchor`` is the day recurrences count from: the measure's start (reporting day), or the
    day aftercare consent was recorded. Under a measure only ``requires: measure`` entries
    apply, and nothing is due after the measure's last day (``measure_end``, else the pack's
    default length). Without a measure only ``requires: consent`` entries apply, and only when
    ``consent`` is true. With neither, nothing is ever scheduled.
    """
    if measure is not None:
        if category is Category.LOW:
            raise ValueError("a person under a measure is never low")
        requires = "measure"
        last = measure_end or default_measure_end(pack, measure, anchor)
        until = min(until, last)
    elif consent:
        requires = "consent"
    else:
        return ()
    dues: list[Due] = []
    for entry in pack.schedule_for(category):
        if entry.requires == requires:
            kind = DueKind(entry.kind)
            dues.extend(
                Due(on, kind) for on in monthly_recurrence(anchor, entry.every_months, start, until)
            )
    return tuple(sorted(dues, key=Due.sort_key))
