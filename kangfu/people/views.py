"""Person pages: thin views over people.selectors and people.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access.choices import Role
from kangfu.access.scoping import CASE_STAFF_ROLES, PERSON_READ_ROLES, PERSON_WRITE_ROLES, has_role
from kangfu.people import selectors, services
from kangfu.people.forms import PersonForm, PersonSearchForm

PAGE_SIZE = 25


def _require_reader(user) -> None:
    if not has_role(user, PERSON_READ_ROLES):
        # Administrators and users without a grant read no person data at all.
        raise PermissionDenied


@login_required
def person_list(request):
    _require_reader(request.user)
    townships = selectors.townships_for(request.user, CASE_STAFF_ROLES)
    form = PersonSearchForm(request.GET or None, townships=townships)
    search = selectors.PersonSearch()
    if form.is_valid():
        c = form.cleaned_data
        search = selectors.PersonSearch(
            query=c["q"],
            sex=c["sex"],
            township=c.get("township"),
            mine=c["mine"],
        )
    page = Paginator(selectors.person_list(user=request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "search": search,
        "is_staff_reader": has_role(request.user, CASE_STAFF_ROLES),
        "can_register": has_role(request.user, PERSON_WRITE_ROLES),
        "querystring": _querystring_without_page(request),
    }
    template = "people/person_list.html#results" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def person_detail(request, public_id):
    _require_reader(request.user)
    person = selectors.person_get(user=request.user, public_id=public_id)
    fields = selectors.visible_fields(user=request.user, person=person)
    rows = [(person._meta.get_field(name).verbose_name, _display(person, name)) for name in fields]
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "rows": rows,
            "can_edit": selectors.can_edit(user=request.user, person=person),
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
                actor=request.user,
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
    return request.user if has_role(request.user, [Role.CASEWORKER]) else None


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
    _require_reader(request.user)
    person = selectors.person_get(user=request.user, public_id=public_id)
    if not selectors.can_edit(user=request.user, person=person):
        raise Http404
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
    form = PersonForm(
        request.POST or None, initial=initial, townships=[person.township], editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                person=person,
                data=form.person_data(),
                caseworker=form.cleaned_data.get("caseworker"),
            )
        except services.PersonAlreadyRegistered as exc:
            form.add_error("id_number", _already_registered_message(exc))
        else:
            messages.success(request, _("The changes have been saved."))
            return _to_detail(request, person)
    template = "people/person_form.html#form" if request.htmx else "people/person_form.html"
    return render(request, template, {"form": form, "person": person, "creating": False})
