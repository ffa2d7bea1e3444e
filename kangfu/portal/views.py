"""The person's portal: signing in, and their own record in plain words (habit 7: thin).

Every page that shows something of the record writes a ``read`` event first (the person as
actor, purpose "self"), so the person's own looks appear in their access history like
anyone else's. Ids in URLs are always looked up among the person's own rows: another
person's id is a 404.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kangfu.access.audit import audit_record, client_address
from kangfu.access.audit_text import attach_descriptions
from kangfu.access.choices import AuditAction
from kangfu.cases import services as case_services
from kangfu.cases.agreements import agreement_pdf
from kangfu.cases.forms import apply_errors
from kangfu.portal import auth, forms, selectors, services
from kangfu.portal.auth import portal_required
from kangfu.referrals import services as referral_services
from kangfu.referrals.choices import REQUIRED_CATEGORIES, CloseReason, ReferralState
from kangfu.referrals.selectors import person_referral_get, person_referrals
from kangfu.visits.selectors import person_visits

RECORD_PAGE_SIZE = 30


def _read(request, fields) -> None:
    """The person's look at their own record, recorded before the page is shown."""
    session = request.portal
    audit_record(ctx=session.ctx, action=AuditAction.READ, obj=session.person, fields=fields)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    )
    return target if ok else "/portal/"


def _locked_message(exc: services.LockedOut) -> str:
    return _(
        "Too many wrong attempts. For your safety, signing in is paused until %(time)s. "
        "If you need help, ask your caseworker."
    ) % {"time": timezone.localtime(exc.until).strftime("%H:%M")}


# --- signing in and out -------------------------------------------------------------------------


