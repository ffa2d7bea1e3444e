"""Visits and interviews (走访、谈话) with their follow-up tasks.

A visit belongs to a case and is scoped through it (``CaseChildQuerySet``: it moves with a
transfer and drops out of sight with a sealed case). What was said (``note``), who else was
there (``others_present``, often family members' names) and the follow-up tasks are
encrypted at rest with the keys of the identity fields (``core.fields.EncryptedTextField``);
the note and the tasks are shown only to the case's front-line staff
(``Action.VISIT_NOTE_VIEW``). Nothing is deleted: a visit entered by mistake is withdrawn
with a reason.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kangfu.cases.models import CaseChildQuerySet
from kangfu.core.fields import EncryptedTextField
from kangfu.visits.choices import Place


class Visit(models.Model):
    """One visit or interview that took place: the day, where or how, who was there and a
    note. ``appointment`` is the planned visit of the schedule it fulfilled, if any."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date of the visit"))
    place = models.CharField(_("where"), max_length=10, choices=Place.choices)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("staff present")
    )
    others_present = EncryptedTextField(_("others present"), blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    appointment = models.OneToOneField(
        "schedule.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit",
        verbose_name=_("planned visit fulfilled"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Entered by mistake: kept for the history, shown struck through, counted for nothing.
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit or interview")
        verbose_name_plural = _("visits and interviews")
        indexes = [models.Index(fields=["case", "visited_on"], name="visit_case_day")]
        constraints = [
            models.CheckConstraint(name="visit_place_valid", condition=Q(place__in=Place.values)),
            # One standing visit per case, day and place: a double submit is refused.
            models.UniqueConstraint(
                fields=["case", "visited_on", "place"],
                condition=Q(withdrawn_on=None),
                name="visit_once_per_day_and_place",
            ),
            models.CheckConstraint(
                name="visit_withdrawal_has_reason",
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.public_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class FollowUp(models.Model):
    """Something to do after a visit, by a day: it stands on the today page of the case's
    caseworker (and of whoever recorded the visit) until marked done."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    # The visit's case, repeated so the today page scopes and sorts in one indexed query.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    task = EncryptedTextField(_("follow-up task"))
    due_on = models.DateField(_("to be done by"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [
            # The today page reads only open tasks, by day.
            models.Index(fields=["due_on"], name="followup_open_due", condition=Q(done_on=None)),
        ]
        constraints = [
            models.CheckConstraint(
                name="followup_done_has_who",
                condition=Q(done_on__isnull=True) | Q(done_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} due {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.done_on is None
