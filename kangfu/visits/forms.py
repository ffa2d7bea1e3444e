"""Forms of the visits app. They check shapes; the services check dates against the record
and the staff against the township (``cases.forms.apply_errors`` puts a service's errors on
the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import User
from kangfu.cases.forms import DateField
from kangfu.visits import services
from kangfu.visits.choices import Place


class VisitForm(forms.Form):
    visited_on = DateField(label=_("Date of the visit"))
    place = forms.ChoiceField(label=_("Where"), choices=Place.choices, widget=forms.RadioSelect)
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff present"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others_present = forms.CharField(
        label=_("Others present"),
        max_length=services.OTHERS_MAX,
        required=False,
        help_text=_("Family members, an employer, a doctor … as the note needs them."),
    )
    note = forms.CharField(
        label=_("Notes of the conversation"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What was talked about. Kept encrypted; only the caseworkers and officers of "
            "the township read it, never the person's portal."
        ),
    )
    follow_up_task = forms.CharField(
        label=_("Follow-up task"), max_length=services.TASK_MAX, required=False
    )
    follow_up_due = DateField(label=_("Follow-up due by"), required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(pk__in=[u.pk for u in staff]).order_by(
            "username"
        )

    def clean(self):
        data = super().clean()
        task, due = data.get("follow_up_task"), data.get("follow_up_due")
        if task and not due and "follow_up_due" not in self.errors:
            self.add_error("follow_up_due", _("Give the day it is to be done by."))
        if due and not task and "follow_up_task" not in self.errors:
            self.add_error("follow_up_task", _("Say what is to be done."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        follow_ups = []
        if data.get("follow_up_task"):
            follow_ups.append((data["follow_up_task"], data.get("follow_up_due")))
        return {
            "visited_on": data["visited_on"],
            "place": data["place"],
            "staff": list(data.get("staff") or ()),
            "others_present": data.get("others_present", ""),
            "note": data.get("note", ""),
            "follow_ups": follow_ups,
        }


class FollowUpForm(forms.Form):
    task = forms.CharField(label=_("Follow-up task"), max_length=services.TASK_MAX)
    due_on = DateField(label=_("Follow-up due by"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Entered by mistake? Say why. The visit stays on the record, struck through."),
    )
