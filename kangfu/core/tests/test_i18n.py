import functools
import shutil

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import EmailValidator
from django.test import override_settings
from django.utils import translation

from kangfu.core import i18n


def test_every_message_in_the_catalogue_has_a_chinese_translation():
    for po_path in i18n.catalogues():
        assert i18n.untranslated(po_path) == [], f"untranslated in {po_path}"


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    """Regenerate the catalogue from a copy of the sources; nothing may be missing."""
    root = i18n.LOCALE_DIR.parent
    for name in ("kangfu", "config", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages", locale=["zh_Hans"], no_obsolete=True, no_location=True, verbosity=0
        )
    missing = i18n.untranslated(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")
    assert missing == [], "run `make messages` and translate: " + ", ".join(missing[:20])


def test_the_compiled_catalogue_matches_the_source():
    for po_path in i18n.catalogues():
        mo = polib.mofile(str(po_path.with_suffix(".mo")))
        compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
        source = {
            (e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(po_path)) if not e.msgid_plural
        }
        assert {k: v for k, v in compiled.items() if k in source} == source


# Messages that come from code outside our catalogue (Django, its validators, the packages we
# install) or from validators attached to fields: the catalogue tests above cannot see
# whether Django's own zh_Hans catalogue covers them, so they are rendered under zh-hans and
# must come out in Chinese. Kangfu's forms and API serializers: tests/flows/test_messages.py.


def test_every_configured_password_validator_speaks_chinese(django_user_model):
    from django.contrib.auth import password_validation

    user = django_user_model(username="worker_a", first_name="小明", email="a@example.cn")
    messages = []
    for validator in password_validation.get_default_password_validators():
        # Called under each language in turn: these translate when called.
        messages.append(validator.get_help_text)
        if hasattr(validator, "get_error_message"):
            messages.append(validator.get_error_message)
        # And the message as a user gets it, from a password each validator refuses.
        refused = [
            functools.partial(_refusal, validator, password, user)
            for password in ("1", "password", "12345678901234", "worker_a1", "a@example.cn")
            if _refusal(validator, password, user)
        ]
        assert refused, f"no sample password trips {type(validator).__name__}: add one"
        messages.extend(refused)
    assert i18n.not_in_chinese(messages) == []


def _refusal(validator, password, user) -> str:
    try:
        validator.validate(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def test_django_auth_forms_speak_chinese():
    from django.contrib.auth import forms as auth_forms

    messages = []
    for form in (
        auth_forms.AuthenticationForm,
        auth_forms.PasswordChangeForm,
        auth_forms.SetPasswordForm,
        auth_forms.PasswordResetForm,
        auth_forms.AdminPasswordChangeForm,
    ):
        messages.extend(getattr(form, "error_messages", {}).values())
        for field in form.base_fields.values():
            messages.extend(i18n.messages_of(field))
            if field.label:
                messages.append(field.label)
    assert i18n.not_in_chinese(messages) == []


def test_every_model_field_error_and_validator_message_speaks_chinese():
    """Field errors (blank, null, invalid, unique, choices) and the messages of validators on
    model fields (MaxValueValidator, RegexValidator, Kangfu's own) of every Kangfu model."""
    messages = []
    for model in apps.get_models():
        if not model.__module__.startswith("kangfu."):
            continue
        for field in model._meta.get_fields():
            if field.concrete:
                messages.extend(i18n.messages_of(field))
    assert messages
    assert i18n.not_in_chinese(messages) == []


def test_the_check_catches_an_untranslated_validator():
    from django.core.validators import RegexValidator

    validator = RegexValidator(r"^\d+$", message="Only digits, please (no translation).")
    assert i18n.not_in_chinese(i18n.messages_of(validator)) == [
        "Only digits, please (no translation)."
    ]


@pytest.mark.parametrize("header", ["zh-CN", "zh-cn,zh;q=0.9", "zh-Hans-CN", "zh", "zh-TW", ""])
def test_every_way_a_browser_asks_for_chinese_gets_the_zh_hans_catalogues(client, header):
    """LANGUAGE_CODE zh-hans maps to the zh_Hans folders (ours, Django's, DRF's) whatever
    the browser sends; Django's own strings come from its catalogue, ours from ours."""
    assert translation.to_locale(settings.LANGUAGE_CODE) == "zh_Hans"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page
    assert i18n.not_in_chinese([EmailValidator.message]) == []  # from Django's catalogue
