"""Every route that takes an id answers 404 for a record of another township.

The routes are walked from the URL resolver, so a new route with a path parameter fails
``test_it_covers_every_route_that_takes_an_id`` until it gets a row in ``ROUTES`` (or, with a
reason, in ``EXCLUDED``). The records belong to 河口镇 (township C, in 河口县); they are
requested by township A's caseworker, and, for the pages of a county role, by the
supervisor and the records officer of 城关区 (A's county), whose grants do not reach C
either. The person's portal pages are requested in the portal session of a person of A.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import make_user, register, sign_in
from kangfu.access.audit import AccessContext
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.api.scopes import all_scopes
from kangfu.api.services import token_create
from kangfu.api.tests.conftest import bearer, new_token
from kangfu.cases import services as cases
from kangfu.cases.models import Case
from kangfu.people.services import person_break_glass
from kangfu.portal import services as portal
from kangfu.portal.auth import person_context
from kangfu.portal.tests.conftest import PORTAL_PASSWORD, assessed, portal_login, under_measure
from kangfu.referrals.tests.helpers import provider, refer
from kangfu.risk import services as risk
from kangfu.schedule import services as schedule
from kangfu.schedule.models import Appointment

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
D = dt.date

# Routes with a path parameter that this test does not request, and why.
EXCLUDED_NAMESPACES = {
    # Django's admin: for superusers only; no person or case data is registered in it.
    "admin",
}

# route name -> (who asks, the URL's parameters from the records of township C).
# Who: "worker" (A's caseworker), "supervisor" / "records" (county roles over A, not C),
# "api" (A's caseworker with a token), "portal" (a person of A in their portal session).
ROUTES = {
    "api-token-revoke": ("worker", lambda c: {"pk": c.token.pk}),
    "api:jurisdiction-detail": ("api", lambda c: {"code": c.township.code}),
    "api:person-detail": ("api", lambda c: {"id": c.person.public_id}),
    "api:case-detail": ("api", lambda c: {"id": c.case.public_id}),
    "api:case-measures": ("api", lambda c: {"case_id": c.case.public_id}),
    "api:case-agreements": ("api", lambda c: {"case_id": c.case.public_id}),
    "api:leave-request-decision": ("api", lambda c: {"pk": c.leave.pk}),
    "api:transfer-detail": ("api", lambda c: {"id": c.transfer.public_id}),
    "api:assessment-detail": ("api", lambda c: {"id": c.assessment.public_id}),
    "api:assessment-approve": ("api", lambda c: {"id": c.assessment.public_id}),
    "api:assessment-send-back": ("api", lambda c: {"id": c.assessment.public_id}),
    "api:assessment-submit": ("api", lambda c: {"id": c.assessment.public_id}),
    "people:audit-review": ("supervisor", lambda c: {"seq": c.break_glass.seq}),
    "people:person-detail": ("worker", lambda c: {"public_id": c.person.public_id}),
    "people:person-edit": ("worker", lambda c: {"public_id": c.person.public_id}),
    "people:person-purpose": ("worker", lambda c: {"public_id": c.person.public_id}),
    "people:person-access-record": ("worker", lambda c: {"public_id": c.person.public_id}),
    "people:disclosure-create": ("worker", lambda c: {"public_id": c.person.public_id}),
    "referrals:provider-detail": ("worker", lambda c: {"pk": c.provider.pk}),
    "referrals:provider-edit": ("worker", lambda c: {"pk": c.provider.pk}),
    "referrals:referral-create": ("worker", lambda c: {"case_id": c.case.public_id}),
    "referrals:referral-detail": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-consent": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-send": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-answer": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-start": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-outcome": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "referrals:referral-close": ("worker", lambda c: {"public_id": c.referral.public_id}),
    "portal:agreement-pdf": ("portal", lambda c: {"pk": c.agreement.pk}),
    "portal:notice-pdf": ("portal", lambda c: {"public_id": c.assessment.public_id}),
    "portal:referral": ("portal", lambda c: {"public_id": c.referral.public_id}),
    "portal:staff-code": ("worker", lambda c: {"public_id": c.person.public_id}),
    "portal:staff-access-off": ("worker", lambda c: {"public_id": c.person.public_id}),
    "portal:staff-agreement-code": (
        "worker",
        lambda c: {"public_id": c.case.public_id, "pk": c.agreement.pk},
    ),
    "portal:staff-review-register": ("worker", lambda c: {"pk": c.review_ask.pk}),
    "cases:transfer-detail": ("worker", lambda c: {"public_id": c.transfer.public_id}),
    "cases:sealed-detail": ("records", lambda c: {"public_id": c.sealed.public_id}),
    "cases:case-open": ("worker", lambda c: {"person_id": c.person.public_id}),
    "cases:case-detail": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:agreement-pdf": (
        "worker",
        lambda c: {"public_id": c.case.public_id, "pk": c.agreement.pk},
    ),
    **{
        f"cases:measure-{step}": ("worker", lambda c: {"public_id": c.case.public_id})
        for step in ("decision", "report", "refuse", "suspend", "resume", "terminate", "end")
    },
    "cases:agreement-create": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:agreement-sign": (
        "worker",
        lambda c: {"public_id": c.case.public_id, "pk": c.agreement.pk},
    ),
    "cases:leave-create": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:leave-decide": ("worker", lambda c: {"public_id": c.case.public_id, "pk": c.leave.pk}),
    "cases:absence-create": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:finding-report": (
        "worker",
        lambda c: {"public_id": c.refused_case.public_id, "pk": c.finding.pk},
    ),
    "cases:transfer-create": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:case-close": ("worker", lambda c: {"public_id": c.case.public_id}),
    "cases:case-seal": ("worker", lambda c: {"public_id": c.case.public_id}),
    "risk:person": ("worker", lambda c: {"person_id": c.person.public_id}),
    "risk:purpose": ("worker", lambda c: {"person_id": c.person.public_id}),
    "risk:assessment-start": ("worker", lambda c: {"person_id": c.person.public_id}),
    "risk:review-create": ("worker", lambda c: {"person_id": c.person.public_id}),
    "risk:assessment": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:assessment-edit": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:assessment-preview": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:assessment-decide": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:notice-pdf": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:notice-handover": ("worker", lambda c: {"public_id": c.assessment.public_id}),
    "risk:review-answer": ("worker", lambda c: {"public_id": c.review.public_id}),
    "risk:review-notify": ("worker", lambda c: {"public_id": c.review.public_id}),
    "schedule:case": ("worker", lambda c: {"public_id": c.case.public_id}),
    "schedule:case-consent": ("worker", lambda c: {"public_id": c.case.public_id}),
    "schedule:case-delegate": ("worker", lambda c: {"public_id": c.case.public_id}),
    "schedule:appointment-result": ("worker", lambda c: {"pk": c.appointment.pk}),
    "schedule:appointment-outcome": ("worker", lambda c: {"pk": c.appointment.pk}),
    "schedule:test-lab": ("worker", lambda c: {"pk": c.test.pk}),
    "schedule:test-retest": ("worker", lambda c: {"pk": c.test.pk}),
    "schedule:test-retest-result": ("worker", lambda c: {"pk": c.test.pk}),
    "schedule:delegation-detail": ("worker", lambda c: {"public_id": c.delegation.public_id}),
}


def routes_with_an_id() -> set[str]:
    """Namespaced names of every URL pattern with a path parameter, from the resolver."""
    found: set[str] = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(n for n in (namespace, p.namespace) if n) or None
                walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern):
                takes_id = bool(p.pattern.converters) or p.pattern.regex.groupindex
                if not takes_id or (namespace or "").split(":")[0] in EXCLUDED_NAMESPACES:
                    continue
                assert p.name, f"a route with a path parameter has no name: {p.pattern}"
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return found


def test_it_covers_every_route_that_takes_an_id():
    missing = routes_with_an_id() - set(ROUTES)
    assert not missing, f"add these routes to ROUTES (or to an exclusion, with why): {missing}"
    assert not set(ROUTES) - routes_with_an_id(), "ROUTES names routes that no longer exist"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _portal_person_of_a(personas, people):
    """A person of township A under a measure, with an active portal account."""
    person = people.in_a
    under_measure(personas.worker_a, person)
    assessed(personas.worker_a, personas.officer_a, person)
    account, code = portal.portal_code_issue(actor=personas.worker_a, person=person)

    class _Request:
        META = {"REMOTE_ADDR": "127.0.0.1"}

    portal.portal_activate(
        ctx=person_context(_Request(), person), account=account, code=code, password=PORTAL_PASSWORD
    )
    return person


@pytest.fixture
def township_c(frozen, tree, personas, people):
    """One record of each kind, all of 河口镇 (township C)."""
    worker = make_user("worker_c", Role.CASEWORKER, tree.c)
    officer = make_user("officer_c", Role.TOWNSHIP_OFFICER, tree.c)
    person = register(worker, tree.c, name="赵敏", sex="F", birth=D(1992, 5, 4))
    case, measure = under_measure(worker, person)
    assessment = assessed(worker, officer, person)
    agreement = cases.agreement_draw_up(actor=worker, measure=measure, category="medium")
    leave = cases.leave_request_record(
        actor=worker,
        case=case,
        submitted_on=D(2026, 11, 20),
        leaves_on=D(2026, 12, 1),
        returns_on=D(2026, 12, 10),
        destination_county="南屏市南湖区",
        reason="探亲",
    )
    review_ask = portal.review_ask_create(
        ctx=person_context(SimpleNamespace(META={"REMOTE_ADDR": "127.0.0.1"}), person),
        reason="我想请求重新评估风险等级",
    )
    review = risk.review_request_create(
        actor=worker, person=person, reason="本人认为已按时报到，不应为中风险"
    )
    test = schedule.test_record(
        actor=worker, case=case, taken_on=D(2026, 11, 20), sample="urine", screen_result="negative"
    )
    delegation = schedule.delegation_request(
        actor=worker, case=case, to_township=tree.b, sample="urine", due_by=D(2026, 12, 1)
    )
    clinic = provider(tree.c, name="河口镇就业基地")
    referral = refer(worker, person, clinic, until="sent")
    portal.portal_code_issue(actor=worker, person=person)
    # A second person who did not report: the refusal is a finding awaiting its report.
    refuser = register(worker, tree.c, name="钱进", birth=D(1988, 1, 9))
    refused_case = cases.case_open(
        actor=worker, person=refuser, responsible=tree.c, opened_on=D(2026, 3, 1)
    )
    refused = cases.measure_record_decision(
        actor=worker,
        case=refused_case,
        kind="community_treatment",
        decision_number="河公(禁)决字〔2026〕7号",
        deciding_authority="东川市公安局河口分局",
        decided_on=D(2026, 2, 27),
        received_on=D(2026, 3, 1),
    )
    finding = cases.measure_refuse(actor=worker, measure=refused, found_on=D(2026, 4, 1))
    # A third person's old case, sealed (arranged directly: sealing needs three clean years).
    sealed_person = register(worker, tree.c, name="孙立", birth=D(1975, 8, 8))
    sealed = cases.case_open(
        actor=worker, person=sealed_person, responsible=tree.c, opened_on=D(2026, 1, 5)
    )
    Case.objects.filter(pk=sealed.pk).update(
        state="sealed", closed_on=D(2026, 2, 1), sealed_on=D(2026, 11, 1)
    )
    emergency = make_user("emergency_c", Role.EMERGENCY_ACCESS, tree.county_c)
    person_break_glass(
        actor=AccessContext.of(emergency),
        id_number=person.id_number,
        reason="送医急救，需要核实身份并联系家属",
    )
    transfer = cases.transfer_propose(
        actor=worker, case=case, to_township=tree.b, reason="residence"
    )
    return SimpleNamespace(
        township=tree.c,
        person=person,
        case=case,
        measure=measure,
        assessment=assessment,
        agreement=agreement,
        leave=leave,
        review=review,
        test=test,
        appointment=Appointment.objects.filter(case=case).first(),
        delegation=delegation,
        provider=clinic,
        referral=referral,
        review_ask=review_ask,
        refused_case=refused_case,
        finding=finding,
        sealed=sealed,
        break_glass=AuditEvent.objects.filter(action="break_glass").latest("seq"),
        transfer=transfer,
        token=token_create(
            ctx=AccessContext.of(worker), name="c", scopes=list(all_scopes()), days=30
        )[0],
    )


@pytest.fixture
def askers(client, personas, people, tree, township_c):
    from django.test import Client

    def staff(user):
        return sign_in(Client(), user)

    portal_client = Client()
    assert portal_login(portal_client, _portal_person_of_a(personas, people)).status_code == 302
    return {
        "worker": staff(personas.worker_a),
        "supervisor": staff(personas.supervisor),
        "records": staff(make_user("records", Role.RECORDS_OFFICER, tree.county)),
        "api": bearer(new_token(personas.worker_a)),
        "portal": portal_client,
    }


def test_it_answers_404_on_every_route_for_a_record_of_another_township(township_c, askers):
    assert township_c.appointment is not None
    wrong = {}
    for name, (who, params) in sorted(ROUTES.items()):
        url = reverse(name, kwargs=params(township_c)) + "?purpose=supervision"
        client = askers[who]
        got = (client.get(url).status_code, client.post(url).status_code)
        # A GET-only route answers 405 to a POST (and a POST-only one to a GET); at least
        # one of the two must reach the lookup and find nothing.
        if not (set(got) <= {404, 405} and 404 in got):
            wrong[name] = got
    assert not wrong, f"(GET, POST) statuses other than 404/405: {wrong}"
