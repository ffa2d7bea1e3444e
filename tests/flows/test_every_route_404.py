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
from kangfu.cases.tests.conftest import decide
from kangfu.documents import services as documents
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload
from kangfu.ledger.models import ImportRun
from kangfu.people.services import person_break_glass
from kangfu.portal import services as portal
from kangfu.portal.auth import person_context
from kangfu.portal.tests.conftest import PORTAL_PASSWORD, assessed, portal_login, under_measure
from kangfu.referrals.tests.helpers import provider, refer
from kangfu.risk import services as risk
from kangfu.schedule import services as schedule
from kangfu.schedule.models import Appointment
from kangfu.visits import services as visits

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
D = dt.date

# Routes with a path parameter that this test does not request, and why.
EXCLUDED_NAMESPACES = {
    # Django's admin: for superusers only; no person or case data is registered in it.
    "admin",
}

# route name -> (who asks, which record of township C each URL parameter names).
# Who: "worker" (A's caseworker), "supervisor" / "records" (county roles over A, not C),
# "api" (A's caseworker with a token), "portal" (a person of A in their portal session).
# A parameter "pk", "seq" or "code" takes that field of the record; any other its public_id.
PERSON, CASE, ASSESSMENT = (
    {"public_id": "person"},
    {"public_id": "case"},
    {"public_id": "assessment"},
)
REFERRAL, REVIEW = {"public_id": "referral"}, {"public_id": "review"}
RISK_PERSON = {"person_id": "person"}


def _each(who: str, params: dict, *names: str) -> dict:
    return {name: (who, params) for name in names}


ROUTES = {
    "api-token-revoke": ("worker", {"pk": "token"}),
    "api:jurisdiction-detail": ("api", {"code": "township"}),
    "api:person-detail": ("api", {"id": "person"}),
    **_each("api", {"id": "case"}, "api:case-detail"),
    **_each(
        "api",
        {"case_id": "case"},
        "api:case-measures",
        "api:case-agreements",
        "api:case-documents",
    ),
    "api:document-file": ("api", {"id": "document"}),
    "api:leave-request-decision": ("api", {"pk": "leave"}),
    "api:transfer-detail": ("api", {"id": "transfer"}),
    **_each(
        "api",
        {"id": "assessment"},
        "api:assessment-detail",
        "api:assessment-approve",
        "api:assessment-send-back",
        "api:assessment-submit",
    ),
    "people:audit-review": ("supervisor", {"seq": "break_glass"}),
    **_each(
        "worker",
        PERSON,
        "people:person-detail",
        "people:person-edit",
        "people:person-purpose",
        "people:person-access-record",
        "people:disclosure-create",
        "portal:staff-code",
        "portal:staff-access-off",
    ),
    **_each("worker", {"pk": "provider"}, "referrals:provider-detail", "referrals:provider-edit"),
    "referrals:referral-create": ("worker", {"case_id": "case"}),
    **_each(
        "worker",
        REFERRAL,
        *(
            f"referrals:referral-{step}"
            for step in ("detail", "consent", "send", "answer", "start", "outcome", "close")
        ),
    ),
    "portal:agreement-pdf": ("portal", {"pk": "agreement"}),
    "portal:notice-pdf": ("portal", ASSESSMENT),
    "portal:referral": ("portal", REFERRAL),
    "portal:staff-review-register": ("worker", {"pk": "review_ask"}),
    **_each(
        "worker",
        {"public_id": "case", "pk": "agreement"},
        "portal:staff-agreement-code",
        "cases:agreement-pdf",
        "cases:agreement-sign",
    ),
    "cases:transfer-detail": ("worker", {"public_id": "transfer"}),
    "cases:sealed-detail": ("records", {"public_id": "sealed"}),
    "cases:case-open": ("worker", {"person_id": "person"}),
    **_each(
        "worker",
        CASE,
        "cases:case-detail",
        *(
            f"cases:measure-{step}"
            for step in ("decision", "report", "refuse", "suspend", "resume", "terminate", "end")
        ),
        "cases:agreement-create",
        "cases:leave-create",
        "cases:absence-create",
        "cases:transfer-create",
        "cases:case-close",
        "cases:case-seal",
        "schedule:case",
        "schedule:case-consent",
        "schedule:case-delegate",
    ),
    "cases:leave-decide": ("worker", {"public_id": "case", "pk": "leave"}),
    **_each(
        "worker",
        {"public_id": "refused_case", "pk": "finding"},
        "cases:finding-report",
        "cases:finding-notice",
        "cases:finding-notice-pdf",
        "cases:finding-explain",
        "cases:finding-decide",
        "cases:finding-withdraw",
        "cases:finding-correction",
    ),
    "cases:absence-withdraw": ("worker", {"public_id": "case", "pk": "absence"}),
    "cases:transfer-report": ("worker", {"public_id": "case", "pk": "transfer"}),
    "portal:finding-explain": ("portal", {"pk": "finding"}),
    **_each(
        "worker",
        RISK_PERSON,
        "risk:person",
        "risk:purpose",
        "risk:assessment-start",
        "risk:review-create",
    ),
    **_each(
        "worker",
        ASSESSMENT,
        *(
            f"risk:{page}"
            for page in (
                "assessment",
                "assessment-edit",
                "assessment-preview",
                "assessment-decide",
                "notice-pdf",
                "notice-handover",
            )
        ),
    ),
    **_each("worker", REVIEW, "risk:review-answer", "risk:review-notify"),
    **_each(
        "worker",
        {"pk": "appointment"},
        "schedule:appointment-result",
        "schedule:appointment-outcome",
    ),
    **_each(
        "worker",
        {"pk": "test"},
        "schedule:test-lab",
        "schedule:test-retest",
        "schedule:test-retest-result",
    ),
    "schedule:delegation-detail": ("worker", {"public_id": "delegation"}),
    # Figures, never persons: still, another township's dashboard looks missing.
    "reports:dashboard": ("worker", {"code": "township"}),
    # An import run of township C, asked for by the officer of A (who may import at A).
    **_each("officer", {"public_id": "import_run"}, "ledger:import-run", "ledger:import-commit"),
    "reports:report": ("worker", {"code": "township", "fmt": "=xlsx"}),
    "reports:received-node": ("worker", {"code": "township"}),
    **_each("worker", {"case_id": "case"}, "documents:case-documents", "documents:document-upload"),
    **_each(
        "worker",
        {"public_id": "document"},
        "documents:document-file",
        "documents:document-preview",
        "documents:document-withdraw",
    ),
    **_each("worker", CASE, "visits:case", "visits:visit-create"),
    **_each(
        "worker",
        {"public_id": "visit"},
        "visits:visit-detail",
        "visits:visit-withdraw",
        "visits:follow-up-add",
    ),
    "visits:follow-up-done": ("worker", {"pk": "follow_up"}),
    "api:visit-detail": ("api", {"id": "visit"}),
}


