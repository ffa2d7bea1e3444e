"""Facts announced by a lower app, and who reacts to them (DESIGN.md "Reactions").

A service in a lower app that causes work in a higher one does not call up: it announces a
fact with ``publish(MeasureChanged(...))``. The one table that says who reacts to what lives
at the top of the layer graph (``kangfu.web.reactions``) and is installed once at start-up.
Handlers run synchronously, in order, inside the announcing service's transaction, so a write
and its consequences commit or roll back together; a handler that raises rolls the whole
write back.

The same module offers ``Slot``: a named query a lower app needs answered by a higher one
(who else may see a person). The lower app declares the slot and its safe default; the top
of the graph fills it, in the same table module. Not Django signals: one place, read top to
bottom, pinned by a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Event:
    """Base of every announced fact. Subclasses are frozen dataclasses named in the past
    tense of the domain (``MeasureChanged``, ``CaseSealed``)."""


class NotInTransaction(RuntimeError):
    """An event was published outside a transaction: its reactions could not roll back
    with the write that caused them."""


class _Registry:
    def __init__(self) -> None:
        self._table: dict[type[Event], tuple[Handler, ...]] = {}
        self.installed = False

    def install(self, table: Mapping[type[Event], Iterable[Handler]]) -> None:
        self._table = {kind: tuple(handlers) for kind, handlers in table.items()}
        self.installed = True

    def handlers(self, event: Event) -> tuple[Handler, ...]:
        found: list[Handler] = []
        # A handler listed for a base class also hears its subclasses.
        for kind in type(event).__mro__:
            found.extend(self._table.get(kind, ()))
        return tuple(found)

    def table(self) -> dict[type[Event], tuple[Handler, ...]]:
        return dict(self._table)


registry = _Registry()


def publish(event: Event) -> None:
    """Run every handler the table lists for ``event``, now, in the caller's transaction."""
    if not connection.in_atomic_block:
        raise NotInTransaction(f"{type(event).__name__} published outside a transaction")
    for handler in registry.handlers(event):
        handler(event)


@contextmanager
def _intercepted(choose: Callable[[Event, tuple[Handler, ...]], tuple[Handler, ...]]):
    """Inside the block, ``choose(event, handlers)`` decides which of the table's handlers
    run for each published event (what captured and deferred both need)."""
    original = registry.handlers
    registry.handlers = lambda event: choose(event, original(event))  # type: ignore[method-assign]
    try:
        yield
    finally:
        registry.handlers = original  # type: ignore[method-assign]


@contextmanager
def captured(kind: type[Event] = Event) -> Iterator[list[Event]]:
    """For tests: collect the events of ``kind`` published inside the block (the table's
    handlers still run)."""
    heard: list[Event] = []

    def choose(event: Event, found: tuple[Handler, ...]) -> tuple[Handler, ...]:
        if isinstance(event, kind):
            heard.append(event)
        return found

    with _intercepted(choose):
        yield heard


T = TypeVar("T")


class SlotNotFilled(RuntimeError):
    """A slot without a safe default was called before the top of the graph filled it."""


class Slot(Generic[T]):
    """A function a lower app calls but a higher app provides. Until filled, ``default``
    answers, which must be the closed, safe answer (nobody extra sees anything); a slot
    with no safe answer has ``default=None`` and refuses to answer until filled."""

    def __init__(self, name: str, default: T | None) -> None:
        self.name = name
        self._default = default
        self._value: T | None = None

    def fill(self, value: T) -> None:
        self._value = value

    @property
    def filled(self) -> bool:
        return self._value is not None

    def __call__(self, *args, **kwargs):
        function = self._value if self._value is not None else self._default
        if function is None:
            raise SlotNotFilled(self.name)
        return function(*args, **kwargs)  # type: ignore[operator]


@contextmanager
def deferred(*held: Handler) -> Iterator[list[Event]]:
    """Hold back the named handlers inside the block: the events they would have heard are
    collected instead, for the caller to act on in one set-based pass (the ledger import
    plans the schedule of thousands of new cases at once instead of case by case). Every
    other handler still runs as the table says. The caller owns the held work: what it does
    not do, nobody does.
    """
    heard: list[Event] = []

    def choose(event: Event, found: tuple[Handler, ...]) -> tuple[Handler, ...]:
        kept = tuple(h for h in found if h not in held)
        if len(kept) != len(found):
            heard.append(event)
        return kept

    with _intercepted(choose):
        yield heard
