"""How the risk app reacts to facts of lower apps (listed in kangfu.web.reactions).

2016 rules, 动态调整: an event that may change the category, up or down, marks the person
for reassessment at once, inside the transaction that recorded the event.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from kangfu.cases.choices import FindingKind
from kangfu.cases.events import Change, FindingConfirmed, MeasureChanged, MeasuresChanged
from kangfu.core.text import site_text
from kangfu.risk.services import reassessment_mark, reassessment_mark_many

_MEASURE_REASONS = {
    Change.STARTED: gettext_noop("A measure started"),
    Change.ENDED: gettext_noop("A measure ended"),
    Change.TERMINATED: gettext_noop("A measure terminated"),
}
_FINDING_REASONS = {
    FindingKind.REFUSAL: gettext_noop("The measure was refused"),
    FindingKind.SERIOUS_BREACH: gettext_noop("A serious breach of the agreement was recorded"),
    FindingKind.RELAPSE: gettext_noop("Relapse: a test was confirmed positive"),
}


def mark_after_measure(event: MeasureChanged) -> None:
    """A measure started, ended or terminated (a suspension changes nothing to assess)."""
    reason = _MEASURE_REASONS.get(event.change)
    if reason is not None:
        reassessment_mark(
            person=event.case.person, reason=site_text(reason), on=event.on, actor=event.ctx
        )


def mark_after_measures(event: MeasuresChanged) -> None:
    """Many measures changed at once (a batched service): each is marked as
    ``mark_after_measure`` would, in one set-based pass, under one actor's audit."""
    by_actor: dict[int, list] = {}
    for change in event.changes:
        reason = _MEASURE_REASONS.get(change.change)
        if reason is not None:
            by_actor.setdefault(id(change.ctx), [change.ctx, []])[1].append(
                (change.case.person, site_text(reason), change.on)
            )
    for ctx, marks in by_actor.values():
        reassessment_mark_many(marks=marks, actor=ctx)


def mark_after_finding(event: FindingConfirmed) -> None:
    """A refusal, serious breach or relapse is evidence for H1: look again now."""
    reason = _FINDING_REASONS[FindingKind(event.finding.kind)]
    reassessment_mark(
        person=event.case.person, reason=site_text(reason), on=event.on, actor=event.ctx
    )
