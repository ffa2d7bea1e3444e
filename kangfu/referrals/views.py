"""Directory and referral pages: thin views over referrals.selectors and services (habit 7).

Everything is looked up through what the user may see, so another jurisdiction's provider or
referral is a 404. Case staff opening a referral of a person outside their caseload state a
purpose first (the person's prompt); a partner officer's purpose is the referred service.
"""

from __future__ import annotations

from collections.abc import Callable
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction, Level
from kangfu.access.models import Department, Jurisdiction
from kangfu.access.permissions import Action, may, require
from kangfu.access.scoping import scope_filter
from kangfu.cases.forms import apply_errors
from kangfu.cases.selectors import case_get, today
from kangfu.people.selectors import PARTNER_FIELDS
from kangfu.referrals import forms, lifecycle, selectors, services
from kangfu.referrals.choices import CATEGORY_FIELDS, ReferralState
from kangfu.referrals.lifecycle import Transition
from kangfu.referrals.models import Referral

PAGE_SIZE = 25


def _go(request, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- the directory --------------------------------------------------------------------------


def _directory_nodes(user):
    """Jurisdictions whose directory the user keeps (officers: township; supervisors: their
    subtree down to township)."""
    condition = scope_filter(user, "path", Action.DIRECTORY_MANAGE)
    if condition is None:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(condition).exclude(level=Level.NATIONAL).order_by("path")


@login_required
def provider_list(request):
    require(request.user, Action.PERSON_VIEW)
    qs = selectors.providers(user=request.user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/provider_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": services.ServiceKind.choices,
            "can_manage": _directory_nodes(request.user).exists(),
        },
    )


@login_required
def provider_detail(request, pk):
    require(request.user, Action.PERSON_VIEW)
    provider = selectors.provider_get(user=request.user, pk=pk)
    return render(
        request,
        "referrals/provider_detail.html",
        {
            "provider": provider,
            "can_manage": may(request.user, Action.DIRECTORY_MANAGE, provider),
        },
    )


