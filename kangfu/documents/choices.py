from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    DECISION_SCAN = "decision_scan", _("Scan of the decision")
    SIGNED_AGREEMENT = "signed_agreement", _("Signed agreement")
    LAB_REPORT = "lab_report", _("Lab report")
    LEAVE_REPORT = "leave_report", _("Leave report")
    CASSETTE_PHOTO = "cassette_photo", _("Photo of a test cassette")
    OTHER = "other", _("Other")


class FileType(models.TextChoices):
    """The only types accepted, each told by its content (never by the file name)."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


EXTENSIONS = {FileType.PDF: "pdf", FileType.JPEG: "jpg", FileType.PNG: "png"}
