"""The audit log in words: each event's stored facts as one sentence in the reader's language.

An event keeps its facts compactly (``detail`` such as ``query=today township=7 hits=12``,
``fields`` such as ``["name", "birth_date"]``) so that the hash chain stays simple and
language-free. The pages turn them into sentences here: the kind of list that was searched,
the place by its name (looked up for a whole page in one query), how many were found, and
the data shown by their labels. Unknown keys keep their raw text rather than disappear:
the log must never hide a fact, even one this table does not know yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.utils.translation import pgettext_lazy as _p

from kangfu.access.models import Jurisdiction

# What each kind of search looked at (the ``query=`` of a search event's detail).
QUERY_SENTENCES = {
    "browse": _p("audit", "Browsed the person list"),
    "id_number": _p("audit", "Looked up a person by ID number"),
    "name_prefix": _p("audit", "Searched the person list by name"),
    "caseload": _p("audit", "Opened the case list"),
    "today": _p("audit", "Opened the Today page"),
    "referrals": _p("audit", "Opened the referral list"),
    "risk_due": _p("audit", "Opened the list of persons due for a risk review"),
    "risk_high": _p("audit", "Opened the list of high-risk persons without a fresh assessment"),
    "risk_approval": _p("audit", "Opened the assessments awaiting approval"),
    "risk_reviews": _p("audit", "Opened the open review requests"),
    "portal_review_asks": _p("audit", "Opened the review requests sent from the portal"),
    "past_legal_end": _p("audit", "Checked the cases past their legal end"),
    "inbox": _p("audit", "Listed the inbox through the API"),
    "leave-requests": _p("audit", "Listed leave reports through the API"),
    "assessments": _p("audit", "Listed risk assessments through the API"),
    "appointments": _p("audit", "Listed appointments through the API"),
    "drug-tests": _p("audit", "Listed drug tests through the API"),
    "reminders": _p("audit", "Listed reminders through the API"),
}

# The person-list filters a search used (``filters=sex,township``).
FILTER_LABELS = {
    "sex": _p("audit", "sex"),
    "township": _p("audit", "township"),
    "mine": _p("audit", "own caseload"),
}

# Referral states as the referral list names them (the same msgids as kangfu.referrals).
REFERRAL_STATES = {
    "proposed": _p("referral", "Proposed"),
    "consented": _p("referral", "Consent given"),
    "sent": _p("referral", "Sent"),
    "accepted": _p("referral", "Accepted"),
    "declined": _p("referral", "Declined"),
    "in_progress": _p("referral", "In progress"),
    "completed": _p("referral", "Outcome recorded"),
    "closed": _p("referral", "Closed"),
}

# The data an event shows or changes (``fields``), by label. A dotted name is a part of a
# record ("measure.ends_on"); an unknown part falls back to the label of what contains it.
FIELD_LABELS = {
    "document": _p("audit field", "document"),
    "document.withdrawn": _p("audit field", "document withdrawn"),
    "documents": _p("audit field", "documents"),
    "visit": _p("audit field", "visit or interview"),
    "visit.follow_up": _p("audit field", "visit follow-up task"),
    "visit.note": _p("audit field", "visit note"),
    "visit.withdrawn": _p("audit field", "visit withdrawn"),
    "absence": _p("audit field", "absence"),
    "absence.withdrawn": _p("audit field", "absence withdrawn"),
    "absences": _p("audit field", "absences"),
    "access_history": _p("audit field", "access history"),
    "address": _p("audit field", "address"),
    "aftercare_consent": _p("audit field", "aftercare consent"),
    "aftercare_consent.withdrawn_on": _p("audit field", "aftercare consent withdrawn"),
    "agreement": _p("audit field", "agreement"),
    "agreement.signed_on": _p("audit field", "agreement signing date"),
    "agreements": _p("audit field", "agreements"),
    "api_token": _p("audit field", "API token"),
    "api_token.revoked_at": _p("audit field", "API token revocation"),
    "api_token.revoked_at.deactivated": _p("audit field", "API token revoked: account deactivated"),
    "api_token.revoked_at.password": _p("audit field", "API token revoked: password changed"),
    "appointment.state": _p("audit field", "appointment state"),
    "appointments": _p("audit field", "appointments"),
    "audit_log": _p("audit field", "access log"),
    "birth_date": _p("audit field", "date of birth"),
    "break_glass_review": _p("audit field", "emergency access review"),
    "case": _p("audit field", "case"),
    "case.state": _p("audit field", "case state"),
    "caseworker": _p("audit field", "caseworker"),
    "code": _p("audit field", "code"),
    "consents": _p("audit field", "consents"),
    "contact": _p("audit field", "contact details"),
    "delegated_test": _p("audit field", "delegated test"),
    "disclosures": _p("audit field", "disclosures"),
    "drug_test": _p("audit field", "drug test"),
    "drug_test.lab_result": _p("audit field", "laboratory result"),
    "drug_test.retest": _p("audit field", "retest"),
    "drug_test.retest_result": _p("audit field", "retest result"),
    "drug_test.told_on": _p("audit field", "date the person was told the result"),
    "drug_tests": _p("audit field", "drug tests"),
    "external_period": _p("audit field", "period outside the community"),
    "external_periods": _p("audit field", "periods outside the community"),
    "finding": _p("audit field", "finding"),
    "finding.correction_reported_on": _p("audit field", "correction report date"),
    "finding.explanation": _p("audit field", "the person's explanation"),
    "finding.notified_on": _p("audit field", "notification date"),
    "finding.state": _p("audit field", "finding decision"),
    "findings": _p("audit field", "findings"),
    "former_names": _p("audit field", "former names"),
    "hukou_place": _p("audit field", "place of household registration"),
    "id_number": _p("audit field", "ID number"),
    "identity": _p("audit field", "identity"),
    "is_active": _p("audit field", "account active"),
    "jurisdiction": _p("audit field", "jurisdiction"),
    "kind": _p("audit field", "kind"),
    "leave": _p("audit field", "leave"),
    "leave_request": _p("audit field", "leave report"),
    "leave_request.state": _p("audit field", "leave decision"),
    "legal_hold": _p("audit field", "legal hold"),
    "level": _p("audit field", "level"),
    "measure": _p("audit field", "measure"),
    "measure.ends_on": _p("audit field", "measure end date"),
    "measure.reported_on": _p("audit field", "report date"),
    "measure.state": _p("audit field", "measure state"),
    "measures": _p("audit field", "measures"),
    "name": _p("audit field", "name"),
    "parent": _p("audit field", "parent jurisdiction"),
    "password": _p("audit field", "password"),
    "phone": _p("audit field", "phone"),
    "portal": _p("audit field", "portal"),
    "portal_account": _p("audit field", "portal account"),
    "portal_account.disabled": _p("audit field", "portal account switched off"),
    "portal_account.password": _p("audit field", "portal password"),
    "portal_account.totp": _p("audit field", "portal second factor"),
    "portal_code": _p("audit field", "portal activation code"),
    "purged": _p("audit field", "identity data purged"),
    "referral": _p("audit field", "referral"),
    "referral.answer": _p("audit field", "referral answer"),
    "referral.closed": _p("audit field", "referral closed"),
    "referral.consent": _p("audit field", "referral consent"),
    "referral.internal_note": _p("audit field", "internal note on the referral"),
    "referral.outcome": _p("audit field", "referral outcome"),
    "referral.started": _p("audit field", "start of the service"),
    "referrals": _p("audit field", "referrals"),
    "reminders": _p("audit field", "reminders"),
    "residence_place": _p("audit field", "place of residence"),
    "risk": _p("audit field", "risk"),
    "risk.category": _p("audit field", "risk category"),
    "risk.needs_reassessment": _p("audit field", "reassessment needed"),
    "risk.next_review": _p("audit field", "next review date"),
    "risk.reasons": _p("audit field", "reasons for the risk category"),
    "risk_assessment": _p("audit field", "risk assessment"),
    "risk_assessment.status": _p("audit field", "risk assessment status"),
    "risk_assessments": _p("audit field", "risk assessments"),
    "risk_category": _p("audit field", "risk category"),
    "risk_notice": _p("audit field", "risk notice"),
    "risk_notice.handover": _p("audit field", "handover of the risk notice"),
    "risk_notices": _p("audit field", "risk notices"),
    "risk_review_request": _p("audit field", "review request"),
    "risk_review_request.answer": _p("audit field", "answer to the review request"),
    "risk_review_request.notified": _p("audit field", "notice of the review request"),
    "risk_review_requests": _p("audit field", "review requests"),
    "role": _p("audit field", "role"),
    "schedule": _p("audit field", "schedule"),
    "sex": _p("audit field", "sex"),
    "state": _p("audit field", "state"),
    "support": _p("audit field", "support"),
    "tests": _p("audit field", "tests"),
    "timeline": _p("audit field", "timeline"),
    "totp": _p("audit field", "second factor"),
    "township": _p("audit field", "township"),
    "transfer": _p("audit field", "transfer"),
    "transfer.reported_on": _p("audit field", "transfer report date"),
    "violation.withdrawn": _p("audit field", "violation withdrawn"),
    "violations": _p("audit field", "violations"),
}

_PAIR = re.compile(r"(\S+?)=(\S*)")


def parse_detail(detail: str) -> tuple[str, dict[str, str]]:
    """``"report pdf level=county node=520102"`` → ``("report pdf", {"level": ..., ...})``."""
    pairs = dict(_PAIR.findall(detail))
    words = " ".join(w for w in detail.split() if "=" not in w)
    return words, pairs


def field_label(name: str) -> str:
    probe = name
    while probe:
        if probe in FIELD_LABELS:
            return str(FIELD_LABELS[probe])
        probe = probe.rpartition(".")[0]
    return name


def field_labels(fields: Iterable[str]) -> str:
    labels = dict.fromkeys(field_label(f) for f in fields)  # ordered, without repeats
    return pgettext("list separator", ", ").join(labels)


def _period(value: str) -> str:
    """``month:2026-11`` or ``quarter:2026Q4`` (or a bare month) in words."""
    kind, _sep, label = value.rpartition(":")
    if match := re.fullmatch(r"(\d{4})Q([1-4])", label):
        return _("Q%(quarter)s %(year)s") % {"year": match[1], "quarter": match[2]}
    if match := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return _("%(year)s-%(month)s") % {"year": match[1], "month": match[2]}
    return label or kind


def place_refs(events: Iterable) -> tuple[set[int], set[str]]:
    """Jurisdiction primary keys and division codes the events' details mention."""
    ids, codes = set(), set()
    for event in events:
        _words, pairs = parse_detail(event.detail or "")
        if pairs.get("query") == "today" and pairs.get("township", "").isdigit():
            ids.add(int(pairs["township"]))
        for key in ("township", "node", "code", "sender"):
            value = pairs.get(key, "")
            if value.isdigit() and not (key == "township" and pairs.get("query") == "today"):
                codes.add(value)
    return ids, codes


