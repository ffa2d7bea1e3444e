"""A page offers only what its user may do (issue 14: supervisors' drill-down showed
录入检测结果 buttons that led to 404).

On the demo province, each supervisor (county, city, province), the township officer, the
caseworker and a partner officer walk their pages three links deep — the today page and its
drill-down per township, the inbox, the caseload, the person list and what they link to (a
few instances of each route) — stating a purpose of access when asked, as a user would.
Every link and htmx GET on those pages must open for them: none answers 403 or 404. Only
GETs are made: nothing is written.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
import time_machine

from conftest import sign_in
from kangfu.access.choices import AccessPurpose
from kangfu.access.models import User
from kangfu.demo import builder as demo

pytestmark = pytest.mark.django_db

LINK = re.compile(r'(?:href|hx-get)="([/?][^"#]*)')
# Not pages of the product's own: downloads, static files, the API, sign-out, admin.
SKIP = ("/static/", "/api/", "/logout", "/admin/", "/account/", "/exports/", "/portal/")
START = ("/today/", "/inbox/", "/cases/", "/people/", "/risk/", "/referrals/", "/schedule/")


@pytest.fixture
def province():
    with time_machine.travel("2026-12-02 10:00 +0800", tick=False):
        demo.build(persons=90)
        yield


def _links(body: str, page: str) -> list[str]:
    found = []
    for raw in LINK.findall(body):
        url = raw.replace("&amp;", "&")
        if url.startswith("?"):  # the page's own path with other parameters (a drill-down)
            url = urlsplit(page).path + url
        path = urlsplit(url).path
        if path.startswith(SKIP) or path.endswith((".pdf", "/pdf/", ".xlsx", ".csv")):
            continue
        found.append(url)
    return found


def _open(client, url):
    """GET ``url``; state a purpose when the purpose prompt is in the way (as a user does)."""
    response = client.get(url)
    if response.status_code == 302 and "/purpose/" in response["Location"]:
        client.post(response["Location"], {"purpose": AccessPurpose.SUPERVISION})
        response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith("/"):
        response = client.get(response["Location"])  # e.g. /reports/ to its default page
    return response


def _shape(url: str) -> str:
    """The route a URL is an instance of (ids folded, parameter names only)."""
    parts = urlsplit(url)
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", parts.path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair} - {"next"})
    return path + "?" + "&".join(keys)


def _walk(client, *, depth: int = 3, per_shape: int = 3) -> dict[str, tuple[int, str]]:
    """{url: (status, the page that linked to it)} for links found ``depth`` deep, a few
    of each route (its instances differ in data, not in the buttons the template offers)."""
    seen: dict[str, tuple[int, str]] = {}
    shapes: dict[str, int] = {}
    queue = deque((url, 0, "(start)") for url in START)
    while queue:
        url, level, parent = queue.popleft()
        if url in seen or shapes.get(_shape(url), 0) >= per_shape:
            continue
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        response = _open(client, url)
        seen[url] = (response.status_code, parent)
        if level >= depth or response.status_code != 200:
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _links(response.content.decode(), url):
            if link not in seen:
                queue.append((link, level + 1, url))
    return seen


@pytest.mark.parametrize(
    "username",
    ["demo_county", "demo_city", "demo_province", "demo_officer", "demo_worker", "demo_civil"],
)
def test_no_link_on_a_users_pages_answers_403_or_404(client, province, username):
    user = User.objects.get(username=username)
    sign_in(client, user)
    with time_machine.travel("2026-12-02 10:00 +0800", tick=False):
        seen = _walk(client)
    dead = {
        url: (status, parent)
        for url, (status, parent) in seen.items()
        # A start page the role has no use for may refuse; a link on a page may not.
        if status in (403, 404) and parent != "(start)"
    }
    assert not dead, dead
    # The walk did reach a drill-down and work below it (not a vacuous pass).
    if username.startswith(("demo_county", "demo_city", "demo_province")):
        assert any("township=" in url for url in seen)
    assert len(seen) > (5 if username == "demo_civil" else 30)
