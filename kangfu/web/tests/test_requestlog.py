"""One JSON line per request: method, route name, status, duration — never a path or a person."""

from __future__ import annotations

import json
import logging

import pytest

from conftest import sign_in
from kangfu.core.requestlog import JsonFormatter

pytestmark = pytest.mark.django_db


def lines(caplog) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(record) for record in caplog.records]


def test_it_logs_a_person_page_by_route_name_and_never_the_persons_id(client, personas, people):
    sign_in(client, personas.worker_a)
    with caplog_at_info() as caplog:
        response = client.get(f"/people/{people.in_a.public_id}/")
    assert response.status_code in (200, 302)
    output = lines(caplog)
    requests = [json.loads(line) for line in output if '"logger": "kangfu.request"' in line]
    assert len(requests) == 1
    entry = requests[0]
    assert entry["method"] == "GET"
    assert entry["route"] == "people:person-detail"
    assert entry["status"] == response.status_code
    assert isinstance(entry["duration_ms"], float)
    text = "\n".join(output)
    assert str(people.in_a.public_id) not in text
    assert "张伟" not in text


def test_it_names_the_route_instead_of_the_path_in_djangos_not_found_warning(
    client, personas, people
):
    sign_in(client, personas.worker_a)
    with caplog_at_info() as caplog:
        response = client.get(f"/people/{people.in_b.public_id}/")  # another township's person
    assert response.status_code == 404
    text = "\n".join(lines(caplog))
    assert "Not Found: <people:person-detail>" in text
    assert str(people.in_b.public_id) not in text


class caplog_at_info:
    """Capture every record at INFO, whatever LOG_LEVEL says (kangfu.request does not propagate)."""

    def __enter__(self):
        self.records: list[logging.LogRecord] = []
        self.handler = logging.Handler(level=logging.INFO)
        self.handler.emit = self.records.append
        self.loggers = [logging.getLogger("kangfu.request"), logging.getLogger("django.request")]
        for logger in self.loggers:
            logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        for logger in self.loggers:
            logger.removeHandler(self.handler)
