"""The document pages: upload form, list, download and preview (audited), withdrawal, and
another township's records looking missing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from kangfu.access import purpose as access_purpose
from kangfu.access.models import AuditEvent
from kangfu.documents import content, services
from kangfu.documents.models import Document
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload

pytestmark = pytest.mark.django_db


def _url(name, **kwargs):
    return reverse(f"documents:{name}", kwargs=kwargs)


def attach(actor, case, data=None, kind="lab_report"):
    return services.document_upload(
        actor=actor, case=case, kind=kind, upload=Upload(data or samples.png(), "a.png")
    )


@pytest.fixture
def worker(client, personas):
    return sign_in(client, personas.worker_a)


def post_file(client, case, data, name, kind="lab_report", **extra):
    return client.post(
        _url("document-upload", case_id=case.public_id),
        {"kind": kind, "file": SimpleUploadedFile(name, data), **extra},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def test_the_caseworker_attaches_a_file_and_sees_it_listed(worker, case_a):
    response = post_file(worker, case_a, samples.minimal_pdf(), "化验单.pdf")
    assert response.status_code == 302
    assert response.url == _url("case-documents", case_id=case_a.public_id)
    document = Document.objects.get()
    assert (document.kind, document.file_type, document.uploaded_by.username) == (
        "lab_report",
        "application/pdf",
        "worker_a",
    )
    page = worker.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "检测报告" in page and "化验单.pdf" in page
    assert _url("document-file", public_id=document.public_id) in page
    assert AuditEvent.objects.latest("seq").fields == ["documents"]


def test_an_exe_renamed_pdf_is_refused_naming_the_field(worker, case_a):
    response = post_file(worker, case_a, samples.EXE, "决定书.pdf", kind="decision_scan")
    assert response.status_code == 400
    page = response.content.decode()
    assert "文件：该文件不是 PDF、JPEG 或 PNG 文件" in page
    assert not Document.objects.exists()


def test_an_oversized_file_is_refused_with_its_size(worker, case_a):
    big = content.PNG_MAGIC + b"\x00" * content.MAX_BYTES
    response = post_file(worker, case_a, big, "photo.png")
    assert response.status_code == 400
    assert "每份材料最大 10 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_a_signed_agreement_upload_signs_the_agreement(worker, case_a):
    response = post_file(
        worker,
        case_a,
        samples.png(),
        "协议签字页.png",
        kind="signed_agreement",
        signed_on="2026-03-06",
    )
    assert response.status_code == 302
    agreement = case_a.agreements.get()
    assert agreement.signed_on.isoformat() == "2026-03-06"
    page = worker.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已登记为已签订" in page


def test_download_and_preview_are_audited_reads(worker, personas, people, case_a):
    document = attach(personas.worker_a, case_a)
    response = worker.get(_url("document-file", public_id=document.public_id))
    assert response.status_code == 200 and response.content == samples.png()
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store, private"
    assert "a.png" not in response["Content-Disposition"]  # no uploaded name in the header
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_id, event.fields, event.purpose) == (
        "read",
        str(people.in_a.public_id),
        ["document"],
        "caseload",
    )
    preview = worker.get(_url("document-preview", public_id=document.public_id))
    assert preview.status_code == 200 and preview.content.startswith(content.PNG_MAGIC)
    assert AuditEvent.objects.latest("seq").fields == ["document_preview"]


def test_a_supervisor_states_a_purpose_before_opening_a_file(client, personas, case_a):
    document = attach(personas.worker_a, case_a)
    supervisor = sign_in(client, personas.supervisor)
    url = _url("document-file", public_id=document.public_id)
    response = supervisor.get(url)
    assert response.status_code == 302 and "purpose" in response.url
    session = supervisor.session
    session[access_purpose.PURPOSES_KEY] = {
        str(case_a.person.public_id): {"code": "supervision", "note": ""}
    }
    session.save()
    assert supervisor.get(url).status_code == 200
    assert AuditEvent.objects.latest("seq").purpose == "supervision"
    # Supervisors read; they do not attach or withdraw.
    assert supervisor.get(_url("document-upload", case_id=case_a.public_id)).status_code == 403
    assert (
        supervisor.get(_url("document-withdraw", public_id=document.public_id)).status_code == 403
    )


def test_withdrawal_keeps_the_row_and_the_file_stops_being_served(
    worker, personas, case_a, django_capture_on_commit_callbacks
):
    document = attach(personas.worker_a, case_a)
    url = _url("document-withdraw", public_id=document.public_id)
    assert worker.get(url).status_code == 200
    refused = worker.post(url, {"reason": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = worker.post(url, {"reason": "上传错了案件"})
    assert response.status_code == 302
    assert worker.get(_url("document-file", public_id=document.public_id)).status_code == 404
    page = worker.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上传错了案件" in page


def test_the_list_runs_a_constant_number_of_queries(
    worker, personas, case_a, django_assert_max_num_queries
):
    attach(personas.worker_a, case_a)
    url = _url("case-documents", case_id=case_a.public_id)
    worker.get(url)  # warm the session and the caches
    with django_assert_max_num_queries(20) as few:
        assert worker.get(url).status_code == 200
    for _ in range(24):
        attach(personas.worker_a, case_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = worker.get(url)
    assert response.context["page"].paginator.num_pages == 2


def test_another_townships_records_look_missing(client, personas, case_a):
    document = attach(personas.worker_a, case_a)
    other = sign_in(client, personas.worker_b)
    for url in (
        _url("case-documents", case_id=case_a.public_id),
        _url("document-upload", case_id=case_a.public_id),
        _url("document-file", public_id=document.public_id),
        _url("document-preview", public_id=document.public_id),
        _url("document-withdraw", public_id=document.public_id),
    ):
        assert other.get(url).status_code == 404, url
        assert other.post(url).status_code in (404, 405), url
