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


# Invisible characters that can hide or reorder text: zero-width spaces and joiners, the
# word joiner, the byte-order mark and the bidirectional embeddings, overrides and isolates
# (an RTL override makes "exe.txt" read "txt.exe"). They carry no meaning in a case file.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c"
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    )
)


def clean_text(
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = False,
    message: str = "",
) -> str:
    """Text as a service stores it: invisible controls stripped, surrounding space trimmed;
    a NUL byte (which PostgreSQL refuses) or more than ``max_length`` characters refused with
    a message naming the field."""
    text = (value or "").translate(_INVISIBLE).strip()
    if "\x00" in text:
        raise ValidationError({field: _("The text contains a character that is not allowed.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)s characters, please.") % {"n": max_length}})
    if required and not text:
        raise ValidationError({field: message or _("This field is required.")})
    return text


def not_after(field: str, day: dt.date, later: dt.date | None, what: str) -> None:
    """Refuse a day after ``later`` (when known), naming the field and the bound."""
    if later is not None and day > later:
        raise ValidationError(
            {
                field: _("The date cannot be after %(what)s (%(day)s).")
                % {"what": what, "day": later.isoformat()}
            }
        )
