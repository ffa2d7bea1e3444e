"""Pack loading: every shipped pack loads; broken packs are refused with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kangfu.policy.packs import (
    PackError,
    PackNotFound,
    available_packs,
    get_pack,
    load_pack,
    packs_dir,
)

FIXTURES = Path(__file__).parent / "fixtures"
REPO_PACKS = Path(__file__).resolve().parents[3] / "policy_packs"


def write(tmp_path: Path, body: str, folder: str = "local") -> Path:
    path = tmp_path / folder / "pack.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


HEADER = """\
id: local
version: "1"
effective_from: 2024-01-01
extends: cn-2016
description: {zh: 地方, en: Local}
"""


def problems(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(PackError) as err:
        load_pack(path)
    return [(i.line, i.field, i.message) for i in err.value.issues]


def test_the_shipped_packs_include_the_national_default():
    assert packs_dir() == REPO_PACKS
    assert {"cn-2016", "example-local"} <= set(available_packs())


@pytest.mark.parametrize("pack_id", available_packs())
def test_every_pack_in_policy_packs_loads(pack_id):
    pack = get_pack(pack_id)
    assert pack.id == pack_id
    assert set(pack.criteria) == {f"H{n}" for n in range(1, 6)} | {f"M{n}" for n in range(1, 7)}
    assert all(e.requires == "consent" for e in pack.schedules["low"])


def test_the_national_default_says_what_docs_policy_md_says():
    pack = get_pack("cn-2016")
    as_tuples = {
        category: sorted((e.kind, e.every_months, e.requires) for e in entries)
        for category, entries in pack.schedules.items()
    }
    assert as_tuples == {
        "high": sorted(
            [
                ("urine_test", 1, "measure"),
                ("hair_test", 3, "measure"),
                ("visit", 1, "measure"),
                ("call", 3, "consent"),
            ]
        ),
        "medium": sorted(
            [
                ("urine_test", 2, "measure"),
                ("hair_test", 6, "measure"),
                ("visit", 2, "measure"),
                ("call", 3, "consent"),
            ]
        ),
        "low": [("call", 3, "consent")],
    }
    assert {c: s.total_months for c, s in pack.review.intervals.items()} == {
        "high": 3,
        "medium": 6,
        "low": 12,
    }
    assert pack.criterion("H5").needs_text and pack.criterion("M6").needs_text
    assert pack.report_deadline_days == 15


def test_a_local_pack_overrides_and_inherits():
    base, local = get_pack("cn-2016"), get_pack("example-local")
    assert local.extends == "cn-2016"
    assert local.review.intervals["high"].total_months == 2  # overridden
    assert local.review.intervals["low"] == base.review.intervals["low"]  # merged in
    assert "saliva_test" in {e.kind for e in local.schedules["high"]}  # list replaced
    assert local.schedules["low"] == base.schedules["low"]  # untouched list inherited
    assert local.criteria == base.criteria and local.breach == base.breach


def test_the_broken_fixture_names_file_line_and_field():
    path = FIXTURES / "broken" / "pack.yaml"
    with pytest.raises(PackError) as err:
        load_pack(path)
    issues = {i.field: i for i in err.value.issues}
    assert set(issues) == {"breach.days_absent_more_than", "schedules.low.0.requires"}
    breach = issues["breach.days_absent_more_than"]
    assert (breach.file, breach.line) == (str(path), 10)
    requires = issues["schedules.low.0.requires"]
    assert requires.line == 13
    assert "no active measure and no recorded consent" in requires.message
    assert str(requires).startswith(f"{path}:13: schedules.low.0.requires: ")


def test_it_refuses_a_low_entry_that_rests_on_a_measure(tmp_path):
    path = write(
        tmp_path,
        HEADER + "schedules:\n  low:\n    - {kind: call, every_months: 3, requires: measure}\n",
    )
    [(line, field, message)] = problems(path)
    assert (line, field) == (8, "schedules.low.0.requires")
    assert "consent" in message


def test_it_refuses_to_switch_off_m1(tmp_path):
    path = write(tmp_path, HEADER + "criteria:\n  M1:\n    enabled: false\n")
    [(line, field, message)] = problems(path)
    assert (line, field) == (8, "criteria.M1.enabled")
    assert "never low" in message


def test_it_refuses_unknown_keys_and_criteria(tmp_path):
    path = write(tmp_path, HEADER + "breach:\n  test_refusal_at_least: 2\n")
    [(line, field, message)] = problems(path)
    assert (line, field) == (7, "breach.test_refusal_at_least")
    assert "Extra inputs" in message
    path = write(tmp_path, HEADER + "criteria:\n  M7: {zh: 其他, en: Other}\n")
    assert problems(path)[0][:2] == (7, "criteria.M7")


def test_it_refuses_a_missing_section_in_a_standalone_pack(tmp_path):
    body = (packs_dir() / "cn-2016" / "pack.yaml").read_text(encoding="utf-8")
    body = body.replace("report_deadline_days: 15\n", "")
    path = write(tmp_path, body, folder="cn-2016")
    [(line, field, message)] = problems(path)
    assert field == "report_deadline_days" and "required" in message.lower()
    assert line == 3  # no line of its own: where the document starts, after the comments


def test_it_refuses_duplicate_keys(tmp_path):
    path = write(tmp_path, HEADER + "leave:\n  written_report_from_days: 3\nleave: {}\n")
    assert problems(path) == [(8, "leave", "duplicate key")]


def test_it_reports_yaml_syntax_errors_with_a_line(tmp_path):
    path = write(tmp_path, HEADER + "leave: [\n")
    [(line, field, _)] = problems(path)
    assert field == "(yaml)" and line is not None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("id: x\nextends: cn-2016\n", "version", "must be set"),
        (HEADER.replace("cn-2016", "nowhere"), "extends", "no pack"),
        (HEADER.replace("cn-2016", "local"), "extends", "extends itself"),
    ],
)
def test_it_checks_what_a_pack_extends(tmp_path, body, field, words):
    path = write(tmp_path, body)
    found = problems(path)
    assert any(f == field and words in m for _, f, m in found), found


def test_it_validates_the_base_pack_too(tmp_path):
    write(tmp_path, "id: base\nversion: 1\n", folder="base")
    path = write(tmp_path, HEADER.replace("cn-2016", "base"))
    with pytest.raises(PackError) as err:
        load_pack(path)
    assert all(i.file.endswith("base/pack.yaml") for i in err.value.issues)


def test_it_names_unknown_packs():
    with pytest.raises(PackNotFound, match="cn-2016"):
        get_pack("cn-2099")
    with pytest.raises(PackNotFound):
        get_pack("../policy_packs/cn-2016")


def test_a_pack_id_must_match_its_folder(settings, tmp_path):
    settings.KANGFU_POLICY_PACKS_DIR = tmp_path
    base = (REPO_PACKS / "cn-2016" / "pack.yaml").read_text("utf-8")
    write(tmp_path, base, folder="cn-2016")
    write(tmp_path, HEADER.replace("id: local", "id: other"), folder="local")
    with pytest.raises(PackError, match="folder name"):
        get_pack("local")
