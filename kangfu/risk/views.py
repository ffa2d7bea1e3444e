"""Risk pages: thin views over risk.selectors and risk.services (habit 7).

Every lookup starts from ``visible_to(user)`` for case staff, so another jurisdiction's
person, assessment or request is a 404. Every page that shows a person's risk data writes a
``read`` (or ``print``) audit event before rendering; a person outside the user's caseload
first needs a stated purpose (the same session memory as the person page, with this app's
own prompt so the user comes back to the page they asked for).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.forms import PurposeForm
from kangfu.access.permissions import Action, may, require
from kangfu.people.selectors import person_get
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.risk import forms, selectors, services
from kangfu.risk.audit import assessment_read_audit
from kangfu.risk.choices import EDITABLE_STATUSES, AssessmentStatus, ReviewState
from kangfu.risk.templatetags.risk import evidence_rows

PAGE_SIZE = 25
# Where the purpose prompt may send the user on: fixed pages of the same person.
PURPOSE_TARGETS = {
    "person": ("risk:person", "person_id"),
    "assessment": ("risk:assessment", "public_id"),
    "edit": ("risk:assessment-edit", "public_id"),
    "review": ("risk:review-answer", "public_id"),
}
# The purpose preselected in the prompt for each page.
PURPOSE_DEFAULT = {"assessment": AccessPurpose.APPROVAL, "review": AccessPurpose.PERSON_REQUEST}


def _person(request, person_id):
    require(request.user, Action.CASE_VIEW)
    person = person_get(user=request.user, public_id=person_id)
    if not may(request.user, Action.RISK_ASSESS, person):
        raise Http404
    return person


def _context(
    request, person, target: str, key, *, back: str = "", form: str = ""
) -> AccessContext | HttpResponse:
    """The access context, or a redirect to state a purpose for a person outside the
    user's caseload (remembered for the person, as on the person page)."""
    ctx = AccessContext.from_request(request)
    if not access_purpose.needs_purpose(request.user, person):
        return ctx
    given = access_purpose.purpose_for(request, person.public_id)
    if given is None:
        url = reverse("risk:purpose", kwargs={"person_id": person.public_id})
        return access_purpose.prompt(
            request, person.public_id, url=f"{url}?next={target}&key={key}", back=back, form=form
        )
    return ctx.with_purpose(given.code, given.note)


def _kept(request):
    """What was typed before the purpose prompt interrupted this form, shown again unsaved."""
    kept = access_purpose.kept_data(request)
    if kept is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    return kept


