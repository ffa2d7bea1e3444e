"""The confidential person registry: identity encrypted at rest, found by blind index."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kangfu.access.choices import Role
from kangfu.access.models import Jurisdiction
from kangfu.access.permissions import roles_for
from kangfu.access.scoping import ScopedQuerySet, scope_filter
from kangfu.core.choices import QuickChoiceLabels
from kangfu.core.events import Slot
from kangfu.core.fields import EncryptedTextField
from kangfu.people.choices import Sex

# Filled from above (kangfu.web.reactions), closed until then:
# the persons a partner officer may open — those with a live referral to their department;
PARTNER_PERSONS: Slot = Slot("people.partner_persons", default=lambda user: None)
# the persons no list or search shows any more — every case of theirs is sealed.
# No safe default: unfilled, it refuses to answer rather than show sealed records.
SEALED_PERSONS: Slot = Slot("people.sealed_persons", default=None)


class PersonQuerySet(ScopedQuerySet):
    scope_path_field = "township__path"

    def visible_to(self, user, action=None):
        """Persons of the user's subtree, minus those whose every case is sealed: a sealed
        record drops out of every list and search (docs/cases.md); only the records officer
        reaches it, through the sealed case.

        A partner officer's grant does not open its subtree: it opens exactly the persons
        with a live referral to the officer's department (docs/access.md, kangfu.referrals).
        """
        action = action or self.default_action
        condition = scope_filter(user, self.scope_path_field, action)
        if Role.PARTNER in roles_for(action):
            partner = PARTNER_PERSONS(user)
            if partner is not None:
                condition = partner if condition is None else (condition | partner)
        if condition is None:
            return self.none()
        return self.filter(condition).exclude(SEALED_PERSONS())


class Person(QuickChoiceLabels, models.Model):
    """One human being, registered once nationwide (unique blind index of the ID number).

    ``township`` is the township that manages the record; it decides who can see it.
    Name, former names, ID number, phone and address are AES-GCM-encrypted columns.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    township = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("managing township"),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("caseworker"),
    )
    name = EncryptedTextField(pgettext_lazy("person", "name"))
    former_names = EncryptedTextField(_("former names"), blank=True, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    id_number = EncryptedTextField(_("resident ID number"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    hukou_place = models.CharField(_("household registration place"), max_length=100)
    residence_place = models.CharField(_("place of residence"), max_length=100, blank=True)
    address = EncryptedTextField(_("address"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.CheckConstraint(name="person_sex_valid", condition=Q(sex__in=["M", "F"])),
        ]
        # The person list's keys in its default order, per township: the count and the page's
        # 25 keys come from the index alone (no visit to one heap page per person).
        indexes = [
            models.Index(fields=["township", "-created_at", "-id"], name="person_township_recent")
        ]

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs and admin messages.
        return f"Person {self.public_id}"


class PersonNameToken(models.Model):
    """Blind-index digests of each prefix of a person's (former) names, for prefix search."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="name_token_unique")
        ]

    def __str__(self) -> str:
        return f"name token of {self.person_id}"
