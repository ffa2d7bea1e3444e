"""Every message a form, an API serializer or the API's errors can show renders in Chinese.

The catalogue tests (kangfu/core/tests/test_i18n.py) see the strings of Kangfu's own code;
these are the messages that come from Django, DRF and the validators on fields, which only
show whether they are translated when rendered under zh-hans. A new form field, serializer
field or validator whose message is not translated fails here.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from rest_framework import exceptions, fields, pagination, serializers
from rest_framework.utils import formatting

import kangfu
from kangfu.api import exceptions as api_exceptions
from kangfu.core import i18n


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(kangfu.__path__, "kangfu."):
        if any(part in info.name for part in (".tests", ".migrations", ".management")):
            continue
        importlib.import_module(info.name)


def _subclasses(cls) -> list[type]:
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("kangfu."):
                found.append(sub)
    return found


@pytest.fixture(scope="module")
def kangfu_classes():
    _import_every_module()
    return {
        "forms": _subclasses(forms.BaseForm),
        "serializers": _subclasses(serializers.BaseSerializer),
        "exceptions": _subclasses(exceptions.APIException),
    }


def test_every_form_field_message_speaks_chinese(kangfu_classes):
    assert len(kangfu_classes["forms"]) > 20
    messages = []
    for form in kangfu_classes["forms"]:
        for field in form.base_fields.values():
            messages.extend(i18n.messages_of(field))
    assert i18n.not_in_chinese(messages) == []


def _serializer_fields(serializer_class):
    try:
        serializer = serializer_class()
    except TypeError:  # a serializer that needs arguments is not one the API exposes bare
        return []
    if isinstance(serializer, serializers.ListSerializer):
        return []
    found = []
    for field in serializer.fields.values():
        found.append(field)
        child = getattr(field, "child", None)
        if child is not None:
            found.append(child)
    return found


def test_every_api_serializer_field_message_speaks_chinese(kangfu_classes):
    assert len(kangfu_classes["serializers"]) > 10
    messages = []
    for serializer_class in kangfu_classes["serializers"]:
        for field in _serializer_fields(serializer_class):
            # DRF's bound validators carry lazy_format messages made from error_messages
            # (checked here) and frozen in the language of their first use: skip those.
            messages.extend(
                m for m in i18n.messages_of(field) if not isinstance(m, formatting.lazy_format)
            )
    assert i18n.not_in_chinese(messages) == []


def test_every_drf_field_kind_speaks_chinese():
    """DRF's field classes (the ones a new serializer field would use), bounds included."""
    messages = []
    for name in dir(fields):
        cls = getattr(fields, name)
        if isinstance(cls, type) and issubclass(cls, fields.Field):
            for klass in cls.__mro__:
                messages.extend(getattr(klass, "default_error_messages", {}).values())
    assert i18n.not_in_chinese(messages) == []


def test_every_api_error_speaks_chinese(kangfu_classes):
    """Not found, not authenticated, throttled (429), bad cursor, and Kangfu's 409/412/428."""
    messages = [pagination.CursorPagination.invalid_cursor_message]
    messages.append(pagination.PageNumberPagination.invalid_page_message)
    for cls in [*_subclasses_of_drf(), *kangfu_classes["exceptions"]]:
        messages.append(cls.default_detail)
    messages.append(exceptions.Throttled.extra_detail_plural)
    messages.extend(api_exceptions.TITLES.values())  # the problem+json titles
    assert i18n.not_in_chinese(messages) == []


def _subclasses_of_drf():
    found, todo = [], [exceptions.APIException]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(sub for sub in cls.__subclasses__() if sub.__module__ == exceptions.__name__)
    return found
