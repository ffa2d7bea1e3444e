import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.people import idnumber
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


def login(client, user):
    return sign_in(client, user)


def give_purpose(client, person, purpose="supervision", note=""):
    """State a purpose for a record outside the user's caseload (remembered in the session)."""
    url = reverse("people:person-purpose", args=[person.public_id])
    response = client.post(url, {"purpose": purpose, "note": note})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def detail(person):
    return reverse("people:person-detail", args=[person.public_id])


def edit(person):
    return reverse("people:person-edit", args=[person.public_id])


LIST = reverse("people:person-list")
CREATE = reverse("people:person-create")


def test_a_township_worker_gets_404_for_a_person_of_another_township(client, personas, people):
    login(client, personas.worker_a)
    assert client.get(detail(people.in_a)).status_code == 200
    assert client.get(detail(people.in_b)).status_code == 404
    assert client.get(edit(people.in_b)).status_code == 404
    assert client.post(edit(people.in_b), {"name": "改名"}).status_code == 404


def test_the_404_for_another_township_is_the_same_as_for_a_missing_person(client, personas, people):
    login(client, personas.worker_a)
    missing_url = reverse("people:person-detail", args=["00000000-0000-4000-8000-000000000000"])
    missing = client.get(missing_url)
    foreign = client.get(detail(people.in_b))
    assert missing.status_code == foreign.status_code == 404

    def page(response, url: str) -> str:
        # The 404 page has the site's layout: it echoes the address typed (the language
        # switch returns to it) and carries a fresh CSRF token. Apart from those, identical.
        text = response.content.decode().replace(url, "<url>")
        return re.sub(r"(csrfmiddlewaretoken\" value=\"|X-CSRFToken\": \")[^\"]+", r"\1…", text)

    assert page(missing, missing_url) == page(foreign, detail(people.in_b))


def test_a_township_worker_lists_only_their_township(client, personas, people):
    login(client, personas.worker_a)
    body = client.get(LIST).content.decode()
    assert "张伟" in body
    assert "李娜" not in body


def test_the_county_supervisor_sees_both_townships(client, personas, people):
    login(client, personas.supervisor)
    body = client.get(LIST).content.decode()
    assert "张伟" in body and "李娜" in body
    give_purpose(client, people.in_b)
    assert client.get(detail(people.in_b)).status_code == 200


def test_a_supervisor_cannot_edit_or_register(client, personas, people):
    login(client, personas.supervisor)
    assert client.get(edit(people.in_a)).status_code == 404
    assert client.get(CREATE).status_code == 403


def test_the_administrator_sees_no_person_data(client, personas, people):
    login(client, personas.admin)
    for url in (LIST, detail(people.in_a), edit(people.in_a), CREATE):
        response = client.get(url)
        assert response.status_code in (403, 404)
        assert "张伟" not in response.content.decode()
    assert "张伟" not in client.get(reverse("web:home")).content.decode()


def test_a_user_without_grants_reads_nothing(client, personas, people):
    login(client, personas.nobody)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(people.in_a)).status_code == 403


def test_it_searches_by_name_prefix_and_former_name(client, personas, tree):
    register(personas.worker_a, tree.a, name="欧阳明", former_names="欧阳小明")
    register(personas.worker_a, tree.a, name="王芳", sex="F")
    login(client, personas.worker_a)
    assert "欧阳明" in client.get(LIST, {"q": "欧阳"}).content.decode()
    assert "王芳" not in client.get(LIST, {"q": "欧阳"}).content.decode()
    assert "欧阳明" in client.get(LIST, {"q": "欧阳小"}).content.decode()
    assert "欧阳明" not in client.get(LIST, {"q": "阳"}).content.decode()


