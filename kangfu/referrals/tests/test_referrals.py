import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from conftest import make_user, register, sign_in
from kangfu.access.choices import AuditAction, Role
from kangfu.access.models import AuditEvent, Disclosure
from kangfu.cases.models import CaseEvent
from kangfu.people.models import Person
from kangfu.referrals import services
from kangfu.referrals.models import Referral, ServiceProvider
from kangfu.referrals.tests.helpers import provider, refer, the_case

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
travel = time_machine.travel(NOW, tick=False)


def detail(referral):
    return reverse("referrals:referral-detail", args=[referral.public_id])


@travel
def test_it_refuses_to_send_without_consent(personas, people, civil_provider):
    referral = refer(personas.worker_a, people.in_a, civil_provider, until="proposed")
    with pytest.raises(ValidationError, match="请先记录本人同意"):
        services.referral_send(actor=personas.worker_a, referral=referral)
    referral.refresh_from_db()
    assert referral.state == "proposed" and referral.sent_on is None
    assert not Disclosure.objects.exists()
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(state="sent", sent_on=dt.date(2026, 11, 24))


@travel
def test_it_never_lets_test_results_or_risk_go_with_a_referral(personas, people, civil_provider):
    referral = refer(personas.worker_a, people.in_a, civil_provider, until="proposed")
    for bad in (["identity", "support", "tests"], ["identity", "support", "risk"], ["contact"]):
        with pytest.raises(ValidationError):
            services.referral_consent(
                actor=personas.worker_a, referral=referral, categories=bad, reference="x"
            )


@travel
def test_it_runs_the_whole_lifecycle_with_disclosure_timeline_and_audit(
    personas, people, civil_provider
):
    referral = refer(personas.worker_a, people.in_a, civil_provider)
    assert referral.state == "sent"
    disclosure = referral.disclosure
    assert disclosure.legal_basis == "consent" and disclosure.basis_reference == "同意书 2026-001"
    assert disclosure.categories == ["identity", "contact", "support"]
    assert disclosure.recipient == "城关区民政局"
    civil = personas.civil
    with pytest.raises(PermissionDenied):  # the sender does not answer for a department
        services.referral_answer(actor=personas.worker_a, referral=referral, accept=True)
    services.referral_answer(actor=civil, referral=referral, accept=True)
    services.referral_start(actor=civil, referral=referral)
    with pytest.raises(ValidationError):
        services.referral_outcome(actor=civil, referral=referral, outcome="assistance_granted")
    services.referral_outcome(
        actor=civil, referral=referral, outcome="assistance_granted", amount="1200"
    )
    referral.refresh_from_db()
    assert referral.state == "completed" and str(referral.amount) == "1200.00"
    kinds = list(
        CaseEvent.objects.filter(case=referral.case, kind__startswith="referral_").values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        "referral_proposed",
        "referral_consented",
        "referral_sent",
        "referral_answered",
        "referral_started",
        "referral_outcome",
    ]
    person_events = AuditEvent.objects.filter(object_id=str(people.in_a.public_id))
    assert person_events.filter(action=AuditAction.DISCLOSE).count() == 1
    assert person_events.filter(actor=civil).count() == 3
    # Countable later: clean columns.
    assert Referral.objects.filter(kind="assistance", outcome="assistance_granted").count() == 1


@travel
def test_the_case_page_shows_referrals_on_the_timeline(client, personas, people, civil_provider):
    referral = refer(personas.worker_a, people.in_a, civil_provider)
    sign_in(client, personas.worker_a)
    body = client.get(reverse("cases:case-detail", args=[referral.case.public_id])).content
    body = body.decode()
    assert "转介已发送至城关区民政局。" in body


@travel
def test_a_partner_sees_only_its_referrals_and_only_the_minimum(client, personas, people, tree):
    from kangfu.referrals.tests.helpers import civil_affairs

    to_civil = provider(tree.county, department=civil_affairs(personas))
    clinic = provider(tree.county, kind="methadone", name="城关区美沙酮门诊")
    mine = refer(personas.worker_a, people.in_a, to_civil, categories=["identity", "support"])
    other = refer(personas.worker_b, people.in_b, clinic)
    unsent = refer(personas.worker_a, people.in_a, to_civil, until="consented")
    sign_in(client, personas.civil)
    listing = client.get(reverse("referrals:referral-list")).content.decode()
    assert people.in_a.name in listing and people.in_b.name not in listing
    assert client.get(detail(other)).status_code == 404
    assert client.get(detail(unsent)).status_code == 404
    body = client.get(detail(mine)).content.decode()
    person = Person.objects.get(pk=people.in_a.pk)
    assert person.name in body and "需要临时救助" in body
    # Contact was not agreed to; ID number, birth date, case content never; the internal note
    # stays with staff.
    assert person.phone not in body and person.id_number not in body
    assert "家属关系紧张" not in body
    assert "Open the case" not in body
    event = AuditEvent.objects.filter(actor=personas.civil, action="read").latest("seq")
    assert event.purpose == "service" and "referral.internal_note" not in event.fields
    assert event.fields == ["name", "referral", "sex"]
    # The partner's person page shows the same slice, and no case.
    page = client.get(reverse("people:person-detail", args=[person.public_id]))
    assert page.status_code in (200, 302)
    # Once finished, the name is gone from the partner's view.
    services.referral_answer(actor=personas.civil, referral=mine, accept=False, reason="不符合条件")
    body = client.get(detail(mine)).content.decode()
    assert person.name not in body
    assert client.get(reverse("people:person-detail", args=[person.public_id])).status_code == 404


