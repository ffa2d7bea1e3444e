import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from conftest import sign_in
from kangfu.access.models import AuditEvent
from kangfu.ledger.services import ledger_import
from kangfu.ledger.tests.factories import ledger, rows
from kangfu.referrals.tests.helpers import civil_affairs, provider, refer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        yield


def sheet_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_it_asks_for_a_purpose_before_exporting(client, personas, people):
    sign_in(client, personas.worker_a)
    page = client.get("/exports/people/?sex=M")
    assert page.status_code == 200
    assert 'name="sex" value="M"' in page.content.decode()
    refused = client.post("/exports/people/", {"sex": "M"})
    assert refused.status_code == 200 and 'class="error"' in refused.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_partner_export_holds_only_the_partners_fields_and_shows_in_the_access_record(
    client, personas, people, tree
):
    refer(personas.worker_a, people.in_a, provider(tree.county, department=civil_affairs(personas)))
    sign_in(client, personas.civil)
    response = client.post("/exports/people/", {"purpose": "service"})
    rows = sheet_of(response)
    assert "civil" in rows[0][0] and "第七条" in rows[0][0]
    header = [h for h in rows[1] if h]
    assert header == ["姓名", "性别", "联系电话", "居住地", "详细住址"]
    assert rows[2][0] == "张伟"
    assert len(rows) == 3  # the person in B has no referral: not in the file
    assert people.in_a.id_number not in str(rows)
    event = AuditEvent.objects.get(action="export")
    assert event.object_id == str(people.in_a.public_id)
    assert event.actor == personas.civil and event.purpose == "service"
    assert set(event.fields) == {"name", "sex", "phone", "residence_place", "address"}
    # The person's access record lists the export.
    sign_in(client, personas.worker_a)
    record = client.get(f"/people/{people.in_a.public_id}/access-record/")
    assert "导出" in record.content.decode()


def test_a_caseworker_exports_the_filtered_list_with_every_field(client, personas, people):
    sign_in(client, personas.worker_a)
    rows = sheet_of(client.post("/exports/people/", {"purpose": "handover", "sex": "M"}))
    assert "公民身份号码" in rows[1] or "居民身份证号码" in rows[1]
    assert [r[0] for r in rows[2:]] == ["张伟"]
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_it_exports_the_caseload_with_the_measure(client, personas, people):
    ledger_import(
        actor=personas.officer_a, township=people.in_a.township, handle=ledger(rows(2)), commit=True
    )
    sign_in(client, personas.officer_a)
    rows_ = sheet_of(client.post("/exports/caseload/", {"purpose": "supervision"}))
    assert len(rows_) == 4
    assert "社区戒毒" in rows_[2]
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_a_user_of_another_jurisdiction_exports_nobody_of_this_one(client, personas, people):
    sign_in(client, personas.worker_b)
    rows = sheet_of(client.post("/exports/people/", {"purpose": "handover"}))
    assert [r[0] for r in rows[2:]] == ["李娜"]


def test_an_administrator_may_not_export(client, personas, people):
    sign_in(client, personas.admin)
    assert client.post("/exports/people/", {"purpose": "handover"}).status_code == 403
