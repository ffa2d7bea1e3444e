from dataclasses import dataclass

import pytest
from django.db import transaction

from kangfu.core import events


@dataclass(frozen=True)
class Happened(events.Event):
    n: int


@pytest.mark.django_db
def test_it_holds_back_only_the_named_handler_and_hands_over_its_events():
    heard: list[tuple[str, int]] = []

    def first(event):
        heard.append(("first", event.n))

    def second(event):
        heard.append(("second", event.n))

    saved = events.registry.table()
    events.registry.install({**saved, Happened: (first, second)})
    try:
        with transaction.atomic():
            with events.deferred(first) as held:
                events.publish(Happened(1))
            events.publish(Happened(2))
    finally:
        events.registry.install(saved)
    assert heard == [("second", 1), ("first", 2), ("second", 2)]
    assert held == [Happened(1)]