def attach_descriptions(events: list) -> list:
    """Give each event its ``description`` in the active language; one query in all for
    the names of the places the page's events mention."""
    ids, codes = place_refs(events)
    names: dict[str, str] = {}
    if ids or codes:
        for pk, code, name in Jurisdiction.objects.filter(
            Q(pk__in=ids) | Q(code__in=codes)
        ).values_list("pk", "code", "name"):
            names[f"id:{pk}"] = name
            names[f"code:{code}"] = name
    for event in events:
        event.description = describe(event, names)
    return events


def describe(event, names: Mapping[str, str] | None = None) -> str:
    """The event as a sentence; ``names`` maps ``id:<pk>`` and ``code:<code>`` to place
    names (attach_descriptions fills it). Account administration has its own sentences."""
    names = names or {}
    sentence = event.sentence()
    if sentence:
        return sentence
    words, pairs = parse_detail(event.detail or "")
    sep = pgettext("clause separator", ", ")

    def place(key: str, value: str) -> str:
        return names.get(f"{key}:{value}") or _("code %(code)s") % {"code": value}

    parts: list[str] = []
    query = pairs.get("query")
    if query is not None:
        parts.append(str(QUERY_SENTENCES.get(query, query)))
        if pairs.get("mine") == "1":
            parts.append(_("own cases only"))
        township = pairs.get("township", "-")
        if township not in ("", "-"):
            key = "id" if query == "today" else "code"
            parts.append(_("township: %(place)s") % {"place": place(key, township)})
        filters = [f for f in pairs.get("filters", "-").split(",") if f and f != "-"]
        if filters:
            labels = pgettext("list separator", ", ").join(
                str(FILTER_LABELS.get(f, f)) for f in filters
            )
            parts.append(_("filtered by %(filters)s") % {"filters": labels})
        if pairs.get("state") in REFERRAL_STATES:
            parts.append(_("state: %(state)s") % {"state": REFERRAL_STATES[pairs["state"]]})
        if pairs.get("hits", "").isdigit():
            hits = int(pairs["hits"])
            parts.append(ngettext("%(n)s found", "%(n)s found", hits) % {"n": hits})
        if pairs.get("page", "1") not in ("1", ""):
            parts.append(_("page %(n)s") % {"n": pairs["page"]})
    elif words in ("dashboard", "report pdf", "report xlsx", "received", "import"):
        facts = {
            "place": place("code", pairs.get("node") or pairs.get("sender", "")),
            "period": _period(pairs.get("period") or pairs.get("month", "")),
        }
        if words == "dashboard":
            parts.append(_("Viewed the statistics of %(place)s for %(period)s") % facts)
        elif words.startswith("report"):
            facts["format"] = words.split()[1].upper()
            parts.append(_("Exported the %(format)s report of %(place)s for %(period)s") % facts)
        elif words == "received" and pairs.get("code", "-") != "-":
            facts["place"] = place("code", pairs["code"])
            parts.append(_("Viewed the package received from %(place)s for %(period)s") % facts)
        elif words == "received":
            parts.append(_("Viewed the list of received packages"))
        else:
            facts["n"] = pairs.get("nodes", "?")
            parts.append(
                _("Imported the package of %(place)s for %(period)s (%(n)s places)") % facts
            )
    elif event.detail and not event.detail.startswith("{"):
        parts.append(event.detail)  # a fact this table does not know yet: shown as stored
    if event.fields:
        parts.append(_("data: %(fields)s") % {"fields": field_labels(event.fields)})
    return sep.join(part for part in parts if part)
