"""The visits section of the case page (the cases app's template loads it, as it does the
referrals section: a template tag, so the lower app's code never imports this one)."""

from __future__ import annotations

from django import template

from kangfu.access.permissions import Action, may
from kangfu.visits.selectors import case_visits

register = template.Library()

SHOWN = 5


@register.inclusion_tag("visits/case_section.html", takes_context=True)
def case_visits_section(context, case):
    user = context["request"].user
    qs = case_visits(user=user, case=case)
    visits = list(qs[: SHOWN + 1])
    return {
        "case": case,
        "visits": visits[:SHOWN],
        "more": len(visits) > SHOWN,
        "can_record": case.is_open and may(user, Action.VISIT_RECORD, case),
    }
