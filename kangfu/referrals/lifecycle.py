"""The referral lifecycle as one explicit table, like cases/lifecycle.py (habit 6).

::

    proposed ─consent─► consented ─send─► sent ─accept─► accepted ─start─► in_progress
        │                   │              └─decline─► declined            │
        │                   │                          accepted/in_progress ─outcome─► completed
        └───────────────────┴──────────── close (any live state) ──────────► closed

* consent: the person agrees which categories of data go to which organisation;
* send: only after consent — the data leaves and a Disclosure (legal basis: consent) is
  recorded;
* accept / decline / start / outcome: the receiving side (the partner department's officers,
  or case staff on behalf of an organisation without Kangfu accounts);
* close: the person did not agree, withdrew, no longer needs it, did not attend …

Services call ``require(referral, Transition.X)``; nothing else compares referral states to
decide what may happen.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kangfu.referrals.choices import ReferralState


class Transition(StrEnum):
    CONSENT = "consent"
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    OUTCOME = "outcome"
    CLOSE = "close"


S = ReferralState
TRANSITIONS: dict[Transition, tuple[frozenset[ReferralState], ReferralState]] = {
    Transition.CONSENT: (frozenset({S.PROPOSED}), S.CONSENTED),
    Transition.SEND: (frozenset({S.CONSENTED}), S.SENT),
    Transition.ACCEPT: (frozenset({S.SENT}), S.ACCEPTED),
    Transition.DECLINE: (frozenset({S.SENT}), S.DECLINED),
    Transition.START: (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    Transition.OUTCOME: (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.COMPLETED),
    Transition.CLOSE: (
        frozenset({S.PROPOSED, S.CONSENTED, S.SENT, S.ACCEPTED, S.IN_PROGRESS}),
        S.CLOSED,
    ),
}
# Who takes each step: the referring case staff or the receiving side.
SENDER_STEPS = frozenset({Transition.CONSENT, Transition.SEND, Transition.CLOSE})
RECEIVER_STEPS = frozenset(
    {Transition.ACCEPT, Transition.DECLINE, Transition.START, Transition.OUTCOME}
)


def allowed(state: str, transition: Transition) -> bool:
    return ReferralState(state) in TRANSITIONS[transition][0]


def available(state: str) -> list[Transition]:
    return [t for t in Transition if allowed(state, t)]


def require(referral, transition: Transition) -> ReferralState:
    """The state ``referral`` moves to, or a ValidationError naming both."""
    if not allowed(referral.state, transition):
        raise ValidationError(
            _("A referral that is “%(state)s” cannot be %(action)s."),
            code="transition",
            params={"state": ReferralState(referral.state).label, "action": VERBS[transition]},
        )
    return TRANSITIONS[transition][1]


VERBS = {
    Transition.CONSENT: gettext_lazy("given consent"),
    Transition.SEND: gettext_lazy("sent"),
    Transition.ACCEPT: gettext_lazy("accepted"),
    Transition.DECLINE: gettext_lazy("declined"),
    Transition.START: gettext_lazy("started"),
    Transition.OUTCOME: gettext_lazy("given an outcome"),
    Transition.CLOSE: gettext_lazy("closed"),
}
