"""Visit pages: a case's visits, the record form, a visit's page (the note for those who may
read it), withdrawal, follow-up tasks. Thin views over selectors and services (habit 7);
every record is looked up through ``visible_to``, so another jurisdiction's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may, require, roles_for
from kangfu.cases import selectors as case_selectors
from kangfu.cases.forms import apply_errors
from kangfu.cases.views import _context
from kangfu.visits import forms, selectors, services

PAGE_SIZE = 25


def _go(request, url: str) -> HttpResponse:
    nxt = request.GET.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        url = nxt
    # An htmx form post must make the browser navigate, not swap the page into the form.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def visit_url(visit) -> str:
    return reverse("visits:visit-detail", args=[visit.public_id])


def case_visits_url(case) -> str:
    return reverse("visits:case", args=[case.public_id])


def staff_of(case) -> list[User]:
    """The front-line staff of the case's township and above (who may have been there)."""
    paths = _ancestor_paths(case.township.path)
    return list(
        User.objects.filter(
            is_active=True,
            grants__jurisdiction__path__in=paths,
            grants__role__in=roles_for(Action.VISIT_RECORD),
        )
        .distinct()
        .order_by("username")
    )


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


SECTION_SIZE = 5


def case_section(request, case) -> SafeString:
    """The visits section of the case page (asked through cases.views.CASE_SECTIONS): the
    latest few visits, never their notes, and the button to record one."""
    user = request.user
    visits = list(selectors.case_visits(user=user, case=case)[: SECTION_SIZE + 1])
    return render_to_string(
        "visits/case_section.html",
        {
            "case": case,
            "visits": visits[:SECTION_SIZE],
            "more": len(visits) > SECTION_SIZE,
            "can_record": case.is_open and may(user, Action.VISIT_RECORD, case),
        },
        request=request,
    )


@login_required
def case_visit_list(request, public_id):
    """All visits of one case, newest first, paginated (the case page shows the latest)."""
    require(request.user, Action.CASE_VIEW)
    case = case_selectors.case_get(user=request.user, public_id=public_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    page = Paginator(selectors.case_visits(user=request.user, case=case), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_record(ctx=ctx, action=AuditAction.READ, obj=case.person, fields=("name", "visit"))
    return render(
        request,
        "visits/case_visits.html",
        {
            "case": case,
            "person": case.person,
            "page": page,
            "can_record": case.is_open and may(request.user, Action.VISIT_RECORD, case),
        },
    )


@login_required
def visit_create(request, public_id):
    """GET: the "record a visit" form (an htmx panel on the case page). POST: the service."""
    require(request.user, Action.CASE_VIEW)
    case = case_selectors.case_get(user=request.user, public_id=public_id)
    if not (case.is_open and may(request.user, Action.VISIT_RECORD, case)):
        raise Http404
    staff = staff_of(case)
    form = forms.VisitForm(
        request.POST or None,
        staff=staff,
        initial={"visited_on": case_selectors.today(), "place": "home", "staff": [request.user]},
    )
    if request.method == "POST" and form.is_valid():
        ctx = _context(request, case)
        if isinstance(ctx, HttpResponse):
            return ctx
        try:
            visit = services.visit_record(actor=ctx, case=case, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if visit.appointment is not None:
                messages.success(
                    request,
                    _("The visit has been recorded; the visit planned for %(day)s is done.")
                    % {"day": visit.appointment.on.isoformat()},
                )
            else:
                messages.success(request, _("The visit has been recorded."))
            return _go(request, visit_url(visit))
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {
            "form": form,
            "title": _("Record a visit or interview"),
            "back": reverse("cases:case-detail", args=[case.public_id]),
            "case": case,
        },
    )


@login_required
def visit_detail(request, public_id):
    """One visit. The case's front-line staff read the note and the follow-up tasks (an
    audited read); a supervisor sees that it took place, when, where and who was there."""
    require(request.user, Action.CASE_VIEW)
    visit = selectors.visit_get(user=request.user, public_id=public_id)
    case = visit.case
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    reader = selectors.may_read_note(request.user, case)
    writer = may(request.user, Action.VISIT_RECORD, case) and not visit.is_withdrawn
    follow_ups = selectors.follow_ups_of(visit) if reader else []
    if reader:
        selectors.note_read_audit(ctx=ctx, visit=visit)
    else:
        audit_record(ctx=ctx, action=AuditAction.READ, obj=case.person, fields=("name", "visit"))
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "case": case,
            "person": case.person,
            "staff": list(visit.staff.order_by("username")),
            "reader": reader,
            "writer": writer,
            "can_add": writer and case.is_open,
            "follow_ups": follow_ups,
            "follow_up_form": forms.FollowUpForm(initial={"due_on": case_selectors.today()}),
        },
    )


