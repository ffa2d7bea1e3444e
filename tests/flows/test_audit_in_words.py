"""A supervisor reads what a caseworker did as sentences, not as stored internals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from kangfu.api.tests.conftest import bearer, new_token

pytestmark = pytest.mark.django_db


def test_a_today_page_search_reads_as_a_sentence_naming_the_township(
    client, personas, tree, people
):
    sign_in(client, personas.supervisor)
    assert client.get(reverse("schedule:today"), {"township": tree.a.pk}).status_code == 200
    body = client.get(reverse("people:audit-list")).content.decode()
    assert "查看“今日待办”页面，乡镇：城东街道，命中" in body
    assert "query=today" not in body and f"township={tree.a.pk}" not in body


def test_the_api_gives_each_event_its_sentence_in_the_language_asked(personas, tree, people):
    api = bearer(new_token(personas.supervisor))
    api.get("/api/v1/persons/", {"q": "张"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = api.get("/api/v1/audit-events/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    descriptions = [e["description"] for e in response.json()["results"]]
    assert any(d.startswith("按姓名查找人员，命中 1 条") for d in descriptions)
