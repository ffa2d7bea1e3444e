"""Writes to cases. Views, commands and tests all call these (DESIGN.md habit 1).

Every service is keyword-only, runs in one transaction, validates (a ``ValidationError``
keyed by the form field it concerns), asks ``lifecycle.require`` before any state change,
writes a ``CaseEvent`` for the timeline and an audit event about the person, whose record
this is, in the same transaction. ``actor`` is the request's AccessContext (a bare User is
accepted for commands and tests).

A package along its own seams; the public names are re-exported here, so callers keep
writing ``from kangfu.cases import services`` and ``services.case_open(...)``.
"""

from kangfu.cases.selectors import (
    breach_assess,
    last_measure_day,
    live_measure,
    pack_of,
    sealing_due,
)
from kangfu.cases.services._base import ART_21, Actor, timeline_add, withdraw_entry
from kangfu.cases.services.agreements import agreement_draw_up, agreement_sign
from kangfu.cases.services.case import (
    CaseOpening,
    case_category_record,
    case_category_record_many,
    case_close,
    case_open,
    case_open_many,
)
from kangfu.cases.services.findings import (
    breach_check,
    finding_decide,
    finding_explain,
    finding_notify,
    finding_propose,
    finding_report,
    finding_withdraw,
    may_decide,
    police_correction_record,
)
from kangfu.cases.services.leave import (
    absence_record,
    absence_withdraw,
    covering_states,
    leave_decide,
    leave_request_record,
)
from kangfu.cases.services.measures import (
    Decision,
    Report,
    measure_end,
    measure_record_decision,
    measure_record_decision_many,
    measure_refuse,
    measure_report,
    measure_report_many,
    measure_resume,
    measure_suspend,
    measure_terminate,
)
from kangfu.cases.services.records import (
    case_purge_identity,
    case_seal,
    legal_hold_place,
    legal_hold_release,
)
from kangfu.cases.services.transfers import (
    TransferAlreadyDecided,
    transfer_accept,
    transfer_decline,
    transfer_propose,
    transfer_report_record,
)

__all__ = [
    "ART_21",
    "Actor",
    "CaseOpening",
    "Decision",
    "Report",
    "TransferAlreadyDecided",
    "absence_record",
    "absence_withdraw",
    "agreement_draw_up",
    "agreement_sign",
    "breach_assess",
    "breach_check",
    "case_category_record",
    "case_category_record_many",
    "case_close",
    "case_open",
    "case_open_many",
    "case_purge_identity",
    "case_seal",
    "covering_states",
    "finding_decide",
    "finding_explain",
    "finding_notify",
    "finding_propose",
    "finding_report",
    "finding_withdraw",
    "last_measure_day",
    "leave_decide",
    "leave_request_record",
    "legal_hold_place",
    "legal_hold_release",
    "live_measure",
    "may_decide",
    "measure_end",
    "measure_record_decision",
    "measure_record_decision_many",
    "measure_refuse",
    "measure_report",
    "measure_report_many",
    "measure_resume",
    "measure_suspend",
    "measure_terminate",
    "pack_of",
    "police_correction_record",
    "sealing_due",
    "timeline_add",
    "transfer_accept",
    "transfer_decline",
    "transfer_propose",
    "transfer_report_record",
    "withdraw_entry",
]
