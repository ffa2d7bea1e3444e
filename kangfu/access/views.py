"""The supervisors' audit pages. No person names here: a record is shown by a short
reference that links to the record itself, whose opening is audited like any other."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kangfu.access import selectors
from kangfu.access.audit import AccessContext, audit_log_read_audit
from kangfu.access.audit_text import attach_descriptions
from kangfu.access.forms import AuditFilterForm, ReviewForm
from kangfu.access.permissions import Action, require
from kangfu.access.services import break_glass_review

PAGE_SIZE = 50


@login_required
def audit_list(request):
    require(request.user, Action.AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilter()
    if form.is_valid():
        c = form.cleaned_data
        filters = selectors.AuditFilter(
            username=c["user"].strip(),
            date_from=c["date_from"],
            date_to=c["date_to"],
            action=c["action"],
            person=str(c["person"]) if c["person"] else "",
            flag=c["flag"],
        )
    page = Paginator(selectors.audit_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    rows = list(page.object_list)
    audit_log_read_audit(
        ctx=AccessContext.from_request(request), person=filters.person, events=rows
    )
    context = {
        "form": form,
        "page": page,
        "rows": selectors.flag_events(attach_descriptions(rows)),
        "querystring": params.urlencode(),
        "threshold": selectors.many_persons_threshold(),
        "unreviewed": selectors.unreviewed_break_glass_count(request.user),
    }
    template = "access/audit_list.html#results" if request.htmx else "access/audit_list.html"
    return render(request, template, context)


@login_required
@require_POST
def audit_review(request, seq: int):
    require(request.user, Action.AUDIT_VIEW)
    event = selectors.reviewable_event(user=request.user, seq=seq)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            break_glass_review(
                ctx=AccessContext.from_request(request), event=event, note=form.cleaned_data["note"]
            )
        except PermissionDenied:
            messages.error(request, _("Nobody reviews their own emergency access."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The emergency access has been marked as reviewed."))
    return redirect(f"{reverse('people:audit-list')}?flag=unreviewed")
