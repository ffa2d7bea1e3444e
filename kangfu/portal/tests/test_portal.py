import datetime as dt

import pytest
from django.urls import reverse

from conftest import make_user, sign_in
from kangfu.access.audit import verify_chain
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.cases.models import CaseEvent, LeaveRequest
from kangfu.portal.models import PortalAccount, ReviewAsk
from kangfu.portal.tests.conftest import (
    PORTAL_PASSWORD,
    activate,
    code_from,
    portal_login,
)
from kangfu.referrals.tests.helpers import provider, refer
from kangfu.risk.models import ReviewRequest

pytestmark = pytest.mark.django_db

PAGES = (
    "portal:home",
    "portal:schedule",
    "portal:category",
    "portal:documents",
    "portal:leave",
    "portal:support",
    "portal:record",
    "portal:account",
)


def url(name, *args):
    return reverse(name, args=args)


def test_it_activates_with_a_printed_one_time_code_that_works_once(
    client, frozen, personas, people
):
    person = people.in_a
    sign_in(client, personas.worker_a)
    page = client.get(url("portal:staff-code", person.public_id))
    assert page.status_code == 200
    printed = client.post(url("portal:staff-code", person.public_id))
    code = code_from(printed)
    account = PortalAccount.objects.get(person=person)
    assert code.replace("-", "") not in account.code_hash  # only a hash is kept
    printed_event = AuditEvent.objects.filter(action="print").latest("seq")
    assert "portal_code" in printed_event.fields and code not in printed_event.detail
    client.logout()
    response = activate(client, person, code.lower())
    assert response.status_code == 302
    assert client.get(url("portal:home")).status_code == 200
    client.post(url("portal:logout"))
    assert client.get(url("portal:home")).status_code == 302
    again = activate(client, person, code, password="another-pass-77")
    assert again.status_code == 200  # single use
    assert portal_login(client, person).status_code == 302


def test_a_code_expires(client, frozen, personas, people):
    sign_in(client, personas.worker_a)
    code = code_from(client.post(url("portal:staff-code", people.in_a.public_id)))
    client.logout()
    frozen.shift(dt.timedelta(days=15))
    assert activate(client, people.in_a, code).status_code == 200
    assert not PortalAccount.objects.get(person=people.in_a).is_active


def test_a_person_sees_only_their_own_record(portal_client, record, personas, tree):
    b = record.b
    client = portal_client
    assert client.get(url("portal:agreement-pdf", record.a.agreement.pk)).status_code == 200
    assert client.get(url("portal:agreement-pdf", b.agreement.pk)).status_code == 404
    assert client.get(url("portal:notice-pdf", record.a.assessment.public_id)).status_code == 200
    assert client.get(url("portal:notice-pdf", b.assessment.public_id)).status_code == 404
    clinic = provider(tree.county, kind="methadone", name="城关区美沙酮门诊")
    theirs = refer(b.worker, b.person, clinic, until="proposed")
    assert client.get(url("portal:referral", theirs.public_id)).status_code == 404
    response = client.post(url("portal:referral", theirs.public_id), {"decision": "agree"})
    assert response.status_code == 404
    for name in PAGES:
        body = client.get(url(name)).content.decode()
        assert b.person.name not in body, name
        assert b.person.id_number not in body, name


def test_every_portal_view_is_audited_as_the_person(portal_client, record):
    person = record.a.person
    for name in PAGES:
        before = AuditEvent.objects.count()
        assert portal_client.get(url(name)).status_code == 200, name
        event = AuditEvent.objects.latest("seq")
        assert AuditEvent.objects.count() == before + 1, name
        assert event.actor_id is None and event.actor_username == f"portal:{person.public_id}"
        assert event.object_id == str(person.public_id) and event.purpose == "self"
        assert event.scope_path == person.township.path and not event.outside_caseload
    before = AuditEvent.objects.count()
    portal_client.get(url("portal:agreement-pdf", record.a.agreement.pk))
    assert AuditEvent.objects.latest("seq").action == "print"
    assert AuditEvent.objects.count() == before + 1
    assert verify_chain().ok


