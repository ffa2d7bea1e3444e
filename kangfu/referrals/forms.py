"""Forms of the directory and of each referral step; the services validate the rest."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import DataCategory
from kangfu.access.models import Department
from kangfu.cases.forms import DateField
from kangfu.referrals.choices import REFERRAL_CATEGORIES, CloseReason, Outcome, ServiceKind


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of service"), choices=ServiceKind.choices)
    offers = forms.CharField(
        label=_("What it offers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    contact = forms.CharField(
        label=_("Contact (office phone, address)"), max_length=300, required=False
    )
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    capacity = forms.IntegerField(
        label=_("Places available"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty if not limited."),
    )
    department = forms.ModelChoiceField(
        label=_("Partner department (receives referrals in Kangfu)"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Only for a government department whose officers use Kangfu."),
    )
    active = forms.BooleanField(label=_("Taking referrals"), required=False, initial=True)

    def __init__(self, *args, jurisdictions=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments
        if jurisdictions is not None:
            self.fields["jurisdiction"] = forms.ModelChoiceField(
                label=_("Directory of"), queryset=jurisdictions
            )
            self.order_fields(["jurisdiction"])

    def provider_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "jurisdiction"}


class ProposeForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Service"), queryset=None)
    need = forms.CharField(
        label=_("What the person needs (shared with the organisation)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only, never shared)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


def category_field(**kwargs) -> forms.MultipleChoiceField:
    labels = dict(DataCategory.choices)
    kwargs.setdefault("label", _("Data the person agrees to share"))
    return forms.MultipleChoiceField(
        choices=[(c.value, labels[c.value]) for c in REFERRAL_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        initial=[
            DataCategory.IDENTITY.value,
            DataCategory.CONTACT.value,
            DataCategory.SUPPORT.value,
        ],
        **kwargs,
    )


class ConsentForm(forms.Form):
    categories = category_field()
    reference = forms.CharField(label=_("Number of the signed consent form"), max_length=200)
    consented_on = DateField(label=_("Signed on"))


class SendForm(forms.Form):
    sent_on = DateField(label=_("Sent on"))


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (when declining)"), max_length=300, required=False)


class StartForm(forms.Form):
    started_on = DateField(label=_("Started on"))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    outcome_on = DateField(label=_("Date"))
    amount = forms.DecimalField(
        label=_("Amount granted (yuan)"),
        required=False,
        min_value=0,
        max_value=Decimal("99999999.99"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Only for assistance granted."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=CloseReason.choices)
    closed_on = DateField(label=_("Closed on"))
