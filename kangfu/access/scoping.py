"""The one way to read scoped records: ``Model.objects.visible_to(user)``.

A record is visible when its jurisdiction path lies under a node the user holds a grant on
for a role that may read it. Anything else is filtered out in the database, so a view that
does ``get_object_or_404(Model.objects.visible_to(user), ...)`` answers 404 for a record
outside the user's scope exactly as for one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q

from kangfu.access.choices import Role

# Roles that may read person records (partners only a minimal field set, see people.selectors).
PERSON_READ_ROLES = frozenset(
    {Role.CASEWORKER, Role.TOWNSHIP_OFFICER, Role.SUPERVISOR, Role.PARTNER}
)
# Roles that may register and edit persons of their township.
PERSON_WRITE_ROLES = frozenset({Role.CASEWORKER, Role.TOWNSHIP_OFFICER})
# Roles that see whole records of their subtree (not the partner's narrow slice).
CASE_STAFF_ROLES = frozenset({Role.CASEWORKER, Role.TOWNSHIP_OFFICER, Role.SUPERVISOR})


def grants_of(user) -> list:
    """The user's grants with their nodes, loaded once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_kangfu_grants", None)
    if cached is None:
        cached = list(user.grants.select_related("jurisdiction", "department"))
        user._kangfu_grants = cached
    return cached


def grants_with(user, roles: Iterable[str]) -> list:
    wanted = set(roles)
    return [grant for grant in grants_of(user) if grant.role in wanted]


def has_role(user, roles: Iterable[str]) -> bool:
    return bool(grants_with(user, roles))


def scope_filter(user, path_field: str, roles: Iterable[str]) -> Q | None:
    """A filter matching rows under any node the user holds one of ``roles`` on."""
    paths = sorted({grant.jurisdiction.path for grant in grants_with(user, roles)})
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
    """A queryset whose rows belong to a jurisdiction reachable through ``scope_path_field``."""

    scope_path_field = "jurisdiction__path"
    read_roles: frozenset[str] = PERSON_READ_ROLES

    def visible_to(self, user, action: str | None = None, *, roles: Iterable[str] | None = None):
        """Rows under the nodes of the user's grants for ``action`` (the permission table,
        access.permissions), or for the model's read roles without one."""
        if action is not None:
            from kangfu.access.permissions import roles_for  # same app; avoids an import cycle

            roles = roles_for(action)
        condition = scope_filter(user, self.scope_path_field, roles or self.read_roles)
        if condition is None:
            return self.none()
        return self.filter(condition)