def login(request):
    if auth.current(request) is not None:
        return redirect("portal:home")
    form = forms.SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account = services.portal_authenticate(
                id_number=form.cleaned_data["id_number"],
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except services.LockedOut as exc:
            form.add_error(None, _locked_message(exc))
            status = 429
        except services.SignInRefused:
            form.add_error(None, _("The ID number or the password is not right."))
        else:
            if account.totp_confirmed:
                request.session.flush()
                request.session[auth.PENDING_KEY] = account.pk
                return redirect(f"{_url('portal:login-code')}?next={quote(_next(request))}")
            auth.portal_login(request, account)
            return redirect(_next(request))
    return render(
        request, "portal/login.html", {"form": form, "next": _next(request)}, status=status
    )


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


def login_code(request):
    """The second step for a person who turned two-step sign-in on."""
    from kangfu.portal.models import PortalAccount

    pk = request.session.get(auth.PENDING_KEY)
    account = PortalAccount.objects.select_related("person").filter(pk=pk).first() if pk else None
    if account is None or not account.totp_confirmed:
        return redirect("portal:login")
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_totp_verify(
                account=account, token=form.cleaned_data["token"], address=client_address(request)
            )
        except services.LockedOut as exc:
            request.session.pop(auth.PENDING_KEY, None)
            form.add_error(None, _locked_message(exc))
            status = 429
        except services.SignInRefused:
            form.add_error("token", _("This code is wrong or has expired."))
        else:
            auth.portal_login(request, account)
            return redirect(_next(request))
    return render(
        request, "portal/login_code.html", {"form": form, "next": _next(request)}, status=status
    )


@require_POST
def logout(request):
    if auth.current(request) is not None or request.session.get(auth.PENDING_KEY):
        auth.portal_logout(request)
    return redirect("portal:login")


def activate(request):
    """First sign-in with the one-time code from the caseworker; the person chooses a
    password on the same page. The code works once, until it expires."""
    if auth.current(request) is not None:
        return redirect("portal:home")
    form = forms.ActivateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.portal_check_code(
                id_number=data["id_number"], code=data["code"], address=client_address(request)
            )
            account = services.portal_activate(
                ctx=auth.person_context(request, account.person),
                account=account,
                code=data["code"],
                password=data["password"],
            )
        except services.LockedOut as exc:
            form.add_error(None, _locked_message(exc))
            status = 429
        except services.SignInRefused:
            form.add_error(
                None,
                _(
                    "The ID number or the code is not right, or the code has expired. "
                    "Your caseworker can print a new code."
                ),
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            auth.portal_login(request, account)
            messages.success(request, _("Welcome. Your account is ready."))
            return redirect("portal:home")
    return render(request, "portal/activate.html", {"form": form}, status=status)


# --- the person's record --------------------------------------------------------------------------


@portal_required
def home(request):
    person = request.portal.person
    case = selectors.open_case(person)
    measure = selectors.live_measure(case)
    risk = selectors.risk_view(person)
    coming = selectors.upcoming(person)[:3]
    _read(request, ("name", "measures", "risk.category", "schedule"))
    return render(
        request,
        "portal/home.html",
        {"person": person, "case": case, "measure": measure, "risk": risk, "coming": coming},
    )


@portal_required
def schedule(request):
    person = request.portal.person
    coming = selectors.upcoming(person)
    _read(request, ("schedule",))
    return render(
        request,
        "portal/schedule.html",
        {"coming": coming, "days": selectors.UPCOMING_DAYS},
    )


@portal_required
def category(request):
    person = request.portal.person
    risk = selectors.risk_view(person)
    reviews = selectors.review_state(person)
    _read(request, ("risk.category", "risk.reasons", "risk.next_review", "risk_review_request"))
    return render(
        request,
        "portal/category.html",
        {
            "risk": risk,
            "notices": list(selectors.notices(person)),
            **reviews,
            "can_ask": risk.category is not None
            and not any(a.state == "waiting" for a in reviews["asks"])
            and not any(r.state == "open" for r in reviews["requests"]),
        },
    )


@portal_required
def review_new(request):
    form = forms.ReviewAskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_ask_create(ctx=request.portal.ctx, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request has been sent. Your caseworker will register it; the answer "
                    "is due within the time limit counted from today."
                ),
            )
            return redirect("portal:category")
    return render(request, "portal/form.html", {"form": form, "title": _("Ask for a review")})


@portal_required
def documents(request):
    person = request.portal.person
    _read(request, ("agreements", "risk_notices"))
    return render(
        request,
        "portal/documents.html",
        {
            "agreements": list(selectors.agreements(person)),
            "notices": list(selectors.notices(person)),
        },
    )


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@portal_required
def agreement_pdf_view(request, pk):
    person = request.portal.person
    agreement = selectors.agreement_get(person, pk)
    audit_record(
        ctx=request.portal.ctx, action=AuditAction.PRINT, obj=person, fields=("name", "agreement")
    )
    pdf = agreement_pdf(agreement, person=person, township=agreement.case.township)
    return _pdf(pdf, f"agreement-v{agreement.version}.pdf")


@portal_required
def notice_pdf_view(request, public_id):
    from kangfu.risk.notice import notice_pdf

    person = request.portal.person
    notice = selectors.notice_get(person, public_id)
    audit_record(
        ctx=request.portal.ctx, action=AuditAction.PRINT, obj=person, fields=("name", "risk_notice")
    )
    return _pdf(notice_pdf(notice, person=person, township=person.township), "notice.pdf")


@portal_required
def findings(request):
    """What the township proposes to find, why, and the person's right to explain."""
    person = request.portal.person
    rows = selectors.findings_for(person)
    _read(request, ("findings",))
    today = timezone.localdate()
    return render(
        request,
        "portal/findings.html",
        {
            "findings": rows,
            "open": {
                f.pk for f in rows if f.is_proposed and today <= (f.explanation_due_on or today)
            },
        },
    )


@portal_required
def finding_explain(request, pk):
    """The person's statement and defence (陈述、申辩), shown to the deciding officer."""
    person = request.portal.person
    finding = selectors.finding_for(person, pk)
    form = forms.ExplanationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.finding_explain(
                actor=request.portal.ctx, finding=finding, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            return redirect("portal:findings")
        else:
            messages.success(
                request,
                _("Your explanation has been sent. The officer reads it before deciding."),
            )
            return redirect("portal:findings")
    _read(request, ("findings",))
    return render(
        request,
        "portal/form.html",
        {"form": form, "title": _("My explanation"), "intro": finding.grounds},
    )


@portal_required
def leave_list(request):
    person = request.portal.person
    _read(request, ("leave",))
    case = selectors.open_case(person)
    measure = selectors.live_measure(case)
    return render(
        request,
        "portal/leave_list.html",
        {
            "leaves": list(selectors.leaves(person)),
            "can_submit": measure is not None and measure.state == "active",
        },
    )


@portal_required
def leave_new(request):
    person = request.portal.person
    case = selectors.open_case(person)
    if case is None:
        return redirect("portal:leave")
    form = forms.LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.leave_request_record(
                actor=request.portal.ctx,
                case=case,
                submitted_on=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            return redirect("portal:leave")
        else:
            messages.success(
                request, _("Your leave report has been sent. You will see the answer here.")
            )
            return redirect("portal:leave")
    return render(
        request, "portal/form.html", {"form": form, "title": _("Report a trip out of the county")}
    )


@portal_required
def support(request):
    person = request.portal.person
    _read(request, ("referrals",))
    return render(
        request,
        "portal/support.html",
        {
            "referrals": list(person_referrals(person)),
            "providers": list(selectors.providers_for(person)),
        },
    )


@portal_required
def referral(request, public_id):
    """One referral: what it is for, what would be shared with whom, and — while it is a
    proposal — the person's own yes or no."""
    person = request.portal.person
    item = person_referral_get(person, public_id)
    form = None
    if item.state == ReferralState.PROPOSED:
        form = forms.ConsentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["decision"] == "agree":
                    chosen = set(form.cleaned_data["categories"]) | {
                        c.value for c in REQUIRED_CATEGORIES
                    }
                    referral_services.referral_consent(
                        actor=request.portal.ctx, referral=item, categories=chosen
                    )
                    messages.success(request, _("Thank you. Your caseworker will send it now."))
                else:
                    referral_services.referral_close(
                        actor=request.portal.ctx, referral=item, reason=CloseReason.NO_CONSENT
                    )
                    messages.success(request, _("Understood. Nothing has been shared."))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("portal:referral", public_id=item.public_id)
    _read(request, ("referral",))
    return render(
        request,
        "portal/referral.html",
        {"referral": item, "form": form, "required": REQUIRED_CATEGORIES},
    )


@portal_required
def visits(request):
    """The visits and interviews that took place: the day and where, never what was noted
    (visits.selectors.person_visits does not even load the note)."""
    person = request.portal.person
    page = Paginator(person_visits(person), RECORD_PAGE_SIZE).get_page(request.GET.get("page"))
    _read(request, ("visit",))
    return render(request, "portal/visits.html", {"page": page})


@portal_required
def record(request):
    """Every access to and disclosure of the person's record. Staff appear as office and
    role, never by name (as on the printed record, docs/confidentiality.md)."""
    person = request.portal.person
    mine = request.GET.get("mine") == "1"
    events = selectors.record_events(person)
    if not mine:
        events = events.exclude(actor__isnull=True, actor_username__startswith="portal:")
    page = Paginator(events, RECORD_PAGE_SIZE).get_page(request.GET.get("page"))
    _read(request, ("access_history", "disclosures"))
    return render(
        request,
        "portal/record.html",
        {
            "page": page,
            "events": attach_descriptions(list(page.object_list)),
            "disclosures": list(selectors.disclosures(person)),
            "mine": mine,
        },
    )


# --- the person's account -------------------------------------------------------------------------

TOTP_PENDING_KEY = "kangfu_portal_totp_setup"


def _qr(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@portal_required
def account(request):
    session = request.portal
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_password_change(
                ctx=session.ctx,
                account=session.account,
                old=form.cleaned_data["old"],
                new=form.cleaned_data["new"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_errors(form, exc)
            else:  # the password validators' messages belong to the new password
                form.add_error("new", exc)
        else:
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:account")
    _read(request, ("portal_account",))
    return render(request, "portal/account.html", {"form": form, "account": session.account})


@portal_required
def totp_setup(request):
    session = request.portal
    secret = request.session.get(TOTP_PENDING_KEY) or services.totp_new_secret()
    request.session[TOTP_PENDING_KEY] = secret
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_totp_confirm(
                ctx=session.ctx,
                account=session.account,
                secret=secret,
                token=form.cleaned_data["token"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(TOTP_PENDING_KEY, None)
            messages.success(request, _("Two-step sign-in is on."))
            return redirect("portal:account")
    _read(request, ("portal_account.totp",))
    url = f"otpauth://totp/Kangfu?secret={secret.rstrip('=')}&issuer=Kangfu&digits=6&period=30"
    return render(
        request,
        "portal/totp_setup.html",
        {
            "form": form,
            "qr": _qr(url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret.rstrip("=")), 4)),
        },
    )


@portal_required
@require_POST
def totp_disable(request):
    services.portal_totp_disable(ctx=request.portal.ctx, account=request.portal.account)
    messages.success(request, _("Two-step sign-in is off."))
    return redirect("portal:account")