@login_required
def visit_withdraw(request, public_id):
    require(request.user, Action.CASE_VIEW)
    visit = selectors.visit_get(user=request.user, public_id=public_id)
    case = visit.case
    if not may(request.user, Action.VISIT_RECORD, case):
        raise Http404
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ctx = _context(request, case)
        if isinstance(ctx, HttpResponse):
            return ctx
        try:
            services.visit_withdraw(actor=ctx, visit=visit, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The visit has been withdrawn."))
            return _go(request, visit_url(visit))
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {
            "form": form,
            "title": _("Withdraw the visit (entered by mistake)"),
            "back": visit_url(visit),
            "case": case,
        },
    )


@login_required
def follow_up_add(request, public_id):
    require(request.user, Action.CASE_VIEW)
    visit = selectors.visit_get(user=request.user, public_id=public_id)
    case = visit.case
    if not (case.is_open and may(request.user, Action.VISIT_RECORD, case)):
        raise Http404
    form = forms.FollowUpForm(request.POST or None, initial={"due_on": case_selectors.today()})
    if request.method == "POST" and form.is_valid():
        ctx = _context(request, case)
        if isinstance(ctx, HttpResponse):
            return ctx
        try:
            services.follow_up_add(
                actor=ctx,
                visit=visit,
                task=form.cleaned_data["task"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                # The service names the record form's fields; this form calls them so.
                renamed = {"follow_up_task": "task", "follow_up_due": "due_on"}
                exc = ValidationError({renamed.get(k, k): v for k, v in exc.error_dict.items()})
            apply_errors(form, exc)
        else:
            messages.success(request, _("The follow-up task has been added."))
            return _go(request, visit_url(visit))
    return render(
        request,
        "cases/action_form.html#form" if request.htmx else "cases/action_form.html",
        {"form": form, "title": _("Add a follow-up task"), "back": visit_url(visit), "case": case},
    )


@login_required
@require_POST
def follow_up_done(request, pk):
    require(request.user, Action.CASE_VIEW)
    follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    case = follow_up.case
    if not may(request.user, Action.VISIT_RECORD, case):
        raise Http404
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    try:
        services.follow_up_done(actor=ctx, follow_up=follow_up)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The follow-up task is done."))
    return _go(request, visit_url(follow_up.visit))


@login_required
def follow_up_list(request):
    """Every open follow-up task the user works on (the today page shows the next week's),
    oldest due first; ``?township=`` for one township's, as on the today page."""
    require(request.user, Action.VISIT_NOTE_VIEW)
    township = request.GET.get("township", "")
    township_id = int(township) if township.isdigit() else None
    if township_id is not None:
        node = Jurisdiction.objects.filter(pk=township_id).first()
        if node is None or not may(request.user, Action.VISIT_NOTE_VIEW, node):
            raise Http404
    qs = selectors.open_follow_ups(user=request.user, township_id=township_id)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        ctx=AccessContext.from_request(request),
        action=AuditAction.SEARCH,
        fields=("name", "visit.follow_up") if page.object_list else (),
        outside_caseload=township_id is not None,
        detail=f"query=follow-ups township={township_id or '-'} hits={page.paginator.count} "
        f"page={page.number}",
    )
    return render(
        request,
        "visits/follow_up_list.html",
        {"page": page, "township_id": township_id, "today": case_selectors.today()},
    )
