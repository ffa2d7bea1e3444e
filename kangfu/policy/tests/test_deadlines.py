"""Deadlines: start day not counted, holidays and rest days extend, make-up workdays do not."""

from __future__ import annotations

import io
import textwrap
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from kangfu.policy.deadlines import (
    PACKAGE_YEARS,
    Deadline,
    DeadlineKind,
    WorkCalendar,
    deadline,
    period_days,
)
from kangfu.policy.packs import PackError, get_pack, load_pack
from kangfu.policy.schema import HolidayTable

NATIONAL = get_pack("cn-2016")
EXAMPLES = settings(max_examples=300, deadline=None)

# Test data for a year the package does not know, shaped like an official notice. These are not
# the official 2027 dates; only the shape matters here.
TABLE_2027 = {
    "years": {
        2027: {
            "source": "test data",
            "holidays": [
                {"name": "元旦", "from": date(2027, 1, 1), "to": date(2027, 1, 3)},
                {"name": "国庆节", "from": date(2027, 10, 1), "to": date(2027, 10, 8)},
                {"name": "年末", "from": date(2027, 12, 31), "to": date(2027, 12, 31)},
            ],
            "workdays": [date(2027, 9, 26), date(2027, 10, 9)],
        }
    }
}


def with_table(pack, table):
    return pack.model_copy(update={"holidays": HolidayTable.model_validate(table)})


def test_it_gives_each_kind_its_period_from_the_pack():
    assert period_days(NATIONAL, "report") == 15
    assert period_days(NATIONAL, "transfer_report") == 15
    assert period_days(NATIONAL, "retest") == 3
    assert period_days(NATIONAL, DeadlineKind.EXPLANATION) == 3


def test_it_moves_a_report_due_on_national_day_to_the_first_working_day():
    # 2024-09-16 + 15 days = 2024-10-01; National Day runs 10-01..10-07.
    assert deadline(NATIONAL, "report", date(2024, 9, 16)) == Deadline(
        due=date(2024, 10, 8), extended=True, calendar_covered=True
    )


def test_it_does_not_extend_a_deadline_on_a_make_up_workday():
    # 2024-10-12 (Saturday) and 2024-09-29 (Sunday) were 调休上班 days.
    assert chinese_calendar.is_workday(date(2024, 10, 12))
    assert deadline(NATIONAL, "retest", date(2024, 10, 9)) == Deadline(
        date(2024, 10, 12), extended=False, calendar_covered=True
    )
    assert deadline(NATIONAL, "transfer_report", date(2024, 9, 14)) == Deadline(
        date(2024, 9, 29), extended=False, calendar_covered=True
    )


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2024, 3, 2), date(2024, 3, 18)),  # an ordinary Sunday -> Monday
        (date(2024, 3, 1), date(2024, 3, 18)),  # an ordinary Saturday -> Monday
        (date(2024, 3, 4), date(2024, 3, 19)),  # a Tuesday stays
    ],
)
def test_it_moves_a_deadline_on_a_weekend_to_monday(start, due):
    result = deadline(NATIONAL, "report", start)
    assert (result.due, result.extended) == (due, due != start + timedelta(days=15))


def test_it_counts_holidays_inside_the_period_without_skipping_them():
    # 2024-09-28 + 3 days = 2024-10-01, a holiday: only the last day matters, so 10-08.
    assert deadline(NATIONAL, "retest", date(2024, 9, 28)).due == date(2024, 10, 8)
    # 2024-09-25 + 15 = 10-10, a Thursday: the National Day week inside adds nothing.
    assert deadline(NATIONAL, "report", date(2024, 9, 25)) == Deadline(
        date(2024, 10, 10), extended=False, calendar_covered=True
    )


def test_it_applies_no_extension_in_a_year_no_table_covers():
    # 2027-01-02 is a Saturday, but no table covers 2027: say so rather than guess.
    assert 2027 not in PACKAGE_YEARS
    assert deadline(NATIONAL, "retest", date(2026, 12, 30)) == Deadline(
        date(2027, 1, 2), extended=False, calendar_covered=False
    )
    assert deadline(NATIONAL, "report", date(2026, 12, 20)).calendar_covered is False


