"""Transfers (nothing lost or duplicated; the sender gets 404), closure, sealing, purge."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import sign_in
from kangfu.access.models import Disclosure
from kangfu.cases import services
from kangfu.cases.choices import TransferState
from kangfu.cases.models import Case, CaseEvent, LeaveRequest, Measure, Transfer
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


def _active(worker, person):
    case = open_case(worker, person)
    measure = decide(worker, case, received="2024-03-01")
    services.measure_report(actor=worker, measure=measure, reported_on=day("2024-03-05"))
    return case, measure


@time_machine.travel("2024-04-10 10:00 +0800", tick=False)
def test_it_moves_the_case_and_person_without_losing_or_duplicating_anything(
    client, personas, people, tree
):
    case, measure = _active(personas.worker_a, people.in_a)
    services.leave_request_record(
        actor=personas.worker_a,
        case=case,
        submitted_on=day("2024-04-10"),
        leaves_on=day("2024-04-12"),
        returns_on=day("2024-04-20"),
        destination_county="河口县",
        reason="探亲",
    )
    services.agreement_draw_up(actor=personas.worker_a, measure=measure, category="medium")
    before = {
        "cases": Case.objects.count(),
        "measures": list(Measure.objects.values_list("pk", "state", "ends_on")),
        "leave": list(LeaveRequest.objects.values_list("pk", flat=True)),
        "events": set(CaseEvent.objects.values_list("pk", flat=True)),
        "persons": Person.objects.count(),
    }
    sign_in(client, personas.worker_a)
    url = f"/cases/{case.public_id}/"
    person_url = f"/people/{people.in_a.public_id}/"
    assert client.get(url).status_code == 200

    transfer = services.transfer_propose(
        actor=personas.worker_a, case=case, to_township=tree.b, reason="residence"
    )
    with pytest.raises(ValidationError):
        services.transfer_propose(
            actor=personas.worker_a, case=case, to_township=tree.c, reason="residence"
        )
    # Before acceptance nothing has moved.
    client.force_login(personas.worker_b)
    sign_in(client, personas.worker_b)
    assert client.get(url).status_code == 404
    services.transfer_accept(actor=personas.worker_b, transfer=transfer)

    case.refresh_from_db()
    people.in_a.refresh_from_db()
    transfer.refresh_from_db()
    assert case.township == tree.b == people.in_a.township
    assert case.caseworker == personas.worker_b == people.in_a.caseworker
    assert case.co_managing == tree.b
    assert transfer.state == TransferState.ACCEPTED
    assert Case.objects.count() == before["cases"]
    assert list(Measure.objects.values_list("pk", "state", "ends_on")) == before["measures"]
    assert list(LeaveRequest.objects.values_list("pk", flat=True)) == before["leave"]
    assert before["events"] < set(CaseEvent.objects.values_list("pk", flat=True))
    assert Person.objects.count() == before["persons"]
    assert Disclosure.objects.filter(person=people.in_a, legal_basis="transfer").count() == 1

    assert client.get(url).status_code == 200
    sign_in(client, personas.worker_a)
    assert client.get(url).status_code == 404
    assert client.get(person_url).status_code == 404
    # The sender keeps the transfer record, without the person.
    page = client.get(f"/cases/transfers/{transfer.public_id}/")
    assert page.status_code == 200 and "张伟" not in page.content.decode()
    with pytest.raises(services.TransferAlreadyDecided):
        services.transfer_accept(actor=personas.worker_b, transfer=transfer)


@time_machine.travel("2024-04-10 10:00 +0800", tick=False)
def test_it_declines_a_transfer_only_with_a_reason_and_nothing_moves(personas, people, tree):
    case, _measure = _active(personas.worker_a, people.in_a)
    transfer = services.transfer_propose(
        actor=personas.worker_a, case=case, to_township=tree.b, reason="hukou"
    )
    with pytest.raises(ValidationError):
        services.transfer_decline(actor=personas.worker_b, transfer=transfer, reason=" ")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.transfer_accept(actor=personas.worker_a, transfer=transfer)
    services.transfer_decline(actor=personas.worker_b, transfer=transfer, reason="查无此人居住")
    case.refresh_from_db()
    assert case.township == tree.a and transfer.state == TransferState.DECLINED


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_concurrent_second_accept(personas, people, tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from conftest import make_user
    from kangfu.access.choices import Role

    worker_b2 = make_user("worker_b2", Role.CASEWORKER, tree.b)
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        case, _measure = _active(personas.worker_a, people.in_a)
        transfer = services.transfer_propose(
            actor=personas.worker_a, case=case, to_township=tree.b, reason="residence"
        )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def accept(user):
        from django.db import connection as conn

        try:
            barrier.wait()
            services.transfer_accept(actor=user, transfer=Transfer.objects.get(pk=transfer.pk))
            results.append("accepted")
        except services.TransferAlreadyDecided:
            results.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (personas.worker_b, worker_b2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted", "refused"]
    assert Disclosure.objects.filter(legal_basis="transfer").count() == 1
    assert CaseEvent.objects.filter(kind="transfer_accepted").count() == 1


def _closed(worker, person):
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case, measure = _active(worker, person)
    with time_machine.travel("2027-03-04 10:00 +0800", tick=False):
        services.measure_end(actor=worker, measure=measure)
    case.refresh_from_db()
    return case


def test_a_legal_hold_stops_the_purge_until_released(personas, people, records_officer):
    case = _closed(personas.worker_a, people.in_a)
    with time_machine.travel("2030-03-05 10:00 +0800", tick=False):
        services.case_seal(actor=personas.worker_a, case=case)
        hold = services.legal_hold_place(actor=records_officer, case=case, reason="诉讼未结")
    with time_machine.travel("2035-03-04 10:00 +0800", tick=False), pytest.raises(ValidationError):
        services.case_purge_identity(actor=records_officer, case=case)
    with time_machine.travel("2035-03-05 10:00 +0800", tick=False):
        with pytest.raises(ValidationError) as exc:
            services.case_purge_identity(actor=records_officer, case=case)
        assert exc.value.code == "legal_hold"
        services.legal_hold_release(actor=records_officer, hold=hold)
        services.case_purge_identity(actor=records_officer, case=case)
    person = Person.objects.get(pk=people.in_a.pk)
    assert person.name == "" and person.id_number == "" and person.phone == ""
    assert person.id_number_index.startswith("purged:")
    assert not person.name_tokens.exists()


def test_a_later_case_means_relapse_and_blocks_sealing(personas, people):
    case = _closed(personas.worker_a, people.in_a)
    with time_machine.travel("2028-01-05 10:00 +0800", tick=False):
        open_case(personas.worker_a, people.in_a)
    with time_machine.travel("2030-03-05 10:00 +0800", tick=False), pytest.raises(ValidationError):
        services.case_seal(actor=personas.worker_a, case=case)
