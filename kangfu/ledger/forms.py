from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.access.forms import PurposeForm


class UploadForm(forms.Form):
    township = forms.TypedChoiceField(label=_("Township"), coerce=int)
    file = forms.FileField(
        label=_("Filled-in ledger (.xlsx)"),
        help_text=_("Every row is checked first; nothing is imported until you confirm."),
    )

    def __init__(self, *args, townships: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]


class ExportForm(PurposeForm):
    """Why the list leaves Kangfu: every export is a disclosure (戒毒条例 art. 7)."""
