"""Staff pages of the portal: print a one-time code for a person, switch their access off,
and register the review requests people wrote in the portal. Staff sign-in only: a portal
session is not a staff login, so ``login_required`` refuses it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, may, require
from kangfu.cases import selectors as case_selectors
from kangfu.cases.views import agreement_pdf_response
from kangfu.people.models import Person
from kangfu.people.selectors import person_get
from kangfu.portal import services
from kangfu.portal.models import PortalAccount, ReviewAsk, ReviewAskState

PAGE_SIZE = 25


def _ctx(request, person) -> AccessContext | HttpResponse:
    """The access context, or the purpose prompt for a person outside the caseload."""
    ctx = AccessContext.from_request(request)
    if not access_purpose.needs_purpose(request.user, person):
        return ctx
    given = access_purpose.purpose_for(request, person.public_id)
    if given is None:
        url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
        return access_purpose.prompt(request, person.public_id, url=f"{url}?next=detail")
    return ctx.with_purpose(given.code, given.note)


def _writer_person(request, public_id) -> Person:
    require(request.user, Action.CASE_VIEW)
    person = person_get(user=request.user, public_id=public_id)
    if not may(request.user, Action.PERSON_WRITE, person):
        raise Http404
    return person


@login_required
@require_POST
def agreement_with_code(request, public_id, pk):
    """The agreement PDF with a new portal activation code printed in it. Issuing a code is
    a write, hence POST only; the print itself is the cases app's audited PDF."""
    case = case_selectors.case_get(user=request.user, public_id=public_id)
    person = _writer_person(request, case.person.public_id)
    ctx = _ctx(request, person)
    if isinstance(ctx, HttpResponse):
        return ctx
    agreement = get_object_or_404(case.agreements.select_related("measure"), pk=pk)
    _account, code = services.portal_code_issue(actor=ctx, person=person)
    return agreement_pdf_response(ctx=ctx, case=case, agreement=agreement, portal_code=code)


@login_required
def person_code(request, public_id):
    """Issue (POST) and print a one-time activation code. GET shows only the account's
    state — no person data beyond what the staff member already opened."""
    person = _writer_person(request, public_id)
    ctx = _ctx(request, person)
    if isinstance(ctx, HttpResponse):
        return ctx
    account = PortalAccount.objects.filter(person=person).first()
    if request.method == "POST":
        account, code = services.portal_code_issue(actor=ctx, person=person)
        portal_url = request.build_absolute_uri(reverse("portal:activate"))
        # The letter is for the person: always in Chinese, like the agreement.
        with translation.override("zh-hans"):
            return render(
                request,
                "portal/staff/code_print.html",
                {
                    "person": person,
                    "code": code,
                    "expires": timezone.localtime(account.code_expires_at),
                    "portal_url": portal_url,
                },
            )
    return render(
        request,
        "portal/staff/code.html",
        {"person": person, "account": account, "days": services.code_days()},
    )


@login_required
@require_POST
def person_access_off(request, public_id):
    person = _writer_person(request, public_id)
    ctx = _ctx(request, person)
    if isinstance(ctx, HttpResponse):
        return ctx
    get_object_or_404(PortalAccount, person=person)
    services.portal_access_disable(actor=ctx, person=person)
    messages.success(request, _("Portal access is switched off."))
    return redirect("portal:staff-code", public_id=person.public_id)


@login_required
def review_asks(request):
    """Requests for review written in the portal and waiting to be registered."""
    require(request.user, Action.CASE_VIEW)
    visible = Person.objects.visible_to(request.user, Action.CASE_VIEW)
    qs = (
        ReviewAsk.objects.filter(person__in=visible.values("pk"), state=ReviewAskState.WAITING)
        .select_related("person", "person__township")
        .order_by("asked_on", "id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    audit_record(
        ctx=AccessContext.from_request(request),
        action=AuditAction.SEARCH,
        fields=("name", "risk_review_request") if rows else (),
        outside_caseload=False,
        detail=f"query=portal_review_asks hits={page.paginator.count} page={page.number}",
    )
    return render(request, "portal/staff/review_asks.html", {"page": page, "rows": rows})


@login_required
@require_POST
def review_ask_register(request, pk):
    require(request.user, Action.CASE_VIEW)
    visible = Person.objects.visible_to(request.user, Action.CASE_VIEW)
    ask = get_object_or_404(
        ReviewAsk.objects.filter(person__in=visible.values("pk")).select_related("person"), pk=pk
    )
    ctx = _ctx(request, ask.person)
    if isinstance(ctx, HttpResponse):
        return ctx
    try:
        services.review_ask_register(actor=ctx, ask=ask)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The request is registered; answer it from the risk page."))
    return redirect("portal:staff-review-asks")
