"""Template helpers for risk pages: evidence rows, record references, the person's link."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kangfu.access.permissions import Action, may
from kangfu.cases.choices import ExternalKind, FindingKind, MeasureKind, MeasureState
from kangfu.policy.choices import CRITERION_CODES
from kangfu.risk.choices import EvidenceSource, RiskCategory

register = template.Library()


class _Params(dict):
    def __missing__(self, key):
        return "—"


def ref_text(ref: dict) -> str:
    """A sentence for one reference to the case record, in the current language."""
    params = _Params(ref.get("params", {}))
    kind = ref.get("kind")
    if kind == "measure":
        params["measure"] = str(MeasureKind(params["measure"]).label)
        params["state"] = str(MeasureState(params["state"]).label)
        return (
            _(
                "%(measure)s, decision %(number)s (%(authority)s), in force %(starts_on)s to "
                "%(ends_on)s (%(state)s)."
            )
            % params
        )
    if kind == "finding":
        params["finding"] = str(FindingKind(params["finding"]).label)
        return _("%(finding)s, found on %(found_on)s: %(grounds)s") % params
    if kind == "release":
        params["external"] = str(ExternalKind(params["external"]).label)
        return _("%(external)s: released on %(released_on)s.") % params
    return ""


def evidence_rows(assessment) -> list[tuple[str, dict]]:
    """(code, row) for every criterion that holds or has evidence written down."""
    lang = "zh" if (get_language() or "zh").startswith("zh") else "en"
    reasons = {r["code"]: r[lang] for r in assessment.reasons}
    rows = []
    for code in CRITERION_CODES:
        item = assessment.evidence.get(code) or {}
        holds = code in assessment.criteria
        if not holds and not (item.get("note") or item.get("document")):
            continue
        rows.append(
            (
                code,
                {
                    "holds": holds,
                    "text": reasons.get(code, ""),
                    "from_record": item.get("source") == EvidenceSource.RECORD,
                    "refs": [ref_text(r) for r in item.get("refs", [])],
                    "note": item.get("note", ""),
                    "document": item.get("document", ""),
                },
            )
        )
    return rows


@register.filter
def category_label(value) -> str:
    if not value:
        return _("Not assessed")
    return str(RiskCategory(value).label)


@register.inclusion_tag("risk/person_risk_link.html", takes_context=True)
def person_risk_link(context, person):
    """On the person's page: the current category and a link to the risk history. Shown
    to case staff only (partners never learn a person's category)."""
    from django.urls import NoReverseMatch, reverse

    from kangfu.risk.models import PersonRisk

    user = context["request"].user
    staff = may(user, Action.CASE_VIEW, person)
    try:
        url = reverse("risk:person", kwargs={"person_id": person.public_id}) if staff else ""
    except NoReverseMatch:  # the risk app's URLs are not mounted
        url = ""
    risk = PersonRisk.objects.filter(person=person).first() if url else None
    return {"url": url, "risk": risk}


@register.simple_tag
def risk_overview_url() -> str:
    """The supervisor's risk page for the main menu ("" while its URLs are not mounted)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("risk:overview")
    except NoReverseMatch:
        return ""