def test_internal_notes_never_reach_the_portal(portal_client, record, tree):
    to = provider(tree.county, kind="training", name="城关区职业技能培训中心")
    referral = refer(record.a.worker, record.a.person, to, internal_note="内部：曾与家属冲突")
    pages = [url(name) for name in PAGES] + [url("portal:referral", referral.public_id)]
    pages.append(url("portal:record") + "?mine=1")
    for page in pages:
        body = portal_client.get(page).content.decode()
        assert "内部：曾与家属冲突" not in body, page
        assert "审批意见：内部讨论记录" not in body, page
        # Staff are offices and roles, never names.
        assert "王社工" not in body and "worker_a" not in body, page


def test_staff_and_portal_sessions_stay_apart(client, record, personas):
    sign_in(client, personas.worker_a)
    for name in PAGES:
        response = client.get(url(name))
        assert response.status_code == 302 and "/portal/login/" in response["Location"], name
    # A portal sign-in replaces the staff session entirely.
    assert portal_login(client, record.a.person).status_code == 302
    assert client.get(url("portal:home")).status_code == 200
    for staff_url in (
        reverse("people:person-list"),
        reverse("cases:caseload"),
        reverse("referrals:referral-list"),
        url("portal:staff-code", record.a.person.public_id),
        reverse("portal:staff-review-asks"),
    ):
        response = client.get(staff_url)
        assert response.status_code == 302, staff_url
        assert response["Location"].startswith("/login/"), staff_url
    # A staff sign-in in the same browser ends the portal session.
    from kangfu.portal.auth import SESSION_KEY

    session = client.session
    assert SESSION_KEY in session
    sign_in(client, personas.worker_a)
    assert client.get(url("portal:home")).status_code == 302


def test_a_portal_account_locks_after_repeated_failures(client, record, frozen):
    person = record.a.person
    for _ in range(4):
        assert portal_login(client, person, password="wrong-wrong-1").status_code == 200
    assert portal_login(client, person, password="wrong-wrong-1").status_code == 429
    locked = portal_login(client, person)  # even the right password, while locked
    assert locked.status_code == 429
    assert client.get(url("portal:home")).status_code == 302
    frozen.shift(dt.timedelta(minutes=31))
    assert portal_login(client, person).status_code == 302


def test_two_step_sign_in_uses_the_persons_own_secret(portal_client, record, frozen):
    from kangfu.portal import services

    page = portal_client.get(url("portal:totp-setup"))
    secret = portal_client.session["kangfu_portal_totp_setup"]
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    token = services._totp(secret).token()
    response = portal_client.post(url("portal:totp-setup"), {"token": f"{token:06d}"})
    assert response.status_code == 302
    portal_client.post(url("portal:logout"))
    response = portal_login(portal_client, record.a.person)
    assert response.status_code == 302 and "/portal/login/code/" in response["Location"]
    assert portal_client.get(url("portal:home")).status_code == 302  # not in yet
    frozen.shift(dt.timedelta(seconds=30))
    token = services._totp(secret).token()
    response = portal_client.post(url("portal:login-code"), {"token": f"{token:06d}"})
    assert response.status_code == 302
    assert portal_client.get(url("portal:home")).status_code == 200


