from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kangfu.access.audit import AccessContext
from kangfu.api.scopes import all_scopes
from kangfu.api.services import token_create


def bearer(token_text: str | None) -> APIClient:
    client = APIClient()
    if token_text:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_text}")
    return client


def new_token(user, scopes=None, days=30) -> str:
    return token_create(
        ctx=AccessContext.of(user), name="test", scopes=scopes or all_scopes(), days=days
    )[1]


@pytest.fixture
def api(personas):
    """An API client per persona of the authorization matrix."""
    expired = new_token(personas.worker_a, days=1)
    from kangfu.api.models import ApiToken

    ApiToken.objects.filter(prefix=expired[:10]).update(
        created_at=timezone.now() - dt.timedelta(days=3),
        expires_at=timezone.now() - dt.timedelta(days=2),
    )
    return SimpleNamespace(
        worker_a=bearer(new_token(personas.worker_a)),
        worker_b=bearer(new_token(personas.worker_b)),
        supervisor=bearer(new_token(personas.supervisor)),
        civil=bearer(new_token(personas.civil)),
        admin=bearer(new_token(personas.admin)),
        anonymous=bearer(None),
        expired_token=bearer(expired),
        # A token of worker A that holds no scope of any group but "audit:read".
        token_without_scope=bearer(new_token(personas.worker_a, scopes=["audit:read"])),
    )
