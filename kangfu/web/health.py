"""``/healthz``: may a load balancer send this instance traffic?

200 only when the database answers and the keys work: a probe is encrypted and decrypted with
the field keys and the blind-index key computes a digest. 503 with a short JSON body otherwise.
No sign-in, no session, no person data, no audit event; the body never carries an error text
(it could hold a database address), only which check failed — the log holds the detail.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kangfu.core import crypto

logger = logging.getLogger(__name__)

PROBE = "kangfu-healthz-probe"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def _keys() -> None:
    ring = crypto.keyring()  # parses every key: a malformed one fails here
    token = crypto.encrypt(PROBE, aad="healthz")
    if crypto.decrypt(token, aad="healthz") != PROBE or crypto.key_id_of(token) != ring.active_id:
        raise RuntimeError("field-key probe did not round-trip")
    crypto.blind_index(PROBE, purpose="healthz")


CHECKS = {"database": _database, "keys": _keys}


@never_cache
@require_safe
def healthz(request):
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("health check %s failed", name)
            results[name] = "fail"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503
    )
