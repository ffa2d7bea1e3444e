"""Writes of the portal: one-time codes, activation, passwords, the optional TOTP factor,
lock-out, and the person's requests for a review (habit 1).

The code and the password are checked with Django's password hashers (argon2 in production);
only hashes are stored. Failures count per account (and per address for unknown ID numbers)
with the same limit and cool-off as staff sign-in (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP

from kangfu.access.audit import AccessContext, PersonActor, audit_record, is_person_actor
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.models import User
from kangfu.access.permissions import Action, require
from kangfu.people import idnumber
from kangfu.people.models import Person
from kangfu.people.services import id_number_index
from kangfu.portal.models import PortalAccount, ReviewAsk, ReviewAskState

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
TOTP_STEP, TOTP_DIGITS = 30, 6


class SignInRefused(Exception):
    """Wrong ID number, code or password — the message never says which."""


class LockedOut(Exception):
    """Too many failures: sign-in is refused until ``until``."""

    def __init__(self, until: dt.datetime):
        super().__init__("locked out")
        self.until = until


def code_days() -> int:
    return int(getattr(settings, "KANGFU_PORTAL_CODE_DAYS", 14))


def failure_limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def cooloff() -> dt.timedelta:
    return getattr(settings, "AXES_COOLOFF_TIME", dt.timedelta(minutes=30))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


# --- staff: issuing a code, switching access off ---------------------------------------------


def portal_code_issue(*, actor: User | AccessContext, person: Person) -> tuple[PortalAccount, str]:
    """A new one-time code for ``person`` (first activation, or a forgotten password).
    Returns the code in clear once, for printing; only its hash is kept. A new code replaces
    any earlier one that was not used."""
    ctx = AccessContext.of(actor)
    require(ctx.actor, Action.PERSON_WRITE, person)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        account, _created = PortalAccount.objects.select_for_update().get_or_create(person=person)
        account.code_hash = make_password(raw)
        account.code_issued_at = now
        account.code_expires_at = now + dt.timedelta(days=code_days())
        account.code_issued_by = ctx.actor
        account.disabled_at = None
        account.save()
        # The code itself is never logged: only that one was printed for this person.
        audit_record(ctx=ctx, action=AuditAction.PRINT, obj=person, fields=("name", "portal_code"))
    return account, format_code(raw)


def portal_access_disable(*, actor: User | AccessContext, person: Person) -> PortalAccount:
    """Switch the person's portal access off (a lost phone, a request): the password, any
    code and the second factor stop working until a new code is issued."""
    ctx = AccessContext.of(actor)
    require(ctx.actor, Action.PERSON_WRITE, person)
    with transaction.atomic():
        account = PortalAccount.objects.select_for_update().get(person=person)
        account.disabled_at = timezone.now()
        account.password = ""
        account.code_hash = ""
        account.code_expires_at = None
        account.totp_secret = ""
        account.totp_confirmed = False
        account.save()
        audit_record(
            ctx=ctx, action=AuditAction.UPDATE, obj=person, fields=("portal_account.disabled",)
        )
    return account


# --- signing in --------------------------------------------------------------------------------


# Failures are counted per address and per ID number alike, whether or not the number has
# an account, in the database cache shared by every process: the answer (refused, or locked)
# and the work done (one password hash) are the same for a registered and an unknown number.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def _counters():
    return caches["shared"]


def _address_key(address: str | None) -> str:
    return f"kangfu:portal:fail:addr:{address or '-'}"


def _number_key(index: str) -> str:
    return f"kangfu:portal:fail:num:{index}"


def _locked_key(key: str) -> str:
    return f"{key}:until"


def _locked_until(key: str) -> dt.datetime | None:
    until = _counters().get(_locked_key(key))
    return until if until and until > timezone.now() else None


def _count(key: str, limit: int) -> None:
    """One more failure under ``key``; at ``limit`` it locks for the cool-off period."""
    counters, seconds = _counters(), int(cooloff().total_seconds())
    counters.add(key, 0, seconds)
    try:
        failures = counters.incr(key)
    except ValueError:
        counters.set(key, 1, seconds)
        failures = 1
    if failures >= limit:
        until = timezone.now() + cooloff()
        counters.set(_locked_key(key), until, seconds)
        counters.delete(key)
        raise LockedOut(until)


def _check(key: str) -> None:
    until = _locked_until(key)
    if until is not None:
        raise LockedOut(until)


def _fail_address(address: str | None) -> None:
    # Guessing ID numbers from one place is capped (a higher cap: a shared network).
    _count(_address_key(address), failure_limit() * 4)


def _fail(index: str | None, address: str | None, account: PortalAccount | None) -> None:
    """Count a failed attempt; an account's person sees it in their access history."""
    if account is not None:
        _failure_event(account, address)
    try:
        _fail_address(address)
    finally:
        if index is not None:
            _count(_number_key(index), failure_limit())


