import shutil

import polib
from django.core.management import call_command
from django.test import override_settings

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
