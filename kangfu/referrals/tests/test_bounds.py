"""An assistance amount must fit its column: refused in the service, with the field named."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse

from conftest import sign_in
from kangfu.referrals import services
from kangfu.referrals.forms import OutcomeForm
from kangfu.referrals.models import Referral
from kangfu.referrals.tests.helpers import refer

pytestmark = pytest.mark.django_db
travel = time_machine.travel(dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC), tick=False)


def accepted(personas, people, civil_provider):
    referral = refer(personas.worker_a, people.in_a, civil_provider)
    services.referral_answer(actor=personas.civil, referral=referral, accept=True)
    services.referral_start(actor=personas.civil, referral=referral)
    return referral


@travel
@pytest.mark.parametrize(
    "amount, message",
    [
        ("99999999999", "不能超过"),
        ("100000000", "不能超过"),
        ("-5", "救助金额"),
        ("NaN", "救助金额"),
        ("Infinity", "救助金额"),
        ("12.345", "小数"),
    ],
)
def test_it_refuses_an_amount_that_does_not_fit_with_a_chinese_message(
    amount, message, personas, people, civil_provider
):
    referral = accepted(personas, people, civil_provider)
    with pytest.raises(ValidationError) as info:
        services.referral_outcome(
            actor=personas.civil, referral=referral, outcome="assistance_granted", amount=amount
        )
    assert "amount" in info.value.message_dict
    assert message in info.value.message_dict["amount"][0]
    referral.refresh_from_db()
    assert referral.state == "in_progress" and referral.amount is None


@travel
def test_it_accepts_the_largest_amount_that_fits(personas, people, civil_provider):
    referral = accepted(personas, people, civil_provider)
    services.referral_outcome(
        actor=personas.civil, referral=referral, outcome="assistance_granted", amount="99999999.99"
    )
    referral.refresh_from_db()
    assert referral.amount == Decimal("99999999.99")


def test_the_outcome_form_names_the_amount_field():
    form = OutcomeForm(
        {"outcome": "assistance_granted", "outcome_on": "2026-11-24", "amount": "99999999999"}
    )
    assert not form.is_valid()
    assert "amount" in form.errors


@travel
def test_the_database_refuses_an_overflowing_amount_too(personas, people, civil_provider):
    referral = accepted(personas, people, civil_provider)
    services.referral_outcome(
        actor=personas.civil, referral=referral, outcome="assistance_granted", amount="10"
    )
    # SQLite: the check constraint; PostgreSQL: numeric(10, 2) overflows first.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(amount=Decimal("99999999999"))


@travel
def test_the_pages_show_the_largest_amount_without_error(client, personas, people, civil_provider):
    referral = accepted(personas, people, civil_provider)
    services.referral_outcome(
        actor=personas.civil, referral=referral, outcome="assistance_granted", amount="99999999.99"
    )
    sign_in(client, personas.worker_a)
    detail = client.get(reverse("referrals:referral-detail", args=[referral.public_id]))
    assert detail.status_code == 200
    assert client.get(reverse("referrals:referral-list")).status_code == 200
    case_page = reverse("cases:case-detail", kwargs={"public_id": referral.case.public_id})
    assert client.get(case_page).status_code == 200
