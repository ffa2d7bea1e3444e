"""Risk assessments, their notices, review requests and each person's current category.

Everything here belongs to a person and is scoped through the person's township, so a
transfer moves the whole risk history with the person. Only case staff (caseworkers,
township officers, supervisors) see it: partners never learn a person's risk category.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kangfu.access.permissions import Action
from kangfu.access.scoping import ScopedQuerySet
from kangfu.risk.choices import (
    OPEN_STATUSES,
    AssessmentStatus,
    Delivery,
    ReviewOutcome,
    ReviewState,
    RiskCategory,
)


class PersonScopedQuerySet(ScopedQuerySet):
    """Rows about a person, visible to case staff over the person's township. A person whose
    every case is sealed drops out, as everywhere (``Person.objects.visible_to``)."""

    person_field = "person"
    default_action = Action.CASE_VIEW

    def visible_to(self, user, action=None):
        from kangfu.people.models import Person

        persons = Person.objects.visible_to(user, action or self.default_action)
        return self.filter(**{f"{self.person_field}__in": persons.values("pk")})


class PersonRisk(models.Model):
    """A person's current category, when it is next reviewed, and whether an event since the
    last assessment calls for a new one (the "reassessment needed" marker).

    One row per person, written only by ``risk.services``. ``category`` is null until a
    first assessment is approved; a row may exist before that just to carry the marker.
    """

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, primary_key=True, related_name="risk"
    )
    category = models.CharField(
        _("risk category"), max_length=10, choices=RiskCategory.choices, null=True, blank=True
    )
    # The day the current category took effect (kept while later assessments confirm it).
    since = models.DateField(_("category since"), null=True, blank=True)
    # The day the last approved assessment was approved; the review interval runs from it.
    assessed_on = models.DateField(_("last assessed on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review due"), null=True, blank=True)
    last_assessment = models.ForeignKey(
        "Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    needs_reassessment = models.BooleanField(_("reassessment needed"), default=False)
    reassessment_reason = models.CharField(_("why"), max_length=300, blank=True)
    reassessment_since = models.DateField(_("needed since"), null=True, blank=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("current risk category")
        verbose_name_plural = _("current risk categories")
        indexes = [
            models.Index(fields=["next_review_on"], name="personrisk_review_due"),
            models.Index(fields=["category", "next_review_on"], name="personrisk_cat_due"),
        ]
        constraints = [
            models.CheckConstraint(
                name="personrisk_category_valid",
                condition=Q(category__isnull=True) | Q(category__in=RiskCategory.values),
            ),
            models.CheckConstraint(
                name="personrisk_category_has_dates",
                condition=Q(category__isnull=True)
                | Q(since__isnull=False, assessed_on__isnull=False, next_review_on__isnull=False),
            ),
            models.CheckConstraint(
                name="personrisk_marker_explained",
                condition=Q(needs_reassessment=False)
                | (~Q(reassessment_reason="") & Q(reassessment_since__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '-'} (person {self.person_id})"


class Assessment(models.Model):
    """One assessment of one person against the pack's criteria, with its evidence.

    ``facts`` is the engine's ``Facts`` as JSON; ``from_record`` names the facts the system
    filled in from the case record; ``evidence`` maps a criterion code to
    ``{"source": "record"|"assessor", "note": ..., "document": ...}``. The engine's result
    (``assessed``, ``criteria``, ``category``, ``changed``, ``reasons``) is stored with the
    pack id and version that produced it, so the reasons read the same years later.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="assessments"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField(_("assessed as of"))
    facts = models.JSONField(default=dict)
    from_record = models.JSONField(default=list)
    evidence = models.JSONField(default=dict)
    pack_id = models.CharField(_("policy pack"), max_length=50)
    pack_version = models.CharField(_("policy pack version"), max_length=30)
    assessed = models.CharField(_("assessed category"), max_length=10, choices=RiskCategory.choices)
    criteria = models.JSONField(default=list)
    category = models.CharField(
        _("resulting category"), max_length=10, choices=RiskCategory.choices
    )
    current_before = models.CharField(
        _("category before"), max_length=10, choices=RiskCategory.choices, null=True, blank=True
    )
    changed = models.BooleanField(default=False)
    # [{"code": "H3", "zh": "...", "en": "..."}, ...] exactly as the engine gave them.
    reasons = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default="draft"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approver"),
    )
    approval_comment = models.TextField(_("approver's comment"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(_("next review due"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_comment = models.TextField(_("reason for returning"), blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    # Set when this assessment was made to answer the person's request for review.
    review_request = models.ForeignKey(
        "ReviewRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        indexes = [models.Index(fields=["status", "person"], name="assessment_status_person")]
        constraints = [
            models.CheckConstraint(
                name="assessment_status_valid", condition=Q(status__in=AssessmentStatus.values)
            ),
            models.CheckConstraint(
                name="assessment_categories_valid",
                condition=Q(assessed__in=RiskCategory.values)
                & Q(category__in=RiskCategory.values)
                & (Q(current_before__isnull=True) | Q(current_before__in=RiskCategory.values)),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="assessment_one_open_per_person",
            ),
            # No one approves their own assessment.
            models.CheckConstraint(
                name="assessment_not_self_approved",
                condition=Q(approver__isnull=True) | ~Q(approver=F("assessor")),
            ),
            models.CheckConstraint(
                name="assessment_approved_complete",
                condition=~Q(status="approved")
                | Q(
                    approver__isnull=False,
                    approved_at__isnull=False,
                    next_review_on__isnull=False,
                    submitted_at__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="assessment_return_explained",
                condition=~Q(status="returned") | ~Q(return_comment=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class NoticeQuerySet(PersonScopedQuerySet):
    person_field = "assessment__person"


class Notice(models.Model):
    """The written notice to the person of an approved assessment (评估告知书).

    ``content`` is the snapshot printed — category, criteria in plain words, what the
    category means for tests and visits, the review date, how to ask for a review — so the
    notice always prints as it was handed over, whatever later packs say.
    """

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="notice")
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, blank=True)
    delivery_note = models.CharField(_("note"), max_length=300, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment notice")
        verbose_name_plural = _("assessment notices")
        constraints = [
            models.CheckConstraint(
                name="notice_handover_complete",
                condition=Q(handed_over_on__isnull=True, handed_over_by__isnull=True, delivery="")
                | Q(handed_over_on__isnull=False, handed_over_by__isnull=False) & ~Q(delivery=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Notice of assessment {self.assessment_id}"


class ReviewRequest(models.Model):
    """The person's request to review their category (复核申请), answered by someone other
    than the assessor of the contested assessment, within the pack's time limit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="risk_review_requests"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="review_requests"
    )
    # Copied from the contested assessment so the database itself refuses an answer by them.
    original_assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("the person's reasons"))
    requested_on = models.DateField(_("requested on"))
    answer_by = models.DateField(_("answer due by"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    reassessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notified_on = models.DateField(_("the person was told on"), null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, blank=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(state="open"),
                name="review_one_open_per_assessment",
            ),
            models.CheckConstraint(
                name="review_not_answered_by_assessor",
                condition=Q(answered_by__isnull=True) | ~Q(answered_by=F("original_assessor")),
            ),
            models.CheckConstraint(
                name="review_answer_complete",
                condition=~Q(state="answered")
                | (
                    Q(answered_by__isnull=False, answered_on__isnull=False)
                    & ~Q(answer="")
                    & ~Q(outcome="")
                ),
            ),
            models.CheckConstraint(
                name="review_answer_due_after_request",
                condition=Q(answer_by__gte=F("requested_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Review request {self.public_id}"

    @property
    def is_late(self) -> bool:
        return self.answered_on is not None and self.answered_on > self.answer_by
