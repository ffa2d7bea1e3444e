"""/healthz: 200 only when the database and the keys work; 503 with a short JSON otherwise."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from kangfu.access.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_answers_200_without_sign_in_when_database_and_keys_work(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_it_writes_no_audit_event_and_no_session(client, people):
    before = AuditEvent.objects.count()
    responses = [client.get("/healthz"), client.head("/healthz")]
    assert AuditEvent.objects.count() == before
    assert not Session.objects.exists()
    assert all("sessionid" not in r.cookies for r in responses)


def test_it_answers_503_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "fail", "keys": "ok"}}
    # The error text (which could name the database host) stays in the log, not the answer.
    assert b"refused" not in response.content


def test_it_answers_503_when_a_field_key_is_malformed(client, settings):
    settings.KANGFU_FIELD_KEYS = "k1:not-base64!"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "keys": "fail"}


def test_it_answers_503_when_the_blind_index_key_is_missing(client, settings):
    settings.KANGFU_BLIND_INDEX_KEY = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["keys"] == "fail"


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_it_answers_a_load_balancer_over_plain_http_when_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_it_answers_a_password_only_session_without_asking_for_the_second_factor(client, personas):
    # A supervisor must pass TOTP before any page; the health check is not a page.
    client.force_login(personas.supervisor, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/").status_code == 302
    assert client.get("/healthz").status_code == 200
