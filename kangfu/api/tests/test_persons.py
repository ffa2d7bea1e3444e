import pytest
from django.urls import reverse

from conftest import register, sign_in
from kangfu.access.models import AuditEvent
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.people.models import Person
from kangfu.referrals.tests.helpers import civil_affairs, provider, refer

pytestmark = pytest.mark.django_db
LIST = "/api/v1/persons/"


def detail(person, query=""):
    return f"{LIST}{person.public_id}/{query}"


NEW = {
    "name": "赵磊",
    "id_number": "520102198806151358",
    "hukou_place": "示范省东川市城关区",
    "township": "520102001",
}


def test_reading_a_person_through_the_api_writes_the_same_audit_event_as_the_page(
    client, personas, people
):
    sign_in(client, personas.worker_a)
    assert (
        client.get(reverse("people:person-detail", args=[people.in_a.public_id])).status_code == 200
    )
    page_event = AuditEvent.objects.order_by("-seq").first()
    assert bearer(new_token(personas.worker_a)).get(detail(people.in_a)).status_code == 200
    api_event = AuditEvent.objects.order_by("-seq").first()
    assert api_event.pk != page_event.pk
    same = ("action", "object_type", "object_id", "actor_id", "purpose", "outside_caseload")
    assert [getattr(api_event, f) for f in same] == [getattr(page_event, f) for f in same]
    person_fields = set(page_event.fields) - {"access_history", "disclosures"}
    assert set(api_event.fields) == person_fields


def test_a_supervisor_must_state_a_purpose_to_read_outside_their_caseload(personas, people):
    client = bearer(new_token(personas.supervisor))
    refused = client.get(detail(people.in_a))
    assert refused.status_code == 400
    assert "purpose" in refused.json()["errors"]
    ok = client.get(detail(people.in_a, "?purpose=supervision"))
    assert ok.status_code == 200
    assert AuditEvent.objects.order_by("-seq").first().purpose == "supervision"


def test_civil_affairs_gets_only_its_fields_through_the_api(personas, people):
    person = Person.objects.get(pk=people.in_a.pk)
    client = bearer(new_token(personas.civil))
    assert client.get(detail(person, "?purpose=service")).status_code == 404  # no referral
    refer(personas.worker_a, person, provider(person.township, department=civil_affairs(personas)))
    data = client.get(detail(person, "?purpose=service")).json()
    assert data["name"] == person.name and data["phone"] == person.phone
    assert data["id_number"] is None and data["birth_date"] is None and data["caseworker"] is None


def test_a_stale_write_gets_412(personas, people):
    client = bearer(new_token(personas.worker_a))
    etag = client.get(detail(people.in_a))["ETag"]
    first = client.patch(
        detail(people.in_a), {"phone": "13911112222"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] != etag
    stale = client.patch(
        detail(people.in_a), {"phone": "13933334444"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert Person.objects.get(pk=people.in_a.pk).phone == "13911112222"


def test_a_bad_field_is_named_in_the_users_language(personas, tree):
    client = bearer(new_token(personas.worker_a))
    response = client.post(LIST, {**NEW, "id_number": "520102198806151359"}, format="json")
    assert response.status_code == 400
    assert "校验码" in response.json()["errors"]["id_number"][0]
    english = client.post(
        LIST, {**NEW, "id_number": "520102198806151359"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "last character" in english.json()["errors"]["id_number"][0]
    assert not Person.objects.exists()


def test_a_retried_post_with_the_same_idempotency_key_is_stored_once(personas, tree):
    client = bearer(new_token(personas.worker_a))
    first = client.post(LIST, NEW, format="json", HTTP_IDEMPOTENCY_KEY="upload-42")
    again = client.post(LIST, NEW, format="json", HTTP_IDEMPOTENCY_KEY="upload-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.count() == 1
    other = client.post(
        LIST, {**NEW, "name": "赵磊磊"}, format="json", HTTP_IDEMPOTENCY_KEY="upload-42"
    )
    assert other.status_code == 409


def test_cursor_pages_stay_stable_while_persons_are_added(personas, tree):
    for n in range(60):
        register(personas.worker_a, tree.a, name=f"稳定{n:02d}")
    client = bearer(new_token(personas.worker_a))
    first = client.get(LIST).json()
    for n in range(5):
        register(personas.worker_a, tree.a, name=f"新增{n}")
    second = client.get(first["next"]).json()
    names = [p["name"] for p in first["results"] + second["results"]]
    assert len(names) == 60 and len(set(names)) == 60
    assert not any(name.startswith("新增") for name in names)


@pytest.mark.parametrize("size", [3, 30])
def test_the_person_list_runs_a_constant_number_of_queries(
    personas, tree, size, django_assert_max_num_queries
):
    for n in range(size):
        register(personas.worker_a, tree.a, name=f"计数{n:02d}")
    client = bearer(new_token(personas.supervisor))
    # 12 for the page, 3 for the rate-limit counter, which lives in the database (shared).
    with django_assert_max_num_queries(15):
        assert client.get(LIST).status_code == 200


def test_another_townships_worker_gets_404(personas, people):
    assert bearer(new_token(personas.worker_b)).get(detail(people.in_a)).status_code == 404


def test_it_answers_409_for_a_full_width_copy_of_a_registered_number(personas, tree):
    client = bearer(new_token(personas.worker_a))
    assert client.post(LIST, NEW, format="json").status_code == 201
    full_width = NEW["id_number"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(LIST, {**NEW, "id_number": full_width}, format="json")
    assert response.status_code == 409
    assert Person.objects.count() == 1
