"""Writes of documents (habit 1): attach a file to a case, withdraw one.

Both are keyword-only, check the permission policy, lock the row they depend on, re-check,
and write an audit event on the person's record in the same transaction. The file is
checked by its content (``content.check``) and stored encrypted before the row is written;
if the row is not written, the stored file is erased again.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction
from kangfu.access.models import User
from kangfu.access.permissions import Action, require
from kangfu.cases.audit import case_work_audit
from kangfu.cases.choices import CaseState
from kangfu.cases.models import Agreement, Case
from kangfu.cases.services import agreement_sign
from kangfu.core.validation import clean_text
from kangfu.documents import content, storage
from kangfu.documents.choices import DocumentKind
from kangfu.documents.models import Document

Actor = User | AccessContext


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def read_upload(upload: IO[bytes]) -> bytes:
    """The bytes of an upload, refused on its declared size before anything is read, and
    never more than the limit read even when no size was declared."""
    size = getattr(upload, "size", None)
    if size is not None and size > content.MAX_BYTES:
        raise content.refuse(content.too_big_message(size))
    data = upload.read(content.MAX_BYTES + 1)
    if len(data) > content.MAX_BYTES:
        raise content.refuse(content.too_big_message(len(data)))
    return data


def _kind(kind: str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        raise ValidationError({"kind": _("Choose one of the kinds offered.")}) from None


def _agreement_for(case: Case) -> Agreement:
    """The case's newest agreement version, locked: the one a signed paper belongs to."""
    agreement = (
        Agreement.objects.select_for_update()
        .select_related("measure", "case")
        .filter(case=case)
        .order_by("-id")
        .first()
    )
    if agreement is None:
        raise ValidationError(
            {
                "kind": _(
                    "This case has no agreement yet: draw it up before attaching the signed one."
                )
            }
        )
    return agreement


def document_upload(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    upload: IO[bytes],
    file_name: str = "",
    note: str = "",
    signed_on: dt.date | None = None,
) -> Document:
    """Attach a PDF, JPEG or PNG to ``case``. A signed agreement is attached to the case's
    newest agreement version and, when that version is not yet signed, records its
    signature on ``signed_on`` (default today) through ``cases.services.agreement_sign``."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.DOCUMENT_UPLOAD, case)
    kind = _kind(kind)
    note = clean_text("note", note, max_length=300)
    file_name = clean_text("file", file_name, max_length=1000)[-200:]
    checked = content.check(read_upload(upload))
    # Drawn before the transaction: pdftoppm may take a moment, and holds no lock meanwhile.
    preview = content.preview(checked.data, checked.file_type)
    stored = storage.store(checked.data)
    preview_name = storage.store(preview) if preview else ""
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.state == CaseState.SEALED:
                raise ValidationError(_("The case is sealed: nothing can be attached to it."))
            agreement = None
            if kind == DocumentKind.SIGNED_AGREEMENT:
                agreement = _agreement_for(locked)
                if agreement.signed_on is None:
                    agreement_sign(
                        actor=ctx,
                        agreement=agreement,
                        signed_on=signed_on or timezone.localdate(),
                    )
            document = Document.objects.create(
                case=locked,
                person_id=locked.person_id,
                kind=kind,
                file_type=checked.file_type,
                size=len(checked.data),
                file_name=file_name,
                note=note,
                agreement=agreement,
                stored_name=stored,
                preview_name=preview_name,
                uploaded_by=ctx.actor,
            )
            case_work_audit(ctx=ctx, case=case, action=AuditAction.CREATE, fields=("document",))
    except BaseException:
        storage.erase(stored)
        storage.erase(preview_name)
        raise
    return document


def document_withdraw(
    *, actor: Actor, document: Document, reason: str, withdrawn_on: dt.date | None = None
) -> Document:
    """Withdraw a document attached by mistake (the wrong person's scan, a blurred photo).

    The row stays, with who withdrew it, when and why; the stored file and its preview are
    erased once the withdrawal commits, so a wrong person's paper does not linger. A signed
    agreement's signature stays recorded: the signature is a fact of the agreement, not of
    its scan (attach the right scan)."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.DOCUMENT_UPLOAD, document)
    reason = clean_text(
        "reason", reason, max_length=300, required=True, message=_("Say why it is withdrawn.")
    )
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
        if locked.case.state == CaseState.SEALED:
            raise ValidationError(_("The case is sealed: nothing can be changed on it."))
        if locked.withdrawn_on is not None:
            raise ValidationError(_("This document was already withdrawn."))
        locked.withdrawn_on = withdrawn_on or timezone.localdate()
        locked.withdrawn_by = ctx.actor
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
        case_work_audit(
            ctx=ctx, case=locked.case, action=AuditAction.UPDATE, fields=("document.withdrawn",)
        )
        names = (locked.stored_name, locked.preview_name)
        transaction.on_commit(lambda: [storage.erase(name) for name in names])
    for field in ("withdrawn_on", "withdrawn_by_id", "withdrawal_reason"):
        setattr(document, field, getattr(locked, field))
    return document