def test_the_htmx_search_returns_only_the_results_partial(client, personas, people):
    login(client, personas.worker_a)
    response = client.get(LIST, {"q": "张"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "张伟" in body
    assert "<html" not in body


@pytest.mark.parametrize("size", [3, 40])
def test_the_person_list_runs_a_constant_number_of_queries(
    client, personas, tree, size, django_assert_max_num_queries
):
    for n in range(size):
        register(personas.worker_a, tree.a, name=f"测试{n:02d}")
    login(client, personas.supervisor)
    # 10 to show the page, 5 to append its audit event (savepoint, lock, head, insert, release),
    # 1 for the inbox count in the navigation bar, 1 for the caseworker filter's choices.
    with django_assert_max_num_queries(17):
        response = client.get(LIST)
    assert response.status_code == 200


def test_the_list_is_paginated(client, personas, tree):
    for n in range(30):
        register(personas.worker_a, tree.a, name=f"翻页{n:02d}")
    login(client, personas.worker_a)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert first.count("翻页") == 25
    assert second.count("翻页") == 5


def valid_form(**overrides):
    data = {
        "name": "赵磊",
        "id_number": idnumber.make("520102", dt.date(1988, 6, 15), 135),
        "phone": "13912345678",
        "hukou_place": "示范省东川市城关区",
        "residence_place": "城东街道",
        "address": "解放路 8 号",
    }
    data.update(overrides)
    return data


@time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False)
def test_a_worker_registers_a_person_in_their_township(client, personas, tree):
    login(client, personas.worker_a)
    response = client.post(CREATE, valid_form(township=tree.a.pk))
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(person)
    assert person.township == tree.a
    assert person.sex == "M" and person.birth_date == dt.date(1988, 6, 15)
    assert person.caseworker == personas.worker_a


def test_a_bad_id_number_gets_a_chinese_message_naming_the_field(client, personas, tree):
    login(client, personas.worker_a)
    response = client.post(CREATE, valid_form(id_number="520102198806151350", township=tree.a.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "居民身份证号码" in body and "最后一位" in body
    assert not Person.objects.exists()


def test_mismatched_sex_is_refused_with_the_field_named(client, personas, tree):
    login(client, personas.worker_a)
    response = client.post(CREATE, valid_form(sex="F", township=tree.a.pk))
    assert "性别" in response.content.decode()
    assert not Person.objects.exists()


def test_a_worker_cannot_register_into_another_township(client, personas, tree):
    login(client, personas.worker_a)
    response = client.post(CREATE, valid_form(township=tree.b.pk))
    assert response.status_code == 200
    assert not Person.objects.exists()


def test_registering_a_visible_person_again_links_to_the_record(client, personas, people):
    login(client, personas.worker_a)
    existing = Person.objects.get(pk=people.in_a.pk)
    response = client.post(
        CREATE, valid_form(id_number=existing.id_number, township=people.in_a.township_id)
    )
    body = response.content.decode()
    assert detail(existing) in body
    assert Person.objects.count() == 2


def test_registering_a_person_of_another_jurisdiction_reveals_nothing(client, personas, people):
    login(client, personas.worker_a)
    other = Person.objects.get(pk=people.in_b.pk)
    response = client.post(
        CREATE, valid_form(id_number=other.id_number, township=people.in_a.township_id)
    )
    body = response.content.decode()
    assert "已在其他辖区登记" in body and "转移" in body
    assert other.name not in body and "城西" not in body and str(other.public_id) not in body
    assert Person.objects.count() == 2


def test_the_language_can_be_switched_to_english(client, personas, people):
    login(client, personas.worker_a)
    assert "人员" in client.get(LIST).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": LIST})
    assert "Register a person" in client.get(LIST).content.decode()


def test_it_refuses_a_stale_edit_and_names_what_changed_meanwhile(client, personas, people):
    from kangfu.people import services

    person = people.in_a
    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        login(client, personas.worker_a)
        page = client.get(edit(person)).content.decode()
        version = re.search(r'name="version" value="([^"]+)"', page).group(1)
        # Meanwhile another office (or the API) corrects the phone number.
        services.person_update(
            actor=personas.worker_a,
            person=Person.objects.get(pk=person.pk),
            data=services.PersonData(
                name=person.name,
                sex=person.sex,
                birth_date=person.birth_date,
                id_number=person.id_number,
                phone="13900001111",
                hukou_place=person.hukou_place,
                address=person.address,
            ),
            caseworker=personas.worker_a,
        )
        form = {
            "name": "张伟",
            "id_number": person.id_number,
            "sex": person.sex,
            "birth_date": person.birth_date.isoformat(),
            "phone": "13800138000",
            "hukou_place": "示范省东川市城关区",
            "address": "城西路 3 号",
            "caseworker": personas.worker_a.pk,
            "version": version,
        }
        stale = client.post(edit(person), form)
        assert stale.status_code == 200
        text = stale.content.decode()
        assert "已有他人修改了：联系电话。您的修改未保存" in text
        stored = Person.objects.get(pk=person.pk)
        assert stored.phone == "13900001111" and stored.address == "城东路 12 号"
        # Reopened, the same save goes through.
        page = client.get(edit(person)).content.decode()
        form["version"] = re.search(r'name="version" value="([^"]+)"', page).group(1)
        assert client.post(edit(person), form).status_code == 302
        assert Person.objects.get(pk=person.pk).address == "城西路 3 号"
