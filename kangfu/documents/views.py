"""Document pages: thin views over documents.selectors and documents.services (habit 7).

Everything is looked up through ``visible_to``: another jurisdiction's case or document is a
404. A file or preview is served only by ``document_file`` / ``document_preview``, each an
audited read with the purpose of access (never by the static or media machinery).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kangfu.access import purpose as access_purpose
from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.models import User
from kangfu.access.permissions import Action, may, require
from kangfu.cases import selectors as case_selectors
from kangfu.cases.forms import apply_errors
from kangfu.cases.models import Case
from kangfu.documents import content, forms, selectors, services
from kangfu.documents.choices import EXTENSIONS, DocumentKind
from kangfu.documents.models import Document

PAGE_SIZE = 20
SECTION_SIZE = 5


def _context(request, case: Case) -> AccessContext | HttpResponse:
    """The access context for this case, or a redirect to state a purpose first when the
    person is outside the user's caseload (the same prompt as the person's page)."""
    ctx = AccessContext.from_request(request)
    person = case.person
    if not access_purpose.needs_purpose(request.user, person):
        return ctx
    given = access_purpose.break_glass_for(request, person.public_id) or (
        access_purpose.purpose_for(request, person.public_id)
    )
    if given is None:
        url = reverse("people:person-purpose", kwargs={"public_id": person.public_id})
        return redirect(f"{url}?next=detail")
    return ctx.with_purpose(given.code, given.note)


def _list_url(case: Case) -> str:
    return reverse("documents:case-documents", kwargs={"case_id": case.public_id})


def _writer(user, case: Case) -> bool:
    return may(user, Action.DOCUMENT_UPLOAD, case)


def case_section(request, case: Case) -> SafeString:
    """The documents section of the case page (asked through cases.views.CASE_SECTIONS):
    the newest few, a count and the links. One query, and a count only when there are more
    documents than the section shows (the count is then what its link names)."""
    user = request.user
    if not may(user, Action.DOCUMENT_VIEW, case):
        return SafeString("")
    documents = selectors.case_documents(user=user, case=case).defer(
        *User.unnamed_fields("uploaded_by"), *User.unnamed_fields("withdrawn_by")
    )
    newest = list(documents[: SECTION_SIZE + 1])
    return render_to_string(
        "documents/case_section.html",
        {
            "case": case,
            "documents": newest[:SECTION_SIZE],
            "total": documents.count() if len(newest) > SECTION_SIZE else len(newest),
            "can_upload": _writer(user, case),
        },
        request=request,
    )


@login_required
@require_GET
def case_documents(request, case_id):
    require(request.user, Action.DOCUMENT_VIEW)
    case = case_selectors.case_get(user=request.user, public_id=case_id)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    page = Paginator(selectors.case_documents(user=request.user, case=case), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    documents = list(page.object_list)
    person = case.person
    person.township = case.township
    # The list shows file names and notes: a read of the person's record.
    audit_record(
        ctx=ctx,
        action=AuditAction.READ,
        obj=person,
        fields=("documents",),
        detail=f"documents shown={len(documents)} page={page.number}",
    )
    return render(
        request,
        "documents/case_documents.html",
        {
            "case": case,
            "person": person,
            "page": page,
            "documents": documents,
            "can_upload": _writer(request.user, case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request, case_id):
    require(request.user, Action.DOCUMENT_VIEW)
    case = case_selectors.case_get(user=request.user, public_id=case_id)
    require(request.user, Action.DOCUMENT_UPLOAD, case)
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    initial = (
        {"kind": request.GET.get("kind")} if request.GET.get("kind") in DocumentKind.values else {}
    )
    form = forms.UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = services.document_upload(
                actor=ctx,
                case=case,
                kind=form.cleaned_data["kind"],
                upload=upload,
                file_name=upload.name or "",
                note=form.cleaned_data["note"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if document.kind == DocumentKind.SIGNED_AGREEMENT:
                messages.success(
                    request,
                    _("The signed agreement is attached; the agreement (version %(v)s) is signed.")
                    % {"v": document.agreement.version},
                )
            else:
                messages.success(request, _("The document is attached."))
            return redirect(_list_url(case))
    status = 400 if form.errors else 200
    return render(
        request,
        "documents/upload.html",
        {
            "case": case,
            "form": form,
            "back": _list_url(case),
            "max_mb": content.MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


def _served(document: Document, data: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # No personal data in the name the browser saves it under.
    day = document.uploaded_at.date().isoformat()
    response["Content-Disposition"] = f'inline; filename="{document.kind}-{day}.{extension}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _open(request, public_id, part: str) -> HttpResponse:
    require(request.user, Action.DOCUMENT_VIEW)
    document = selectors.document_get(user=request.user, public_id=public_id)
    ctx = _context(request, document.case)
    if isinstance(ctx, HttpResponse):
        return ctx
    data = selectors.document_open(ctx=ctx, document=document, part=part)
    if part == "preview":
        return _served(document, data, "image/png", "png")
    return _served(document, data, document.file_type, EXTENSIONS[document.file_type])


@login_required
@require_GET
def document_file(request, public_id):
    return _open(request, public_id, "file")


@login_required
@require_GET
def document_preview(request, public_id):
    return _open(request, public_id, "preview")


@login_required
@require_http_methods(["GET", "POST"])
def document_withdraw(request, public_id):
    require(request.user, Action.DOCUMENT_VIEW)
    document = selectors.document_get(user=request.user, public_id=public_id)
    require(request.user, Action.DOCUMENT_UPLOAD, document)
    case = document.case
    ctx = _context(request, case)
    if isinstance(ctx, HttpResponse):
        return ctx
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_withdraw(
                actor=ctx, document=document, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The document is withdrawn."))
            return redirect(_list_url(case))
    return render(
        request,
        "documents/withdraw.html",
        {"case": case, "document": document, "form": form, "back": _list_url(case)},
        status=400 if form.errors else 200,
    )
