"""An ID number typed with full-width or other Unicode digits is the same number."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.people import idnumber
from kangfu.people.models import Person
from kangfu.people.services import PersonAlreadyRegistered, PersonData, person_register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
        yield


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
VARIANTS = {
    "full-width": lambda n: n.translate(FULL_WIDTH),
    "superscript": lambda n: n.translate(SUPERSCRIPT),
    "devanagari": lambda n: n.translate(DEVANAGARI),
    "zero-width": lambda n: "\u200b".join(n),
}


def data_for(number: str) -> PersonData:
    return PersonData(
        name="赵磊",
        sex="M",
        birth_date=dt.date(1990, 3, 7),
        id_number=number,
        hukou_place="示范省东川市城关区",
    )


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_it_refuses_a_variant_of_a_registered_number_even_in_another_township(
    variant, personas, tree
):
    person = register(personas.worker_a, tree.a)
    with pytest.raises(PersonAlreadyRegistered):
        person_register(
            actor=personas.worker_b, township=tree.b, data=data_for(variant(person.id_number))
        )
    assert Person.objects.count() == 1


def test_it_stores_the_number_in_ascii(personas, tree):
    number = idnumber.make("520102", dt.date(1990, 3, 7), 11)
    person = person_register(
        actor=personas.worker_a, township=tree.a, data=data_for(number.translate(FULL_WIDTH))
    )
    person.refresh_from_db()
    assert person.id_number == number


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_it_finds_the_person_by_exact_id_search_with_any_digits(variant, client, personas, tree):
    person = register(personas.worker_a, tree.a, name="欧阳明")
    sign_in(client, personas.worker_a)
    response = client.get(reverse("people:person-list"), {"q": variant(person.id_number)})
    assert response.status_code == 200
    assert "欧阳明" in response.content.decode()


def test_the_registration_page_says_already_registered_for_a_full_width_copy(
    client, personas, tree
):
    person = register(personas.worker_b, tree.b)
    sign_in(client, personas.worker_a)
    response = client.post(
        reverse("people:person-create"),
        {
            "name": "赵磊",
            "id_number": person.id_number.translate(FULL_WIDTH),
            "hukou_place": "示范省东川市城关区",
            "township": tree.a.pk,
        },
    )
    assert response.status_code == 200
    assert "已在其他辖区登记" in response.content.decode()
    assert Person.objects.count() == 1


def test_a_superscript_or_emoji_number_on_the_page_is_a_message_not_a_500(client, personas, tree):
    sign_in(client, personas.worker_a)
    for raw in ["¹¹⁰¹⁰⁵¹⁹⁴⁹¹²³¹⁰⁰²Y", "52010219900307001\U0001f600"]:
        response = client.post(
            reverse("people:person-create"),
            {"name": "赵磊", "id_number": raw, "hukou_place": "示范省", "township": tree.a.pk},
        )
        assert response.status_code == 200
        assert "居民身份证号码" in response.content.decode()
    assert not Person.objects.exists()
