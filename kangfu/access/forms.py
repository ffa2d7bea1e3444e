"""Forms for the purpose prompt, disclosures and the audit list filters."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import (
    PROMPT_PURPOSES,
    AccessPurpose,
    AuditAction,
    DataCategory,
    LegalBasis,
)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose of access"),
        choices=[(p.value, p.label) for p in PROMPT_PURPOSES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the purpose is “Other”."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("purpose") == AccessPurpose.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("Explain the purpose of access."))
        return cleaned


class DisclosureForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient organisation or department"), max_length=200)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    basis_reference = forms.CharField(
        label=_("Provision or consent reference"),
        max_length=200,
        help_text=_("For example the article of law, or the number of the signed consent form."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    disclosed_on = forms.DateField(
        label=_("Date of disclosure"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_disclosed_on(self):
        value = self.cleaned_data["disclosed_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value


FLAG_CHOICES = [
    ("", _("All events")),
    ("many", _("Many persons outside the caseload in a day")),
    ("night", _("At night (22:00–06:00)")),
    ("unreviewed", _("Emergency access not yet reviewed")),
]


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("Staff account"), max_length=150, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All actions")), *AuditAction.choices], required=False
    )
    person = forms.UUIDField(label=_("Record"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), choices=FLAG_CHOICES, required=False)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), max_length=500, required=False)
