"""Documents attached to a case: scans, the signed agreement, lab reports, photos.

A document belongs to a case and is scoped through it (it moves with a transfer and drops
out of sight with a sealed case). Its bytes are never in the database nor under the web
root: they are encrypted files in ``KANGFU_DOCUMENT_ROOT`` under random names
(``kangfu.documents.storage``), read only through the audited document views. The row keeps
what the pages list: kind, type, size, who attached it and when, and its withdrawal.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kangfu.access.permissions import Action
from kangfu.cases.models import CaseChildQuerySet
from kangfu.core.fields import EncryptedTextField
from kangfu.documents.choices import DocumentKind, FileType


class DocumentQuerySet(CaseChildQuerySet):
    default_action = Action.DOCUMENT_VIEW


class Document(models.Model):
    """One file attached to a case. Never deleted: a wrong one is withdrawn with a reason
    (its stored bytes are then erased, the row stays to say who attached what and why it
    was withdrawn)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="documents")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of document"), max_length=20, choices=DocumentKind.choices)
    file_type = models.CharField(_("file type"), max_length=20, choices=FileType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    # The name the file had on the uploader's computer may name the person: encrypted.
    file_name = EncryptedTextField(_("file name"), blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    # The agreement version a signed-agreement scan is the paper of.
    agreement = models.ForeignKey(
        "cases.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    # Random names in KANGFU_DOCUMENT_ROOT (no personal data in any path); blank preview:
    # none could be made (an unreadable PDF page, no pdftoppm on the server).
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    preview_name = models.CharField(max_length=64, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["case", "-id"], name="document_case_newest")]
        constraints = [
            models.CheckConstraint(
                name="document_kind_valid", condition=Q(kind__in=DocumentKind.values)
            ),
            models.CheckConstraint(
                name="document_type_valid", condition=Q(file_type__in=FileType.values)
            ),
            models.CheckConstraint(
                name="document_size_limit",
                condition=Q(size__gt=0) & Q(size__lte=10 * 1024 * 1024),
            ),
            models.CheckConstraint(
                name="document_agreement_only_for_signed",
                condition=Q(agreement__isnull=True) | Q(kind="signed_agreement"),
            ),
            models.CheckConstraint(
                name="document_withdrawal_complete",
                condition=Q(withdrawn_on__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Document {self.public_id}"

    @classmethod
    def rekey_stored_files(cls) -> int:
        """Re-encrypt every stored file and preview under the active key (called by
        ``manage.py rotate-keys``, which finds this method on the model)."""
        from kangfu.documents import storage

        done = 0
        names = cls._base_manager.filter(withdrawn_on__isnull=True).values_list(
            "stored_name", "preview_name"
        )
        for stored, preview in names.iterator(chunk_size=500):
            done += sum(storage.rekey(name) for name in (stored, preview) if name)
        return done

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @property
    def is_image(self) -> bool:
        return self.file_type in (FileType.JPEG, FileType.PNG)
