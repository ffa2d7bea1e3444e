import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import sign_in
from kangfu.ledger.models import ImportRun
from kangfu.ledger.tests.factories import ledger, row, rows
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        yield


def upload(client, tree, content: bytes, name="台账.xlsx"):
    return client.post(
        "/imports/",
        {"township": tree.a.pk, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_the_officer_downloads_the_template(client, personas):
    sign_in(client, personas.officer_a)
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_it_checks_an_upload_lists_problems_then_imports_a_fixed_one(client, personas, tree):
    sign_in(client, personas.officer_a)
    page = upload(client, tree, ledger([row(1), row(2, sex="未知")]).getvalue())
    html = page.content.decode()
    assert "发现 1 个问题" in html and "性别" in html
    assert "导入</button>" not in html
    page = upload(client, tree, ledger([row(1), row(2)]).getvalue())
    assert "所有行均已通过检查" in page.content.decode()
    assert not Person.objects.exists()
    run = ImportRun.objects.order_by("-id").first()
    done = client.post(f"/imports/{run.public_id}/commit/", follow=True)
    assert "已导入" in done.content.decode()
    assert Person.objects.count() == 2
    run.refresh_from_db()
    assert run.content == ""  # the uploaded identity data is not kept once imported
    # Committing again is refused with a message, not a 500.
    again = client.post(f"/imports/{run.public_id}/commit/", follow=True)
    assert again.status_code == 200 and Person.objects.count() == 2


def test_a_bad_file_gets_a_clear_message_on_the_page(client, personas, tree):
    sign_in(client, personas.officer_a)
    page = upload(client, tree, b"not a workbook", name="名单.csv")
    assert page.status_code == 200
    assert "不是 Excel 工作簿" in page.content.decode()


def test_the_progress_partial_answers_htmx_polling(client, personas, tree):
    sign_in(client, personas.officer_a)
    upload(client, tree, ledger(rows(2)).getvalue())
    run = ImportRun.objects.get()
    part = client.get(f"/imports/{run.public_id}/", HTTP_HX_REQUEST="true")
    assert part.content.decode().lstrip().startswith('<div id="status"')


def test_a_user_of_another_jurisdiction_gets_404(client, personas, tree):
    from conftest import make_user
    from kangfu.access.choices import Role

    sign_in(client, personas.officer_a)
    upload(client, tree, ledger(rows(1)).getvalue())
    run = ImportRun.objects.get()
    officer_b = make_user("officer_b", Role.TOWNSHIP_OFFICER, tree.b)
    sign_in(client, officer_b)
    assert client.get(f"/imports/{run.public_id}/").status_code == 404
    assert client.post(f"/imports/{run.public_id}/commit/").status_code == 404


def test_a_caseworker_may_not_import(client, personas):
    sign_in(client, personas.worker_a)
    assert client.get("/imports/").status_code == 403


def test_a_file_over_the_limit_is_refused_naming_the_field(client, personas, tree):
    sign_in(client, personas.officer_a)
    page = upload(client, tree, b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024))
    assert page.status_code == 200
    assert "一次最多只能导入 20 MB" in page.content.decode()
    assert not ImportRun.objects.exists()


def test_the_import_page_lists_recent_uploads_in_constant_queries(
    client, personas, tree, django_assert_max_num_queries
):
    sign_in(client, personas.officer_a)
    for n in range(3):
        upload(client, tree, ledger(rows(1, start=n + 1)).getvalue())
    with django_assert_max_num_queries(12):
        page = client.get("/imports/")
    assert page.content.decode().count("台账.xlsx") == 3


def test_a_run_under_way_shows_its_progress_and_keeps_polling(client, personas, tree):
    from django.core.cache import cache

    from kangfu.ledger.models import RunState

    run = ImportRun.objects.create(
        township=tree.a, uploaded_by=personas.officer_a, file_name="台账.xlsx", digest="0" * 64
    )
    assert run.state == RunState.CHECKING
    cache.set(f"ledger:progress:{run.pk}", (1500, 5000))
    sign_in(client, personas.officer_a)
    html = client.get(f"/imports/{run.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'max="5000" value="1500"' in html
    assert "已处理 1500 行" in html
    run.state = RunState.CHECKED
    run.save()
    html = client.get(f"/imports/{run.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in html  # done: the polling stops