def url_kwargs(params: dict, records) -> dict:
    kwargs = {}
    for name, record in params.items():
        if record.startswith("="):  # a literal part of the address, not a record
            kwargs[name] = record[1:]
            continue
        field = name if name in ("pk", "seq", "code") else "public_id"
        kwargs[name] = getattr(getattr(records, record), field)
    return kwargs


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
    absence = cases.absence_record(
        actor=worker, case=case, first_day=D(2026, 6, 1), last_day=D(2026, 6, 5)
    )
    # A second person who did not report: the refusal is a finding awaiting its report.
    refuser = register(worker, tree.c, name="钱进", birth=D(1988, 1, 9))
    refused_case = cases.case_open(
        actor=worker, person=refuser, responsible=tree.c, opened_on=D(2026, 3, 1)
    )
    refused = decide(worker, refused_case, received="2026-03-01")
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
    visit = visits.visit_record(
        actor=worker,
        case=case,
        visited_on=D(2026, 11, 20),
        place="home",
        note="走访记录",
        follow_ups=[("回访", D(2026, 11, 30))],
    )
    transfer = cases.transfer_propose(
        actor=worker, case=case, to_township=tree.b, reason="residence"
    )
    document = documents.document_upload(
        actor=worker, case=case, kind="lab_report", upload=Upload(samples.png(), "c.png")
    )
    return SimpleNamespace(
        township=tree.c,
        document=document,
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
        absence=absence,
        import_run=ImportRun.objects.create(
            township=tree.c, uploaded_by=officer, file_name="台账.xlsx", digest="0" * 64
        ),
        sealed=sealed,
        break_glass=AuditEvent.objects.filter(action="break_glass").latest("seq"),
        transfer=transfer,
        visit=visit,
        follow_up=visit.follow_ups.get(),
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
        "officer": staff(personas.officer_a),
        "records": staff(make_user("records", Role.RECORDS_OFFICER, tree.county)),
        "api": bearer(new_token(personas.worker_a)),
        "portal": portal_client,
    }


def test_it_answers_404_on_every_route_for_a_record_of_another_township(township_c, askers):
    assert township_c.appointment is not None
    wrong = {}
    for name, (who, params) in sorted(ROUTES.items()):
        url = reverse(name, kwargs=url_kwargs(params, township_c)) + "?purpose=supervision"
        client = askers[who]
        got = (client.get(url).status_code, client.post(url).status_code)
        # A GET-only route answers 405 to a POST (and a POST-only one to a GET); at least
        # one of the two must reach the lookup and find nothing.
        if not (set(got) <= {404, 405} and 404 in got):
            wrong[name] = got
    assert not wrong, f"(GET, POST) statuses other than 404/405: {wrong}"
