"""API v1 views: thin adapters over the same selectors and services as the pages."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from kangfu.access import purpose as access_purpose
from kangfu.access import selectors as access_selectors
from kangfu.access.audit import AccessContext, audit_log_read_audit, audit_record
from kangfu.access.audit_text import attach_descriptions
from kangfu.access.choices import PROMPT_PURPOSES, AuditAction, Level
from kangfu.access.forms import PurposeForm
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, grants_of, may, require
from kangfu.api.conditional import etag_of, lock_row, require_match
from kangfu.api.exceptions import Conflict
from kangfu.api.idempotency import idempotent
from kangfu.api.pagination import SeqCursorPagination, StableCursorPagination
from kangfu.api.serializers import (
    AgreementSerializer,
    AppointmentSerializer,
    AssessmentAnswersSerializer,
    AssessmentSerializer,
    AuditEventSerializer,
    CaseSerializer,
    CommentSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    DrugTestSerializer,
    InboxItemSerializer,
    JurisdictionSerializer,
    LeaveDecisionSerializer,
    LeaveRequestSerializer,
    MeasureSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    ReminderSerializer,
    TransferSerializer,
    VisitNoteSerializer,
    VisitSerializer,
)
from kangfu.cases import selectors as cases_selectors
from kangfu.cases import services as cases_services
from kangfu.cases.audit import case_read_audit, caseload_search_audit
from kangfu.cases.choices import LIVE_STATES, CaseState, MeasureKind
from kangfu.cases.filters import FILTER_NAMES as CASELOAD_FILTER_NAMES
from kangfu.cases.filters import caseload_filters
from kangfu.cases.models import LeaveRequest
from kangfu.documents import selectors as documents_selectors
from kangfu.documents import services as documents_services
from kangfu.documents.choices import EXTENSIONS
from kangfu.inbox import selectors as inbox_selectors
from kangfu.people import audit as people_audit
from kangfu.people import selectors as people_selectors
from kangfu.people import services as people_services
from kangfu.people.filters import FILTER_NAMES as PERSON_FILTER_NAMES
from kangfu.people.filters import person_filters
from kangfu.people.forms import PersonForm
from kangfu.people.models import Person
from kangfu.risk import selectors as risk_selectors
from kangfu.risk import services as risk_services
from kangfu.risk.audit import assessment_read_audit
from kangfu.risk.choices import RiskCategory
from kangfu.risk.models import Assessment
from kangfu.schedule import selectors as schedule_selectors
from kangfu.schedule import services as schedule_services
from kangfu.schedule.models import Appointment, DrugTest, Reminder
from kangfu.visits import selectors as visits_selectors
from kangfu.visits import services as visits_services
from kangfu.visits.models import Visit


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    raise NotFound()


class JurisdictionViewSet(viewsets.ReadOnlyModelViewSet):
    """The jurisdiction tree under the caller's grants (their nodes and everything below)."""

    scope_group = "jurisdictions"
    serializer_class = JurisdictionSerializer
    lookup_field = "code"
    lookup_value_regex = r"\d{6}|\d{9}|\d{12}"

    def get_queryset(self):
        paths = {g.jurisdiction.path for g in grants_of(self.request.user)}
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        qs = Jurisdiction.objects.filter(condition).select_related("parent")
        level = self.request.query_params.get("level")
        if level and level not in Level.values:
            raise ValidationError({"level": [_("Unknown level.")]})
        return qs.filter(level=level) if level else qs

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                str,
                enum=["national", "province", "city", "county", "township"],
                description="Only nodes of this level.",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


# --- persons -------------------------------------------------------------------------------


def purpose_context(request, person) -> AccessContext:
    """The access context of an API read: a record outside the caller's caseload needs a
    stated purpose, exactly as the page's purpose prompt asks (query parameters here)."""
    ctx = AccessContext.from_request(request)
    if not access_purpose.needs_purpose(request.user, person):
        return ctx
    form = PurposeForm(
        {
            "purpose": request.query_params.get("purpose", ""),
            "note": request.query_params.get("purpose_note", ""),
        }
    )
    if not form.is_valid():
        raise ValidationError(form.errors)
    return ctx.with_purpose(form.cleaned_data["purpose"], form.cleaned_data["note"])


PURPOSE_PARAMS = [
    OpenApiParameter(
        "purpose",
        str,
        description="Why a record outside your own caseload is opened (as on the page).",
        enum=[p.value for p in PROMPT_PURPOSES],
    ),
    OpenApiParameter("purpose_note", str, description="Explanation; required for 'other'."),
]


UPDATE_PARAMS = [
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="The ETag of the representation you read.",
    ),
    *PURPOSE_PARAMS,
]


# The filters the person list and the caseload share with their pages (people.filters,
# cases.filters). The API names a township by its division code and a caseworker by user
# name, as everywhere else in the API; sorting stays a page feature (the API pages by cursor).
PERSON_FILTERS = tuple(n for n in PERSON_FILTER_NAMES if n != "sort")
CASELOAD_FILTERS = tuple(n for n in CASELOAD_FILTER_NAMES if n != "sort")
CASE_COLUMN_PARAMS = [
    OpenApiParameter("measure", str, enum=MeasureKind.values, description="The live measure."),
    OpenApiParameter(
        "measure_state", str, enum=[s.value for s in LIVE_STATES], description="Its state."
    ),
    OpenApiParameter("category", str, enum=RiskCategory.values, description="Risk category."),
    OpenApiParameter("caseworker", str, description="User name of the caseworker."),
    OpenApiParameter("overdue", bool, description="Only those with a planned item past its day."),
]


def list_params(params, names, *, booleans=()) -> dict[str, str]:
    """The list filters of a request, as the page's filter form reads them: a township's
    code and a caseworker's user name turned into the records the form offers."""
    values: dict[str, str] = {}
    for name in names:
        value = params.get(name)
        if value in (None, ""):
            continue
        if name in booleans:
            if value.lower() not in ("1", "true", "on"):
                continue
            value = "on"
        elif name == "township":
            node = Jurisdiction.objects.filter(code=value[:20]).only("pk").first()
            if node is None:
                raise ValidationError({"township": [_("No township has this division code.")]})
            value = str(node.pk)
        elif name == "caseworker":
            worker = User.objects.filter(username=value[:150]).only("pk").first()
            if worker is None:
                raise ValidationError({"caseworker": [_("No caseworker has this user name.")]})
            value = str(worker.pk)
        values[name] = value
    return values


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Persons, read and written through the same selectors and services as the pages.
    Every read is audited exactly as the person page audits it."""

    scope_group = "people"
    serializer_class = PersonSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-f-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _require_reader(self):
        require(self.request.user, Action.PERSON_VIEW)

    def get_serializer_context(self):
        user = self.request.user
        return {
            **super().get_serializer_context(),
            "fields_for": lambda person: people_selectors.visible_fields(user=user, person=person),
        }

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return PersonWriteSerializer
        return PersonSerializer

    def get_queryset(self):
        return people_selectors.person_list(user=self.request.user, search=self._search())

    def _search(self) -> people_selectors.PersonSearch:
        # The page's own filter code (people.filters), so the API lists the page's rows.
        params = list_params(
            self.request.query_params, PERSON_FILTERS, booleans=("mine", "overdue")
        )
        filters = person_filters(params, user=self.request.user, page=False)
        if filters.errors:
            raise ValidationError(filters.errors)
        return filters.search

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Beginning of a name, or a full ID number."),
            OpenApiParameter("sex", str, enum=["M", "F"]),
            OpenApiParameter("township", str, description="Division code of a township."),
            OpenApiParameter("mine", bool, description="Only the caller's own caseload."),
            *CASE_COLUMN_PARAMS,
        ],
        responses=PersonSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        self._require_reader()
        search = self._search()
        page = self.paginate_queryset(
            people_selectors.person_list(user=request.user, search=search)
        )
        people_audit.person_search_audit(
            ctx=AccessContext.from_request(request), search=search, hits=page, total=None
        )
        return self.get_paginated_response(
            PersonSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def _open(self, request, public_id) -> tuple:
        self._require_reader()
        person = people_selectors.person_find(user=request.user, public_id=public_id)
        if person is None:
            raise Http404
        return person, purpose_context(request, person)

    def _representation(self, person) -> tuple[dict, str]:
        data = PersonSerializer(person, context=self.get_serializer_context()).data
        return data, etag_of(data)

    @extend_schema(parameters=PURPOSE_PARAMS, responses=PersonSerializer)
    def retrieve(self, request, *args, **kwargs):
        person, ctx = self._open(request, kwargs["id"])
        data, etag = self._representation(person)
        people_audit.person_read_audit(
            ctx=ctx,
            person=person,
            fields=[k for k, v in data.items() if v is not None and k != "id"],
        )
        return Response(data, headers={"ETag": etag})

    def _form(self, data: dict, *, townships, person=None) -> PersonForm:
        values = dict(data)
        if person is None:
            code = values.pop("township", None)
            node = next((t for t in townships if t.code == code), None)
            values["township"] = node.pk if node else "-1"
        username = values.pop("caseworker", None)
        if username:
            worker = User.objects.filter(username=username).only("pk").first()
            values["caseworker"] = worker.pk if worker else "-1"
        form = PersonForm(values, townships=townships, editing=person is not None)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return form

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        townships = people_selectors.townships_for(request.user)
        if not townships:
            raise PermissionDenied
        PersonWriteSerializer(data=request.data).is_valid(raise_exception=True)
        form = self._form(request.data, townships=townships)
        try:
            person = people_services.person_register(
                actor=AccessContext.from_request(request),
                township=form.cleaned_data["township"],
                data=form.person_data(),
                caseworker=form.cleaned_data.get("caseworker"),
            )
        except people_services.PersonAlreadyRegistered as exc:
            raise Conflict(_already_registered(exc)) from None
        data, etag = self._representation(person)
        return Response(data, status=201, headers={"ETag": etag})

    @extend_schema(
        request=PersonWriteSerializer,
        responses=PersonSerializer,
        parameters=UPDATE_PARAMS,
    )
    def partial_update(self, request, *args, **kwargs):
        person, ctx = self._open(request, kwargs["id"])
        if not may(request.user, Action.PERSON_WRITE, person):
            raise Http404
        PersonWriteSerializer(data=request.data, partial=True).is_valid(raise_exception=True)
        with transaction.atomic():
            # The ETag is compared against the row as locked here, so of two PATCHes sent
            # with the same ETag the second waits for the first and then gets 412.
            lock_row(Person, person.pk)
            person = people_selectors.person_find(user=request.user, public_id=kwargs["id"])
            current, etag = self._representation(person)
            require_match(request, etag)
            merged = {
                k: v for k, v in current.items() if k not in ("id", "township") and v is not None
            }
            merged.update({k: v for k, v in request.data.items() if k != "township"})
            form = self._form(merged, townships=[person.township], person=person)
            try:
                people_services.person_update(
                    actor=ctx,
                    person=person,
                    data=form.person_data(),
                    caseworker=form.cleaned_data.get("caseworker"),
                )
            except people_services.PersonAlreadyRegistered as exc:
                raise Conflict(_already_registered(exc)) from None
        data, etag = self._representation(person)
        return Response(data, headers={"ETag": etag})


def _already_registered(exc) -> str:
    if exc.person is not None:
        return _("This person is already registered: %(id)s.") % {"id": exc.person.public_id}
    return _(
        "This person is already registered in another jurisdiction. Request a transfer "
        "from that jurisdiction instead of registering again."
    )


# --- cases, measures, agreements, leave, transfers ---------------------------------------


def audited_list(view, request, *, query: str, fields: tuple[str, ...]):
    """A page of a case-data list, with one search event (how many, never which)."""
    page = view.paginate_queryset(view.get_queryset())
    audit_record(
        ctx=AccessContext.from_request(request),
        action=AuditAction.SEARCH,
        fields=fields if page else (),
        outside_caseload=False,
        detail=f"query={query} hits={len(page)}",
    )
    return view.get_paginated_response(view.get_serializer(page, many=True).data)


def _case_for(request, case_id) -> tuple:
    """A visible case and the access context of reading it (404 outside the caller's scope)."""
    require(request.user, Action.CASE_VIEW)
    case = cases_selectors.case_get(user=request.user, public_id=case_id)
    return case, purpose_context(request, case.person)


class CaseDataViewSet(viewsets.GenericViewSet):
    """Rows that belong to cases (leave, tests, appointments, …): scoped through
    ``visible_to``, case staff only, and every list page audited as a search."""

    model: type
    related: tuple[str, ...] = ("case",)
    audit_query = ""
    audit_fields: tuple[str, ...] = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no caller
            return self.model.objects.none()
        require(self.request.user, Action.CASE_VIEW)
        return self.model.objects.visible_to(self.request.user).select_related(*self.related)

    def list(self, request, *args, **kwargs):
        return audited_list(self, request, query=self.audit_query, fields=self.audit_fields)


def _case_input(request, serializer_class) -> tuple[dict, object, AccessContext]:
    """Validated input naming a case, the case (404 outside scope) and the access context."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    case, ctx = _case_for(request, values.pop("case")["public_id"])
    return values, case, ctx


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases under the caller's grants (open by default), as the caseload page lists them."""

    scope_group = "cases"
    serializer_class = CaseSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-f-]{36}"

    def _query(self) -> cases_selectors.CaseloadQuery:
        params = self.request.query_params
        state = params.get("state", "open")
        if state not in {"", *CaseState.values}:
            raise ValidationError({"state": [_("Unknown state.")]})
        # The page's own filter code (cases.filters), so the API lists the page's rows; the
        # API keeps its own default of every visible case unless ``mine`` is given.
        values = list_params(params, CASELOAD_FILTERS, booleans=("mine", "overdue"))
        values["mine"] = "1" if values.get("mine") else "0"
        filters = caseload_filters(values, user=self.request.user, page=False)
        if filters.errors:
            raise ValidationError(filters.errors)
        return replace(filters.query, state=state)

    def get_queryset(self):
        return cases_selectors.caseload(user=self.request.user, query=self._query())

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", bool, description="Only the caller's own caseload."),
            OpenApiParameter("state", str, enum=["", *CaseState.values]),
            OpenApiParameter("township", str, description="Division code of a township."),
            *CASE_COLUMN_PARAMS,
        ]
    )
    def list(self, request, *args, **kwargs):
        require(request.user, Action.CASE_VIEW)
        query = self._query()
        page = self.paginate_queryset(cases_selectors.caseload(user=request.user, query=query))
        caseload_search_audit(
            ctx=AccessContext.from_request(request),
            mine=query.mine,
            shown=len(page),
            total=None,
        )
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(parameters=PURPOSE_PARAMS)
    def retrieve(self, request, *args, **kwargs):
        case, ctx = _case_for(request, kwargs["id"])
        case_read_audit(ctx=ctx, case=case)
        return Response(CaseSerializer(case).data)


class MeasureViewSet(viewsets.GenericViewSet):
    """The measures of one case; POST records a new decision (awaiting the person's report)."""

    scope_group = "cases"
    serializer_class = MeasureSerializer
    pagination_class = None

    @extend_schema(parameters=PURPOSE_PARAMS, responses=MeasureSerializer(many=True))
    def list(self, request, case_id=None):
        case, ctx = _case_for(request, case_id)
        case_read_audit(ctx=ctx, case=case)
        return Response(
            MeasureSerializer(case.measures.order_by("decided_on", "id"), many=True).data
        )

    @extend_schema(
        parameters=PURPOSE_PARAMS, request=MeasureSerializer, responses={201: MeasureSerializer}
    )
    @idempotent
    def create(self, request, case_id=None):
        case, ctx = _case_for(request, case_id)
        data = MeasureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measure = cases_services.measure_record_decision(
            actor=ctx, case=case, **data.validated_data
        )
        return Response(MeasureSerializer(measure).data, status=201)


class AgreementViewSet(viewsets.GenericViewSet):
    """The agreement versions of one case (the signed paper is the PDF on the case page)."""

    scope_group = "cases"
    serializer_class = AgreementSerializer
    pagination_class = None

    @extend_schema(parameters=PURPOSE_PARAMS, responses=AgreementSerializer(many=True))
    def list(self, request, case_id=None):
        case, ctx = _case_for(request, case_id)
        case_read_audit(ctx=ctx, case=case)
        return Response(AgreementSerializer(case.agreements.order_by("-id"), many=True).data)


class DocumentViewSet(viewsets.GenericViewSet):
    """The documents attached to one case: GET lists their metadata (an audited read, one
    page at a time), POST (multipart/form-data) attaches one — checked by its content, as on
    the page; a signed agreement records the agreement's signature."""

    scope_group = "cases"
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def _case(self, request, case_id):
        require(request.user, Action.DOCUMENT_VIEW)
        case = cases_selectors.case_get(user=request.user, public_id=case_id)
        return case, purpose_context(request, case.person)

    @extend_schema(parameters=PURPOSE_PARAMS, responses=DocumentSerializer(many=True))
    def list(self, request, case_id=None):
        case, ctx = self._case(request, case_id)
        page = self.paginate_queryset(
            documents_selectors.case_documents(user=request.user, case=case).select_related("case")
        )
        person = case.person
        person.township = case.township
        audit_record(
            ctx=ctx,
            action=AuditAction.READ,
            obj=person,
            fields=("documents",),
            detail=f"documents shown={len(page)}",
        )
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(
        parameters=PURPOSE_PARAMS,
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    )
    def create(self, request, case_id=None):
        case, ctx = self._case(request, case_id)
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        upload = values["file"]
        document = documents_services.document_upload(
            actor=ctx,
            case=case,
            kind=values["kind"],
            upload=upload,
            file_name=upload.name or "",
            note=values.get("note", ""),
            signed_on=values.get("signed_on"),
        )
        return Response(DocumentSerializer(document).data, status=201)


# The bytes of a document, in the type its content was found to be.
FILE_RESPONSES = {(200, t.value): OpenApiTypes.BINARY for t in EXTENSIONS}


class DocumentFileView(APIView):
    """The file of one document: an audited read of the person's record (with the purpose
    of access when the person is outside the caller's caseload)."""

    scope_group = "cases"

    @extend_schema(parameters=PURPOSE_PARAMS, responses=FILE_RESPONSES)
    def get(self, request, id=None):
        require(request.user, Action.DOCUMENT_VIEW)
        document = documents_selectors.document_get(user=request.user, public_id=id)
        ctx = purpose_context(request, document.case.person)
        data = documents_selectors.document_open(ctx=ctx, document=document)
        response = HttpResponse(data, content_type=document.file_type)
        day = document.uploaded_at.date().isoformat()
        extension = EXTENSIONS[document.file_type]
        response["Content-Disposition"] = (
            f'attachment; filename="{document.kind}-{day}.{extension}"'
        )
        response["Cache-Control"] = "no-store, private"
        return response


class LeaveRequestViewSet(mixins.CreateModelMixin, CaseDataViewSet):
    """Written leave reports (art. 19) of the caller's cases; POST records one, and
    POST …/{id}/decision/ approves or refuses it."""

    scope_group = "cases"
    serializer_class = LeaveRequestSerializer
    lookup_value_regex = r"\d+"
    model = LeaveRequest
    audit_query, audit_fields = "leave-requests", ("leave",)

    @extend_schema(parameters=PURPOSE_PARAMS, responses={201: LeaveRequestSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        values, case, ctx = _case_input(request, LeaveRequestSerializer)
        leave = cases_services.leave_request_record(actor=ctx, case=case, **values)
        return Response(LeaveRequestSerializer(leave).data, status=201)

    @extend_schema(
        parameters=PURPOSE_PARAMS,
        request=LeaveDecisionSerializer,
        responses=LeaveRequestSerializer,
    )
    @action(detail=True, methods=["post"], url_path="decision")
    def decision(self, request, pk=None):
        leave = get_object_or_404(self.get_queryset(), pk=pk)
        ctx = purpose_context(request, leave.case.person)
        data = LeaveDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cases_services.leave_decide(
            actor=ctx,
            leave=leave,
            approve=data.validated_data["approve"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response(LeaveRequestSerializer(leave).data)


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    """Transfers sent from or received by the caller's townships (no person data)."""

    scope_group = "cases"
    serializer_class = TransferSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-f-]{36}"

    def get_queryset(self):
        require(self.request.user, Action.CASE_VIEW)
        return cases_selectors.transfers_for(user=self.request.user)


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The access log of the caller's subtree: supervisors only, as on the audit page."""

    scope_group = "audit"
    serializer_class = AuditEventSerializer
    pagination_class = SeqCursorPagination

    def get_queryset(self):
        require(self.request.user, Action.AUDIT_VIEW)
        params = self.request.query_params
        action = params.get("action", "")
        if action and action not in AuditAction.values:
            raise ValidationError({"action": [_("Unknown action.")]})
        return access_selectors.audit_list(
            user=self.request.user,
            filters=access_selectors.AuditFilter(
                username=params.get("user", "")[:150].replace("\x00", ""),
                action=action,
                person=params.get("person", "")[:64].replace("\x00", ""),
            ),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("user", str, description="User name of the actor."),
            OpenApiParameter("action", str, enum=AuditAction.values),
            OpenApiParameter("person", str, description="Public id of the person."),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_log_read_audit(
            ctx=AccessContext.from_request(request),
            person=request.query_params.get("person", "")[:64].replace("\x00", ""),
            events=page,
        )
        page = attach_descriptions(list(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- risk assessments ---------------------------------------------------------------------


class AssessmentViewSet(mixins.RetrieveModelMixin, mixins.CreateModelMixin, CaseDataViewSet):
    """Risk assessments through the same services as the risk pages: start (POST with the
    person), answer (PATCH with If-Match), submit, approve (by another person) or return."""

    scope_group = "assessments"
    serializer_class = AssessmentSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-f-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    model = Assessment
    related = ("person", "assessor", "approver")
    audit_query, audit_fields = "assessments", ("risk_assessment",)

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

    def _get(self, request, public_id):
        require(request.user, Action.CASE_VIEW)
        assessment = risk_selectors.assessment_get(user=request.user, public_id=public_id)
        return assessment, purpose_context(request, assessment.person)

    def _answer(self, assessment, status=200):
        data = AssessmentSerializer(assessment).data
        return Response(data, status=status, headers={"ETag": etag_of(data)})

    @extend_schema(parameters=PURPOSE_PARAMS)
    def retrieve(self, request, *args, **kwargs):
        assessment, ctx = self._get(request, kwargs["id"])
        assessment_read_audit(ctx=ctx, assessment=assessment)
        return self._answer(assessment)

    @extend_schema(parameters=PURPOSE_PARAMS, responses={201: AssessmentSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        require(request.user, Action.CASE_VIEW)
        data = AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = people_selectors.person_find(
            user=request.user, public_id=data.validated_data["person"]["public_id"]
        )
        if person is None:
            raise ValidationError({"person": [_("No such person in your jurisdiction.")]})
        ctx = purpose_context(request, person)
        assessment = risk_services.assessment_start(actor=ctx, person=person)
        return self._answer(assessment, status=201)

    @extend_schema(
        request=AssessmentAnswersSerializer,
        parameters=UPDATE_PARAMS,
    )
    def partial_update(self, request, *args, **kwargs):
        assessment, ctx = self._get(request, kwargs["id"])
        data = AssessmentAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            # Compare the ETag with the locked row (see persons' partial_update).
            lock_row(Assessment, assessment.pk)
            assessment.refresh_from_db()
            require_match(request, etag_of(AssessmentSerializer(assessment).data))
            risk_services.assessment_update(
                actor=ctx,
                assessment=assessment,
                answers=data.validated_data["answers"],
                evidence=data.validated_data["evidence"],
            )
        return self._answer(assessment)

    @extend_schema(request=None, parameters=PURPOSE_PARAMS)
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        assessment, ctx = self._get(request, id)
        return self._answer(risk_services.assessment_submit(actor=ctx, assessment=assessment))

    @extend_schema(request=CommentSerializer, parameters=PURPOSE_PARAMS)
    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        assessment, ctx = self._get(request, id)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data.get("comment", "")
        return self._answer(
            risk_services.assessment_approve(actor=ctx, assessment=assessment, comment=comment)
        )

    @extend_schema(
        request=CommentSerializer, parameters=PURPOSE_PARAMS, operation_id="assessments_return"
    )
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, id=None):
        assessment, ctx = self._get(request, id)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data.get("comment", "")
        return self._answer(
            risk_services.assessment_return(actor=ctx, assessment=assessment, comment=comment)
        )


# --- schedule: appointments, drug tests, reminders --------------------------------------


class AppointmentViewSet(CaseDataViewSet):
    """Planned and past tests, visits and calls of the caller's cases (filter by case)."""

    scope_group = "schedule"
    serializer_class = AppointmentSerializer
    model = Appointment
    audit_query, audit_fields = "appointments", ("schedule",)

    def get_queryset(self):
        qs = super().get_queryset()
        case = self.request.query_params.get("case")
        if case:
            if not _is_uuid(case):
                raise ValidationError({"case": [_("Not a valid case id.")]})
            qs = qs.filter(case__public_id=case)
        return qs

    @extend_schema(parameters=[OpenApiParameter("case", str, description="Public id of a case.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class DrugTestViewSet(mixins.CreateModelMixin, CaseDataViewSet):
    """Drug test results. POST records a test (on-site screen) for a case, through the same
    service as the today page; a retried upload with the same Idempotency-Key is stored once."""

    scope_group = "schedule"
    serializer_class = DrugTestSerializer
    model = DrugTest
    audit_query, audit_fields = "drug-tests", ("drug_tests",)

    @extend_schema(parameters=PURPOSE_PARAMS, responses={201: DrugTestSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        values, case, ctx = _case_input(request, DrugTestSerializer)
        appointment_id = values.pop("appointment_id", None)
        appointment = None
        if appointment_id is not None:
            appointment = Appointment.objects.filter(case=case, pk=appointment_id).first()
            if appointment is None:
                raise ValidationError({"appointment": [_("No such appointment of this case.")]})
        test = schedule_services.test_record(
            actor=ctx, case=case, appointment=appointment, **values
        )
        return Response(DrugTestSerializer(test).data, status=201)


class ReminderViewSet(CaseDataViewSet):
    """The caller's reminders (their own caseload), most urgent first, as on the today page."""

    scope_group = "schedule"
    serializer_class = ReminderSerializer
    model = Reminder
    audit_query, audit_fields = "reminders", ("reminders",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reminder.objects.none()
        require(self.request.user, Action.CASE_VIEW)
        return schedule_selectors.reminders_for(user=self.request.user)


class VisitViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, CaseDataViewSet):
    """Visits and interviews of the caller's cases (filter by case), newest first, without
    notes. GET …/{id}/ gives one visit — with its note and follow-up tasks only to the case's
    front-line staff, as an audited read. POST records one through the page's service (the
    planned visit it matches is marked done)."""

    scope_group = "schedule"
    serializer_class = VisitSerializer
    model = Visit
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9a-f-]{36}"
    audit_query, audit_fields = "visits", ("visit",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        require(self.request.user, Action.CASE_VIEW)
        qs = visits_selectors.visits_for(user=self.request.user)
        case = self.request.query_params.get("case")
        if case:
            if not _is_uuid(case):
                raise ValidationError({"case": [_("Not a valid case id.")]})
            qs = qs.filter(case__public_id=case)
        return qs

    @extend_schema(parameters=[OpenApiParameter("case", str, description="Public id of a case.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=PURPOSE_PARAMS, responses=VisitNoteSerializer)
    def retrieve(self, request, *args, **kwargs):
        require(request.user, Action.CASE_VIEW)
        visit = visits_selectors.visit_get(user=request.user, public_id=kwargs["id"])
        ctx = purpose_context(request, visit.case.person)
        if visits_selectors.may_read_note(request.user, visit.case):
            visits_selectors.note_read_audit(ctx=ctx, visit=visit)
            return Response(VisitNoteSerializer(visit).data)
        audit_record(
            ctx=ctx, action=AuditAction.READ, obj=visit.case.person, fields=("name", "visit")
        )
        return Response(VisitSerializer(visit).data)

    @extend_schema(parameters=PURPOSE_PARAMS, responses={201: VisitNoteSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        values, case, ctx = _case_input(request, VisitSerializer)
        follow_ups = [(f["task"], f["due_on"]) for f in values.pop("follow_ups", [])]
        visit = visits_services.visit_record(
            actor=ctx, case=case, staff=[request.user], follow_ups=follow_ups, **values
        )
        visit = visits_selectors.visit_get(user=request.user, public_id=visit.public_id)
        return Response(VisitNoteSerializer(visit).data, status=201)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --- the inbox -------------------------------------------------------------------------------


class InboxCursorPagination(StableCursorPagination):
    """The inbox is a short list gathered from several tables (not one queryset), so its
    cursor is the position in the list, signed into the same opaque form as other cursors."""

    def paginate_list(self, items: list, request) -> list:
        self.request = request
        self.page_size = self.get_page_size(request)
        encoded = request.query_params.get(self.cursor_query_param)
        start = 0
        if encoded:
            try:
                start = int(signing.loads(encoded, salt="inbox-cursor"))
            except (signing.BadSignature, ValueError, TypeError) as exc:
                raise NotFound(_("Invalid cursor")) from exc
        self._next = start + self.page_size if start + self.page_size < len(items) else None
        self._previous = max(start - self.page_size, 0) if start > 0 else None
        return items[start : start + self.page_size]

    def _link(self, position):
        if position is None:
            return None
        token = signing.dumps(position, salt="inbox-cursor")
        return replace_query_param(
            self.request.build_absolute_uri(), self.cursor_query_param, token
        )

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self._next),
                "previous": self._link(self._previous),
                "results": data,
            }
        )


class InboxViewSet(viewsets.GenericViewSet):
    """What waits on the caller's decision (the /inbox/ page): assessments to approve, leave
    reports, transfers and delegated tests addressed to their township, proposed findings
    ready for decision, emergency accesses to review; grouped by kind, oldest first. No
    person data: the URL of each item opens the record, audited there."""

    scope_group = "inbox"
    serializer_class = InboxItemSerializer
    pagination_class = InboxCursorPagination

    def list(self, request, *args, **kwargs):
        groups = inbox_selectors.inbox_for(user=request.user)
        items = [asdict(item) for group in groups for item in group.items]
        page = self.paginator.paginate_list(items, request)
        audit_record(
            ctx=AccessContext.from_request(request),
            action=AuditAction.SEARCH,
            fields=(),
            outside_caseload=False,
            detail=f"query=inbox hits={len(page)}",
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
