"""The 社区戒毒/社区康复协议: its content from the pack and the measure, and its PDF.

The content is a plain JSON snapshot (no identity data) stored with each version, so a signed
version always prints as it was signed. The PDF adds the person's name at print time and is
always in Chinese (the document the person signs), whatever the caseworker's UI language.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone, translation

from kangfu.core.dates import add_months
from kangfu.policy import engine
from kangfu.policy.choices import DueKind
from kangfu.policy.packs import get_pack
from kangfu.policy.schema import Pack

# The agreement lists the due dates of its first year; the frequencies cover the rest.
LISTED_MONTHS = 12


def agreement_content(pack: Pack, measure, category: engine.Category) -> dict:
    """What the agreement says, as data: measure, schedule, leave rule, breach thresholds."""
    anchor = measure.starts_on
    entries = [e for e in pack.schedule_for(category) if e.requires == "measure"]
    dues = engine.schedule(
        pack,
        category=category,
        measure=engine.MeasureKind(measure.kind),
        anchor=anchor,
        start=anchor,
        until=add_months(anchor, LISTED_MONTHS),
        measure_end=measure.ends_on,
    )
    return {
        "pack": pack.id,
        "pack_version": pack.version,
        "kind": measure.kind,
        "decision_number": measure.decision_number,
        "deciding_authority": measure.deciding_authority,
        "starts_on": measure.starts_on.isoformat(),
        "ends_on": measure.ends_on.isoformat(),
        "category": category.value,
        "schedule": [{"kind": e.kind, "every_months": e.every_months} for e in entries],
        "dues": [[d.on.isoformat(), d.kind.value] for d in dues],
        "leave_days": pack.leave.written_report_from_days,
        # report (national, art. 19(3)): the written report is the duty; approval: local rule.
        "leave_mode": pack.leave.mode,
        "explanation_days": pack.due_process.explanation_days,
        "breach": pack.breach.model_dump(),
    }


def _rows(content: dict) -> dict:
    """The content with dates as dates and kinds as Chinese labels, for the template."""
    return {
        **content,
        "starts_on": dt.date.fromisoformat(content["starts_on"]),
        "ends_on": dt.date.fromisoformat(content["ends_on"]),
        "schedule": [
            {"label": DueKind(e["kind"]).zh, "every_months": e["every_months"]}
            for e in content["schedule"]
        ],
        "dues": [(dt.date.fromisoformat(on), DueKind(kind).zh) for on, kind in content["dues"]],
    }


def agreement_html(agreement, *, person, township, portal_code: str | None = None) -> str:
    with translation.override("zh-hans"):
        return render_to_string(
            "cases/agreement_pdf.html",
            {
                "agreement": agreement,
                "c": _rows(agreement.content),
                "person": person,
                "township": township,
                "kind_label": agreement.measure.get_kind_display(),
                "portal_code": portal_code,
            },
        )


def agreement_pdf(agreement, *, person, township, portal_code: str | None = None) -> bytes:
    """The agreement as an A4 PDF (WeasyPrint; the Noto CJK fonts come from the system).
    ``portal_code``, when given, is a fresh one-time activation code of the person's portal,
    printed on this copy only (it is never stored in clear)."""
    from weasyprint import HTML

    html = agreement_html(agreement, person=person, township=township, portal_code=portal_code)
    return HTML(string=html).write_pdf()


def finding_notice_html(finding, *, person, township) -> str:
    """The notice of a proposed finding (告知书): what is proposed, on which facts, that the
    person may explain (陈述、申辩) and until when, and who decides. Always in Chinese."""
    pack = get_pack(finding.case.pack_id)
    with translation.override("zh-hans"):
        return render_to_string(
            "cases/finding_notice_pdf.html",
            {
                "finding": finding,
                "person": person,
                "township": township,
                "explanation_days": pack.due_process.explanation_days,
                "today": timezone.localdate(),
            },
        )


def finding_notice_pdf(finding, *, person, township) -> bytes:
    from weasyprint import HTML

    return HTML(string=finding_notice_html(finding, person=person, township=township)).write_pdf()
