"""Batched services: the same checks as one call, over many items, written set-based.

A batched service (``person_register_many``, ``case_open_many``, …) runs, for each item,
the very check its single service runs, in the same order, so an item is refused with the
message a single call would have raised. When any item is refused the service writes
nothing and raises ``BatchRefused`` naming every refused item; the caller (the ledger
import) reports them, drops them and calls again with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError

T = TypeVar("T")


class BatchRefused(Exception):
    """Some items of a batch were refused; nothing of the batch was written. ``errors``
    maps an item's position in the batch to what a single call would have raised."""

    def __init__(self, errors: dict[int, Exception]):
        super().__init__(f"{len(errors)} item(s) refused")
        self.errors = errors


# What a single service raises for an item it refuses (an Http404 is not a refusal of one
# item: it means the actor cannot see the record at all, and stops the whole batch).
REFUSALS: tuple[type[Exception], ...] = (ValidationError, PermissionDenied)


def check_each(
    items: Iterable[T], check: Callable[[T], object], *, refusals: tuple = REFUSALS
) -> list:
    """``check(item)`` for every item, in order: their results, or ``BatchRefused`` with
    every item whose check raised one of ``refusals``."""
    results, errors = [], {}
    for position, item in enumerate(items):
        try:
            results.append(check(item))
        except refusals as exc:
            errors[position] = exc
            results.append(None)
    if errors:
        raise BatchRefused(errors)
    return results
