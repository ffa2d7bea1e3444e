"""The person's right to be heard, in the portal: they see what is proposed and why, write
their explanation, and the deciding officer reads it on the case page."""

import datetime as dt

import pytest
from django.urls import reverse

from conftest import sign_in
from kangfu.cases import services as cases
from kangfu.cases.models import Finding

pytestmark = pytest.mark.django_db


def _proposed(record, personas):
    measure = record.a.measure
    for first, last in [
        ("2026-04-01", "2026-04-05"),
        ("2026-06-01", "2026-06-05"),
        ("2026-09-01", "2026-09-05"),
    ]:
        cases.absence_record(
            actor=personas.worker_a,
            case=record.a.case,
            first_day=dt.date.fromisoformat(first),
            last_day=dt.date.fromisoformat(last),
        )
    return measure.findings.get(kind="serious_breach")


def test_the_person_sees_a_notified_finding_and_explains_it_in_the_portal(
    portal_client, record, personas, client
):
    finding = _proposed(record, personas)
    # Not told yet: the portal shows nothing of it.
    page = portal_client.get(reverse("portal:findings")).content.decode()
    assert finding.grounds not in page and "暂无告知" in page
    cases.finding_notify(
        actor=personas.worker_a, finding=finding, notified_on=dt.date(2026, 11, 24)
    )
    page = portal_client.get(reverse("portal:findings")).content.decode()
    assert "严重违反协议" in page and "2026-11-27" in page and "提交我的陈述申辩" in page
    url = reverse("portal:finding-explain", args=[finding.pk])
    response = portal_client.post(url, {"text": "三次外出都是去医院照顾母亲，有住院证明。"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.explained_by_person and "住院证明" in finding.explanation
    # Another person's finding is a 404 in the portal.
    assert (
        portal_client.get(reverse("portal:finding-explain", args=[finding.pk + 999])).status_code
        == 404
    )
    # The officer sees the explanation and may now decide, before the period ends.
    portal_client.logout()
    sign_in(client, personas.officer_a)
    # Not the officer's own caseload: they state why they open the record (it is audited).
    client.post(
        reverse("people:person-purpose", args=[record.a.person.public_id]),
        {"purpose": "approval", "note": ""},
    )
    page = client.get(reverse("cases:case-detail", args=[record.a.case.public_id]))
    body = page.content.decode()
    assert "住院证明" in body and "通过个人门户提交" in body
    response = client.post(
        reverse("cases:finding-decide", args=[record.a.case.public_id, finding.pk]),
        {
            "decision": "reject",
            "reason": "本人提供了住院证明，外出有正当理由",
            "decided_on": "2026-11-24",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    finding.refresh_from_db()
    assert finding.state == "rejected"


def test_a_user_of_another_jurisdiction_gets_404_on_the_finding_pages(client, record, personas):
    finding = _proposed(record, personas)
    sign_in(client, personas.worker_b)
    for name in ("finding-notice", "finding-explain", "finding-decide", "finding-withdraw"):
        url = reverse(f"cases:{name}", args=[record.a.case.public_id, finding.pk])
        assert client.get(url).status_code == 404, url
    url = reverse("cases:finding-notice-pdf", args=[record.a.case.public_id, finding.pk])
    assert client.get(url).status_code == 404
    assert Finding.objects.get(pk=finding.pk).state == "proposed"


def test_the_notice_pdf_is_in_chinese_and_audited(client, record, personas):
    from kangfu.access.models import AuditEvent

    finding = _proposed(record, personas)
    sign_in(client, personas.worker_a)
    response = client.get(
        reverse("cases:finding-notice-pdf", args=[record.a.case.public_id, finding.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert any("finding" in e.fields for e in AuditEvent.objects.filter(action="print"))
