"""Cases, measures, agreements, leave, absences, transfers and closure.

A case is one person's enrolment at one executing township. Who may see it follows that
township only (``Case.township``, always equal to ``Person.township``: a transfer moves
both in one transaction). The co-managing township (居住地) is recorded but reads nothing by
itself; see docs/cases.md for why. Every other model here hangs off a case and is scoped
through it, so a transfer moves its whole history with it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import Disclosure, Jurisdiction
from kangfu.access.permissions import Action
from kangfu.access.scoping import ScopedQuerySet
from kangfu.cases.choices import (
    LIVE_STATES,
    CaseState,
    EventKind,
    ExternalKind,
    FindingKind,
    FindingState,
    LeaveState,
    MeasureKind,
    MeasureState,
    TransferReason,
    TransferState,
)
from kangfu.core.choices import QuickChoiceLabels


class CaseQuerySet(ScopedQuerySet):
    """Cases of the user's subtree; sealed cases are gone for everyone but records officers."""

    scope_path_field = "township__path"
    default_action = Action.CASE_VIEW
    sealed_field = "state"

    def visible_to(self, user, action=None):
        return super().visible_to(user, action).exclude(**{self.sealed_field: "sealed"})

    def sealed_for(self, user):
        """Sealed records, for the designated records officer of their subtree only."""
        return (
            super()
            .visible_to(user, Action.CASE_KEEP_SEALED)
            .filter(**{self.sealed_field: "sealed"})
        )


class CaseChildQuerySet(CaseQuerySet):
    """Rows that belong to a case: scoped through it, so they move with it."""

    scope_path_field = "case__township__path"
    sealed_field = "case__state"