def test_it_uses_the_pack_table_for_a_year_the_package_lacks():
    pack = with_table(NATIONAL, TABLE_2027)
    assert deadline(pack, "retest", date(2026, 12, 30)) == Deadline(
        date(2027, 1, 4), extended=True, calendar_covered=True
    )
    # A Sunday listed as a make-up workday is a working day.
    assert deadline(pack, "retest", date(2027, 9, 23)) == Deadline(
        date(2027, 9, 26), extended=False, calendar_covered=True
    )
    # Into the holiday block: the first working day after it is the Saturday workday 10-09.
    assert deadline(pack, "report", date(2027, 9, 16)) == Deadline(
        date(2027, 10, 9), extended=True, calendar_covered=True
    )


def test_it_stops_where_the_known_calendar_ends():
    # 2027-12-31 is a holiday in the test table; 2028 is covered by nothing.
    pack = with_table(NATIONAL, TABLE_2027)
    assert deadline(pack, "retest", date(2027, 12, 28)) == Deadline(
        date(2028, 1, 1), extended=True, calendar_covered=False
    )


def test_a_pack_year_replaces_the_package_for_that_year():
    # An administrator's correction for a covered year wins over the package.
    table = {"years": {2024: {"source": "test", "holidays": [], "workdays": []}}}
    pack = with_table(NATIONAL, table)
    assert deadline(pack, "report", date(2024, 9, 16)) == Deadline(
        date(2024, 10, 1), extended=False, calendar_covered=True
    )


# --- the holidays.yaml file -----------------------------------------------------------------


def write_pack(tmp_path: Path, holidays: str, folder: str = "local") -> Path:
    target = tmp_path / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / "pack.yaml").write_text(
        textwrap.dedent(
            f"""\
            id: {folder}
            version: "1"
            effective_from: 2024-01-01
            extends: cn-2016
            description: {{zh: 地方, en: Local}}
            """
        ),
        encoding="utf-8",
    )
    (target / "holidays.yaml").write_text(textwrap.dedent(holidays), encoding="utf-8")
    return target


def test_it_loads_holidays_yaml_beside_the_pack(tmp_path):
    folder = write_pack(
        tmp_path,
        """\
        years:
          2027:
            source: test data
            holidays:
              - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
            workdays: [2027-01-09]
        """,
    )
    pack = load_pack(folder)
    assert WorkCalendar(pack.holidays).is_working_day(date(2027, 1, 9)) is True
    assert WorkCalendar(pack.holidays).is_working_day(date(2027, 1, 4)) is True
    assert WorkCalendar(pack.holidays).is_working_day(date(2027, 1, 3)) is False
    assert WorkCalendar(pack.holidays).is_working_day(date(2028, 1, 3)) is None


@pytest.mark.parametrize(
    ("body", "line", "field", "says"),
    [
        (
            "years:\n  2027:\n    source: t\n    holidays: []\n    workdays: [2027-01-06]\n",
            5,
            "holidays.years.2027.workdays.0",
            "only a Saturday or Sunday",
        ),
        (
            "years:\n  2027:\n    source: t\n    holidays:\n"
            "      - {name: x, from: 2027-01-05, to: 2027-01-04}\n",
            5,
            "holidays.years.2027.holidays.0",
            "before 'from'",
        ),
        (
            "years:\n  2027:\n    source: t\n    holidays:\n"
            "      - {name: x, from: 2026-12-31, to: 2027-01-01}\n",
            5,
            "holidays.years.2027.holidays.0",
            "is not in 2027",
        ),
        (
            "years:\n  2027:\n    holidays: []\n",
            2,
            "holidays.years.2027.source",
            "required",
        ),
        (
            "years:\n  2027:\n    source: t\n    holidays: []\n    workday: []\n",
            5,
            "holidays.years.2027.workday",
            "Extra inputs",
        ),
    ],
)
def test_it_refuses_a_bad_holiday_table_naming_file_line_and_field(
    tmp_path, body, line, field, says
):
    folder = write_pack(tmp_path, body)
    with pytest.raises(PackError) as err:
        load_pack(folder)
    issue = err.value.issues[0]
    assert issue.file == str(folder / "holidays.yaml")
    assert (issue.line, issue.field) == (line, field)
    assert says in issue.message


