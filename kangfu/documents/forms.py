"""Forms of the document pages: they check shapes; the service checks the file's content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kangfu.cases.forms import DateField
from kangfu.documents.choices import DocumentKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG, at most 10 MB)"),
        # A hint to the browser's file picker only: the server checks the content.
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}
        ),
        help_text=_("Stored encrypted; every opening is recorded in the person's access history."),
    )
    signed_on = DateField(
        label=_("Signed on (for a signed agreement)"),
        required=False,
        help_text=_(
            "A signed agreement records the signature of the newest agreement version "
            "on this day (today when left empty)."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=300,
        help_text=_(
            "The record stays with who withdrew it and why; the stored file is erased and "
            "can no longer be opened."
        ),
    )
