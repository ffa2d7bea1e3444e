"""The measure lifecycle as one explicit table (DESIGN.md habit 6).

::

    (decision) ─► awaiting_report ──report──► active ──suspend──► suspended
                        │    │                 │  ▲                 │
                        │    └─terminate─┐     │  └─────resume──────┘
                      refuse             ▼     ├──end──► ended
                        ▼            terminated◄─terminate── (active or suspended)
                     refused

* report (戒毒条例 art. 14): within 15 days of receiving the decision, or later with a
  good reason the caseworker records;
* refuse: only after the deadline has passed without a report (视为拒绝接受社区戒毒);
* suspend / resume (art. 24): detained or arrested → 中止; released → continues;
* terminate (art. 24): imprisonment or a compulsory educational measure (强制隔离戒毒);
* end (art. 23): on or after the measure's last day;
* refuse is only ever *proposed* by the caseworker: the measure becomes refused when a
  township officer confirms the proposal (cases.services.findings); a confirmed refusal
  withdrawn as a wrong entry reopens it (internal transition, no button).

Services ask ``require(measure, Transition.X)`` before doing anything; nothing else in
Kangfu compares measure states to decide what may happen.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kangfu.cases.choices import MeasureState


class Transition(StrEnum):
    REPORT = "report"
    REFUSE = "refuse"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    END = "end"
    # Internal, never a button: a confirmed refusal withdrawn as a wrong entry.
    REOPEN = "reopen"


S = MeasureState
TRANSITIONS: dict[Transition, tuple[frozenset[MeasureState], MeasureState]] = {
    Transition.REPORT: (frozenset({S.AWAITING_REPORT}), S.ACTIVE),
    Transition.REFUSE: (frozenset({S.AWAITING_REPORT}), S.REFUSED),
    Transition.SUSPEND: (frozenset({S.ACTIVE}), S.SUSPENDED),
    Transition.RESUME: (frozenset({S.SUSPENDED}), S.ACTIVE),
    Transition.TERMINATE: (frozenset({S.AWAITING_REPORT, S.ACTIVE, S.SUSPENDED}), S.TERMINATED),
    Transition.END: (frozenset({S.ACTIVE}), S.ENDED),
    Transition.REOPEN: (frozenset({S.REFUSED}), S.AWAITING_REPORT),
}
# Taken by a service as the consequence of another act, not offered on the case page.
INTERNAL = frozenset({Transition.REOPEN})
FINAL_STATES = frozenset({S.ENDED, S.TERMINATED, S.REFUSED})


def allowed(state: str, transition: Transition) -> bool:
    sources, _target = TRANSITIONS[transition]
    return MeasureState(state) in sources


def target(transition: Transition) -> MeasureState:
    return TRANSITIONS[transition][1]


def available(state: str) -> list[Transition]:
    """Transitions a measure in ``state`` may take, in table order (for the case page)."""
    return [t for t in Transition if t not in INTERNAL and allowed(state, t)]


def require(measure, transition: Transition) -> MeasureState:
    """The state ``measure`` moves to, or a ValidationError naming both states."""
    if not allowed(measure.state, transition):
        raise ValidationError(
            _("A measure that is “%(state)s” cannot be %(action)s."),
            code="transition",
            params={
                "state": MeasureState(measure.state).label,
                "action": TRANSITION_VERBS[transition],
            },
        )
    return target(transition)


# Past participles for the message above, translated when the message is shown.
TRANSITION_VERBS = {
    Transition.REPORT: gettext_lazy("reported"),
    Transition.REFUSE: gettext_lazy("recorded as refused"),
    Transition.SUSPEND: gettext_lazy("suspended"),
    Transition.RESUME: gettext_lazy("resumed"),
    Transition.TERMINATE: gettext_lazy("terminated"),
    Transition.END: gettext_lazy("ended"),
    Transition.REOPEN: gettext_lazy("reopened"),
}
