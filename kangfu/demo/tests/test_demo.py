import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from kangfu.access.models import Jurisdiction, User
from kangfu.demo import builder as demo
from kangfu.people import idnumber
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        (p.id_number, p.name, p.township.code, p.caseworker.username if p.caseworker else "")
        for p in Person.objects.select_related("township", "caseworker")
    )


def test_it_builds_a_province_with_every_role_and_300_persons():
    out = io.StringIO()
    call_command("demo", stdout=out)
    levels = {
        lvl: Jurisdiction.objects.filter(level=lvl).count()
        for lvl in ("province", "city", "county", "township")
    }
    assert levels["province"] == 1 and levels["city"] >= 2
    assert levels["county"] >= 4 and levels["township"] >= 8
    assert Person.objects.count() >= 300
    text = out.getvalue()
    for username in demo.DEMO_LOGIN_ORDER:
        assert username in text
    assert demo.DEMO_PASSWORD in text


def test_every_synthetic_id_number_is_valid_and_unique():
    demo.build(persons=60)
    numbers = [p.id_number for p in Person.objects.all()]
    assert len(set(numbers)) == 60
    for number in numbers:
        idnumber.parse(number, today=dt.date(2026, 11, 24))


@pytest.mark.django_db(transaction=True)  # flush cannot run inside a test transaction on PG
def test_the_same_seed_gives_the_same_data():
    demo.build(seed=7, persons=40)
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    demo.build(seed=7, persons=40)
    assert snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    demo.build(seed=8, persons=40)
    assert snapshot() != first


def test_it_refuses_a_database_with_real_data():
    User.objects.create_user(username="real_person", password="x" * 12)
    with pytest.raises(CommandError, match="not demo data"):
        call_command("demo", "--if-empty", stdout=io.StringIO())
    assert not Jurisdiction.objects.exists()


def test_running_it_again_with_if_empty_changes_nothing():
    demo.build(persons=30)
    out = io.StringIO()
    call_command("demo", "--if-empty", "--persons", "30", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Person.objects.count() == 30


def test_demo_supervisors_get_a_second_factor_and_a_code_command(client):
    demo.build(persons=10)
    out = io.StringIO()
    call_command("demo", "--code", "demo_county", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    client.post("/login/", {"username": "demo_county", "password": demo.DEMO_PASSWORD})
    client.post("/account/2fa/", {"token": code})
    assert client.get("/people/").status_code == 200
    with pytest.raises(CommandError, match="no second factor"):
        call_command("demo", "--code", "demo_worker", stdout=io.StringIO())


def test_demo_worker_has_documents_to_show_and_an_agreement_signed_by_its_scan():
    from kangfu.documents.models import Document

    demo.build(persons=60)
    documents = Document.objects.filter(case__township__code="520102001")  # demo_worker's
    assert {d.kind for d in documents} == {"decision_scan", "cassette_photo", "signed_agreement"}
    signed = documents.get(kind="signed_agreement")
    assert signed.agreement.signed_on is not None and signed.preview_name
