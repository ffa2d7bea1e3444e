"""The service directory (partner organisations) and support referrals with their outcomes.

A referral belongs to a case and is scoped through it (it moves with a transfer, and drops
out with a sealed case). Its columns are plain codes, dates and an amount so that the
reports app can count referrals per kind, state and outcome without reading any text.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import Department, Disclosure, Jurisdiction
from kangfu.access.permissions import Action, nodes_for, partner_departments
from kangfu.cases.models import CaseChildQuerySet
from kangfu.referrals.choices import (
    PARTNER_LIVE_STATES,
    CloseReason,
    Outcome,
    ReferralState,
    ServiceKind,
)


def ancestor_paths(path: str) -> list[str]:
    """ "/1/2/3/" → ["/1/", "/1/2/", "/1/2/3/"]: the node and every node above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class ProviderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Providers a user's work can reach: those of the nodes above and below each of
        their case-staff grants (a township worker sees the county's clinics, the city's
        training centre …), and a partner the providers linked to its own department."""
        condition = Q()
        found = False
        for node in nodes_for(user, Action.CASE_VIEW):
            path = node.path
            condition |= Q(jurisdiction__path__in=ancestor_paths(path))
            condition |= Q(jurisdiction__path__startswith=path)
            found = True
        departments = partner_departments(user)
        if departments:
            condition |= Q(department_id__in=departments)
            found = True
        return self.filter(condition) if found else self.none()


class ServiceProvider(models.Model):
    """A partner organisation of a jurisdiction's service directory: a clinic, a counselling
    centre, a training or employment base, civil-affairs assistance, a school.

    ``department`` is set when the provider is a government department with Kangfu accounts:
    its partner officers then receive and answer the referrals themselves.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("jurisdiction")
    )
    name = models.CharField(_("organisation name"), max_length=200)
    kind = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices)
    offers = models.TextField(_("what it offers"), blank=True)
    contact = models.CharField(_("contact (office phone, address)"), max_length=300, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("places available"), null=True, blank=True, help_text=_("Leave empty if not limited.")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner department (receives referrals in Kangfu)"),
    )
    active = models.BooleanField(_("taking referrals"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="provider_unique_name"),
            models.CheckConstraint(
                name="provider_kind_valid", condition=Q(kind__in=ServiceKind.values)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReferralQuerySet(CaseChildQuerySet):
    """Staff see referrals through the case (``visible_to``); partners through their
    department (``addressed_to``)."""

    def addressed_to(self, user):
        """Referrals sent to a department the user is a partner officer of (once sent: a
        proposal the person has not agreed to never reaches the partner)."""
        departments = partner_departments(user)
        if not departments:
            return self.none()
        return self.filter(department_id__in=departments, sent_on__isnull=False).exclude(
            case__state="sealed"
        )

    def live_for_partner(self):
        return self.filter(state__in=[s.value for s in PARTNER_LIVE_STATES])


class Referral(models.Model):
    """A referral of one person (through their case) to a service provider.

    ``need`` is what the partner is told; ``internal_note`` stays with case staff (never
    shown to the partner or in the portal). ``categories`` are the data categories the person
    agreed may go to the provider; ``disclosure`` is the accounting of what was sent.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, related_name="referrals"
    )
    # Copied from the provider when proposed: who receives it, and what it is for counting.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    kind = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices)
    need = models.TextField(_("what the person needs (shared with the provider)"))
    internal_note = models.TextField(_("internal note (staff only)"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ReferralState.choices, default=ReferralState.PROPOSED
    )
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(_("data categories agreed"), default=list)
    consented_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_reference = models.CharField(_("consent reference"), max_length=200, blank=True)
    # True when the person agreed in the portal themself rather than on a paper form.
    consent_in_portal = models.BooleanField(default=False)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=25, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount granted (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    outcome_note = models.CharField(_("note on the outcome"), max_length=300, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["department", "state"], name="referral_department_state"),
            models.Index(fields=["kind", "state"], name="referral_kind_state"),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_state_valid", condition=Q(state__in=ReferralState.values)
            ),
            # Nothing leaves before the person agreed: a sent referral has consent on file.
            models.CheckConstraint(
                name="referral_sent_after_consent",
                condition=Q(sent_on__isnull=True)
                | Q(consented_on__isnull=False, sent_on__gte=F("consented_on")),
            ),
            models.CheckConstraint(
                name="referral_sent_has_disclosure",
                condition=Q(sent_on__isnull=True) | Q(disclosure__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_amount_only_for_assistance",
                condition=Q(amount__isnull=True) | Q(outcome="assistance_granted", amount__gt=0),
            ),
            # SQLite would store an overflowing amount and then fail every page reading it.
            models.CheckConstraint(
                name="referral_amount_fits_column",
                condition=Q(amount__isnull=True) | Q(amount__lte=Decimal("99999999.99")),
            ),
            models.CheckConstraint(
                name="referral_decline_has_reason",
                condition=~Q(state="declined") | ~Q(decline_reason=""),
            ),
            models.CheckConstraint(
                name="referral_completed_has_outcome",
                condition=~Q(state="completed") | (~Q(outcome="") & Q(outcome_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="referral_closed_has_reason",
                condition=~Q(state="closed") | (~Q(close_reason="") & Q(closed_on__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.public_id}"

    @property
    def is_final(self) -> bool:
        return self.state in ("declined", "completed", "closed")

    def category_labels(self) -> list[str]:
        from kangfu.access.choices import DataCategory

        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories]
