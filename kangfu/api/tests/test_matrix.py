"""The authorization matrix: every API endpoint × method × persona, with the expected status.

The endpoints are discovered from the URL conf, so a new endpoint without rows here fails
the suite. Objects used in detail URLs belong to township A (城东街道).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import register
from kangfu.cases import services
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.documents.services import document_upload
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import Upload
from kangfu.documents.tests.samples import png
from kangfu.risk import services as risk
from kangfu.visits import services as visits

pytestmark = pytest.mark.django_db

PERSONAS = (
    "worker_a",
    "worker_b",
    "supervisor",
    "civil",
    "admin",
    "anonymous",
    "expired_token",
    "token_without_scope",
)
# Routes that are documentation, not data: open to everyone.
PUBLIC = {"api:schema", "api:docs", "api:not-found"}


def row(worker_a, worker_b, supervisor, civil, admin, anonymous=401, expired=401, no_scope=403):
    return dict(
        zip(
            PERSONAS,
            (worker_a, worker_b, supervisor, civil, admin, anonymous, expired, no_scope),
            strict=True,
        )
    )


# (route name, method) -> expected status per persona.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("api:jurisdiction-list", "GET"): row(200, 200, 200, 200, 200),
    ("api:jurisdiction-detail", "GET"): row(200, 404, 200, 200, 200),
    # Everyone with a read role may list (what they get is scoped); the administrator may not.
    ("api:person-list", "GET"): row(200, 200, 200, 200, 403),
    # Only township staff register; B may not register into A (the township field is refused).
    ("api:person-list", "POST"): row(201, 400, 403, 403, 403),
    # Civil affairs sees a person only through a referral addressed to it (none here).
    ("api:person-detail", "GET"): row(200, 404, 200, 404, 403),
    # Without If-Match the owner gets 428; everyone else never learns the record exists.
    ("api:person-detail", "PATCH"): row(428, 404, 404, 404, 403),
    # Case data is for case staff: partners and the administrator never see it.
    ("api:case-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:case-detail", "GET"): row(200, 404, 200, 403, 403),
    ("api:case-measures", "GET"): row(200, 404, 200, 403, 403),
    # Supervisors read and approve; only the township records decisions.
    ("api:case-measures", "POST"): row(201, 404, 403, 403, 403),
    ("api:case-agreements", "GET"): row(200, 404, 200, 403, 403),
    # Documents: case staff read (an audited read); only the township attaches.
    ("api:case-documents", "GET"): row(200, 404, 200, 403, 403),
    ("api:case-documents", "POST"): row(201, 404, 403, 403, 403),
    ("api:document-file", "GET"): row(200, 404, 200, 403, 403),
    ("api:leave-request-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:leave-request-list", "POST"): row(201, 404, 403, 403, 403),
    ("api:leave-request-decision", "POST"): row(200, 404, 403, 403, 403),
    # Both the sending and the receiving township see a transfer.
    ("api:transfer-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:transfer-detail", "GET"): row(200, 200, 200, 403, 403),
    # Risk assessments: case staff only; the assessor submits, another person approves.
    ("api:assessment-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:assessment-list", "POST"): row(201, 400, 400, 403, 403),
    ("api:assessment-detail", "GET"): row(200, 404, 200, 403, 403),
    ("api:assessment-detail", "PATCH"): row(428, 404, 428, 403, 403),
    ("api:assessment-submit", "POST"): row(200, 404, 403, 403, 403),
    ("api:assessment-approve", "POST"): row(403, 404, 200, 403, 403),
    ("api:assessment-send-back", "POST"): row(403, 404, 200, 403, 403),
    # Schedule data: case staff only; results are recorded by the township.
    ("api:appointment-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:drug-test-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:drug-test-list", "POST"): row(201, 404, 403, 403, 403),
    ("api:reminder-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:visit-list", "GET"): row(200, 200, 200, 403, 403),
    ("api:visit-list", "POST"): row(201, 404, 403, 403, 403),
    # The supervisor gets the visit without its note (kangfu/api/tests/test_visits_api.py).
    ("api:visit-detail", "GET"): row(200, 404, 200, 403, 403),
    # Everyone signed in has an inbox (empty when they decide nothing); its own scope.
    ("api:inbox-list", "GET"): row(200, 200, 200, 200, 200),
    # The access log is for supervisors only.
    ("api:audit-event-list", "GET"): row(403, 403, 200, 403, 403, no_scope=403),
}


def path_for(name: str, objects) -> str:
    kwargs = {
        "api:jurisdiction-detail": {"code": objects.tree.a.code},
        "api:person-detail": {"id": objects.people.in_a.public_id},
        "api:case-detail": {"id": objects.case.public_id},
        "api:case-measures": {"case_id": objects.case.public_id},
        "api:case-agreements": {"case_id": objects.case.public_id},
        "api:case-documents": {"case_id": objects.case.public_id},
        "api:document-file": {"id": objects.document.public_id},
        "api:leave-request-decision": {"pk": objects.leave.pk},
        "api:transfer-detail": {"id": objects.transfer.public_id},
        "api:assessment-detail": {"id": objects.assessment.public_id},
        "api:assessment-submit": {"id": objects.assessment.public_id},
        "api:assessment-approve": {"id": objects.submitted.public_id},
        "api:assessment-send-back": {"id": objects.submitted.public_id},
        "api:visit-detail": {"id": objects.visit.public_id},
    }.get(name, {})
    if name == "api:case-measures" and objects.method == "POST":
        kwargs = {"case_id": objects.empty_case.public_id}
    # Supervisors state a purpose, as the page would ask them to.
    return reverse(name, kwargs=kwargs) + "?purpose=supervision"


def api_routes() -> set[tuple[str, str]]:
    """(namespaced route name, HTTP method) for every API v1 endpoint in the URL conf."""
    found: set[tuple[str, str]] = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "api" and p.name:
                name = f"api:{p.name}"
                if name in PUBLIC:
                    continue
                actions = getattr(p.callback, "actions", None) or {"get": "get"}
                # DRF adds "head" to a viewset's actions once it has answered a GET.
                for method in set(actions) - {"head"}:
                    found.add((name, method.upper()))

    walk(get_resolver().url_patterns, None)
    return found


def test_every_api_endpoint_has_a_row_in_the_matrix():
    missing = api_routes() - set(MATRIX)
    assert not missing, f"add rows to MATRIX for: {sorted(missing)}"
    assert not set(MATRIX) - api_routes(), "MATRIX lists routes that no longer exist"


@pytest.fixture
def objects(personas, tree, people):
    """Records of township A at every point the matrix needs, on 2024-06-03."""
    case = open_case(personas.worker_a, people.in_a, opened_on=day("2024-03-01"))
    measure = decide(personas.worker_a, case)
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    leave = services.leave_request_record(
        actor=personas.worker_a,
        case=case,
        submitted_on=day("2024-06-01"),
        leaves_on=day("2024-06-10"),
        returns_on=day("2024-06-20"),
        destination_county="南屏市南湖区",
        reason="探亲",
    )
    transfer = services.transfer_propose(
        actor=personas.worker_a, case=case, to_township=tree.b, reason="residence"
    )
    other = register(personas.worker_a, tree.a, name="刘洋")
    empty_case = open_case(personas.worker_a, other, opened_on=day("2024-05-01"))
    assessment = risk.assessment_start(actor=personas.worker_a, person=people.in_a)
    third = register(personas.worker_a, tree.a, name="孙强")
    submitted = risk.assessment_submit(
        actor=personas.worker_a,
        assessment=risk.assessment_start(actor=personas.worker_a, person=third),
    )
    document = document_upload(
        actor=personas.worker_a, case=case, kind="other", upload=Upload(samples.png())
    )
    visit = visits.visit_record(
        actor=personas.worker_a, case=case, visited_on=day("2024-06-01"), place="home", note="记录"
    )
    return SimpleNamespace(
        tree=tree,
        people=people,
        case=case,
        document=document,
        visit=visit,
        leave=leave,
        transfer=transfer,
        empty_case=empty_case,
        other=other,
        assessment=assessment,
        submitted=submitted,
        method="GET",
    )


@pytest.fixture(autouse=True)
def _frozen_day():
    """Every fixture and request of this module runs on 2024-06-03 (Asia/Shanghai)."""
    with time_machine.travel(dt.datetime(2024, 6, 3, 2, tzinfo=dt.UTC), tick=False):
        yield


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_the_authorization_matrix(route, method, api, objects):
    objects.method = method
    path = path_for(route, objects)
    body = dict(PAYLOADS.get((route, method), {}))
    if body.get("case") == "CASE":
        body["case"] = str(objects.case.public_id)
    if body.get("person") == "OTHER":
        body["person"] = str(objects.other.public_id)
    got = {}
    for persona in PERSONAS:
        client = getattr(api, persona)
        call = getattr(client, method.lower())
        if (route, method) in MULTIPART:
            # A fresh file per call: an upload is read once.
            upload = {**MULTIPART[(route, method)], "file": SimpleUploadedFile("a.png", png())}
            response = call(path, upload, format="multipart")
        else:
            response = call(path, body, format="json") if body else call(path)
        got[persona] = response.status_code
    assert got == MATRIX[(route, method)]


# Request bodies for writes (valid input, so the status shows authorization, not validation).
PAYLOADS: dict[tuple[str, str], dict] = {
    ("api:person-list", "POST"): {
        "name": "赵磊",
        "id_number": "520102198806151358",
        "hukou_place": "示范省东川市城关区",
        "township": "520102001",
    },
    ("api:person-detail", "PATCH"): {"phone": "13912345678"},
    ("api:case-measures", "POST"): {
        "kind": "community_treatment",
        "decision_number": "东公(禁)决字〔2024〕30号",
        "deciding_authority": "东川市公安局城关分局",
        "decided_on": "2024-05-28",
        "received_on": "2024-05-30",
    },
    ("api:leave-request-list", "POST"): {
        "case": "CASE",
        "submitted_on": "2024-06-02",
        "leaves_on": "2024-07-01",
        "returns_on": "2024-07-05",
        "destination_county": "南屏市南湖区",
        "reason": "看病",
    },
    ("api:leave-request-decision", "POST"): {"approve": True},
    ("api:assessment-list", "POST"): {"person": "OTHER"},
    ("api:drug-test-list", "POST"): {
        "case": "CASE",
        "taken_on": "2024-06-02",
        "sample": "urine",
        "screen_result": "negative",
    },
    ("api:visit-list", "POST"): {
        "case": "CASE",
        "visited_on": "2024-06-02",
        "place": "office",
        "others_present": "母亲",
        "note": "谈到找工作",
    },
    ("api:assessment-approve", "POST"): {"comment": "同意"},
    ("api:assessment-send-back", "POST"): {"comment": "请补充 H3 的诊断证明"},
}

# Writes sent as multipart/form-data (a file upload); "file" is added per call.
MULTIPART: dict[tuple[str, str], dict] = {
    ("api:case-documents", "POST"): {"kind": "other"},
}
