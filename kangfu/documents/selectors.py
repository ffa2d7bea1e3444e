"""Reads of documents: lists start from ``visible_to`` (habit 2), and every opening of a
file or preview is an audited read of the person's record (habit 4)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action
from kangfu.cases.models import Case
from kangfu.documents import storage
from kangfu.documents.models import Document

RELATED = ("uploaded_by", "withdrawn_by", "agreement")


def case_documents(*, user, case: Case):
    """The documents of ``case`` the user may see, newest first (one query per page)."""
    return (
        Document.objects.visible_to(user, Action.DOCUMENT_VIEW)
        .filter(case=case)
        .select_related(*RELATED)
        .order_by("-id")
    )


def document_get(*, user, public_id) -> Document:
    """One visible document, or 404 — the same 404 as for one that does not exist."""
    return get_object_or_404(
        Document.objects.visible_to(user, Action.DOCUMENT_VIEW).select_related(
            "case", "case__person", "case__township", *RELATED
        ),
        public_id=public_id,
    )


# What each part of a document is called in the audit log (field names, never values).
PARTS = {"file": "document", "preview": "document_preview"}


def document_open(*, ctx: AccessContext, document: Document, part: str = "file") -> bytes:
    """The clear bytes of the document (or of its preview), after the read is recorded on
    the person's record with the purpose of access. A withdrawn document is gone: 404."""
    name = document.stored_name if part == "file" else document.preview_name
    if document.is_withdrawn or not name:
        raise Http404
    person = document.case.person
    person.township = document.case.township
    with transaction.atomic():
        # The bytes are returned only if the event that says who read them was written.
        audit_record(
            ctx=ctx,
            action=AuditAction.READ,
            obj=person,
            fields=(PARTS[part],),
            detail=f"document={document.public_id} kind={document.kind}",
        )
    return storage.load(name)
