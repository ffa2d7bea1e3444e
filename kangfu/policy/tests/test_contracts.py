"""``policy deadline`` and ``policy breach``: DOMAIN.md's contracts, with no database.

These tests are not marked for database access, so pytest-django fails any query they make.
"""

from __future__ import annotations

import copy
import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command

from kangfu.policy.tests.test_command import manage

FACTS = {
    "as_of": "2026-11-24",
    "measure": {"kind": "community_treatment", "start": "2024-01-10", "end": "2027-01-09"},
    "leaves": [{"from": "2024-05-01", "to": "2024-05-20", "status": "refused"}],
    "absences": [
        {"from": "2024-02-01", "to": "2024-02-04"},
        {"from": "2024-03-01", "to": "2024-03-04"},
        {"from": "2024-04-01", "to": "2024-04-04"},
        {"from": "2024-05-02", "to": "2024-05-19"},
    ],
    "tests": [
        {"due": "2024-02-10", "outcome": "evaded"},
        {"due": "2024-03-10", "outcome": "excused"},
        {"due": "2024-04-10", "outcome": "refused"},
    ],
    "positives": [
        {"sample": "hair", "sampled_on": "2024-04-10"},
        {"sample": "urine", "sampled_on": "2023-12-01"},
    ],
}
EXPECTED = {
    "serious_breach": "proposed",
    "grounds": ["departures"],
    "departures_counted": 3,
    "days_absent": 9,
    "tests_counted": 2,
    "relapse": [
        {"sampled_on": "2024-04-10", "result": "needs_decision"},
        {"sampled_on": "2023-12-01", "result": "outside_measure"},
    ],
}


def run(*args: str, stdin: str = "", monkeypatch=None) -> str:
    out, err = io.StringIO(), io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue()


def changed(path: list, value=None, *, drop: bool = False) -> dict:
    data = copy.deepcopy(FACTS)
    target = data
    for part in path[:-1]:
        target = target[part]
    if drop:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


BAD = [
    (changed(["favourite_colour"], "red"), "favourite_colour"),
    (changed(["absences", 0, "reason"], "work"), "absences[0].reason"),
    (changed(["tests", 1, "due"], "2024-02-30"), "tests[1].due"),
    (changed(["leaves", 0, "status"], 1), "leaves[0].status"),
    (changed(["measure", "start"], drop=True), "measure.start"),
    (changed(["positives"], drop=True), "positives"),
]


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        ("report", "2024-09-16", {"due": "2024-10-08", "extended": True, "calendar_covered": True}),
        (
            "retest",
            "2024-10-09",
            {"due": "2024-10-12", "extended": False, "calendar_covered": True},
        ),
        (
            "transfer_report",
            "2024-03-02",
            {"due": "2024-03-18", "extended": True, "calendar_covered": True},
        ),
        (
            "retest",
            "2099-12-30",
            {"due": "2100-01-02", "extended": False, "calendar_covered": False},
        ),
    ],
)
def test_deadline_prints_the_contract_object(kind, start, expected):
    out = run("deadline", "--pack", "cn-2016", "--kind", kind, "--from", start)
    assert json.loads(out) == expected
    assert out.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--kind", "report", "--from", "2024-09-31"),
        ("--kind", "report", "--from", "16/09/2024"),
        ("--kind", "explanation", "--from", "2024-09-16"),
        ("--kind", "report"),
        ("--kind", "report", "--from", "9999-12-30"),
    ],
)
def test_deadline_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        run("deadline", "--pack", "cn-2016", *args)


def test_breach_prints_the_contract_object(monkeypatch):
    out = run("breach", "--pack", "cn-2016", stdin=json.dumps(FACTS), monkeypatch=monkeypatch)
    assert json.loads(out) == EXPECTED
    assert out.count("\n") == 1


def test_breach_follows_the_pack_leave_mode(monkeypatch):
    # example-local requires approval: the refused leave no longer covers the 17 days away.
    out = run("breach", "--pack", "example-local", stdin=json.dumps(FACTS), monkeypatch=monkeypatch)
    result = json.loads(out)
    assert (result["departures_counted"], result["days_absent"]) == (4, 26)
    assert result["grounds"] == ["departures"]


@pytest.mark.parametrize(("facts", "field"), BAD)
def test_breach_refuses_bad_input_naming_the_field(monkeypatch, facts, field):
    with pytest.raises(CommandError) as err:
        run("breach", "--pack", "cn-2016", stdin=json.dumps(facts), monkeypatch=monkeypatch)
    assert err.value.returncode == 2
    assert f"field {field!r}" in str(err.value)


def test_breach_reads_a_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(FACTS), encoding="utf-8")
    assert json.loads(run("breach", "--pack", "cn-2016", "--input", str(path))) == EXPECTED


# The same contracts from a real process: stdout, stderr and exit code, no traceback.


def test_the_processes_print_one_json_object_and_exit_0():
    proc = manage("breach", "--pack", "cn-2016", stdin=json.dumps(FACTS))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == EXPECTED
    assert proc.stderr == ""
    proc = manage(
        "deadline", "--pack", "cn-2016", "--kind", "report", "--from", "2024-09-16", stdin=""
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["due"] == "2024-10-08"


@pytest.mark.parametrize(("facts", "field"), [*BAD, ("[1, 2]", "JSON object"), ("{", "JSON")])
def test_the_breach_process_exits_2_naming_the_field(facts, field):
    stdin = facts if isinstance(facts, str) else json.dumps(facts)
    proc = manage("breach", "--pack", "cn-2016", stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert field in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_deadline_process_exits_2_naming_the_argument():
    proc = manage(
        "deadline", "--pack", "cn-2016", "--kind", "report", "--from", "2024-02-30", stdin=""
    )
    assert proc.returncode == 2
    assert "--from" in proc.stderr and "Traceback" not in proc.stderr
    proc = manage(
        "deadline", "--pack", "cn-2016", "--kind", "appeal", "--from", "2024-02-01", stdin=""
    )
    assert proc.returncode == 2
    assert "--kind" in proc.stderr and "Traceback" not in proc.stderr
