"""Strings of Django, django-axes, django-otp and DRF that their own catalogues lack in Chinese.

Listed here with ``gettext_noop`` so that ``make messages`` keeps them in our catalogue,
where the administrator's screens find them (LOCALE_PATHS comes first). Nothing imports
this module; it exists for the message extractor only.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

STRINGS = (
    # django-axes: models and admin
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    # Django's admin (hidden labels newer than its zh_Hans catalogue)
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Model name"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-axes: what a locked-out client is told (JSON and plain answers)
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop(
        "Account locked: too many login attempts. Contact an admin to unlock your account."
    ),
    gettext_noop("Cleaned up {count} expired access attempts."),
    # django-otp: it ships no Chinese catalogue at all (forms, admin, device errors)
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Please enter your authentication code."),
    gettext_noop("Incorrect authentication code. Please try again."),
    gettext_noop("Error generating challenge: {0}"),
    gettext_noop("The selected OTP device is not interactive"),
    gettext_noop("OTP Challenge: {0}"),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    ngettext_lazy(
        "Verification temporarily disabled because of %(failure_count)d failed attempt, "
        "please try again soon.",
        "Verification temporarily disabled because of %(failure_count)d failed attempts, "
        "please try again soon.",
        "failure_count",
    ),
    gettext_noop("Verification of the token is currently disabled"),
    gettext_noop("Please select a device."),
    gettext_noop(
        "Token generation cooldown period has not expired yet. Next generation allowed %s."
    ),
    gettext_noop("Token generation is not allowed at this time"),
    gettext_noop("sent by email"),
    gettext_noop("Please correct the errors below."),
    gettext_noop("OTP Device:"),
    gettext_noop("OTP Token:"),
    gettext_noop("Get OTP Challenge"),
    # Django 5.2 changed this msgid (%d for %(min_length)d); its zh_Hans catalogue lags.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    # Django's own Chinese, where it reads stiffly (our catalogue comes first)
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both "
        "fields may be case-sensitive."
    ),
    gettext_noop("This account is inactive."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    # Django REST framework: field errors its zh_Hans catalogue lacks
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
)
