"""Choice labels by a dictionary lookup, for models whose labels are shown in long lists."""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str


class QuickChoiceLabels:
    """Model mixin: ``get_FOO_display()`` looks the label up in a dictionary built once.

    Django's own version rebuilds a dictionary of every choice on each call, hashing each
    lazily translated label, which translates it: 40 choices × 20 rows of a history table is
    800 translations for 20 labels (issue 14, "Load"). Same result: the label of the value in
    the active language, or the value itself when it is not a choice. List it before
    ``models.Model`` in the bases.
    """

    def _get_FIELD_display(self, field) -> Any:
        labels = field.__dict__.get("_quick_labels")
        if labels is None:
            labels = field._quick_labels = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
