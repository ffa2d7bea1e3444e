"""Every form of kangfu/*/forms.py, walked field by field with hostile values.

No value raises (a 500); text over its limit or holding a NUL, a number past its bounds and
anything that is not one of a choice field's options is a form error on that very field,
with a message. Dates are only checked not to crash here: their domain (not before the
measure, not in the future …) depends on the record and is enforced by the services,
which the API walk (kangfu/api/tests/test_hostile_input.py) and the service tests cover.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib

import pytest
from django import forms

import kangfu

HOSTILE = {
    "overflow": "9" * 30,
    "negative": "-99999999999",
    "year-1": "0001-01-01",
    "year-9999": "9999-12-31",
    "long": "长" * 10_000,
    "nul": "a\x00b",
    "zero-width-rtl": "\u200b\u202e\u2066",
    "emoji": "😀",
}
TEXT_REFUSED = ("long", "nul")
NUMBER_REFUSED = ("overflow", "negative", "long", "nul", "emoji")


def form_classes():
    root = pathlib.Path(kangfu.__file__).parent
    for path in sorted(root.glob("*/forms.py")):
        module = importlib.import_module(f"kangfu.{path.parent.name}.forms")
        for name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
                and not name.startswith("_")
            ):
                yield pytest.param(cls, id=f"{path.parent.name}.{name}")


def kwargs_for(cls, tree) -> dict:
    from kangfu.access.models import Department, Jurisdiction
    from kangfu.referrals.models import ServiceProvider

    known = {
        "township": tree.a,
        "townships": [tree.a],
        "jurisdictions": Jurisdiction.objects.filter(pk=tree.a.pk),
        "departments": Department.objects.all(),
        "providers": ServiceProvider.objects.all(),
        "from_record": (),
        "caseworkers": [],
        "sorts": ("opened_on", "next_due"),
    }
    given = {}
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.kind is not param.KEYWORD_ONLY:
            continue
        if param.name in known:
            given[param.name] = known[param.name]
        else:
            assert param.default is not param.empty, (
                f"{cls.__name__}: add a value for {param.name!r} to the hostile-form walk"
            )
    return given


def expectation(field: forms.Field, name: str) -> bool:
    """Whether ``name`` must be refused by ``field`` itself."""
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return True
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return name in NUMBER_REFUSED
    if isinstance(field, forms.CharField):
        return name in TEXT_REFUSED
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("cls", list(form_classes()))
def test_it_walks_every_form_with_hostile_values(cls, tree):
    kwargs = kwargs_for(cls, tree)
    for field_name, field in cls(**kwargs).fields.items():
        if isinstance(field, forms.BooleanField | forms.FileField):
            continue
        for name, value in HOSTILE.items():
            form = cls({field_name: value}, **kwargs)
            form.is_valid()  # must not raise
            if expectation(field, name):
                messages = form.errors.get(field_name)
                assert messages, f"{cls.__name__}.{field_name} accepted {name}"
                assert all(str(m).strip() for m in messages)
