"""The vocabulary of the schedule: kinds of contact, results, violations and reminders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kangfu.policy.choices import DueKind


class AppointmentKind(models.TextChoices):
    """Spelled as the policy engine spells its due kinds."""

    URINE_TEST = DueKind.URINE_TEST.value, _("Urine test")
    SALIVA_TEST = DueKind.SALIVA_TEST.value, _("Saliva test")
    HAIR_TEST = DueKind.HAIR_TEST.value, _("Hair test")
    VISIT = DueKind.VISIT.value, _("Visit or interview")
    CALL = DueKind.CALL.value, _("Call (aftercare)")


TEST_KINDS = (AppointmentKind.URINE_TEST, AppointmentKind.SALIVA_TEST, AppointmentKind.HAIR_TEST)


class Sample(models.TextChoices):
    URINE = "urine", _("Urine")
    SALIVA = "saliva", _("Saliva")
    HAIR = "hair", _("Hair")


SAMPLE_OF_KIND = {
    AppointmentKind.URINE_TEST: Sample.URINE,
    AppointmentKind.SALIVA_TEST: Sample.SALIVA,
    AppointmentKind.HAIR_TEST: Sample.HAIR,
}


class AppointmentState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", pgettext_lazy("appointment", "Done")
    # 逃避检测: not taken, with no good reason — counts towards art. 20. An excused miss is
    # EXCUSED and never counts.
    MISSED = "missed", _("Evaded (no good reason)")
    REFUSED = "refused", pgettext_lazy("test", "Refused")
    EXCUSED = "excused", _("Excused (good reason)")


class Excuse(models.TextChoices):
    """A good reason for not taking a test (戒毒条例 art. 20 counts only evading or refusing)."""

    ILLNESS = "illness", _("Illness")
    RESCHEDULED = "rescheduled", _("Rescheduled by staff")
    WORK = "work", _("Work")
    OTHER = "other", _("Other documented reason")


class Basis(models.TextChoices):
    """What allows Kangfu to plan the contact at all (DOMAIN.md: a measure or consent)."""

    MEASURE = "measure", _("Measure in force")
    CONSENT = "consent", _("Aftercare consent")


class MoveReason(models.TextChoices):
    LEAVE = "leave", _("Approved leave")
    DETENTION = "detention", _("Detention (measure suspended)")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


class ViolationKind(models.TextChoices):
    """Evading (missing) or refusing a test: each counts towards art. 20's threshold.
    Unauthorised absences are the third kind of violation; they are recorded by the cases
    app (``UnauthorisedAbsence``) and not copied here."""

    MISSED_TEST = "missed_test", _("Evaded test")
    REFUSED_TEST = "refused_test", _("Refused test")


class DelegationState(models.TextChoices):
    OPEN = "open", _("Awaiting the test")
    DONE = "done", _("Test taken")
    DECLINED = "declined", _("Declined")


class ReminderKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    REPORT_OVERDUE = "report_overdue", _("Report deadline passed")
    POLICE_REPORT = "police_report", _("Report to public security")
    POLICE_CORRECTION = "police_correction", _("Tell public security of a correction")
    FINDING_NOTICE = "finding_notice", _("Tell the person of a proposed finding")
    FINDING_DECISION = "finding_decision", _("Proposed finding awaiting decision")
    REPORT_DUE_SOON = "report_due_soon", _("Report deadline within 3 days")
    AGREEMENT_UNSIGNED = "agreement_unsigned", _("Agreement not signed")
    LAB_OUTSTANDING = "lab_outstanding", _("Lab result outstanding")
    DUE_TODAY = "due_today", _("Due today")
    REASSESSMENT_DUE = "reassessment_due", _("Reassessment due")
    DOWNGRADE_POSSIBLE = "downgrade_possible", _("Downgrade possible")
    MEASURE_ENDING = "measure_ending", _("Measure ends within 30 days")
    CAN_SEAL = "can_seal", _("Case can be sealed")
    PAST_RETENTION = "past_retention", _("Record kept past retention")


# Sort order of the today page: the lower, the more urgent.
URGENCY = {kind: rank for rank, kind in enumerate(ReminderKind)}
