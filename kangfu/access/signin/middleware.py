"""Sign-in hardening that applies to every request."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access.signin.policy import needs_second_factor
from kangfu.core.db import prepared

# Paths reachable before the second factor: signing in and out, the TOTP pages themselves,
# static files, the language switch and the load balancer's health check.
OPEN_PREFIXES = ("/login/", "/logout/", "/account/2fa/", "/static/", "/i18n/", "/healthz")


# What a temporary password (after a reset by two administrators) opens: choosing a new one.
PASSWORD_CHANGE_PREFIXES = ("/account/password/",)


class SecondFactorMiddleware:
    """Keeps a password-only session away from everything until TOTP is passed, and a
    temporary password away from everything but the password-change page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The user and their second factor are read by key: prepared (kangfu.core.db).
        with prepared():
            redirect = self._redirect(request)
        return redirect or self.get_response(request)

    def _redirect(self, request):
        if not request.path.startswith(OPEN_PREFIXES) and needs_second_factor(request):
            url = f"{reverse('access:2fa')}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request"):
                return HttpResponseClientRedirect(url)
            return HttpResponseRedirect(url)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(OPEN_PREFIXES + PASSWORD_CHANGE_PREFIXES)
        ):
            url = reverse("access:password-change")
            if request.headers.get("HX-Request"):
                return HttpResponseClientRedirect(url)
            return HttpResponseRedirect(url)
        return None


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages of a signed-in user may hold personal data: never keep them in a cache.
            response.headers["Cache-Control"] = "no-store, private"
        return response


# How often a signed-in session's idle deadline is pushed back (written to the session store).
SESSION_REFRESH_SECONDS = 60
SESSION_REFRESHED_KEY = "_kangfu_refreshed"


class SessionIdleMiddleware:
    """Keeps a session alive while it is used, with one session write a minute at most.

    Sessions end after SESSION_IDLE_MINUTES without a request (settings). Saving the session
    on every request (Django's SESSION_SAVE_EVERY_REQUEST) does that with a database write and
    a disk flush per page; rewriting it when the last write is a minute old gives the same
    deadline to within a minute. Sits after SessionMiddleware, which saves a modified session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            with prepared():  # the session is read by its key (kangfu.core.db)
                last = session.get(SESSION_REFRESHED_KEY, 0)
            if not isinstance(last, int) or now - last >= SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_KEY] = now  # modified: saved with a new expiry
        return self.get_response(request)
