"""Moved from kangfu/cases/tests/test_agreement.py:
this flow crosses apps, so it lives above them."""

from __future__ import annotations

import re
import shutil

import pytest
import time_machine

from conftest import sign_in
from kangfu.access.models import AuditEvent
from kangfu.cases import services
from kangfu.cases.tests.test_agreement import _pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@time_machine.travel("2024-02-01 10:00 +0800", tick=False)
def test_the_agreement_can_carry_a_fresh_portal_activation_code(client, personas, measure):
    from kangfu.portal.models import PortalAccount

    agreement = services.agreement_draw_up(
        actor=personas.worker_a, measure=measure, category="medium"
    )
    url = f"/cases/{measure.case.public_id}/agreements/{agreement.pk}/pdf/"
    sign_in(client, personas.worker_a)
    plain = client.get(url)
    assert plain.status_code == 200
    assert not PortalAccount.objects.exists()  # reading the PDF issues nothing
    # Issuing a code is the portal's write; its staff page prints the same agreement.
    with_code = client.post(
        f"/portal/staff/case/{measure.case.public_id}/agreement/{agreement.pk}/code/"
    )
    compact = "".join(_pdf_text(with_code.content).split())
    account = PortalAccount.objects.get(person=measure.case.person)
    code = re.search(r"一次性激活码：([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", compact).group(1)
    assert account.code_hash and code not in account.code_hash
    printed = AuditEvent.objects.filter(action="print").order_by("-seq")
    assert any("portal_code" in event.fields for event in printed)
