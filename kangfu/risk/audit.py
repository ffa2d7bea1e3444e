"""The audit event of reading an assessment, shared by the risk pages and the API."""

from __future__ import annotations

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction

ASSESSMENT_READ_FIELDS = ("name", "risk_assessment")


def assessment_read_audit(*, ctx: AccessContext, assessment) -> None:
    audit_record(
        ctx=ctx, action=AuditAction.READ, obj=assessment.person, fields=ASSESSMENT_READ_FIELDS
    )
