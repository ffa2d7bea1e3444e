"""The referrals section of the case page."""

from __future__ import annotations

from django import template

from kangfu.access.permissions import Action, may
from kangfu.referrals.selectors import case_referrals

register = template.Library()


@register.inclusion_tag("referrals/case_referrals.html", takes_context=True)
def case_referrals_section(context, case):
    user = context["request"].user
    return {
        "case": case,
        "referrals": case_referrals(case),
        "can_propose": case.is_open and may(user, Action.CASE_WORK, case),
    }
