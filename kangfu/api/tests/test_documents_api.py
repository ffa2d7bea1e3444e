"""Documents in the API: metadata list, upload (multipart) and the audited download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kangfu.access.models import AuditEvent
from kangfu.documents import services
from kangfu.documents.models import Document
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload, reported_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def document_root(settings, tmp_path):
    settings.KANGFU_DOCUMENT_ROOT = tmp_path


@pytest.fixture
def case_a(personas, people):
    import time_machine

    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        yield reported_case(personas.worker_a, people.in_a)


def _list(case):
    return f"/api/v1/cases/{case.public_id}/documents/"


def test_it_lists_the_metadata_of_a_cases_documents(api, personas, case_a):
    document = services.document_upload(
        actor=personas.worker_a, case=case_a, kind="lab_report", upload=Upload(samples.png())
    )
    response = api.worker_a.get(_list(case_a))
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == str(document.public_id)
    assert (row["kind"], row["file_type"], row["has_preview"]) == ("lab_report", "image/png", True)
    assert AuditEvent.objects.latest("seq").fields == ["documents"]
    assert api.worker_b.get(_list(case_a)).status_code == 404
    assert api.civil.get(_list(case_a)).status_code in (403, 404)


def test_it_uploads_a_signed_agreement_and_signs_it(api, case_a):
    response = api.worker_a.post(
        _list(case_a),
        {
            "kind": "signed_agreement",
            "signed_on": "2026-03-06",
            "file": SimpleUploadedFile("signed.pdf", samples.minimal_pdf()),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["agreement"] == case_a.agreements.get().pk
    assert case_a.agreements.get().signed_on.isoformat() == "2026-03-06"


def test_it_refuses_an_exe_renamed_pdf_naming_the_field(api, case_a):
    response = api.worker_a.post(
        _list(case_a),
        {"kind": "decision_scan", "file": SimpleUploadedFile("决定书.pdf", samples.EXE)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "不是 PDF、JPEG 或 PNG" in response.json()["errors"]["file"][0]
    assert not Document.objects.exists()


def test_the_supervisor_may_not_upload(api, case_a):
    response = api.supervisor.post(
        _list(case_a) + "?purpose=supervision",
        {"kind": "other", "file": SimpleUploadedFile("a.png", samples.png())},
        format="multipart",
    )
    assert response.status_code == 403


def test_the_download_is_an_audited_read_with_its_purpose(api, personas, people, case_a):
    document = services.document_upload(
        actor=personas.worker_a, case=case_a, kind="other", upload=Upload(samples.minimal_pdf())
    )
    url = f"/api/v1/documents/{document.public_id}/file/"
    response = api.worker_a.get(url)
    assert response.status_code == 200 and response.content == samples.minimal_pdf()
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_id, event.fields) == (
        "read",
        str(people.in_a.public_id),
        ["document"],
    )
    # Outside the caller's caseload a purpose is required, as on the pages.
    assert api.supervisor.get(url).status_code == 400
    assert api.supervisor.get(url + "?purpose=supervision").status_code == 200
    assert AuditEvent.objects.latest("seq").purpose == "supervision"
    assert api.worker_b.get(url).status_code == 404
