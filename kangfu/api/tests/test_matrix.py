"""The authorization matrix: every API endpoint × method × persona, with the expected status.

The endpoints are discovered from the URL conf, so a new endpoint without rows here fails
the suite. Objects used in detail URLs belong to township A (城东街道).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PERSONAS = (
    "worker_a",
    "worker_b",
    "supervisor",
    "civil",
    "admin",
    "anonymous",
    "expired_token",
    "token_without_scope",
)
# Routes that are documentation, not data: open to everyone.
PUBLIC = {"api:schema", "api:docs", "api:not-found"}


def row(worker_a, worker_b, supervisor, civil, admin, anonymous=401, expired=401, no_scope=403):
    return dict(
        zip(
            PERSONAS,
            (worker_a, worker_b, supervisor, civil, admin, anonymous, expired, no_scope),
            strict=True,
        )
    )


# (route name, method) -> expected status per persona.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("api:jurisdiction-list", "GET"): row(200, 200, 200, 200, 200),
    ("api:jurisdiction-detail", "GET"): row(200, 404, 200, 200, 200),
    # Everyone with a read role may list (what they get is scoped); the administrator may not.
    ("api:person-list", "GET"): row(200, 200, 200, 200, 403),
    # Only township staff register; B may not register into A (the township field is refused).
    ("api:person-list", "POST"): row(201, 400, 403, 403, 403),
    ("api:person-detail", "GET"): row(200, 404, 200, 200, 403),
    # Without If-Match the owner gets 428; everyone else never learns the record exists.
    ("api:person-detail", "PATCH"): row(428, 404, 404, 404, 403),
}


def path_for(name: str, objects) -> str:
    from django.urls import reverse

    kwargs = {
        "api:jurisdiction-detail": {"code": objects.tree.a.code},
        "api:person-detail": {"id": objects.people.in_a.public_id},
    }.get(name, {})
    query = "?purpose=supervision" if name == "api:person-detail" else ""
    return reverse(name, kwargs=kwargs) + query


def api_routes() -> set[tuple[str, str]]:
    """(namespaced route name, HTTP method) for every API v1 endpoint in the URL conf."""
    found: set[tuple[str, str]] = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "api" and p.name:
                name = f"api:{p.name}"
                if name in PUBLIC:
                    continue
                actions = getattr(p.callback, "actions", None) or {"get": "get"}
                for method in actions:
                    found.add((name, method.upper()))

    walk(get_resolver().url_patterns, None)
    return found


def test_every_api_endpoint_has_a_row_in_the_matrix():
    missing = api_routes() - set(MATRIX)
    assert not missing, f"add rows to MATRIX for: {sorted(missing)}"
    assert not set(MATRIX) - api_routes(), "MATRIX lists routes that no longer exist"


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_the_authorization_matrix(route, method, api, personas, tree, people):
    from types import SimpleNamespace

    objects = SimpleNamespace(tree=tree, people=people)
    path = path_for(route, objects)
    body = PAYLOADS.get((route, method), {})
    got = {}
    for persona in PERSONAS:
        client = getattr(api, persona)
        call = getattr(client, method.lower())
        response = call(path, body, format="json") if body else call(path)
        got[persona] = response.status_code
    assert got == MATRIX[(route, method)]


# Request bodies for writes (valid input, so the status shows authorization, not validation).
PAYLOADS: dict[tuple[str, str], dict] = {
    ("api:person-list", "POST"): {
        "name": "赵磊",
        "id_number": "520102198806151358",
        "hukou_place": "示范省东川市城关区",
        "township": "520102001",
    },
    ("api:person-detail", "PATCH"): {"phone": "13912345678"},
}