def test_it_refuses_holidays_written_inside_pack_yaml(tmp_path):
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "pack.yaml").write_text(
        'id: local\nversion: "1"\neffective_from: 2024-01-01\nextends: cn-2016\n'
        "description: {zh: 地方, en: Local}\nholidays: {years: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"holidays: belongs in holidays.yaml"):
        load_pack(folder)


def test_a_local_pack_inherits_the_national_table_and_adds_years(tmp_path):
    national = tmp_path / "cn-2016"
    national.mkdir()
    source = Path(__file__).resolve().parents[3] / "policy_packs" / "cn-2016" / "pack.yaml"
    (national / "pack.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (national / "holidays.yaml").write_text(
        "years:\n  2027:\n    source: t\n    holidays:\n"
        "      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n",
        encoding="utf-8",
    )
    folder = write_pack(
        tmp_path, "years:\n  2028:\n    source: t\n    holidays: []\n", folder="local"
    )
    pack = load_pack(folder)
    assert sorted(pack.holidays.years) == [2027, 2028]


# --- properties -----------------------------------------------------------------------------

covered_starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 1))
kinds = st.sampled_from(list(DeadlineKind))


@EXAMPLES
@given(kinds, covered_starts)
def test_it_always_ends_on_a_working_day_when_the_year_is_covered(kind, start):
    result = deadline(NATIONAL, kind, start)
    if result.calendar_covered:
        assert chinese_calendar.is_workday(result.due)


@EXAMPLES
@given(kinds, st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)))
def test_it_is_never_before_start_plus_the_period_and_extends_only_over_days_off(kind, start):
    result = deadline(NATIONAL, kind, start)
    earliest = start + timedelta(days=period_days(NATIONAL, kind))
    assert result.due >= earliest
    assert result.extended is (result.due != earliest)
    calendar = WorkCalendar(NATIONAL.holidays)
    # Every day skipped was a known day off: nothing is extended past a working day.
    day = earliest
    while day < result.due:
        assert calendar.is_working_day(day) is False
        day += timedelta(days=1)
    if not result.calendar_covered:
        assert calendar.is_working_day(result.due) is None


@EXAMPLES
@given(kinds, covered_starts, covered_starts)
def test_a_later_start_never_gives_an_earlier_deadline(kind, a, b):
    first, second = sorted((a, b))
    assert deadline(NATIONAL, kind, first).due <= deadline(NATIONAL, kind, second).due


@st.composite
def tables_for_2030(draw):
    """A random but valid table for 2030, a year the package does not cover."""
    year = [date(2030, 1, 1) + timedelta(days=n) for n in range(365)]
    off = draw(st.sets(st.sampled_from(year), max_size=60))
    weekend = [d for d in year if d.weekday() >= 5 and d not in off]
    work = draw(st.sets(st.sampled_from(weekend), max_size=10))
    return {
        "years": {
            2030: {
                "source": "generated",
                "holidays": [{"name": "假", "from": d, "to": d} for d in sorted(off)],
                "workdays": sorted(work),
            }
        }
    }


@EXAMPLES
@given(tables_for_2030(), kinds, st.dates(min_value=date(2029, 12, 1), max_value=date(2030, 12, 1)))
def test_a_pack_table_gives_a_working_day_or_says_it_cannot(table, kind, start):
    pack = with_table(NATIONAL, table)
    result = deadline(pack, kind, start)
    calendar = WorkCalendar(pack.holidays)
    assert result.due >= start + timedelta(days=period_days(pack, kind))
    if result.calendar_covered:
        assert calendar.is_working_day(result.due) is True
    else:
        assert result.due.year == 2031 or result.due.year == 2029


def test_policy_validate_reports_a_broken_holiday_table(tmp_path):
    folder = write_pack(
        tmp_path, "years:\n  2027:\n    source: t\n    holidays: []\n    workdays: [2027-01-06]\n"
    )
    errors = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command("policy", "validate", str(folder), stderr=errors)
    assert err.value.returncode == 2
    assert f"{folder / 'holidays.yaml'}:5: holidays.years.2027.workdays.0: " in errors.getvalue()
