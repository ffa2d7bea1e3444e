"""Attaching and withdrawing documents: content checks, encryption at rest, the signed
agreement, sealing and the permission policy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AccessPurpose
from kangfu.access.models import AuditEvent
from kangfu.cases.choices import EventKind
from kangfu.cases.models import Case, CaseEvent
from kangfu.core import crypto
from kangfu.documents import content, selectors, services, storage
from kangfu.documents.models import Document
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload, reported_case, stored_files

pytestmark = pytest.mark.django_db


def attach(actor, case, data, *, kind="lab_report", name="报告.pdf", **kwargs):
    return services.document_upload(
        actor=actor, case=case, kind=kind, upload=Upload(data, name), file_name=name, **kwargs
    )


def test_it_stores_a_picture_encrypted_under_a_random_name(personas, case_a, document_root):
    picture = samples.png()
    document = attach(personas.worker_a, case_a, picture, kind="cassette_photo", name="张伟.png")
    assert document.file_type == "image/png" and document.size == len(picture)
    files = stored_files(document_root)
    assert {f.name for f in files} == {document.stored_name, document.preview_name}
    for path in files:
        raw = path.read_bytes()
        # No clear bytes on disk: neither the picture, nor a PNG header, nor the name.
        assert picture not in raw and samples.png()[:8] not in raw and b"IHDR" not in raw
        assert "张伟" not in str(path) and raw.startswith(crypto.FILE_MAGIC)
    assert storage.load(document.stored_name) == picture
    assert storage.load(document.preview_name).startswith(content.PNG_MAGIC)
    # The original file name is personal data: encrypted in its column too.
    assert Document.objects.get(pk=document.pk).file_name == "张伟.png"


def test_a_stored_file_that_was_altered_or_swapped_does_not_decrypt(personas, case_a):
    one = attach(personas.worker_a, case_a, samples.minimal_pdf())
    two = attach(personas.worker_a, case_a, samples.png(), kind="other")
    path = storage.path_of(one.stored_name)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(crypto.DecryptionError):
        storage.load(one.stored_name)
    storage.path_of(one.stored_name).write_bytes(storage.path_of(two.stored_name).read_bytes())
    with pytest.raises(crypto.DecryptionError):
        storage.load(one.stored_name)


def test_it_draws_a_first_page_preview_of_a_pdf(personas, case_a):
    document = attach(personas.worker_a, case_a, samples.minimal_pdf(), kind="decision_scan")
    assert document.preview_name
    assert storage.load(document.preview_name).startswith(content.PNG_MAGIC)


def test_without_pdftoppm_a_pdf_has_no_preview_and_is_still_attached(personas, case_a, monkeypatch):
    monkeypatch.setattr(content, "pdftoppm", lambda: None)
    document = attach(personas.worker_a, case_a, samples.minimal_pdf())
    assert document.preview_name == ""


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.EXE, "决定书.pdf"),  # an .exe renamed .pdf
        (b"%PDF-1.7\nnot really a pdf\n%%EOF\n", "决定书.pdf"),  # the header alone
        (samples.minimal_pdf()[:-60], "决定书.pdf"),  # cut short
        (samples.png()[:60], "photo.png"),  # a truncated picture
        (b"GIF89a" + b"\x00" * 40, "photo.png"),  # another format
        (b"", "empty.pdf"),
    ],
    ids=["exe-renamed-pdf", "pdf-header-only", "pdf-cut-short", "png-cut-short", "gif", "empty"],
)
def test_it_refuses_what_is_not_a_readable_pdf_jpeg_or_png(
    personas, case_a, document_root, data, name
):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attach(personas.worker_a, case_a, data, name=name)
    assert list(refused.value.error_dict) == ["file"]
    message = " ".join(refused.value.messages)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # in Chinese
    assert not Document.objects.exists() and stored_files(document_root) == []


def test_the_exe_refusal_says_the_content_was_checked(personas, case_a):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attach(personas.worker_a, case_a, samples.EXE, name="决定书.pdf")
    assert "PDF" in refused.value.messages[0] and "内容" in refused.value.messages[0]


class Unreadable(Upload):
    def read(self, *args):
        raise AssertionError("an oversized upload must be refused before it is read")


def test_it_refuses_an_oversized_file_before_reading_it(personas, case_a):
    upload = Unreadable(samples.png(), "big.png", size=content.MAX_BYTES + 1)
    with pytest.raises(ValidationError) as refused:
        services.document_upload(actor=personas.worker_a, case=case_a, kind="other", upload=upload)
    assert list(refused.value.error_dict) == ["file"]


def test_it_reads_no_more_than_the_limit_when_no_size_is_declared(personas, case_a):
    upload = Upload(content.PNG_MAGIC + b"\x00" * content.MAX_BYTES, "big.png")
    del upload.size
    with pytest.raises(ValidationError) as refused:
        services.document_upload(actor=personas.worker_a, case=case_a, kind="other", upload=upload)
    assert "10" in refused.value.messages[0]


def test_it_accepts_a_file_of_exactly_ten_megabytes(personas, case_a):
    body = samples.pdf_of_size(content.MAX_BYTES)
    document = attach(personas.worker_a, case_a, body)
    assert document.size == content.MAX_BYTES
    with pytest.raises(ValidationError):
        attach(personas.worker_a, case_a, samples.pdf_of_size(content.MAX_BYTES + 1))


def test_it_removes_where_a_photo_was_taken(personas, case_a):
    photo = samples.jpeg_with_gps()
    assert b"Exif" in photo
    document = attach(personas.worker_a, case_a, photo, kind="cassette_photo", name="IMG.jpg")
    kept = storage.load(document.stored_name)
    assert document.file_type == "image/jpeg" and b"Exif" not in kept and b"GPS" not in kept
    content.check(kept)  # still a readable JPEG


def test_a_signed_agreement_upload_records_the_signature(personas, case_a, people):
    agreement = case_a.agreements.get()
    assert agreement.signed_on is None
    document = attach(
        personas.worker_a,
        case_a,
        samples.minimal_pdf(),
        kind="signed_agreement",
        signed_on=dt.date(2026, 3, 6),
    )
    agreement.refresh_from_db()
    assert agreement.signed_on == dt.date(2026, 3, 6)
    assert document.agreement_id == agreement.pk
    assert CaseEvent.objects.filter(case=case_a, kind=EventKind.AGREEMENT_SIGNED).count() == 1
    # A second scan of the same paper attaches without signing twice.
    again = attach(personas.worker_a, case_a, samples.png(), kind="signed_agreement")
    agreement.refresh_from_db()
    assert again.agreement_id == agreement.pk and agreement.signed_on == dt.date(2026, 3, 6)


def test_a_signed_agreement_without_an_agreement_is_refused(frozen, personas, people):
    case = reported_case(personas.worker_a, people.in_a, agreement=False)
    with pytest.raises(ValidationError) as refused:
        attach(personas.worker_a, case, samples.minimal_pdf(), kind="signed_agreement")
    assert list(refused.value.error_dict) == ["kind"]
    assert not Document.objects.exists()


def test_a_signature_date_the_agreement_refuses_leaves_nothing_behind(
    personas, case_a, document_root
):
    with pytest.raises(ValidationError) as refused:
        attach(
            personas.worker_a,
            case_a,
            samples.minimal_pdf(),
            kind="signed_agreement",
            signed_on=dt.date(2026, 3, 1),  # before the reporting day
        )
    assert "signed_on" in refused.value.error_dict
    assert not Document.objects.exists() and stored_files(document_root) == []
    assert case_a.agreements.get().signed_on is None


def test_nothing_is_attached_to_a_sealed_case(personas, case_a):
    Case.objects.filter(pk=case_a.pk).update(
        state="sealed", closed_on=dt.date(2026, 11, 1), sealed_on=dt.date(2026, 11, 2)
    )
    case_a.refresh_from_db()
    # A sealed case is read-only for case staff (access.permissions.CHANGES_RECORD).
    with pytest.raises(PermissionDenied):
        attach(personas.worker_a, case_a, samples.png())
    assert not Document.objects.exists()


def test_a_closed_case_still_takes_a_document(personas, case_a):
    Case.objects.filter(pk=case_a.pk).update(state="closed", closed_on=dt.date(2026, 11, 1))
    case_a.refresh_from_db()
    assert attach(personas.worker_a, case_a, samples.png(), kind="decision_scan").pk


def test_who_may_attach_and_open(personas, people, case_a):
    document = attach(personas.worker_a, case_a, samples.png())
    assert attach(personas.officer_a, case_a, samples.png()).pk
    with pytest.raises(PermissionDenied):
        attach(personas.supervisor, case_a, samples.png())  # sees it, may not change it
    with pytest.raises(Http404):
        attach(personas.worker_b, case_a, samples.png())  # another township's case
    with pytest.raises(Http404):
        attach(personas.civil, case_a, samples.png())  # a partner sees no case
    assert selectors.document_get(user=personas.supervisor, public_id=document.public_id)
    for outsider in (personas.worker_b, personas.civil, personas.admin):
        with pytest.raises(Http404):
            selectors.document_get(user=outsider, public_id=document.public_id)


def test_opening_a_document_is_an_audited_read_with_its_purpose(personas, people, case_a):
    document = attach(personas.worker_a, case_a, samples.png(), kind="lab_report")
    ctx = AccessContext.of(personas.supervisor, purpose=AccessPurpose.SUPERVISION)
    found = selectors.document_get(user=personas.supervisor, public_id=document.public_id)
    assert selectors.document_open(ctx=ctx, document=found) == samples.png()
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_type, event.object_id) == (
        "read",
        "people.person",
        str(people.in_a.public_id),
    )
    assert event.fields == ["document"] and event.purpose == "supervision"
    assert event.outside_caseload and str(document.public_id) in event.detail
    selectors.document_open(ctx=ctx, document=found, part="preview")
    assert AuditEvent.objects.latest("seq").fields == ["document_preview"]


def test_a_withdrawn_document_stays_listed_and_its_file_is_erased(
    personas, case_a, django_capture_on_commit_callbacks
):
    document = attach(personas.worker_a, case_a, samples.png())
    with pytest.raises(ValidationError) as refused:
        services.document_withdraw(actor=personas.worker_a, document=document, reason=" ")
    assert list(refused.value.error_dict) == ["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        services.document_withdraw(
            actor=personas.worker_a, document=document, reason="误传了他人的材料"
        )
    document.refresh_from_db()
    assert document.is_withdrawn and document.withdrawal_reason == "误传了他人的材料"
    assert not storage.path_of(document.stored_name).exists()
    assert not storage.path_of(document.preview_name).exists()
    with pytest.raises(Http404):
        selectors.document_open(ctx=AccessContext.of(personas.worker_a), document=document)
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.fields) == ("update", ["document.withdrawn"])
    with pytest.raises(ValidationError):
        services.document_withdraw(actor=personas.worker_a, document=document, reason="again")
    with pytest.raises(PermissionDenied):
        services.document_withdraw(actor=personas.supervisor, document=document, reason="x")
    assert Document.objects.filter(pk=document.pk).exists()


def test_an_upload_is_recorded_on_the_persons_record(personas, people, case_a):
    attach(personas.worker_a, case_a, samples.png())
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_id, event.fields) == (
        "create",
        str(people.in_a.public_id),
        ["document"],
    )


def test_rotate_keys_re_encrypts_the_stored_files(personas, case_a, settings):
    from django.core.management import call_command

    from kangfu.core.crypto import _parse_keyring

    document = attach(personas.worker_a, case_a, samples.png())
    old = crypto.keyring().active_id
    assert crypto.key_id_of_bytes(storage.path_of(document.stored_name).read_bytes()) == old
    settings.KANGFU_FIELD_KEYS = "n3:" + crypto.generate_key() + "," + settings.KANGFU_FIELD_KEYS
    _parse_keyring.cache_clear()
    try:
        call_command("rotate-keys", stdout=io.StringIO())
        for name in (document.stored_name, document.preview_name):
            assert crypto.key_id_of_bytes(storage.path_of(name).read_bytes()) == "n3"
        assert storage.load(document.stored_name) == samples.png()
    finally:
        _parse_keyring.cache_clear()
