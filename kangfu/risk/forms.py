"""Forms of the risk pages. They check shapes; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kangfu.policy.choices import CRITERION_CODES, FREE_TEXT_CODES, CannotBeHeld
from kangfu.risk.choices import Delivery, ReviewOutcome
from kangfu.risk.record import CRITERION_FACTS


class DateField(forms.DateField):
    # A date input only accepts ISO dates, whatever the language formats dates as.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        **kwargs,
    )


def _fact_fields() -> dict[str, forms.Field]:
    return {
        "refuses_or_serious_breach": forms.BooleanField(
            label=_("Refuses the measure or seriously breaches the agreement"), required=False
        ),
        "cannot_be_held": forms.ChoiceField(
            label=_("Cannot for now be taken into custody or a facility because of"),
            required=False,
            choices=[
                ("", _("— does not apply —")),
                (CannotBeHeld.FOREIGN_OBJECT.value, _("swallowing foreign objects")),
                (CannotBeHeld.SELF_HARM.value, _("suicide or self-harm")),
                (CannotBeHeld.SERIOUS_ILLNESS.value, _("serious illness or disability")),
            ],
        ),
        "mental_disorder": forms.BooleanField(
            label=_("Diagnosed mental disorder, or mental abnormality / loss of control"),
            required=False,
        ),
        "incident_or_threat": forms.BooleanField(
            label=_("Earlier incident caused by drug use, or threatens revenge"), required=False
        ),
        "other_high_reason": _text(_("Other present danger (describe it)")),
        "pregnant_or_nursing": forms.BooleanField(
            label=_("Pregnant or nursing her own infant, so cannot for now be held"),
            required=False,
        ),
        "medical_leave_from_isolation": forms.BooleanField(
            label=_("On medical leave outside the isolation facility"), required=False
        ),
        "community_corrections": forms.BooleanField(
            label=_("Under community corrections"), required=False
        ),
        "released_from_prison_on": DateField(label=_("Released from prison on"), required=False),
        "released_from_isolation_on": DateField(
            label=_("Released from compulsory isolation on"), required=False
        ),
        "community_recovery_ordered": forms.BooleanField(
            label=_("Ordered into community recovery on that release"), required=False
        ),
        "other_medium_reason": _text(_("Other potential danger (describe it)")),
    }


class AssessmentForm(forms.Form):
    """The assessor's answers, and a note and document reference per criterion. Facts the
    record establishes are shown but disabled (their value comes from the record)."""

    def __init__(self, *args, from_record=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in _fact_fields().items():
            if name in from_record:
                field.disabled = True
            self.fields[name] = field
        for code in CRITERION_CODES:
            self.fields[f"note_{code}"] = _text(_("Evidence: note"))
            self.fields[f"doc_{code}"] = forms.CharField(
                label=_("Document reference"),
                required=False,
                max_length=200,
                help_text=_("For example a diagnosis, a decision number or a police record."),
            )
        self.from_record = set(from_record)

    def answers(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in _fact_fields() if name not in self.from_record}

    def evidence(self) -> dict:
        data = self.cleaned_data
        return {
            code: {"note": data.get(f"note_{code}", ""), "document": data.get(f"doc_{code}", "")}
            for code in CRITERION_CODES
        }

    def rows(self, texts: dict[str, str]) -> list[dict]:
        """One row per criterion for the template: its text, fact fields and evidence."""
        return [
            {
                "code": code,
                "text": texts.get(code, code),
                "facts": [self[name] for name in CRITERION_FACTS[code] if name in self.fields],
                "free_text": code in FREE_TEXT_CODES,
                "note": self[f"note_{code}"],
                "doc": self[f"doc_{code}"],
            }
            for code in CRITERION_CODES
        ]


def initial_for(assessment) -> dict:
    initial = dict(assessment.facts)
    for code, item in assessment.evidence.items():
        initial[f"note_{code}"] = item.get("note", "")
        initial[f"doc_{code}"] = item.get("document", "")
    return initial


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return to the assessor"))],
        widget=forms.RadioSelect,
    )
    comment = _text(_("Comment"), help_text=_("Required when returning the assessment."))


class HandoverForm(forms.Form):
    handed_over_on = DateField(label=_("Handed over on"))
    delivery = forms.ChoiceField(label=_("How"), choices=Delivery.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReviewRequestForm(forms.Form):
    requested_on = DateField(label=_("Requested on"))
    reason = _text(_("The person's reasons"))


class ReviewAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    answer = _text(_("Answer and its reasons"))
    answered_on = DateField(label=_("Answered on"))


class NotifyForm(forms.Form):
    notified_on = DateField(label=_("The person was told on"))
    delivery = forms.ChoiceField(label=_("How"), choices=Delivery.choices)


def today_initial(*fields: str) -> dict:
    return dict.fromkeys(fields, timezone.localdate())
