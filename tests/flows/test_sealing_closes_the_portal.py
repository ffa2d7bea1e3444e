"""Moved from kangfu/cases/tests/test_transfer_and_closure.py:
this flow crosses apps, so it lives above them."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import sign_in
from kangfu.cases import services
from kangfu.cases.choices import CaseState
from kangfu.cases.models import Case
from kangfu.cases.tests.conftest import day
from kangfu.cases.tests.test_transfer_and_closure import _closed
from kangfu.people.models import Person
from kangfu.portal.models import PortalAccount

pytestmark = pytest.mark.django_db


def test_it_seals_three_years_after_the_end_and_hides_the_record(
    client, personas, people, records_officer
):
    case = _closed(personas.worker_a, people.in_a)
    assert case.state == CaseState.CLOSED and case.closed_on == day("2027-03-04")
    portal = PortalAccount.objects.create(
        person=people.in_a, activated_at=timezone.now(), password="x"
    )
    with time_machine.travel("2030-03-04 10:00 +0800", tick=False), pytest.raises(ValidationError):
        services.case_seal(actor=personas.worker_a, case=case)
    with time_machine.travel("2030-03-05 10:00 +0800", tick=False):
        services.case_seal(actor=personas.worker_a, case=case)
        case.refresh_from_db()
        assert case.state == CaseState.SEALED and case.purge_due_on == day("2035-03-05")
        portal.refresh_from_db()
        assert portal.disabled_at is not None  # the person's portal closes with the record
        for user in (personas.worker_a, personas.supervisor):
            assert not Case.objects.visible_to(user).exists()
            assert not Person.objects.visible_to(user).filter(pk=people.in_a.pk).exists()
            sign_in(client, user)
            assert client.get(f"/cases/{case.public_id}/").status_code == 404
            assert client.get(f"/people/{people.in_a.public_id}/").status_code == 404
            assert "张伟" not in client.get("/people/").content.decode()
        assert list(Case.objects.sealed_for(records_officer)) == [case]
        sign_in(client, records_officer)
        page = client.get(f"/cases/sealed/{case.public_id}/")
        assert page.status_code == 200 and "张伟" in page.content.decode()