def _failure_event(account: PortalAccount, address: str | None) -> None:
    person = account.person
    ctx = AccessContext(
        actor=PersonActor(
            person_id=person.pk,
            public_id=str(person.public_id),
            township_path=person.township.path,
        ),
        client_address=address,
        purpose=AccessPurpose.SELF,
    )
    with transaction.atomic():
        audit_record(
            ctx=ctx, action=AuditAction.PORTAL_SIGNIN_FAILED, obj=person, fields=("portal",)
        )


def _lookup(
    id_number: str, address: str | None, *, number_lock: bool = True
) -> tuple[str | None, PortalAccount | None]:
    """(blind index, account or None) for a typed ID number, after the lock-out checks."""
    _check(_address_key(address))
    try:
        number = idnumber.parse(id_number, today=timezone.localdate()).value
    except ValidationError:
        return None, None
    index = id_number_index(number)
    if number_lock:
        _check(_number_key(index))
    account = (
        PortalAccount.objects.select_related("person", "person__township")
        .filter(person__id_number_index=index)
        .first()
    )
    return index, account


def record_failure(account: PortalAccount, address: str | None = None) -> None:
    """Count a failure of a known account (the second factor)."""
    _fail(account.person.id_number_index, address, account)


def _clear_number(index: str) -> None:
    _counters().delete_many([_number_key(index), _locked_key(_number_key(index))])


def _succeeded(account: PortalAccount) -> None:
    _clear_number(account.person.id_number_index)
    PortalAccount.objects.filter(pk=account.pk).update(
        failed_attempts=0, locked_until=None, last_login_at=timezone.now()
    )


def portal_check_code(*, id_number: str, code: str, address: str | None = None) -> PortalAccount:
    """The account whose unexpired one-time code this is, or SignInRefused / LockedOut.

    A number locked by wrong passwords still accepts its one-time code (the caseworker's
    way back in: 60 random bits cannot be guessed in a few tries); wrong codes count."""
    index, account = _lookup(id_number, address, number_lock=False)
    fresh = bool(
        account is not None
        and account.code_hash
        and account.code_expires_at
        and account.code_expires_at > timezone.now()
    )
    if not check_password(normalise_code(code), account.code_hash if fresh else _dummy_hash()):
        _fail(index, address, account)
        raise SignInRefused
    if not fresh:  # the dummy matched: cannot happen, but never let it through
        raise SignInRefused
    return account


def portal_activate(
    *, ctx: AccessContext, account: PortalAccount, code: str, password: str
) -> PortalAccount:
    """Use the one-time code (once) and set the person's password."""
    validate_password(password)
    with transaction.atomic():
        locked = PortalAccount.objects.select_for_update().get(pk=account.pk)
        fresh = (
            locked.code_hash and locked.code_expires_at and locked.code_expires_at > timezone.now()
        )
        if not fresh or not check_password(normalise_code(code), locked.code_hash):
            raise SignInRefused  # used meanwhile, or expired
        locked.code_hash = ""
        locked.code_expires_at = None
        locked.password = make_password(password)
        locked.activated_at = locked.activated_at or timezone.now()
        locked.disabled_at = None
        locked.failed_attempts = 0
        locked.locked_until = None
        locked.save()
        _clear_number(locked.person.id_number_index)  # the code is the way back in
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=locked.person,
            fields=("portal_account.password",),
        )
    return locked


def portal_authenticate(
    *, id_number: str, password: str, address: str | None = None
) -> PortalAccount:
    """The active account for this ID number and password, or SignInRefused / LockedOut.

    The same answer, after the same work (one password hash), whether or not the number is
    registered or has an account."""
    index, account = _lookup(id_number, address)
    usable = account is not None and account.is_active and bool(account.password)
    matched = check_password(password, account.password if usable else _dummy_hash())
    if not (usable and matched):
        _fail(index, address, account)
        raise SignInRefused
    if not account.totp_confirmed:
        _succeeded(account)
    return account


# --- the optional second factor ----------------------------------------------------------------


