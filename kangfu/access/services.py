"""Writes to the jurisdiction tree and to staff grants."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kangfu.access.audit import AccessContext, account_detail, audit_record, primary_path
from kangfu.access.choices import (
    LEVEL_DEPTH,
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
from kangfu.access.events import CredentialsChanged
from kangfu.access.models import (
    AccountResetRequest,
    AuditEvent,
    AuditReview,
    Department,
    Disclosure,
    Grant,
    GrantRequest,
    Jurisdiction,
    User,
)
from kangfu.access.permissions import Action, grants_of, grants_with, require
from kangfu.core.events import publish
from kangfu.core.validation import not_future

# Where each role may be granted: front-line roles work at a township, supervisors above it.
ROLE_LEVELS: dict[str, set[str]] = {
    Role.CASEWORKER: {Level.TOWNSHIP},
    Role.TOWNSHIP_OFFICER: {Level.TOWNSHIP},
    Role.SUPERVISOR: {Level.COUNTY, Level.CITY, Level.PROVINCE, Level.NATIONAL},
    Role.PARTNER: set(Level.values),
    Role.ADMINISTRATOR: set(Level.values),
    # Break-glass is a county (or city) anti-drug office duty, never a township or national one.
    Role.EMERGENCY_ACCESS: {Level.COUNTY, Level.CITY},
    # Sealed records are kept by the county (or city) anti-drug office.
    Role.RECORDS_OFFICER: {Level.COUNTY, Level.CITY},
}


def _admin_ctx(actor: User | AccessContext) -> AccessContext:
    """The acting administrator's context; account work is logged as administration."""
    ctx = AccessContext.of(actor)
    return replace(ctx, purpose=AccessPurpose.ADMINISTRATION, purpose_note="")


def _account_ref(account: User, fallback: User | None = None) -> tuple[str, str, str]:
    """(type, id, path) for an event about a staff account: scoped where it works.

    An account that holds no role yet is scoped to the acting administrator's node, so the
    event is still in someone's audit view.
    """
    path = primary_path(account) or (primary_path(fallback) if fallback is not None else "")
    return ("access.user", str(account.pk), path)


def require_administrator(actor: User, node: Jurisdiction | None = None) -> None:
    """Refuse anyone who is not a system administrator (over ``node``, when given).

    ``is_superuser`` is not enough: administration rights come from an administrator grant,
    like every other right, so they are scoped and were themselves approved.
    """
    grants = grants_with(actor, [Role.ADMINISTRATOR])
    if node is not None:
        grants = [g for g in grants if g.jurisdiction.covers(node)]
    if not grants:
        raise PermissionDenied(_("Only a system administrator over this jurisdiction may do this."))


def _require_administrator_of(actor: User, account: User) -> None:
    """The administrator covers every node the account holds a role on."""
    require_administrator(actor)
    for grant in grants_of(account):
        require_administrator(actor, grant.jurisdiction)


def jurisdiction_check(*, code: str, level: str, parent: Jurisdiction | None) -> str:
    """Validate a new node and return its path (no database write)."""
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a level.")})
    if level == Level.NATIONAL:
        if parent is not None:
            raise ValidationError({"parent": _("The national level has no parent.")})
        path = f"/{code}/"
    else:
        if parent is None or LEVEL_DEPTH[Level(level)] != LEVEL_DEPTH[Level(parent.level)] + 1:
            raise ValidationError(
                {"parent": _("A jurisdiction sits exactly one level below its parent.")}
            )
        if not parent.path:
            raise ValidationError({"parent": _("This parent has no place in the tree.")})
        path = f"{parent.path}{code}/"
    expected = (9, 12) if level == Level.TOWNSHIP else (6,)
    if not code.isdigit() or len(code) not in expected:
        raise ValidationError({"code": _("This division code has the wrong length for its level.")})
    return path


@transaction.atomic
def jurisdiction_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Jurisdiction | None,
    actor: User | AccessContext | None = None,
) -> Jurisdiction:
    """Add a node under ``parent``; its level must be exactly one below the parent's.

    ``actor`` is the administrator adding it (the admin site always passes one; it must
    cover the parent). Without an actor this is the bootstrap path (tests, the demo).
    """
    path = jurisdiction_check(code=code, level=level, parent=parent)
    if actor is not None:
        ctx = _admin_ctx(actor)
        require_administrator(ctx.actor, parent)
    node = Jurisdiction(code=code, name=name.strip(), level=level, parent=parent, path=path)
    node.full_clean()
    node.save()
    if actor is not None:
        audit_record(
            ctx=ctx,
            action=AuditAction.CREATE,
            obj=("access.jurisdiction", node.code, node.path),
            fields=("code", "name", "level", "parent"),
            outside_caseload=False,
            detail=account_detail(place=node.name),
        )
    return node


