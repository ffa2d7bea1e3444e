from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from kangfu.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """A request budget per token (per user for session calls, per address otherwise)."""

    scope = "token"
    # In the database, not per process: with four gunicorn workers a per-process counter
    # would allow four times the budget.
    cache = caches["shared"]

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
