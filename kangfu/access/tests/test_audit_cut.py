"""``_cut`` writes the canonical form key by key; its pieces, with the head's two values put
in, must be byte for byte what ``canonical`` (the JSON encoder) gives, whatever the text."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kangfu.access import audit
from kangfu.access.choices import AccessPurpose, AuditAction

TEXTS = [
    "",
    "王社工",
    'a "quoted" \\ back\\slash',
    "tab\tnew\nline\r\x00nul\x1f",
    "zero\u200bwidth \u202eRTL\u202c",
    "emoji 😀 and \ud7ff",
    "</script><!--",
    "x" * 500,
]


def _event(n: int, text: str) -> audit._Pending:
    return audit._Pending(
        occurred_at=dt.datetime(2026, 11, 20, 2, 3, 4, 56789 + n, tzinfo=dt.UTC),
        local_date=dt.date(2026, 11, 20),
        actor_id=None if n % 3 == 0 else 41 + n,
        actor_username=text[:150],
        actor_name=text,
        roles="caseworker,township_officer" if n % 2 else "",
        jurisdiction=text,
        scope_path="1/2/3/" if n % 2 else "",
        action=list(AuditAction)[n % len(AuditAction)],
        object_type="people.person" if n % 2 else "",
        object_id=text[:40],
        fields=sorted({text, "name", "id_number"}) if n % 4 else [],
        detail=text[:200],
        purpose=list(AccessPurpose)[n % len(AccessPurpose)],
        purpose_note=text,
        outside_caseload=bool(n % 2),
        client_address=None if n % 2 else "2001:db8::7",
    )


@pytest.mark.parametrize(("n", "text"), list(enumerate(itertools.islice(TEXTS * 3, 24))))
def test_the_cut_pieces_give_the_canonical_bytes(n, text):
    event = _event(n, text)
    a, b, c = audit._cut(event)
    event.seq, event.prev_hash = 1_000_000 + n, "f" * 63 + str(n % 10)
    assert f'{a}"{event.prev_hash}"{b}{event.seq}{c}'.encode() == audit.canonical(event)
    assert audit._linked((a, b, c), event.seq, event.prev_hash) == audit.compute_hash(event)
