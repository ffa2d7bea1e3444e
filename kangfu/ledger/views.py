"""The /imports/ page and the Excel exports: thin views over ledger.services and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kangfu.access.audit import AccessContext
from kangfu.ledger import reader, services
from kangfu.ledger.forms import UploadForm
from kangfu.ledger.models import ImportRun, RunState
from kangfu.ledger.template import template_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_ON_PAGE = 200


def _townships(request) -> list:
    townships = services.import_townships(request.user)
    if not townships:
        raise PermissionDenied
    return townships


def _run_for(request, public_id) -> ImportRun:
    townships = _townships(request)
    return get_object_or_404(
        # The file itself is not needed to show the run (decrypting it on every poll is not).
        ImportRun.objects.select_related("township", "uploaded_by").defer("content"),
        public_id=public_id,
        township__in=townships,
    )


def _small_enough(form) -> bool:
    """Refuse a file over the limit before reading it into memory."""
    size = form.cleaned_data["file"].size
    if size > reader.MAX_BYTES:
        form.add_error(
            "file",
            _("The file is %(size)d MB; the most that can be imported at once is %(max)d MB.")
            % {"size": size // (1024 * 1024), "max": reader.MAX_BYTES // (1024 * 1024)},
        )
        return False
    return True


@login_required
def import_page(request):
    townships = _townships(request)
    form = UploadForm(request.POST or None, request.FILES or None, townships=townships)
    if request.method == "POST" and form.is_valid() and _small_enough(form):
        township = next(t for t in townships if t.pk == form.cleaned_data["township"])
        upload = form.cleaned_data["file"]
        run = services.import_run_create(
            actor=AccessContext.from_request(request),
            township=township,
            name=upload.name,
            content=upload.read(),
        )
        return redirect("ledger:import-run", public_id=run.public_id)
    runs = (
        ImportRun.objects.filter(township__in=townships)
        .select_related("township", "uploaded_by")
        .defer("content")[:10]
    )
    return render(request, "ledger/import.html", {"form": form, "runs": runs})


@login_required
def import_template(request):
    _townships(request)
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="kangfu-ledger-template.xlsx"'
    return response


@login_required
def import_run(request, public_id):
    run = _run_for(request, public_id)
    done, total = services.run_progress(run)
    outcome = run.outcome or {}
    context = {
        "run": run,
        "busy": run.state in (RunState.CHECKING, RunState.COMMITTING),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else None,
        "outcome": outcome,
        "problems": outcome.get("problems", [])[:PROBLEMS_ON_PAGE],
        "more_problems": max(0, outcome.get("problem_count", 0) - PROBLEMS_ON_PAGE),
        "can_commit": run.state == RunState.CHECKED and not outcome.get("problem_count"),
    }
    template = "ledger/run.html#status" if request.htmx else "ledger/run.html"
    return render(request, template, context)


@login_required
@require_POST
def import_commit(request, public_id):
    run = _run_for(request, public_id)
    try:
        services.import_run_commit(actor=AccessContext.from_request(request), run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("ledger:import-run", public_id=run.public_id)
