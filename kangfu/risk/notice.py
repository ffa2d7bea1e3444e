"""The notice of an assessment to the person (评估告知书) as HTML and PDF.

Always in Chinese — it is the document the person keeps — whatever the caseworker's UI
language. The content is the snapshot stored on approval; the person's name and the township
are added at print time and are never stored in the snapshot.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation

from kangfu.policy.choices import Category, DueKind


def _rows(content: dict) -> dict:
    return {
        **content,
        "category_zh": Category(content["category"]).zh,
        "before_zh": Category(content["category_before"]).zh
        if content.get("category_before")
        else "",
        "assessed_zh": Category(content["assessed"]).zh,
        "as_of": dt.date.fromisoformat(content["as_of"]),
        "approved_on": dt.date.fromisoformat(content["approved_on"]),
        "next_review_on": dt.date.fromisoformat(content["next_review_on"]),
        "schedule": [
            {"label": DueKind(e["kind"]).zh, "every_months": e["every_months"]}
            for e in content["schedule"]
        ],
    }


def notice_html(notice, *, person, township) -> str:
    with translation.override("zh-hans"):
        return render_to_string(
            "risk/notice_pdf.html",
            {"notice": notice, "c": _rows(notice.content), "person": person, "township": township},
        )


def notice_pdf(notice, *, person, township) -> bytes:
    """The notice as an A4 PDF (WeasyPrint; the Noto CJK fonts come from the system)."""
    from weasyprint import HTML

    return HTML(string=notice_html(notice, person=person, township=township)).write_pdf()
