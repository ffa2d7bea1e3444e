"""Export pages: the filters come from the list's own query string; a purpose is asked
first; the POST answers with the .xlsx file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.permissions import Action, may, require
from kangfu.cases import selectors as case_selectors
from kangfu.ledger import exports
from kangfu.ledger.forms import ExportForm
from kangfu.people import selectors
from kangfu.people.forms import PersonSearchForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_FILTERS = ("q", "sex", "township", "mine")


def _filters(request) -> QueryDict:
    source = request.POST if request.method == "POST" else request.GET
    kept = QueryDict(mutable=True)
    for name in ALLOWED_FILTERS:
        if source.get(name):
            kept[name] = source[name]
    return kept


def _file(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="kangfu-{stem}-{stamp}.xlsx"'
    return response


def _page(request, form, filters, title, error=""):
    return render(
        request,
        "ledger/export.html",
        {"form": form, "filters": filters, "title": title, "error": error},
    )


@login_required
def people_export(request):
    require(request.user, Action.PERSON_VIEW)
    filters = _filters(request)
    title = _("Export the person list")
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, filters, title)
    townships = selectors.townships_for(request.user, Action.CASE_VIEW)
    search_form = PersonSearchForm(filters, townships=townships)
    search = selectors.PersonSearch()
    if search_form.is_valid():
        c = search_form.cleaned_data
        search = selectors.PersonSearch(
            query=c["q"], sex=c["sex"], township=c.get("township"), mine=c["mine"]
        )
    ctx = AccessContext.from_request(request).with_purpose(
        form.cleaned_data["purpose"], form.cleaned_data.get("note", "")
    )
    persons = selectors.person_list(user=request.user, search=search)[: exports.MAX_EXPORT + 1]
    try:
        content = exports.persons_export(ctx=ctx, persons=persons)
    except ValidationError as exc:
        return _page(request, form, filters, title, " ".join(exc.messages))
    return _file(content, "people")


@login_required
def caseload_export(request):
    require(request.user, Action.CASE_VIEW)
    filters = _filters(request)
    title = _("Export the caseload")
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, filters, title)
    default = "1" if may(request.user, Action.CASELOAD_HOLD) else ""
    mine = filters.get("mine", default) == "1"
    ctx = AccessContext.from_request(request).with_purpose(
        form.cleaned_data["purpose"], form.cleaned_data.get("note", "")
    )
    cases = case_selectors.caseload(user=request.user, mine=mine)[: exports.MAX_EXPORT + 1]
    try:
        content = exports.caseload_export(ctx=ctx, cases=cases)
    except ValidationError as exc:
        return _page(request, form, filters, title, " ".join(exc.messages))
    return _file(content, "caseload")
