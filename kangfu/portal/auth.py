"""The portal's own session: kept strictly apart from staff sign-in.

A portal session is one key in ``request.session``; it is never a Django auth login, so no
staff view (``login_required``) ever accepts it. In the other direction, ``portal_required``
refuses any session that carries a staff login, and a staff sign-in drops the portal key
(``drop_portal_on_staff_login``). Signing in to the portal flushes the whole session first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from kangfu.access.audit import AccessContext, PersonActor, client_address
from kangfu.access.choices import AccessPurpose
from kangfu.portal.models import PortalAccount

SESSION_KEY = "kangfu_portal"
# Between the password and the TOTP code: the account waits for its second factor.
PENDING_KEY = "kangfu_portal_pending"
# Between a valid activation code and the new password.
ACTIVATING_KEY = "kangfu_portal_activating"


@dataclass(frozen=True)
class PortalSession:
    account: PortalAccount
    ctx: AccessContext

    @property
    def person(self):
        return self.account.person


def person_context(request, person) -> AccessContext:
    """The audit context of the person acting in the portal."""
    actor = PersonActor(
        person_id=person.pk, public_id=str(person.public_id), township_path=person.township.path
    )
    return AccessContext(
        actor=actor, client_address=client_address(request), purpose=AccessPurpose.SELF
    )


def portal_login(request, account: PortalAccount) -> None:
    # A fresh session: nothing of a staff sign-in (or of anyone else) survives into it.
    request.session.flush()
    request.session[SESSION_KEY] = {"account": account.pk, "person": str(account.person.public_id)}


def portal_logout(request) -> None:
    request.session.flush()


def current(request) -> PortalSession | None:
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None  # a staff session is never a portal session
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    account = (
        PortalAccount.objects.select_related("person", "person__township")
        .filter(pk=data.get("account"), disabled_at__isnull=True, activated_at__isnull=False)
        .first()
    )
    if account is None or str(account.person.public_id) != data.get("person"):
        return None
    return PortalSession(account, person_context(request, account.person))


def portal_required(view):
    """The view runs only for a signed-in portal person; ``request.portal`` is their
    session. Responses are never cached (they hold personal data)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        session = current(request)
        if session is None:
            url = reverse("portal:login")
            return redirect(f"{url}?{urlencode({'next': request.path})}")
        request.portal = session
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapper


def drop_portal_on_staff_login(sender, request, user, **kwargs) -> None:
    """A staff sign-in in a browser that held a portal session ends the portal session."""
    if request is not None and hasattr(request, "session"):
        for key in (SESSION_KEY, PENDING_KEY, ACTIVATING_KEY):
            request.session.pop(key, None)