@transaction.atomic
def jurisdiction_update(
    *, actor: User | AccessContext, node: Jurisdiction, name: str
) -> Jurisdiction:
    """Rename a node. Its code, level and parent make its path, which never changes here:
    moving a node would move every person under it, which is a transfer, not an edit."""
    ctx = _admin_ctx(actor)
    require_administrator(ctx.actor, node)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the jurisdiction a name.")})
    node = Jurisdiction.objects.select_for_update().get(pk=node.pk)
    if node.name != name:
        node.name = name
        node.full_clean()
        node.save(update_fields=["name"])
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=("access.jurisdiction", node.code, node.path),
            fields=("name",),
            outside_caseload=False,
            detail=account_detail(place=node.name),
        )
    return node


@transaction.atomic
def department_create(
    *,
    jurisdiction: Jurisdiction,
    kind: str,
    name: str,
    actor: User | AccessContext | None = None,
) -> Department:
    department = Department(jurisdiction=jurisdiction, kind=DepartmentKind(kind), name=name)
    if actor is not None:
        ctx = _admin_ctx(actor)
        require_administrator(ctx.actor, jurisdiction)
    department.full_clean()
    department.save()
    if actor is not None:
        audit_record(
            ctx=ctx,
            action=AuditAction.CREATE,
            obj=("access.department", str(department.pk), jurisdiction.path),
            fields=("jurisdiction", "kind", "name"),
            outside_caseload=False,
            detail=account_detail(place=str(department)),
        )
    return department


# --- grants: four eyes ------------------------------------------------------------------

# Roles whose grant by an administrator waits for a second administrator. Every role: the
# first five read person data; an administrator grant would let one administrator create a
# second account, make it an administrator and approve their own requests with it.
APPROVAL_ROLES = frozenset(Role.values)