@login_required
def provider_create(request):
    nodes = _directory_nodes(request.user)
    if not nodes.exists():
        raise PermissionDenied
    form = forms.ProviderForm(
        request.POST or None,
        jurisdictions=nodes,
        departments=Department.objects.filter(jurisdiction__in=nodes).exclude(
            kind="anti_drug_office"
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                actor=AccessContext.from_request(request),
                jurisdiction=form.cleaned_data["jurisdiction"],
                data=form.provider_data(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The organisation has been added to the directory."))
            return _go(request, reverse("referrals:provider-detail", args=[provider.pk]))
    return render(
        request,
        "cases/action_form.html",
        {"form": form, "title": _("Add a service"), "back": reverse("referrals:provider-list")},
    )


@login_required
def provider_edit(request, pk):
    require(request.user, Action.PERSON_VIEW)
    provider = selectors.provider_get(user=request.user, pk=pk)
    if not may(request.user, Action.DIRECTORY_MANAGE, provider):
        raise Http404
    initial = {f: getattr(provider, f) for f in services.PROVIDER_FIELDS}
    form = forms.ProviderForm(
        request.POST or None,
        initial=initial,
        departments=Department.objects.filter(
            jurisdiction__path__in=_paths_around(provider.jurisdiction)
        ).exclude(kind="anti_drug_office"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                actor=AccessContext.from_request(request),
                provider=provider,
                data=form.provider_data(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return _go(request, reverse("referrals:provider-detail", args=[provider.pk]))
    return render(
        request,
        "cases/action_form.html",
        {
            "form": form,
            "title": _("Edit the service"),
            "back": reverse("referrals:provider-detail", args=[provider.pk]),
        },
    )


def _paths_around(node) -> list[str]:
    from kangfu.referrals.models import ancestor_paths

    return ancestor_paths(node.path)


# --- referrals --------------------------------------------------------------------------------


@login_required
def referral_list(request):
    """Referrals the user may see. Case staff: their subtree's. Partner officers: those
    addressed to their department, with the person's name only while live."""
    require(request.user, Action.PERSON_VIEW)
    qs = selectors.referrals_for(user=request.user)
    state = request.GET.get("state", "")
    if state in ReferralState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    staff_ids = set(
        selectors.Referral.objects.visible_to(request.user)
        .filter(pk__in=[r.pk for r in rows])
        .values_list("pk", flat=True)
    )
    shown = [
        (r, r.pk in staff_ids or selectors.partner_sees_person(user=request.user, referral=r))
        for r in rows
    ]
    # One search event per page (names shown, never which): as the person list does.
    audit_record(
        ctx=AccessContext.from_request(request),
        action=AuditAction.SEARCH,
        fields=("name", "referral") if any(named for _r, named in shown) else (),
        outside_caseload=False,
        detail=f"query=referrals state={state or '-'} hits={page.paginator.count} "
        f"page={page.number}",
    )
    return render(
        request,
        "referrals/referral_list.html",
        {"page": page, "rows": shown, "state": state, "states": ReferralState.choices},
    )


@dataclass(frozen=True)
class Opened:
    referral: Referral
    ctx: AccessContext
    staff: bool


def _open(request, public_id) -> Opened | HttpResponse:
    """The referral and the purpose of this access, or the purpose prompt."""
    require(request.user, Action.PERSON_VIEW)
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    ctx = AccessContext.from_request(request)
    staff = selectors.is_staff_view(user=request.user, referral=referral)
    if not staff:
        return Opened(referral, ctx.with_purpose(AccessPurpose.SERVICE), staff)
    person = referral.person
    if not access_purpose.needs_purpose(request.user, person):
        return Opened(referral, ctx, staff)
    given = access_purpose.purpose_for(request, person.public_id)
    if given is None:
        url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
        return access_purpose.prompt(request, person.public_id, url=f"{url}?next=detail")
    return Opened(referral, ctx.with_purpose(given.code, given.note), staff)


def _person_rows(request, opened: Opened) -> list[tuple[str, Any]]:
    """The person's data on the referral page: for staff the name; for the partner exactly
    what the referral carries (the agreed categories ∩ the department's field set)."""
    person = opened.referral.person
    rows = []
    for name in _field_names(request, opened):
        value = person.get_sex_display() if name == "sex" else getattr(person, name)
        rows.append((person._meta.get_field(name).verbose_name, value or "—"))
    return rows


@login_required
def referral_detail(request, public_id):
    opened = _open(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    referral, user = opened.referral, request.user
    rows = _person_rows(request, opened)
    fields = ["referral"] + [str(n) for n in _field_names(request, opened)]
    if opened.staff:
        fields.append("referral.internal_note")
    audit_record(
        ctx=opened.ctx, action=AuditAction.READ, obj=_scoped_person(referral), fields=fields
    )
    steps: dict[str, str] = {}
    for t in lifecycle.available(referral.state):
        if _may(user, referral, t):
            route = STEP_ROUTES[t]
            url = reverse(f"referrals:referral-{route}", args=[referral.public_id])
            steps.setdefault(url, STEP_LABELS[t])
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "rows": rows,
            "staff": opened.staff,
            "steps": list(steps.items()),
            "events": _events(referral) if opened.staff else [],
        },
    )


def _field_names(request, opened: Opened) -> tuple[str, ...]:
    if opened.staff:
        return ("name",)
    referral = opened.referral
    if not selectors.partner_sees_person(user=request.user, referral=referral):
        return ()
    department = referral.department.kind if referral.department else ""
    carried = {f for c in referral.categories for f in CATEGORY_FIELDS.get(c, ())}
    return tuple(f for f in PARTNER_FIELDS.get(department, ()) if f in carried)


def _scoped_person(referral: Referral):
    person = referral.person
    person.township = referral.case.township
    return person


def _events(referral: Referral):
    return list(
        referral.case.events.filter(kind__startswith="referral_")
        .filter(params__referral=str(referral.public_id))
        .order_by("on", "id")
    )


STEP_LABELS = {
    Transition.CONSENT: gettext_lazy("Record consent"),
    Transition.SEND: gettext_lazy("Send"),
    Transition.ACCEPT: gettext_lazy("Accept or decline"),
    Transition.DECLINE: gettext_lazy("Accept or decline"),
    Transition.START: gettext_lazy("Record the start"),
    Transition.OUTCOME: gettext_lazy("Record the outcome"),
    Transition.CLOSE: gettext_lazy("Close"),
}
# The URL step that a transition is taken through (accept and decline share one form).
STEP_ROUTES = {
    Transition.CONSENT: "consent",
    Transition.SEND: "send",
    Transition.ACCEPT: "answer",
    Transition.DECLINE: "answer",
    Transition.START: "start",
    Transition.OUTCOME: "outcome",
    Transition.CLOSE: "close",
}


def _may(user, referral: Referral, transition: Transition) -> bool:
    if transition == Transition.OUTCOME:
        return services.is_receiver(user, referral) or services.is_sender(user, referral)
    if transition in lifecycle.RECEIVER_STEPS:
        return services.is_receiver(user, referral)
    return services.is_sender(user, referral)


@login_required
def referral_create(request, case_id):
    """Propose a referral from the case page."""
    case = case_get(user=request.user, public_id=case_id)
    if not may(request.user, Action.CASE_WORK, case) or not case.is_open:
        raise Http404
    form = forms.ProposeForm(
        request.POST or None,
        providers=selectors.providers(user=request.user).filter(active=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_propose(
                actor=AccessContext.from_request(request), case=case, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The referral is proposed. Ask the person for their consent.")
            )
            return _go(request, reverse("referrals:referral-detail", args=[referral.public_id]))
    return render(
        request,
        "cases/action_form.html",
        {
            "form": form,
            "title": _("Propose a referral"),
            "back": reverse("cases:case-detail", args=[case.public_id]),
        },
    )


@dataclass(frozen=True)
class Step:
    form: type
    transitions: tuple[Transition, ...]
    run: Callable[..., Any]
    title: Promise
    done: Promise
    initial: Callable[[], dict]


def _answer(ctx, referral, d):
    return services.referral_answer(
        actor=ctx, referral=referral, accept=d["decision"] == "accept", reason=d["reason"]
    )


STEPS: dict[str, Step] = {
    "consent": Step(
        forms.ConsentForm,
        (Transition.CONSENT,),
        lambda ctx, r, d: services.referral_consent(actor=ctx, referral=r, **d),
        gettext_lazy("Record the person's consent"),
        gettext_lazy("The consent has been recorded."),
        lambda: {"consented_on": today()},
    ),
    "send": Step(
        forms.SendForm,
        (Transition.SEND,),
        lambda ctx, r, d: services.referral_send(actor=ctx, referral=r, **d),
        gettext_lazy("Send the referral"),
        gettext_lazy("The referral has been sent and the disclosure recorded."),
        lambda: {"sent_on": today()},
    ),
    "answer": Step(
        forms.AnswerForm,
        (Transition.ACCEPT, Transition.DECLINE),
        _answer,
        gettext_lazy("Answer the referral"),
        gettext_lazy("The answer has been recorded."),
        lambda: {},
    ),
    "start": Step(
        forms.StartForm,
        (Transition.START,),
        lambda ctx, r, d: services.referral_start(actor=ctx, referral=r, **d),
        gettext_lazy("Record the start of the service"),
        gettext_lazy("The start has been recorded."),
        lambda: {"started_on": today()},
    ),
    "outcome": Step(
        forms.OutcomeForm,
        (Transition.OUTCOME,),
        lambda ctx, r, d: services.referral_outcome(actor=ctx, referral=r, **d),
        gettext_lazy("Record the outcome"),
        gettext_lazy("The outcome has been recorded."),
        lambda: {"outcome_on": today()},
    ),
    "close": Step(
        forms.CloseForm,
        (Transition.CLOSE,),
        lambda ctx, r, d: services.referral_close(actor=ctx, referral=r, **d),
        gettext_lazy("Close the referral"),
        gettext_lazy("The referral has been closed."),
        lambda: {"closed_on": today()},
    ),
}


@login_required
def referral_step(request, public_id, step):
    opened = _open(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    referral = opened.referral
    spec = STEPS[step]
    if not any(_may(request.user, referral, t) for t in spec.transitions):
        raise Http404
    kept = access_purpose.kept_data(request)
    if kept is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    form = spec.form(request.POST or kept, initial=spec.initial())
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(opened.ctx, referral, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, spec.done)
            return _go(request, reverse("referrals:referral-detail", args=[referral.public_id]))
    return render(
        request,
        "cases/action_form.html",
        {
            "form": form,
            "title": spec.title,
            "back": reverse("referrals:referral-detail", args=[referral.public_id]),
        },
    )
