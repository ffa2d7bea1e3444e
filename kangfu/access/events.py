"""Facts the access app announces (kangfu.core.events); who reacts is kangfu.web.reactions."""

from __future__ import annotations

from dataclasses import dataclass

from kangfu.access.audit import AccessContext
from kangfu.access.models import User
from kangfu.core.events import Event


@dataclass(frozen=True)
class CredentialsChanged(Event):
    """A staff account's password was changed or reset, or the account was switched off:
    whatever the old credentials opened (API tokens) must close with them."""

    account: User
    ctx: AccessContext
    reason: str  # "password" or "deactivated"
