"""The person form: every message names its field and is in the user's language."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import Role
from kangfu.access.models import Jurisdiction, User
from kangfu.people import idnumber
from kangfu.people.choices import Sex
from kangfu.people.services import PersonData

# Mainland mobile numbers, or a landline with its area code (010-12345678).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    former_names = forms.CharField(
        label=_("Former names"),
        max_length=200,
        required=False,
        help_text=_("Separate several names with commas."),
    )
    id_number = forms.CharField(label=_("Resident ID number"), max_length=25)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", _("Take from the ID number")), *Sex.choices],
        required=False,
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("Left empty, it is taken from the ID number."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    hukou_place = forms.CharField(label=_("Household registration place"), max_length=100)
    residence_place = forms.CharField(label=_("Place of residence"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    township = forms.ModelChoiceField(label=_("Managing township"), queryset=None)
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, townships: list, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Jurisdiction.objects.filter(
            pk__in=[t.pk for t in townships]
        )
        self.fields["township"].empty_label = None
        if editing:
            # Moving a person to another township is a transfer, not an edit.
            del self.fields["township"]
        self.fields["caseworker"].queryset = (
            User.objects.filter(
                is_active=True,
                grants__role=Role.CASEWORKER,
                grants__jurisdiction__in=townships,
            )
            .distinct()
            .order_by("username")
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise ValidationError(_("Enter the full name (at least two characters)."))
        return name

    def clean_id_number(self) -> idnumber.IdNumber:
        return idnumber.parse(self.cleaned_data["id_number"], today=timezone.localdate())

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(
                _("Enter an 11-digit mobile number or a landline with its area code.")
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        number: idnumber.IdNumber | None = cleaned.get("id_number")
        if number is None:
            return cleaned
        if cleaned.get("sex") and cleaned["sex"] != number.sex:
            self.add_error("sex", _("The sex does not match the ID number."))
        if cleaned.get("birth_date") and cleaned["birth_date"] != number.birth_date:
            self.add_error("birth_date", _("The date of birth does not match the ID number."))
        return cleaned

    def person_data(self) -> PersonData:
        c = self.cleaned_data
        number: idnumber.IdNumber = c["id_number"]
        return PersonData(
            name=c["name"],
            former_names=c.get("former_names", ""),
            sex=c.get("sex") or number.sex,
            birth_date=c.get("birth_date") or number.birth_date,
            id_number=number.value,
            phone=c.get("phone", ""),
            hukou_place=c["hukou_place"],
            residence_place=c.get("residence_place", ""),
            address=c.get("address", ""),
        )


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or ID number"), required=False, max_length=30)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("All")), *Sex.choices], required=False)
    township = forms.TypedChoiceField(
        label=_("Township"), coerce=int, empty_value=None, required=False
    )
    mine = forms.BooleanField(label=_("My caseload only"), required=False)
    measure = forms.ChoiceField(label=_("Measure"), required=False)
    measure_state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    caseworker = forms.TypedChoiceField(
        label=_("Caseworker"), coerce=int, empty_value=None, required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # Chosen by the column headings (links), so the values need no label.
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, townships: list, columns=None, caseworkers=(), sorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("measure", "measure_state", "category"):
            self.fields[name].choices = [("", _("All")), *(columns or {}).get(name, [])]
        self.fields["caseworker"].choices = [
            ("", _("All")),
            *((u.pk, str(u)) for u in caseworkers),
        ]
        self.fields["sort"].choices = [("", "")] + [
            (f"{sign}{key}", key) for key in sorts for sign in ("", "-")
        ]
        # Choices from the list the view already loaded: no second query to render them.
        self.fields["township"].choices = [
            ("", _("All townships")),
            *((t.pk, t.name) for t in townships),
        ]
        if len(townships) < 2:
            del self.fields["township"]


class BreakGlassForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=25)
    reason = forms.CharField(
        label=_("Reason for emergency access"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who asked, what the emergency is, and why the record is needed now."),
    )

    def clean_id_number(self) -> idnumber.IdNumber:
        return idnumber.parse(self.cleaned_data["id_number"], today=timezone.localdate())
