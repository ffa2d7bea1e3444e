"""The one way to read scoped records: ``Model.objects.visible_to(user)``.

A record is visible when its jurisdiction path lies under a node the user holds a grant on
for a role that may read it. Anything else is filtered out in the database, so a view that
does ``get_object_or_404(Model.objects.visible_to(user), ...)`` answers 404 for a record
outside the user's scope exactly as for one that does not exist.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404

from kangfu.access.permissions import Action, nodes_for
from kangfu.core.db import prepared


def scope_filter(user, path_field: str, action: str) -> Q | None:
    """A filter matching rows under any node where the user's grants allow ``action``."""
    paths = sorted({node.path for node in nodes_for(user, action)})
    # Drop nodes already covered by an ancestor grant, to keep the SQL short.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(parent) for parent in kept):
            kept.append(path)
    if not kept:
        return None
    condition = Q()
    for path in kept:
        condition |= Q(**{f"{path_field}__startswith": path})
    return condition


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a jurisdiction reachable through ``scope_path_field``
    (or to any of several: a transfer belongs to the township it leaves and the one it goes
    to)."""

    scope_path_field: str | tuple[str, ...] = "jurisdiction__path"
    # What a plain ``visible_to(user)`` means for this model.
    default_action: str = Action.PERSON_VIEW

    def visible_to(self, user, action: str | None = None):
        """Rows under the nodes of the user's grants for ``action`` (the permission table,
        access.permissions), or for the model's default action without one."""
        fields = self.scope_path_field
        condition = None
        for field in (fields,) if isinstance(fields, str) else fields:
            one = scope_filter(user, field, action or self.default_action)
            if one is not None:
                condition = one if condition is None else condition | one
        if condition is None:
            return self.none()
        return self.filter(condition)


def scoped_get(user, model_or_queryset, action: str | None = None, **lookup):
    """The one record matching ``lookup`` among those ``user`` may see for ``action``, or
    404 — the same 404 as for a record that does not exist. Views fetch records with this
    (or a selector built on ``visible_to``), so an unscoped lookup is not written."""
    manager = getattr(model_or_queryset, "objects", model_or_queryset)
    with prepared():  # one record by its key: one plan whatever the scope (kangfu.core.db)
        return get_object_or_404(manager.visible_to(user, action), **lookup)
