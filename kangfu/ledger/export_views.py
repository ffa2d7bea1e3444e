"""Export pages: the filters come from the list's own query string and are read by the
list's own filter code (``people.filters``, ``cases.filters``), so the file holds exactly
the rows the list shows, in its order; a purpose is asked first; the POST answers with the
.xlsx file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.permissions import Action, require
from kangfu.cases import selectors as case_selectors
from kangfu.cases.filters import FILTER_NAMES as caseload_filter_names
from kangfu.cases.filters import caseload_filters
from kangfu.ledger import exports
from kangfu.ledger.forms import ExportForm
from kangfu.people import selectors
from kangfu.people.filters import FILTER_NAMES as person_filter_names
from kangfu.people.filters import person_filters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request, names) -> QueryDict:
    """The list's filters, carried from its query string through the purpose form."""
    source = request.POST if request.method == "POST" else request.GET
    kept = QueryDict(mutable=True)
    for name in names:
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


def _filter_error(errors: dict, form) -> str:
    """A filter value the list does not offer: the export refuses rather than export more
    (or other) persons than the list shows, and names the field."""
    return " ".join(
        _("%(label)s: %(error)s")
        % {
            "label": form.fields[name].label if name in form.fields else name,
            "error": " ".join(messages),
        }
        for name, messages in errors.items()
    )


@login_required
def people_export(request):
    require(request.user, Action.PERSON_VIEW)
    filters = _filters(request, person_filter_names)
    title = _("Export the person list")
    form = ExportForm(request.POST if request.method == "POST" else None)
    # The same filters, read by the same code, as the list the user came from.
    chosen = person_filters(filters, user=request.user, page=False)
    if chosen.errors:
        return _page(request, form, filters, title, _filter_error(chosen.errors, chosen.form))
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, filters, title)
    ctx = AccessContext.from_request(request).with_purpose(
        form.cleaned_data["purpose"], form.cleaned_data.get("note", "")
    )
    persons = selectors.person_list(user=request.user, search=chosen.search)
    try:
        content = exports.persons_export(ctx=ctx, persons=persons[: exports.MAX_EXPORT + 1])
    except ValidationError as exc:
        return _page(request, form, filters, title, " ".join(exc.messages))
    return _file(content, "people")


@login_required
def caseload_export(request):
    require(request.user, Action.CASE_VIEW)
    filters = _filters(request, caseload_filter_names)
    title = _("Export the caseload")
    form = ExportForm(request.POST if request.method == "POST" else None)
    chosen = caseload_filters(filters, user=request.user, page=False)
    if chosen.errors:
        return _page(request, form, filters, title, _filter_error(chosen.errors, chosen.form))
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, filters, title)
    ctx = AccessContext.from_request(request).with_purpose(
        form.cleaned_data["purpose"], form.cleaned_data.get("note", "")
    )
    on = case_selectors.today()
    # The file shows the person's township and caseworker too: read with the cases.
    cases = case_selectors.caseload(user=request.user, query=chosen.query, on=on).select_related(
        "person__township", "person__caseworker"
    )
    try:
        content = exports.caseload_export(ctx=ctx, cases=cases[: exports.MAX_EXPORT + 1], on=on)
    except ValidationError as exc:
        return _page(request, form, filters, title, " ".join(exc.messages))
    return _file(content, "caseload")
