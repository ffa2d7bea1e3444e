"""Assessment rules: evidence, approval by someone else, adjustment, review requests, marks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import translation

from conftest import make_user
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.cases import services as cases
from kangfu.policy.packs import get_pack
from kangfu.risk import selectors, services
from kangfu.risk.choices import AssessmentStatus, ReviewState
from kangfu.risk.models import Assessment, PersonRisk
from kangfu.risk.tests.conftest import H3, H3_EVIDENCE, approved, assess, day, under_measure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def person(personas, people):
    under_measure(personas.worker_a, people.in_a)
    return people.in_a


def test_it_prefills_the_facts_the_record_knows_and_marks_them(personas, person):
    assessment = services.assessment_start(actor=personas.worker_a, person=person)
    assert assessment.facts["active_measure"] == "community_treatment"
    assert "active_measure" in assessment.from_record
    assert assessment.evidence["M1"]["source"] == "record"
    assert assessment.evidence["M1"]["refs"][0]["params"]["number"] == "东公(禁)决字〔2024〕12号"
    assert (assessment.assessed, assessment.criteria) == ("medium", ["M1"])
    assert assessment.case is not None


def test_it_stores_the_engine_result_and_reasons_with_pack_id_and_version(personas, person):
    assessment = assess(personas.worker_a, person, H3, H3_EVIDENCE)
    assessment.refresh_from_db()
    pack = get_pack("cn-2016")
    assert (assessment.pack_id, assessment.pack_version) == ("cn-2016", pack.version)
    assert assessment.assessed == assessment.category == "high"
    assert assessment.criteria == ["H3", "M1"]
    assert assessment.current_before is None and assessment.changed is False
    codes = [r["code"] for r in assessment.reasons]
    assert codes == ["H3", "M1", "assessment", "adjustment"]
    assert assessment.reasons[0]["zh"].startswith(pack.criterion("H3").zh)
    assert assessment.facts["mental_disorder"] is True
    assert assessment.facts["as_of"] == "2024-04-10"


def test_it_refuses_self_approval(personas, person):
    officer = personas.officer_a
    assessment = assess(officer, person, H3, H3_EVIDENCE)
    with pytest.raises(PermissionDenied):
        services.assessment_approve(actor=officer, assessment=assessment)
    with pytest.raises(PermissionDenied):
        services.assessment_return(actor=officer, assessment=assessment, comment="自己退回")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(approver=officer)


def test_it_lets_only_officers_and_supervisors_approve(personas, person):
    assessment = assess(personas.worker_a, person)
    other_worker = make_user("worker_a2", Role.CASEWORKER, person.township)
    with pytest.raises(PermissionDenied):
        services.assessment_approve(actor=other_worker, assessment=assessment)
    with pytest.raises(Http404):  # another township's assessment looks missing
        services.assessment_approve(actor=personas.worker_b, assessment=assessment)
    services.assessment_approve(actor=personas.officer_a, assessment=assessment)
    assert selectors.current_category(person=person) == "medium"


def test_it_requires_evidence_for_a_criterion_the_assessor_asserts(personas, person):
    assessment = assess(personas.worker_a, person, H3, submit=False)
    with pytest.raises(ValidationError) as err:
        services.assessment_submit(actor=personas.worker_a, assessment=assessment)
    assert "note_H3" in err.value.message_dict
    # H5 is its own written reason.
    services.assessment_update(
        actor=personas.worker_a,
        assessment=assessment,
        answers={"mental_disorder": False, "other_high_reason": "多次扬言伤害家人，已报警处置"},
        evidence={},
    )
    services.assessment_submit(actor=personas.worker_a, assessment=assessment)
    assert assessment.criteria == ["H5", "M1"]


def test_an_upgrade_applies_at_once(personas, person):
    approved(personas.worker_a, personas.supervisor, person)
    assert selectors.current_category(person=person) == "medium"
    first = PersonRisk.objects.get(person=person)
    assert first.next_review_on == day("2024-10-10")  # medium: 6 months
    upgrade = approved(personas.worker_a, personas.supervisor, person, H3, H3_EVIDENCE)
    assert (upgrade.current_before, upgrade.assessed, upgrade.category) == (
        "medium",
        "high",
        "high",
    )
    assert upgrade.changed is True
    risk = PersonRisk.objects.get(person=person)
    assert (risk.category, risk.since, risk.next_review_on) == (
        "high",
        day("2024-04-10"),
        day("2024-07-10"),  # high: 3 months
    )
    assert upgrade.notice is not None


def test_a_downgrade_comes_down_only_one_step_per_approved_assessment(
    personas, person, people, frozen
):
    # Not under a measure: without M1 the criteria can say low.
    other = people.in_b
    high = approved(
        personas.worker_b,
        personas.supervisor,
        other,
        {"incident_or_threat": True},
        {"H4": {"note": "2022年吸毒后驾车肇事", "document": "事故认定书"}},
    )
    assert high.category == "high"
    frozen.shift(dt.timedelta(days=100))
    cleared = {"incident_or_threat": False}
    first = approved(personas.worker_b, personas.supervisor, other, cleared)
    assert (first.assessed, first.category) == ("low", "medium")
    assert "每次评估只能下调一级" in first.reasons[-1]["zh"]
    assert selectors.current_category(person=other) == "medium"
    frozen.shift(dt.timedelta(days=200))
    second = approved(personas.worker_b, personas.supervisor, other, cleared)
    assert (second.assessed, second.category) == ("low", "low")
    assert selectors.current_category(person=other) == "low"


def test_it_refuses_approval_when_the_category_changed_after_submission(personas, person):
    stale = assess(personas.worker_a, person)
    PersonRisk.objects.update_or_create(
        person=person,
        defaults={
            "category": "high",
            "since": day("2024-01-01"),
            "assessed_on": day("2024-01-01"),
            "next_review_on": day("2024-04-01"),
        },
    )
    with pytest.raises(ValidationError):
        services.assessment_approve(actor=personas.supervisor, assessment=stale)


def test_a_return_needs_a_reason_and_goes_back_to_the_assessor(personas, person):
    assessment = assess(personas.worker_a, person)
    with pytest.raises(ValidationError):
        services.assessment_return(actor=personas.supervisor, assessment=assessment, comment=" ")
    services.assessment_return(
        actor=personas.supervisor, assessment=assessment, comment="请补充诊断证明"
    )
    assert assessment.status == AssessmentStatus.RETURNED
    services.assessment_submit(actor=personas.worker_a, assessment=assessment)
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_one_open_assessment_per_person(personas, person):
    assess(personas.worker_a, person, submit=False)
    with pytest.raises(ValidationError):
        services.assessment_start(actor=personas.officer_a, person=person)


def test_a_review_request_answered_by_the_original_assessor_is_refused(personas, person):
    first = approved(personas.worker_a, personas.supervisor, person)
    request = services.review_request_create(
        actor=personas.worker_a, person=person, reason="本人认为已正常报到，不应为中风险"
    )
    assert request.answer_by == day("2024-04-25")  # 15 days
    assert request.assessment == first
    with pytest.raises(PermissionDenied):
        services.review_request_answer(
            actor=personas.worker_a, request=request, outcome="upheld", answer="维持"
        )
    request.refresh_from_db()
    assert request.state == ReviewState.OPEN
    answered = services.review_request_answer(
        actor=personas.officer_a,
        request=request,
        outcome="upheld",
        answer="正在执行社区戒毒，依规定为中风险，维持原评估。",
    )
    assert answered.state == ReviewState.ANSWERED and answered.answered_by == personas.officer_a
    services.review_request_notify(
        actor=personas.worker_a, request=answered, notified_on=day("2024-04-10"), delivery="post"
    )
    assert answered.notified_on == day("2024-04-10")


def test_a_review_answered_with_a_reassessment_starts_one_by_the_reviewer(personas, person):
    approved(personas.worker_a, personas.supervisor, person)
    request = services.review_request_create(
        actor=personas.worker_a, person=person, reason="情况已变化"
    )
    services.review_request_answer(
        actor=personas.officer_a, request=request, outcome="reassess", answer="重新评估"
    )
    assert request.reassessment.assessor == personas.officer_a
    assert request.reassessment.review_request == request
    assert PersonRisk.objects.get(person=person).needs_reassessment


def test_a_three_year_anniversary_passing_marks_the_person_for_reassessment(
    personas, person, frozen
):
    from kangfu.cases.models import ExternalPeriod

    case = person.cases.get()

    # Released from compulsory isolation on 2021-04-11, before this case: on the record.
    ExternalPeriod.objects.create(
        case=case,
        kind="compulsory_isolation",
        starts_on=day("2019-04-12"),
        ends_on=day("2021-04-11"),
    )
    approved(personas.worker_a, personas.supervisor, person)
    assert selectors.anniversaries_due(on=day("2024-04-10")).count() == 0
    assert list(selectors.anniversaries_due(on=day("2024-04-11"))) == [person]
    frozen.move_to("2024-04-11 02:00 +0800")
    assert services.reassessment_sweep(on=day("2024-04-11")) == 1
    risk = PersonRisk.objects.get(person=person)
    assert risk.needs_reassessment and risk.reassessment_since == day("2024-04-11")
    assert "3" in risk.reassessment_reason
    # A second sweep over the same day changes nothing.
    assert services.reassessment_sweep(on=day("2024-04-11")) == 0
    # The next approved assessment clears it.
    frozen.move_to("2024-04-12 10:00 +0800")
    approved(personas.worker_a, personas.supervisor, person)
    assert not PersonRisk.objects.get(person=person).needs_reassessment


def test_anniversaries_follow_the_29_february_rule_and_catch_up_missed_days(personas, people):
    from kangfu.cases.models import ExternalPeriod

    case = cases.case_open(
        actor=personas.worker_b, person=people.in_b, responsible=people.in_b.township
    )
    ExternalPeriod.objects.create(
        case=case, kind="prison", starts_on=day("2019-01-01"), ends_on=day("2024-02-29")
    )
    # 3 years from 29 Feb 2024: the anniversary is 1 Mar 2027.
    assert not selectors.anniversaries_due(on=day("2027-02-28")).exists()
    assert selectors.anniversaries_due(on=day("2027-03-01")).get() == people.in_b
    assert selectors.anniversaries_due(on=day("2027-03-05"), since=day("2027-02-27")).exists()
    assert not selectors.anniversaries_due(on=day("2027-03-05"), since=day("2027-03-01")).exists()


def test_anniversaries_also_come_from_release_dates_the_assessor_recorded(personas, people):
    person = people.in_b
    approved(
        personas.worker_b,
        personas.supervisor,
        person,
        {"released_from_prison_on": "2022-05-10"},
        {"M4": {"note": "", "document": "释放证明书 2022-88"}},
    )
    assert selectors.anniversaries_due(on=day("2025-05-10")).get() == person


def test_reassessment_mark_is_public_and_keeps_the_earliest_day(personas, person):
    # The measure's start already marked the person; start from a cleared marker.
    PersonRisk.objects.filter(person=person).update(
        needs_reassessment=False, reassessment_reason="", reassessment_since=None
    )
    services.reassessment_mark(
        person=person, reason="Measure ended", on=day("2024-04-01"), actor=personas.worker_a
    )
    services.reassessment_mark(person=person, reason="Serious breach", on=day("2024-04-05"))
    risk = PersonRisk.objects.get(person=person)
    assert risk.reassessment_since == day("2024-04-01")
    assert risk.reassessment_reason == "Measure ended；Serious breach"
    assert risk.category is None


def test_current_categories_is_one_query(personas, people, django_assert_num_queries):
    approved(personas.worker_b, personas.supervisor, people.in_b)
    with django_assert_num_queries(1):
        got = selectors.current_categories([people.in_a.pk, people.in_b.pk])
    assert got == {people.in_b.pk: "low"}


def test_every_write_is_audited_on_the_person(personas, person):
    before = AuditEvent.objects.count()
    approved(personas.worker_a, personas.supervisor, person)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["create", "update", "update"]
    assert {e.object_id for e in events} == {str(person.public_id)}


def test_it_announces_an_approved_change_of_category_once(personas, person):
    from kangfu.core.events import captured
    from kangfu.risk.events import CategoryApproved

    with captured(CategoryApproved) as heard:
        approved(personas.worker_a, personas.supervisor, person)
        approved(personas.worker_a, personas.supervisor, person)  # medium again: no change
    assert [(e.person, e.category, e.on) for e in heard] == [(person, "medium", day("2024-04-10"))]


# --- races: an edit and the submission of the same assessment ---------------------------


def test_it_refuses_an_edit_that_lost_the_race_to_the_submission(personas, person):
    opened = services.assessment_start(actor=personas.worker_a, person=person)
    stale = Assessment.objects.get(pk=opened.pk)  # the other request's copy, read earlier
    services.assessment_submit(actor=personas.worker_a, assessment=opened)
    with translation.override("zh-hans"), pytest.raises(ValidationError, match="该评估已不能修改"):
        services.assessment_update(
            actor=personas.worker_a, assessment=stale, answers=H3, evidence=H3_EVIDENCE
        )
    stored = Assessment.objects.get(pk=opened.pk)
    assert stored.status == AssessmentStatus.SUBMITTED
    assert stored.facts.get("mental_disorder") is not True


def test_it_submits_what_an_earlier_edit_saved_even_from_a_stale_copy(personas, person):
    opened = services.assessment_start(actor=personas.worker_a, person=person)
    stale = Assessment.objects.get(pk=opened.pk)
    services.assessment_update(
        actor=personas.worker_a, assessment=opened, answers=H3, evidence=H3_EVIDENCE
    )
    services.assessment_submit(actor=personas.worker_a, assessment=stale)
    stored = Assessment.objects.get(pk=opened.pk)
    assert stored.status == AssessmentStatus.SUBMITTED
    assert stored.facts["mental_disorder"] is True and stored.category == "high"
