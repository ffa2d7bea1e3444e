"""/api/v1/inbox/: the inbox page's items, cursor-paged, scoped by its own token scope."""

import pytest
import time_machine

from kangfu.access.models import AuditEvent
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.inbox.selectors import inbox_for
from kangfu.inbox.tests.test_inbox import NOW, waiting  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_the_api_lists_the_same_items_a_page_at_a_time_and_audits_the_list(personas, waiting):  # noqa: F811
    client = bearer(new_token(personas.officer_a, scopes=["inbox:read"]))
    first = client.get("/api/v1/inbox/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    items = first["results"] + second["results"]
    assert second["next"] is None and len(first["results"]) == 3
    expected = [(g.kind, i.ref) for g in inbox_for(user=personas.officer_a) for i in g.items]
    assert [(i["kind"], i["ref"]) for i in items] == expected
    assert items[0]["url"] == f"/risk/a/{waiting['assessment'].public_id}/"
    assert AuditEvent.objects.filter(action="search", detail="query=inbox hits=3").exists()
    # Another scope is not enough; a forged cursor is a 404, not a 500.
    other = bearer(new_token(personas.officer_a, scopes=["cases:read"]))
    assert other.get("/api/v1/inbox/").status_code == 403
    assert client.get("/api/v1/inbox/", {"cursor": "forged"}).status_code == 404
