"""Statistics pages: a dashboard per node with drill-down to its children, the glossary,
and the monthly / quarterly report as Excel or PDF. Figures only, never persons (except the
township's own list of measures past their legal end, audited as a list)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.reports import exports, selectors
from kangfu.reports.figures import FIGURES, GROUPS, RATES

EXPORT_FORMATS = {"xlsx", "pdf"}


def _require_dashboard(request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not selectors.has_dashboard(request.user):
        # Partners and administrators have no statistics pages at all (docs/reports.md).
        raise PermissionDenied


class BadPeriod(ValueError):
    pass


def _period(request) -> selectors.Period:
    """The period asked for; BadPeriod with a message naming the field when malformed."""
    kind = request.GET.get("period") or "month"
    if kind not in ("month", "quarter"):
        raise BadPeriod(_("Period: choose month or quarter."))
    try:
        first = selectors.parse_month(request.GET.get("month"))
    except ValueError:
        raise BadPeriod(_("Month: enter a month as YYYY-MM, e.g. 2026-11.")) from None
    return selectors.period_of(kind, first)


def _audit(request, node, action: str, detail: str) -> None:
    # No object id: the access log reads an object id as a person's, and there is none
    # here. The node is in the scope path and the detail.
    audit_record(
        ctx=AccessContext.from_request(request, purpose=AccessPurpose.STATISTICS),
        action=action,
        obj=("reports.statistics", "", node.path),
        outside_caseload=False,
        detail=f"{detail} node={node.code}",
    )


def index(request):
    if not request.user.is_authenticated:
        return redirect("login")
    _require_dashboard(request)
    nodes = selectors.home_nodes(request.user)
    if len(nodes) == 1:
        return redirect("reports:dashboard", code=nodes[0].code)
    return render(request, "reports/index.html", {"nodes": nodes})


def glossary(request):
    if not request.user.is_authenticated:
        return redirect("login")
    _require_dashboard(request)
    return render(
        request,
        "reports/glossary.html",
        {"figures": FIGURES, "rates": RATES, "groups": GROUPS, "threshold": selectors.threshold()},
    )


def _groups():
    """[(key, group label, [figures], [rates])] in the order of GROUPS."""
    out = []
    for key, label in GROUPS.items():
        figs = [f for f in FIGURES if f.group == key]
        rates = [r for r in RATES if r.group == key]
        out.append((key, label, figs, rates))
    return out


def dashboard(request, code: str):
    if not request.user.is_authenticated:
        return redirect("login")
    _require_dashboard(request)
    node = selectors.node_for(request.user, code)
    error = ""
    try:
        period = _period(request)
    except BadPeriod as exc:
        error = str(exc)
        period = selectors.period_of("month", None)
    raw = selectors.sees_raw(request.user, node)
    table = selectors.figures_table(node, period, raw=raw)
    trend = selectors.series(node, until=period.last_day or period.first, raw=raw)
    today = timezone.localdate()
    defects = list(selectors.defects(request.user, node, today)[:50])
    _audit(
        request,
        node,
        AuditAction.READ,
        f"dashboard level={node.level} period={period.kind}:{period.label}",
    )
    if defects:
        audit_record(
            ctx=AccessContext.from_request(request),
            action=AuditAction.SEARCH,
            fields=("measure.ends_on",),
            outside_caseload=False,
            scope_path=node.path,
            detail=f"query=past_legal_end township={node.code} hits={len(defects)}",
        )
    return render(
        request,
        "reports/dashboard.html",
        {
            "node": node,
            "period": period,
            "table": table,
            "groups": _groups(),
            "trend": trend,
            "chart_data": trend["chart"],
            "ancestors": selectors.ancestors(node, request.user),
            "defects": defects,
            "today": today,
            "period_error": error,
        },
        status=400 if error else 200,
    )


def received(request, code: str | None = None):
    """Figures received from province instances (a national instance): the provinces of a
    month, or one received node and its children. Already suppressed by the sender."""
    if not request.user.is_authenticated:
        return redirect("login")
    _require_dashboard(request)
    national = selectors.national_node(request.user)
    if national is None:
        raise Http404
    months = selectors.received_months()
    try:
        month = selectors.parse_month(request.GET.get("month"))
    except ValueError:
        month = None
    month = month or (months[0] if months else None)
    node, rows = selectors.received_figures(month=month, code=code)
    if code is not None and node is None:
        raise Http404
    _audit(
        request,
        national,
        AuditAction.READ,
        f"received code={code or '-'} period=month:{month:%Y-%m}" if month else "received",
    )
    return render(
        request,
        "reports/received.html",
        {
            "node": node,
            "rows": rows,
            "month": month,
            "months": months,
            "figures": FIGURES,
            "rates": RATES,
        },
    )


def report(request, code: str, fmt: str):
    if not request.user.is_authenticated:
        return redirect("login")
    _require_dashboard(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    node = selectors.node_for(request.user, code)
    try:
        period = _period(request)
    except BadPeriod as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    if not period.days:
        raise Http404(_("No statistics have been built for this period."))
    document = exports.build(node=node, period=period, user=request.user, fmt=fmt)
    _audit(
        request,
        node,
        AuditAction.EXPORT,
        f"report {fmt} level={node.level} period={period.kind}:{period.label}",
    )
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
