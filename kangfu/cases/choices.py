"""The vocabulary of cases: states and kinds, spelled as the policy engine spells them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kangfu.policy.choices import MeasureKind as PolicyMeasureKind


class CaseState(models.TextChoices):
    OPEN = "open", pgettext_lazy("case state", "Open")
    CLOSED = "closed", pgettext_lazy("case state", "Closed")
    SEALED = "sealed", pgettext_lazy("case state", "Sealed")


class MeasureKind(models.TextChoices):
    COMMUNITY_TREATMENT = PolicyMeasureKind.COMMUNITY_TREATMENT.value, _("Community drug treatment")
    COMMUNITY_RECOVERY = PolicyMeasureKind.COMMUNITY_RECOVERY.value, _("Community recovery")


class MeasureState(models.TextChoices):
    AWAITING_REPORT = "awaiting_report", _("Awaiting report")
    ACTIVE = "active", pgettext_lazy("measure state", "Active")
    SUSPENDED = "suspended", pgettext_lazy("measure state", "Suspended")
    ENDED = "ended", pgettext_lazy("measure state", "Ended")
    TERMINATED = "terminated", pgettext_lazy("measure state", "Terminated")
    REFUSED = "refused", _("Refused (not reported)")


# A person has at most one measure in these states (a database constraint says so too).
LIVE_STATES = (MeasureState.AWAITING_REPORT, MeasureState.ACTIVE, MeasureState.SUSPENDED)


class ExternalKind(models.TextChoices):
    """Periods spent away under another authority: nothing is scheduled meanwhile."""

    DETENTION = "detention", _("Detention or arrest")
    COMPULSORY_ISOLATION = "compulsory_isolation", _("Compulsory isolated drug treatment")
    PRISON = "prison", _("Imprisonment")


# What ends a measure (戒毒条例 art. 24): a sentence served in prison or a compulsory
# educational measure, 强制隔离戒毒 included. Detention or arrest only suspends it.
TERMINATING_KINDS = (ExternalKind.COMPULSORY_ISOLATION, ExternalKind.PRISON)


class LeaveState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", pgettext_lazy("leave request", "Refused")


class TransferState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TransferReason(models.TextChoices):
    HUKOU = "hukou", _("Household registration place changed")
    RESIDENCE = "residence", _("Place of residence changed")


class FindingKind(models.TextChoices):
    """Facts that make criterion H1 hold and that the law says must go to public security."""

    REFUSAL = "refusal", _("Refused the measure (did not report in time)")
    SERIOUS_BREACH = "serious_breach", _("Serious breach of the agreement")
    # A confirmed positive test during the measure (recorded by the schedule app). Not H1
    # evidence, but the same art. 21 duty to report.
    RELAPSE = "relapse", _("Drug use during the measure (confirmed positive test)")


# Findings that make criterion H1 hold (once confirmed); at most one standing per measure.
H1_FINDINGS = (FindingKind.REFUSAL, FindingKind.SERIOUS_BREACH)


class FindingState(models.TextChoices):
    """Kangfu only ever *proposes* a finding; an officer other than the one who entered its
    facts confirms or rejects it after the person was told and could explain (陈述、申辩)."""

    PROPOSED = "proposed", _("Proposed, awaiting decision")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn (entered by mistake)")


# A proposed or confirmed finding stands; a rejected or withdrawn one counts for nothing.
STANDING_FINDING_STATES = (FindingState.PROPOSED, FindingState.CONFIRMED)


class EventKind(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    DECISION = "decision", _("Decision recorded")
    REPORTED = "reported", _("Reported")
    REFUSED = "refused", _("Refusal recorded")
    SUSPENDED = "suspended", _("Measure suspended")
    RESUMED = "resumed", _("Measure resumed")
    TERMINATED = "terminated", _("Measure terminated")
    ENDED = "ended", _("Measure ended")
    AGREEMENT = "agreement", _("Agreement drawn up")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    LEAVE_REQUESTED = "leave_requested", _("Leave report received")
    LEAVE_DECIDED = "leave_decided", _("Leave report decided")
    ABSENCE = "absence", _("Unauthorised absence recorded")
    BREACH = "breach", _("Serious breach proposed")
    FINDING_PROPOSED = "finding_proposed", _("Finding proposed")
    FINDING_NOTIFIED = "finding_notified", _("Person told of a proposed finding")
    FINDING_EXPLAINED = "finding_explained", _("Explanation recorded")
    FINDING_DECIDED = "finding_decided", _("Finding decided")
    FINDING_WITHDRAWN = "finding_withdrawn", _("Finding withdrawn")
    ABSENCE_WITHDRAWN = "absence_withdrawn", _("Absence withdrawn")
    VIOLATION_WITHDRAWN = "violation_withdrawn", _("Evaded or refused test withdrawn")
    POLICE_CORRECTION = "police_correction", _("Public security told of a correction")
    POLICE_REPORT = "police_report", _("Reported to public security")
    TRANSFER_PROPOSED = "transfer_proposed", _("Transfer proposed")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
    TRANSFER_REPORTED = "transfer_reported", _("Reported at the new township")
    CLOSED = "closed", _("Case closed")
    SEALED = "sealed", _("Case sealed")
    HOLD_PLACED = "hold_placed", _("Legal hold placed")
    HOLD_RELEASED = "hold_released", _("Legal hold released")
    PURGED = "purged", _("Identity data purged")
    # Support referrals (kangfu.referrals): one line per step, so the case shows them.
    REFERRAL_PROPOSED = "referral_proposed", _("Referral proposed")
    REFERRAL_CONSENTED = "referral_consented", _("Consent to a referral recorded")
    REFERRAL_SENT = "referral_sent", _("Referral sent")
    REFERRAL_ANSWERED = "referral_answered", _("Referral answered")
    REFERRAL_STARTED = "referral_started", _("Referred service started")
    REFERRAL_OUTCOME = "referral_outcome", _("Referral outcome recorded")
    REFERRAL_CLOSED = "referral_closed", _("Referral closed")
