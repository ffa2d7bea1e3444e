"""Catalogue upkeep without GNU msgfmt: `python -m kangfu.core.i18n compile`.

The compiled .mo files are committed so that `make demo` needs no gettext tools.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polib
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def untranslated(po_path: Path) -> list[str]:
    """msgids with no translation, or only a fuzzy (unchecked) one."""
    po = polib.pofile(str(po_path))
    return [entry.msgid for entry in po if entry.msgid and (not entry.translated() or entry.fuzzy)]


# Han characters and full-width punctuation: a message rendered in Chinese has some.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


class _AnyParams(dict):
    """Fills every ``%(name)s`` of a message with 1, to read its text without real values."""

    def __missing__(self, key: str) -> int:
        return 1


def render(message: Any) -> str:
    """A (lazy) message as the user would read it in the active language, placeholders
    filled; plural messages (``ngettext_lazy`` with a named number) pick their form too.
    A callable is called first, for code that translates eagerly (Django's password
    validators build their messages with ``ngettext`` at the call)."""
    if callable(message):
        message = message()
    try:
        return str(message % _AnyParams())
    except (TypeError, ValueError, KeyError):
        return str(message)


def messages_of(obj: Any) -> Iterator[Any]:
    """The error messages a form, model or serializer field (or a validator) can show:
    its ``error_messages`` and the ``message`` of each of its validators."""
    yield from getattr(obj, "error_messages", {}).values()
    if getattr(obj, "message", None) is not None:
        yield obj.message
    for validator in getattr(obj, "validators", ()):
        if getattr(validator, "message", None) is not None:
            yield validator.message


def not_in_chinese(messages: Iterable[Any]) -> list[str]:
    """The messages (in English, for the report) that do not render in Chinese under
    zh-hans: no Han character, or the very text English shows."""
    missing = []
    for message in messages:
        with translation.override("zh-hans"):
            chinese = render(message)
        with translation.override("en"):
            english = render(message)
        if not _CHINESE.search(chinese) or chinese == english:
            missing.append(english)
    return sorted(set(missing))


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE_DIR.parent)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["compile"]:
        compile_all()
    else:
        sys.exit("usage: python -m kangfu.core.i18n compile")
