"""Checks every service makes the same way, with the same message."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def not_future(field: str, day: dt.date) -> None:
    """Refuse a day after today (Asia/Shanghai), naming the field."""
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
