"""API token lifecycle."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, account_detail, audit_record, primary_path
from kangfu.access.choices import AuditAction
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
    _audit(ctx, token, AuditAction.CREATE, ("api_token",))
    return token, text


def _audit(ctx: AccessContext, token: ApiToken, action: str, fields) -> None:
    """An event on the token's owner's account (shown on the audit page as a sentence);
    the token's name, never its text."""
    audit_record(
        ctx=ctx,
        action=action,
        obj=("api.apitoken", str(token.pk), primary_path(token.user)),
        fields=fields,
        outside_caseload=False,
        detail=account_detail(user=token.user.get_username(), kind=token.name[:60]),
    )


@transaction.atomic
def token_revoke(*, ctx: AccessContext, token: ApiToken) -> ApiToken:
    if token.user_id != ctx.actor.pk:
        raise ValidationError(_("You can revoke only your own tokens."))
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(ctx, token, AuditAction.UPDATE, ("api_token.revoked_at",))
    return token


@transaction.atomic
def tokens_revoke_all(*, ctx: AccessContext, account, reason: str) -> int:
    """Revoke every live token of ``account`` (its password changed, or it was switched
    off), each audited. Returns how many were revoked."""
    live = list(
        ApiToken.objects.select_for_update()
        .select_related("user")
        .filter(user=account, revoked_at__isnull=True)
    )
    now = timezone.now()
    for token in live:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        _audit(ctx, token, AuditAction.UPDATE, (f"api_token.revoked_at.{reason}",))
    return len(live)