class Case(QuickChoiceLabels, models.Model):
    """One person's enrolment at an executing township (社区戒毒/社区康复执行地).

    ``responsible`` is the 户籍地 jurisdiction (the main one), ``co_managing`` the 居住地 one
    when it differs (户籍地为主、居住地为辅). A person has at most one case that is not sealed
    or closed at a time.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    township = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("executing township"),
    )
    responsible = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible jurisdiction (household registration)"),
    )
    co_managing = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("co-managing jurisdiction (residence)"),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("caseworker"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=CaseState.choices, default=CaseState.OPEN
    )
    pack_id = models.CharField(_("policy pack"), max_length=50)
    # The person's approved risk category, written by the risk app when it approves an
    # assessment; blank before the first approval. Read it through
    # cases.selectors.category_of, which adds the fallback and the M1 floor.
    # After the last measure ends the case closes, but the person stays on the caseworker's
    # list until the reassessment (the downgrade) is decided; the risk approval clears it.
    awaiting_reassessment = models.BooleanField(default=False)
    # A transfer asks for a new agreement at the new township from the day it was accepted.
    agreement_needed_from = models.DateField(null=True, blank=True)
    approved_category = models.CharField(
        _("approved risk category"),
        max_length=10,
        blank=True,
        choices=[("high", _("High risk")), ("medium", _("Medium risk")), ("low", _("Low risk"))],
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    # When the person's identity data may be purged (set at sealing, from the pack).
    purge_due_on = models.DateField(_("identity purge due on"), null=True, blank=True)
    purged_on = models.DateField(_("identity purged on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["township", "state"], name="case_township_state"),
            # Every person list asks, per person, whether all their cases are sealed
            # (Person.objects.visible_to): answered from this index alone.
            models.Index(fields=["person", "state"], name="case_person_state"),
            # … and the "has a sealed case" half of it, from the few sealed ones alone
            # (case_township_state would be read whole for a state without a township).
            models.Index(fields=["person"], condition=Q(state="sealed"), name="case_sealed_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state="open"),
                name="case_one_open_per_person",
            ),
            models.CheckConstraint(
                name="case_state_valid", condition=Q(state__in=CaseState.values)
            ),
            models.CheckConstraint(
                name="case_closed_has_date",
                condition=Q(state="open") | Q(closed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="case_sealed_has_date",
                condition=~Q(state="sealed") | Q(sealed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="case_closed_after_opened",
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    @property
    def read_only(self) -> bool:
        """A sealed case is read-only: the permission policy refuses case work on it and on
        everything that hangs off it (access.permissions.CHANGES_RECORD)."""
        return self.state == CaseState.SEALED


class Measure(QuickChoiceLabels, models.Model):
    """A 社区戒毒 or 社区康复 measure: the decision, the report, the term and its state.

    ``statutory_end_on`` is the last day of the term counted from the reporting day (pack
    duration and the period convention); ``ends_on`` is the last day actually in force, which
    moves later by the days suspended when the pack says suspension extends the term.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    # Denormalised from the case so the database itself refuses a second live measure.
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of measure"), max_length=20, choices=MeasureKind.choices)
    decision_number = models.CharField(_("decision number"), max_length=60)
    deciding_authority = models.CharField(_("deciding authority"), max_length=100)
    decided_on = models.DateField(_("decision date"))
    received_on = models.DateField(_("decision received on"))
    report_due_on = models.DateField(_("report due by"))
    # False when the holiday table does not cover the deadline's year: then it was computed
    # without a holiday extension and the page says to check it by hand.
    report_due_calendar_covered = models.BooleanField(default=True)
    # 戒毒条例 art. 31: time already served in compulsory isolation before a conversion to
    # community treatment counts towards the term.
    credited_days = models.PositiveIntegerField(_("days credited from isolation"), default=0)
    # The length the decision sets (社区康复); null means the pack's default (社区戒毒: fixed).
    term_months = models.PositiveSmallIntegerField(_("term in months"), null=True, blank=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    late_reason = models.CharField(_("good reason for reporting late"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    statutory_end_on = models.DateField(_("statutory last day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    suspended_days = models.PositiveIntegerField(_("days suspended"), default=0)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=MeasureState.choices,
        default=MeasureState.AWAITING_REPORT,
    )
    # The day the measure ended, was terminated or was found refused.
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    pack_id = models.CharField(_("policy pack"), max_length=50)
    pack_version = models.CharField(_("policy pack version"), max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["decided_on", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=[s.value for s in LIVE_STATES]),
                name="measure_one_live_per_person",
            ),
            # What an appointment's one key on PostgreSQL refers to: its measure *of its
            # case* (schedule migration 0006).
            models.UniqueConstraint(fields=["id", "case"], name="measure_of_case"),
            models.CheckConstraint(
                name="measure_state_valid", condition=Q(state__in=MeasureState.values)
            ),
            models.CheckConstraint(
                name="measure_kind_valid", condition=Q(kind__in=MeasureKind.values)
            ),
            models.CheckConstraint(
                name="measure_dates_in_order",
                condition=Q(received_on__gte=F("decided_on"))
                & (Q(reported_on__isnull=True) | Q(reported_on__gte=F("received_on")))
                & (Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on"))),
            ),
            models.CheckConstraint(
                name="measure_started_once_reported",
                condition=Q(state__in=["awaiting_report", "refused"])
                | (Q(reported_on__isnull=False) | Q(state="terminated")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class ExternalPeriod(models.Model):
    """Time away under another authority: detention (suspends the measure), compulsory
    isolation or prison (terminates it). Nothing is scheduled meanwhile."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="external_periods")
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="external_periods"
    )
    kind = models.CharField(_("kind"), max_length=25, choices=ExternalKind.choices)
    starts_on = models.DateField(_("first day"))
    # For detention: the day of release, when the measure resumes. Null while away.
    ends_on = models.DateField(_("day of release"), null=True, blank=True)
    authority = models.CharField(_("deciding authority"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("external period")
        verbose_name_plural = _("external periods")
        constraints = [
            models.CheckConstraint(
                name="external_period_in_order",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}"


class Agreement(models.Model):
    """One version of the 社区戒毒/社区康复协议, as drawn up from the pack and the measure.

    ``content`` is the snapshot printed (obligations, schedule, rules): a later change of
    pack or category makes a new version, never a silent edit of a signed one.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveSmallIntegerField(_("version"))
    content = models.JSONField()
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["measure_id", "version"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(fields=["measure", "version"], name="agreement_version_unique")
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.version} of measure {self.measure_id}"


class LeaveRequest(models.Model):
    """The person's written report before leaving the county (戒毒条例 art. 19).

    The destination is a county named in free text, never an address: Kangfu does not
    track where people go (DOMAIN.md "Out of scope").
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="leave_requests")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="leave_requests")
    submitted_on = models.DateField(_("reported on"))
    leaves_on = models.DateField(_("leaves on"))
    returns_on = models.DateField(_("returns on"))
    destination_county = models.CharField(_("destination county"), max_length=60)
    reason = models.CharField(_("reason"), max_length=300)
    # Why a leave longer than the pack's leave.max_days_without_reason needs that long.
    long_reason = models.CharField(_("reason for the length"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=LeaveState.choices, default=LeaveState.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    # Null when the person submitted the report themself through the portal.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-leaves_on", "-id"]
        verbose_name = _("leave report")
        verbose_name_plural = _("leave reports")
        constraints = [
            models.CheckConstraint(
                name="leave_returns_after_leaving", condition=Q(returns_on__gte=F("leaves_on"))
            ),
            models.CheckConstraint(
                name="leave_refusal_has_reason",
                condition=~Q(state="refused") | ~Q(decision_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Leave {self.leaves_on}–{self.returns_on}"

    @property
    def days(self) -> int:
        return (self.returns_on - self.leaves_on).days + 1


class UnauthorisedAbsence(models.Model):
    """A departure from the county without the written report; counts towards art. 20."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="absences")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="absences")
    first_day = models.DateField(_("first day away"))
    last_day = models.DateField(_("last day away"))
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
        ordering = ["first_day", "id"]
        verbose_name = _("unauthorised absence")
        verbose_name_plural = _("unauthorised absences")
        constraints = [
            models.CheckConstraint(
                name="absence_in_order", condition=Q(last_day__gte=F("first_day"))
            ),
        ]

    def __str__(self) -> str:
        return f"Absence {self.first_day}–{self.last_day}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class Finding(models.Model):
    """A refusal, serious breach or relapse. Kangfu only *proposes* one, with the facts that
    ground it; the person is told and may explain (陈述、申辩); an officer other than anyone
    who entered those facts confirms or rejects it with a reason. Only a confirmed finding is
    evidence for H1 and raises the duty to report it to public security (戒毒条例 art. 21).
    Nothing is deleted: a wrong entry is withdrawn with a reason."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=FindingState.choices, default=FindingState.PROPOSED
    )
    found_on = models.DateField(_("found on"))
    grounds = models.TextField(_("grounds"))
    # Staff who entered the facts it rests on (absences, missed tests, results): none of
    # them may decide it (ids, kept as a list so a later entry can join them).
    facts_by = models.JSONField(default=list, blank=True)
    # A hair result shows use up to months before sampling: when that window reaches back
    # before the measure, the officer must decide when the use took place.
    window_from = models.DateField(_("detection window from"), null=True, blank=True)
    needs_time_decision = models.BooleanField(default=False)
    # The person was told (a notice handed over or sent) and may explain until this day.
    notified_on = models.DateField(_("person told on"), null=True, blank=True)
    explanation_due_on = models.DateField(_("explanation possible until"), null=True, blank=True)
    explanation = models.TextField(_("the person's explanation"), blank=True)
    explained_on = models.DateField(_("explained on"), null=True, blank=True)
    explained_by_person = models.BooleanField(default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    # A finding withdrawn after it went to public security: they must be told (art. 21).
    correction_reported_on = models.DateField(
        _("public security told of the correction on"), null=True, blank=True
    )
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_on = models.DateField(_("reported to public security on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["found_on", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            # A relapse may happen more than once in a measure; each is its own finding.
            # A rejected or withdrawn one does not stand, so a new proposal may follow it.
            models.UniqueConstraint(
                fields=["measure", "kind"],
                condition=Q(kind__in=["refusal", "serious_breach"])
                & Q(state__in=["proposed", "confirmed"]),
                name="finding_once_per_measure",
            ),
            models.CheckConstraint(
                name="finding_report_has_disclosure",
                condition=Q(reported_on__isnull=True, disclosure__isnull=True)
                | Q(reported_on__isnull=False, disclosure__isnull=False),
            ),
            # Only a confirmed finding goes to public security (it may be withdrawn later).
            models.CheckConstraint(
                name="finding_reported_only_when_confirmed",
                condition=Q(reported_on__isnull=True) | Q(state__in=["confirmed", "withdrawn"]),
            ),
            models.CheckConstraint(
                name="finding_state_valid",
                condition=Q(state__in=["proposed", "confirmed", "rejected", "withdrawn"]),
            ),
            # A decision names who took it.
            models.CheckConstraint(
                name="finding_decision_has_officer",
                condition=Q(state__in=["proposed", "withdrawn"]) | Q(decided_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.found_on}"

    @property
    def is_confirmed(self) -> bool:
        return self.state == FindingState.CONFIRMED

    @property
    def is_proposed(self) -> bool:
        return self.state == FindingState.PROPOSED


class TransferQuerySet(ScopedQuerySet):
    """Transfers from or to a township of the user's. The sender keeps the transfer record
    (and nothing else) after the case has moved."""

    scope_path_field = ("from_township__path", "to_township__path")
    default_action = Action.CASE_VIEW


class Transfer(models.Model):
    """Moving a case to another executing township when 户籍地 or 居住地 changes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers")
    from_township = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sending township"),
    )
    to_township = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving township"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=TransferReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=TransferState.choices, default=TransferState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_on = models.DateField(_("proposed on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    # 戒毒条例 art. 22: the person reports to the new township within 15 days of acceptance.
    report_due_on = models.DateField(_("report at the new township due by"), null=True, blank=True)
    reported_on = models.DateField(_("reported at the new township on"), null=True, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            # One open proposal per case: a second accept can only race on the same row,
            # where select_for_update and the state check refuse it.
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="proposed"), name="transfer_one_open_per_case"
            ),
            models.CheckConstraint(
                name="transfer_to_another_township", condition=~Q(to_township=F("from_township"))
            ),
            models.CheckConstraint(
                name="transfer_decline_has_reason",
                condition=~Q(state="declined") | ~Q(decline_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.public_id}"


class LegalHold(models.Model):
    """Stops the purge of a sealed case's identity data while it stands (e.g. litigation)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_on = models.DateField(_("placed on"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_on = models.DateField(_("released on"), null=True, blank=True)

    class Meta:
        ordering = ["-placed_on", "-id"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.CheckConstraint(name="legal_hold_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"Legal hold on case {self.case_id}"


class CaseEvent(models.Model):
    """One line of the case timeline, written by the service that did the thing.

    ``on`` is the legal date of the event (e.g. the reporting day), ``params`` the values
    its sentence needs (dates, numbers — never identity data).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=25, choices=EventKind.choices)
    on = models.DateField()
    params = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "on"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"
