"""The vocabulary of support referrals: kinds of service, states, outcomes (habit 6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kangfu.access.choices import DataCategory


class ServiceKind(models.TextChoices):
    TREATMENT = "treatment", gettext_lazy("Drug treatment clinic")
    METHADONE = "methadone", gettext_lazy("Methadone maintenance clinic")
    COUNSELLING = "counselling", gettext_lazy("Psychological counselling")
    TRAINING = "training", gettext_lazy("Skills training")
    EMPLOYMENT = "employment", gettext_lazy("Employment base / job placement")
    ASSISTANCE = "assistance", gettext_lazy("Civil-affairs assistance")
    SCHOOLING = "schooling", gettext_lazy("School or education")


class ReferralState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("referral", "Proposed")
    CONSENTED = "consented", pgettext_lazy("referral", "Consent given")
    SENT = "sent", pgettext_lazy("referral", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined")
    IN_PROGRESS = "in_progress", pgettext_lazy("referral", "In progress")
    COMPLETED = "completed", pgettext_lazy("referral", "Outcome recorded")
    CLOSED = "closed", pgettext_lazy("referral", "Closed")


# States in which the receiving partner still works with the person, and so sees their
# name and contact details (docs/referrals.md).
PARTNER_LIVE_STATES = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS)
FINAL_STATES = (ReferralState.DECLINED, ReferralState.COMPLETED, ReferralState.CLOSED)


class Outcome(models.TextChoices):
    EMPLOYED = "employed", gettext_lazy("Employed")
    TRAINING_COMPLETED = "training_completed", gettext_lazy("Completed training")
    ASSISTANCE_GRANTED = "assistance_granted", gettext_lazy("Assistance granted")
    TREATMENT_ONGOING = "treatment_ongoing", gettext_lazy("In regular treatment")
    COUNSELLING_COMPLETED = "counselling_completed", gettext_lazy("Completed counselling")
    ENROLLED = "enrolled", gettext_lazy("Enrolled in school")
    NOT_ACHIEVED = "not_achieved", gettext_lazy("Service ended without the aim reached")


class CloseReason(models.TextChoices):
    NO_CONSENT = "no_consent", gettext_lazy("The person did not agree")
    WITHDRAWN = "withdrawn", gettext_lazy("The person withdrew")
    NOT_NEEDED = "not_needed", gettext_lazy("No longer needed")
    NO_SHOW = "no_show", gettext_lazy("The person did not attend")
    OTHER = "other", gettext_lazy("Other reason")


# What a referral may carry to a partner. Test results and risk assessments never leave
# with a referral (DOMAIN.md: partners get the slice their service needs).
REFERRAL_CATEGORIES = (
    DataCategory.IDENTITY,
    DataCategory.CONTACT,
    DataCategory.MEASURES,
    DataCategory.SUPPORT,
    DataCategory.HEALTH,
)
# A referral without a name reaches nobody, and it always tells the provider what the person
# needs: identity and support needs are part of every referral.
REQUIRED_CATEGORIES = (DataCategory.IDENTITY, DataCategory.SUPPORT)

# Person fields each category lets a partner see (further narrowed by the department's
# own field set, people.selectors.PARTNER_FIELDS).
CATEGORY_FIELDS = {
    DataCategory.IDENTITY: ("name", "sex", "birth_date", "id_number"),
    DataCategory.CONTACT: ("phone", "residence_place", "address"),
}


def referral_event_params(params: dict) -> dict:
    """Labels, in the current language, for the codes a timeline event stores."""
    labels: dict = {}
    if "service" in params:
        labels["service"] = str(dict(ServiceKind.choices).get(params["service"], "—"))
    if "outcome" in params:
        text = str(dict(Outcome.choices).get(params["outcome"], "—"))
        if params.get("amount"):
            text = _("%(outcome)s, %(amount)s yuan") % {"outcome": text, "amount": params["amount"]}
        labels["outcome"] = text
    if "reason" in params:
        labels["reason"] = str(dict(CloseReason.choices).get(params["reason"], "—"))
    if "accepted" in params:
        labels["answer"] = _("accepted") if params["accepted"] else _("declined")
    if "categories" in params:
        names = dict(DataCategory.choices)
        labels["categories"] = "、".join(str(names.get(c, c)) for c in params["categories"])
    return labels