def grant_check(
    *,
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    department: Department | None = None,
    actor: User | None = None,
) -> None:
    """The rules every grant obeys, before anything is written (forms call it too)."""
    if actor is not None and user.pk == actor.pk:
        raise ValidationError({"user": _("Nobody can grant a role to themselves.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if jurisdiction.level not in ROLE_LEVELS[Role(role)]:
        raise ValidationError(
            {"jurisdiction": _("This role cannot be granted at this level of the tree.")}
        )
    if role == Role.PARTNER and department is None:
        raise ValidationError({"department": _("A partner-department role names its department.")})
    if Grant.objects.filter(user=user, role=role, jurisdiction=jurisdiction).exists():
        raise ValidationError({"role": _("This account already holds this role here.")})


def grant_create(
    *,
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    department: Department | None = None,
) -> Grant:
    """Give ``user`` a role over ``jurisdiction`` at once: the bootstrap path.

    No actor, no approval: for tests, the demo builder and the server's operator at the
    command line. Every page and the admin site go through ``grant_request`` and
    ``grant_approve`` instead, so one administrator alone never opens records.
    """
    grant_check(user=user, role=role, jurisdiction=jurisdiction, department=department)
    return Grant.objects.create(
        user=user, role=role, jurisdiction=jurisdiction, department=department
    )


# Administrators the command line may make; more need the four-eyes path on the admin site.
BOOTSTRAP_ADMINISTRATORS = 2


@transaction.atomic
def administrator_bootstrap(*, account: User, jurisdiction: Jurisdiction) -> Grant:
    """The server's operator makes one of the first two administrators (``bootstrap_admin``).

    Four eyes needs two administrators before it can work at all; after that, this refuses.
    The event is recorded with the account itself as actor and "manage.py" as the asker.
    """
    if Grant.objects.filter(role=Role.ADMINISTRATOR).count() >= BOOTSTRAP_ADMINISTRATORS:
        raise ValidationError(
            _("There are administrators already: a new one is granted on the admin site.")
        )
    grant = grant_create(user=account, role=Role.ADMINISTRATOR, jurisdiction=jurisdiction)
    account = User.objects.get(pk=account.pk)
    audit_record(
        ctx=AccessContext.of(account, purpose=AccessPurpose.ADMINISTRATION),
        action=AuditAction.GRANT,
        obj=("access.user", str(account.pk), jurisdiction.path),
        fields=("role",),
        outside_caseload=False,
        detail=_grant_detail(grant, by="manage.py"),
    )
    return grant


def _grant_detail(request: GrantRequest | Grant, *, by: str = "") -> str:
    return account_detail(
        user=request.user.get_username(),
        role=request.role,
        place=request.jurisdiction.name,
        by=by,
    )


@transaction.atomic
def grant_request(
    *,
    actor: User | AccessContext,
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    department: Department | None = None,
) -> GrantRequest:
    """An administrator asks for ``user`` to hold a role; it gives no access until approved."""
    ctx = _admin_ctx(actor)
    require_administrator(ctx.actor, jurisdiction)
    grant_check(
        user=user, role=role, jurisdiction=jurisdiction, department=department, actor=ctx.actor
    )
    if GrantRequest.objects.filter(
        user=user, role=role, jurisdiction=jurisdiction, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError({"role": _("This grant has already been asked for.")})
    request = GrantRequest.objects.create(
        user=user,
        role=role,
        jurisdiction=jurisdiction,
        department=department,
        requested_by=ctx.actor,
        requested_at=timezone.now(),
    )
    audit_record(
        ctx=ctx,
        action=AuditAction.GRANT_REQUEST,
        obj=("access.user", str(user.pk), jurisdiction.path),
        fields=("role",),
        outside_caseload=False,
        detail=_grant_detail(request),
    )
    return request


def _pending(model, pk):
    request = model.objects.select_for_update().get(pk=pk)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return request


@transaction.atomic
def grant_approve(*, actor: User | AccessContext, request: GrantRequest) -> Grant:
    """A second administrator approves: the grant takes effect now."""
    ctx = _admin_ctx(actor)
    request = _pending(GrantRequest, request.pk)
    require_administrator(ctx.actor, request.jurisdiction)
    if ctx.actor.pk == request.user_id:
        raise ValidationError(_("Nobody can grant a role to themselves."))
    if ctx.actor.pk == request.requested_by_id:
        raise ValidationError(
            _("The administrator who asked for this cannot approve it: a second one must.")
        )
    grant_check(
        user=request.user,
        role=request.role,
        jurisdiction=request.jurisdiction,
        department=request.department,
    )
    grant = Grant.objects.create(
        user=request.user,
        role=request.role,
        jurisdiction=request.jurisdiction,
        department=request.department,
    )
    request.status = RequestStatus.APPROVED
    request.decided_by = ctx.actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        ctx=ctx,
        action=AuditAction.GRANT,
        obj=("access.user", str(request.user_id), request.jurisdiction.path),
        fields=("role",),
        outside_caseload=False,
        detail=_grant_detail(request, by=request.requested_by.get_username()),
    )
    return grant


@transaction.atomic
def grant_refuse(*, actor: User | AccessContext, request: GrantRequest) -> GrantRequest:
    """An administrator (the asker too: a withdrawal) turns a request down."""
    ctx = _admin_ctx(actor)
    request = _pending(GrantRequest, request.pk)
    require_administrator(ctx.actor, request.jurisdiction)
    request.status = RequestStatus.REFUSED
    request.decided_by = ctx.actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        ctx=ctx,
        action=AuditAction.GRANT_REFUSE,
        obj=("access.user", str(request.user_id), request.jurisdiction.path),
        fields=("role",),
        outside_caseload=False,
        detail=_grant_detail(request, by=request.requested_by.get_username()),
    )
    return request


@transaction.atomic
def grant_revoke(*, actor: User | AccessContext, grant: Grant) -> None:
    """Take a role away. One administrator suffices: revoking opens nothing."""
    ctx = _admin_ctx(actor)
    grant = Grant.objects.select_related("user", "jurisdiction").get(pk=grant.pk)
    require_administrator(ctx.actor, grant.jurisdiction)
    detail = _grant_detail(grant)
    obj = ("access.user", str(grant.user_id), grant.jurisdiction.path)
    grant.delete()
    audit_record(
        ctx=ctx,
        action=AuditAction.REVOKE,
        obj=obj,
        fields=("role",),
        outside_caseload=False,
        detail=detail,
    )


# --- staff accounts ---------------------------------------------------------------------

# What the admin site may change on an account. Privileges come from grants; the password
# and the second factor change only through the four-eyes reset below.
ACCOUNT_EDITABLE_FIELDS = frozenset(
    {"username", "first_name", "last_name", "email", "display_name", "department", "is_active"}
)


def account_check(
    *, actor: User, account: User, created: bool, changed_fields: Iterable[str] = ()
) -> None:
    """What an administrator may change on an account (the admin form asks this too)."""
    changed = set(changed_fields)
    if created:
        require_administrator(actor)
    else:
        _require_administrator_of(actor, account)
        if account.pk == actor.pk and "is_active" in changed:
            raise ValidationError({"is_active": _("You cannot switch off your own account.")})
    forbidden = changed - ACCOUNT_EDITABLE_FIELDS
    if forbidden:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(forbidden))}
        )


