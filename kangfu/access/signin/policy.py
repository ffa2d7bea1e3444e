"""Who must use a second factor at sign-in."""

from __future__ import annotations

from django_otp import user_has_device

from kangfu.access.choices import Role
from kangfu.access.permissions import grants_with

# Supervisors see whole subtrees, administrators hold the keys to every account, and the
# emergency-access (break-glass) role opens records outside normal scope. Everyone else may
# opt in from their account page.
OTP_REQUIRED_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR, Role.EMERGENCY_ACCESS})
SESSION_NO_DEVICE = "kangfu_no_otp_device"


def second_factor_required(user) -> bool:
    return bool(grants_with(user, OTP_REQUIRED_ROLES))


def needs_second_factor(request) -> bool:
    """True when this signed-in session must still pass a TOTP check."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    if second_factor_required(user):
        return True
    # Opted-in users must use their device too; remember "no device" to spare a query.
    if request.session.get(SESSION_NO_DEVICE):
        return False
    if user_has_device(user, confirmed=True):
        return True
    request.session[SESSION_NO_DEVICE] = True
    return False
