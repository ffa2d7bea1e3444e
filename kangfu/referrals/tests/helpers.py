"""Test helpers: a provider of the directory and a referral at a chosen step."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kangfu.cases.models import Case
from kangfu.cases.services import case_open
from kangfu.referrals import services
from kangfu.referrals.choices import ServiceKind
from kangfu.referrals.models import ServiceProvider


def provider(jurisdiction, *, department=None, kind=ServiceKind.ASSISTANCE, name=None):
    return ServiceProvider.objects.create(
        jurisdiction=jurisdiction,
        name=name or (department.name if department else f"{jurisdiction.name}就业基地"),
        kind=kind,
        offers="临时救助、低保申请",
        contact="0851-1234567",
        capacity=20,
        department=department,
    )


def civil_affairs(personas):
    return personas.civil.grants.get().department


def the_case(worker, person):
    case = Case.objects.filter(person=person, state="open").first()
    if case is None:
        case = case_open(
            actor=worker,
            person=person,
            responsible=person.township,
            opened_on=timezone.localdate() - dt.timedelta(days=30),
        )
    return case


def refer(
    worker,
    person,
    to,
    *,
    until="sent",
    categories=("identity", "contact", "support"),
    internal_note="家属关系紧张，勿外传",
):
    """A referral of ``person`` to provider ``to``, taken up to step ``until``."""
    referral = services.referral_propose(
        actor=worker,
        case=the_case(worker, person),
        provider=to,
        need="需要临时救助，家中无收入",
        internal_note=internal_note,
    )
    if until == "proposed":
        return referral
    services.referral_consent(
        actor=worker, referral=referral, categories=categories, reference="同意书 2026-001"
    )
    if until == "consented":
        return referral
    services.referral_send(actor=worker, referral=referral)
    return referral
