"""The documents section of the case page: drawn by the documents app through the
cases.case_sections slot (cases is below documents and cannot import it)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from conftest import sign_in, statements_sent
from kangfu.documents import services
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload, reported_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def document_root(tmp_path):
    with override_settings(KANGFU_DOCUMENT_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def case_a(personas, people):
    import time_machine

    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        yield reported_case(personas.worker_a, people.in_a)


def attach(actor, case, kind="lab_report"):
    return services.document_upload(
        actor=actor, case=case, kind=kind, upload=Upload(samples.png(), "a.png")
    )


def test_the_case_page_shows_the_newest_documents_and_the_upload_buttons(
    client, personas, case_a, django_assert_max_num_queries
):
    worker = sign_in(client, personas.worker_a)
    url = reverse("cases:case-detail", kwargs={"public_id": case_a.public_id})
    page = worker.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="documents"' in page and "尚未上传材料" in page
    assert "上传已签协议" in page
    document = attach(personas.worker_a, case_a, kind="decision_scan")
    with django_assert_max_num_queries(200) as first, statements_sent() as statements:
        page = worker.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "决定书扫描件" in page
    # Fewer documents than the section shows: no count, the list itself says how many.
    assert [sql for sql in statements if "documents_document" in sql]
    assert not [sql for sql in statements if "COUNT(" in sql and "documents_document" in sql]
    assert reverse("documents:document-preview", kwargs={"public_id": document.public_id}) in page
    for _ in range(8):
        attach(personas.worker_a, case_a)
    # More documents than the section shows: the newest five, and one count for the link.
    with django_assert_max_num_queries(len(first.captured_queries) + 1) as nine:
        page = worker.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部 9 份材料" in page
    assert page.count('<li class="document') == 5
    for _ in range(8):
        attach(personas.worker_a, case_a)
    # And no more queries however many there are.
    with django_assert_max_num_queries(len(nine.captured_queries)):
        page = worker.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部 17 份材料" in page


def test_the_supervisor_sees_the_section_without_upload_buttons(client, personas, case_a):
    attach(personas.worker_a, case_a)
    supervisor = sign_in(client, personas.supervisor)
    session = supervisor.session
    session["kangfu_purposes"] = {str(case_a.person.public_id): {"code": "supervision"}}
    session.save()
    url = reverse("cases:case-detail", kwargs={"public_id": case_a.public_id})
    page = supervisor.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "检测报告" in page and "上传材料" not in page
