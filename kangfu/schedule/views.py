"""Schedule pages: the today page, a case's plan and results, and the small forms that act
on them. Thin views over selectors and services (habit 7); everything is looked up through
``visible_to``, so another jurisdiction's record is a 404."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.models import Jurisdiction
from kangfu.access.permissions import Action, may, may_any, require
from kangfu.cases import selectors as case_selectors
from kangfu.cases.forms import apply_errors
from kangfu.cases.views import _context
from kangfu.core.db import prepared
from kangfu.people import selectors as person_selectors
from kangfu.schedule import forms, reminders, selectors, services
from kangfu.schedule.choices import ReminderKind
from kangfu.schedule.models import DelegatedTestRequest

PAGE_SIZE = 25


def _go(request, url: str) -> HttpResponse:
    nxt = request.GET.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        url = nxt
    # An htmx form post must make the browser navigate, not swap the page into the form.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def case_schedule_url(case) -> str:
    return reverse("schedule:case", args=[case.public_id])


# --- today ----------------------------------------------------------------------------------


@login_required
def today(request):
    """A caseworker's reminders for their caseload, most urgent first; for supervisors and
    township officers the counts per township, with a drill-down to one township's list;
    for records officers, the sealed records past retention."""
    user = request.user
    if not may_any(user, (Action.CASE_VIEW, Action.CASE_KEEP_SEALED)):
        raise PermissionDenied
    township = request.GET.get("township")
    township_id = int(township) if township and township.isdigit() else None
    own = may(user, Action.CASELOAD_HOLD)
    # One caseworker's caseload is alike in size for everyone: its statements are prepared.
    # A township's drill-down and the counts per township are not (kangfu.core.db).
    with prepared() if own and township_id is None else nullcontext():
        return _today_page(request, township_id, own)


def _today_page(request, township_id: int | None, own: bool):
    user = request.user
    counts = None
    page = None
    if township_id is not None:
        node = Jurisdiction.objects.filter(pk=township_id).first()
        if node is None or not may(user, Action.CASE_VIEW, node):
            raise Http404
        qs = selectors.reminders_for(user=user, township_id=township_id)
    elif own:
        # Fresh for the caseload shown: a few set-based statements, whatever its size.
        reminders.refresh(scope=selectors.caseload_scope(user))
        qs = selectors.reminders_for(user=user)
    else:
        qs = None
        if may(user, Action.CASE_VIEW):
            counts = selectors.counts_by_township(user=user)
    rows: list[tuple[Any, str, str]] = []
    if qs is not None:
        # A line shows the person's name only: the other identity columns stay encrypted.
        qs = qs.defer(*(f"case__person__{name}" for name in person_selectors.UNLISTED_FIELDS))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(r, *selectors.action(r, request.user)) for r in page.object_list]
        audit_record(
            ctx=AccessContext.from_request(request),
            action=AuditAction.SEARCH,
            fields=("name", "reminders") if rows else (),
            outside_caseload=township_id is not None,
            detail=f"query=today township={township_id or '-'} hits={page.paginator.count} "
            f"page={page.number}",
        )
    sealed = list(selectors.sealed_reminders(user=user)[:PAGE_SIZE])
    # Sections of higher apps (a visit's follow-up tasks): they scope and audit their own.
    sections = list(
        selectors.TODAY_SECTIONS(
            ctx=AccessContext.from_request(request),
            township_id=township_id,
            on=case_selectors.today(),
        )
    )
    return render(
        request,
        "schedule/today.html#list" if request.htmx else "schedule/today.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "kinds": list(ReminderKind),
            "township_id": township_id,
            "sealed": sealed,
            "sections": [s for s in sections if s.total],
            "today": case_selectors.today(),
            "K": ReminderKind,
        },
    )


# --- a case's schedule --------------------------------------------------------------------------


@login_required
def case_schedule(request, public_id):
    require(request.user, Action.CASE_VIEW)
    case = case_selectors.case_get(user=request.user, public_id=public_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    appointments = case.appointments.select_related("test").order_by("on", "kind", "id")
    page = Paginator(appointments, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    audit_record(
        ctx=ctx,
        action=AuditAction.READ,
        obj=case.person,
        fields=("name", "appointments", "drug_tests", "violations", "consents"),
    )
    return render(
        request,
        "schedule/case.html",
        {
            "case": case,
            "person": case.person,
            "page": page,
            "tests": list(case.drug_tests.select_related("taken_at", "finding")[:50]),
            "violations": list(case.violations.all()),
            "consents": list(case.consents.all()),
            "breach": case_selectors.breach_assess(m)
            if (m := case_selectors.live_measure(case)) and m.starts_on
            else None,
            "writer": may(request.user, Action.CASE_WORK, case) and case.is_open,
        },
    )


# --- the small forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    form: type
    load: Callable[[Any, Any], Any]  # (user, key) -> the object acted on (404 if not visible)
    run: Callable[[AccessContext, Any, dict], Any]
    title: Promise
    done: Promise
    initial: Callable[[Any], dict]
    case_of: Callable[[Any], Any] = lambda obj: obj.case


def _today() -> Any:
    return case_selectors.today()


ACTIONS: dict[str, ActionSpec] = {
    "appointment-result": ActionSpec(
        forms.TestForm,
        lambda user, pk: selectors.appointment_get(user=user, pk=pk),
        lambda ctx, a, d: services.test_record(actor=ctx, case=a.case, appointment=a, **d),
        gettext_lazy("Record a test result"),
        gettext_lazy("The test has been recorded."),
        lambda a: {"taken_on": _today(), "sample": services.sample_for(a)},
    ),
    "appointment-outcome": ActionSpec(
        forms.OutcomeForm,
        lambda user, pk: selectors.appointment_get(user=user, pk=pk),
        lambda ctx, a, d: services.appointment_outcome(actor=ctx, appointment=a, **d),
        gettext_lazy("Record the outcome"),
        gettext_lazy("The outcome has been recorded."),
        lambda a: {"on": _today(), "outcome": "done" if not a.is_test else ""},
    ),
    "test-lab": ActionSpec(
        forms.ResultForm,
        lambda user, pk: selectors.test_get(user=user, pk=pk),
        lambda ctx, t, d: services.test_lab_result(actor=ctx, test=t, **d),
        gettext_lazy("Record the lab confirmation"),
        gettext_lazy("The lab result has been recorded."),
        lambda t: {"result_on": _today()},
    ),
    "test-retest": ActionSpec(
        forms.RetestRequestForm,
        lambda user, pk: selectors.test_get(user=user, pk=pk),
        lambda ctx, t, d: services.retest_request(actor=ctx, test=t, **d),
        gettext_lazy("Record the person's request for a re-test"),
        gettext_lazy("The request for a re-test has been recorded."),
        lambda t: {"requested_on": _today()},
    ),
    "test-retest-result": ActionSpec(
        forms.ResultForm,
        lambda user, pk: selectors.test_get(user=user, pk=pk),
        lambda ctx, t, d: services.retest_result(actor=ctx, test=t, **d),
        gettext_lazy("Record the re-test result"),
        gettext_lazy("The re-test result has been recorded."),
        lambda t: {"result_on": _today()},
    ),
    "case-consent": ActionSpec(
        forms.ConsentForm,
        lambda user, key: case_selectors.case_get(user=user, public_id=key),
        lambda ctx, c, d: services.consent_record(actor=ctx, case=c, **d),
        gettext_lazy("Record aftercare consent"),
        gettext_lazy("The consent has been recorded."),
        lambda c: {"given_on": _today()},
        lambda c: c,
    ),
    "case-delegate": ActionSpec(
        forms.DelegationForm,
        lambda user, key: case_selectors.case_get(user=user, public_id=key),
        lambda ctx, c, d: services.delegation_request(actor=ctx, case=c, **d),
        gettext_lazy("Ask another township to take a test"),
        gettext_lazy("The request has been sent."),
        lambda c: {"due_by": _today()},
        lambda c: c,
    ),
}


@login_required
@prepared()  # one record and its case (kangfu.core.db)
def act(request, action, pk=None, public_id=None):
    """GET: the form. POST: validate, call the service, go back (to ``next`` or the case's
    schedule); service errors land on their fields."""
    require(request.user, Action.CASE_VIEW)
    spec = ACTIONS[action]
    obj = spec.load(request.user, pk if pk is not None else public_id)
    case = spec.case_of(obj)
    if not may(request.user, Action.CASE_WORK, case):
        raise Http404
    # The purpose first (see cases.views.case_action): a POST without one is kept, not lost.
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    kept = access_purpose.kept_data(request)
    if kept is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    form = spec.form(request.POST or kept, initial=spec.initial(obj))
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(ctx, obj, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, spec.done)
            return _go(request, case_schedule_url(case))
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {"form": form, "title": spec.title, "back": case_schedule_url(case), "case": case},
    )


# --- delegated tests ------------------------------------------------------------------------------


@login_required
def delegation_list(request):
    require(request.user, Action.CASE_VIEW)
    qs = DelegatedTestRequest.objects.visible_to(request.user).select_related(
        "from_township", "to_township"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "schedule/delegation_list.html", {"page": page})


@login_required
def delegation_detail(request, public_id):
    """The township asked sees the name and the sample asked for (a disclosure recorded when
    the request was sent) and records the test or declines; the sender sees the outcome."""
    require(request.user, Action.CASE_VIEW)
    request_obj = selectors.delegation_get(user=request.user, public_id=public_id)
    receiver = may(request.user, Action.CASE_WORK, at=request_obj.to_township)
    open_ = request_obj.state == "open"
    form = forms.DelegatedTestForm(
        request.POST if "record" in request.POST else None, initial={"taken_on": _today()}
    )
    decline = forms.DeclineForm(request.POST if "decline" in request.POST else None)
    ctx = AccessContext.from_request(request).with_purpose(AccessPurpose.SERVICE)
    if request.method == "POST":
        if not (receiver and open_):
            raise Http404
        try:
            if "record" in request.POST and form.is_valid():
                services.delegation_record_test(actor=ctx, request=request_obj, **form.cleaned_data)
                messages.success(request, _("The test has been recorded and sent back."))
                return redirect(request.path)
            if "decline" in request.POST and decline.is_valid():
                services.delegation_decline(
                    actor=ctx, request=request_obj, reason=decline.cleaned_data["reason"]
                )
                messages.success(request, _("The request has been declined."))
                return redirect(request.path)
        except ValidationError as exc:
            apply_errors(form, exc)
    person = request_obj.case.person
    audit_record(
        ctx=ctx,
        action=AuditAction.READ,
        obj=person,
        fields=("name",),
        outside_caseload=person.caseworker_id != request.user.pk,
    )
    return render(
        request,
        "schedule/delegation_detail.html",
        {
            "req": request_obj,
            "person": person,
            "receiver": receiver and open_,
            "form": form,
            "decline": decline,
            "test": getattr(request_obj, "test", None),
        },
    )
