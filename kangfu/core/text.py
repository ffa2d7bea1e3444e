"""Text that is stored, not shown: it is written in the site language (zh-Hans), whatever
language the acting user reads, so a record reads the same for everyone later."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def site_text(message: str) -> str:
    """``message`` (marked with gettext_noop) translated into the site language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message)
