"""The person's own portal account, and their requests for a review made through it.

Deliberately not a staff ``User``: a portal account has no grants, signs in at its own
pages, and its session is kept apart from staff sessions (kangfu.portal.auth).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kangfu.core.fields import EncryptedTextField


class PortalAccount(models.Model):
    """Sign-in for one person. Activated with a one-time code a caseworker prints; only a
    hash of the code is kept, with its expiry, and it is cleared when used."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="portal_account"
    )
    password = models.CharField(max_length=128, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_issued_at = models.DateTimeField(null=True, blank=True)
    code_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    # Optional second factor: an RFC 6238 secret of the person's own, encrypted at rest.
    totp_secret = EncryptedTextField(blank=True, default="")
    totp_confirmed = models.BooleanField(default=False)
    # The last time step accepted, so a code cannot be used twice.
    totp_last_step = models.BigIntegerField(default=0)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")
        constraints = [
            models.CheckConstraint(
                name="portal_code_has_expiry",
                condition=Q(code_hash="") | Q(code_expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"portal account of person {self.person_id}"

    @property
    def is_active(self) -> bool:
        return self.activated_at is not None and self.disabled_at is None and bool(self.password)


class ReviewAskState(models.TextChoices):
    WAITING = "waiting", _("Received, waiting to be registered")
    REGISTERED = "registered", _("Registered")


class ReviewAsk(models.Model):
    """A request for review of the risk category that the person wrote in the portal.

    The risk app's ``ReviewRequest`` is received by staff (``received_by``); case staff
    register this ask through ``risk.services.review_request_create`` with the day the person
    asked as ``requested_on``, so the answer deadline runs from the person's own request.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="portal_review_asks"
    )
    reason = models.TextField(_("your reasons"))
    asked_on = models.DateField(_("asked on"))
    asked_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=12, choices=ReviewAskState.choices, default=ReviewAskState.WAITING
    )
    review_request = models.OneToOneField(
        "risk.ReviewRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_on", "-id"]
        verbose_name = _("review request from the portal")
        verbose_name_plural = _("review requests from the portal")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="waiting"), name="review_ask_one_waiting"
            ),
            models.CheckConstraint(
                name="review_ask_registered_complete",
                condition=~Q(state="registered")
                | Q(review_request__isnull=False, registered_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"review ask {self.pk} of person {self.person_id}"