def test_the_person_submits_and_follows_a_leave_report(portal_client, record, personas):
    response = portal_client.post(
        url("portal:leave-new"),
        {
            "leaves_on": "2026-12-01",
            "returns_on": "2026-12-05",
            "destination_county": "遵义市红花岗区",
            "reason": "探望母亲",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    leave = LeaveRequest.objects.get()
    assert leave.created_by is None and leave.case == record.a.case
    event = CaseEvent.objects.get(kind="leave_requested")
    assert event.actor is None and event.params["by_person"] is True
    refused = portal_client.post(
        url("portal:leave-new"),
        {
            "leaves_on": "2026-12-10",
            "returns_on": "2026-12-12",
            "destination_county": "幸福路12号",
            "reason": "x",
        },
    )
    assert refused.status_code == 200 and LeaveRequest.objects.count() == 1
    from kangfu.cases.services import leave_decide

    leave_decide(actor=personas.worker_a, leave=leave, approve=False, reason="与尿检日期冲突")
    body = portal_client.get(url("portal:leave")).content.decode()
    assert "与尿检日期冲突" in body


def test_the_person_asks_for_a_review_and_staff_register_it(client, record, personas, frozen):
    portal_login(client, record.a.person)
    body = client.get(url("portal:category")).content.decode()
    assert 'id="reasons"' in body and "评估为中风险" in body  # the engine's own words
    response = client.post(url("portal:review-new"), {"reason": "我一直按时尿检，没有违反协议"})
    assert response.status_code == 302
    ask = ReviewAsk.objects.get()
    assert client.post(url("portal:review-new"), {"reason": "再来一次"}).status_code == 200
    frozen.shift(dt.timedelta(days=2))
    sign_in(client, personas.worker_b)  # another township: does not see it
    assert "我一直按时尿检" not in client.get(reverse("portal:staff-review-asks")).content.decode()
    assert client.post(url("portal:staff-review-register", ask.pk)).status_code == 404
    sign_in(client, personas.worker_a)
    assert "我一直按时尿检" in client.get(reverse("portal:staff-review-asks")).content.decode()
    assert client.post(url("portal:staff-review-register", ask.pk)).status_code == 302
    request = ReviewRequest.objects.get()
    assert request.requested_on == ask.asked_on and request.received_by == personas.worker_a
    portal_login(client, record.a.person)
    assert "2026-11-24" in client.get(url("portal:category")).content.decode()


def test_the_person_agrees_to_a_referral_and_sees_its_status(portal_client, record, tree):
    to = provider(tree.county, kind="employment", name="城关区就业服务中心")
    referral = refer(record.a.worker, record.a.person, to, until="proposed")
    response = portal_client.post(
        url("portal:referral", referral.public_id), {"decision": "agree", "categories": []}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "consented" and referral.consent_in_portal
    assert referral.categories == ["identity", "support"]
    body = portal_client.get(url("portal:support")).content.decode()
    assert "城关区就业服务中心" in body


def test_the_record_page_lists_accesses_by_office_and_role(portal_client, record, personas):
    body = portal_client.get(url("portal:record")).content.decode()
    assert "城东街道" in body and "王社工" not in body
    assert "您本人（网上服务）" not in body
    body = portal_client.get(url("portal:record") + "?mine=1").content.decode()
    assert "您本人（网上服务）" in body
    # What was looked at, in words (never field names such as access_history).
    assert "涉及数据：" in body and "access_history" not in body


def test_staff_pages_give_404_to_another_jurisdiction(client, record, personas, tree):
    sign_in(client, personas.worker_b)
    person = record.a.person
    assert client.get(url("portal:staff-code", person.public_id)).status_code == 404
    assert client.post(url("portal:staff-code", person.public_id)).status_code == 404
    assert client.post(url("portal:staff-access-off", person.public_id)).status_code == 404
    far = make_user("worker_c", Role.CASEWORKER, tree.c)
    sign_in(client, far)
    assert client.get(url("portal:staff-code", person.public_id)).status_code == 404
    sign_in(client, personas.civil)
    assert client.get(url("portal:staff-code", person.public_id)).status_code in (403, 404)


def test_staff_can_switch_access_off(client, record, personas):
    sign_in(client, personas.worker_a)
    assert client.post(url("portal:staff-access-off", record.a.person.public_id)).status_code == 302
    client.logout()
    assert portal_login(client, record.a.person).status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_the_record_list_is_paginated_with_constant_queries(
    portal_client, record, django_assert_max_num_queries, size
):
    for _ in range(size):
        portal_client.get(url("portal:schedule"))
    with django_assert_max_num_queries(14):
        response = portal_client.get(url("portal:record") + "?mine=1")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) <= 30


def test_password_must_be_strong(client, frozen, personas, people):
    sign_in(client, personas.worker_a)
    code = code_from(client.post(url("portal:staff-code", people.in_a.public_id)))
    client.logout()
    response = activate(client, people.in_a, code, password="12345678")
    assert response.status_code == 200
    assert not PortalAccount.objects.get(person=people.in_a).is_active
    assert activate(client, people.in_a, code, password=PORTAL_PASSWORD).status_code == 302


def test_a_leave_returning_in_9999_is_refused_with_a_message_on_the_field(portal_client, record):
    response = portal_client.post(
        url("portal:leave-new"),
        {
            "leaves_on": "2026-12-01",
            "returns_on": "9999-12-31",
            "destination_county": "遵义市红花岗区",
            "reason": "探望母亲",
        },
    )
    assert response.status_code == 200
    assert "不能晚于" in response.content.decode()
    assert not LeaveRequest.objects.exists()
