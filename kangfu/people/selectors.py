"""Reads of the person registry, always starting from ``Person.objects.visible_to(user)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, DateField, F, Q, QuerySet, Value
from django.utils import timezone

from kangfu.access.choices import DepartmentKind, Level
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may, roles_for
from kangfu.access.scoping import scope_filter, scoped_get
from kangfu.core.events import Slot
from kangfu.people import idnumber
from kangfu.people.models import Person, PersonNameToken
from kangfu.people.services import id_number_index, name_prefix_digest

FULL_FIELDS = (
    "name",
    "former_names",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "hukou_place",
    "residence_place",
    "address",
    "township",
    "caseworker",
)
# What each partner department needs for its service, and no more (need-to-know).
# Test results and case content are never part of a person record a partner can open.
PARTNER_FIELDS: dict[str, tuple[str, ...]] = {
    DepartmentKind.CIVIL_AFFAIRS: ("name", "sex", "phone", "residence_place", "address"),
    DepartmentKind.HUMAN_RESOURCES: ("name", "sex", "birth_date", "phone"),
    DepartmentKind.HEALTH: ("name", "sex", "birth_date", "phone"),
    DepartmentKind.EDUCATION: ("name", "sex", "birth_date"),
    DepartmentKind.PUBLIC_SECURITY: ("name", "sex", "birth_date", "id_number"),
    DepartmentKind.JUSTICE: ("name", "sex", "birth_date", "id_number"),
    DepartmentKind.SOCIAL_WORK: ("name", "sex", "phone"),
    DepartmentKind.ANTI_DRUG_OFFICE: ("name", "sex"),
}
# What a person's page shows beside the record itself.
PERSON_RELATED = ("township", "caseworker")
# The encrypted identity columns a list of names never shows: a list page defers them, so
# its rows are not decrypted field by field (the name is all a list line shows).
UNLISTED_FIELDS = ("former_names", "id_number", "phone", "address")
_ID_LIKE = re.compile(r"^\s*([0-9]{17}[0-9xX]|[0-9]{15})\s*$", re.ASCII)


@dataclass(frozen=True)
class PersonSearch:
    query: str = ""
    sex: str = ""
    township: int | None = None
    mine: bool = False
    measure: str = ""  # the live measure's kind
    measure_state: str = ""
    category: str = ""
    caseworker: int | None = None
    overdue: bool = False
    sort: str = ""  # a key of PERSON_SORTS, "-" in front for descending


# The person list's case columns, held above people (cases, risk, schedule) and annotated
# in SQL so they filter and sort: ``measure_kind``, ``measure_state``, ``category``,
# ``next_due_on``, ``overdue_since``. Filled by the schedule app (kangfu/web/reactions.py).
PERSON_COLUMNS: Slot = Slot(
    "people.person_columns",
    default=lambda qs, on: qs.annotate(
        **{
            name: Value(None, output_field=field())
            for name, field in (
                ("measure_kind", CharField),
                ("measure_state", CharField),
                ("category", CharField),
                ("next_due_on", DateField),
                ("overdue_since", DateField),
            )
        }
    ),
)
# How the list filters by one of those columns (``measure_kind``, ``measure_state``,
# ``category``): a semi-join the database runs once, not a lookup per person. Filled by the
# schedule app.
PERSON_COLUMN_FILTER: Slot = Slot(
    "people.person_column_filter",
    default=lambda qs, name, value: qs.filter(**{name: value}),
)
# The values those columns take, with their labels: {"measure": [(value, label)], ...}.
PERSON_COLUMN_CHOICES: Slot = Slot("people.person_column_choices", default=lambda: {})
# What the list sorts by; never the name, which is encrypted at rest.
PERSON_SORTS = {
    "registered": "created_at",
    "birth": "birth_date",
    "township": "township__name",
    "caseworker": "caseworker__username",
    "measure": "measure_kind",
    "state": "measure_state",
    "category": "category",
    "next_due": "next_due_on",
    "overdue": "overdue_since",
}


def caseworkers_for(*, user) -> list:
    """The caseworkers holding a caseload under the user's grants (a list filter)."""
    condition = scope_filter(user, "grants__jurisdiction__path", Action.CASE_VIEW)
    if condition is None:
        return []
    return list(
        User.objects.filter(condition, grants__role__in=roles_for(Action.CASELOAD_HOLD))
        .only(*User.NAMED_BY)
        .distinct()
        .order_by("username")
    )


def is_id_query(query: str) -> bool:
    return bool(_ID_LIKE.match(idnumber.normalize(query or "")))


