"""Garbled cursors and hostile JSON bodies get a 4xx problem+json, never a 500."""

import base64

import pytest

from kangfu.api.tests.conftest import bearer, new_token
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db
LIST = "/api/v1/persons/"


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "value", ["abc", "%00", cursor("p=abc"), cursor("o=1&p=x"), cursor("p=1e999"), cursor("r=1&p=")]
)
def test_it_answers_a_garbled_cursor_with_404_problem_json(personas, people, value):
    client = bearer(new_token(personas.worker_a))
    response = client.get(LIST, {"cursor": value})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"name":' * 5_000 + "1" + "}" * 5_000,
        '{"name": ' + "[" * 40 + "]" * 40 + "}",
        '{"name": "x"',
        "\x00",
    ],
    ids=["deep-array", "deep-object", "deeper-than-32", "truncated", "nul"],
)
def test_it_answers_a_hostile_json_body_with_400_problem_json(personas, tree, body):
    client = bearer(new_token(personas.worker_a))
    response = client.post(LIST, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not Person.objects.exists()
