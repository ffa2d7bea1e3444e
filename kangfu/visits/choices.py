"""The vocabulary of visits and interviews (走访、谈话)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Place(models.TextChoices):
    """Where (or how) the caseworker met the person."""

    HOME = "home", _("At home")
    OFFICE = "office", _("At the office")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")
    WORKPLACE = "workplace", _("At the workplace")
