"""Moved from kangfu/people/tests/test_views.py:
this flow crosses apps, so it lives above them."""

import pytest

from kangfu.people.models import Person
from kangfu.people.tests.test_views import LIST, detail, give_purpose, login

pytestmark = pytest.mark.django_db


def _referred(personas, person, **kwargs):
    """A referral of ``person`` to the civil-affairs bureau, sent (partners see only these)."""
    from kangfu.referrals.tests.helpers import civil_affairs, provider, refer

    to = provider(personas.supervisor.grants.get().jurisdiction, department=civil_affairs(personas))
    return refer(personas.worker_a, person, to, **kwargs)


def test_civil_affairs_sees_only_its_fields(client, personas, people):
    _referred(personas, people.in_a)
    login(client, personas.civil)
    person = Person.objects.get(pk=people.in_a.pk)
    give_purpose(client, person, "service")
    body = client.get(detail(person)).content.decode()
    assert person.name in body and person.phone in body and person.address in body
    assert person.id_number not in body
    assert "出生日期" not in body and str(person.birth_date.year) not in body
    assert "社工" not in body  # nor who the caseworker is


def test_civil_affairs_sees_exactly_the_persons_referred_to_it(client, personas, people):
    login(client, personas.civil)
    person = Person.objects.get(pk=people.in_a.pk)
    # Without a referral: nobody, not even by full ID number.
    assert person.name not in client.get(LIST).content.decode()
    assert person.name not in client.get(LIST, {"q": person.id_number.lower()}).content.decode()
    assert client.get(detail(person)).status_code == 404
    _referred(personas, person)
    assert person.name in client.get(LIST).content.decode()
    assert person.name not in client.get(LIST, {"q": "张"}).content.decode()  # no name search
    assert people.in_b.name not in client.get(LIST).content.decode()
