"""Reads of the directory and of referrals, always starting from what the user may see.

Staff see referrals through the case (``Referral.objects.visible_to``: case staff of the
executing township's subtree); partner officers see the referrals addressed to their
department once sent (``addressed_to``), and the person's name and contact only while the
referral is live for them (sent, accepted, in progress).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from kangfu.access.permissions import Action, may, partner_departments
from kangfu.referrals.choices import CATEGORY_FIELDS, PARTNER_LIVE_STATES
from kangfu.referrals.models import Referral, ServiceProvider

LIST_RELATED = ("provider", "case", "case__township", "person", "department")


def providers(*, user) -> QuerySet[ServiceProvider]:
    return ServiceProvider.objects.visible_to(user).select_related("jurisdiction", "department")


def provider_get(*, user, pk: int) -> ServiceProvider:
    return get_object_or_404(providers(user=user), pk=pk)


def referrals_for(*, user) -> QuerySet[Referral]:
    """Every referral the user may see: as case staff, and as a partner officer."""
    staff = Referral.objects.visible_to(user)
    partner = Referral.objects.addressed_to(user)
    if not may(user, Action.CASE_VIEW):
        qs = partner
    elif not partner_departments(user):
        qs = staff
    else:
        qs = Referral.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=partner.values("pk")))
    return qs.select_related(*LIST_RELATED).order_by("-proposed_on", "-id")


def referral_get(*, user, public_id: Any) -> Referral:
    return get_object_or_404(referrals_for(user=user), public_id=public_id)


def is_staff_view(*, user, referral: Referral) -> bool:
    """Case staff over the referring case see the whole referral (internal note included)."""
    return Referral.objects.visible_to(user).filter(pk=referral.pk).exists()


def partner_sees_person(*, user, referral: Referral) -> bool:
    """A partner officer sees the person's minimum data only while the referral is live."""
    return (
        referral.department_id in partner_departments(user)
        and referral.state in PARTNER_LIVE_STATES
    )


def partner_person_condition(user) -> Q | None:
    """For ``Person.objects.visible_to``: persons with a live referral to one of the user's
    partner departments — exactly those a partner officer may open."""
    departments = list(partner_departments(user))
    if not departments:
        return None
    live = Referral.objects.filter(
        person=OuterRef("pk"),
        department_id__in=departments,
        state__in=[s.value for s in PARTNER_LIVE_STATES],
    ).exclude(case__state="sealed")
    return Q(Exists(live))


def partner_fields(*, user, person, department_fields) -> tuple[str, ...]:
    """The fields a partner officer sees of ``person``: what the live referrals to their
    department carry (the categories the person agreed to), narrowed by the department's own
    field set ``department_fields(kind)``."""
    grants = partner_departments(user)
    if not grants:
        return ()
    live = Referral.objects.filter(
        person=person,
        department_id__in=list(grants),
        state__in=[s.value for s in PARTNER_LIVE_STATES],
    ).values_list("department_id", "categories")
    allowed: set[str] = set()
    for department_id, categories in live:
        carried = {f for c in categories for f in CATEGORY_FIELDS.get(c, ())}
        allowed |= carried & set(department_fields(grants[department_id].kind))
    return tuple(sorted(allowed))


def person_referrals(person) -> QuerySet[Referral]:
    """The person's own referrals (portal): the caller is the person themself."""
    return (
        Referral.objects.filter(person=person)
        .exclude(case__state="sealed")
        .select_related("provider")
        .order_by("-proposed_on", "-id")
    )


def person_referral_get(person, public_id: Any) -> Referral:
    referral = person_referrals(person).filter(public_id=public_id).first()
    if referral is None:
        raise Http404
    return referral


def case_referrals(case) -> list[Referral]:
    return list(case.referrals.select_related("provider").order_by("-proposed_on", "-id"))
