from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.api.scopes import scope_choices


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        help_text=_("What the token is for, e.g. 'lab upload'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=scope_choices, widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
