"""What the API does when a lower app announces a fact (listed in kangfu.web.reactions)."""

from __future__ import annotations

from kangfu.access.events import CredentialsChanged
from kangfu.api.services import tokens_revoke_all


def revoke_tokens(event: CredentialsChanged) -> None:
    """New password or a switched-off account: the old tokens stop working at once."""
    tokens_revoke_all(ctx=event.ctx, account=event.account, reason=event.reason)
