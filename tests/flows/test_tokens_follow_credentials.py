"""API tokens are part of an account's credentials: creating and revoking one is audited
(and shown on the audit page), and a new password or a switched-off account ends them all."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from conftest import PASSWORD, make_user, sign_in
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.access.services import account_save
from kangfu.api.models import ApiToken
from kangfu.api.tests.conftest import bearer, new_token

pytestmark = pytest.mark.django_db
JURISDICTIONS = "/api/v1/jurisdictions/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        yield


def test_it_audits_creating_and_revoking_a_token_and_shows_it_on_the_audit_page(client, personas):
    sign_in(client, personas.worker_a)
    form = {"name": "化验室上传", "scopes": ["people:read"], "days": 30}
    client.post(reverse("api-tokens"), form)
    token = ApiToken.objects.get()
    client.post(reverse("api-token-revoke", args=[token.pk]))
    client.post(reverse("api-token-revoke", args=[token.pk]))  # twice: one event
    events = AuditEvent.objects.filter(object_type="api.apitoken", object_id=str(token.pk))
    assert [e.action for e in events.order_by("seq")] == ["create", "update"]
    assert all(e.actor_id == personas.worker_a.pk for e in events)
    sign_in(client, personas.supervisor)
    page = client.get(reverse("people:audit-list")).content.decode()
    assert "创建了 API 令牌“化验室上传”" in page
    assert "吊销了 worker_a 的 API 令牌“化验室上传”" in page


def test_it_revokes_the_tokens_when_the_password_changes(client, personas):
    text = new_token(personas.worker_a)
    assert bearer(text).get(JURISDICTIONS).status_code == 200
    sign_in(client, personas.worker_a)
    new = "another-Horse-battery-42"
    response = client.post(
        reverse("access:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert bearer(text).get(JURISDICTIONS).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    revoked = AuditEvent.objects.get(object_type="api.apitoken", action="update")
    assert revoked.fields == ["api_token.revoked_at.password"]


def test_it_revokes_the_tokens_when_the_account_is_switched_off(personas, tree):
    admin = make_user("admin_one", Role.ADMINISTRATOR, tree.province, is_staff=True)
    text = new_token(personas.worker_a)
    other = new_token(personas.worker_b)
    account = personas.worker_a
    account.is_active = False
    account_save(actor=admin, account=account, created=False, changed_fields=["is_active"])
    assert ApiToken.objects.get(user=account).revoked_at is not None
    assert ApiToken.objects.get(user=personas.worker_b).revoked_at is None
    account.is_active = True
    account.save(update_fields=["is_active"])  # switched back on: the old token stays dead
    assert bearer(text).get(JURISDICTIONS).status_code == 401
    assert bearer(other).get(JURISDICTIONS).status_code == 200
