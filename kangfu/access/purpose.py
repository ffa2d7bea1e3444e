"""Purpose of access and break-glass openings, remembered in the user's session.

A purpose given for one record holds for that record until the session ends (sign-out or
inactivity, see SESSION_COOKIE_AGE). An emergency opening holds for
KANGFU_BREAK_GLASS_HOURS (default 4) or until the session ends, whichever comes first.
Keys are the record's public id; nothing else about the record is kept in the session.

A page that needs a purpose sends the user to the prompt with ``prompt`` (an htmx request
gets ``HX-Redirect``, so the browser navigates instead of swapping the prompt into a
fragment). The page the user was on is kept server-side under a short token, so the prompt
returns there and never to a URL read from the query string; a POST's fields are kept with it
(encrypted: they may hold a reason typed about the person) and ``kept_data`` gives them back,
once, when the user is back on that page, so the form shows what was typed and nothing is
written until the user saves it again (docs/decisions.md "No lost decision").
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access.choices import AccessPurpose
from kangfu.core import crypto

PURPOSES_KEY = "kangfu_purposes"
BREAK_GLASS_KEY = "kangfu_break_glass"
PENDING_KEY = "kangfu_purpose_pending"
# The query parameter of the prompt naming the page to go back to (a token, never a URL).
RETURN_PARAM = "return"
# How many interrupted pages a session keeps (the oldest is forgotten first).
PENDING_MAX = 5
# Fields never kept: the CSRF token is issued afresh with the form.
NOT_KEPT = frozenset({"csrfmiddlewaretoken"})


def break_glass_hours() -> float:
    return float(getattr(settings, "KANGFU_BREAK_GLASS_HOURS", 4))


@dataclass(frozen=True)
class GivenPurpose:
    code: str
    note: str = ""


def needs_purpose(user, record) -> bool:
    """A record outside the user's own caseload needs a stated purpose before it opens."""
    return getattr(record, "caseworker_id", None) != user.pk


def purpose_for(request, key: str) -> GivenPurpose | None:
    stored = request.session.get(PURPOSES_KEY, {}).get(str(key))
    if not stored:
        return None
    return GivenPurpose(code=stored["code"], note=stored.get("note", ""))


def remember_purpose(request, key: str, *, code: str, note: str = "") -> None:
    purposes = dict(request.session.get(PURPOSES_KEY, {}))
    purposes[str(key)] = {"code": AccessPurpose(code).value, "note": note.strip()}
    request.session[PURPOSES_KEY] = purposes


def open_break_glass(request, key: str, *, reason: str) -> dt.datetime:
    """Remember an emergency opening of one record; returns when it lapses."""
    until = timezone.now() + dt.timedelta(hours=break_glass_hours())
    openings = {k: v for k, v in request.session.get(BREAK_GLASS_KEY, {}).items()}
    openings[str(key)] = {"until": until.isoformat(), "reason": reason.strip()}
    request.session[BREAK_GLASS_KEY] = openings
    return until


def break_glass_for(request, key: str) -> GivenPurpose | None:
    """The emergency opening of this record if it has not lapsed."""
    stored = request.session.get(BREAK_GLASS_KEY, {}).get(str(key))
    if not stored:
        return None
    if dt.datetime.fromisoformat(stored["until"]) <= timezone.now():
        return None
    return GivenPurpose(code=AccessPurpose.EMERGENCY, note=stored["reason"])


def _aad(request, token: str) -> str:
    return f"purpose-pending:{request.user.pk}:{token}"


def prompt(request, key: str, *, url: str, back: str = "", form: str = "") -> HttpResponse:
    """Send the user to the purpose prompt at ``url``, keeping the page they were on and,
    for a POST, what they submitted (nothing of it is written).

    The prompt gets ``?return=<token>``; after the purpose is stated ``return_url`` gives
    back this page. An htmx request is answered with ``HX-Redirect`` (a full navigation),
    never with the prompt swapped into a fragment or a blank one. ``back`` names the page
    to return to when it is not this one (a POST-only endpoint whose form sits on another
    page), and ``form`` which of that page's forms the kept fields belong to.
    """
    token = secrets.token_urlsafe(9)
    entry: dict = {"key": str(key), "path": back or request.get_full_path(), "form": form}
    if request.method == "POST":
        data = {k: v for k, v in request.POST.lists() if k not in NOT_KEPT}
        entry["data"] = crypto.encrypt(json.dumps(data), aad=_aad(request, token))
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[token] = entry
    request.session[PENDING_KEY] = dict(list(pending.items())[-PENDING_MAX:])
    target = f"{url}{'&' if '?' in url else '?'}{RETURN_PARAM}={token}"
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def return_url(request, key: str) -> str | None:
    """The page the prompt was reached from (for the record ``key``), or None."""
    token = request.GET.get(RETURN_PARAM) or request.POST.get(RETURN_PARAM) or ""
    entry = request.session.get(PENDING_KEY, {}).get(token)
    if not entry or entry.get("key") != str(key):
        return None
    path = entry.get("path", "")
    if not path.startswith("/") or not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return None
    return path


def kept_data(request, form: str = "") -> QueryDict | None:
    """On a GET of a page whose POST was held back for the purpose prompt: the submitted
    fields, once (they are forgotten as they are given back), else None.

    Given back only once the purpose for that record is stated, so nothing is shown or
    written before it.
    """
    if request.method != "GET":
        return None
    pending = dict(request.session.get(PENDING_KEY, {}))
    here = request.get_full_path()
    for token, entry in list(pending.items()):
        if entry.get("path") != here or entry.get("form", "") != form or "data" not in entry:
            continue
        if (
            purpose_for(request, entry["key"]) is None
            and break_glass_for(request, entry["key"]) is None
        ):
            continue
        del pending[token]
        request.session[PENDING_KEY] = pending
        try:
            data = json.loads(crypto.decrypt(entry["data"], aad=_aad(request, token)))
        except (crypto.DecryptionError, ValueError):
            return None
        kept = QueryDict(mutable=True)
        for name, values in data.items():
            kept.setlist(name, [str(v) for v in values])
        kept._mutable = False
        return kept
    return None