def _go(request, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _person_url(person) -> str:
    return reverse("risk:person", kwargs={"person_id": person.public_id})


def _assessment_url(assessment) -> str:
    return reverse("risk:assessment", kwargs={"public_id": assessment.public_id})


def _apply(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def _criterion_texts(pack_id: str) -> dict[str, str]:
    pack = get_pack(pack_id)
    lang = _lang()
    return {code: getattr(c, lang) for code, c in pack.criteria.items()}


@login_required
def purpose(request, person_id):
    """Why a person outside the caseload is opened; shows no person data."""
    person = _person(request, person_id)
    target = request.GET.get("next", "person")
    if target not in PURPOSE_TARGETS:
        target = "person"
    name, kwarg = PURPOSE_TARGETS[target]
    key = person.public_id if kwarg == "person_id" else request.GET.get("key", "")
    try:
        url = reverse(name, kwargs={kwarg: key})
    except Exception:  # noqa: BLE001 - a malformed key: back to the person's risk page
        url = _person_url(person)
    # Back to the page the user was on (kept server-side), else the named target.
    url = access_purpose.return_url(request, person.public_id) or url
    if not access_purpose.needs_purpose(request.user, person):
        return redirect(url)
    initial = {"purpose": PURPOSE_DEFAULT.get(target, AccessPurpose.SUPERVISION)}
    form = PurposeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        access_purpose.remember_purpose(
            request,
            str(person.public_id),
            code=form.cleaned_data["purpose"],
            note=form.cleaned_data["note"],
        )
        return redirect(url)
    return render(request, "people/person_purpose.html", {"form": form, "target": target})


# --- the person's risk page: current category, history, review requests -----------------


@login_required
def person_page(request, person_id):
    person = _person(request, person_id)
    ctx = _context(request, person, "person", person.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    audit_record(
        ctx=ctx,
        action=AuditAction.READ,
        obj=person,
        fields=("name", "risk_category", "risk_assessments", "risk_review_requests"),
    )
    history = selectors.history(person)
    return render(
        request,
        "risk/person.html",
        {
            "person": person,
            "risk": selectors.person_risk(person),
            "history": [(a, evidence_rows(a)) for a in history],
            "open": next((a for a in history if a.is_open), None),
            "requests": selectors.review_requests(person),
            "can_assess": True,
        },
    )


@login_required
@require_POST
def start(request, person_id):
    person = _person(request, person_id)
    ctx = _context(request, person, "person", person.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    try:
        assessment = services.assessment_start(actor=ctx, person=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_person_url(person))
    return redirect("risk:assessment-edit", public_id=assessment.public_id)


# --- filling in an assessment --------------------------------------------------------------


def _assessment(request, public_id):
    require(request.user, Action.CASE_VIEW)
    return selectors.assessment_get(user=request.user, public_id=public_id)


def _proposal_context(assessment, result: engine.Result | None) -> dict:
    lang = _lang()
    if result is None:
        reasons = [(r["code"], r[lang]) for r in assessment.reasons]
        assessed, category = assessment.assessed, assessment.category
        current = assessment.current_before
    else:
        reasons = [(r.code, getattr(r, lang)) for r in result.reasons]
        assessed, category = result.assessed.value, result.category.value
        current = result.current.value if result.current else None
    down = current is not None and engine.Category(assessed).rank < engine.Category(current).rank
    return {
        "p_assessed": assessed,
        "p_category": category,
        "p_current": current,
        "p_reasons": [(c, t) for c, t in reasons if c not in ("assessment", "adjustment")],
        "p_summary": [t for c, t in reasons if c in ("assessment", "adjustment")],
        "p_downgrade": down,
        "p_clamped": down and assessed != category,
    }


def _changed_label(form, name: str) -> str:
    """A changed field as the assessor knows it: evidence fields carry their criterion."""
    label = str(form.fields[name].label) if name in form.fields else name
    kind, _sep, code = name.partition("_")
    return f"{code} {label}" if kind in ("note", "doc") and code.isalnum() else label


@login_required
def assessment_edit(request, public_id):
    assessment = _assessment(request, public_id)
    person = assessment.person
    if assessment.assessor_id != request.user.pk or assessment.status not in EDITABLE_STATUSES:
        return redirect(_assessment_url(assessment))
    ctx = _context(request, person, "edit", assessment.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    form = forms.AssessmentForm(
        request.POST or _kept(request),
        initial=forms.initial_for(assessment),
        from_record=assessment.from_record,
    )
    result = None
    # The version the form was opened with comes back with it (see people.views.person_edit).
    version = request.POST.get("version") or services.assessment_version(assessment)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(
                actor=ctx,
                assessment=assessment,
                answers=form.answers(),
                evidence=form.evidence(),
                version=version,
            )
            # Saved: a refused submission re-renders the form at the saved version.
            version = services.assessment_version(assessment)
            if request.POST.get("submit"):
                services.assessment_submit(actor=ctx, assessment=assessment)
                messages.success(request, _("The assessment has been sent for approval."))
                return redirect(_assessment_url(assessment))
        except services.StaleEdit as exc:
            labels = "、".join(_changed_label(form, f) for f in exc.fields)
            form.add_error(
                None,
                _(
                    "Someone else changed this record after you opened it: %(fields)s. "
                    "Your changes were not saved; reopen the record to see the new values."
                )
                % {"fields": labels},
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The assessment has been saved."))
            return redirect("risk:assessment-edit", public_id=assessment.public_id)
    else:
        audit_record(
            ctx=ctx,
            action=AuditAction.READ,
            obj=person,
            fields=("name", "risk_assessment", "measures", "findings", "external_periods"),
        )
    return render(
        request,
        "risk/assessment_form.html",
        {
            "assessment": assessment,
            "person": person,
            "form": form,
            "version": version,
            "rows": _rows_with_refs(form, assessment),
            "from_record_codes": services.record_only_codes(assessment),
            **_proposal_context(assessment, result),
        },
    )


def _rows_with_refs(form, assessment) -> list[dict]:
    refs = dict(evidence_rows(assessment))
    rows = form.rows(_criterion_texts(assessment.pack_id))
    for row in rows:
        row["refs"] = refs.get(row["code"], {}).get("refs", [])
    return rows


@login_required
@require_POST
def assessment_preview(request, public_id):
    """The engine's proposal for the answers on the form, not saved (htmx partial). It
    shows nothing beyond what the audited form page already showed, so it writes no event."""
    assessment = _assessment(request, public_id)
    if assessment.assessor_id != request.user.pk or assessment.status not in EDITABLE_STATUSES:
        raise Http404
    form = forms.AssessmentForm(
        request.POST, initial=forms.initial_for(assessment), from_record=assessment.from_record
    )
    result = None
    if form.is_valid():
        try:
            result = services.assessment_proposal(assessment=assessment, answers=form.answers())
        except ValidationError:
            result = None
    return render(
        request,
        "risk/assessment_form.html#proposal",
        {"assessment": assessment, **_proposal_context(assessment, result)},
    )


# --- reading, approving, returning ---------------------------------------------------------


@login_required
def assessment_detail(request, public_id):
    assessment = _assessment(request, public_id)
    person = assessment.person
    ctx = _context(request, person, "assessment", assessment.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    assessment_read_audit(ctx=ctx, assessment=assessment)
    notice = getattr(assessment, "notice", None)
    # A decision or handover sent before the purpose was stated comes back filled in.
    decision = access_purpose.kept_data(request, form="decision")
    handover = access_purpose.kept_data(request, form="handover")
    if decision is not None or handover is not None:
        messages.info(request, _("Your entries were kept. Check them and save."))
    return render(
        request,
        "risk/assessment_detail.html",
        _detail_context(
            request,
            assessment,
            notice,
            forms.DecisionForm(decision),
            forms.HandoverForm(handover) if handover is not None else None,
        ),
    )


def _detail_context(request, assessment, notice, decision_form, handover_form) -> dict:
    user = request.user
    return {
        "assessment": assessment,
        "person": assessment.person,
        "rows": evidence_rows(assessment),
        "notice": notice,
        "can_decide": assessment.status == AssessmentStatus.SUBMITTED
        and may(user, Action.RISK_APPROVE, assessment),
        "own": assessment.assessor_id == user.pk,
        "can_edit": assessment.assessor_id == user.pk and assessment.status in EDITABLE_STATUSES,
        "decision_form": decision_form,
        "handover_form": handover_form
        or forms.HandoverForm(initial=forms.today_initial("handed_over_on")),
        "S": AssessmentStatus,
        "p_final": assessment.status == AssessmentStatus.APPROVED,
        **_proposal_context(assessment, None),
    }


@login_required
@require_POST
def assessment_decide(request, public_id):
    assessment = _assessment(request, public_id)
    person = assessment.person
    ctx = _context(
        request,
        person,
        "assessment",
        assessment.public_id,
        back=_assessment_url(assessment),
        form="decision",
    )
    if isinstance(ctx, HttpResponse):
        return ctx
    require(request.user, Action.RISK_APPROVE, assessment)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.assessment_approve(
                    actor=ctx, assessment=assessment, comment=data["comment"]
                )
                messages.success(request, _("The assessment is approved; the notice is ready."))
            else:
                services.assessment_return(
                    actor=ctx, assessment=assessment, comment=data["comment"]
                )
                messages.success(request, _("The assessment has been returned to the assessor."))
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _go(request, _assessment_url(assessment))
    audit_record(ctx=ctx, action=AuditAction.READ, obj=person, fields=("name", "risk_assessment"))
    assessment.refresh_from_db()
    return render(
        request,
        "risk/assessment_detail.html",
        _detail_context(request, assessment, getattr(assessment, "notice", None), form, None),
    )


@login_required
def notice_pdf_view(request, public_id):
    assessment = _assessment(request, public_id)
    notice = getattr(assessment, "notice", None)
    if notice is None:
        raise Http404
    person = assessment.person
    ctx = _context(request, person, "assessment", assessment.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    from kangfu.risk.notice import notice_pdf

    audit_record(ctx=ctx, action=AuditAction.PRINT, obj=person, fields=("name", "risk_notice"))
    pdf = notice_pdf(notice, person=person, township=person.township)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{assessment.public_id}.pdf"'
    return response


@login_required
@require_POST
def notice_handover_view(request, public_id):
    assessment = _assessment(request, public_id)
    notice = getattr(assessment, "notice", None)
    if notice is None or not may(request.user, Action.RISK_ASSESS, assessment):
        raise Http404
    ctx = _context(
        request,
        assessment.person,
        "assessment",
        assessment.public_id,
        back=_assessment_url(assessment),
        form="handover",
    )
    if isinstance(ctx, HttpResponse):
        return ctx
    form = forms.HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.notice_handover(actor=ctx, notice=notice, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The handover of the notice has been recorded."))
            return _go(request, _assessment_url(assessment))
    audit_record(
        ctx=ctx, action=AuditAction.READ, obj=assessment.person, fields=("name", "risk_assessment")
    )
    return render(
        request,
        "risk/assessment_detail.html",
        _detail_context(request, assessment, notice, forms.DecisionForm(), form),
    )


# --- review requests ---------------------------------------------------------------------


@login_required
def review_create(request, person_id):
    person = _person(request, person_id)
    ctx = _context(request, person, "person", person.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    form = forms.ReviewRequestForm(
        request.POST or _kept(request), initial=forms.today_initial("requested_on")
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_request_create(actor=ctx, person=person, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The request for review has been recorded."))
            return _go(request, _person_url(person))
    # Only a form: no person data is shown until it is saved.
    return render(
        request,
        "risk/simple_form.html",
        {"form": form, "title": _("Record a request for review"), "back": _person_url(person)},
    )


def _review(request, public_id):
    require(request.user, Action.CASE_VIEW)
    review = selectors.review_request_get(user=request.user, public_id=public_id)
    if not may(request.user, Action.RISK_ASSESS, review):
        raise Http404
    return review


@login_required
def review_answer(request, public_id):
    review = _review(request, public_id)
    person = review.person
    ctx = _context(request, person, "review", review.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    back = _person_url(person)
    if review.state != ReviewState.OPEN:
        return redirect(f"{back}#reviews")
    form = forms.ReviewAnswerForm(
        request.POST or _kept(request), initial=forms.today_initial("answered_on")
    )
    own = request.user.pk == review.original_assessor_id
    if request.method == "POST" and form.is_valid() and not own:
        try:
            services.review_request_answer(actor=ctx, request=review, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The answer has been recorded. Tell the person."))
            return _go(request, f"{back}#reviews")
    audit_record(
        ctx=ctx,
        action=AuditAction.READ,
        obj=person,
        fields=("name", "risk_review_request", "risk_assessment"),
    )
    return render(
        request,
        "risk/review_answer.html",
        {"review": review, "person": person, "form": form, "own": own, "back": back},
    )


@login_required
@require_POST
def review_notify(request, public_id):
    review = _review(request, public_id)
    ctx = _context(request, review.person, "review", review.public_id)
    if isinstance(ctx, HttpResponse):
        return ctx
    form = forms.NotifyForm(request.POST)
    back = f"{_person_url(review.person)}#reviews"
    if form.is_valid():
        try:
            services.review_request_notify(actor=ctx, request=review, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("It has been recorded that the person was told."))
    else:
        messages.error(request, _("Please correct the fields marked below."))
    return _go(request, back)


# --- the supervisor's overview ---------------------------------------------------------------

VIEWS = {
    "due": lambda user, on: selectors.due_for_review(user=user, on=on),
    "soon": lambda user, on: selectors.review_soon(user=user, on=on),
    "high": lambda user, on: selectors.high_without_fresh_assessment(user=user, on=on),
    "approval": lambda user, on: selectors.awaiting_approval(user=user),
    "reviews": lambda user, on: selectors.open_review_requests(user=user),
}


@login_required
def overview(request):
    """For the user's subtree: who is due or overdue for review, who has been high too long
    without a fresh assessment, what awaits approval, which review requests are open."""
    require(request.user, Action.CASE_VIEW)
    view = request.GET.get("view", "due")
    if view not in VIEWS:
        view = "due"
    today = timezone.localdate()
    page = Paginator(VIEWS[view](request.user, today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # One search event per page shown: how many, never the names (as the caseload does).
    audit_record(
        ctx=AccessContext.from_request(request),
        action=AuditAction.SEARCH,
        fields=("name", "risk_category") if rows else (),
        outside_caseload=False,
        detail=f"query=risk_{view} hits={page.paginator.count} page={page.number}",
    )
    return render(
        request,
        "risk/overview.html",
        {"view": view, "page": page, "rows": rows, "today": today},
    )