@travel
def test_staff_see_the_internal_note(client, personas, people, civil_provider):
    referral = refer(personas.worker_a, people.in_a, civil_provider)
    sign_in(client, personas.worker_a)
    assert "家属关系紧张" in client.get(detail(referral)).content.decode()


@travel
def test_a_user_of_another_jurisdiction_gets_404(client, personas, people, civil_provider, tree):
    referral = refer(personas.worker_a, people.in_a, civil_provider)
    town_provider = provider(tree.a, name="城东街道就业基地", kind="employment")
    sign_in(client, personas.worker_b)
    assert client.get(detail(referral)).status_code == 404
    for step in ("consent", "send", "answer", "start", "outcome", "close"):
        url = reverse(f"referrals:referral-{step}", args=[referral.public_id])
        assert client.get(url).status_code == 404, step
    create = reverse("referrals:referral-create", args=[referral.case.public_id])
    assert client.get(create).status_code == 404
    assert (
        client.get(reverse("referrals:provider-detail", args=[town_provider.pk])).status_code == 404
    )
    # The county's bureau is in B's directory too; township A's employment base is not.
    assert (
        client.get(reverse("referrals:provider-detail", args=[civil_provider.pk])).status_code
        == 200
    )
    far = make_user("worker_c", Role.CASEWORKER, tree.c)
    sign_in(client, far)
    assert (
        client.get(reverse("referrals:provider-detail", args=[civil_provider.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("referrals:provider-edit", args=[civil_provider.pk])).status_code == 404
    )


@travel
def test_officers_manage_the_directory_and_caseworkers_read_it(client, personas, tree):
    sign_in(client, personas.worker_a)
    assert client.get(reverse("referrals:provider-create")).status_code == 403
    sign_in(client, personas.officer_a)
    response = client.post(
        reverse("referrals:provider-create"),
        {
            "jurisdiction": tree.a.pk,
            "name": "城东街道心理咨询室",
            "kind": "counselling",
            "offers": "每周二、四心理咨询",
            "contact": "0851-7654321",
            "capacity": "10",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ServiceProvider.objects.get(name="城东街道心理咨询室")
    assert created.jurisdiction == tree.a and created.capacity == 10
    sign_in(client, personas.worker_a)
    listing = client.get(reverse("referrals:provider-list")).content.decode()
    assert "城东街道心理咨询室" in listing


@travel
def test_it_proposes_consents_and_sends_through_the_pages(client, personas, people, civil_provider):
    case = the_case(personas.worker_a, people.in_a)
    sign_in(client, personas.worker_a)
    response = client.post(
        reverse("referrals:referral-create", args=[case.public_id]),
        {"provider": civil_provider.pk, "need": "申请临时救助", "internal_note": ""},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    send = reverse("referrals:referral-send", args=[referral.public_id])
    refused = client.post(send, {"sent_on": "2026-11-24"})
    assert refused.status_code == 200 and "请先记录本人同意" in refused.content.decode()
    referral.refresh_from_db()
    assert referral.state == "proposed"
    consent = reverse("referrals:referral-consent", args=[referral.public_id])
    response = client.post(
        consent,
        {
            "categories": ["identity", "support"],
            "reference": "同意书 7",
            "consented_on": "2026-11-24",
        },
    )
    assert response.status_code == 302
    assert client.post(send, {"sent_on": "2026-11-24"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == "sent" and referral.disclosure is not None


@travel
@pytest.mark.parametrize("size", [2, 30])
def test_the_lists_are_paginated_with_a_constant_number_of_queries(
    client, personas, tree, civil_provider, django_assert_max_num_queries, size
):
    for n in range(size):
        person = register(personas.worker_a, tree.a, name=f"测试{n}")
        refer(personas.worker_a, person, civil_provider)
        provider(tree.a, name=f"服务{n}", kind="training")
    for user in (personas.worker_a, personas.civil):
        sign_in(client, user)
        with django_assert_max_num_queries(16):
            response = client.get(reverse("referrals:referral-list"))
        assert response.status_code == 200
        assert len(response.context["rows"]) == min(size, 25)
    sign_in(client, personas.worker_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("referrals:provider-list")).status_code == 200
