"""Jurisdictions, departments, staff accounts and their role grants."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import DepartmentKind, Level, Role


class Jurisdiction(models.Model):
    """A node of the administrative tree: national › province › city › county › township.

    ``path`` holds the division codes from the root down ("/100000/520000/520100/"), so a
    subtree is one indexed prefix query (``path__startswith``); on PostgreSQL Django adds a
    ``varchar_pattern_ops`` index for the unique column, which serves LIKE 'prefix%'.
    """

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            # GB/T 2260 codes are 6 digits down to county level; townships use 9 or 12.
            models.CheckConstraint(
                name="jurisdiction_code_length_by_level",
                condition=(
                    Q(
                        Exact(Length("code"), 6),
                        level__in=["national", "province", "city", "county"],
                    )
                    | Q(In(Length("code"), [9, 12]), level="township")
                ),
            ),
            models.CheckConstraint(
                name="jurisdiction_only_national_is_root",
                condition=Q(level="national", parent__isnull=True)
                | Q(~Q(level="national"), parent__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, other: Jurisdiction) -> bool:
        """True when ``other`` is this node or one of its descendants."""
        return other.path.startswith(self.path)


class Department(models.Model):
    """An office of a jurisdiction: the anti-drug office or a partner department."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="departments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "name"], name="department_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.name}"


class User(AbstractUser):
    """A staff account. What it may see comes only from its grants."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.display_name or self.username


class Grant(models.Model):
    """A role held over a jurisdiction node; it covers the node's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="grants")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "jurisdiction"], name="grant_unique_role_node"
            ),
            # A partner's field set follows its department, so a partner grant names one.
            models.CheckConstraint(
                name="grant_partner_has_department",
                condition=~Q(role="partner") | Q(department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.jurisdiction}"
