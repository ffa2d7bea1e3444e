import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from kangfu.api.models import ApiToken
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db
JURISDICTIONS = "/api/v1/jurisdictions/"


def test_a_token_is_shown_once_and_stored_only_as_a_digest(client, personas):
    sign_in(client, personas.worker_a)
    page = client.post(
        reverse("api-tokens"), {"name": "lab upload", "scopes": ["people:read"], "days": 30}
    ).content.decode()
    token = ApiToken.objects.get()
    text = page.split('<code class="token">')[1].split("</code>")[0]
    assert text.startswith("kf_") and len(text) > 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        assert text not in " ".join(map(str, cursor.fetchone()))
    assert text not in client.get(reverse("api-tokens")).content.decode()
    assert token.scopes == ["people:read"]


def test_a_token_reads_what_its_user_may_see(personas, tree):
    response = bearer(new_token(personas.worker_a)).get(JURISDICTIONS)
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == {"520102001"}


def test_a_revoked_token_is_refused_with_a_problem_document(client, personas, tree):
    text = new_token(personas.worker_a)
    sign_in(client, personas.worker_a)
    client.post(reverse("api-token-revoke", args=[ApiToken.objects.get().pk]))
    response = bearer(text).get(JURISDICTIONS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_an_expired_token_is_refused(personas, tree):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        text = new_token(personas.worker_a, days=7)
    with time_machine.travel(dt.datetime(2026, 1, 9, tzinfo=dt.UTC), tick=False):
        assert bearer(text).get(JURISDICTIONS).status_code == 401


def test_a_token_without_the_scope_is_forbidden(personas, tree):
    response = bearer(new_token(personas.worker_a, scopes=["people:read"])).get(JURISDICTIONS)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_messages_follow_accept_language(personas, tree):
    client = bearer("kf_not-a-real-token")
    zh = client.get(JURISDICTIONS)
    en = client.get(JURISDICTIONS, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.json()["title"] == "未通过身份认证"
    assert en.json()["title"] == "Not authenticated"


def test_each_token_has_a_rate_limit(personas, tree, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    cache.clear()
    client = bearer(new_token(personas.worker_a))
    assert [client.get(JURISDICTIONS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert bearer(new_token(personas.worker_a)).get(JURISDICTIONS).status_code == 200


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs


def test_it_counts_the_rate_limit_in_the_database_shared_by_every_process(personas, tree):
    from django.db import connection as db

    assert TokenRateThrottle.cache.__class__.__name__ == "DatabaseCache"
    bearer(new_token(personas.worker_a)).get(JURISDICTIONS)
    with db.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM kangfu_shared_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_token_token-" in key for key in keys)
