"""Catalogue upkeep without GNU msgfmt: `python -m kangfu.core.i18n compile`.

The compiled .mo files are committed so that `make demo` needs no gettext tools.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def untranslated(po_path: Path) -> list[str]:
    """msgids with no translation, or only a fuzzy (unchecked) one."""
    po = polib.pofile(str(po_path))
    return [entry.msgid for entry in po if entry.msgid and (not entry.translated() or entry.fuzzy)]


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE_DIR.parent)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["compile"]:
        compile_all()
    else:
        sys.exit("usage: python -m kangfu.core.i18n compile")
