import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kangfu.people import idnumber

TODAY = dt.date(2026, 11, 24)


def codes(raw: str) -> str:
    with pytest.raises(ValidationError) as info:
        idnumber.parse(raw, today=TODAY)
    return info.value.code


def test_it_accepts_a_valid_number_and_reads_birth_date_and_sex():
    parsed = idnumber.parse("11010519491231002X", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even


def test_it_accepts_lowercase_x_and_spaces_and_normalises_them():
    assert idnumber.parse(" 110105 19491231 002x ", today=TODAY).value == "11010519491231002X"


def test_it_accepts_a_number_whose_check_character_is_a_digit():
    number = idnumber.make("520102", dt.date(1990, 3, 7), 123)
    assert idnumber.parse(number, today=TODAY).sex == "M"


def test_it_refuses_a_wrong_check_character():
    assert codes("110105194912310021") == "check"


def test_it_refuses_30_february():
    first17 = "52010219900230123"
    assert codes(first17 + idnumber.check_character(first17)) == "date"


def test_it_refuses_a_birth_date_in_the_future():
    number = idnumber.make("520102", dt.date(2026, 11, 25), 11)
    assert codes(number) == "future"


def test_it_accepts_a_birth_date_of_today():
    assert idnumber.parse(idnumber.make("520102", TODAY, 11), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("region", ["990102", "000000", "520000"[:2] + "0000", "391234"])
def test_it_refuses_an_unknown_region(region):
    assert codes(idnumber.make(region, dt.date(1990, 1, 1), 11)) == "region"


@pytest.mark.parametrize("raw", ["5201021990", "52010219900101123X1", ""])
def test_it_refuses_a_wrong_length(raw):
    assert codes(raw) == "length"


@pytest.mark.parametrize("raw", ["52010219900101A23X", "5201021990010112XX", "52O102199001011234"])
def test_it_refuses_letters(raw):
    assert codes(raw) == "chars"


def test_it_converts_a_legacy_15_digit_number():
    parsed = idnumber.parse("110105491231002", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.converted_from_legacy


def test_it_refuses_a_legacy_number_with_letters():
    assert codes("11010549123100X") == "chars"


def test_it_names_the_problem_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        idnumber.parse("110105194912310021", today=TODAY)
    assert "身份证号" in info.value.messages[0]


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@pytest.mark.parametrize(
    "variant",
    [
        lambda n: n.translate(FULL_WIDTH),
        lambda n: n.translate(ARABIC_INDIC),
        lambda n: n.translate(SUPERSCRIPT),
        lambda n: n[:6] + "\u200b" + n[6:] + "\u200f",  # zero-width space, RTL mark
        lambda n: "\u3000" + n[:6] + "\u3000" + n[6:],  # ideographic spaces
    ],
    ids=["full-width", "arabic-indic", "superscript", "zero-width-and-rtl", "ideographic-space"],
)
def test_it_folds_unicode_variants_of_a_number_to_ascii(variant):
    number = "11010519491231002X"
    assert idnumber.normalize(variant(number)) == number
    assert idnumber.parse(variant(number), today=TODAY).value == number


@pytest.mark.parametrize(
    "raw", ["1101051949123100２Y", "11010519491231002\U0001f600", "1" * 10_000]
)
def test_it_refuses_characters_that_are_not_digits_with_a_message(raw):
    assert codes(raw) in {"chars", "length"}
