"""Forms for case work. They check shapes; the services check the law. A service's
``ValidationError`` keyed by a field lands on that field (``apply_errors``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import Level, Role
from kangfu.access.models import Jurisdiction, User
from kangfu.cases.choices import (
    LIVE_STATES as LIVE_MEASURE_STATES,
)
from kangfu.cases.choices import TERMINATING_KINDS, ExternalKind, MeasureKind, TransferReason


class DateField(forms.DateField):
    # A date input only accepts ISO dates, whatever the language formats dates as.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors on the form: on the named field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def townships() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Jurisdiction.objects.filter(level=Level.TOWNSHIP).order_by("path"),
        label=_("Township"),
    )


class CaseOpenForm(forms.Form):
    responsible = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.filter(level__in=[Level.TOWNSHIP, Level.COUNTY]),
        label=_("Responsible jurisdiction (household registration)"),
    )
    co_managing = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.filter(level__in=[Level.TOWNSHIP, Level.COUNTY]),
        label=_("Co-managing jurisdiction (residence)"),
        required=False,
        help_text=_("Only when the person lives outside the responsible jurisdiction."),
    )
    opened_on = DateField(label=_("Opened on"))


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of measure"), choices=MeasureKind.choices)
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    deciding_authority = forms.CharField(label=_("Deciding authority"), max_length=100)
    decided_on = DateField(label=_("Decision date"))
    received_on = DateField(label=_("Decision received on"))
    term_months = forms.IntegerField(
        label=_("Term in months"),
        required=False,
        min_value=1,
        max_value=36,
        help_text=_("For community recovery: required, as the decision sets it."),
    )
    credited_days = forms.IntegerField(
        label=_("Days already served in compulsory isolation"),
        required=False,
        min_value=0,
        max_value=1098,
        help_text=_(
            "Only for a conversion from medical leave during compulsory isolation to "
            "community treatment (Drug Rehabilitation Regulations art. 31): these days count "
            "towards the term."
        ),
    )

    def clean_credited_days(self):
        return self.cleaned_data.get("credited_days") or 0

    def clean(self):
        data = super().clean()
        decided, received = data.get("decided_on"), data.get("received_on")
        if decided and received and received < decided:
            self.add_error("received_on", _("The decision cannot be received before it was made."))
        return data


class ReportForm(forms.Form):
    reported_on = DateField(label=_("Reported on"))
    late_reason = forms.CharField(
        label=_("Good reason for reporting late"),
        max_length=300,
        required=False,
        help_text=_("Only when the person reported after the deadline."),
    )


class RefuseForm(forms.Form):
    found_on = DateField(label=_("Recorded on"))


class SuspendForm(forms.Form):
    detained_on = DateField(label=_("Detained or arrested on"))
    authority = forms.CharField(label=_("Authority"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ResumeForm(forms.Form):
    released_on = DateField(label=_("Released on"))


class TerminateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Reason"),
        choices=[(k.value, k.label) for k in ExternalKind if k in TERMINATING_KINDS],
    )
    starts_on = DateField(label=_("Starting on"))
    authority = forms.CharField(label=_("Authority"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ConfirmForm(forms.Form):
    """An action that needs no input beyond the decision to take it."""


class CloseForm(forms.Form):
    closed_on = DateField(label=_("Closed on"))


class SignForm(forms.Form):
    signed_on = DateField(label=_("Signed on"))


class LeaveForm(forms.Form):
    submitted_on = DateField(label=_("Written report received on"))
    leaves_on = DateField(label=_("Leaves on"))
    returns_on = DateField(label=_("Returns on"))
    destination_county = forms.CharField(
        label=_("Destination county"),
        max_length=60,
        help_text=_("The county (city, district) only, never an address."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    long_reason = forms.CharField(
        label=_("Reason for the length"),
        max_length=300,
        required=False,
        help_text=_("Required for a leave longer than the pack allows without one."),
    )

    def clean(self):
        data = super().clean()
        leaves, returns = data.get("leaves_on"), data.get("returns_on")
        if leaves and returns and returns < leaves:
            self.add_error("returns_on", _("The return cannot be before leaving."))
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Required when refusing."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why."))
        return data


class AbsenceForm(forms.Form):
    first_day = DateField(
        label=_("Left the county on"),
        help_text=_(
            "Only time away of 3 days or more without a written report counts as leaving "
            "without permission; the day of leaving is not counted."
        ),
    )
    last_day = DateField(label=_("Came back on"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=300,
        help_text=_("Nothing is deleted: the history shows what was withdrawn, by whom and why."),
    )


class NoticeForm(forms.Form):
    notified_on = DateField(
        label=_("Notice given to the person on"),
        help_text=_("From this day the person may explain for the period the rules set."),
    )


class ExplanationForm(forms.Form):
    text = forms.CharField(
        label=_("The person's explanation (statement and defence)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    explained_on = DateField(label=_("Given on"))


class FindingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the finding")), ("reject", _("Reject the finding"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decided_on = DateField(label=_("Decided on"))


class CorrectionForm(forms.Form):
    told_on = DateField(label=_("Public security told on"))


class TransferReportForm(forms.Form):
    reported_on = DateField(label=_("Reported at the new township on"))


class FindingReportForm(forms.Form):
    reported_on = DateField(label=_("Reported on"))
    recipient = forms.CharField(
        label=_("Public-security office"), max_length=200, initial=_("Local police station")
    )


class TransferForm(forms.Form):
    to_township = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.filter(level=Level.TOWNSHIP).order_by("path"),
        label=_("Receiving township"),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=TransferReason.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TransferDecideForm(DecideForm):
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, township: Jurisdiction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [("approve", _("Accept")), ("refuse", _("Decline"))]
        self.fields["caseworker"].queryset = (
            User.objects.filter(
                is_active=True, grants__role=Role.CASEWORKER, grants__jurisdiction=township
            )
            .distinct()
            .order_by("username")
        )


class LegalHoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CaseloadForm(forms.Form):
    """The caseload's filters and sort. Choices come from lists the view already loaded."""

    mine = forms.TypedChoiceField(
        label=_("Whose cases"),
        choices=[("1", _("My cases")), ("0", _("All cases I can see"))],
        required=False,
    )
    measure = forms.ChoiceField(
        label=_("Measure"), choices=[("", _("All")), *MeasureKind.choices], required=False
    )
    measure_state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All")), *((s.value, s.label) for s in LIVE_MEASURE_STATES)],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[
            ("", _("All")),
            ("high", _("High risk")),
            ("medium", _("Medium risk")),
            ("low", _("Low risk")),
        ],
        required=False,
    )
    caseworker = forms.TypedChoiceField(
        label=_("Caseworker"), coerce=int, empty_value=None, required=False
    )
    township = forms.TypedChoiceField(
        label=_("Township"), coerce=int, empty_value=None, required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, townships: list, caseworkers: list, sorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].choices = [
            ("", _("All")),
            *((u.pk, u.display_name or u.username) for u in caseworkers),
        ]
        self.fields["township"].choices = [
            ("", _("All townships")),
            *((t.pk, t.name) for t in townships),
        ]
        # Chosen by the column headings (links), so the values need no label.
        self.fields["sort"].choices = [("", "")] + [
            (f"{sign}{key}", key) for key in sorts for sign in ("", "-")
        ]
        if len(townships) < 2:
            del self.fields["township"]
