"""An uploaded ledger between its check and its commit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kangfu.core.fields import EncryptedTextField


class RunState(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    REFUSED = "refused", _("File refused")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")
    FAILED = "failed", _("Import failed")


class ImportRun(models.Model):
    """One uploaded file. Its content is kept, encrypted like any identity field, only
    until it is imported (or a newer upload replaces it): it holds identity data."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    township = models.ForeignKey("access.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200)
    digest = models.CharField(max_length=64)
    content = EncryptedTextField(blank=True)
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.CHECKING)
    # What the check (or the commit) found: rows, problems, created and matched counts.
    outcome = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self) -> str:
        return f"import {self.public_id} ({self.state})"