def _totp(secret: str) -> TOTP:
    return TOTP(base64.b32decode(secret), step=TOTP_STEP, digits=TOTP_DIGITS)


def totp_new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp_matches(account: PortalAccount, secret: str, token: str) -> int | None:
    """The time step a token matches (±1 step for clock drift), never an already used one."""
    token = token.strip().replace(" ", "")
    if not token.isdigit() or len(token) != TOTP_DIGITS:
        return None
    totp = _totp(secret)
    for drift in (0, -1, 1):
        totp.drift = drift
        if totp.token() == int(token) and totp.t() > account.totp_last_step:
            return totp.t()
    return None


def portal_totp_confirm(
    *, ctx: AccessContext, account: PortalAccount, secret: str, token: str
) -> PortalAccount:
    step = totp_matches(account, secret, token)
    if step is None:
        raise ValidationError({"token": _("This code is wrong or has expired.")})
    with transaction.atomic():
        account.totp_secret, account.totp_confirmed, account.totp_last_step = secret, True, step
        account.save(update_fields=["totp_secret", "totp_confirmed", "totp_last_step"])
        audit_record(
            ctx=ctx, action=AuditAction.UPDATE, obj=account.person, fields=("portal_account.totp",)
        )
    return account


def portal_totp_verify(*, account: PortalAccount, token: str, address: str | None = None) -> None:
    """The second step of signing in; failures count towards the same lock-out."""
    _check(_number_key(account.person.id_number_index))
    step = totp_matches(account, account.totp_secret, token)
    if step is None:
        record_failure(account, address)
        raise SignInRefused
    PortalAccount.objects.filter(pk=account.pk).update(totp_last_step=step)
    _succeeded(account)


def portal_totp_disable(*, ctx: AccessContext, account: PortalAccount) -> PortalAccount:
    with transaction.atomic():
        account.totp_secret, account.totp_confirmed = "", False
        account.save(update_fields=["totp_secret", "totp_confirmed"])
        audit_record(
            ctx=ctx, action=AuditAction.UPDATE, obj=account.person, fields=("portal_account.totp",)
        )
    return account


def portal_password_change(
    *, ctx: AccessContext, account: PortalAccount, old: str, new: str
) -> PortalAccount:
    if not check_password(old, account.password):
        raise ValidationError({"old": _("This is not your current password.")})
    validate_password(new)
    with transaction.atomic():
        account.password = make_password(new)
        account.save(update_fields=["password"])
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=account.person,
            fields=("portal_account.password",),
        )
    return account


# --- asking for a review ---------------------------------------------------------------------


def review_ask_create(*, ctx: AccessContext, reason: str) -> ReviewAsk:
    """The person asks, in their own words, for their risk category to be reviewed."""
    if not is_person_actor(ctx.actor):
        raise PermissionDenied("only the person asks through the portal")
    from kangfu.risk.selectors import person_risk

    person = Person.objects.select_related("township").get(pk=ctx.actor.person_id)
    risk = person_risk(person)
    if risk is None or risk.last_assessment_id is None:
        raise ValidationError(_("You have no risk category to review yet."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Please write a few words about why.")})
    if ReviewAsk.objects.filter(person=person, state=ReviewAskState.WAITING).exists():
        raise ValidationError(_("Your earlier request is still waiting to be registered."))
    if person.risk_review_requests.filter(state="open").exists():
        raise ValidationError(_("A review of your category is already under way."))
    with transaction.atomic():
        ask = ReviewAsk.objects.create(
            person=person, reason=reason[:2000], asked_on=timezone.localdate()
        )
        audit_record(
            ctx=ctx, action=AuditAction.CREATE, obj=person, fields=("risk_review_request",)
        )
    return ask


def review_ask_register(*, actor: User | AccessContext, ask: ReviewAsk) -> ReviewAsk:
    """Case staff register the person's portal request as a review request of the risk app,
    dated the day the person asked (the answer deadline runs from then)."""
    from kangfu.risk.services import review_request_create

    ctx = AccessContext.of(actor)
    with transaction.atomic():
        locked = ReviewAsk.objects.select_for_update().get(pk=ask.pk)
        if locked.state != ReviewAskState.WAITING:
            raise ValidationError(_("This request has already been registered."))
        request = review_request_create(
            actor=ctx, person=locked.person, reason=locked.reason, requested_on=locked.asked_on
        )
        locked.state = ReviewAskState.REGISTERED
        locked.review_request = request
        locked.registered_by = ctx.actor
        locked.registered_on = timezone.localdate()
        locked.save()
    return locked
