"""Who may call an endpoint: an authenticated user whose token (if any) holds the scope."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from kangfu.api.models import ApiToken


def required_scope(request, view) -> str:
    access = "read" if request.method in SAFE_METHODS else "write"
    return f"{view.scope_group}:{access}"


class TokenScope(BasePermission):
    """Session users act with their roles alone; token users also need the token's scope.
    What records they then see is decided by visible_to(), as on the pages."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken):
            return required_scope(request, view) in request.auth.scopes
        return True
