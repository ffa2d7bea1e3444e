"""Portal forms: short, labelled, with the phone's keyboards in mind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.cases.forms import DateField
from kangfu.referrals.forms import category_field


class SignInForm(forms.Form):
    id_number = forms.CharField(
        label=_("Your resident ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class ActivateForm(forms.Form):
    id_number = forms.CharField(
        label=_("Your resident ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("One-time code (on the paper from your caseworker)"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 10 characters. Not only numbers."),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class PasswordChangeForm(forms.Form):
    old = forms.CharField(
        label=_("Current password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("New password"),
        help_text=_("At least 10 characters. Not only numbers."),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class LeaveForm(forms.Form):
    leaves_on = DateField(label=_("Day you leave"))
    returns_on = DateField(label=_("Day you come back"))
    destination_county = forms.CharField(
        label=_("Where you are going (county or city only)"),
        max_length=60,
        help_text=_("Only the county or city, for example 某某县. Never an address."),
    )
    reason = forms.CharField(label=_("Why you are going"), max_length=300)
    long_reason = forms.CharField(
        label=_("Why you need so long (for a long leave)"),
        max_length=300,
        required=False,
        help_text=_("Needed only when you will be away for a long time, e.g. over 90 days."),
    )

    def clean(self):
        data = super().clean()
        leaves, returns = data.get("leaves_on"), data.get("returns_on")
        if leaves and returns and returns < leaves:
            self.add_error("returns_on", _("The day you come back cannot be before you leave."))
        return data


class ReviewAskForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you think your category should be reviewed"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )


class ConsentForm(forms.Form):
    categories = category_field(
        label=_("What may be shared (your name and what you need are always shared)"),
        required=False,
    )
    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("agree", _("I agree")), ("refuse", _("I do not agree"))],
        widget=forms.RadioSelect,
    )


class ExplanationForm(forms.Form):
    text = forms.CharField(
        label=_("What you want to say"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Say what happened and why. If you had a good reason (illness, a test moved by "
            "staff, work, a written report you made), say so; bring any proof to your caseworker."
        ),
    )
