"""Person pages: thin views over people.selectors and people.services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.audit_text import attach_descriptions
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.forms import DisclosureForm, PurposeForm
from kangfu.access.models import User
from kangfu.access.permissions import Action, may, require
from kangfu.access.selectors import record_history
from kangfu.access.services import disclosure_record
from kangfu.core.db import prepared
from kangfu.core.paging import KeysFirstPaginator
from kangfu.people import selectors, services
from kangfu.people.audit import person_read_audit, person_search_audit
from kangfu.people.filters import person_filters
from kangfu.people.forms import BreakGlassForm, PersonForm
from kangfu.people.models import Person

PAGE_SIZE = 25
# The access history shown on the record itself; the print view lists everything.
HISTORY_ON_PAGE = 20
# Where the purpose prompt may send the user on (never a URL taken from the request).
PURPOSE_TARGETS = {
    "detail": "people:person-detail",
    "edit": "people:person-edit",
    "access-record": "people:person-access-record",
    "disclosure": "people:disclosure-create",
}
PERSON_TYPE = Person._meta.label_lower


@dataclass(frozen=True)
class Opened:
    """A person opened for this request, with the context its audit events carry."""

    person: Person
    ctx: AccessContext
    emergency: bool = False


def _open(request, public_id, *, target: str, action: str | None = None) -> Opened | HttpResponse:
    """Find the person and the purpose of this access, or send the user to state one.

    Order matters: scope first (404 for anything out of reach, including a lapsed
    emergency opening), then the route's own permission (``action``, else 404), then the
    purpose — so the prompt never appears for a record the user could not open anyway.
    """
    user = request.user
    ctx = AccessContext.from_request(request)
    reader = may(user, Action.PERSON_VIEW)
    person = selectors.person_find(user=user, public_id=public_id) if reader else None
    if person is None:
        emergency = access_purpose.break_glass_for(request, public_id)
        if emergency is None:
            if not reader:
                # Administrators and users without a grant read no person data at all.
                raise PermissionDenied
            raise Http404
        person = selectors.person_get_emergency(user=user, public_id=public_id)
        return Opened(person, ctx.with_purpose(emergency.code, emergency.note), emergency=True)
    if action is not None and not may(user, action, person):
        raise Http404
    if not access_purpose.needs_purpose(user, person):
        return Opened(person, ctx)
    given = access_purpose.purpose_for(request, public_id) or access_purpose.break_glass_for(
        request, public_id
    )
    if given is None:
        url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
        return access_purpose.prompt(request, person.public_id, url=f"{url}?next={target}")
    return Opened(person, ctx.with_purpose(given.code, given.note))


@login_required
def person_list(request):
    require(request.user, Action.PERSON_VIEW)
    filters = person_filters(request.GET, user=request.user)
    form, search, columns, staff = filters.form, filters.search, filters.columns, filters.staff
    qs = selectors.person_list(user=request.user, search=search)
    shown = qs.defer(*selectors.UNLISTED_FIELDS, *User.unnamed_fields("caseworker"))
    page = KeysFirstPaginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_search(request, search, page)
    labels = {name: dict(choices) for name, choices in columns.items()}
    today = timezone.localdate()
    for p in page.object_list:
        p.measure_label = labels.get("measure", {}).get(getattr(p, "measure_kind", None), "")
        p.state_label = labels.get("measure_state", {}).get(getattr(p, "measure_state", None), "")
        p.category_label = labels.get("category", {}).get(getattr(p, "category", None), "")
        since = getattr(p, "overdue_since", None)
        p.days_overdue = (today - since).days if since else None
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    context = {
        "columns": _sort_columns(search.sort) if staff else [],
        "filters": params.urlencode(),
        "form": form,
        "page": page,
        "search": search,
        "is_staff_reader": may(request.user, Action.CASE_VIEW),
        "can_register": may(request.user, Action.PERSON_WRITE),
        "querystring": _querystring_without_page(request),
    }
    template = "people/person_list.html#results" if request.htmx else "people/person_list.html"
    return render(request, template, context)


PERSON_COLUMNS = (
    ("township", gettext_lazy("Township")),
    ("caseworker", gettext_lazy("Caseworker")),
    ("measure", gettext_lazy("Measure")),
    ("state", gettext_lazy("State")),
    ("category", gettext_lazy("Category")),
    ("next_due", gettext_lazy("Next due")),
    ("overdue", gettext_lazy("Days overdue")),
)


def _sort_columns(current: str) -> list:
    """Column headings: (key, label, "ascending"/"descending"/"", the sort a click asks)."""
    return [
        (
            key,
            label,
            "ascending" if current == key else "descending" if current == f"-{key}" else "",
            f"-{key}" if current == key else key,
        )
        for key, label in PERSON_COLUMNS
    ]


def _audit_search(request, search, page) -> None:
    person_search_audit(
        ctx=AccessContext.from_request(request),
        search=search,
        hits=list(page.object_list),
        total=page.paginator.count,
        page=page.number,
    )


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@prepared()  # one person's rows, read by its key (kangfu.core.db)
def person_detail(request, public_id):
    opened = _open(request, public_id, target="detail")
    if isinstance(opened, HttpResponse):
        return opened
    person, user = opened.person, request.user
    # An emergency opening shows the whole record: the emergency is why the grant exists.
    fields = (
        selectors.FULL_FIELDS
        if opened.emergency
        else selectors.visible_fields(user=user, person=person)
    )
    staff = may(user, Action.PERSON_HISTORY, person)
    shown = (*fields, "access_history", "disclosures") if staff else fields
    person_read_audit(ctx=opened.ctx, person=person, fields=shown)
    rows = [(person._meta.get_field(name).verbose_name, _display(person, name)) for name in fields]
    history = (
        list(
            record_history(
                object_type=PERSON_TYPE, object_id=str(person.public_id), limit=HISTORY_ON_PAGE
            )
        )
        if staff
        else []
    )
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "rows": rows,
            "can_edit": may(user, Action.PERSON_WRITE, person),
            "is_staff": staff,
            "emergency": opened.emergency,
            "purpose": opened.ctx,
            "purpose_label": (
                AccessPurpose(opened.ctx.purpose).label
                if opened.ctx.purpose != AccessPurpose.CASELOAD
                else ""
            ),
            "history": history,
            "disclosures": list(person.disclosures.select_related("recorded_by")) if staff else [],
        },
    )


def _display(person, name: str) -> str:
    value = getattr(person, name)
    if name == "sex":
        return person.get_sex_display()
    if value in (None, ""):
        return "—"
    return value


@login_required
def person_create(request):
    townships = selectors.townships_for(request.user)
    if not townships:
        raise PermissionDenied
    caseworker = _default_caseworker(request)
    form = PersonForm(
        request.POST or None,
        townships=townships,
        initial={"caseworker": caseworker.pk if caseworker else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_register(
                actor=AccessContext.from_request(request),
                township=form.cleaned_data["township"],
                data=form.person_data(),
                caseworker=form.cleaned_data.get("caseworker") or caseworker,
            )
        except services.PersonAlreadyRegistered as exc:
            form.add_error("id_number", _already_registered_message(exc))
        else:
            messages.success(request, _("The person has been registered."))
            return _to_detail(request, person)
    template = "people/person_form.html#form" if request.htmx else "people/person_form.html"
    return render(request, template, {"form": form, "creating": True})


def _to_detail(request, person):
    url = reverse("people:person-detail", kwargs={"public_id": person.public_id})
    # An htmx form post must make the browser navigate, not swap the detail page into the form.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _default_caseworker(request):
    return request.user if may(request.user, Action.CASELOAD_HOLD) else None


def _already_registered_message(exc: services.PersonAlreadyRegistered) -> str:
    if exc.person is not None:
        url = reverse("people:person-detail", kwargs={"public_id": exc.person.public_id})
        return format_html(
            '{} <a href="{}">{}</a>',
            _("This person is already registered."),
            url,
            _("Open the record"),
        )
    # Reveal nothing about where or who: only that a transfer is the way forward.
    return _(
        "This person is already registered in another jurisdiction. Request a transfer "
        "from that jurisdiction instead of registering again."
    )


@login_required
def person_edit(request, public_id):
    opened = _open(request, public_id, target="edit", action=Action.PERSON_WRITE)
    if isinstance(opened, HttpResponse):
        return opened
    person = opened.person
    initial = {
        "name": person.name,
        "former_names": person.former_names,
        "id_number": person.id_number,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "phone": person.phone,
        "hukou_place": person.hukou_place,
        "residence_place": person.residence_place,
        "address": person.address,
        "caseworker": person.caseworker_id,
    }
    kept = access_purpose.kept_data(request)
    if kept is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    form = PersonForm(
        request.POST or kept, initial=initial, townships=[person.township], editing=True
    )
    # The version the form was opened with travels back with it: a save over a record that
    # changed meanwhile (another office, the API) is refused, naming what changed.
    version = request.POST.get("version") or services.person_version(person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=opened.ctx,
                person=person,
                data=form.person_data(),
                caseworker=form.cleaned_data.get("caseworker"),
                version=version,
            )
        except services.PersonAlreadyRegistered as exc:
            form.add_error("id_number", _already_registered_message(exc))
        except services.StaleEdit as exc:
            labels = "、".join(
                str(form.fields[f].label) if f in form.fields else f for f in exc.fields
            )
            form.add_error(
                None,
                _(
                    "Someone else changed this record after you opened it: %(fields)s. "
                    "Your changes were not saved; reopen the record to see the new values."
                )
                % {"fields": labels},
            )
        else:
            messages.success(request, _("The changes have been saved."))
            return _to_detail(request, person)
    elif request.method != "POST":
        # The form shows the stored values: a read of those fields.
        audit_record(ctx=opened.ctx, action=AuditAction.READ, obj=person, fields=initial)
    # A refused POST shows back only what the user typed, so it records no read.
    template = "people/person_form.html#form" if request.htmx else "people/person_form.html"
    context = {"form": form, "person": person, "creating": False, "version": version}
    return render(request, template, context)


@login_required
def person_purpose(request, public_id):
    """Ask why a record outside the user's caseload is being opened. Shows no person data."""
    require(request.user, Action.PERSON_VIEW)
    person = selectors.person_get(user=request.user, public_id=public_id)
    target = request.GET.get("next", "detail")
    if target not in PURPOSE_TARGETS:
        target = "detail"
    url = reverse(PURPOSE_TARGETS[target], kwargs={"public_id": person.public_id})
    # Back to the page the user was on (kept server-side), else the named target.
    url = access_purpose.return_url(request, person.public_id) or url
    if not access_purpose.needs_purpose(request.user, person):
        return redirect(url)
    form = PurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access_purpose.remember_purpose(
            request,
            str(person.public_id),
            code=form.cleaned_data["purpose"],
            note=form.cleaned_data["note"],
        )
        return redirect(url)
    return render(request, "people/person_purpose.html", {"form": form, "target": target})