def person_list(*, user, search: PersonSearch) -> QuerySet[Person]:
    """Persons the user may see, filtered. A partner officer sees exactly the persons with a
    live referral to their department (``Person.objects.visible_to``), never the registry."""
    qs = Person.objects.visible_to(user).select_related("township", "caseworker")
    staff = may(user, Action.CASE_VIEW)
    query = (search.query or "").strip()
    if is_id_query(query):
        try:
            number = idnumber.parse(query, today=timezone.localdate()).value
        except ValidationError:  # an invalid number simply matches nobody
            return qs.none()
        return qs.filter(id_number_index=id_number_index(number))
    if not staff:
        # A partner's whole visible set is its referrals; a name search is not offered.
        return qs.none() if query else qs
    # Partners with a staff grant elsewhere must not browse under their partner grant.
    qs = Person.objects.visible_to(user, Action.CASE_VIEW).select_related("township", "caseworker")
    if query:
        tokens = PersonNameToken.objects.filter(digest=name_prefix_digest(query))
        qs = qs.filter(pk__in=tokens.values("person_id"))
    if search.sex:
        qs = qs.filter(sex=search.sex)
    if search.township:
        qs = qs.filter(township_id=search.township)
    if search.mine:
        qs = qs.filter(caseworker=user)
    qs = PERSON_COLUMNS(qs, timezone.localdate())
    for field, value in (
        ("measure_kind", search.measure),
        ("measure_state", search.measure_state),
        ("category", search.category),
    ):
        if value:
            qs = PERSON_COLUMN_FILTER(qs, field, value)
    if search.caseworker:
        qs = qs.filter(caseworker_id=search.caseworker)
    if search.overdue:
        qs = qs.filter(overdue_since__isnull=False)
    key = search.sort.lstrip("-")
    if key in PERSON_SORTS:
        column = F(PERSON_SORTS[key])
        descending = search.sort.startswith("-")
        order = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
        qs = qs.order_by(order, "-id")
    return qs


def person_get(*, user, public_id: Any) -> Person:
    """One visible person, or 404 — the same 404 as for an ID that does not exist."""
    return scoped_get(user, Person.objects.select_related(*PERSON_RELATED), public_id=public_id)


def person_find(*, user, public_id: Any) -> Person | None:
    """One visible person, or None when missing or out of scope (the caller decides)."""
    return (
        Person.objects.visible_to(user)
        .select_related(*PERSON_RELATED)
        .filter(public_id=public_id)
        .first()
    )


def person_get_emergency(*, user, public_id: Any) -> Person:
    """A person under the user's emergency-access grants (used only while a break-glass
    opening of that person is active in the session), or 404."""
    persons = Person.objects.select_related(*PERSON_RELATED)
    return scoped_get(user, persons, Action.BREAK_GLASS, public_id=public_id)


# Filled by the referrals app (kangfu.web.reactions): the fields a partner officer sees of a
# person, from the live referrals to their department; none until filled.
PARTNER_FIELDS_OF: Slot = Slot("people.partner_fields", default=lambda **kwargs: ())


def visible_fields(*, user, person: Person) -> tuple[str, ...]:
    """The fields of ``person`` this user may see, in display order."""
    if may(user, Action.CASE_VIEW, person):
        return FULL_FIELDS
    # A partner sees what the live referrals to its department carry (the categories the
    # person agreed to), narrowed by what the department's service needs.
    allowed = set(
        PARTNER_FIELDS_OF(
            user=user, person=person, department_fields=lambda kind: PARTNER_FIELDS.get(kind, ())
        )
    )
    return tuple(field for field in FULL_FIELDS if field in allowed)


def townships_for(user, action: str = Action.PERSON_WRITE) -> list[Jurisdiction]:
    """Townships where the user may do ``action`` (by default: where they may register)."""
    condition = scope_filter(user, "path", action)
    if condition is None:
        return []
    return list(Jurisdiction.objects.filter(condition, level=Level.TOWNSHIP).order_by("path"))


def caseload_counts(*, user) -> dict[str, int]:
    """Figures for the home page: the user's own caseload and what their grants cover."""
    visible = Person.objects.visible_to(user, Action.CASE_VIEW)
    today = timezone.localdate()
    return visible.aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=Q(caseworker=user)),
        unassigned=Count("pk", filter=Q(caseworker__isnull=True)),
        this_month=Count("pk", filter=Q(created_at__date__gte=today.replace(day=1))),
    )
