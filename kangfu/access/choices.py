from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township / street")


# Depth of each level in the tree; a child is always exactly one level below its parent.
LEVEL_DEPTH = {
    Level.NATIONAL: 0,
    Level.PROVINCE: 1,
    Level.CITY: 2,
    Level.COUNTY: 3,
    Level.TOWNSHIP: 4,
}


class DepartmentKind(models.TextChoices):
    ANTI_DRUG_OFFICE = "anti_drug_office", _("Anti-drug office")
    PUBLIC_SECURITY = "public_security", _("Public security")
    JUSTICE = "justice", _("Justice")
    HEALTH = "health", _("Health")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    EDUCATION = "education", _("Education")
    SOCIAL_WORK = "social_work", _("Social-work organisation")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Anti-drug social worker")
    TOWNSHIP_OFFICER = "township_officer", _("Township anti-drug officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER = "partner", _("Partner-department officer")
    ADMINISTRATOR = "administrator", _("System administrator")
    # Break-glass: a narrow, time-limited emergency grant (see docs/confidentiality.md).
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access (break-glass)")
    # Designated keeper of sealed case records (docs/cases.md): the only role that still sees
    # a sealed case, and the one that places legal holds.
    RECORDS_OFFICER = "records_officer", _("Records officer (sealed records)")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    READ = "read", _("Opened")
    SEARCH = "search", _("Searched the list")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    BREAK_GLASS = "break_glass", _("Emergency access opened")
    DISCLOSE = "disclose", _("Disclosure recorded")
    REVIEW = "review", _("Emergency access reviewed")
    # Account administration (docs/access.md, "The admin is not a back door").
    GRANT_REQUEST = "grant_request", _("Role grant requested")
    GRANT = "grant", _("Role granted")
    GRANT_REFUSE = "grant_refuse", _("Role grant refused")
    REVOKE = "revoke", _("Role revoked")
    TOTP_ENROL = "totp_enrol", _("Two-step sign-in set up")
    RESET_REQUEST = "reset_request", _("Account reset requested")
    RESET_REFUSE = "reset_refuse", _("Account reset refused")
    PASSWORD_RESET = "password_reset", _("Password reset")
    TOTP_RESET = "totp_reset", _("Second factor reset")
    PASSWORD_CHANGE = "password_change", _("Own password changed")
    # A wrong ID number/password (or code) for a person's portal account: on their record.
    PORTAL_SIGNIN_FAILED = "portal_signin_fail", _("Failed portal sign-in")
    # A new registration typed this person's ID number (refused as a duplicate): on their record.
    REGISTRATION_MATCH = "register_match", _("Matched by a new registration")


class RequestStatus(models.TextChoices):
    """A four-eyes request: made by one administrator, decided by another."""

    PENDING = "pending", _("Waiting for a second administrator")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ResetKind(models.TextChoices):
    PASSWORD = "password", _("Password")
    TOTP = "totp", _("Second factor (authenticator)")


class AccessPurpose(models.TextChoices):
    """Why a record was opened. The first group is what the purpose prompt offers."""

    SUPERVISION = "supervision", _("Supervision or case review")
    HANDOVER = "handover", _("Case handover")
    APPROVAL = "approval", _("Assessment approval")
    STATISTICS = "statistics", _("Statistics check")
    PERSON_REQUEST = "person_request", _("Answering the person's own request")
    SERVICE = "service", _("Providing a referred service")
    OTHER = "other", _("Other (explain below)")
    # Set by the system, never chosen in the prompt.
    CASELOAD = "caseload", _("Own caseload")
    REGISTRATION = "registration", _("Registration")
    EMERGENCY = "emergency", _("Emergency access")
    SYSTEM = "system", _("System task")
    ADMINISTRATION = "administration", _("Account administration")
    # The person themself, through the portal (kangfu.portal).
    SELF = "self", _("The person's own access (portal)")


# What the purpose prompt offers, in this order.
PROMPT_PURPOSES = (
    AccessPurpose.SUPERVISION,
    AccessPurpose.HANDOVER,
    AccessPurpose.APPROVAL,
    AccessPurpose.STATISTICS,
    AccessPurpose.PERSON_REQUEST,
    AccessPurpose.SERVICE,
    AccessPurpose.OTHER,
)


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("The person's written consent")
    STATUTE = "statute", _("A provision of law or regulation")
    REFERRAL = "referral", _("Referral for a support service")
    TRANSFER = "transfer", _("Transfer of the case")


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Identity (name, ID number, date of birth)")
    CONTACT = "contact", _("Contact details and address")
    MEASURES = "measures", _("Measures and their dates")
    TESTS = "tests", _("Drug test results")
    RISK = "risk", _("Risk category and assessments")
    SUPPORT = "support", _("Support needs and referrals")
    HEALTH = "health", _("Health information")
