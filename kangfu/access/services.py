"""Writes to the jurisdiction tree and to staff grants."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.choices import LEVEL_DEPTH, DepartmentKind, Level, Role
from kangfu.access.models import Department, Grant, Jurisdiction, User

# Where each role may be granted: front-line roles work at a township, supervisors above it.
ROLE_LEVELS: dict[str, set[str]] = {
    Role.CASEWORKER: {Level.TOWNSHIP},
    Role.TOWNSHIP_OFFICER: {Level.TOWNSHIP},
    Role.SUPERVISOR: {Level.COUNTY, Level.CITY, Level.PROVINCE, Level.NATIONAL},
    Role.PARTNER: set(Level.values),
    Role.ADMINISTRATOR: set(Level.values),
}


def jurisdiction_create(
    *, code: str, name: str, level: str, parent: Jurisdiction | None
) -> Jurisdiction:
    """Add a node under ``parent``; its level must be exactly one below the parent's."""
    if level == Level.NATIONAL:
        if parent is not None:
            raise ValidationError({"parent": _("The national level has no parent.")})
        path = f"/{code}/"
    else:
        if parent is None or LEVEL_DEPTH[Level(level)] != LEVEL_DEPTH[Level(parent.level)] + 1:
            raise ValidationError(
                {"parent": _("A jurisdiction sits exactly one level below its parent.")}
            )
        path = f"{parent.path}{code}/"
    expected = (9, 12) if level == Level.TOWNSHIP else (6,)
    if not code.isdigit() or len(code) not in expected:
        raise ValidationError({"code": _("This division code has the wrong length for its level.")})
    node = Jurisdiction(code=code, name=name, level=level, parent=parent, path=path)
    node.full_clean()
    node.save()
    return node


@transaction.atomic
def department_create(*, jurisdiction: Jurisdiction, kind: str, name: str) -> Department:
    return Department.objects.create(
        jurisdiction=jurisdiction, kind=DepartmentKind(kind), name=name
    )


def grant_create(
    *, user: User, role: str, jurisdiction: Jurisdiction, department: Department | None = None
) -> Grant:
    """Give ``user`` a role over ``jurisdiction`` and its subtree."""
    if jurisdiction.level not in ROLE_LEVELS[Role(role)]:
        raise ValidationError(
            {"jurisdiction": _("This role cannot be granted at this level of the tree.")}
        )
    if role == Role.PARTNER and department is None:
        raise ValidationError({"department": _("A partner-department role names its department.")})
    grant = Grant.objects.create(
        user=user, role=role, jurisdiction=jurisdiction, department=department
    )
    return grant
