"""Resident ID numbers (居民身份证号码) per GB 11643-1999.

18 characters: a 6-digit region code (GB/T 2260), the birth date YYYYMMDD, a 3-digit
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (0-9 or X).
Legacy 15-digit numbers (YYMMDD, 19xx births, no check character) are converted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260, plus 81/82/83 used by residence permits of Hong Kong,
# Macao and Taiwan residents. Region codes below province level are not checked against a
# list: ID numbers keep the code of the county that issued them, including counties since
# merged or renamed, so a current list would refuse real people.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
PERMIT_CODES = frozenset({"81", "82", "83"})
EARLIEST_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    converted_from_legacy: bool = False


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _fold_char(char: str) -> str:
    """One character after NFKC: any Unicode decimal digit becomes its ASCII digit, format
    characters (zero-width spaces, joiners, RTL/LTR marks) and white space disappear."""
    if char.isspace() or unicodedata.category(char) == "Cf":
        return ""
    if not char.isascii():
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            return str(digit)
    return char


def normalize(raw: str) -> str:
    """The canonical form of a typed number, before validation and before the blind index.

    NFKC folds full-width digits and letters (１２３Ｘ), superscripts and circled digits to
    their plain forms; other scripts' decimal digits (Arabic-Indic, Devanagari, ...) are
    folded to ASCII; white space and invisible format characters are dropped. Anything
    left that is not ASCII is kept, so validation refuses it with a message.
    """
    raw = raw or ""
    if raw.isascii():
        # What the folding below does to ASCII (NFKC leaves it as it is; no ASCII character
        # is a format character or a non-ASCII digit): drop the white space. The import
        # normalises every number several times, and this is most of them.
        return "".join(raw.split()).upper()
    text = unicodedata.normalize("NFKC", raw)
    return "".join(_fold_char(char) for char in text).upper()


_ASCII_DIGITS = re.compile(r"[0-9]+")


def _digits(text: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(text))


def parse(raw: str, *, today: dt.date) -> IdNumber:
    """Validate and normalise an ID number, or raise ValidationError with a clear message."""
    value = normalize(raw)
    legacy = False
    if len(value) == 15:
        if not _digits(value):
            raise ValidationError(_("A 15-digit ID number may contain digits only."), "chars")
        value = value[:6] + "19" + value[6:]
        value += check_character(value)
        legacy = True
    elif len(value) != 18:
        raise ValidationError(
            _(
                "An ID number has 18 characters (or 15 digits for an old number); "
                "this one has %(n)d."
            )
            % {"n": len(value)},
            "length",
        )
    if not _digits(value[:17]) or not (_digits(value[17]) or value[17] == "X"):
        raise ValidationError(
            _("An ID number has digits only; the last character may be X."), "chars"
        )
    region = value[:6]
    if region[:2] not in PROVINCE_CODES or (
        region[2:] == "0000" and region[:2] not in PERMIT_CODES
    ):
        raise ValidationError(
            _("The region code %(code)s at the start of the ID number does not exist.")
            % {"code": region},
            "region",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(date)s in the ID number does not exist.")
            % {"date": f"{value[6:10]}-{value[10:12]}-{value[12:14]}"},
            "date",
        ) from None
    if birth > today:
        raise ValidationError(_("The birth date in the ID number is in the future."), "future")
    if birth < EARLIEST_BIRTH:
        raise ValidationError(_("The birth date in the ID number is before 1900."), "date")
    if value[17] != check_character(value[:17]):
        raise ValidationError(
            _(
                "The last character of the ID number does not match; "
                "please check for a typing error."
            ),
            "check",
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex, converted_from_legacy=legacy)


def make(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (used by the synthetic demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
