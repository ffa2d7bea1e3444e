"""Issue 17 item 5: "report deadline in 3 days" and "agreement not signed 7 days after
reporting" come from the daily sweep and show on the caseworker's today page with the one
link that acts on them; acting clears them."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.cases import services
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.schedule import sweep
from tests.flows.conftest import row

pytestmark = pytest.mark.django_db


def test_the_today_page_shows_both_reminders_with_their_action(client, personas, people, tree):
    worker = personas.worker_a
    with time_machine.travel("2024-03-04 10:00 +0800", tick=False):
        late = open_case(worker, people.in_a)
        measure = decide(worker, late, received="2024-03-04")  # report due 19 Mar (art. 14)
    other = register(worker, tree.a, name="刘六")
    with time_machine.travel("2024-03-01 10:00 +0800", tick=False):
        unsigned = open_case(worker, other)
        reported = decide(worker, unsigned, received="2024-02-27")
        services.measure_report(actor=worker, measure=reported, reported_on=day("2024-03-01"))
    with time_machine.travel("2024-03-16 08:00 +0800", tick=False):
        sweep.run(on=day("2024-03-16"))
        sign_in(client, worker)
        body = client.get(reverse("schedule:today")).content.decode()
    due = row(body, "report_due_soon")
    assert reverse("cases:measure-report", args=[late.public_id]) in due
    assert "2024-03-19" in due
    unsigned_row = row(body, "agreement_unsigned")
    assert reverse("cases:case-detail", args=[unsigned.public_id]) + "#agreements" in unsigned_row
    # Reporting clears the first; the second stays until an agreement is signed.
    with time_machine.travel("2024-03-17 10:00 +0800", tick=False):
        services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-17"))
        sweep.run(on=day("2024-03-17"))
        sign_in(client, worker)  # a new working day, a new sign-in
        body = client.get(reverse("schedule:today")).content.decode()
    assert row(body, "report_due_soon") == ""
    assert row(body, "agreement_unsigned")


def test_no_agreement_reminder_within_seven_days_of_reporting(client, personas, people):
    worker = personas.worker_a
    with time_machine.travel("2024-03-01 10:00 +0800", tick=False):
        case = open_case(worker, people.in_a)
        measure = decide(worker, case, received="2024-02-27")
        services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-01"))
    with time_machine.travel("2024-03-07 08:00 +0800", tick=False):
        sweep.run(on=day("2024-03-07"))
        sign_in(client, worker)
        body = client.get(reverse("schedule:today")).content.decode()
    assert row(body, "agreement_unsigned") == ""


def test_the_agreement_reminder_starts_on_the_eighth_day_and_signing_clears_it(
    client, personas, people
):
    worker = personas.worker_a
    with time_machine.travel("2024-03-01 10:00 +0800", tick=False):
        case = open_case(worker, people.in_a)
        measure = decide(worker, case, received="2024-02-27")
        services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-01"))
    with time_machine.travel("2024-03-08 08:00 +0800", tick=False):
        sweep.run(on=day("2024-03-08"))  # 7 days after reporting: none signed
        sign_in(client, worker)
        body = client.get(reverse("schedule:today")).content.decode()
    assert row(body, "agreement_unsigned")
    with time_machine.travel("2024-03-08 10:00 +0800", tick=False):
        measure.refresh_from_db()
        agreement = services.agreement_draw_up(actor=worker, measure=measure, category="medium")
        services.agreement_sign(actor=worker, agreement=agreement, signed_on=day("2024-03-08"))
    with time_machine.travel("2024-03-09 08:00 +0800", tick=False):
        sweep.run(on=day("2024-03-09"))
        sign_in(client, worker)
        body = client.get(reverse("schedule:today")).content.decode()
    assert row(body, "agreement_unsigned") == ""


def test_the_report_reminder_starts_three_days_before_the_deadline(client, personas, people):
    worker = personas.worker_a
    with time_machine.travel("2024-03-04 10:00 +0800", tick=False):
        case = open_case(worker, people.in_a)
        decide(worker, case, received="2024-03-04")  # report due 19 Mar (art. 14)
    for on, shown in (("2024-03-15", False), ("2024-03-16", True), ("2024-03-19", True)):
        with time_machine.travel(f"{on} 08:00 +0800", tick=False):
            sweep.run(on=day(on))
            sign_in(client, worker)
            body = client.get(reverse("schedule:today")).content.decode()
        assert bool(row(body, "report_due_soon")) is shown, on
