"""The vocabulary of risk assessments, spelled as the policy engine spells categories."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kangfu.policy.choices import Category


class RiskCategory(models.TextChoices):
    HIGH = Category.HIGH.value, _("High risk")
    MEDIUM = Category.MEDIUM.value, _("Medium risk")
    LOW = Category.LOW.value, _("Low risk")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("assessment status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("assessment status", "Awaiting approval")
    RETURNED = "returned", pgettext_lazy("assessment status", "Returned")
    APPROVED = "approved", pgettext_lazy("assessment status", "Approved")


# A person has at most one assessment in these states (a database constraint says so too).
OPEN_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED)
# The assessor may still change the answers.
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class EvidenceSource(models.TextChoices):
    RECORD = "record", _("From the record")
    ASSESSOR = "assessor", _("Found by the assessor")


class Delivery(models.TextChoices):
    """How a notice or an answer reached the person (送达方式)."""

    IN_PERSON = "in_person", _("Handed over in person")
    POST = "post", _("Sent by post")
    REFUSED = "refused", _("The person refused to accept it (noted by a witness)")


class ReviewState(models.TextChoices):
    OPEN = "open", pgettext_lazy("review request", "Awaiting answer")
    ANSWERED = "answered", pgettext_lazy("review request", "Answered")


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("Category upheld")
    REASSESS = "reassess", _("A new assessment is made")
