"""The reactions table and the slots: who reacts to what is pinned here, so a change of flow
is a visible diff (DESIGN.md "Reactions")."""

import sys

import pytest
import time_machine
from django.db import transaction

from kangfu.cases import services as cases
from kangfu.cases.choices import MeasureState
from kangfu.cases.models import Measure
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.core import events
from kangfu.web import reactions


def _name(function) -> str:
    return f"{function.__module__}.{function.__name__}"


def test_it_pins_who_reacts_to_what():
    table = {
        kind.__name__: [_name(h) for h in handlers]
        for kind, handlers in events.registry.table().items()
    }
    assert table == {
        "MeasureChanged": [
            "kangfu.schedule.reactions.replan_after_measure",
            "kangfu.risk.reactions.mark_after_measure",
        ],
        "MeasuresChanged": [
            "kangfu.schedule.reactions.replan_after_measures",
            "kangfu.risk.reactions.mark_after_measures",
        ],
        "LeaveApproved": ["kangfu.schedule.reactions.replan_after_leave"],
        "FindingConfirmed": ["kangfu.risk.reactions.mark_after_finding"],
        "CategoryApproved": ["kangfu.schedule.reactions.replan_after_category"],
        "CaseSealed": [
            "kangfu.portal.reactions.portal_off",
            "kangfu.schedule.reactions.summary_after_sealing",
        ],
        "IdentityPurged": ["kangfu.visits.reactions.purge_notes"],
        "SweepCompleted": [
            "kangfu.schedule.reactions.summary_after_sweep",
            "kangfu.reports.reactions.snapshot_after_sweep",
        ],
        "CredentialsChanged": ["kangfu.api.reactions.revoke_tokens"],
    }


def test_it_pins_who_answers_each_slot():
    assert {slot.name: _name(answer) for slot, answer in reactions.SLOTS} == {
        "people.partner_persons": "kangfu.referrals.selectors.partner_person_condition",
        "people.partner_fields": "kangfu.referrals.selectors.partner_fields",
        "people.sealed_persons": "kangfu.cases.selectors.sealed_persons",
        "cases.test_facts": "kangfu.schedule.selectors.test_facts",
        "cases.booked_between": "kangfu.schedule.selectors.booked_between",
        "cases.caseload_columns": "kangfu.schedule.selectors.caseload_columns",
        "cases.caseload_column_filter": "kangfu.schedule.selectors.caseload_column_filter",
        "people.person_columns": "kangfu.schedule.selectors.person_columns",
        "people.person_column_filter": "kangfu.schedule.selectors.person_column_filter",
        "people.person_column_choices": "kangfu.schedule.selectors.person_column_choices",
        "cases.referral_event_params": "kangfu.referrals.choices.referral_event_params",
        # The case page's sections drawn by higher apps (CASE_PAGE_SECTIONS, pinned below).
        "cases.case_sections": "kangfu.web.reactions.case_sections",
        # The today page's extra sections: a visit's follow-up tasks.
        "schedule.today_sections": "kangfu.visits.selectors.today_sections",
    }


def test_every_slot_in_kangfu_is_filled_by_the_table():
    found = {
        value.name: value
        for name, module in list(sys.modules.items())
        if name.startswith("kangfu.")
        for value in vars(module).values()
        if isinstance(value, events.Slot)
    }
    assert {slot.name for slot, _answer in reactions.SLOTS} == set(found)
    assert all(slot.filled for slot in found.values())


def test_a_slot_without_a_safe_default_refuses_to_answer_until_filled():
    slot = events.Slot("test.unfilled", default=None)
    with pytest.raises(events.SlotNotFilled):
        slot()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_publish_outside_a_transaction():
    with pytest.raises(events.NotInTransaction):
        events.publish(events.Event())


@pytest.mark.django_db(transaction=True)
def test_a_failing_reaction_rolls_the_write_back(personas, people, monkeypatch):
    """The measure does not start if its plan cannot be drawn: a write and its consequences
    commit or roll back together."""
    from kangfu.schedule import reactions as schedule_reactions

    def broken(**kwargs):
        raise RuntimeError("planning failed")

    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case)
        monkeypatch.setattr(schedule_reactions, "plan_rebuild", broken)
        with pytest.raises(RuntimeError):
            cases.measure_report(
                actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05")
            )
    stored = Measure.objects.get(pk=measure.pk)
    assert stored.state == MeasureState.AWAITING_REPORT and stored.reported_on is None
    assert not transaction.get_connection().in_atomic_block


def test_it_pins_the_sections_higher_apps_draw_on_the_case_page():
    assert [_name(draw) for draw in reactions.CASE_PAGE_SECTIONS] == [
        "kangfu.visits.views.case_section",
        "kangfu.documents.views.case_section",
    ]
