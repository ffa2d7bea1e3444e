"""``manage.py policy``: the classification contract, explain, validate and schedule."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parents[3]
BROKEN = Path(__file__).parent / "fixtures" / "broken"

FACTS = {
    "as_of": "2026-11-24",
    "current_category": "high",
    "active_measure": None,
    "refuses_or_serious_breach": False,
    "cannot_be_held": None,
    "mental_disorder": False,
    "incident_or_threat": False,
    "other_high_reason": None,
    "pregnant_or_nursing": False,
    "medical_leave_from_isolation": False,
    "community_corrections": False,
    "released_from_prison_on": "2024-03-01",
    "released_from_isolation_on": None,
    "community_recovery_ordered": False,
    "other_medium_reason": None,
}
BAD_INPUTS = [
    ({**FACTS, "favourite_colour": "red"}, "favourite_colour"),
    ({**FACTS, "released_from_prison_on": "2024-02-30"}, "released_from_prison_on"),
    ({**FACTS, "mental_disorder": "yes"}, "mental_disorder"),
]


def run(*args: str, stdin: str = "", monkeypatch=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_classify_prints_the_contract_object(monkeypatch):
    out, _ = run("classify", "--pack", "cn-2016", stdin=json.dumps(FACTS), monkeypatch=monkeypatch)
    assert json.loads(out) == {
        "assessed": "medium",
        "criteria": ["M4"],
        "category": "medium",
        "changed": True,
    }
    assert out.count("\n") == 1


@pytest.mark.parametrize(("facts", "field"), BAD_INPUTS)
def test_classify_refuses_bad_input_naming_the_field(monkeypatch, facts, field):
    with pytest.raises(CommandError) as err:
        run("classify", "--pack", "cn-2016", stdin=json.dumps(facts), monkeypatch=monkeypatch)
    assert err.value.returncode == 2
    assert field in str(err.value)


def test_classify_reads_a_file_and_refuses_an_unknown_pack(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(FACTS), encoding="utf-8")
    out, _ = run("classify", "--pack", "example-local", "--input", str(path))
    assert json.loads(out)["category"] == "medium"
    with pytest.raises(CommandError, match="no policy pack") as err:
        run("classify", "--pack", "nope", "--input", str(path))
    assert err.value.returncode == 2


def test_explain_speaks_chinese_by_default_and_english_on_request(monkeypatch):
    facts = json.dumps({**FACTS, "other_medium_reason": "近期失业、独居"})
    zh, _ = run("explain", "--pack", "cn-2016", stdin=facts, monkeypatch=monkeypatch)
    assert "刑满释放回归社会未满三年" in zh
    assert "2024年3月1日刑满释放" in zh
    assert "近期失业、独居" in zh
    assert "调整后等级：中风险（等级有变化）" in zh
    assert "由高风险下调一级为中风险" in zh
    en, _ = run(
        "explain", "--pack", "cn-2016", "--lang", "en", stdin=facts, monkeypatch=monkeypatch
    )
    assert "released from prison less than 3 years ago" in en
    assert "Category: medium (changed)" in en


def test_explain_says_when_a_downgrade_is_held_back(monkeypatch):
    facts = json.dumps({"as_of": "2026-11-24", "current_category": "high"})
    zh, _ = run("explain", "--pack", "cn-2016", stdin=facts, monkeypatch=monkeypatch)
    assert "符合的情形：\n  无" in zh
    assert "每次评估只能下调一级" in zh


def test_validate_accepts_every_shipped_pack():
    for folder in sorted((REPO / "policy_packs").iterdir()):
        out, _ = run("validate", str(folder))
        assert out.startswith("ok: ")


def test_validate_reports_file_line_and_field():
    with pytest.raises(CommandError) as err:
        out, errors = io.StringIO(), io.StringIO()
        call_command("policy", "validate", str(BROKEN), stdout=out, stderr=errors)
    assert err.value.returncode == 2
    lines = errors.getvalue().splitlines()
    assert f"{BROKEN / 'pack.yaml'}:10: breach.days_absent_more_than: " in lines[0]
    assert f"{BROKEN / 'pack.yaml'}:13: schedules.low.0.requires: " in lines[1]


def test_schedule_prints_one_due_date_per_line():
    out, _ = run(
        "schedule",
        "--pack=cn-2016",
        "--category=high",
        "--measure=community_treatment",
        "--start=2024-01-31",
        "--until=2024-03-31",
    )
    assert out.splitlines() == [
        "2024-02-29 urine_test",
        "2024-02-29 visit",
        "2024-03-31 urine_test",
        "2024-03-31 visit",
    ]


def test_schedule_without_measure_needs_consent():
    args = ["schedule", "--pack=cn-2016", "--category=low", "--measure=none"]
    args += ["--start=2024-01-01", "--until=2024-12-31"]
    assert run(*args)[0] == ""
    assert run(*args, "--consent")[0].splitlines()[0] == "2024-04-01 call"


@pytest.mark.parametrize(
    "bad",
    [
        ["--category=extreme"],
        ["--start=2024-02-30"],
        ["--until=tomorrow"],
        ["--until=2023-01-01"],
        ["--category=low"],  # low under a measure
    ],
)
def test_schedule_refuses_bad_arguments(bad):
    args = {
        "--category": "high",
        "--measure": "community_treatment",
        "--start": "2024-01-01",
        "--until": "2024-12-31",
    }
    for item in bad:
        key, value = item.split("=")
        args[key] = value
    with pytest.raises(CommandError):
        run("schedule", "--pack=cn-2016", *(f"{k}={v}" for k, v in args.items()))


# The same contract from a real process: stdout, stderr and exit code, no traceback.


def manage(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "policy", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_process_prints_one_json_object_and_exits_0():
    proc = manage("classify", "--pack", "cn-2016", stdin=json.dumps(FACTS))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["criteria"] == ["M4"]
    assert proc.stderr == ""


@pytest.mark.parametrize(("facts", "field"), [*BAD_INPUTS, ("{not json", "JSON")])
def test_the_process_refuses_bad_input_with_exit_2_and_no_traceback(facts, field):
    stdin = facts if isinstance(facts, str) else json.dumps(facts)
    proc = manage("classify", "--pack", "cn-2016", stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert field in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_process_refuses_bad_arguments_with_exit_2():
    proc = manage("schedule", "--pack", "cn-2016", "--category", "extreme", stdin="")
    assert proc.returncode == 2
    assert "--category" in proc.stderr and "Traceback" not in proc.stderr
    proc = manage("validate", str(BROKEN), stdin="")
    assert proc.returncode == 2
    assert ":10: breach.days_absent_more_than:" in proc.stderr
    assert "Traceback" not in proc.stderr
