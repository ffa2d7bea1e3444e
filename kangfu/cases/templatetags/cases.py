"""Template helpers for case pages: the sentence of a timeline event, the person's case link."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from kangfu.access.permissions import Action, may
from kangfu.cases.choices import EventKind, ExternalKind, FindingKind
from kangfu.cases.models import Case, CaseEvent
from kangfu.core.events import Slot

register = template.Library()


def _sentences() -> dict[str, str]:
    # Built per call so each sentence is translated into the current language.
    return {
        EventKind.CASE_OPENED: _("Case opened."),
        EventKind.DECISION: _(
            "Decision %(number)s by %(authority)s, received on %(received_on)s; "
            "report due by %(due)s."
        ),
        EventKind.REPORTED: _("The person reported; the measure runs until %(ends_on)s."),
        EventKind.REFUSED: _(
            "Not reported by %(due)s without good reason: a refusal is proposed. The person "
            "is told and may explain; a township officer decides."
        ),
        EventKind.SUSPENDED: _("Detained or arrested: the measure is suspended."),
        EventKind.RESUMED: _(
            "Released: the measure resumes after %(days)s days away; it now runs until %(ends_on)s."
        ),
        EventKind.TERMINATED: _("The measure terminated: %(external)s."),
        EventKind.ENDED: _("The measure ended on its last day."),
        EventKind.AGREEMENT: _("Agreement version %(version)s drawn up."),
        EventKind.AGREEMENT_SIGNED: _("Agreement version %(version)s signed."),
        EventKind.LEAVE_REQUESTED: _(
            "Written leave report: away %(leaves_on)s to %(returns_on)s (%(days)s days)."
        ),
        EventKind.LEAVE_DECIDED: _("Leave report decided: %(decision)s."),
        EventKind.ABSENCE: _(
            "Away from the county without a written report, back on %(last_day)s (%(days)s days)."
        ),
        EventKind.BREACH: _(
            "An art. 20 threshold is reached: a serious breach of the agreement is proposed."
        ),
        EventKind.FINDING_PROPOSED: _("Proposed: %(finding)s."),
        EventKind.FINDING_NOTIFIED: _(
            "The person was told of the proposed finding (%(finding)s) and may explain "
            "until %(due)s."
        ),
        EventKind.FINDING_EXPLAINED: _("The person's explanation was recorded (%(finding)s)."),
        EventKind.FINDING_DECIDED: _("Finding decided (%(finding)s): %(decision)s."),
        EventKind.FINDING_WITHDRAWN: _("Finding withdrawn as a wrong entry (%(finding)s)."),
        EventKind.ABSENCE_WITHDRAWN: _(
            "Absence %(first_day)s to %(last_day)s withdrawn as a wrong entry."
        ),
        EventKind.VIOLATION_WITHDRAWN: _(
            "Evaded or refused test of %(tested_on)s withdrawn as a wrong entry."
        ),
        EventKind.POLICE_CORRECTION: _("Public security was told of the correction."),
        EventKind.TRANSFER_REPORTED: _("The person reported at the new township."),
        EventKind.POLICE_REPORT: _("Reported to public security (%(recipient)s)."),
        EventKind.TRANSFER_PROPOSED: _("Transfer to %(to)s proposed."),
        EventKind.TRANSFER_ACCEPTED: _("Transferred from %(origin)s to %(to)s."),
        EventKind.TRANSFER_DECLINED: _("%(to)s declined the transfer: %(reason)s"),
        EventKind.CLOSED: _("Case closed."),
        EventKind.SEALED: _("Case sealed (three years without relapse)."),
        EventKind.HOLD_PLACED: _("Legal hold placed."),
        EventKind.HOLD_RELEASED: _("Legal hold released."),
        EventKind.PURGED: _("Identity data purged at the end of retention."),
        EventKind.REFERRAL_PROPOSED: _("Referral to %(provider)s proposed (%(service)s)."),
        EventKind.REFERRAL_CONSENTED: _(
            "The person agreed that %(categories)s go to %(provider)s."
        ),
        EventKind.REFERRAL_SENT: _("Referral sent to %(provider)s."),
        EventKind.REFERRAL_ANSWERED: _("%(provider)s %(answer)s the referral."),
        EventKind.REFERRAL_STARTED: _("The service at %(provider)s has started."),
        EventKind.REFERRAL_OUTCOME: _("Outcome at %(provider)s: %(outcome)s."),
        EventKind.REFERRAL_CLOSED: _("Referral to %(provider)s closed: %(reason)s"),
    }


class _Params(dict):
    def __missing__(self, key):
        return "—"


# Filled by the referrals app (kangfu.web.reactions): labels for its timeline events' codes.
REFERRAL_EVENT_PARAMS: Slot = Slot("cases.referral_event_params", default=lambda params: {})


@register.filter
def event_text(event: CaseEvent) -> str:
    params = _Params(event.params)
    if "external" in params:
        params["external"] = str(ExternalKind(params["external"]).label)
    if "finding" in params:
        params["finding"] = str(FindingKind(params["finding"]).label)
    if "approved" in params:
        if event.kind == EventKind.FINDING_DECIDED:
            params["decision"] = _("confirmed") if params["approved"] else _("rejected")
        else:
            params["decision"] = _("approved") if params["approved"] else _("refused")
    if event.kind.startswith("referral_"):
        params.update(REFERRAL_EVENT_PARAMS(event.params))
    text = _sentences()[event.kind] % params
    if params.get("by_person") is True:
        suffix = _("(by the person, through the portal)")
        text = f"{text} {suffix}"
    return text


@register.inclusion_tag("cases/person_case_link.html", takes_context=True)
def person_case_link(context, person):
    """On the person's page: their open (or latest) case, or a button to open one."""
    user = context["request"].user
    case = (
        Case.objects.visible_to(user).filter(person=person).order_by("state", "-opened_on").first()
    )
    return {
        "case": case,
        "person": person,
        "can_open": (case is None or not case.is_open) and may(user, Action.CASE_WORK, person),
    }
