"""Jurisdictions, departments, staff accounts and their role grants."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual, In
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import (
    AccessPurpose,
    AuditAction,
    DataCategory,
    DepartmentKind,
    LegalBasis,
    Level,
    RequestStatus,
    ResetKind,
    Role,
)
from kangfu.core.choices import QuickChoiceLabels


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
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)

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
            # An empty path would be a prefix of every path: a grant on such a node would
            # open the whole system. The shortest real path is "/100000/" (8 characters).
            models.CheckConstraint(
                name="jurisdiction_path_is_rooted",
                condition=Q(
                    GreaterThanOrEqual(Length("path"), 8),
                    path__startswith="/",
                    path__endswith="/",
                ),
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
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("jurisdiction"),
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
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    # Set when a second administrator resets the password: the temporary one is known to
    # that administrator, so it only opens the password-change page (signin.middleware).
    must_change_password = models.BooleanField(
        _("must choose a new password at next sign-in"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.display_name or self.username

    # What a page that names a staff member reads of the account: ``__str__`` and the key.
    # Lists and sections that show "recorded by" or a caseworker load only these, never the
    # password hash, e-mail or flags (less to read, compile and hold in memory).
    NAMED_BY = ("id", "username", "display_name")

    @classmethod
    def unnamed_fields(cls, prefix: str) -> tuple[str, ...]:
        """The account columns a name does not need, as ``defer()`` paths under ``prefix``
        (a relation to this model, e.g. ``"caseworker"``)."""
        return tuple(
            f"{prefix}__{field.name}"
            for field in cls._meta.concrete_fields
            if field.name not in cls.NAMED_BY
        )


class Grant(QuickChoiceLabels, models.Model):
    """A role held over a jurisdiction node; it covers the node's whole subtree."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("account")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("jurisdiction"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("department"),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

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


class FourEyesRequest(models.Model):
    """What one administrator asks and a second one decides (grants, account resets)."""

    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-id"]


