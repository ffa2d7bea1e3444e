"""Plans, drug tests, violations, delegated tests and reminders.

Everything hangs off a case and is scoped through it (``CaseChildQuerySet``), so a transfer
moves the whole schedule with the case. Nothing here records where a person goes: a delegated
test names the township that takes the sample, never a place (DOMAIN.md "Out of scope").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import Jurisdiction
from kangfu.access.permissions import Action
from kangfu.access.scoping import ScopedQuerySet
from kangfu.cases.models import CaseChildQuerySet
from kangfu.core.choices import QuickChoiceLabels
from kangfu.schedule.choices import (
    AppointmentKind,
    AppointmentState,
    Basis,
    DelegationState,
    Excuse,
    MoveReason,
    ReminderKind,
    Result,
    Sample,
    ViolationKind,
)


class Consent(models.Model):
    """The person's consent to voluntary aftercare (calls) when no measure is in force:
    the only basis, besides a measure, on which anything may be planned for them."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents")
    given_on = models.DateField(_("consent given on"))
    ends_on = models.DateField(_("consent covers until"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("aftercare consent")
        verbose_name_plural = _("aftercare consents")
        constraints = [
            models.CheckConstraint(
                name="consent_in_order", condition=Q(ends_on__gte=F("given_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.given_on}–{self.ends_on}"


class Appointment(QuickChoiceLabels, models.Model):
    """One planned test, visit or call. ``due_on`` is the day the pack's schedule gives;
    ``on`` is the day it actually falls on — later when it had to move out of approved
    leave or a detention (``moved_reason`` says which)."""

    # No index of its own: appointment_case_on (case, on) begins with it and serves every
    # look-up by case, and a ledger import writes 35 appointments a case (one btree fewer).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="appointments", db_index=False
    )
    # No index of its own either: the one reader by measure (schedule.selectors.test_facts)
    # names the case too, and measures are never deleted (a closed case is sealed). A
    # 50,000-person import writes 1.75 million appointments: one btree fewer for each.
    # On PostgreSQL the database holds the two keys as one, (measure, case) → the measure of
    # that case, and the case alone only where there is no measure (migration 0006): one
    # check per row at COMMIT instead of two. Do not alter either field without it in mind.
    measure = models.ForeignKey(
        "cases.Measure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=15, choices=AppointmentKind.choices)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    due_on = models.DateField(_("due by the schedule"))
    on = models.DateField(_("planned for"))
    moved_reason = models.CharField(
        _("moved because of"), max_length=10, choices=MoveReason.choices, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AppointmentState.choices, default="planned"
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Why a test was not taken when that was not the person's fault (never counts, art. 20).
    excuse = models.CharField(_("good reason"), max_length=12, choices=Excuse.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["case", "on"], name="appointment_case_on"),
            # The sweep's due-today / overdue scan touches only planned rows.
            models.Index(
                fields=["on"], name="appointment_planned_on", condition=Q(state="planned")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "due_on"], name="appointment_once_per_due_day"
            ),
            models.CheckConstraint(
                name="appointment_state_valid", condition=Q(state__in=AppointmentState.values)
            ),
            models.CheckConstraint(
                name="appointment_moves_later", condition=Q(on__gte=F("due_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"

    @property
    def is_test(self) -> bool:
        return self.kind.endswith("_test")


class DelegationQuerySet(ScopedQuerySet):
    """Requests sent by the user's townships (while they hold the case) or sent to them."""

    scope_path_field = ("case__township__path", "to_township__path")
    default_action = Action.CASE_VIEW

    def visible_to(self, user, action=None):
        return super().visible_to(user, action).exclude(case__state="sealed")


class DelegatedTestRequest(models.Model):
    """One township asks another to take a test for a person who works there. The receiving
    township sees only this request (the name, the sample asked for) and records the result,
    which lands on the case; it never sees the case itself."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    from_township = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    to_township = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("township asked to take the test"),
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sample = models.CharField(_("sample"), max_length=10, choices=Sample.choices)
    due_by = models.DateField(_("to be taken by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DelegationState.choices, default="open"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"))
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("delegated test request")
        verbose_name_plural = _("delegated test requests")
        constraints = [
            models.CheckConstraint(
                name="delegation_to_another_township",
                condition=~Q(to_township=F("from_township")),
            ),
            models.CheckConstraint(
                name="delegation_decline_has_reason",
                condition=~Q(state="declined") | ~Q(decline_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Delegated test {self.public_id}"


class DrugTest(models.Model):
    """A test taken: the on-site screen, the lab confirmation a positive screen needs, and
    the re-test the person may ask for (吸毒检测程序规定). The result that counts is the
    re-test's when there is one, else the lab's, else the screen's."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="drug_tests")
    measure = models.ForeignKey(
        "cases.Measure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="test"
    )
    delegation = models.OneToOneField(
        DelegatedTestRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="test"
    )
    taken_on = models.DateField(_("taken on"))
    sample = models.CharField(_("sample"), max_length=10, choices=Sample.choices)
    screen_result = models.CharField(
        _("on-site screen result"), max_length=10, choices=Result.choices
    )
    lab_result = models.CharField(
        _("lab confirmation"), max_length=10, choices=Result.choices, blank=True
    )
    lab_result_on = models.DateField(_("lab result on"), null=True, blank=True)
    # The day the person was told the result: the 3-day re-test period runs from it.
    told_on = models.DateField(_("person told of the result on"), null=True, blank=True)
    retest_requested_on = models.DateField(_("re-test requested on"), null=True, blank=True)
    retest_result = models.CharField(
        _("re-test result"), max_length=10, choices=Result.choices, blank=True
    )
    retest_result_on = models.DateField(_("re-test result on"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    taken_at = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by township"),
    )
    # The relapse finding this test gave rise to (art. 21 duty), if any.
    finding = models.ForeignKey(
        "cases.Finding", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-id"]
        verbose_name = _("drug test")
        verbose_name_plural = _("drug tests")
        indexes = [
            models.Index(
                fields=["case"],
                name="drugtest_lab_pending",
                condition=Q(screen_result="positive", lab_result=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="drugtest_lab_only_after_positive_screen",
                condition=Q(lab_result="") | Q(screen_result="positive"),
            ),
            models.CheckConstraint(
                name="drugtest_lab_has_date",
                condition=Q(lab_result="", lab_result_on__isnull=True)
                | (~Q(lab_result="") & Q(lab_result_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="drugtest_retest_result_after_request",
                condition=Q(retest_result="") | Q(retest_requested_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample} test {self.taken_on}"

    @property
    def outcome(self) -> str:
        """negative / positive / pending (a positive screen awaiting the lab)."""
        if self.retest_result:
            return self.retest_result
        if self.screen_result == Result.NEGATIVE:
            return Result.NEGATIVE
        return self.lab_result or "pending"


class Violation(models.Model):
    """A missed (evaded) or refused test: counts towards 戒毒条例 art. 20."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="violations")
    measure = models.ForeignKey("cases.Measure", on_delete=models.CASCADE, related_name="+")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="violation"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=ViolationKind.choices)
    on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Entered by mistake: kept for the history, counted for nothing.
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        indexes = [models.Index(fields=["measure", "kind"], name="violation_measure_kind")]
        constraints = [
            models.CheckConstraint(
                name="violation_kind_valid", condition=Q(kind__in=ViolationKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"


class Reminder(QuickChoiceLabels, models.Model):
    """Something a caseworker (or records officer) should do, derived from the record.

    Rows are *computed*: the daily sweep and every schedule write reconcile them with what
    the record says (``schedule.reminders``), so a reminder appears when its condition holds
    and disappears once acted on. ``ref`` is the id of the row it is about (appointment,
    test, finding, measure) or 0. Nothing in a reminder is identity data.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    ref = models.BigIntegerField(default=0)
    due_on = models.DateField(_("due on"))
    urgency = models.PositiveSmallIntegerField()
    # Free detail for the line shown (an appointment kind, a lab sample …), never identity.
    detail = models.CharField(max_length=40, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["urgency", "due_on", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "ref"], name="reminder_unique"),
        ]
        indexes = [models.Index(fields=["urgency", "due_on"], name="reminder_order")]

    def __str__(self) -> str:
        return f"{self.kind} case {self.case_id}"


class DueSummary(models.Model):
    """What the lists filter and sort by from the plan, stored so that a county of 50,000
    cases is not scanned appointment by appointment on every page (kangfu/schedule/summary.py
    keeps it: every schedule write for its case, the sealing of a case, the daily sweep;
    ``manage.py schedule_summaries`` rebuilds it).

    ``first_planned_on`` is the oldest planned appointment, whatever the day: the lists call
    it overdue once that day has passed, so it never goes stale as days go by.
    ``next_due_on`` is the first planned appointment on or after ``as_of``; the lists use it
    only while it is still on or after today, and otherwise look it up again."""

    first_planned_on = models.DateField(_("oldest planned item"), null=True, blank=True)
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    as_of = models.DateField(_("computed for"))

    class Meta:
        abstract = True


class CaseDueSummary(DueSummary):
    """A case's planned appointments, summed up for the caseload."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="due_summary"
    )

    class Meta:
        verbose_name = _("case due summary")
        verbose_name_plural = _("case due summaries")

    def __str__(self) -> str:
        return f"Due summary of case {self.case_id}"


class PersonDueSummary(DueSummary):
    """A person's planned appointments over their cases that are not sealed, for the person
    list."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, primary_key=True, related_name="due_summary"
    )

    class Meta:
        verbose_name = _("person due summary")
        verbose_name_plural = _("person due summaries")

    def __str__(self) -> str:
        return f"Due summary of person {self.person_id}"