@login_required
def person_break_glass(request):
    """Emergency access: open one person by full ID number under an emergency grant."""
    require(request.user, Action.BREAK_GLASS)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_break_glass(
                actor=AccessContext.from_request(request),
                id_number=form.cleaned_data["id_number"].value,
                reason=form.cleaned_data["reason"],
            )
        except services.NoEmergencyMatch:
            form.add_error(
                "id_number", _("No person with this ID number is under your emergency access.")
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            until = access_purpose.open_break_glass(
                request, str(person.public_id), reason=form.cleaned_data["reason"]
            )
            messages.warning(
                request,
                _("Emergency access is open until %(time)s and will be reviewed by a supervisor.")
                % {"time": timezone.localtime(until).strftime("%H:%M")},
            )
            return redirect("people:person-detail", public_id=person.public_id)
    return render(
        request,
        "people/break_glass.html",
        {"form": form, "hours": access_purpose.break_glass_hours()},
    )


@login_required
def person_access_record(request, public_id):
    """The printable list, in Chinese, of every access to and disclosure of a record, to hand
    to the person. Staff appear as role and office, not by personal name."""
    opened = _open(request, public_id, target="access-record", action=Action.PERSON_HISTORY)
    if isinstance(opened, HttpResponse):
        return opened
    person = opened.person
    audit_record(
        ctx=opened.ctx,
        action=AuditAction.PRINT,
        obj=person,
        fields=("name", "id_number", "access_history", "disclosures"),
    )
    events = record_history(object_type=PERSON_TYPE, object_id=str(person.public_id))
    with translation.override("zh-hans"):
        return render(
            request,
            "people/access_record.html",
            {
                "person": person,
                "masked_id": _mask(person.id_number),
                "events": _described(events.iterator(chunk_size=500)),
                "disclosures": list(person.disclosures.all()),
            },
        )


def _described(events, chunk: int = 500):
    """Events with their sentence, a chunk at a time (one query per chunk for place names)."""
    while batch := list(itertools.islice(events, chunk)):
        yield from attach_descriptions(batch)


def _mask(id_number: str) -> str:
    """Enough of the ID number for the person to recognise it, not enough to misuse it."""
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


@login_required
def disclosure_create(request, public_id):
    """Record a disclosure of this person's data (the form sits on the person's page)."""
    opened = _open(request, public_id, target="disclosure", action=Action.PERSON_DISCLOSE)
    if isinstance(opened, HttpResponse):
        return opened
    person = opened.person
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure_record(ctx=opened.ctx, person=person, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The disclosure has been recorded."))
            url = reverse("people:person-detail", kwargs={"public_id": person.public_id})
            return redirect(f"{url}#disclosures")
    # Only the form: no person data on this page, so nothing to audit until it is saved.
    # The person's page fetches the bare form (htmx) when its section is opened.
    template = "people/disclosure_fields.html" if request.htmx else "people/disclosure_form.html"
    return render(request, template, {"form": form, "person": person})