class GrantRequest(FourEyesRequest):
    """An administrator's request to give ``user`` a role; a *second* administrator decides.

    A request gives no access at all: only an approved request becomes a ``Grant`` row, and
    scoping reads ``Grant`` only. Nobody asks for a role for themselves, and the one who
    asked does not approve (database constraints back the services here).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="grant_requests", verbose_name=_("account")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("jurisdiction")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )

    class Meta(FourEyesRequest.Meta):
        verbose_name = _("role grant request")
        verbose_name_plural = _("role grant requests")
        constraints = [
            models.CheckConstraint(
                name="grant_request_not_for_self", condition=~Q(requested_by=F("user"))
            ),
            models.CheckConstraint(
                name="grant_request_four_eyes",
                condition=Q(decided_by__isnull=True)
                | Q(status="refused")
                | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("user"))),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "jurisdiction"],
                condition=Q(status="pending"),
                name="grant_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.jurisdiction}"


class AccountResetRequest(FourEyesRequest):
    """A password or second-factor reset of another staff account: four eyes, like grants.

    Whoever resets an account could sign in as it, so one administrator asks, a second one
    (neither the asker nor the account's holder) carries it out.
    """

    account = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="reset_requests", verbose_name=_("account")
    )
    kind = models.CharField(_("what to reset"), max_length=10, choices=ResetKind.choices)

    class Meta(FourEyesRequest.Meta):
        verbose_name = _("account reset request")
        verbose_name_plural = _("account reset requests")
        constraints = [
            models.CheckConstraint(
                name="reset_request_not_for_self", condition=~Q(requested_by=F("account"))
            ),
            models.CheckConstraint(
                name="reset_request_four_eyes",
                condition=Q(decided_by__isnull=True)
                | Q(status="refused")
                | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("account"))),
            ),
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=Q(status="pending"),
                name="reset_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.get_kind_display()}"


class AppendOnlyError(Exception):
    """An audit row was about to be changed or removed; the log only grows."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def in_subtrees(self, paths):
        """Events about records (or, for searches, by actors) under any of ``paths``."""
        condition = Q()
        for path in paths:
            condition |= Q(scope_path__startswith=path)
        return self.filter(condition) if paths else self.none()


class AuditEvent(QuickChoiceLabels, models.Model):
    """One look at, or change to, a person's data. Append-only and hash-chained.

    Who, what and why are *snapshots* taken at the time (role codes, jurisdiction names and
    the record's township path), so later changes to grants or transfers do not rewrite
    history. ``hash`` is SHA-256 over a canonical JSON form of every column but ``id`` and
    ``hash``, including ``seq`` and ``prev_hash`` (kangfu.access.audit.canonical). Values of
    fields are never stored, only their names.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(editable=False)
    # The calendar day in Asia/Shanghai, stored so per-day counts need no time-zone SQL.
    local_date = models.DateField(editable=False)
    # No index of its own: audit_actor_day (actor, local_date) begins with it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    actor_username = models.CharField(max_length=150, editable=False)
    actor_name = models.CharField(max_length=150, blank=True, editable=False)
    roles = models.CharField(max_length=200, blank=True, editable=False)
    jurisdiction = models.CharField(max_length=500, blank=True, editable=False)
    scope_path = models.CharField(max_length=255, blank=True, editable=False)
    action = models.CharField(max_length=20, choices=AuditAction.choices, editable=False)
    object_type = models.CharField(max_length=40, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    fields = models.JSONField(default=list, editable=False)
    # Non-identifying facts about the event, e.g. the kind of search and the number of hits.
    detail = models.CharField(max_length=200, blank=True, editable=False)
    purpose = models.CharField(max_length=20, choices=AccessPurpose.choices, editable=False)
    purpose_note = models.CharField(max_length=500, blank=True, editable=False)
    outside_caseload = models.BooleanField(default=False, editable=False)
    client_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    # Not indexed, and not declared unique: unique it is already, because the hashed form
    # includes ``seq``, which is unique (two rows with one hash would be one canonical form,
    # so one seq, barring a SHA-256 collision), and nothing looks a row up by its hash
    # (``audit verify`` recomputes every one). A btree of random hashes cost every audited
    # read an insert at a random place, and a ledger import's held append 30 % of its time.
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-seq"], name="audit_object_recent"),
            models.Index(fields=["actor", "local_date"], name="audit_actor_day"),
            models.Index(fields=["scope_path", "-seq"], name="audit_scope_recent"),
        ]
        constraints = [
            models.CheckConstraint(name="audit_seq_positive", condition=Q(seq__gte=1)),
            models.CheckConstraint(
                name="audit_other_purpose_explained",
                condition=~Q(purpose__in=["other", "emergency"]) | ~Q(purpose_note=""),
            ),
        ]

    def __str__(self) -> str:
        return f"audit #{self.seq} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        # Only kangfu.access.audit.audit_record inserts; nothing may ever rewrite a row.
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def by_person(self) -> bool:
        """True when the person themself acted, through the portal (no staff account)."""
        return self.actor_id is None and self.actor_username.startswith("portal:")

    def sentence(self) -> str:
        """An account-administration event as one readable sentence; "" for other events.

        ``detail`` holds the facts as compact JSON (kangfu.access.audit.account_detail):
        the account's user name, the role code, the place, who asked, what was reset.
        """
        template = ACCOUNT_SENTENCES.get(self.action) or ACCOUNT_SENTENCES.get(
            (self.action, self.object_type)
        )
        if template is None:
            return ""
        try:
            facts = json.loads(self.detail) if self.detail else {}
        except ValueError:
            facts = {}
        if not isinstance(facts, dict):
            facts = {}
        return str(template) % {
            "user": facts.get("u", "?"),
            "role": dict(Role.choices).get(facts.get("r"), facts.get("r", "?")),
            "place": facts.get("p", "?"),
            "by": facts.get("b", "?"),
            "what": dict(ResetKind.choices).get(facts.get("k"), facts.get("k", "?")),
        }

    def grant_labels(self) -> list[tuple[str, str]]:
        """(role label, place name) pairs from the snapshot "role@place (code); …"."""
        labels = _ROLE_LABELS
        pairs = []
        for part in filter(None, self.jurisdiction.split("; ")):
            role, _sep, place = part.partition("@")
            pairs.append((str(labels.get(role, role)), place.rsplit(" (", 1)[0]))
        return pairs


# Role → its (lazily translated) label, built once: a history table asks for every row.
_ROLE_LABELS = dict(Role.choices)

# Sentences for account-administration events, keyed by action (or action and object type).
ACCOUNT_SENTENCES = {
    AuditAction.GRANT_REQUEST: _("Asked for %(user)s to be given the role %(role)s over %(place)s"),
    AuditAction.GRANT: _(
        "Approved: %(user)s now holds the role %(role)s over %(place)s (asked by %(by)s)"
    ),
    AuditAction.GRANT_REFUSE: _(
        "Refused the request for %(user)s to hold the role %(role)s over %(place)s"
    ),
    AuditAction.REVOKE: _("Took the role %(role)s over %(place)s away from %(user)s"),
    AuditAction.TOTP_ENROL: _("Set up two-step sign-in for the account %(user)s"),
    AuditAction.RESET_REQUEST: _("Asked for a reset of the %(what)s of %(user)s"),
    AuditAction.RESET_REFUSE: _("Refused the reset of the %(what)s of %(user)s"),
    AuditAction.PASSWORD_RESET: _("Reset the password of %(user)s (asked by %(by)s)"),
    AuditAction.TOTP_RESET: _("Reset the second factor of %(user)s (asked by %(by)s)"),
    AuditAction.PASSWORD_CHANGE: _("%(user)s chose a new password"),
    (AuditAction.CREATE, "access.user"): _("Created the staff account %(user)s"),
    (AuditAction.UPDATE, "access.user"): _("Changed the staff account %(user)s"),
    (AuditAction.CREATE, "access.jurisdiction"): _("Added the jurisdiction %(place)s"),
    (AuditAction.UPDATE, "access.jurisdiction"): _("Renamed the jurisdiction to %(place)s"),
    (AuditAction.CREATE, "access.department"): _("Added the department %(place)s"),
    (AuditAction.CREATE, "api.apitoken"): _("Created the API token “%(what)s” of %(user)s"),
    (AuditAction.UPDATE, "api.apitoken"): _("Revoked the API token “%(what)s” of %(user)s"),
}


class AuditReview(models.Model):
    """A supervisor's review of an emergency (break-glass) access. One per event, final."""

    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="review")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("emergency access review")
        verbose_name_plural = _("emergency access reviews")

    def __str__(self) -> str:
        return f"review of audit #{self.event_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("a review is final")
        super().save(*args, **kwargs)


class Disclosure(models.Model):
    """Information from a person's record given to another department or organisation."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient = models.CharField(_("recipient organisation or department"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    basis_reference = models.CharField(
        _("provision or consent reference"),
        max_length=200,
        help_text=_("For example the article of law, or the number of the signed consent form."),
    )
    categories = models.JSONField(_("data categories"), default=list)
    disclosed_on = models.DateField(_("date of disclosure"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_on", "-id"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        constraints = [
            models.CheckConstraint(
                name="disclosure_basis_valid",
                condition=Q(legal_basis__in=LegalBasis.values),
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} of person {self.person_id}"

    def category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories]
