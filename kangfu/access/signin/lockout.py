"""How django-axes counts failed staff sign-ins (settings.AXES_LOCKOUT_PARAMETERS).

Two caps, both kept in the database so every worker process sees the same counts:
failures per account *and* address (AXES_FAILURE_LIMIT, 5: one attacker cannot lock every
account from one place), and failures per account across all addresses
(AXES_ACCOUNT_FAILURE_LIMIT, 20: guessing spread over many addresses is capped too).
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

PER_ADDRESS = [["username", "ip_address"]]


def account_failures(username: str) -> int:
    """Failures for ``username`` from every address within the cool-off period."""
    if not username:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    found = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )
    return found["total"] or 0


def lockout_parameters(request, credentials=None) -> list:
    """Per account and address; per account alone once it reached the account cap (then
    the total, already past AXES_FAILURE_LIMIT, locks it from every address)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = (credentials or {}).get(field) or getattr(request, "username", None)
    if not username and hasattr(request, "POST"):
        username = request.POST.get(field, "")
    if account_failures(username) >= settings.AXES_ACCOUNT_FAILURE_LIMIT:
        return ["username"]
    return PER_ADDRESS
