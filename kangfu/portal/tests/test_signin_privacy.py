"""Portal sign-in tells nobody whether an ID number is registered: the same answers, the
same lock-out and the same work (one password hash) for every number; the person locked out
gets back in with a code from the caseworker; failures are on the person's access record."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import hashers
from django.test import Client

from kangfu.access.models import AuditEvent
from kangfu.portal import services
from kangfu.portal.tests.conftest import PORTAL_PASSWORD, activate, portal_login

pytestmark = pytest.mark.django_db
WRONG, LOCKED = "身份证号码或密码不对", "输错次数太多"
UNREGISTERED = SimpleNamespace(id_number="520102198806151358")  # valid, nobody's


def _answers(client, person, times=5):
    out = []
    for _ in range(times):
        response = portal_login(client, person, password="wrong-wrong-1")
        page = response.content.decode()
        said = [m for m in (WRONG, LOCKED) if m in page]
        out.append((response.status_code, said))
    return out


def test_it_answers_an_unregistered_number_exactly_as_a_registered_one(record, frozen):

    registered = _answers(Client(REMOTE_ADDR="203.0.113.1"), record.a.person)
    unknown = _answers(Client(REMOTE_ADDR="203.0.113.2"), UNREGISTERED)
    assert registered == [(200, [WRONG])] * 4 + [(429, [LOCKED])]
    assert registered == unknown


def test_it_hashes_a_password_once_per_attempt_whether_or_not_there_is_an_account(
    client, record, frozen, monkeypatch
):
    calls = []
    real = services.check_password

    def counting(password, encoded, *args, **kwargs):
        calls.append(encoded)
        return real(password, encoded, *args, **kwargs)

    monkeypatch.setattr(services, "check_password", counting)
    portal_login(client, record.a.person, password="wrong-wrong-1")
    portal_login(client, UNREGISTERED, password="wrong-wrong-1")
    assert len(calls) == 2
    # The same hasher (argon2 in production) does the same work for both.
    assert (
        hashers.identify_hasher(calls[0]).algorithm == hashers.identify_hasher(calls[1]).algorithm
    )


def test_it_locks_a_number_from_every_address_and_an_address_for_every_number(record, frozen):

    person = record.a.person
    for n in range(5):
        portal_login(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), person, password="wrong-wrong-1")
    # The number is locked wherever the next attempt comes from, even with the right password.
    assert portal_login(Client(REMOTE_ADDR="198.51.100.99"), person).status_code == 429
    # Another person is not.
    assert portal_login(Client(REMOTE_ADDR="198.51.100.1"), record.b.person).status_code == 302


def test_it_lets_a_locked_out_person_in_with_a_new_code_from_the_caseworker(client, record, frozen):
    person = record.a.person
    for _ in range(5):
        portal_login(client, person, password="wrong-wrong-1")
    assert portal_login(client, person).status_code == 429
    _account, code = services.portal_code_issue(actor=record.a.worker, person=person)
    response = activate(client, person, code, password="a-fresh-pass-2026")
    assert response.status_code == 302, response.content.decode()[:1500]
    elsewhere = Client(REMOTE_ADDR="192.0.2.8")  # a new session: no shortcut through the first
    assert portal_login(elsewhere, person, password="a-fresh-pass-2026").status_code == 302
    assert portal_login(Client(), person, password=PORTAL_PASSWORD).status_code == 200


def test_it_writes_each_failed_sign_in_on_the_persons_access_record(client, record, frozen):
    person = record.a.person
    portal_login(client, person, password="wrong-wrong-1")
    portal_login(client, person, password="wrong-wrong-2")
    events = AuditEvent.objects.filter(object_id=str(person.public_id), action="portal_signin_fail")
    assert events.count() == 2
    portal_login(client, UNREGISTERED, password="wrong-wrong-1")
    assert AuditEvent.objects.filter(action="portal_signin_fail").count() == 2
