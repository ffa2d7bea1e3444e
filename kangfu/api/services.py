"""API token lifecycle."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.api.models import ApiToken
from kangfu.api.scopes import all_scopes

TOKEN_PREFIX = "kf_"
MAX_DAYS = 365


def digest(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash suffices (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, ctx: AccessContext, name: str, scopes: list[str], days: int
) -> tuple[ApiToken, str]:
    """Create a token for ``ctx.actor``; returns the model and the token text (shown once)."""
    unknown = sorted(set(scopes) - set(all_scopes()))
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Choose at least one valid scope.")})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A token is valid for 1 to 365 days.")})
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=ctx.actor,
        name=name.strip(),
        prefix=text[:10],
        digest=digest(text),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, text


def token_revoke(*, ctx: AccessContext, token: ApiToken) -> ApiToken:
    if token.user_id != ctx.actor.pk:
        raise ValidationError(_("You can revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
