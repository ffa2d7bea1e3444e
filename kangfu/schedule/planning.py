"""The plan as a pure function: what should be planned for one person from a given day.

``plan()`` takes the pack, the category, the measure's dates, the consent and the periods
the person is away, and returns the appointments that should exist — no ORM, so the moving
rules can be tested on their own. ``services.plan_rebuild`` reconciles the database with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kangfu.policy import engine
from kangfu.policy.schema import Pack
from kangfu.schedule.choices import Basis, MoveReason

# Moving out of one period may land in another; a few rounds settle any real calendar.
_MAX_ROUNDS = 10


@dataclass(frozen=True)
class MeasureDates:
    id: int
    kind: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ConsentDates:
    given_on: date
    # The last day covered (the day before withdrawal when withdrawn).
    last_day: date


@dataclass(frozen=True)
class Away:
    """A period during which nothing may fall: approved leave or a detention.

    ``first`` is the first day away; ``resume`` the first day back (the day after the leave's
    return day; the day of release from detention), None while the detention lasts.
    """

    first: date
    resume: date | None
    reason: MoveReason


@dataclass(frozen=True)
class Planned:
    kind: str
    basis: str
    due_on: date
    on: date
    moved_reason: str
    measure_id: int | None


def _move(day: date, away: Sequence[Away]) -> tuple[date | None, str]:
    """The first day on or after ``day`` outside every period, and why it moved.
    None when it falls in a detention that has not ended (it cannot be planned yet)."""
    reason = ""
    if not away:
        return day, reason
    for _ in range(_MAX_ROUNDS):
        hit = next(
            (a for a in away if a.first <= day and (a.resume is None or day < a.resume)), None
        )
        if hit is None:
            return day, reason
        if hit.resume is None:
            return None, hit.reason
        day, reason = hit.resume, hit.reason
    return day, reason


def plan(
    pack: Pack,
    *,
    category: engine.Category | None,
    measure: MeasureDates | None,
    consent: ConsentDates | None,
    away: Iterable[Away],
    from_date: date,
) -> list[Planned]:
    """Appointments due on or after ``from_date``, moved out of leave and detention.

    Under a measure the pack's ``requires: measure`` entries apply up to the measure's last
    day; without one, only with consent, the ``requires: consent`` entries up to its last
    day; with neither, nothing. A moved appointment that would land after the measure's end
    is dropped, and two of the same kind landing on the same day become one.
    """
    away = sorted(away, key=lambda a: a.first)
    if measure is not None:
        # Someone under a measure is never low (M1): the engine refuses it, so never ask.
        if category is None or category is engine.Category.LOW:
            category = engine.Category.MEDIUM
        dues = engine.schedule(
            pack,
            category=category,
            measure=engine.MeasureKind(measure.kind),
            anchor=measure.starts_on,
            start=from_date,
            until=measure.ends_on,
            measure_end=measure.ends_on,
        )
        basis, last, measure_id = Basis.MEASURE, measure.ends_on, measure.id
    elif consent is not None:
        dues = engine.schedule(
            pack,
            category=category or engine.Category.LOW,
            measure=None,
            anchor=consent.given_on,
            start=from_date,
            until=consent.last_day,
            consent=True,
        )
        basis, last, measure_id = Basis.CONSENT, consent.last_day, None
    else:
        return []
    out: list[Planned] = []
    seen: set[tuple[str, date]] = set()
    for due in dues:
        on, reason = _move(due.on, away)
        if on is None or on > last or (due.kind.value, on) in seen:
            continue
        seen.add((due.kind.value, on))
        out.append(Planned(due.kind.value, basis, due.on, on, reason, measure_id))
    return out


def leave_away(leaves_on: date, returns_on: date) -> Away:
    return Away(leaves_on, returns_on + timedelta(days=1), MoveReason.LEAVE)
