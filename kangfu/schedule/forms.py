"""Forms of the schedule pages: shapes only; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kangfu.cases.forms import DateField, townships
from kangfu.schedule.choices import AppointmentState, Result, Sample


class TestForm(forms.Form):
    taken_on = DateField(label=_("Taken on"))
    sample = forms.ChoiceField(label=_("Sample"), choices=Sample.choices)
    screen_result = forms.ChoiceField(
        label=_("On-site screen result"), choices=Result.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DelegatedTestForm(forms.Form):
    taken_on = DateField(label=_("Taken on"))
    screen_result = forms.ChoiceField(
        label=_("On-site screen result"), choices=Result.choices, widget=forms.RadioSelect
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("appointment", "Outcome"),
        choices=[(s.value, s.label) for s in AppointmentState if s != AppointmentState.PLANNED],
        widget=forms.RadioSelect,
        help_text=_(
            "A missed or refused test counts towards the serious-breach threshold "
            "(art. 20). Choose “excused” when there was a good reason, and give it."
        ),
    )
    on = DateField(label=_("Date"))
    note = forms.CharField(label=_("Note or good reason"), max_length=300, required=False)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    result_on = DateField(label=_("Result received on"))


class RetestRequestForm(forms.Form):
    requested_on = DateField(
        label=_("Re-test requested on"),
        help_text=_("Within 3 days of the person being told the lab result."),
    )


class ConsentForm(forms.Form):
    given_on = DateField(label=_("Consent given on"))
    ends_on = DateField(label=_("Consent covers until"), help_text=_("At most three years."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DelegationForm(forms.Form):
    to_township = townships()
    sample = forms.ChoiceField(label=_("Sample"), choices=Sample.choices)
    due_by = DateField(label=_("To be taken by"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_township"].label = _("Township asked to take the test")


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300)