@transaction.atomic
def account_save(
    *,
    actor: User | AccessContext,
    account: User,
    created: bool,
    changed_fields: Iterable[str] = (),
) -> User:
    """Save an account edited on the admin site (validated by its form), audited."""
    ctx = _admin_ctx(actor)
    changed = set(changed_fields)
    if created:
        require_administrator(ctx.actor)
        changed -= {"password1", "password2", "usable_password"}
    else:
        _require_administrator_of(ctx.actor, account)
        if account.pk == ctx.actor.pk and "is_active" in changed:
            raise ValidationError({"is_active": _("You cannot switch off your own account.")})
    forbidden = changed - ACCOUNT_EDITABLE_FIELDS
    if forbidden:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(forbidden))}
        )
    account.save()
    audit_record(
        ctx=ctx,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=_account_ref(account, ctx.actor),
        fields=sorted(changed) if not created else ("username",),
        outside_caseload=False,
        detail=account_detail(user=account.get_username()),
    )
    if not created and "is_active" in changed and not account.is_active:
        publish(CredentialsChanged(account=account, ctx=ctx, reason="deactivated"))
    return account


def account_reset_check(*, actor: User, account: User, kind: str) -> None:
    _require_administrator_of(actor, account)
    if account.pk == actor.pk:
        raise ValidationError(
            {"account": _("Change your own password or second factor from your account page.")}
        )
    if AccountResetRequest.objects.filter(
        account=account, kind=kind, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError({"kind": _("This reset has already been asked for.")})


@transaction.atomic
def account_reset_request(
    *, actor: User | AccessContext, account: User, kind: str
) -> AccountResetRequest:
    """One administrator asks for another account's password or second factor to be reset."""
    ctx = _admin_ctx(actor)
    kind = ResetKind(kind)
    account_reset_check(actor=ctx.actor, account=account, kind=kind)
    request = AccountResetRequest.objects.create(
        account=account, kind=kind, requested_by=ctx.actor, requested_at=timezone.now()
    )
    audit_record(
        ctx=ctx,
        action=AuditAction.RESET_REQUEST,
        obj=_account_ref(account, ctx.actor),
        fields=(kind,),
        outside_caseload=False,
        detail=account_detail(user=account.get_username(), kind=kind),
    )
    return request


def _temporary_password() -> str:
    # 16 characters from an alphabet without look-alikes, in groups of four for reading out.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _i in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def account_reset_approve(
    *, actor: User | AccessContext, request: AccountResetRequest
) -> str | None:
    """A second administrator carries the reset out.

    Password: a new temporary password, returned once to show the approver (never stored
    in clear, never logged); the old sessions end with the old password. Second factor:
    the account's authenticators are removed, so it enrols a new one at its next sign-in.
    """
    ctx = _admin_ctx(actor)
    request = _pending(AccountResetRequest, request.pk)
    account = request.account
    _require_administrator_of(ctx.actor, account)
    if ctx.actor.pk == account.pk:
        raise ValidationError(
            _("Change your own password or second factor from your account page.")
        )
    if ctx.actor.pk == request.requested_by_id:
        raise ValidationError(
            _("The administrator who asked for this cannot approve it: a second one must.")
        )
    password = None
    if request.kind == ResetKind.PASSWORD:
        password = _temporary_password()
        account.set_password(password)
        account.must_change_password = True
        account.save(update_fields=["password", "must_change_password"])
        action = AuditAction.PASSWORD_RESET
        publish(CredentialsChanged(account=account, ctx=ctx, reason="password"))
    else:
        TOTPDevice.objects.filter(user=account).delete()
        action = AuditAction.TOTP_RESET
    request.status = RequestStatus.APPROVED
    request.decided_by = ctx.actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        ctx=ctx,
        action=action,
        obj=_account_ref(account, ctx.actor),
        fields=(request.kind,),
        outside_caseload=False,
        detail=account_detail(
            user=account.get_username(), kind=request.kind, by=request.requested_by.get_username()
        ),
    )
    return password


