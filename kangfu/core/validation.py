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


def text_within(
    field: str, value: str | None, *, limit: int, required: bool = False, message: str = ""
) -> str:
    """The text stripped; refused (naming the field) when required and empty, or too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: message or _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)s characters, please.") % {"n": limit}})
    return text
