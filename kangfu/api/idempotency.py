"""Idempotency-Key for POST: a retried upload is stored once and answered the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from kangfu.api.exceptions import Conflict
from kangfu.api.models import ApiToken, IdempotentRequest

KEEP = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"


def _owner(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def idempotent(handler):
    """Decorate a viewset's create(): replay the stored answer for a repeated key."""

    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return handler(view, request, *args, **kwargs)
        key = key[:255]
        body = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str).encode()
        ).hexdigest()
        owner = _owner(request)
        IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
        earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if earlier is not None:
            if earlier.body_digest != body or earlier.path != request.path:
                raise Conflict(_("This Idempotency-Key was used for a different request."))
            return Response(
                earlier.response, status=earlier.status, headers={"Idempotent-Replayed": "true"}
            )
        with transaction.atomic():
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                try:
                    with transaction.atomic():
                        IdempotentRequest.objects.create(
                            owner=owner,
                            key=key,
                            method=request.method,
                            path=request.path,
                            body_digest=body,
                            status=response.status_code,
                            response=json.loads(json.dumps(response.data, default=str)),
                        )
                except IntegrityError:
                    # A concurrent retry with the same key won: undo ours, replay theirs.
                    transaction.set_rollback(True)
                    raise Conflict(
                        _("The same request is being processed; retry shortly.")
                    ) from None
        return response

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper
