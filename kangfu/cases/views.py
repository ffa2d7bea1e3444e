"""Case pages: thin views over cases.selectors and cases.services (habit 7).

Every transition has the same shape — a small form, one service call — so they share one
view (``case_action``) driven by the ``ACTIONS`` table; each has its own URL name.
Everything is looked up through ``visible_to``: another jurisdiction's case is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.permissions import Action, may, nodes_for, require
from kangfu.cases import forms, lifecycle, selectors, services
from kangfu.cases.agreements import agreement_pdf, finding_notice_pdf
from kangfu.cases.audit import case_read_audit, caseload_search_audit
from kangfu.cases.choices import LeaveState, MeasureState, TransferState
from kangfu.cases.filters import caseload_filters
from kangfu.cases.models import Case
from kangfu.cases.services.findings import may_decide
from kangfu.core.db import prepared
from kangfu.core.events import Slot
from kangfu.core.paging import KeysFirstPaginator
from kangfu.people.selectors import person_get

PAGE_SIZE = 25

# Sections of the case page that apps above cases draw (documents): ``(request, case)`` →
# rendered HTML snippets, in page order. Filled in kangfu/web/reactions.py; none by default.
CASE_SECTIONS: Slot = Slot("cases.case_sections", default=lambda request, case: ())


def _context(request, case: Case) -> AccessContext | HttpResponse:
    """The access context for this case, or a redirect to state a purpose first when the
    person is outside the user's caseload (the same prompt as the person's page)."""
    ctx = AccessContext.from_request(request)
    person = case.person
    if not access_purpose.needs_purpose(request.user, person):
        return ctx
    given = access_purpose.purpose_for(request, person.public_id)
    if given is None:
        url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
        return access_purpose.prompt(request, person.public_id, url=f"{url}?next=detail")
    return ctx.with_purpose(given.code, given.note)


def _case_url(case: Case) -> str:
    return reverse("cases:case-detail", kwargs={"public_id": case.public_id})


def _go(request, url: str) -> HttpResponse:
    # An htmx form post must make the browser navigate, not swap the page into the form.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- lists ------------------------------------------------------------------------------


@login_required
def caseload(request):
    """The caseworker's caseload (or a supervisor's subtree): open cases and what is due,
    filtered and sorted by any column the database can sort (not the encrypted name)."""
    user = request.user
    require(user, Action.CASE_VIEW)
    filters = caseload_filters(request.GET, user=user)
    form, query = filters.form, filters.query
    on = selectors.today()
    qs = selectors.caseload(user=user, query=query, on=on)
    page = KeysFirstPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    hits = list(page.object_list)
    for c in hits:
        c.days_overdue = (on - c.overdue_since).days if c.overdue_since else None
    caseload_search_audit(
        ctx=AccessContext.from_request(request),
        mine=query.mine,
        shown=len(hits),
        total=page.paginator.count,
        page=page.number,
    )
    params = request.GET.copy()
    params.pop("page", None)
    paged = params.urlencode()
    params.pop("sort", None)
    return render(
        request,
        "cases/caseload.html#rows" if request.htmx else "cases/caseload.html",
        {
            "page": page,
            "cases": hits,
            "mine": query.mine,
            "form": form,
            "columns": _sort_columns(query.sort),
            "filters": params.urlencode(),
            "query": f"{paged}&" if paged else "",
            "findings": selectors.open_findings(user=user).count(),
            "incoming": selectors.transfers_for(user=user)
            .filter(state=TransferState.PROPOSED)
            .exclude(from_township__in=_held_nodes(user))
            .count(),
        },
    )


CASELOAD_COLUMNS = (
    ("measure", gettext_lazy("Measure")),
    ("state", gettext_lazy("State")),
    ("category", gettext_lazy("Category")),
    ("next_due", gettext_lazy("Next due")),
    ("overdue", gettext_lazy("Days overdue")),
    ("township", gettext_lazy("Township")),
    ("caseworker", gettext_lazy("Caseworker")),
)


def _sort_columns(current: str) -> list[tuple[str, Promise, str, str]]:
    """Column headings: (key, label, "ascending"/"descending"/"", the sort a click asks for).
    Days overdue sorts by the day it began, so its first click shows the longest overdue."""
    columns = []
    for key, label in CASELOAD_COLUMNS:
        first = f"{key}" if key != "overdue" else "overdue"
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        columns.append((key, label, state, f"-{key}" if current == first else first))
    return columns


def _held_nodes(user) -> list[int]:
    # The nodes themselves (data, not a check): "incoming" means sent from elsewhere.
    return [node.pk for node in nodes_for(user, Action.CASE_VIEW)]


# --- the case page ------------------------------------------------------------------------


@login_required
def case_open(request, person_id):
    """Open a case for a person of the user's township (a link on the person's page)."""
    person = person_get(user=request.user, public_id=person_id)
    if not may(request.user, Action.CASE_WORK, person):
        raise Http404
    form = forms.CaseOpenForm(
        request.POST or None,
        initial={"responsible": person.township_id, "opened_on": selectors.today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                actor=AccessContext.from_request(request),
                person=person,
                responsible=form.cleaned_data["responsible"],
                co_managing=form.cleaned_data["co_managing"],
                opened_on=form.cleaned_data["opened_on"],
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("The case has been opened."))
            return _go(request, _case_url(case))
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {"form": form, "title": _("Open a case"), "back": person_url(person)},
    )


def person_url(person) -> str:
    return reverse("people:person-detail", kwargs={"public_id": person.public_id})


@login_required
@prepared()  # one case's rows, read by its key (kangfu.core.db)
def case_detail(request, public_id):
    require(request.user, Action.CASE_VIEW)
    case = selectors.case_get(user=request.user, public_id=public_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    measures = list(case.measures.order_by("decided_on", "id"))
    live = next((m for m in measures if m.is_live), None)
    case_read_audit(ctx=ctx, case=case)
    leave_requests = list(case.leave_requests.select_related("measure"))
    leaves = [selectors.leave_overview(case, leave) for leave in leave_requests]
    absences = list(case.absences.all())
    writer = may(request.user, Action.CASE_WORK, case) and case.is_open
    findings = list(case.findings.select_related("decided_by", "withdrawn_by"))
    # Shown and offered only once the case is closed: an open case skips its three queries.
    closed = case.closed_on is not None or case.state == "closed"
    sealing_due = selectors.sealing_due(case) if closed else None
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "measures": measures,
            "live": live,
            "transitions": [
                (f"cases:measure-{t.value}", ACTIONS[f"measure-{t.value}"].title)
                for t in (lifecycle.available(live.state) if live and writer else [])
            ],
            "agreements": list(case.agreements.select_related("measure").order_by("-id")),
            "leaves": leaves,
            "absences": absences,
            # The page's own reads of the leaves, absences, measures and findings are handed
            # on, not read a second time.
            "breach": selectors.breach_assess(
                live, case_leaves=leave_requests, case_absences=absences
            )
            if live and live.starts_on
            else None,
            "findings": findings,
            "decidable": {f.pk for f in findings if f.is_proposed and may_decide(request.user, f)},
            "external": list(case.external_periods.all()),
            "transfers": list(case.transfers.select_related("to_township")),
            "events": list(selectors.timeline(case)),
            "writer": writer,
            "can_close": writer and live is None,
            # Offered only from the day sealing is allowed (three years after the last measure).
            "can_seal": may(request.user, Action.CASE_WORK, case)
            and case.state == "closed"
            and sealing_due is not None
            and sealing_due <= selectors.today(),
            "sealing_due": sealing_due,
            "category": selectors.category_of(case, measures=measures, findings=findings),
            "sections": CASE_SECTIONS(request, case),
            "S": MeasureState,
            "pending": LeaveState.PENDING,
        },
    )


@login_required
@require_http_methods(["GET"])
def agreement_pdf_view(request, public_id, pk):
    require(request.user, Action.CASE_VIEW)
    case = selectors.case_get(user=request.user, public_id=public_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    agreement = get_object_or_404(case.agreements.select_related("measure"), pk=pk)
    return agreement_pdf_response(ctx=ctx, case=case, agreement=agreement)


@login_required
@require_http_methods(["GET"])
def finding_notice_pdf_view(request, public_id, pk):
    """The printable notice of a proposed finding, for the person (always in Chinese)."""
    require(request.user, Action.CASE_VIEW)
    case = selectors.case_get(user=request.user, public_id=public_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    finding = get_object_or_404(case.findings.select_related("measure"), pk=pk)
    audit_record(ctx=ctx, action=AuditAction.PRINT, obj=case.person, fields=("name", "finding"))
    response = HttpResponse(
        finding_notice_pdf(finding, person=case.person, township=case.township),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="notice-{case.public_id}-{finding.pk}.pdf"'
    return response


def agreement_pdf_response(*, ctx: AccessContext, case: Case, agreement, portal_code=None):
    """The agreement as an audited PDF print; with the portal's staff page
    (portal:staff-agreement-code) it carries a fresh activation code."""
    audit_record(ctx=ctx, action=AuditAction.PRINT, obj=case.person, fields=("name", "agreement"))
    pdf = agreement_pdf(
        agreement, person=case.person, township=case.township, portal_code=portal_code
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="agreement-{case.public_id}-v{agreement.version}.pdf"'
    )
    return response


# --- transitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    form: type
    run: Callable[..., Any]
    title: Promise
    done: Promise
    initial: Callable[[Case], dict] = lambda case: {"on": selectors.today()}


def _today_for(*fields: str) -> Callable[[Case], dict]:
    return lambda case: {f: selectors.today() for f in fields}


def _live(case: Case):
    measure = selectors.live_measure(case)
    if measure is None:
        raise ValidationError(_("There is no measure in force."))
    return measure


def _decide_leave(ctx, case, data, pk):
    leave = get_object_or_404(case.leave_requests, pk=pk)
    return services.leave_decide(
        actor=ctx, leave=leave, approve=data["decision"] == "approve", reason=data["reason"]
    )


ACTIONS: dict[str, ActionSpec] = {
    "measure-decision": ActionSpec(
        forms.DecisionForm,
        lambda ctx, case, d, pk: services.measure_record_decision(actor=ctx, case=case, **d),
        gettext_lazy("Record a decision"),
        gettext_lazy("The decision has been recorded."),
        _today_for("decided_on", "received_on"),
    ),
    "measure-report": ActionSpec(
        forms.ReportForm,
        lambda ctx, case, d, pk: services.measure_report(actor=ctx, measure=_live(case), **d),
        gettext_lazy("Record the report"),
        gettext_lazy("The report has been recorded; the measure is in force."),
        _today_for("reported_on"),
    ),
    "measure-refuse": ActionSpec(
        forms.RefuseForm,
        lambda ctx, case, d, pk: services.measure_refuse(actor=ctx, measure=_live(case), **d),
        gettext_lazy("Propose a refusal"),
        gettext_lazy(
            "A refusal is proposed. Give the person the notice: they may explain before a "
            "township officer decides."
        ),
        _today_for("found_on"),
    ),
    "measure-suspend": ActionSpec(
        forms.SuspendForm,
        lambda ctx, case, d, pk: services.measure_suspend(actor=ctx, measure=_live(case), **d),
        gettext_lazy("Suspend the measure"),
        gettext_lazy("The measure is suspended."),
        _today_for("detained_on"),
    ),
    "measure-resume": ActionSpec(
        forms.ResumeForm,
        lambda ctx, case, d, pk: services.measure_resume(actor=ctx, measure=_live(case), **d),
        gettext_lazy("Resume the measure"),
        gettext_lazy("The measure has resumed."),
        _today_for("released_on"),
    ),
    "measure-terminate": ActionSpec(
        forms.TerminateForm,
        lambda ctx, case, d, pk: services.measure_terminate(actor=ctx, measure=_live(case), **d),
        gettext_lazy("Terminate the measure"),
        gettext_lazy("The measure has been terminated."),
        _today_for("starts_on"),
    ),
    "measure-end": ActionSpec(
        forms.ConfirmForm,
        lambda ctx, case, d, pk: services.measure_end(actor=ctx, measure=_live(case)),
        gettext_lazy("End the measure"),
        gettext_lazy("The measure has ended."),
        lambda case: {},
    ),
    "agreement-create": ActionSpec(
        forms.ConfirmForm,
        lambda ctx, case, d, pk: services.agreement_draw_up(
            actor=ctx, measure=_live(case), category=selectors.category_of(case)
        ),
        gettext_lazy("Draw up the agreement"),
        gettext_lazy("The agreement is ready to print."),
        lambda case: {},
    ),
    "agreement-sign": ActionSpec(
        forms.SignForm,
        lambda ctx, case, d, pk: services.agreement_sign(
            actor=ctx, agreement=get_object_or_404(case.agreements, pk=pk), **d
        ),
        gettext_lazy("Record the signature"),
        gettext_lazy("The signature has been recorded."),
        _today_for("signed_on"),
    ),
    "leave-create": ActionSpec(
        forms.LeaveForm,
        lambda ctx, case, d, pk: services.leave_request_record(actor=ctx, case=case, **d),
        gettext_lazy("Record a leave report"),
        gettext_lazy("The leave report has been recorded."),
        _today_for("submitted_on", "leaves_on"),
    ),
    "leave-decide": ActionSpec(
        forms.DecideForm,
        _decide_leave,
        gettext_lazy("Decide on the leave report"),
        gettext_lazy("The decision has been recorded."),
        lambda case: {},
    ),
    "absence-create": ActionSpec(
        forms.AbsenceForm,
        lambda ctx, case, d, pk: services.absence_record(actor=ctx, case=case, **d),
        gettext_lazy("Record an unauthorised absence"),
        gettext_lazy("The absence has been recorded."),
        lambda case: {},
    ),
    "finding-notice": ActionSpec(
        forms.NoticeForm,
        lambda ctx, case, d, pk: services.finding_notify(
            actor=ctx, finding=get_object_or_404(case.findings, pk=pk), **d
        ),
        gettext_lazy("Record that the person was given the notice"),
        gettext_lazy("Recorded. The person may now explain, in writing, orally or in the portal."),
        _today_for("notified_on"),
    ),
    "finding-explain": ActionSpec(
        forms.ExplanationForm,
        lambda ctx, case, d, pk: services.finding_explain(
            actor=ctx, finding=get_object_or_404(case.findings, pk=pk), **d
        ),
        gettext_lazy("Record the person's explanation"),
        gettext_lazy("The explanation has been recorded; the officer will see it."),
        _today_for("explained_on"),
    ),
    "finding-decide": ActionSpec(
        forms.FindingDecisionForm,
        lambda ctx, case, d, pk: services.finding_decide(
            actor=ctx,
            finding=get_object_or_404(case.findings, pk=pk),
            confirm=d["decision"] == "confirm",
            reason=d["reason"],
            decided_on=d["decided_on"],
        ),
        gettext_lazy("Decide the proposed finding"),
        gettext_lazy("The decision has been recorded."),
        _today_for("decided_on"),
    ),
    "finding-withdraw": ActionSpec(
        forms.WithdrawForm,
        lambda ctx, case, d, pk: services.finding_withdraw(
            actor=ctx, finding=get_object_or_404(case.findings, pk=pk), **d
        ),
        gettext_lazy("Withdraw the finding"),
        gettext_lazy("The finding has been withdrawn; it no longer counts."),
        lambda case: {},
    ),
    "finding-correction": ActionSpec(
        forms.CorrectionForm,
        lambda ctx, case, d, pk: services.police_correction_record(
            actor=ctx, finding=get_object_or_404(case.findings, pk=pk), **d
        ),
        gettext_lazy("Record that public security was told of the correction"),
        gettext_lazy("Recorded."),
        _today_for("told_on"),
    ),
    "absence-withdraw": ActionSpec(
        forms.WithdrawForm,
        lambda ctx, case, d, pk: services.absence_withdraw(
            actor=ctx, absence=get_object_or_404(case.absences, pk=pk), **d
        ),
        gettext_lazy("Withdraw the absence"),
        gettext_lazy("The absence has been withdrawn; the art. 20 counts are recomputed."),
        lambda case: {},
    ),
    "transfer-report": ActionSpec(
        forms.TransferReportForm,
        lambda ctx, case, d, pk: services.transfer_report_record(
            actor=ctx, transfer=get_object_or_404(case.transfers, pk=pk), **d
        ),
        gettext_lazy("Record the report at the new township"),
        gettext_lazy("The report has been recorded."),
        _today_for("reported_on"),
    ),
    "finding-report": ActionSpec(
        forms.FindingReportForm,
        lambda ctx, case, d, pk: services.finding_report(
            actor=ctx, finding=get_object_or_404(case.findings, pk=pk), **d
        ),
        gettext_lazy("Record the report to public security"),
        gettext_lazy("The report to public security has been recorded as a disclosure."),
        _today_for("reported_on"),
    ),
    "transfer-create": ActionSpec(
        forms.TransferForm,
        lambda ctx, case, d, pk: services.transfer_propose(actor=ctx, case=case, **d),
        gettext_lazy("Propose a transfer"),
        gettext_lazy("The transfer has been proposed; the receiving township must accept it."),
        lambda case: {},
    ),
    "case-close": ActionSpec(
        forms.CloseForm,
        lambda ctx, case, d, pk: services.case_close(actor=ctx, case=case, **d),
        gettext_lazy("Close the case"),
        gettext_lazy("The case has been closed."),
        _today_for("closed_on"),
    ),
    "case-seal": ActionSpec(
        forms.ConfirmForm,
        lambda ctx, case, d, pk: services.case_seal(actor=ctx, case=case),
        gettext_lazy("Seal the case"),
        gettext_lazy("The case has been sealed."),
        lambda case: {},
    ),
}


@login_required
@prepared()  # one case's rows (kangfu.core.db)
def case_action(request, public_id, action, pk=None):
    """GET: the action's form (a partial for htmx). POST: validate, call the service,
    go back to the case page; errors stay on their fields."""
    require(request.user, Action.CASE_VIEW)
    spec = ACTIONS[action]
    case = selectors.case_get(user=request.user, public_id=public_id)
    if not may(request.user, Action.CASE_WORK, case):
        raise Http404
    # The purpose comes first, before the form opens and before anything is validated or
    # written; a POST that arrives without one is kept and shown again after the prompt.
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    kept = access_purpose.kept_data(request)
    if kept is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    form = spec.form(request.POST or kept, initial=spec.initial(case))
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(ctx, case, form.cleaned_data, pk)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, spec.done)
            # A sealed case is gone from the caseworker's view: back to the caseload.
            case.refresh_from_db(fields=["state"])
            url = reverse("cases:caseload") if case.state == "sealed" else _case_url(case)
            return _go(request, url)
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {"form": form, "title": spec.title, "back": _case_url(case), "case": case},
    )


# --- transfers ------------------------------------------------------------------------------


@login_required
def transfer_list(request):
    require(request.user, Action.CASE_VIEW)
    page = Paginator(selectors.transfers_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "cases/transfer_list.html", {"page": page})


@login_required
def transfer_detail(request, public_id):
    """The receiving township decides here. It sees who the person is (a disclosure for the
    handover, audited); the sending township, afterwards, sees only the transfer record."""
    require(request.user, Action.CASE_VIEW)
    transfer = selectors.transfer_get(user=request.user, public_id=public_id)
    receiver = may(request.user, Action.CASE_WORK, at=transfer.to_township)
    deciding = receiver and transfer.state == TransferState.PROPOSED
    form = forms.TransferDecideForm(request.POST or None, township=transfer.to_township)
    ctx = AccessContext.from_request(request).with_purpose(AccessPurpose.HANDOVER)
    if request.method == "POST":
        if not deciding:
            raise Http404
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    case = services.transfer_accept(
                        actor=ctx, transfer=transfer, caseworker=form.cleaned_data["caseworker"]
                    )
                    messages.success(request, _("The case has been transferred to your township."))
                    return _go(request, _case_url(case))
                services.transfer_decline(
                    actor=ctx, transfer=transfer, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("The transfer has been declined."))
                return _go(request, reverse("cases:transfer-list"))
            except ValidationError as exc:
                forms.apply_errors(form, exc)
    person = transfer.case.person if deciding else None
    if person is not None:
        audit_record(
            ctx=ctx,
            action=AuditAction.READ,
            obj=person,
            fields=("name", "sex", "birth_date", "measures"),
            outside_caseload=True,
        )
    return render(
        request,
        "cases/transfer_detail.html",
        {
            "transfer": transfer,
            "person": person,
            "measure": selectors.live_measure(transfer.case) if deciding else None,
            "form": form if deciding else None,
        },
    )


# --- sealed records -------------------------------------------------------------------------


@login_required
def sealed_list(request):
    require(request.user, Action.CASE_KEEP_SEALED)
    page = Paginator(
        Case.objects.sealed_for(request.user).select_related("township").order_by("-sealed_on"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "cases/sealed_list.html", {"page": page})


@login_required
def sealed_detail(request, public_id):
    """A sealed record, for the records officer: legal holds and the identity purge."""
    require(request.user, Action.CASE_KEEP_SEALED)
    case = selectors.sealed_case_get(user=request.user, public_id=public_id)
    ctx = AccessContext.from_request(request).with_purpose(
        AccessPurpose.OTHER, "sealed record keeping"
    )
    form = forms.LegalHoldForm(request.POST or None if "hold" in request.POST else None)
    if request.method == "POST":
        try:
            if "hold" in request.POST:
                if form.is_valid():
                    services.legal_hold_place(
                        actor=ctx, case=case, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The legal hold has been placed."))
                    return redirect(request.path)
            elif "release" in request.POST:
                hold = get_object_or_404(case.legal_holds, pk=request.POST["release"])
                services.legal_hold_release(actor=ctx, hold=hold)
                messages.success(request, _("The legal hold has been released."))
                return redirect(request.path)
            elif "purge" in request.POST:
                services.case_purge_identity(actor=ctx, case=case)
                messages.success(request, _("The identity data has been purged."))
                return redirect(request.path)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
    audit_record(ctx=ctx, action=AuditAction.READ, obj=case.person, fields=("name", "case"))
    return render(
        request,
        "cases/sealed_detail.html",
        {
            "case": case,
            "person": case.person,
            "holds": list(case.legal_holds.all()),
            "events": list(selectors.timeline(case)),
            "form": form,
        },
    )
