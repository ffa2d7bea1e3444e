"""ETag / If-Match, so two offices cannot silently overwrite each other's changes."""

from __future__ import annotations

import hashlib
import json

from kangfu.api.exceptions import PreconditionFailed, PreconditionRequired


def etag_of(data) -> str:
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def require_match(request, current_etag: str) -> None:
    """Refuse an update that was not based on the current representation."""
    given = request.headers.get("If-Match")
    if not given:
        raise PreconditionRequired()
    candidates = {tag.strip() for tag in given.split(",")}
    if "*" not in candidates and current_etag not in candidates:
        raise PreconditionFailed()


def lock_row(model, pk) -> None:
    """Lock one row until the surrounding transaction ends (a no-op lock on SQLite, whose
    writers are serialised anyway). Call it inside ``transaction.atomic()`` before reading
    the representation whose ETag ``require_match`` compares."""
    list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))
