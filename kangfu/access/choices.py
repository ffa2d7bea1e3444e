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
