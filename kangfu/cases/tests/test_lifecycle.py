"""Every lifecycle transition, allowed and refused, with dates frozen."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kangfu.access.models import AuditEvent, Disclosure
from kangfu.cases import lifecycle, selectors, services
from kangfu.cases.choices import CaseState, EventKind, FindingKind, MeasureState
from kangfu.cases.lifecycle import Transition
from kangfu.cases.models import CaseEvent, Measure
from kangfu.cases.tests.conftest import confirm, day, decide, open_case
from kangfu.policy.packs import get_pack

pytestmark = pytest.mark.django_db


def test_it_lists_exactly_the_table_transitions_for_each_state():
    S = MeasureState
    assert lifecycle.available(S.AWAITING_REPORT) == [
        Transition.REPORT,
        Transition.REFUSE,
        Transition.TERMINATE,
    ]
    assert lifecycle.available(S.ACTIVE) == [
        Transition.SUSPEND,
        Transition.TERMINATE,
        Transition.END,
    ]
    assert lifecycle.available(S.SUSPENDED) == [Transition.RESUME, Transition.TERMINATE]
    for final in (S.ENDED, S.TERMINATED, S.REFUSED):
        assert lifecycle.available(final) == []


@time_machine.travel("2024-03-10 10:00 +0800", tick=False)
def test_it_records_a_decision_with_a_15_day_reporting_deadline(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    assert measure.state == MeasureState.AWAITING_REPORT
    # The day of receipt is not counted: 1 March + 15 days is Saturday 16 March, a rest day,
    # so the deadline ends on the first working day after it (行政案件程序规定 art. 35).
    assert measure.report_due_on == day("2024-03-18")
    assert measure.report_due_calendar_covered
    assert measure.pack_id == "cn-2016"
    kinds = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.CASE_OPENED, EventKind.DECISION]
    assert AuditEvent.objects.filter(object_id=str(people.in_a.public_id)).count() >= 3


@time_machine.travel("2024-03-18 10:00 +0800", tick=False)
def test_it_accepts_a_report_on_the_last_day_and_starts_the_three_years(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-18"))
    measure.refresh_from_db()
    assert measure.state == MeasureState.ACTIVE
    assert measure.starts_on == day("2024-03-18")
    assert measure.statutory_end_on == measure.ends_on == day("2027-03-17")


@time_machine.travel("2024-03-19 10:00 +0800", tick=False)
def test_it_refuses_a_late_report_without_a_good_reason(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    with pytest.raises(ValidationError) as exc:
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-03-19")
        )
    assert "late_reason" in exc.value.error_dict
    services.measure_report(
        actor=personas.worker_a,
        measure=measure,
        reported_on=day("2024-03-19"),
        late_reason="住院治疗，有医院证明",
    )
    measure.refresh_from_db()
    assert measure.state == MeasureState.ACTIVE and measure.late_reason


@time_machine.travel("2024-03-18 10:00 +0800", tick=False)
def test_it_refuses_to_record_a_refusal_before_the_deadline_has_passed(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    with pytest.raises(ValidationError) as exc:
        services.measure_refuse(actor=personas.worker_a, measure=measure)
    assert "found_on" in exc.value.error_dict


def test_it_proposes_a_refusal_and_only_a_confirmed_one_is_h1_and_goes_to_the_police(
    personas, people
):
    with time_machine.travel("2024-03-01 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case, received="2024-03-01")
    with time_machine.travel("2024-03-19 10:00 +0800", tick=False):
        finding = services.measure_refuse(actor=personas.worker_a, measure=measure)
        measure.refresh_from_db()
        # Proposed only: the measure still awaits the report; nothing goes to the police.
        assert measure.state == MeasureState.AWAITING_REPORT
        assert finding.kind == FindingKind.REFUSAL and finding.state == "proposed"
        assert not selectors.is_h1(case)
        with pytest.raises(ValidationError):
            services.finding_report(
                actor=personas.worker_a,
                finding=finding,
                reported_on=day("2024-03-19"),
                recipient="城东派出所",
            )
    confirm(
        finding,
        worker=personas.worker_a,
        officer=personas.officer_a,
        notified="2024-03-19",
        decided="2024-03-25",
    )
    measure.refresh_from_db()
    assert measure.state == MeasureState.REFUSED and selectors.is_h1(case)
    with time_machine.travel("2024-03-25 11:00 +0800", tick=False):
        # A refused measure cannot then be reported.
        with pytest.raises(ValidationError):
            services.measure_report(
                actor=personas.worker_a, measure=measure, reported_on=day("2024-03-25")
            )
        services.finding_report(
            actor=personas.worker_a,
            finding=finding,
            reported_on=day("2024-03-25"),
            recipient="城东派出所",
        )
    finding.refresh_from_db()
    disclosure = Disclosure.objects.get(person=people.in_a)
    assert finding.disclosure == disclosure and disclosure.basis_reference == services.ART_21
    assert disclosure.legal_basis == "statute"


@pytest.mark.parametrize("extends", [True, False])
def test_it_suspends_and_resumes_moving_the_end_only_when_the_pack_says_so(
    personas, people, monkeypatch, extends
):
    pack = get_pack("cn-2016")
    changed = pack.model_copy(
        update={"suspension": pack.suspension.model_copy(update={"extends_term": extends})}
    )
    from kangfu.cases import selectors
    from kangfu.cases.services import case

    for module in (case, selectors):
        monkeypatch.setattr(module, "get_pack", lambda pack_id: changed)
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case, received="2024-03-01")
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05")
        )
    with time_machine.travel("2024-06-20 10:00 +0800", tick=False):
        services.measure_suspend(
            actor=personas.worker_a, measure=measure, detained_on=day("2024-06-01")
        )
        measure.refresh_from_db()
        assert measure.state == MeasureState.SUSPENDED
        # Nothing but resume or terminate from here.
        with pytest.raises(ValidationError):
            services.measure_suspend(
                actor=personas.worker_a, measure=measure, detained_on=day("2024-06-02")
            )
        with pytest.raises(ValidationError):
            services.measure_resume(
                actor=personas.worker_a, measure=measure, released_on=day("2024-05-31")
            )
        services.measure_resume(
            actor=personas.worker_a, measure=measure, released_on=day("2024-06-16")
        )
    measure.refresh_from_db()
    assert measure.state == MeasureState.ACTIVE and measure.suspended_days == 15
    assert measure.statutory_end_on == day("2027-03-04")
    assert measure.ends_on == (day("2027-03-19") if extends else day("2027-03-04"))


def test_the_national_pack_says_suspension_extends_the_term():
    assert get_pack("cn-2016").suspension.extends_term is True


@time_machine.travel("2024-02-29 10:00 +0800", tick=False)
def test_it_ends_a_29_february_start_on_28_february_three_years_later(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-02-20")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-02-29"))
    measure.refresh_from_db()
    assert measure.ends_on == day("2027-02-28")
    with pytest.raises(ValidationError):
        services.measure_end(actor=personas.worker_a, measure=measure)
    with time_machine.travel("2027-02-27 10:00 +0800", tick=False), pytest.raises(ValidationError):
        services.measure_end(actor=personas.worker_a, measure=measure)
    with time_machine.travel("2027-02-28 18:00 +0800", tick=False):
        services.measure_end(actor=personas.worker_a, measure=measure)
    measure.refresh_from_db()
    case.refresh_from_db()
    assert measure.state == MeasureState.ENDED and measure.finished_on == day("2027-02-28")
    # The last measure ended, so the case closed the same day.
    assert case.state == CaseState.CLOSED and case.closed_on == day("2027-02-28")


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_terminates_on_compulsory_isolation_and_refuses_detention_as_a_reason(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    with pytest.raises(ValidationError) as exc:
        services.measure_terminate(
            actor=personas.worker_a, measure=measure, kind="detention", starts_on=day("2024-04-01")
        )
    assert "kind" in exc.value.error_dict
    services.measure_suspend(
        actor=personas.worker_a, measure=measure, detained_on=day("2024-04-01")
    )
    period = services.measure_terminate(
        actor=personas.worker_a,
        measure=measure,
        kind="compulsory_isolation",
        starts_on=day("2024-04-20"),
    )
    measure.refresh_from_db()
    assert measure.state == MeasureState.TERMINATED and measure.finished_on == day("2024-04-20")
    assert period.kind == "compulsory_isolation"
    # The detention closed when the isolation began.
    assert measure.external_periods.get(kind="detention").ends_on == day("2024-04-20")
    for transition in (services.measure_end,):
        with pytest.raises(ValidationError):
            transition(actor=personas.worker_a, measure=measure)
    with pytest.raises(ValidationError):
        services.measure_suspend(
            actor=personas.worker_a, measure=measure, detained_on=day("2024-04-25")
        )


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_overlapping_measures(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    decide(personas.worker_a, case, received="2024-03-01")
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, received="2024-04-01", number="second")
    assert exc.value.code == "overlap"
    assert Measure.objects.count() == 1


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_a_decision_dated_inside_an_earlier_measure(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    services.measure_terminate(
        actor=personas.worker_a, measure=measure, kind="prison", starts_on=day("2024-04-10")
    )
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, received="2024-04-09", decided_on=day("2024-04-08"))
    assert "decided_on" in exc.value.error_dict


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_community_recovery_longer_than_the_pack_allows(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, kind="community_recovery", term_months=37)
    assert "term_months" in exc.value.error_dict
    assert "36" in exc.value.error_dict["term_months"][0].messages[0]
    measure = decide(personas.worker_a, case, kind="community_recovery", term_months=24)
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    measure.refresh_from_db()
    assert measure.ends_on == day("2026-03-04")


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_community_treatment_of_another_length(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, term_months=24)
    assert "term_months" in exc.value.error_dict


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_dates_in_an_impossible_order(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, received="2024-03-01", decided_on=day("2024-03-02"))
    assert "received_on" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, received="2024-05-02")
    assert "received_on" in exc.value.error_dict
    measure = decide(personas.worker_a, case, received="2024-03-01")
    with pytest.raises(ValidationError) as exc:
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-02-28")
        )
    assert "reported_on" in exc.value.error_dict


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_closing_while_a_measure_is_in_force(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    decide(personas.worker_a, case, received="2024-03-01")
    with pytest.raises(ValidationError):
        services.case_close(actor=personas.worker_a, case=case)


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_lets_only_the_township_staff_act(personas, people):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    case = open_case(personas.worker_a, people.in_a)
    with pytest.raises(Http404):  # another township's case looks missing
        decide(personas.worker_b, case)
    with pytest.raises(PermissionDenied):  # seen, but a supervisor does no case work
        decide(personas.supervisor, case)


@time_machine.travel("2024-05-01 10:00 +0800", tick=False)
def test_it_refuses_a_second_open_case_for_the_same_person(personas, people):
    open_case(personas.worker_a, people.in_a)
    with pytest.raises(ValidationError):
        open_case(personas.worker_a, people.in_a)