@transaction.atomic
def account_reset_refuse(
    *, actor: User | AccessContext, request: AccountResetRequest
) -> AccountResetRequest:
    ctx = _admin_ctx(actor)
    request = _pending(AccountResetRequest, request.pk)
    _require_administrator_of(ctx.actor, request.account)
    request.status = RequestStatus.REFUSED
    request.decided_by = ctx.actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        ctx=ctx,
        action=AuditAction.RESET_REFUSE,
        obj=_account_ref(request.account, ctx.actor),
        fields=(request.kind,),
        outside_caseload=False,
        detail=account_detail(user=request.account.get_username(), kind=request.kind),
    )
    return request


@transaction.atomic
def password_change(*, ctx: AccessContext, form) -> User:
    """The account holder sets a new password (a validated ``PasswordChangeForm``), audited.

    This also lifts the "choose a new password" requirement after a reset.
    """
    ctx = _admin_ctx(ctx)
    account = form.save(commit=False)
    account.must_change_password = False
    account.save(update_fields=["password", "must_change_password"])
    audit_record(
        ctx=ctx,
        action=AuditAction.PASSWORD_CHANGE,
        obj=_account_ref(account),
        fields=("password",),
        outside_caseload=False,
        detail=account_detail(user=account.get_username()),
    )
    publish(CredentialsChanged(account=account, ctx=ctx, reason="password"))
    return account


@transaction.atomic
def totp_confirm(*, ctx: AccessContext, device: TOTPDevice) -> TOTPDevice:
    """The account holder has proved their new authenticator works: it is on, audited."""
    ctx = _admin_ctx(ctx)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    account = ctx.actor
    audit_record(
        ctx=ctx,
        action=AuditAction.TOTP_ENROL,
        obj=_account_ref(account),
        fields=("totp",),
        outside_caseload=False,
        detail=account_detail(user=account.get_username()),
    )
    return device


# --- audit reviews and disclosures ------------------------------------------------------


def break_glass_review(*, ctx: AccessContext, event: AuditEvent, note: str = "") -> AuditReview:
    """A supervisor over the record's jurisdiction marks an emergency access as reviewed.

    Nobody reviews their own emergency access; a review is final (one per event).
    """
    reviewer = ctx.actor
    if event.action != AuditAction.BREAK_GLASS:
        raise ValidationError(_("Only emergency accesses are reviewed."))
    # Four eyes: the table refuses the actor of the emergency access itself (a 403).
    require(reviewer, Action.AUDIT_REVIEW, event)
    with transaction.atomic():
        if AuditReview.objects.filter(event=event).exists():
            raise ValidationError(_("This emergency access has already been reviewed."))
        review = AuditReview.objects.create(
            event=event, reviewed_by=reviewer, reviewed_at=timezone.now(), note=note.strip()
        )
        audit_record(
            ctx=ctx,
            action=AuditAction.REVIEW,
            obj=(event.object_type, event.object_id, event.scope_path),
            fields=("break_glass_review",),
            outside_caseload=False,
        )
    return review


def disclosure_record(
    *,
    ctx: AccessContext,
    person,
    recipient: str,
    legal_basis: str,
    basis_reference: str,
    categories: Iterable[str],
    disclosed_on: dt.date,
) -> Disclosure:
    """Account for information from ``person``'s record given to another organisation."""
    require(ctx.actor, Action.PERSON_DISCLOSE, person)
    categories = [DataCategory(c).value for c in categories]
    if not categories:
        raise ValidationError({"categories": _("Choose at least one category of data.")})
    not_future("disclosed_on", disclosed_on)
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            person=person,
            recipient=recipient.strip(),
            legal_basis=LegalBasis(legal_basis),
            basis_reference=basis_reference.strip(),
            categories=categories,
            disclosed_on=disclosed_on,
            recorded_by=ctx.actor,
        )
        # The categories disclosed are the "fields" of this event: names, never values.
        audit_record(ctx=ctx, action=AuditAction.DISCLOSE, obj=person, fields=categories)
    return disclosure
