"""The demo covers every flow with the README's logins (issue 14, item 6).

The accounts are read from README.md's login table, signed in with the README's password
through the real sign-in page, and used as a visitor would: a transfer proposed by 城东街道
(demo_worker) is accepted by 城西街道 (demo_officer2), and the one waiting from 城西街道 by
demo_officer; the directory and referrals are there for the caseworker and the partners; a
proposed finding and a leave report wait in demo_officer's inbox.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.access.models import Jurisdiction, User
from kangfu.cases.choices import TransferState
from kangfu.cases.models import Case, Transfer
from kangfu.demo import builder as demo
from kangfu.inbox.selectors import inbox_for
from kangfu.referrals.models import Referral, ServiceProvider

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_logins() -> list[str]:
    """Every login named in README's table of demo accounts (`demo_x` / `demo_y` rows too)."""
    text = README.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `demo_")]
    return [name for row in rows for name in re.findall(r"`(demo_\w+)`", row.split("|")[1])]


@pytest.fixture
def province():
    with time_machine.travel("2026-12-02 10:00 +0800", tick=False):
        demo.build(persons=120)
        yield


def test_every_readme_login_exists_and_signs_in_with_the_readme_password(client, province):
    names = readme_logins()
    assert "demo_officer2" in names and len(names) == len(demo.DEMO_LOGIN_ORDER)
    assert set(names) == set(demo.DEMO_LOGIN_ORDER)
    assert demo.DEMO_PASSWORD in README.read_text(encoding="utf-8")
    for name in names:
        response = client.post("/login/", {"username": name, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, name
        client.logout()


def test_a_transfer_is_completed_with_the_readme_accounts(client, province):
    names = readme_logins()
    worker, receiver = (User.objects.get(username=n) for n in ("demo_worker", "demo_officer2"))
    assert {"demo_worker", "demo_officer2"} <= set(names)
    west = Jurisdiction.objects.get(code="520102002")
    case = Case.objects.filter(caseworker=worker, state="open").order_by("pk").first()
    # The sending township (demo_worker, 城东街道) proposes.
    sign_in(client, worker)
    url = reverse("cases:transfer-create", kwargs={"public_id": case.public_id})
    response = client.post(url, {"to_township": west.pk, "reason": "residence", "note": "搬家"})
    assert response.status_code == 302, response.content.decode()[:2000]
    transfer = Transfer.objects.get(case=case, state=TransferState.PROPOSED)
    # The receiving township (demo_officer2, 城西街道) finds it in its inbox and accepts.
    sign_in(client, receiver)
    kinds = {g.kind: g for g in inbox_for(user=receiver)}
    assert str(transfer.public_id) in {i.ref for i in kinds["transfer"].items}
    detail = reverse("cases:transfer-detail", kwargs={"public_id": transfer.public_id})
    assert client.get(detail).status_code == 200
    answer = client.post(detail, {"decision": "approve", "reason": "", "caseworker": ""})
    assert answer.status_code == 302
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.state == TransferState.ACCEPTED and case.township_id == west.pk


def test_demo_officer_has_a_transfer_a_finding_and_a_leave_report_to_decide(client, province):
    officer = User.objects.get(username="demo_officer")
    groups = {g.kind: g for g in inbox_for(user=officer)}
    assert groups["finding"].items, "a proposed finding ready for the officer"
    assert groups["leave"].items, "a leave report awaiting the officer's decision"
    assert groups["transfer"].items, "a transfer from 城西街道 to accept"
    # The incoming transfer can be accepted by demo_officer.
    incoming = Transfer.objects.get(public_id=groups["transfer"].items[0].ref)
    sign_in(client, officer)
    detail = reverse("cases:transfer-detail", kwargs={"public_id": incoming.public_id})
    answer = client.post(detail, {"decision": "approve", "reason": "", "caseworker": ""})
    assert answer.status_code == 302
    incoming.refresh_from_db()
    assert incoming.state == TransferState.ACCEPTED


def test_the_directory_and_referrals_are_there_for_the_worker_and_the_partners(client, province):
    assert ServiceProvider.objects.filter(jurisdiction__code="520102").count() >= 4
    worker = User.objects.get(username="demo_worker")
    mine = Referral.objects.filter(case__township__code="520102001")
    assert {r.state for r in mine} >= {"proposed", "sent", "in_progress"}
    sign_in(client, worker)
    page = client.get(reverse("referrals:referral-list")).content.decode()
    assert page.count("/referrals/") > 3
    # Each partner sees the referral addressed to its department, and only that.
    for username, kind in (("demo_civil", "assistance"), ("demo_health", "methadone")):
        partner = User.objects.get(username=username)
        sign_in(client, partner)
        response = client.get(reverse("referrals:referral-list"))
        assert response.status_code == 200
        referral = mine.get(kind=kind)
        opened = client.get(
            reverse("referrals:referral-detail", kwargs={"public_id": referral.public_id})
        )
        assert opened.status_code == 200, username
